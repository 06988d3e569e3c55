"""Neighbour-in-need reports: a resident reports a neighbour who may need help; only the welfare officers of that
area read it (sealed at rest, every read logged); an officer triages it, and a confirmed report earns the reporter
a "neighbour found" activity on-chain. The chain gets nothing about the neighbour, and no endpoint shows the
reporter to anyone but those officers (as a resident number)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select

from backend.api.community import sealer
from backend.api.community_schemas import AccessOut, ReportIn, ReportOut, ReportReceipt, TriageIn
from backend.api.deps import DbDep, chain_or_503, require
from backend.api.idempotency import IdempotencyDep
from backend.api.residents_auth import ResidentDep
from backend.services.security import Principal
from backend.domain.activities import check_units
from backend.domain.errors import Refusal
from backend.store import community as repo
from backend.store.community_models import NeighbourReport, ReportAccess
from backend.store.db import write_transaction
from backend.store.models import Centre
from backend.store.sealing import Sealer, SealingError

router = APIRouter(tags=["neighbour reports"])
Officer = Annotated[Principal, Depends(require("welfare_officer"))]
OfficerOrAdmin = Annotated[Principal, Depends(require("welfare_officer", "admin"))]
SealerDep = Annotated[Sealer, Depends(sealer)]


def _associated(r: NeighbourReport) -> str:
    return f"vb:report:{r.ref}:{r.area}"


def _receipt(r: NeighbourReport) -> ReportReceipt:
    return ReportReceipt(id=r.id, area=r.area, status=r.status, created_at=r.created_at)


@router.post("/reports", response_model=ReportReceipt, status_code=201)
def create_report(body: ReportIn, request: Request, db: DbDep, resident: ResidentDep, seal: SealerDep,
                  once: IdempotencyDep):
    """A resident reports a neighbour who may need help. The place, the situation and what helps find them are
    sealed before they are written; the receipt echoes none of it (nor does a replayed Idempotency-Key)."""

    def handler() -> ReportReceipt:
        repo.area_or_refuse(db, body.area)
        centre = repo.centre_for_area(db, body.area)
        report = NeighbourReport(ref=secrets.token_hex(16), reporter_id=resident.resident_id, area=body.area,
                                 centre_id=centre.id, status="new", key_id="", sealed=b"")
        report.key_id, report.sealed = seal.seal(
            {"place": body.place, "situation": body.situation, "neighbour": body.neighbour}, _associated(report))
        db.add(report)
        db.flush()
        return _receipt(report)

    return once.run(db, resident, body, handler, 201, eager=True)


@router.get("/me/reports", response_model=list[ReportReceipt])
def my_reports(db: DbDep, resident: ResidentDep) -> list[ReportReceipt]:
    """The resident's own reports and where they stand (their content stays sealed)."""
    rows = db.scalars(select(NeighbourReport).where(NeighbourReport.reporter_id == resident.resident_id)
                      .order_by(NeighbourReport.id))
    return [_receipt(r) for r in rows]


def _officer_area(db, officer: Principal) -> str | None:
    return db.scalar(select(Centre.area).where(Centre.id == officer.centre_id)) if officer.centre_id else None


def _readable(db, officer: Principal, report_id: int, for_update: bool = False) -> NeighbourReport:
    q = select(NeighbourReport).where(NeighbourReport.id == report_id)
    r = db.scalar(q.with_for_update() if for_update else q)
    if r is None:
        raise Refusal(404, "not_found", what=f"report {report_id}")
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


@router.get("/reports", response_model=list[ReportReceipt])
def list_reports(db: DbDep, officer: Officer, status: str | None = None,
                 limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[ReportReceipt]:
    """The reports of the officer's area (no content; each listing is logged)."""
    area = _officer_area(db, officer)
    if area is None:
        return []
    q = select(NeighbourReport).where(NeighbourReport.area == area).order_by(NeighbourReport.id.desc()).limit(limit)
    if status:
        q = q.where(NeighbourReport.status == status)
    rows = list(db.scalars(q))
    with write_transaction(db):
        repo.log_access(db, rows, officer.user_id, officer.name, "listed")
    return [_receipt(r) for r in rows]


def _report_out(r: NeighbourReport, content: dict, notes: list[dict]) -> ReportOut:
    return ReportOut(id=r.id, area=r.area, status=r.status, created_at=r.created_at,
                     place=content["place"], situation=content["situation"], neighbour=content.get("neighbour"),
                     notes=notes, reporter_id=r.reporter_id, activity_id=r.activity_id, triaged_by=r.triaged_by)


@router.get("/reports/{report_id}", response_model=ReportOut)
def read_report(report_id: int, db: DbDep, officer: Officer, seal: SealerDep) -> ReportOut:
    """A welfare officer of the report's area reads it; the read is logged in the same transaction."""
    with write_transaction(db):
        r = _readable(db, officer, report_id)
        content, notes = _open(seal, r)
        repo.log_access(db, [r], officer.user_id, officer.name, "read")
        return _report_out(r, content, notes)


@router.post("/reports/{report_id}/triage", response_model=ReportOut)
def triage_report(report_id: int, body: TriageIn, request: Request, db: DbDep, officer: Officer,
                  seal: SealerDep) -> ReportOut:
    """in_review, confirmed or dismissed, with a note (sealed). Confirming rewards the reporter once: a "neighbour
    found" activity, approved by the officer's verification and queued for the chain (so it needs the chain's rule
    and the centre's cap: 503 while the node is unreachable; the other decisions do not)."""
    reward = cap = None
    if body.decision == "confirmed":
        chain = chain_or_503(request)
        reward = check_units(chain.rule(repo.NEIGHBOUR_FOUND), repo.NEIGHBOUR_FOUND, 1)
        centre_id = db.scalar(select(NeighbourReport.centre_id).where(NeighbourReport.id == report_id))
        cap = chain.remaining_cap_at(centre_id) if centre_id is not None else (0, 0)  # before the write lock
        db.rollback()
    with write_transaction(db):
        r = _readable(db, officer, report_id, for_update=True)
        if r.status in ("confirmed", "dismissed"):
            raise Refusal(409, "report_decided", report_id=report_id, status=r.status)
        content, notes = _open(seal, r)
        notes = [*notes, {"by": officer.name, "at": datetime.now(UTC).isoformat(), "decision": body.decision,
                          "note": body.note}]
        r.notes_key_id, r.notes_sealed = seal.seal({"notes": notes}, _associated(r) + ":notes")
        r.status, r.triaged_by = body.decision, officer.name
        if body.decision == "confirmed":
            repo.reward_reporter(db, r, officer.name, reward, *cap)
        repo.log_access(db, [r], officer.user_id, officer.name, "triaged")
        return _report_out(r, content, notes)


@router.get("/reports/{report_id}/access-log", response_model=list[AccessOut])
def access_log(report_id: int, db: DbDep, principal: OfficerOrAdmin) -> list[AccessOut]:
    """Who listed, read or triaged the report, and when: for the area's officers and the admin (who cannot read
    the report itself)."""
    r = db.get(NeighbourReport, report_id)
    if r is None:
        raise Refusal(404, "not_found", what=f"report {report_id}")
    if principal.role != "admin" and _officer_area(db, principal) != r.area:
        raise Refusal(403, "not_your_area", report_id=report_id)
    rows = db.scalars(select(ReportAccess).where(ReportAccess.report_id == report_id).order_by(ReportAccess.id))
    return [AccessOut(actor=a.actor, action=a.action, at=a.at) for a in rows]
