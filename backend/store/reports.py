"""Neighbour reports: who accessed them."""

from __future__ import annotations
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.store.models import NeighbourReport, ReportAccess


def log_access(s: Session, reports: list[NeighbourReport], staff_user_id: int, actor: str, action: str) -> None:
    """`action`: listed | read | triaged | refused:<why> (services.reports.REFUSALS_LOGGED)."""
    s.add_all([ReportAccess(report_id=r.id, staff_user_id=staff_user_id, actor=actor, action=action) for r in reports])


def logged_since(s: Session, report_id: int, staff_user_id: int, action: str, since: datetime) -> bool:
    """Has this account a row of `action` on the report since `since`?"""
    return s.scalar(select(ReportAccess.id).where(ReportAccess.report_id == report_id,
                                                  ReportAccess.staff_user_id == staff_user_id,
                                                  ReportAccess.action == action, ReportAccess.at >= since)
                    .limit(1)) is not None
