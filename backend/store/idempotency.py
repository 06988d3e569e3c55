"""Stored answers of requests sent with an Idempotency-Key, one per (principal, key)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, tuple_
from sqlalchemy.orm import Session

from backend.store.models import IdempotencyRecord


def find_stored(s: Session, owner: str, key: str) -> IdempotencyRecord | None:
    return s.scalar(select(IdempotencyRecord).where(IdempotencyRecord.principal == owner, IdempotencyRecord.key == key))


def find_many(s: Session, keys: list[tuple[str, str]]) -> dict[tuple[str, str], IdempotencyRecord]:
    """(owner, key) → record, for the keys of a group of requests."""
    if not keys:
        return {}
    rows = s.scalars(select(IdempotencyRecord).where(tuple_(IdempotencyRecord.principal, IdempotencyRecord.key).in_(keys)))
    return {(row.principal, row.key): row for row in rows}


def store_answer(s: Session, owner: str, key: str, fingerprint: str, status_code: int, body) -> None:
    s.add(IdempotencyRecord(principal=owner, key=key, request_sha256=fingerprint, status_code=status_code,
                            response=body))


def forget_older_than(s: Session, before: datetime, limit: int) -> int:
    """Deletes up to `limit` records stored before `before` (the oldest first, by the created_at index); how many."""
    oldest = select(IdempotencyRecord.id).where(IdempotencyRecord.created_at < before).order_by(
        IdempotencyRecord.created_at).limit(limit)
    ids = list(s.scalars(oldest))
    if ids:
        s.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id.in_(ids)))
    return len(ids)
