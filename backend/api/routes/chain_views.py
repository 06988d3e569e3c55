"""What the indexer has seen: balances and history of an address."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from backend.api.deps import DbDep
from backend.api.schemas import BalanceOut, EventOut
from backend.chain.indexer import indexed_height
from backend.domain.activities import parse_address
from backend.store.events import events_of, indexed_balance

router = APIRouter(tags=["chain"])


@router.get("/balances/{address}", response_model=BalanceOut)
async def balance(address: str, db: DbDep) -> BalanceOut:
    address = parse_address(address)
    return BalanceOut(address=address, balance=indexed_balance(db, address), indexed_block=indexed_height(db))


@router.get("/history/{address}", response_model=list[EventOut])
async def history(address: str, db: DbDep, after_id: Annotated[int, Query(ge=0)] = 0,
            limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[EventOut]:
    """Everything on-chain that involves the address, oldest first: attestations, revocations, transfers,
    vouchers, donations, payments."""
    address = parse_address(address)
    return [EventOut(block_number=e.block_number, tx_hash=e.tx_hash, log_index=e.log_index, contract=e.contract,
                     event=e.event, args=e.args) for e in events_of(db, address, after_id, limit)]
