"""Reads of what the indexer has stored: an address's balance and events, the events of one transaction, a
contract's role changes, a provider's events in a block range, a category's rule versions."""

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


def events_in_tx(s: Session, tx_hash: str) -> list[ChainEvent]:
    """The indexed events of the transaction `tx_hash` (0x and 64 lowercase hex digits, as the node gives it), in
    log order; empty when none is indexed."""
    return list(s.scalars(select(ChainEvent).where(ChainEvent.tx_hash == tx_hash)
                          .order_by(ChainEvent.block_number, ChainEvent.log_index)))


ROLE_EVENTS = ("RoleGranted", "RoleRevoked")


def role_events(s: Session, contract: str) -> list[tuple[str, dict]]:
    """(event name, arguments) of every role granted or revoked on `contract` ("Redemption", …), in chain order."""
    q = (select(ChainEvent.event, ChainEvent.args)
         .where(ChainEvent.contract == contract, ChainEvent.event.in_(ROLE_EVENTS))
         .order_by(ChainEvent.block_number, ChainEvent.log_index))
    return [(name, args) for name, args in s.execute(q)]


PROVIDER_EVENTS = ("VoucherIssued", "VoucherFulfilled", "Settled")


def provider_events(s: Session, provider: str, from_block: int, to_block: int) -> list[ChainEvent]:
    """The provider's vouchers issued and fulfilled and its settlements in [from_block, to_block], in chain order."""
    return list(s.scalars(select(ChainEvent).where(
        ChainEvent.block_number >= from_block, ChainEvent.block_number <= to_block,
        ChainEvent.event.in_(PROVIDER_EVENTS),
        or_(ChainEvent.address1 == provider, ChainEvent.address2 == provider)).order_by(ChainEvent.id)))


def category_rule_events(s: Session, category: int) -> list[ChainEvent]:
    """Every `CategoryRuleSet` of the category as indexed, oldest first (the category is an indexed topic the table
    keeps in `args` only, so it is picked here: a city sets a rule a few times a year)."""
    rows = s.scalars(select(ChainEvent).where(ChainEvent.contract == "ActivityRegistry",
                                              ChainEvent.event == "CategoryRuleSet")
                     .order_by(ChainEvent.block_number, ChainEvent.log_index))
    return [e for e in rows if int(e.args["category"]) == category]
