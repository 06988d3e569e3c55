"""Residents: Sign-In with Ethereum, their balance and history, the offers catalogue, and the requests they sign in
their wallet (redeem, donate, pay another resident) that the backend relays, paying the gas.

A relayed request is checked completely before it is accepted — signature, deadline, nonce, replay, offer, balance,
the resident's rate limit, the centre's gas budget — so a refusal is a 4xx and nothing is recorded or sent. An
accepted request is a `chain_ops` row (202); the worker's sender signs and broadcasts it (backend/chain/sender.py).
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from backend.api.deps import ChainDep, DbDep, PrincipalDep, SettingsDep
from backend.api.schemas import (DonateIn, OfferOut, OperationOut, PayIn, PrepareIn, RedeemIn, ResidentTokenOut,
                                 SiweNonceOut, SiweVerifyIn)
from backend.api.security import RESIDENT_ROLE, Principal, issue_resident_token
from backend.chain import reads
from backend.chain.client import ChainClient
from backend.config import Settings
from backend.domain import relay, siwe
from backend.domain.activities import DomainError, not_found, parse_address
from backend.store import ops
from backend.store.db import write_transaction
from backend.store.models import Balance, Centre, ChainEvent, ChainOp, OfferDetails, SiweNonce

router = APIRouter(tags=["residents"])


async def resident(principal: PrincipalDep) -> Principal:
    if principal.role != RESIDENT_ROLE:
        raise DomainError(403, "forbidden", "this is for residents: sign in with your wallet (GET /siwe/nonce, "
                                            "POST /siwe/verify)")
    return principal


Resident = Annotated[Principal, Depends(resident)]


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


# ---------------------------------------------------------------------------------------------- sign in


@router.get("/siwe/nonce", response_model=SiweNonceOut)
def siwe_nonce(db: DbDep, settings: SettingsDep, chain: ChainDep) -> SiweNonceOut:
    """A fresh single-use nonce for an EIP-4361 message, valid VB_SIWE_NONCE_TTL_S seconds."""
    nonce = secrets.token_hex(16)
    expires = datetime.now(UTC) + timedelta(seconds=settings.siwe_nonce_ttl_s)
    with write_transaction(db):
        # Expired nonces are deleted (keeps the table small); a message with one is then refused as unknown instead.
        db.execute(delete(SiweNonce).where(SiweNonce.expires_at < datetime.now(UTC)))
        db.add(SiweNonce(nonce=nonce, expires_at=expires))
    return SiweNonceOut(nonce=nonce, expires_at=expires, domain=settings.siwe_domain, uri=settings.siwe_uri,
                        chain_id=chain.chain_id)


@router.post("/siwe/verify", response_model=ResidentTokenOut)
def siwe_verify(body: SiweVerifyIn, db: DbDep, settings: SettingsDep, chain: ChainDep) -> ResidentTokenOut:
    """Checks the signed message (domain, URI, chain id, times, signature) and uses up its nonce; returns a session
    token for the address."""
    message = siwe.verify(body.message, body.signature, domain=settings.siwe_domain, uri=settings.siwe_uri,
                          chain_id=chain.chain_id)
    now = datetime.now(UTC)
    with write_transaction(db):
        row = db.get(SiweNonce, message.nonce)
        if row is None:
            raise DomainError(401, "siwe_unknown_nonce", "the nonce was not issued by this service; get one from GET /siwe/nonce")
        if row.used_at is not None:
            raise DomainError(401, "siwe_nonce_used", "the nonce was already used; get a new one from GET /siwe/nonce")
        if _aware(row.expires_at) <= now:
            raise DomainError(401, "siwe_nonce_expired", "the nonce has expired; get a new one from GET /siwe/nonce")
        row.used_at, row.address = now, message.address
    ttl = settings.resident_token_ttl_s
    if message.expiration_time is not None:  # the session ends no later than the message says
        ttl = max(1, min(ttl, int((message.expiration_time - now).total_seconds())))
    token = issue_resident_token(settings.jwt_secret, settings.jwt_issuer, ttl, message.address)
    return ResidentTokenOut(access_token=token, expires_in=ttl, address=message.address)


# ---------------------------------------------------------------------------------------------- token and offers


@router.get("/token")
def token_info(chain: ChainDep) -> dict:
    """What a wallet needs to show the coin, including the parameters of EIP-747 `wallet_watchAsset`."""
    symbol, decimals = _token_meta(chain)
    address = chain.coin.address
    return {"chain_id": chain.chain_id, "chain_id_hex": hex(chain.chain_id), "address": address, "symbol": symbol,
            "decimals": decimals, "name": chain.deployment.manifest.get("config", {}).get("coin", {}).get("name"),
            "redemption": chain.redemption.address,
            "wallet_watchAsset": {"type": "ERC20", "options": {"address": address, "symbol": symbol, "decimals": decimals}}}


_META: dict[str, tuple[str, int]] = {}


def _token_meta(chain: ChainClient) -> tuple[str, int]:
    if chain.coin.address not in _META:
        _META[chain.coin.address] = (chain.coin.functions.symbol().call(), chain.coin.functions.decimals().call())
    return _META[chain.coin.address]


def _names(chain: ChainClient, listing: str) -> dict[str, str]:
    return {parse_address(p["address"]): p.get("name") or p.get("key") for p in chain.deployment.manifest.get("config", {}).get(listing, [])
            if str(p.get("address", "")).startswith("0x")}


def offer_view(db, chain: ChainClient, offer_id: int) -> OfferOut | None:
    provider, price, capacity, sold, active = reads.offer(chain, offer_id)
    if int(provider, 16) == 0:
        return None
    details = db.get(OfferDetails, offer_id)
    return OfferOut(offer_id=offer_id, provider=provider, provider_name=_names(chain, "providers").get(provider),
                    title=details.title if details else None, description=details.description if details else None,
                    price=str(price), capacity=capacity, sold=sold, remaining=max(capacity - sold, 0), active=active)


@router.get("/offers", response_model=list[OfferOut])
def offers(db: DbDep, chain: ChainDep, include_inactive: bool = False) -> list[OfferOut]:
    """The catalogue: every offer on-chain (price, capacity, sold, active) with its title and description."""
    count = chain.redemption.functions.offerCount().call()
    out = [offer_view(db, chain, i) for i in range(1, count + 1)]
    return [o for o in out if o is not None and (include_inactive or (o.active and o.remaining > 0))]


@router.get("/offers/{offer_id}", response_model=OfferOut)
def get_offer(offer_id: int, db: DbDep, chain: ChainDep) -> OfferOut:
    o = offer_view(db, chain, offer_id) if 0 < offer_id < 2**64 else None
    if o is None:
        raise not_found(f"offer {offer_id}")
    return o


# ---------------------------------------------------------------------------------------------- my account


@router.get("/me")
def me(who: Resident, db: DbDep, chain: ChainDep) -> dict:
    """Balance (on-chain now, and as indexed), coins held for requests in flight, the next EIP-712 nonce, the centre
    whose gas budget pays for my requests."""
    address = who.username
    on_chain = reads.balance(chain, address)
    indexed = db.get(Balance, address)
    pending = ops.pending_out(db, address)
    return {"address": address, "balance": str(on_chain), "indexed_balance": indexed.amount if indexed else "0",
            "pending_out": str(pending), "available": str(max(on_chain - pending, 0)),
            "next_nonce": reads.relay_nonce(chain, address) + ops.pending_relays(db, address),
            "centre_id": ops.resident_centre(db, address)}


HISTORY_KINDS = {
    "ActivityAttested": "earned", "ActivityRevoked": "revoked", "DebtNetted": "debt_repaid",
    "VoucherIssued": "redeemed", "VoucherFulfilled": "voucher_used", "Donated": "donated",
}


@router.get("/me/history")
def my_history(who: Resident, db: DbDep, chain: ChainDep, after_id: int = 0, limit: int = 100) -> dict:
    """What happened to my coins, oldest first: activities attested (with their category), revocations, vouchers
    redeemed, donations, payments made and received — and my requests not yet on-chain."""
    address = who.username
    limit = max(1, min(limit, 500))
    categories = {int(c["id"]): c.get("key") for c in chain.deployment.manifest.get("config", {}).get("categories", [])}
    providers, charities = _names(chain, "providers"), _names(chain, "charities")
    q = (select(ChainEvent).where((ChainEvent.address1 == address) | (ChainEvent.address2 == address),
                                  ChainEvent.event != "Transfer", ChainEvent.id > after_id)
         .order_by(ChainEvent.id).limit(limit))
    entries = []
    for e in db.scalars(q):
        a = e.args
        item = {"id": e.id, "event": e.event, "block_number": e.block_number, "tx_hash": e.tx_hash,
                "time": datetime.fromtimestamp(e.block_time, UTC).isoformat() if e.block_time is not None else None}
        if e.event == "ActivityAttested":
            item.update(kind="earned", amount=str(a["amount"]), category=a["category"],
                        category_name=categories.get(int(a["category"])), units=a["units"], activity_id=a["id"],
                        centre_id=int(a["id"], 16) >> 224)
        elif e.event == "ActivityRevoked":
            item.update(kind="revoked", amount=str(a["amount"]), clawed_back=str(a["clawedBack"]),
                        debt_added=str(a["debtAdded"]), activity_id=a["id"])
        elif e.event == "DebtNetted":
            item.update(kind="debt_repaid", amount=str(a["repaid"]), remaining_debt=str(a["remainingDebt"]))
        elif e.event == "VoucherIssued":
            item.update(kind="redeemed", amount=str(a["price"]), voucher_id=str(a["voucherId"]),
                        offer_id=int(a["voucherId"]) >> 32, provider=a["provider"],
                        provider_name=providers.get(a["provider"]))
        elif e.event == "Donated":
            item.update(kind="donated", amount=str(a["amount"]), charity=a["charity"],
                        charity_name=charities.get(a["charity"]), receipt_id=a["receiptId"])
        elif e.event == "ServicePaid":
            outgoing = a["payer"] == address
            item.update(kind="paid" if outgoing else "received_payment", amount=str(a["amount"]),
                        counterparty=a["payee"] if outgoing else a["payer"], request_ref=a["requestRef"])
        else:
            continue
        entries.append(item)
    pending = [ops.op_view(o) for o in db.scalars(select(ChainOp).where(
        ChainOp.subject == address, ChainOp.signer_role == "relayer", ChainOp.state.in_(ops.LIVE)).order_by(ChainOp.id))]
    return {"address": address, "entries": entries, "pending": pending}


@router.get("/me/operations", response_model=list[OperationOut])
def my_operations(who: Resident, db: DbDep, limit: int = 50) -> list[dict]:
    q = (select(ChainOp).where(ChainOp.subject == who.username, ChainOp.signer_role == "relayer")
         .order_by(ChainOp.id.desc()).limit(max(1, min(limit, 500))))
    return [ops.op_view(o) for o in db.scalars(q)]


@router.get("/me/operations/{op_id}", response_model=OperationOut)
def my_operation(op_id: int, who: Resident, db: DbDep) -> dict:
    op = db.get(ChainOp, op_id)
    if op is None or op.subject != who.username or op.signer_role != "relayer":
        raise not_found(f"operation {op_id}")
    return ops.op_view(op)


# ---------------------------------------------------------------------------------------------- signed requests


@router.post("/me/prepare")
def prepare(body: PrepareIn, who: Resident, db: DbDep, chain: ChainDep) -> dict:
    """The EIP-712 typed data to sign in the wallet (eth_signTypedData_v4), with the next nonce and a deadline."""
    address = who.username
    nonce = reads.relay_nonce(chain, address) + ops.pending_relays(db, address)
    deadline = int(time.time()) + body.valid_for_s
    if body.kind == "redeem":
        if body.offer_id is None:
            raise DomainError(422, "invalid_request", "offer_id is required to redeem")
        offer = offer_view(db, chain, body.offer_id)
        if offer is None:
            raise DomainError(404, "unknown_offer", f"offer {body.offer_id} does not exist")
        message = {"resident": address, "offerId": body.offer_id, "maxPrice": int(body.max_price or offer.price),
                   "nonce": nonce, "deadline": deadline}
    elif body.kind == "donate":
        if body.charity is None or body.amount is None:
            raise DomainError(422, "invalid_request", "charity and amount are required to donate")
        message = {"donor": address, "charity": parse_address(body.charity, "charity"), "amount": int(body.amount),
                   "nonce": nonce, "deadline": deadline}
    else:
        if body.payee is None or body.amount is None:
            raise DomainError(422, "invalid_request", "payee and amount are required to pay")
        ref = body.request_ref or relay.request_ref(body.memo or "")
        message = {"payer": address, "payee": parse_address(body.payee, "payee"), "amount": int(body.amount),
                   "requestRef": ref, "nonce": nonce, "deadline": deadline}
    data = relay.typed_data(body.kind, chain.chain_id, chain.redemption.address, message)
    return {"typed_data": data, "nonce": nonce, "deadline": deadline,
            "submit_to": {"redeem": "/me/redeem", "donate": "/me/donate", "pay": "/me/pay"}[body.kind]}


def _check_deadline(deadline: int, settings: Settings) -> None:
    now = int(time.time())
    if deadline < now + 15:  # it must survive the trip to a block
        raise DomainError(422, "request_expired", f"the request's deadline {deadline} has passed (or is within 15 s); sign a new one")
    if deadline > now + settings.relay_max_deadline_s:
        raise DomainError(422, "deadline_too_far", f"a signed request may be valid at most {settings.relay_max_deadline_s} s")


def _relay(kind: str, body, message: dict, who: Principal, db, chain: ChainClient, settings: Settings, *,
           amount_out: int, check_chain, data: str, params: dict, offer: tuple[int, int, int] | None = None) -> dict:
    """The checks every relayed request shares, then the operation recorded (one database transaction)."""
    address = who.username
    _check_deadline(body.deadline, settings)
    typed = relay.typed_data(kind, chain.chain_id, chain.redemption.address, message)
    sig_hash = relay.signature_hash(body.signature)
    if db.scalar(select(ChainOp.id).where(ChainOp.signature_hash == sig_hash)) is not None:
        raise DomainError(409, "replayed", "this signed request was already submitted; it is not sent twice")
    signer = relay.signer_of(typed, body.signature)
    if signer != address:
        raise DomainError(403, "wrong_signer", f"the request was signed by {signer}, not by you ({address})")
    chain_nonce = reads.relay_nonce(chain, address)
    if body.nonce < chain_nonce:
        raise DomainError(409, "nonce_used", f"nonce {body.nonce} was already used on-chain (next is {chain_nonce}); "
                                             "sign a new request")
    if reads.paused(chain):
        raise DomainError(409, "coin_paused", "the city has paused the coin; nothing can be spent until it resumes")
    balance = reads.balance(chain, address)
    check_chain()
    centre = ops.resident_centre(db, address)
    if centre is None:
        raise DomainError(403, "no_centre", "you have no activity with a volunteer centre yet, so no centre pays for "
                                            "your requests' gas")
    now = datetime.now(UTC)
    try:
        with write_transaction(db):
            # The centre's row locked first: on PostgreSQL, concurrent requests of its residents then see each
            # other's reserved gas (SQLite's single writer does this by itself).
            db.execute(select(Centre.id).where(Centre.id == centre).with_for_update())
            expected = chain_nonce + ops.pending_relays(db, address)
            if body.nonce != expected:
                raise DomainError(409, "nonce_out_of_order", f"the next request must be signed with nonce {expected}, "
                                                             f"not {body.nonce} (GET /me or POST /me/prepare)")
            available = balance - ops.pending_out(db, address)
            if amount_out > available:
                raise DomainError(409, "insufficient_balance", f"this needs {amount_out} base units, you have "
                                                               f"{max(available, 0)} available")
            if offer is not None:
                offer_id, capacity, sold = offer
                if sold + ops.pending_redemptions(db, offer_id) >= capacity:
                    raise DomainError(409, "offer_sold_out", f"offer {offer_id} has no voucher left ({capacity} sold "
                                                             "or being sold)")
            count, oldest = ops.recent_requests(db, address, settings.relay_rate_window_s)
            if count >= settings.relay_rate_limit:
                wait = settings.relay_rate_window_s - int((now - oldest).total_seconds()) if oldest else settings.relay_rate_window_s
                raise DomainError(429, "rate_limited", f"at most {settings.relay_rate_limit} requests per "
                                                       f"{settings.relay_rate_window_s} s; try again in {max(wait, 1)} s")
            reserve = relay.GAS_RESERVE[kind]
            used = ops.gas_used_today(db, centre)
            if used + reserve > settings.relay_gas_budget_per_day:
                raise DomainError(429, "gas_budget_exhausted", f"centre {centre}'s gas budget for today "
                                  f"({settings.relay_gas_budget_per_day} gas) is used up ({used}); try again after "
                                  "00:00 UTC")
            op = ChainOp(kind=kind, signer_role="relayer", requested_by=f"resident {address}", subject=address,
                         centre_id=centre, to=chain.redemption.address, data=data, params=params,
                         amount=str(amount_out), offer_id=offer[0] if offer else None, signed_nonce=body.nonce,
                         nonce_slot=f"{address}:{body.nonce}", signature_hash=sig_hash, gas=reserve, state="queued")
            db.add(op)
            db.flush()
            return ops.op_view(op)
    except IntegrityError:
        raise DomainError(409, "replayed", "this signed request (or another with the same nonce) was already "
                                           "submitted") from None


@router.post("/me/redeem", response_model=OperationOut, status_code=202)
def redeem(body: RedeemIn, who: Resident, db: DbDep, chain: ChainDep, settings: SettingsDep) -> dict:
    """Redeems a voucher of an offer with a signed `Redeem` request; the backend pays the gas."""
    max_price = int(body.max_price)
    provider, price, capacity, sold, active = reads.offer(chain, body.offer_id)

    def check_chain() -> None:
        if int(provider, 16) == 0:
            raise DomainError(404, "unknown_offer", f"offer {body.offer_id} does not exist")
        if not active:
            raise DomainError(409, "offer_inactive", f"offer {body.offer_id} is not active")
        if sold >= capacity:
            raise DomainError(409, "offer_sold_out", f"offer {body.offer_id} is sold out ({capacity} vouchers)")
        if price > max_price:
            raise DomainError(409, "price_above_max", f"offer {body.offer_id} costs {price}, more than your max_price {max_price}")

    message = {"resident": who.username, "offerId": body.offer_id, "maxPrice": max_price, "nonce": body.nonce,
               "deadline": body.deadline}
    data = relay.calldata("redeem", who.username, body.offer_id, max_price, body.deadline, bytes.fromhex(body.signature[2:]))
    return _relay("redeem", body, message, who, db, chain, settings, amount_out=price, check_chain=check_chain,
                  data=data, offer=(body.offer_id, capacity, sold),
                  params={"offer_id": body.offer_id, "max_price": str(max_price), "price": str(price),
                          "provider": provider, "nonce": body.nonce, "deadline": body.deadline})


@router.post("/me/donate", response_model=OperationOut, status_code=202)
def donate(body: DonateIn, who: Resident, db: DbDep, chain: ChainDep, settings: SettingsDep) -> dict:
    """Donates coins to a registered charity with a signed `Donate` request; the backend pays the gas."""
    charity, amount = parse_address(body.charity, "charity"), int(body.amount)
    if amount == 0:
        raise DomainError(422, "zero_amount", "donate more than 0")

    def check_chain() -> None:
        if not reads.has_role(chain, reads.CHARITY_ROLE, charity):
            raise DomainError(422, "not_a_charity", f"{charity} is not a registered charity")

    message = {"donor": who.username, "charity": charity, "amount": amount, "nonce": body.nonce, "deadline": body.deadline}
    data = relay.calldata("donate", who.username, charity, amount, body.deadline, bytes.fromhex(body.signature[2:]))
    return _relay("donate", body, message, who, db, chain, settings, amount_out=amount, check_chain=check_chain,
                  data=data, params={"charity": charity, "amount": str(amount), "nonce": body.nonce,
                                     "deadline": body.deadline})


@router.post("/me/pay", response_model=OperationOut, status_code=202)
def pay(body: PayIn, who: Resident, db: DbDep, chain: ChainDep, settings: SettingsDep) -> dict:
    """Pays another resident for a service with a signed `PayForService` request; the backend pays the gas."""
    payee, amount = parse_address(body.payee, "payee"), int(body.amount)
    if payee == who.username:
        raise DomainError(422, "invalid_payee", "you cannot pay yourself")
    if amount == 0:
        raise DomainError(422, "zero_amount", "pay more than 0")
    message = {"payer": who.username, "payee": payee, "amount": amount, "requestRef": body.request_ref,
               "nonce": body.nonce, "deadline": body.deadline}
    data = relay.calldata("pay", who.username, payee, amount, bytes.fromhex(body.request_ref[2:]), body.deadline,
                          bytes.fromhex(body.signature[2:]))
    return _relay("pay", body, message, who, db, chain, settings, amount_out=amount, check_chain=lambda: None,
                  data=data, params={"payee": payee, "amount": str(amount), "request_ref": body.request_ref,
                                     "nonce": body.nonce, "deadline": body.deadline})
