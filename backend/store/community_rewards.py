"""Community rewards inside the caller's transaction: a resident's points waiting for the period's batch, the
centres that have some, and marking them settled by the activity that attests them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.store.models import CommunityCredit, NeighbourReport, Resident


def add(s: Session, resident_id: int, centre_id: int, points: int, source: str, granted_by: str, *,
        report_id: int | None = None, reason: str | None = None) -> CommunityCredit:
    credit = CommunityCredit(resident_id=resident_id, centre_id=centre_id, points=points, source=source,
                             report_id=report_id, granted_by=granted_by, reason=reason)
    s.add(credit)
    s.flush()
    return credit


def centres_waiting(s: Session, before: datetime) -> list[int]:
    """Centres with points earned before `before` and not yet in a batch."""
    return list(s.scalars(select(CommunityCredit.centre_id).where(
        CommunityCredit.activity_id.is_(None), CommunityCredit.created_at < before).distinct()))


def waiting(s: Session, centre_id: int, before: datetime, *, for_update: bool = False) -> list[CommunityCredit]:
    q = select(CommunityCredit).where(CommunityCredit.centre_id == centre_id, CommunityCredit.activity_id.is_(None),
                                      CommunityCredit.created_at < before).order_by(CommunityCredit.id)
    return list(s.scalars(q.with_for_update() if for_update else q))


def residents(s: Session, ids: set[int]) -> dict[int, Resident]:
    return {r.id: r for r in s.scalars(select(Resident).where(Resident.id.in_(ids)))} if ids else {}


def of_report(s: Session, report_id: int) -> CommunityCredit | None:
    return s.scalar(select(CommunityCredit).where(CommunityCredit.report_id == report_id))


def unsettled_points(s: Session, resident_id: int) -> int:
    return int(s.scalar(select(func.coalesce(func.sum(CommunityCredit.points), 0)).where(
        CommunityCredit.resident_id == resident_id, CommunityCredit.activity_id.is_(None))))


def reports_of(s: Session, report_ids: list[int]) -> list[NeighbourReport]:
    return list(s.scalars(select(NeighbourReport).where(NeighbourReport.id.in_(report_ids))))
