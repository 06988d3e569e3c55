"""Neighbour-in-need reports: a resident reports a neighbour who may need help; only the welfare officers of that
area read it (sealed at rest, every read and every refused attempt logged); an officer triages it, and a confirmed
report earns the reporter community points, attested with the period's other community rewards. The chain gets
nothing about the neighbour nor about the report, and no endpoint shows the reporter to anyone but those officers (as
a resident number)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.domain.bounds import ROW_ID_MAX
from backend.domain.errors import Refusal
from backend.services import community_rewards, posting
from backend.services.actors import ResidentPrincipal
from backend.services.security import RESIDENT_ROLE
from backend.store import areas as area_rows
from backend.store import reports as report_rows
from backend.store.models import Centre, NeighbourReport, ReportAccess
from backend.store.db import write_transaction
from backend.store.rows import get_or_refuse
from backend.store.sealing import Sealer, SealingError


# The refusals of an attempt to open a report (read it, triage it, see its access log) that leave a row in its access
# log, and the reason written there (action "refused:<why>", at most 20 characters): an officer of another area, a
# staff account of another role, an account whose password someone else set (its owner has not replaced it yet), a
# read-only API key triaging.
# A report that does not exist has no log; a resident (no staff account) is refused without a row.
REFUSALS_LOGGED = {"not_your_area": "area", "staff_required": "role", "password_change_required": "password",
                   "api_key_read_only": "scope"}
REFUSED_PREFIX = "refused:"
# The same refusal of the same account on the same report is logged once per window: a loop over every id cannot
# bury the officers' log under rows (nor grow the table at a request's pace).
REFUSED_LOG_WINDOW = timedelta(hours=1)


def refusal_of(action: str) -> str | None:
    """The refusal code of a logged refused attempt ("refused:area" → "not_your_area"), else None."""
    if not action.startswith(REFUSED_PREFIX):
        return None
    why = action.removeprefix(REFUSED_PREFIX)
    return next((code for code, short in REFUSALS_LOGGED.items() if short == why), why)


def refused(db: Session, who, report_id, code: str) -> None:
    """Logs a refused attempt of the staff account `who` to open report `report_id` (refused with `code`), in a short
    write transaction of its own: the refusal rolls back the caller's."""
    why = REFUSALS_LOGGED.get(code)
    if why is None or who.via == "siwe" or who.role == RESIDENT_ROLE:
        return
    try:
        report_id = int(report_id)
    except (TypeError, ValueError):
        return
    if not 0 < report_id <= ROW_ID_MAX:
        return
    action = REFUSED_PREFIX + why
    with write_transaction(db):
        r = db.get(NeighbourReport, report_id)
        if r is not None and not report_rows.logged_since(db, r.id, who.user_id, action,
                                                          datetime.now(UTC) - REFUSED_LOG_WINDOW):
            report_rows.log_access(db, [r], who.user_id, who.name, action)


@contextmanager
def _refusals_logged(db: Session, who, report_id: int) -> Iterator[None]:
    """Around the transaction of an attempt to open a report: a refusal in REFUSALS_LOGGED is logged (`refused`)
    once that transaction has been rolled back, then raised."""
    try:
        yield
    except Refusal as refusal:
        refused(db, who, report_id, refusal.code)
        raise


def _associated(r: NeighbourReport) -> str:
    return f"vb:report:{r.ref}:{r.area}"


def create(db: Session, seal: Sealer, settings: Settings, resident: ResidentPrincipal, *, area: str, place: str,
           situation: str, neighbour: str | None) -> NeighbourReport:
    """The place, the situation and what helps find the neighbour are sealed before they are written; within the
    resident's posting limits (services.posting)."""
    with write_transaction(db):
        posting.check(db, settings, "report", resident.resident_id)
        area_rows.area_or_refuse(db, area)
        centre = area_rows.centre_for_area(db, area)
        report = NeighbourReport(ref=secrets.token_hex(16), reporter_id=resident.resident_id, area=area,
                                 centre_id=centre.id, status="new", key_id="", sealed=b"")
        report.key_id, report.sealed = seal.seal({"place": place, "situation": situation, "neighbour": neighbour},
                                                 _associated(report))
        db.add(report)
        db.flush()
        return report


def mine(db: Session, resident: ResidentPrincipal) -> list[NeighbourReport]:
    """The resident's own reports and where they stand (their content stays sealed)."""
    return list(db.scalars(select(NeighbourReport).where(NeighbourReport.reporter_id == resident.resident_id)
                           .order_by(NeighbourReport.id)))


def _officer_area(db: Session, officer) -> str | None:
    return db.scalar(select(Centre.area).where(Centre.id == officer.centre_id)) if officer.centre_id else None


def _readable(db: Session, officer, report_id: int, for_update: bool = False) -> NeighbourReport:
    r = get_or_refuse(db, NeighbourReport, report_id, "report", for_update=for_update)
    if _officer_area(db, officer) != r.area:
        raise Refusal(403, "not_your_area", report_id=report_id)
    return r


def _open(seal: Sealer, r: NeighbourReport) -> tuple[dict, list[dict]]:
    try:
        content = seal.open(r.key_id, r.sealed, _associated(r))
        notes = seal.open(r.notes_key_id, r.notes_sealed, _associated(r) + ":notes")["notes"] if r.notes_sealed else []
    except SealingError as exc:
        raise Refusal(500, "report_unreadable", report_id=r.id, why=str(exc)) from None
    return content, notes


def listing(db: Session, officer, status: str | None, limit: int) -> list[NeighbourReport]:
    """The reports of the officer's area (no content); the listing is logged."""
    area = _officer_area(db, officer)
    if area is None:
        return []
    q = select(NeighbourReport).where(NeighbourReport.area == area).order_by(NeighbourReport.id.desc()).limit(limit)
    if status:
        q = q.where(NeighbourReport.status == status)
    rows = list(db.scalars(q))
    with write_transaction(db):
        report_rows.log_access(db, rows, officer.user_id, officer.name, "listed")
    return rows


def read(db: Session, seal: Sealer, officer, report_id: int) -> tuple[NeighbourReport, dict, list[dict], dict | None]:
    """An officer of the report's area opens it: (report, content, notes, reward); the read is logged in the same
    transaction, a refusal in one of its own."""
    with _refusals_logged(db, officer, report_id), write_transaction(db):
        r = _readable(db, officer, report_id)
        content, notes = _open(seal, r)
        report_rows.log_access(db, [r], officer.user_id, officer.name, "read")
        return r, content, notes, community_rewards.report_reward(db, r.id)


def triage(db: Session, seal: Sealer, settings: Settings, officer, report_id: int, decision: str,
           note: str | None) -> tuple[NeighbourReport, dict, list[dict], dict | None]:
    """in_review, confirmed or dismissed, with a note (sealed). Confirming credits the reporter once with community
    points, attested with the period's other community rewards (services.community_rewards), never as an activity
    of its own: nothing on-chain may say that a wallet reported someone."""
    with _refusals_logged(db, officer, report_id), write_transaction(db):
        r = _readable(db, officer, report_id, for_update=True)
        if r.status in ("confirmed", "dismissed"):
            raise Refusal(409, "report_decided", report_id=report_id, status=r.status)
        content, notes = _open(seal, r)
        notes = [*notes, {"by": officer.name, "at": datetime.now(UTC).isoformat(), "decision": decision, "note": note}]
        r.notes_key_id, r.notes_sealed = seal.seal({"notes": notes}, _associated(r) + ":notes")
        r.status, r.triaged_by = decision, officer.name
        if decision == "confirmed":
            community_rewards.credit_report(db, settings, r, officer.name)
        report_rows.log_access(db, [r], officer.user_id, officer.name, "triaged")
        return r, content, notes, community_rewards.report_reward(db, r.id)


def access_log(db: Session, actor, report_id: int) -> list[ReportAccess]:
    """Who listed, read or triaged the report, or was refused opening it, and when: for the area's officers and the
    admin (who cannot read the report itself)."""
    r = get_or_refuse(db, NeighbourReport, report_id, "report")
    if actor.role != "admin" and _officer_area(db, actor) != r.area:
        refused(db, actor, report_id, "not_your_area")
        raise Refusal(403, "not_your_area", report_id=report_id)
    return list(db.scalars(select(ReportAccess).where(ReportAccess.report_id == report_id).order_by(ReportAccess.id)))
