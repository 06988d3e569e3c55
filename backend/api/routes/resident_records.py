"""Residents' records for staff: register with consent, find, read, link or change the wallet address; a
coordinator sees their centre's residents only (services.resident_records)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from backend.api.deps import DbDep, require
from backend.api.idempotency import IdempotencyDep
from backend.api.schemas import AfterId, Id, ReasonIn, ResidentChangeOut, ResidentIn, ResidentOut, ResidentPatch
from backend.services import erasure, resident_records
from backend.services.security import Principal
from backend.store.models import Resident

router = APIRouter(prefix="/residents", tags=["residents' records"])
Staff = Annotated[Principal, Depends(require("admin", "coordinator"))]


def resident_out(r: Resident) -> ResidentOut:
    return ResidentOut(id=r.id, member_number=r.member_number, address=r.address, name=r.name, phone=r.phone,
                       email=r.email, centre_id=r.centre_id, consent_terms_version=r.consent_terms_version,
                       consent_at=r.consent_at, registered_by=r.registered_by, created_at=r.created_at)


@router.post("", response_model=ResidentOut, status_code=201)
def register_resident(body: ResidentIn, db: DbDep, actor: Staff) -> ResidentOut:
    """Registers a resident of the caller's centre with their consent to the terms (required); the wallet address
    may come later."""
    return resident_out(resident_records.register(
        db, actor, address=body.address, name=body.name, phone=body.phone, email=body.email,
        consent_terms_version=body.consent_terms_version, consent_at=body.consent_at, centre_id=body.centre_id))


@router.get("", response_model=list[ResidentOut])
def find_residents(db: DbDep, actor: Staff, q: Annotated[str | None, Query(max_length=100)] = None,
                   after_id: AfterId = 0,
                   limit: Annotated[int, Query(ge=1, le=resident_records.PAGE_MAX)] = 20) -> list[ResidentOut]:
    """The centre's residents whose name contains `q`, whose phone ends with its digits (4 at least), or whose
    member number or wallet address it is (all of them without `q`); by id, from after `after_id`, at most 50."""
    return [resident_out(r) for r in resident_records.search(db, actor, q, after_id, limit)]


@router.get("/{resident_id}", response_model=ResidentOut)
def get_resident(resident_id: Id, db: DbDep, actor: Staff) -> ResidentOut:
    """One resident of the caller's centre (another centre's: 404)."""
    return resident_out(resident_records.get(db, actor, resident_id))


@router.get("/{resident_id}/changes", response_model=list[ResidentChangeOut])
def resident_changes(resident_id: Id, db: DbDep, actor: Staff) -> list[ResidentChangeOut]:
    """Who changed what in the record, when, before → after."""
    return [ResidentChangeOut(actor=c.actor, field=c.field, before=c.before, after=c.after, reason=c.reason, at=c.at)
            for c in resident_records.changes(db, actor, resident_id)]


@router.patch("/{resident_id}", response_model=ResidentOut)
def update_resident(resident_id: Id, body: ResidentPatch, db: DbDep, actor: Staff) -> ResidentOut:
    """Links or changes the wallet address (not one another resident has), or the name, phone or e-mail; audited."""
    fields = body.model_dump(exclude_unset=True, exclude={"reason"})
    return resident_out(resident_records.update(db, actor, resident_id, fields, body.reason))


@router.post("/{resident_id}/forget")
def forget_resident(resident_id: Id, body: ReasonIn, db: DbDep, actor: Staff, once: IdempotencyDep) -> JSONResponse:
    """The resident's request to be forgotten (the admin, or a coordinator of their centre): their personal details
    deleted, every link from their records to the chain removed, what the city's accounts need kept aggregated
    (services.erasure). Refused (409 resident_in_flight) while the chain has not settled one of their activities or
    requests. Write the reason without naming the person: it is kept in the city's audit log."""
    return once.run(db, actor, body, lambda: erasure.forget(db, actor, resident_id, body.reason))
