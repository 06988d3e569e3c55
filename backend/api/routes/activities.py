"""The coordinator's workflow: record (or take a self-report), correct, approve or reject, revoke; and read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from backend.api.deps import ChainDep, DbDep, check_centre, require
from backend.api.idempotency import check_idempotency_key, request_fingerprint, run_idempotent
from backend.api.recorder import RecordRequest
from backend.api.schemas import ActivityBatchIn, ActivityIn, ActivityOut, ActivityPatch, AuditOut, ReasonIn
from backend.api.security import Principal
from backend.chain.client import ChainClient
from backend.domain.activities import DomainError, check_units, not_found, parse_address
from backend.store import activities as repo
from backend.store.db import write_transaction
from backend.store.models import Activity, ActivityAudit

router = APIRouter(prefix="/activities", tags=["activities"])
Coordinator = Annotated[Principal, Depends(require("admin", "coordinator"))]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]


def to_out(a: Activity) -> ActivityOut:
    return ActivityOut(
        id=a.id, centre_id=a.centre_id, volunteer=a.resident.address, category=a.category, units=a.units,
        occurred_at=a.occurred_at, place=a.place, description=a.description, status=a.status, source=a.source,
        recorded_by=a.recorded_by, reviewed_by=a.reviewed_by, review_reason=a.review_reason, reward=a.reward,
        chain_id=a.chain_id_hex, tx_hash=a.tx_hash, block_number=a.block_number, failure=a.failure,
    )


def _reward(chain: ChainClient, category: int, units: int) -> int:
    return check_units(chain.rule(category), category, units)


def _approve(db, chain: ChainClient, a: Activity, principal: Principal, cap: tuple[int, int]) -> Activity:
    reward = _reward(chain, a.category, a.units)
    return repo.approve(db, a, principal.name, reward, *cap)


@router.post("", response_model=ActivityOut, status_code=201)
async def record_activity(body: ActivityIn, request: Request, chain: ChainDep, principal: Coordinator,
                          idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Records an activity for a centre (a coordinator's own, or a resident's self-report waiting for review).
    With `approve: true` it is approved in the same step and queued for the chain."""
    check_centre(principal, body.centre_id)
    volunteer = parse_address(body.volunteer, "volunteer")
    if body.approve and body.source == "self_report":
        raise DomainError(422, "self_report_needs_review", "a self-report waits for a coordinator; do not approve it in the same step")
    check_idempotency_key(idempotency_key)
    # Written together with the other POSTs arriving meanwhile (see api/recorder.py); the rules, the cap and the
    # key are checked there for each request on its own.
    item = repo.NewActivity(principal.name, body.centre_id, volunteer, body.category, body.units, body.occurred_at,
                            body.place, body.description, body.source, None)
    return await request.app.state.recorder.submit(
        RecordRequest(principal, item, body.approve, idempotency_key,
                      request_fingerprint("POST", request.url.path, body)), chain)


@router.post("/batch", response_model=list[ActivityOut], status_code=201)
def record_batch(body: ActivityBatchIn, request: Request, db: DbDep, chain: ChainDep, principal: Coordinator,
                 idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Records (and with `approve: true` approves) a sheet of up to 500 activities of one centre, all or none: one
    request, one database transaction, one cap check for their sum. A refused line is named by its index."""
    centre_id = body.activities[0].centre_id
    for i, item in enumerate(body.activities):
        if item.centre_id != centre_id:
            raise DomainError(422, "mixed_centres", f"activities[{i}]: one sheet is for one centre ({centre_id})")
    check_centre(principal, centre_id)
    volunteers, rewards = [], []
    for i, item in enumerate(body.activities):
        try:
            volunteers.append(parse_address(item.volunteer, "volunteer"))
            rewards.append(_reward(chain, item.category, item.units))
        except DomainError as exc:
            raise DomainError(exc.status, exc.code, f"activities[{i}]: {exc.message}") from None
    cap = chain.remaining_cap_at(centre_id) if body.approve else (0, 0)

    def handler():
        residents = repo.residents_for(db, volunteers)
        recorded = repo.record_many(db, principal.name, centre_id, [
            (residents[v], item.category, item.units, item.occurred_at, item.place, item.description)
            for item, v in zip(body.activities, volunteers, strict=True)])
        if body.approve:
            repo.approve_many(db, recorded, rewards, principal.name, *cap)
        return [to_out(a) for a in recorded]

    return run_idempotent(db, principal, idempotency_key, request_fingerprint("POST", request.url.path, body), handler, 201)


def _owned(db, principal: Principal, activity_id: int, for_update: bool = False) -> Activity:
    a = repo.load_for_update(db, activity_id) if for_update else db.get(Activity, activity_id)
    if a is None:
        raise not_found(f"activity {activity_id}")
    check_centre(principal, a.centre_id)
    return a


# Reads are `async def`: their queries are short, and the event loop saves two thread hand-offs per request.
@router.get("", response_model=list[ActivityOut])
async def list_activities(db: DbDep, principal: Coordinator, centre_id: int | None = None, status: str | None = None,
                          after_id: Annotated[int, Query(ge=0)] = 0, limit: Annotated[int, Query(ge=1, le=500)] = 100):
    where = [Activity.id > after_id]
    if principal.role != "admin":
        if centre_id is not None and centre_id != principal.centre_id:
            check_centre(principal, centre_id)
        centre_id = principal.centre_id
    if centre_id is not None:
        where.append(Activity.centre_id == centre_id)
    if status is not None:
        where.append(Activity.status == status)
    return [ActivityOut(**v) for v in repo.activity_views(db, *where, limit=limit)]


@router.get("/{activity_id}", response_model=ActivityOut)
async def get_activity(activity_id: int, db: DbDep, principal: Coordinator) -> Response:
    view = repo.activity_view(db, activity_id)
    if view is None:
        raise not_found(f"activity {activity_id}")
    check_centre(principal, view["centre_id"])
    # Serialised here: returning the model would have FastAPI validate it against response_model a second time.
    return Response(ActivityOut(**view).model_dump_json(), media_type="application/json")


@router.get("/{activity_id}/audit", response_model=list[AuditOut])
async def get_audit(activity_id: int, db: DbDep, principal: Coordinator) -> list[AuditOut]:
    _owned(db, principal, activity_id)
    rows = db.scalars(select(ActivityAudit).where(ActivityAudit.activity_id == activity_id).order_by(ActivityAudit.id))
    return [AuditOut(actor=r.actor, action=r.action, before=r.before, after=r.after, reason=r.reason, at=r.at) for r in rows]


@router.patch("/{activity_id}", response_model=ActivityOut)
def correct_activity(activity_id: int, body: ActivityPatch, db: DbDep, chain: ChainDep, principal: Coordinator) -> ActivityOut:
    """Corrects an activity before approval; every change is audited with its reason."""
    changes = body.model_dump(exclude_unset=True, exclude={"reason"})
    if not changes:
        raise DomainError(422, "nothing_to_change", "give at least one field to correct")
    with write_transaction(db):
        a = _owned(db, principal, activity_id, for_update=True)
        _reward(chain, changes.get("category", a.category), changes.get("units", a.units))
        repo.correct(db, a, principal.name, changes, body.reason)
        out = to_out(a)
    return out


def _decision(action: str):
    def endpoint(activity_id: int, request: Request, db: DbDep, chain: ChainDep, principal: Coordinator,
                 body: ReasonIn | None = None, idempotency_key: IdempotencyKey = None) -> JSONResponse:
        cap = (0, 0)
        if action == "approve":
            centre_id = db.scalar(select(Activity.centre_id).where(Activity.id == activity_id))
            cap = chain.remaining_cap_at(centre_id) if centre_id is not None else (0, 0)  # before the write lock

        def handler():
            a = _owned(db, principal, activity_id, for_update=True)
            if action == "approve":
                _approve(db, chain, a, principal, cap)
            elif action == "reject":
                if body is None:
                    raise DomainError(422, "reason_required", "give the reason for rejecting")
                repo.reject(db, a, principal.name, body.reason)
            else:
                if body is None:
                    raise DomainError(422, "reason_required", "give the reason for revoking")
                repo.request_revocation(db, a, principal.name, body.reason)
            return to_out(a)

        return run_idempotent(db, principal, idempotency_key, request_fingerprint("POST", request.url.path, body), handler)

    endpoint.__name__ = f"{action}_activity"
    return endpoint


@router.post("/{activity_id}/erase-link", response_model=ActivityOut)
def erase_link(activity_id: int, body: ReasonIn, db: DbDep, principal: Annotated[Principal, Depends(require("admin"))]):
    """The city erases the salt of a settled activity (e.g. on a resident's request to be forgotten): its on-chain id
    and evidence hash can then no longer be linked to this record. The record stays, for the accounts."""
    with write_transaction(db):
        a = _owned(db, principal, activity_id, for_update=True)
        return to_out(repo.erase_salt(db, a, principal.name, body.reason))


router.add_api_route("/{activity_id}/approve", _decision("approve"), methods=["POST"], response_model=ActivityOut,
                     summary="Approve: fixes the reward and the on-chain id, queues it for the chain")
router.add_api_route("/{activity_id}/reject", _decision("reject"), methods=["POST"], response_model=ActivityOut,
                     summary="Reject, with a reason")
router.add_api_route("/{activity_id}/revoke", _decision("revoke"), methods=["POST"], response_model=ActivityOut,
                     summary="Revoke a confirmed activity on-chain, with a reason")
