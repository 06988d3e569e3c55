"""Staff sessions (refresh tokens) inside the caller's transaction: find one by its token's SHA-256, start one,
revoke a family or every session of an account."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from backend.store.models import StaffSession

# Revoked and expired sessions are kept a day after they expire (a reused token is still recognised as such until
# it would have expired anyway), then deleted.
KEEP_AFTER_EXPIRY = timedelta(days=1)


def by_digest(s: Session, digest: str, *, for_update: bool = False) -> StaffSession | None:
    q = select(StaffSession).where(StaffSession.token_sha256 == digest)
    return s.scalar(q.with_for_update() if for_update else q)


def start(s: Session, user_id: int, family: str, digest: str, now: datetime, expires_at: datetime) -> StaffSession:
    row = StaffSession(family=family, user_id=user_id, token_sha256=digest, created_at=now, expires_at=expires_at)
    s.add(row)
    s.flush()
    return row


def revoke_family(s: Session, family: str, now: datetime, reason: str) -> None:
    s.execute(update(StaffSession).where(StaffSession.family == family, StaffSession.revoked_at.is_(None))
              .values(revoked_at=now, revoked_reason=reason))


def revoke_all_of(s: Session, user_id: int, now: datetime, reason: str) -> None:
    """Every live session of the account (it was disabled, or its password changed)."""
    s.execute(update(StaffSession).where(StaffSession.user_id == user_id, StaffSession.revoked_at.is_(None))
              .values(revoked_at=now, revoked_reason=reason))


def forget_old(s: Session, now: datetime) -> None:
    s.execute(delete(StaffSession).where(StaffSession.expires_at < now - KEEP_AFTER_EXPIRY))
