"""The rows of the staff sign-in throttle (services.login_throttle): read, locked for an update, forgotten."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session

from backend.store.models import LoginThrottle


def rows(s: Session, keys: list[str]) -> dict[str, LoginThrottle]:
    return {r.key: r for r in s.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys)))}


def for_update(s: Session, key: str, now: datetime) -> LoginThrottle:
    """The row of `key` locked for this transaction (a new one, flushed, if there is none)."""
    row = s.scalar(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update())
    if row is None:
        row = LoginThrottle(key=key, failures=0, locks=0, window_start=now, locked_until=None, updated_at=now)
        s.add(row)
        s.flush()
    return row


def forget(s: Session, key: str) -> None:
    s.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


def forget_stale(s: Session, before: datetime, now: datetime) -> None:
    """Rows not changed since `before` whose lock (or a known address's time) is over."""
    s.execute(delete(LoginThrottle).where(
        LoginThrottle.updated_at < before,
        or_(LoginThrottle.locked_until.is_(None), and_(LoginThrottle.locked_until < now))))
