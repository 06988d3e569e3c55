"""What the indexer has seen: balances and history of an address."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import or_, select

from backend.api.deps import DbDep
from backend.api.schemas import BalanceOut, EventOut
from backend.chain.indexer import indexed_height
from backend.domain.activities import parse_address
from backend.store.models import Balance, ChainEvent

router = APIRouter(tags=["chain"])


@router.get("/balances/{address}", response_model=BalanceOut)
async def balance(address: str, db: DbDep) -> BalanceOut:
    address = parse_address(address)
    row = db.get(Balance, address)
    return BalanceOut(address=address, balance=row.amount if row else "0", indexed_block=indexed_height(db))


@router.get("/history/{address}", response_model=list[EventOut])
async def history(address: str, db: DbDep, after_id: Annotated[int, Query(ge=0)] = 0,
            limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[EventOut]:
    """Everything on-chain that involves the address, oldest first: attestations, revocations, transfers,
    vouchers, donations, payments."""
    address = parse_address(address)
    q = (select(ChainEvent).where(or_(ChainEvent.address1 == address, ChainEvent.address2 == address),
                                  ChainEvent.id > after_id).order_by(ChainEvent.id).limit(limit))
    return [EventOut(block_number=e.block_number, tx_hash=e.tx_hash, log_index=e.log_index, contract=e.contract,
                     event=e.event, args=e.args) for e in db.scalars(q)]
