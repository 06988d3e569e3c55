"""Vouchers as the indexer saw them, and their check codes."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.store.models import ChainEvent, VoucherCode

# No 0/O, 1/I/L: a code is read out and typed at a counter.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6


def issued_to(s: Session, resident: str, limit: int) -> list[ChainEvent]:
    """The resident's VoucherIssued events, newest first."""
    return list(s.scalars(select(ChainEvent).where(ChainEvent.event == "VoucherIssued", ChainEvent.address1 == resident)
                          .order_by(ChainEvent.id.desc()).limit(limit)))


def code_of(s: Session, voucher_id: int) -> VoucherCode | None:
    return s.get(VoucherCode, str(voucher_id))


def make_code(s: Session, voucher_id: int, resident: str) -> VoucherCode:
    """The voucher's code, made now if it has none (inside the caller's write transaction)."""
    row = code_of(s, voucher_id)
    if row is None:
        row = VoucherCode(voucher_id=str(voucher_id), resident=resident,
                          code="".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)))
        s.add(row)
        s.flush()
    return row


def normalise_code(text: str | None) -> str | None:
    """What a person typed, as stored: upper case, no spaces or dashes."""
    if text is None:
        return None
    return "".join(ch for ch in text.upper() if ch.isalnum())
