"""Neighbour reports: who accessed them."""

from __future__ import annotations


from sqlalchemy.orm import Session

from backend.store.models import NeighbourReport, ReportAccess


def log_access(s: Session, reports: list[NeighbourReport], staff_user_id: int, actor: str, action: str) -> None:
    """`action`: listed | read | triaged | refused:<why> (services.reports.REFUSALS_LOGGED)."""
    s.add_all([ReportAccess(report_id=r.id, staff_user_id=staff_user_id, actor=actor, action=action) for r in reports])
