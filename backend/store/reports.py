"""Neighbour reports: who accessed them, and the reporter's reward once one is confirmed."""

from __future__ import annotations


from sqlalchemy.orm import Session

from backend.store import activities as activity_repo
from backend.store.models import Activity, NeighbourReport, ReportAccess, Resident


def log_access(s: Session, reports: list[NeighbourReport], staff_user_id: int, actor: str, action: str) -> None:
    s.add_all([ReportAccess(report_id=r.id, staff_user_id=staff_user_id, actor=actor, action=action) for r in reports])



def reward_reporter(s: Session, report: NeighbourReport, actor: str, category: int, reward: int, remaining_cap: int,
                    cap_block: int | None) -> Activity:
    """A confirmed report: a "neighbour found" activity for the reporter, approved (the officer verified it) and
    queued for the chain. Its record names no neighbour and no place."""
    reporter = s.get(Resident, report.reporter_id)
    # It happened when the resident reported it (to the minute: no finer trace of when they were there).
    found_at = report.created_at.replace(second=0, microsecond=0)
    a = activity_repo.record(s, actor, report.centre_id, reporter, category, 1, found_at, None,
                             "neighbour-in-need report confirmed by a welfare officer", source="report")
    activity_repo.approve(s, a, actor, reward, remaining_cap, cap_block)
    report.activity_id = a.id
    return a
