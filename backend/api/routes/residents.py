"""Residents: Sign-In with Ethereum, their balance and history, the offers catalogue, and the requests they sign in
their wallet (redeem, donate, pay another resident) that the backend relays, paying the gas (services.relay)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from backend.api.deps import ChainDep, DbDep, SettingsDep, client_address, require
from backend.api.schemas import (AfterId, DonateIn, Id, OfferId, OfferOut, OperationOut, PayIn, PrepareIn, RedeemIn,
                                 ResidentTokenOut, SiweNonceOut, SiweVerifyIn)
from backend.services.security import RESIDENT_ROLE, Principal, issue_resident_token
from backend.services import offers_catalogue, relay, residents

router = APIRouter(tags=["residents"])
Resident = Annotated[Principal, Depends(require(RESIDENT_ROLE))]


def _signed(who: Principal, body) -> relay.Signed:
    return relay.Signed(who.username, body.nonce, body.deadline, body.signature)


@router.get("/siwe/nonce", response_model=SiweNonceOut)
async def siwe_nonce(settings: SettingsDep, chain: ChainDep) -> SiweNonceOut:
    """A fresh single-use nonce for an EIP-4361 message, valid VB_SIWE_NONCE_TTL_S seconds: signed by the service,
    not stored (nothing is written until a sign-in with it succeeds)."""
    nonce, expires = residents.new_siwe_nonce(settings)
    return SiweNonceOut(nonce=nonce, expires_at=expires, domain=settings.siwe_domain, uri=settings.siwe_uri,
                        chain_id=chain.chain_id, issued_at=datetime.now(UTC).replace(microsecond=0))


@router.post("/siwe/verify", response_model=ResidentTokenOut)
def siwe_verify(body: SiweVerifyIn, request: Request, db: DbDep, settings: SettingsDep,
                chain: ChainDep) -> ResidentTokenOut:
    """Checks the signed message (domain, URI, chain id, times, signature) and uses up its nonce; returns a session
    token for the address."""
    address, ttl = residents.sign_in(db, settings, chain, body.message, body.signature, client_address(request))
    token = issue_resident_token(settings.jwt_secret, settings.jwt_issuer, ttl, address)
    return ResidentTokenOut(access_token=token, expires_in=ttl, address=address)


@router.get("/token")
def token_info(chain: ChainDep, settings: SettingsDep) -> dict:
    """What a wallet needs to show the coin (EIP-747 `wallet_watchAsset`) and to add the network (EIP-3085), and
    the won a provider is paid per coin now."""
    return residents.token_info(chain, settings)


@router.get("/offers", response_model=list[OfferOut])
def offers(db: DbDep, chain: ChainDep, include_inactive: bool = False) -> list[dict]:
    """The catalogue: every offer (price, capacity, sold, active) with its title and description, as the indexer last
    read the chain (no call to the node per offer)."""
    return offers_catalogue.catalogue(db, chain, include_inactive)


@router.get("/offers/{offer_id}", response_model=OfferOut)
def get_offer(offer_id: OfferId, db: DbDep, chain: ChainDep) -> dict:
    return offers_catalogue.offer_or_refuse(db, chain, offer_id)


@router.get("/me")
def me(who: Resident, db: DbDep, chain: ChainDep) -> dict:
    """Balance (on-chain now, and as indexed), coins held for requests in flight, the next EIP-712 nonce, the centre
    whose gas budget pays for my requests."""
    return residents.account(db, chain, who.username)


@router.get("/me/history")
def my_history(who: Resident, db: DbDep, chain: ChainDep, after_id: AfterId = 0, limit: int = 100) -> dict:
    """What happened to my coins, oldest first: activities attested (with their category), revocations, vouchers
    redeemed, donations, payments made and received — and my requests not yet on-chain."""
    return residents.history(db, chain, who.username, after_id, limit)


@router.get("/me/vouchers")
def my_vouchers(who: Resident, db: DbDep, chain: ChainDep) -> list[dict]:
    """My vouchers, newest first: offer, provider, price, whether used, and the check code to show at the desk (the
    voucher's number alone is not enough there)."""
    return residents.vouchers(db, chain, who.username)


@router.get("/me/operations", response_model=list[OperationOut])
def my_operations(who: Resident, db: DbDep, limit: int = 50) -> list[dict]:
    return residents.operations(db, who.username, limit)


@router.get("/me/operations/{op_id}", response_model=OperationOut)
def my_operation(op_id: Id, who: Resident, db: DbDep) -> dict:
    return residents.operation(db, who.username, op_id)


@router.post("/me/prepare")
def prepare(body: PrepareIn, who: Resident, db: DbDep, chain: ChainDep) -> dict:
    """The EIP-712 typed data to sign in the wallet (eth_signTypedData_v4), with the next nonce and a deadline."""
    return relay.prepare(db, chain, who.username, body.kind, body.valid_for_s, offer_id=body.offer_id,
                         max_price=body.max_price, charity=body.charity, payee=body.payee, amount=body.amount,
                         request_ref=body.request_ref, memo=body.memo)


@router.post("/me/redeem", response_model=OperationOut, status_code=202)
def redeem(body: RedeemIn, who: Resident, db: DbDep, chain: ChainDep, settings: SettingsDep) -> dict:
    """Redeems a voucher of an offer with a signed `Redeem` request; the backend pays the gas."""
    return relay.redeem(db, chain, settings, _signed(who, body), body.offer_id, int(body.max_price))


@router.post("/me/donate", response_model=OperationOut, status_code=202)
def donate(body: DonateIn, who: Resident, db: DbDep, chain: ChainDep, settings: SettingsDep) -> dict:
    """Donates coins to a registered charity with a signed `Donate` request; the backend pays the gas."""
    return relay.donate(db, chain, settings, _signed(who, body), body.charity, int(body.amount))


@router.post("/me/pay", response_model=OperationOut, status_code=202)
def pay(body: PayIn, who: Resident, db: DbDep, chain: ChainDep, settings: SettingsDep) -> dict:
    """Pays another resident for a service with a signed `PayForService` request; the backend pays the gas."""
    return relay.pay(db, chain, settings, _signed(who, body), body.payee, int(body.amount), body.request_ref)
