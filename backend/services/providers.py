"""Providers: publish and edit offers (on-chain, signed with the provider's key the backend holds), verify a voucher
and mark it fulfilled, settle coins with the city, and a settlement statement per period that the city can check
against the chain."""

from __future__ import annotations

import secrets

from datetime import UTC, date, datetime, time as dtime

from sqlalchemy.orm import Session

from backend.chain import reads
from backend.chain.client import ChainClient
from backend.chain.indexer import indexed_height
from backend.domain import settlement
from backend.domain.units import COIN
from backend.domain.errors import Refusal
from backend.services.chain_ops import dry_run, provider_address
from backend.services.offers_catalogue import offer_or_refuse, offer_view, offers_of
from backend.store import ops, vouchers
from backend.store.db import write_transaction
from backend.store.events import provider_events
from backend.store.models import ChainEvent, OfferDetails

UINT96_MAX = 2**96 - 1


def provider(db: Session, chain: ChainClient, senders: dict[str, set[str]], user_id: int) -> str:
    """The provider's address, once we know the backend can sign for it and the chain knows it as a provider."""
    address = provider_address(db, user_id)
    if address not in senders["provider"]:
        raise Refusal(409, "no_provider_key", f"the backend holds no key for {address}: add provider-<name>.json "
                                                  "to VB_KEYSTORE_DIR (or VB_DEV_PROVIDER_KEYS on a local chain)")
    if not reads.has_role(chain, reads.PROVIDER_ROLE, address):
        raise Refusal(403, "not_a_provider", f"{address} is not a registered provider on-chain (ask the city)")
    return address


def _price(value: str) -> int:
    price = int(value)
    if not 0 < price <= UINT96_MAX:
        raise Refusal(422, "invalid_price", f"a price is more than 0 and at most {UINT96_MAX} base units")
    return price


def my_offers(db: Session, chain: ChainClient, user_id: int) -> list[dict]:
    return offers_of(db, chain, provider_address(db, user_id))


def create_offer(db: Session, chain: ChainClient, senders, user_id: int, requested_by: str, *, price: str,
                 capacity: int, title: str, description: str | None) -> dict:
    """`createOffer` queued with the provider's key; the offer id is in the operation's result."""
    address = provider(db, chain, senders, user_id)
    amount = _price(price)
    data = chain.redemption.encode_abi("createOffer", args=[amount, capacity])
    dry_run(chain, address, chain.redemption.address, data)
    with write_transaction(db):
        return ops.op_view(ops.queue(db, kind="create_offer", signer_role="provider", requested_by=requested_by,
                                     subject=address, to=chain.redemption.address, data=data,
                                     params={"title": title, "description": description, "price": str(amount),
                                             "capacity": capacity}))


def edit_offer(db: Session, chain: ChainClient, senders, user_id: int, requested_by: str, offer_id: int,
               changes: dict) -> tuple[str, dict]:
    """Price, capacity and active go on-chain (`updateOffer`): ("operation", its view); a change of title or
    description alone is off-chain: ("offer", the offer)."""
    address = provider(db, chain, senders, user_id)
    offer = offer_or_refuse(db, chain, offer_id)
    if offer["provider"] != address:
        raise Refusal(403, "not_your_offer", f"offer {offer_id} belongs to another provider")
    price = _price(changes["price"]) if changes.get("price") is not None else int(offer["price"])
    capacity = changes["capacity"] if changes.get("capacity") is not None else offer["capacity"]
    active = changes["active"] if changes.get("active") is not None else offer["active"]
    title, description = changes.get("title"), changes.get("description")
    if capacity < offer["sold"]:
        raise Refusal(422, "capacity_below_sold", f"{offer['sold']} vouchers are already sold; capacity cannot be less")
    on_chain_change = (price, capacity, active) != (int(offer["price"]), offer["capacity"], offer["active"])
    if not on_chain_change and title is None and description is None:
        raise Refusal(422, "no_change", "nothing to change")
    if not on_chain_change:
        with write_transaction(db):
            details = db.get(OfferDetails, offer_id) or OfferDetails(offer_id=offer_id, provider=address, title=f"Offer {offer_id}")
            details.title = title if title is not None else details.title
            details.description = description if description is not None else details.description
            db.merge(details)
        return "offer", offer_view(db, chain, offer_id)
    # Checked against the node before the write transaction: no network call while holding the write lock.
    data = chain.redemption.encode_abi("updateOffer", args=[offer_id, price, capacity, active])
    dry_run(chain, address, chain.redemption.address, data)
    with write_transaction(db):
        op = ops.queue(db, kind="update_offer", signer_role="provider", requested_by=requested_by, subject=address,
                       to=chain.redemption.address, data=data, offer_id=offer_id,
                       params={"offer_id": offer_id, "price": str(price), "capacity": capacity, "active": active,
                               "title": title, "description": description})
        return "operation", ops.op_view(op)


def voucher(db: Session, chain: ChainClient, address: str, voucher_id: int, code: str | None = None) -> dict:
    """Is it real (issued on-chain), for this provider, unused, and is `code` its check code (which only its resident
    sees: the id alone is guessable, ids run in order)? `valid` says all four; `code_ok` is None when no code was
    given."""
    if not 0 <= voucher_id < 2**96:
        raise Refusal(404, "not_found", f"voucher {voucher_id} not found")
    exists, holder, fulfilled = chain.redemption.functions.voucherStatus(voucher_id).call()
    if not exists:
        raise Refusal(404, "unknown_voucher", f"voucher {voucher_id} does not exist: it is not a real voucher")
    if holder != address:
        raise Refusal(403, "not_your_voucher", f"voucher {voucher_id} is for another provider, not for you")
    issued = chain.voucher_issued(voucher_id)
    fulfilling = ops.live_fulfilment(db, voucher_id)
    stored = vouchers.code_of(db, voucher_id)
    given = vouchers.normalise_code(code)
    code_ok = None if not given else (stored is not None and secrets.compare_digest(stored.code, given))
    offer = db.get(OfferDetails, voucher_id >> 32)
    return {"voucher_id": str(voucher_id), "offer_id": voucher_id >> 32, "serial": voucher_id & 0xFFFFFFFF,
            "offer_title": offer.title if offer else None,
            "exists": True, "provider": holder, "fulfilled": fulfilled, "being_fulfilled": fulfilling is not None,
            "code_ok": code_ok, "valid": not fulfilled and fulfilling is None and code_ok is True,
            "resident": issued["resident"] if issued else None, "price": issued["price"] if issued else None,
            "issued_tx": issued["tx_hash"] if issued else None, "issued_block": issued["block_number"] if issued else None}


def verify_voucher(db: Session, chain: ChainClient, user_id: int, voucher_id: int, code: str | None = None) -> dict:
    return voucher(db, chain, provider_address(db, user_id), voucher_id, code)


def fulfil_voucher(db: Session, chain: ChainClient, senders, user_id: int, requested_by: str, voucher_id: int,
                   code: str | None) -> dict:
    """`fulfill` queued with the provider's key, given the voucher's check code (shown to its resident only). A used
    voucher, or one being marked used, is refused (409); a missing or wrong code too (403), and nothing is sent."""
    address = provider(db, chain, senders, user_id)
    v = voucher(db, chain, address, voucher_id, code)
    if v["fulfilled"]:
        raise Refusal(409, "voucher_used", f"voucher {voucher_id} was already used")
    if not v["code_ok"]:
        raise Refusal(403, "voucher_code_wrong", voucher_id=voucher_id)
    data = chain.redemption.encode_abi("fulfill", args=[voucher_id])
    dry_run(chain, address, chain.redemption.address, data)
    with write_transaction(db):
        if ops.live_fulfilment(db, voucher_id) is not None:
            raise Refusal(409, "voucher_used", f"voucher {voucher_id} is already being marked used")
        op = ops.queue(db, kind="fulfill", signer_role="provider", requested_by=requested_by, subject=address,
                       to=chain.redemption.address, data=data, voucher_id=str(voucher_id),
                       params={"voucher_id": str(voucher_id), "resident": v["resident"]})
        return ops.op_view(op)


def settle(db: Session, chain: ChainClient, senders, user_id: int, requested_by: str, amount: int,
           min_won: int | None = None) -> dict:
    """Coins settled with the city (`settle`): burned, and the won owed at the chain's rate recorded (`Settled`).

    `min_won` is the least won the provider accepts (the contract reverts below it); by default the won at the rate
    read now, so a rate change between this read and the mining reverts on-chain instead of paying less."""
    address = provider(db, chain, senders, user_id)
    if amount == 0:
        raise Refusal(422, "zero_amount", "settle more than 0")
    rate = chain.redemption.functions.wonPerCoin().call()
    won = amount * rate // COIN
    if won == 0:
        raise Refusal(422, "zero_won", f"{amount} base units are worth 0 won at {rate} won per coin")
    if min_won is None:
        min_won = won
    elif won < min_won:
        raise Refusal(409, "won_below_minimum", f"{amount} base units are worth {won} won at {rate} won per coin, "
                                                f"below your min_won {min_won}")
    balance = reads.available(chain, address)
    data = chain.redemption.encode_abi("settle", args=[amount, min_won])

    def check_balance() -> None:
        available = balance - ops.pending_out(db, address)
        if amount > available:
            raise Refusal(409, "insufficient_balance", f"you hold {max(available, 0)} base units not yet settled")

    check_balance()
    dry_run(chain, address, chain.redemption.address, data)
    with write_transaction(db):
        check_balance()  # again inside the write transaction: another settlement may have been accepted meanwhile
        return ops.op_view(ops.queue(db, kind="settle", signer_role="provider", requested_by=requested_by,
                                     subject=address, to=chain.redemption.address, data=data, amount=str(amount),
                                     params={"amount": str(amount), "min_won": str(min_won)}))


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


def _period(db: Session, chain: ChainClient, start: date | None, end: date | None) -> tuple[date, date, int, int]:
    """(start, end, first block, last block) of the period [start, end) (UTC; default this month so far), once the
    indexer has reached its end."""
    today = datetime.now(UTC).date()
    start = start or today.replace(day=1)
    end = end or date.fromordinal(today.toordinal() + 1)
    if end <= start:
        raise Refusal(422, "invalid_period", "end must be after start")
    from_block = block_at(chain, datetime.combine(start, dtime(), UTC))
    to_block = block_at(chain, datetime.combine(end, dtime(), UTC)) - 1
    height = indexed_height(db)
    if to_block >= from_block and (height is None or height < to_block):
        raise Refusal(409, "indexer_behind", f"events are indexed up to block {height}, the period ends at block "
                                                 f"{to_block}; try again in a moment")
    return start, end, from_block, to_block


def _entries(chain: ChainClient, issued: list[ChainEvent], fulfilled: list[ChainEvent],
             settled: list[ChainEvent]) -> list[settlement.Entry]:
    """The statement's events with their blocks' times (asked of the node for an event indexed without one)."""
    times: dict[int, int] = {}

    def time_of(e: ChainEvent) -> int:
        if e.block_time is not None:
            return int(e.block_time)
        if e.block_number not in times:
            times[e.block_number] = int(chain.web3.eth.get_block(e.block_number)["timestamp"])
        return times[e.block_number]

    def entry(kind: str, e: ChainEvent, ref: str, coins: int = 0, won: int = 0) -> settlement.Entry:
        return settlement.Entry(kind, time_of(e), ref, coins, won, e.tx_hash, (e.block_number, e.log_index))

    return ([entry(settlement.ISSUED, e, str(e.args["voucherId"]), int(e.args["price"])) for e in issued]
            + [entry(settlement.FULFILLED, e, str(e.args["voucherId"])) for e in fulfilled]
            + [entry(settlement.SETTLED, e, str(e.args["settlementId"]), int(e.args["amount"]), int(e.args["wonAmount"]))
               for e in settled])


def _statement(db: Session, chain: ChainClient, user_id: int, start: date | None,
               end: date | None) -> tuple[dict, list[settlement.Entry]]:
    address = provider_address(db, user_id)
    start, end, from_block, to_block = _period(db, chain, start, end)
    events = provider_events(db, address, from_block, to_block)
    issued = [e for e in events if e.event == "VoucherIssued" and e.args["provider"] == address]
    fulfilled = [e for e in events if e.event == "VoucherFulfilled"]
    settled = [e for e in events if e.event == "Settled"]
    entries = _entries(chain, issued, fulfilled, settled)
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
        "days": settlement.days(entries),
        "check": {"contract": chain.redemption.address, "chain_id": chain.chain_id, "from_block": from_block,
                  "to_block": to_block, "events": ["VoucherIssued(provider=this)", "VoucherFulfilled(provider=this)",
                                                   "Settled(provider=this)"]},
    }, entries


def statement(db: Session, chain: ChainClient, user_id: int, start: date | None, end: date | None) -> dict:
    """The provider's settlement statement for [start, end): vouchers redeemed at it (coins received), vouchers
    used, settlements made (coins burned, won recorded on-chain), what the received coins are worth at the chain's
    current rate, and the same figures per day (UTC) that has any of these events. Every figure comes from indexed
    events; `check` names the blocks and the contract, so the city can recompute it from the chain with
    eth_getLogs."""
    return _statement(db, chain, user_id, start, end)[0]


def statement_csv(db: Session, chain: ChainClient, user_id: int, start: date | None, end: date | None,
                  language: str) -> tuple[str, bytes]:
    """(file name, CSV) of the statement: one row per voucher issued, voucher fulfilled and settlement, and a totals
    row whose figures are the statement's (coins as decimal coins, won as whole won), headers in `language`."""
    out, entries = _statement(db, chain, user_id, start, end)
    return f"settlement-{out['period']['start']}-{out['period']['end']}.csv", settlement.render_csv(entries, language)
