"""What the indexer has seen: balances and history of an address, the events of a transaction (public: the web
app's transaction page when the city has no block explorer)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from backend.api.deps import DbDep
from backend.api.schemas import AfterId, BalanceOut, EventOut
from backend.chain.indexer import indexed_height
from backend.domain.activities import parse_address
from backend.domain.errors import Refusal
from backend.store.events import events_in_tx, events_of, indexed_balance

router = APIRouter(tags=["chain"])
TX_HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")


class TxEventOut(EventOut):
    block_time: int | None  # the block's timestamp (unix seconds), when the indexer stored it


class TxOut(BaseModel):
    tx_hash: str
    block_number: int
    block_hash: str
    block_time: int | None
    time: datetime | None  # block_time as a UTC date and time
    events: list[TxEventOut]


@router.get("/balances/{address}", response_model=BalanceOut)
async def balance(address: str, db: DbDep) -> BalanceOut:
    address = parse_address(address)
    return BalanceOut(address=address, balance=indexed_balance(db, address), indexed_block=indexed_height(db))


@router.get("/history/{address}", response_model=list[EventOut])
async def history(address: str, db: DbDep, after_id: AfterId = 0,
            limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[EventOut]:
    """Everything on-chain that involves the address, oldest first: attestations, revocations, transfers,
    vouchers, donations, payments."""
    address = parse_address(address)
    return [EventOut(block_number=e.block_number, tx_hash=e.tx_hash, log_index=e.log_index, contract=e.contract,
                     event=e.event, args=e.args) for e in events_of(db, address, after_id, limit)]


@router.get("/tx/{tx_hash}", response_model=TxOut)
def transaction(tx_hash: str, db: DbDep) -> TxOut:
    """Public: the indexed events of one transaction, in log order. 404 `unknown_transaction` when none is indexed
    (not a transaction of the bank's contracts, or not indexed yet); 422 `invalid_transaction_hash`."""
    if not TX_HASH.match(tx_hash):
        raise Refusal(422, "invalid_transaction_hash")
    events = events_in_tx(db, tx_hash.lower())
    if not events:
        raise Refusal(404, "unknown_transaction")
    first = events[0]
    return TxOut(tx_hash=first.tx_hash, block_number=first.block_number, block_hash=first.block_hash,
                 block_time=first.block_time,
                 time=datetime.fromtimestamp(first.block_time, UTC) if first.block_time is not None else None,
                 events=[TxEventOut(block_number=e.block_number, tx_hash=e.tx_hash, log_index=e.log_index,
                                    contract=e.contract, event=e.event, args=e.args, block_time=e.block_time)
                         for e in events])
