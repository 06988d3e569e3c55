"""The coordinator's workflow: record (or take a self-report), correct, approve or reject, revoke; and read
(services.activities; single POSTs are written together by services.recorder)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from backend.api.deps import ChainDep, DbDep, LanguageDep, require
from backend.api.idempotency import IdempotencyDep, respond
from backend.api.schemas import ActivityBatchIn, ActivityIn, ActivityOut, ActivityPatch, AfterId, AuditOut, Id, ReasonIn
from backend.services.security import Principal
from backend.domain.access import check_centre
from backend.domain.activities import parse_address
from backend.domain.errors import Refusal
from backend.domain.messages import localized
from backend.services import activities as service
from backend.services import erasure
from backend.services.recorder import RecordRequest
from backend.store.activities import NewActivity
from backend.store.models import Activity

router = APIRouter(prefix="/activities", tags=["activities"])
Status = Literal["pending_review", "recorded", "approved", "submitted", "confirmed", "failed", "rejected", "revoking",
                 "revoked"]
Source = Literal["coordinator", "self_report", "match", "community"]
Coordinator = Annotated[Principal, Depends(require("admin", "coordinator"))]


def to_out(a: Activity) -> ActivityOut:
    return ActivityOut(
        id=a.id, centre_id=a.centre_id, volunteer=a.resident.address, category=a.category, units=a.units,
        occurred_at=a.occurred_at, place=a.place, description=a.description, status=a.status, source=a.source,
        recorded_by=a.recorded_by, reviewed_by=a.reviewed_by, review_reason=a.review_reason, reward=a.reward,
        chain_id=a.chain_id_hex, tx_hash=a.tx_hash, block_number=a.block_number, failure=a.failure,
    )


@router.post("", response_model=ActivityOut, status_code=201)
async def record_activity(body: ActivityIn, request: Request, chain: ChainDep, principal: Coordinator,
                          once: IdempotencyDep) -> JSONResponse:
    """Records an activity for a centre (a coordinator's own, or a resident's self-report waiting for review).
    With `approve: true` it is approved in the same step and queued for the chain."""
    check_centre(principal, body.centre_id)
    volunteer = parse_address(body.volunteer, "volunteer")
    if body.approve and body.source == "self_report":
        raise Refusal(422, "self_report_needs_review", "a self-report waits for a coordinator; do not approve it in the same step")
    # Written together with the other POSTs arriving meanwhile (services/recorder.py); the rules, the cap and the
    # key are checked there for each request on its own.
    item = NewActivity(principal.name, body.centre_id, volunteer, body.category, body.units, body.occurred_at,
                       body.place, body.description, body.source, None)
    answer = await request.app.state.recorder.submit(
        RecordRequest(principal, item, body.approve, once.key, once.fingerprint(body)), chain)
    return respond(answer)


def problems_out(problems: list[Refusal], language: str) -> list[dict]:
    """Refusals found by a check (not raised) as the client shows them: the code and the message in its language."""
    return [{"code": p.code, "message": localized(p, language)} for p in problems]


@router.post("/preview")
def preview_activity(body: ActivityIn, db: DbDep, chain: ChainDep, principal: Coordinator, language: LanguageDep) -> dict:
    """What recording and approving this activity would earn (`reward` in base units, `coins` as a decimal string)
    and what would refuse it (`problems`) or look wrong (`warnings`); nothing is saved."""
    found = service.preview(db, chain, principal, centre_id=body.centre_id, volunteer=body.volunteer,
                            category=body.category, units=body.units, occurred_at=body.occurred_at)
    return {**found, "ok": not found["problems"], "problems": problems_out(found["problems"], language),
            "warnings": problems_out(found["warnings"], language)}


@router.post("/batch", response_model=list[ActivityOut], status_code=201)
def record_batch(body: ActivityBatchIn, db: DbDep, chain: ChainDep, principal: Coordinator,
                 once: IdempotencyDep) -> JSONResponse:
    """Records (and with `approve: true` approves) a sheet of up to 500 activities of one centre, all or none: one
    request, one database transaction, one cap check for their sum. A refused line is named by its index."""
    return once.run(db, principal, body, lambda: [
        to_out(a) for a in service.record_sheet(db, chain, principal, body.activities, body.approve)], 201)


# Reads are `async def`: their queries are short, and the event loop saves two thread hand-offs per request.
@router.get("", response_model=list[ActivityOut])
async def list_activities(db: DbDep, principal: Coordinator, centre_id: Id | None = None,
                          status: Annotated[list[Status] | None, Query()] = None,
                          source: Annotated[list[Source] | None, Query()] = None,
                          after_id: AfterId = 0, limit: Annotated[int, Query(ge=1, le=500)] = 100,
                          before_id: Id | None = None):
    """The centre's activities by id (a coordinator: their own centre's), filtered by status and source (each may be
    repeated: `?status=pending_review&status=recorded&source=self_report` is the approval queue), paged by
    `after_id`; with `before_id`, the newest first below it (`before_id` 2147483647, the largest id there can be: the latest)."""
    return [ActivityOut(**v) for v in service.listing(db, principal, centre_id, status, after_id, limit, source,
                                                      before_id)]


@router.get("/{activity_id}", response_model=ActivityOut)
async def get_activity(activity_id: Id, db: DbDep, principal: Coordinator) -> Response:
    view = service.view(db, principal, activity_id)
    # Serialised here: returning the model would have FastAPI validate it against response_model a second time.
    return Response(ActivityOut(**view).model_dump_json(), media_type="application/json")


@router.get("/{activity_id}/audit", response_model=list[AuditOut])
async def get_audit(activity_id: Id, db: DbDep, principal: Coordinator) -> list[AuditOut]:
    return [AuditOut(actor=r.actor, action=r.action, before=r.before, after=r.after, reason=r.reason, at=r.at)
            for r in service.audit_trail(db, principal, activity_id)]


@router.patch("/{activity_id}", response_model=ActivityOut)
def correct_activity(activity_id: Id, body: ActivityPatch, db: DbDep, chain: ChainDep, principal: Coordinator) -> ActivityOut:
    """Corrects an activity before approval; every change is audited with its reason."""
    changes = body.model_dump(exclude_unset=True, exclude={"reason"})
    return to_out(service.correct(db, chain, principal, activity_id, changes, body.reason))


@router.post("/{activity_id}/approve", response_model=ActivityOut,
             summary="Approve: fixes the reward and the on-chain id, queues it for the chain")
def approve_activity(activity_id: Id, db: DbDep, chain: ChainDep, principal: Coordinator, once: IdempotencyDep,
                     body: ReasonIn | None = None) -> JSONResponse:
    return once.run(db, principal, body, lambda: to_out(service.approve(db, chain, principal, activity_id)))


@router.post("/{activity_id}/reject", response_model=ActivityOut, summary="Reject, with a reason")
def reject_activity(activity_id: Id, db: DbDep, principal: Coordinator, once: IdempotencyDep,
                    body: ReasonIn | None = None) -> JSONResponse:
    return once.run(db, principal, body, lambda: to_out(service.reject(db, principal, activity_id,
                                                                       body.reason if body else None)))


@router.post("/{activity_id}/revoke", response_model=ActivityOut,
             summary="Revoke a confirmed activity on-chain, with a reason")
def revoke_activity(activity_id: Id, db: DbDep, principal: Coordinator, once: IdempotencyDep,
                    body: ReasonIn | None = None) -> JSONResponse:
    return once.run(db, principal, body, lambda: to_out(service.revoke(db, principal, activity_id,
                                                                       body.reason if body else None)))


@router.post("/{activity_id}/erase-link", response_model=ActivityOut)
def erase_link(activity_id: Id, body: ReasonIn, db: DbDep, principal: Annotated[Principal, Depends(require("admin"))]):
    """The city cuts a settled activity's link to the chain: salt, on-chain id, evidence hash, serial, transaction
    and block are removed from the record, its audit snapshots and stored answers. The record stays, for the
    accounts. (A resident's whole request to be forgotten: POST /residents/{id}/forget.)"""
    return to_out(erasure.erase_link(db, principal, activity_id, body.reason))
