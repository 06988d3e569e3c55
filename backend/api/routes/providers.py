"""Providers: publish and edit offers, verify a voucher and mark it fulfilled, settle coins with the city, and the
settlement statement of a period (services.providers)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from backend.api.deps import ChainDep, DbDep, LanguageDep, SendersDep, require
from backend.api.idempotency import IdempotencyDep
from backend.api.schemas import Coins, OfferId, OfferIn, OfferOut, OfferPatch, OperationOut, Strict, VoucherId
from backend.services.security import Principal
from backend.services import providers

router = APIRouter(prefix="/provider", tags=["providers"])
Provider = Annotated[Principal, Depends(require("provider"))]


class SettleIn(Strict):
    amount: Coins
    # The least won the provider accepts; by default the won at the rate read when the request is accepted, so a
    # rate change before the transaction is mined makes it revert rather than pay less.
    min_won: Coins | None = None


@router.get("/offers", response_model=list[OfferOut])
def my_offers(principal: Provider, db: DbDep, chain: ChainDep) -> list[dict]:
    return providers.my_offers(db, chain, principal.user_id)


@router.post("/offers", response_model=OperationOut, status_code=202)
def create_offer(body: OfferIn, principal: Provider, db: DbDep, chain: ChainDep, senders: SendersDep,
                 once: IdempotencyDep) -> JSONResponse:
    """Publishes an offer: `createOffer` sent with the provider's key; the offer id is in the operation's result.
    With an `Idempotency-Key`, a retried request returns the first answer instead of publishing twice."""
    return once.run(db, principal, body, lambda: providers.create_offer(
        db, chain, senders, principal.user_id, principal.name, price=body.price, capacity=body.capacity,
        title=body.title, description=body.description), 202)


@router.patch("/offers/{offer_id}", response_model=OperationOut | OfferOut)
def edit_offer(offer_id: OfferId, body: OfferPatch, principal: Provider, db: DbDep, chain: ChainDep, senders: SendersDep):
    """Changes an offer. Price, capacity and active go on-chain (`updateOffer`, 202 with the operation); a change
    of title or description alone is off-chain (200 with the offer)."""
    kind, out = providers.edit_offer(db, chain, senders, principal.user_id, principal.name, offer_id,
                                     body.model_dump(exclude_unset=True))
    return JSONResponse(jsonable_encoder(out), status_code=202) if kind == "operation" else out


@router.get("/vouchers/{voucher_id}")
def verify_voucher(voucher_id: VoucherId, principal: Provider, db: DbDep, chain: ChainDep,
                   code: Annotated[str | None, Query(max_length=20)] = None) -> dict:
    """Is it real (issued on-chain), for this provider, unused, and is `code` its check code (shown only to the
    resident who holds it)? `valid` says all four."""
    return providers.verify_voucher(db, chain, principal.user_id, voucher_id, code)


@router.post("/vouchers/{voucher_id}/fulfill", response_model=OperationOut, status_code=202)
def fulfill_voucher(voucher_id: VoucherId, principal: Provider, db: DbDep, chain: ChainDep, senders: SendersDep,
                    code: Annotated[str | None, Query(max_length=20)] = None) -> dict:
    """Marks the voucher used (`fulfill` with the provider's key), given its check code `code`. A used voucher is
    refused (409), a missing or wrong code too (403)."""
    return providers.fulfil_voucher(db, chain, senders, principal.user_id, principal.name, voucher_id, code)


@router.post("/settlements", response_model=OperationOut, status_code=202)
def settle(body: SettleIn, principal: Provider, db: DbDep, chain: ChainDep, senders: SendersDep,
           once: IdempotencyDep) -> JSONResponse:
    """Settles coins with the city: they are burned and the won owed at the chain's rate recorded (`Settled`)."""
    return once.run(db, principal, body, lambda: providers.settle(db, chain, senders, principal.user_id,
                                                                  principal.name, int(body.amount),
                                                                  None if body.min_won is None else int(body.min_won)),
                    202)


Start = Annotated[date | None, Query(description="first day (UTC), default: the 1st of this month")]
End = Annotated[date | None, Query(description="day after the last (UTC), default: today + 1")]


@router.get("/settlement")
def statement(principal: Provider, db: DbDep, chain: ChainDep, start: Start = None, end: End = None) -> dict:
    """The provider's settlement statement for [start, end): vouchers redeemed at it (coins received), vouchers
    used, settlements made (coins burned, won recorded on-chain), what the received coins are worth at the
    chain's current rate, and `days`: the same per day (UTC) that has any of these events. Every figure comes from
    indexed events; `check` names the blocks and the contract, so the city can recompute it from the chain with
    eth_getLogs."""
    return providers.statement(db, chain, principal.user_id, start, end)


@router.get("/settlement.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def statement_csv(principal: Provider, db: DbDep, chain: ChainDep, language: LanguageDep, start: Start = None,
                  end: End = None,
                  lang: Annotated[Literal["ko", "en"] | None, Query(description="headers' language; default: "
                                                                              "Accept-Language")] = None) -> Response:
    """The statement as a spreadsheet (UTF-8 with a byte-order mark, for Excel): one row per voucher issued,
    voucher fulfilled and settlement (date and time in UTC, kind, voucher or settlement id, coins, won, transaction),
    then a totals row equal to the statement's figures."""
    name, body = providers.statement_csv(db, chain, principal.user_id, start, end, lang or language)
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={name}", "Cache-Control": "no-store"})
