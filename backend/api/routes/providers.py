"""Providers: publish and edit offers (on-chain, signed with the provider's key the backend holds), verify a voucher
and mark it fulfilled, settle coins with the city, and a settlement statement per period that the city can check
against the chain."""

from __future__ import annotations

from datetime import UTC, date, datetime, time as dtime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import Field, StrictStr
from sqlalchemy import select

from backend.api.deps import ChainDep, DbDep, require
from backend.api.idempotency import request_fingerprint, run_idempotent
from backend.api.operations import dry_run, known_senders, provider_address, queue
from backend.api.routes.residents import offer_view
from backend.api.schemas import OfferIn, OfferOut, OfferPatch, OperationOut, Strict, AMOUNT_PATTERN
from backend.api.security import Principal
from backend.chain import reads
from backend.chain.client import ChainClient
from backend.chain.indexer import indexed_height
from backend.domain.activities import DomainError, not_found
from backend.store import ops
from backend.store.db import write_transaction
from backend.store.models import ChainEvent, ChainOp, OfferDetails

router = APIRouter(prefix="/provider", tags=["providers"])
Provider = Annotated[Principal, Depends(require("provider"))]
UINT96_MAX = 2**96 - 1
COIN = 10**18
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]


class SettleIn(Strict):
    amount: StrictStr = Field(pattern=AMOUNT_PATTERN)


def _me(request: Request, db, chain: ChainClient, principal: Principal) -> str:
    """The provider's address, once we know the backend can sign for it and the chain knows it as a provider."""
    address = provider_address(db, principal)
    if address not in known_senders(request, chain)["provider"]:
        raise DomainError(409, "no_provider_key", f"the backend holds no key for {address}: add provider-<name>.json "
                                                  "to VB_KEYSTORE_DIR (or VB_DEV_PROVIDER_KEYS on a local chain)")
    if not reads.has_role(chain, reads.PROVIDER_ROLE, address):
        raise DomainError(403, "not_a_provider", f"{address} is not a registered provider on-chain (ask the city)")
    return address


def _price(value: str) -> int:
    price = int(value)
    if not 0 < price <= UINT96_MAX:
        raise DomainError(422, "invalid_price", f"a price is more than 0 and at most {UINT96_MAX} base units")
    return price


@router.get("/offers", response_model=list[OfferOut])
def my_offers(principal: Provider, db: DbDep, chain: ChainDep) -> list[OfferOut]:
    address = provider_address(db, principal)
    count = chain.redemption.functions.offerCount().call()
    return [o for o in (offer_view(db, chain, i) for i in range(1, count + 1)) if o is not None and o.provider == address]


@router.post("/offers", response_model=OperationOut, status_code=202)
def create_offer(body: OfferIn, request: Request, principal: Provider, db: DbDep, chain: ChainDep,
                 idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Publishes an offer: `createOffer` sent with the provider's key; the offer id is in the operation's result.
    With an `Idempotency-Key`, a retried request returns the first answer instead of publishing twice."""
    address = _me(request, db, chain, principal)
    price = _price(body.price)
    data = chain.redemption.encode_abi("createOffer", args=[price, body.capacity])
    dry_run(chain, address, chain.redemption.address, data)

    def handler() -> dict:
        return ops.op_view(queue(db, kind="create_offer", signer_role="provider", requested_by=principal.name,
                                 subject=address, to=chain.redemption.address, data=data,
                                 params={"title": body.title, "description": body.description, "price": str(price),
                                         "capacity": body.capacity}))

    return run_idempotent(db, principal, idempotency_key, request_fingerprint("POST", request.url.path, body), handler, 202)


@router.patch("/offers/{offer_id}", response_model=OperationOut | OfferOut)
def edit_offer(offer_id: int, body: OfferPatch, request: Request, principal: Provider, db: DbDep, chain: ChainDep):
    """Changes an offer. Price, capacity and active go on-chain (`updateOffer`, 202 with the operation); a change
    of title or description alone is off-chain (200 with the offer)."""
    address = _me(request, db, chain, principal)
    offer = offer_view(db, chain, offer_id) if 0 < offer_id < 2**64 else None
    if offer is None:
        raise not_found(f"offer {offer_id}")
    if offer.provider != address:
        raise DomainError(403, "not_your_offer", f"offer {offer_id} belongs to another provider")
    price = _price(body.price) if body.price is not None else int(offer.price)
    capacity = body.capacity if body.capacity is not None else offer.capacity
    active = body.active if body.active is not None else offer.active
    if capacity < offer.sold:
        raise DomainError(422, "capacity_below_sold", f"{offer.sold} vouchers are already sold; capacity cannot be less")
    on_chain_change = (price, capacity, active) != (int(offer.price), offer.capacity, offer.active)
    if not on_chain_change and body.title is None and body.description is None:
        raise DomainError(422, "no_change", "nothing to change")
    if on_chain_change:
        # Checked against the node before the write transaction: no network call while holding the write lock.
        data = chain.redemption.encode_abi("updateOffer", args=[offer_id, price, capacity, active])
        dry_run(chain, address, chain.redemption.address, data)
    with write_transaction(db):
        if not on_chain_change:
            details = db.get(OfferDetails, offer_id) or OfferDetails(offer_id=offer_id, provider=address, title=f"Offer {offer_id}")
            details.title = body.title if body.title is not None else details.title
            details.description = body.description if body.description is not None else details.description
            db.merge(details)
            db.flush()
        else:
            op = queue(db, kind="update_offer", signer_role="provider", requested_by=principal.name, subject=address,
                       to=chain.redemption.address, data=data, offer_id=offer_id,
                       params={"offer_id": offer_id, "price": str(price), "capacity": capacity, "active": active,
                               "title": body.title, "description": body.description})
            return JSONResponse(jsonable_encoder(ops.op_view(op)), status_code=202)
    return offer_view(db, chain, offer_id)


def _voucher(db, chain: ChainClient, address: str, voucher_id: int) -> dict:
    if not 0 <= voucher_id < 2**96:
        raise not_found(f"voucher {voucher_id}")
    exists, provider, fulfilled = chain.redemption.functions.voucherStatus(voucher_id).call()
    if not exists:
        raise DomainError(404, "unknown_voucher", f"voucher {voucher_id} does not exist: it is not a real voucher")
    if provider != address:
        raise DomainError(403, "not_your_voucher", f"voucher {voucher_id} is for another provider, not for you")
    issued = _issued(chain, voucher_id)
    fulfilling = db.scalar(select(ChainOp.id).where(ChainOp.kind == "fulfill", ChainOp.voucher_id == str(voucher_id),
                                                    ChainOp.state.in_(ops.LIVE)))
    return {"voucher_id": str(voucher_id), "offer_id": voucher_id >> 32, "serial": voucher_id & 0xFFFFFFFF,
            "exists": True, "provider": provider, "fulfilled": fulfilled, "being_fulfilled": fulfilling is not None,
            "valid": not fulfilled and fulfilling is None,
            "resident": issued["resident"] if issued else None, "price": issued["price"] if issued else None,
            "issued_tx": issued["tx_hash"] if issued else None, "issued_block": issued["block_number"] if issued else None}


def _issued(chain: ChainClient, voucher_id: int) -> dict | None:
    """The voucher's VoucherIssued log, found by its indexed id (one eth_getLogs, however many vouchers exist)."""
    event = chain.redemption.events.VoucherIssued
    logs = chain.web3.eth.get_logs({"address": chain.redemption.address, "fromBlock": chain.deployment.deployment_block,
                                    "toBlock": "latest", "topics": [event.topic, "0x" + voucher_id.to_bytes(32, "big").hex()]})
    if not logs:
        return None
    entry = event.process_log(logs[0])
    return {"resident": entry.args.resident, "price": str(entry.args.price), "tx_hash": "0x" + bytes(entry.transactionHash).hex(),
            "block_number": entry.blockNumber}


@router.get("/vouchers/{voucher_id}")
def verify_voucher(voucher_id: int, principal: Provider, db: DbDep, chain: ChainDep) -> dict:
    """Is it real (issued on-chain), for this provider, and unused? `valid` says all three."""
    return _voucher(db, chain, provider_address(db, principal), voucher_id)


@router.post("/vouchers/{voucher_id}/fulfill", response_model=OperationOut, status_code=202)
def fulfill_voucher(voucher_id: int, request: Request, principal: Provider, db: DbDep, chain: ChainDep) -> dict:
    """Marks the voucher used (`fulfill` with the provider's key). A used voucher is refused (409)."""
    address = _me(request, db, chain, principal)
    v = _voucher(db, chain, address, voucher_id)
    if v["fulfilled"]:
        raise DomainError(409, "voucher_used", f"voucher {voucher_id} was already used")
    data = chain.redemption.encode_abi("fulfill", args=[voucher_id])
    dry_run(chain, address, chain.redemption.address, data)
    with write_transaction(db):
        if db.scalar(select(ChainOp.id).where(ChainOp.kind == "fulfill", ChainOp.voucher_id == str(voucher_id),
                                              ChainOp.state.in_(ops.LIVE))) is not None:
            raise DomainError(409, "voucher_used", f"voucher {voucher_id} is already being marked used")
        op = queue(db, kind="fulfill", signer_role="provider", requested_by=principal.name, subject=address,
                   to=chain.redemption.address, data=data, voucher_id=str(voucher_id),
                   params={"voucher_id": str(voucher_id), "resident": v["resident"]})
        return ops.op_view(op)


@router.post("/settlements", response_model=OperationOut, status_code=202)
def settle(body: SettleIn, request: Request, principal: Provider, db: DbDep, chain: ChainDep,
           idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Settles coins with the city: they are burned and the won owed at the chain's rate recorded (`Settled`)."""
    address = _me(request, db, chain, principal)
    amount = int(body.amount)
    if amount == 0:
        raise DomainError(422, "zero_amount", "settle more than 0")
    balance = chain.coin.functions.balanceOf(address).call()
    data = chain.redemption.encode_abi("settle", args=[amount])

    def check_balance() -> None:
        available = balance - ops.pending_out(db, address)
        if amount > available:
            raise DomainError(409, "insufficient_balance", f"you hold {max(available, 0)} base units not yet settled")

    check_balance()
    dry_run(chain, address, chain.redemption.address, data)

    def handler() -> dict:
        check_balance()  # again inside the write transaction: another settlement may have been accepted meanwhile
        return ops.op_view(queue(db, kind="settle", signer_role="provider", requested_by=principal.name, subject=address,
                                 to=chain.redemption.address, data=data, amount=str(amount),
                                 params={"amount": str(amount)}))

    return run_idempotent(db, principal, idempotency_key, request_fingerprint("POST", request.url.path, body), handler, 202)


# ---------------------------------------------------------------------------------------------- statement


def block_at(chain: ChainClient, moment: datetime) -> int:
    """The first block with a timestamp at or after `moment` (head + 1 if none yet)."""
    web3, target = chain.web3, int(moment.timestamp())
    low, high = chain.deployment.deployment_block, web3.eth.block_number + 1
    while low < high:
        mid = (low + high) // 2
        if web3.eth.get_block(mid)["timestamp"] >= target:
            high = mid
        else:
            low = mid + 1
    return low


@router.get("/settlement")
def statement(principal: Provider, db: DbDep, chain: ChainDep,
              start: Annotated[date | None, Query(description="first day (UTC), default: the 1st of this month")] = None,
              end: Annotated[date | None, Query(description="day after the last (UTC), default: today + 1")] = None) -> dict:
    """The provider's settlement statement for [start, end): vouchers redeemed at it (coins received), vouchers
    used, settlements made (coins burned, won recorded on-chain), and what the received coins are worth at the
    chain's current rate. Every figure comes from indexed events; `check` names the blocks and the contract, so the
    city can recompute it from the chain with eth_getLogs."""
    address = provider_address(db, principal)
    today = datetime.now(UTC).date()
    start = start or today.replace(day=1)
    end = end or date.fromordinal(today.toordinal() + 1)
    if end <= start:
        raise DomainError(422, "invalid_period", "end must be after start")
    from_block = block_at(chain, datetime.combine(start, dtime(), UTC))
    to_block = block_at(chain, datetime.combine(end, dtime(), UTC)) - 1
    height = indexed_height(db)
    if to_block >= from_block and (height is None or height < to_block):
        raise DomainError(409, "indexer_behind", f"events are indexed up to block {height}, the period ends at block "
                                                 f"{to_block}; try again in a moment")
    events = list(db.scalars(select(ChainEvent).where(
        ChainEvent.block_number >= from_block, ChainEvent.block_number <= to_block,
        ChainEvent.event.in_(("VoucherIssued", "VoucherFulfilled", "Settled")),
        (ChainEvent.address1 == address) | (ChainEvent.address2 == address)).order_by(ChainEvent.id)))
    issued = [e for e in events if e.event == "VoucherIssued" and e.args["provider"] == address]
    fulfilled = [e for e in events if e.event == "VoucherFulfilled"]
    settled = [e for e in events if e.event == "Settled"]
    received = sum(int(e.args["price"]) for e in issued)
    rate = chain.redemption.functions.wonPerCoin().call()
    return {
        "provider": address, "period": {"start": start.isoformat(), "end": end.isoformat()},
        "vouchers_issued": len(issued), "coins_received": str(received),
        "vouchers_fulfilled": len(fulfilled),
        "settlements": [{"settlement_id": e.args["settlementId"], "amount": str(e.args["amount"]),
                         "won": str(e.args["wonAmount"]), "won_per_coin": e.args["wonPerCoin"], "tx_hash": e.tx_hash,
                         "block_number": e.block_number} for e in settled],
        "coins_settled": str(sum(int(e.args["amount"]) for e in settled)),
        "won_settled": str(sum(int(e.args["wonAmount"]) for e in settled)),
        "won_per_coin": rate, "won_owed_for_received": str(received * rate // COIN),
        "vouchers": [{"voucher_id": str(e.args["voucherId"]), "resident": e.args["resident"], "price": str(e.args["price"]),
                      "tx_hash": e.tx_hash, "block_number": e.block_number} for e in issued],
        "check": {"contract": chain.redemption.address, "chain_id": chain.chain_id, "from_block": from_block,
                  "to_block": to_block, "events": ["VoucherIssued(provider=this)", "VoucherFulfilled(provider=this)",
                                                   "Settled(provider=this)"]},
    }
