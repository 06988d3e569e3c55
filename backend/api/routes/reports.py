"""Neighbour-in-need reports: sealed, read only by the welfare officers of their area; every read, and a staff
account's refused attempt to open one (once per account, reason and hour), logged (services.reports)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from backend.api.community import sealer
from backend.api.schemas import Id
from backend.api.schemas.reports import AccessOut, ReportIn, ReportOut, ReportReceipt, TriageIn
from backend.api.deps import DbDep, SettingsDep, require_logging_refusals
from backend.api.idempotency import IdempotencyDep
from backend.api.residents_auth import ResidentDep
from backend.api.views import access_out, receipt, report_out
from backend.services import reports
from backend.services.security import Principal
from backend.store.sealing import Sealer

router = APIRouter(tags=["neighbour reports"])


def _refused(db, principal: Principal, code: str, path_params: dict) -> None:
    """A staff account refused on /reports/{report_id}… (another role, a password to set first) is logged."""
    reports.refused(db, principal, path_params.get("report_id"), code)


Officer = Annotated[Principal, Depends(require_logging_refusals(_refused, "welfare_officer"))]
OfficerOrAdmin = Annotated[Principal, Depends(require_logging_refusals(_refused, "welfare_officer", "admin"))]
SealerDep = Annotated[Sealer, Depends(sealer)]


@router.post("/reports", response_model=ReportReceipt, status_code=201)
def create_report(body: ReportIn, db: DbDep, resident: ResidentDep, seal: SealerDep, settings: SettingsDep,
                  once: IdempotencyDep):
    """A resident reports a neighbour who may need help. The place, the situation and what helps find them are
    sealed before they are written; the receipt echoes none of it (nor does a replayed Idempotency-Key)."""
    return once.run(db, resident, body, lambda: receipt(reports.create(
        db, seal, settings, resident, area=body.area, place=body.place, situation=body.situation,
        neighbour=body.neighbour)), 201)


@router.get("/me/reports", response_model=list[ReportReceipt])
def my_reports(db: DbDep, resident: ResidentDep) -> list[ReportReceipt]:
    """The resident's own reports and where they stand (their content stays sealed)."""
    return [receipt(r) for r in reports.mine(db, resident)]


@router.get("/reports", response_model=list[ReportReceipt])
def list_reports(db: DbDep, officer: Officer, status: str | None = None,
                 limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[ReportReceipt]:
    """The reports of the officer's area (no content; each listing is logged)."""
    return [receipt(r) for r in reports.listing(db, officer, status, limit)]


@router.get("/reports/{report_id}", response_model=ReportOut)
def read_report(report_id: Id, db: DbDep, officer: Officer, seal: SealerDep) -> ReportOut:
    """A welfare officer of the report's area reads it; the read is logged in the same transaction."""
    return report_out(*reports.read(db, seal, officer, report_id))


@router.post("/reports/{report_id}/triage", response_model=ReportOut)
def triage_report(report_id: Id, body: TriageIn, db: DbDep, officer: Officer, seal: SealerDep,
                  settings: SettingsDep) -> ReportOut:
    """in_review, confirmed or dismissed, with a note (sealed). Confirming credits the reporter once with community
    points (`reward_points`), attested with the period's other community rewards, never as an activity of its own."""
    return report_out(*reports.triage(db, seal, settings, officer, report_id, body.decision, body.note))


@router.get("/reports/{report_id}/access-log", response_model=list[AccessOut])
def access_log(report_id: Id, db: DbDep, principal: OfficerOrAdmin) -> list[AccessOut]:
    """Who listed, read or triaged the report, or was refused opening it (`action` "refused", `reason` the refusal's
    code), and when: for the area's officers and the admin (who cannot read the report itself)."""
    return [access_out(a) for a in reports.access_log(db, principal, report_id)]
