"""What a certificate lists: a resident's confirmed activities in a period (services.certificates)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.store.models import Activity, Centre


def confirmed_activities(s: Session, resident_id: int, start: datetime, end: datetime,
                         centre_id: int | None = None) -> list[Activity]:
    """The resident's confirmed (not revoked) activities with start ≤ occurred_at < end, oldest first; of one centre
    only when `centre_id` is given."""
    q = select(Activity).where(Activity.resident_id == resident_id, Activity.status == "confirmed",
                               Activity.occurred_at >= start, Activity.occurred_at < end)
    if centre_id is not None:
        q = q.where(Activity.centre_id == centre_id)
    return list(s.scalars(q.order_by(Activity.occurred_at, Activity.id)))


def centre_names(s: Session) -> dict[int, str]:
    return {c.id: c.name for c in s.scalars(select(Centre))}
