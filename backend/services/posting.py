"""Posting limits per resident: talents, needs, proposals, comments and neighbour reports are free to post, but one
resident posts at most so many of each kind in any 24 hours (VB_COMMUNITY_<KIND>S_PER_DAY; 429 posting_limited,
with when to try again) and has at most VB_COMMUNITY_OPEN_PER_RESIDENT of each kind open at once (409
too_many_open). Counted over the posts themselves (store.posting); a replayed Idempotency-Key posts nothing, so it
counts nothing. Staff posts are not limited."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from backend.config import Settings
from backend.domain.errors import Refusal
from backend.store import posting as posting_rows

WINDOW = timedelta(hours=24)


def per_day(settings: Settings, kind: str) -> int:
    return getattr(settings, f"community_{kind}s_per_day")


def check(db: Session, settings: Settings, kind: str, resident_id: int, now: datetime | None = None) -> None:
    """Refuses a new post of `kind` by the resident when they are at a limit. Inside the caller's write transaction
    (the resident's row is locked until it ends, so that concurrent posts are counted in turn)."""
    now = now or datetime.now(UTC)
    posting_rows.lock_resident(db, resident_id)
    limit = per_day(settings, kind)
    times = posting_rows.posted_since(db, kind, resident_id, now - WINDOW)
    if len(times) >= limit:
        # The post whose turning 24 hours old brings the count below the limit.
        frees_at = times[len(times) - limit] + WINDOW
        wait = max(1, math.ceil((frees_at - now).total_seconds()))
        raise Refusal(429, "posting_limited", what=kind, limit=limit, wait=wait, minutes=math.ceil(wait / 60))
    most = settings.community_open_per_resident
    if posting_rows.open_count(db, kind, resident_id) >= most:
        raise Refusal(409, "too_many_open", what=kind, count=most)
