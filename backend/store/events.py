"""Reads of what the indexer has stored: an address's balance and events."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.store.models import Balance, ChainEvent


def indexed_balance(s: Session, address: str) -> str:
    row = s.get(Balance, address)
    return row.amount if row else "0"


def events_of(s: Session, address: str, after_id: int, limit: int) -> list[ChainEvent]:
    """Events naming the address as either party, oldest first, after the event id `after_id`."""
    return list(s.scalars(select(ChainEvent).where(or_(ChainEvent.address1 == address, ChainEvent.address2 == address),
                                                   ChainEvent.id > after_id).order_by(ChainEvent.id).limit(limit)))
