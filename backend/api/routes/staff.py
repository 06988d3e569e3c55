"""The admin manages staff accounts; coordinators register residents of their centre."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import select

from backend.api.deps import DbDep, require
from backend.api.schemas import ResidentIn, ResidentOut, StaffIn, StaffOut
from backend.api.security import Principal, hash_password
from backend.domain.activities import DomainError, not_found, parse_address
from backend.store.activities import resident_for
from backend.store.db import write_transaction
from backend.store.models import Centre, Resident, StaffUser

router = APIRouter(tags=["staff"])
Admin = Annotated[Principal, Depends(require("admin"))]
Staff = Annotated[Principal, Depends(require("admin", "coordinator"))]


@router.post("/staff", response_model=StaffOut, status_code=201)
def create_staff(body: StaffIn, db: DbDep, _: Admin) -> StaffOut:
    with write_transaction(db):
        return _create_staff(body, db)


def _create_staff(body: StaffIn, db) -> StaffOut:
    if body.role in ("coordinator", "welfare_officer") and body.centre_id is None:
        raise DomainError(422, "centre_required", f"a {body.role} belongs to a centre: give centre_id")
    if body.centre_id is not None and db.get(Centre, body.centre_id) is None:
        raise DomainError(422, "unknown_centre", f"centre {body.centre_id} is not known to this backend")
    address = parse_address(body.address, "address") if body.address else None
    if body.role == "provider" and address is None:
        raise DomainError(422, "address_required", "a provider needs its address")
    if db.scalar(select(StaffUser).where(StaffUser.username == body.username)):
        raise DomainError(409, "username_taken", f"the username {body.username!r} is taken")
    user = StaffUser(username=body.username, password_hash=hash_password(body.password), role=body.role,
                     centre_id=body.centre_id, address=address)
    db.add(user)
    db.flush()
    return StaffOut(id=user.id, username=user.username, role=user.role, centre_id=user.centre_id, address=user.address,
                    active=user.active)


@router.post("/residents", response_model=ResidentOut, status_code=201)
def register_resident(body: ResidentIn, db: DbDep, _: Staff) -> ResidentOut:
    address = parse_address(body.address, "address")
    with write_transaction(db):
        if db.scalar(select(Resident).where(Resident.address == address)):
            raise DomainError(409, "resident_exists", f"a resident with address {address} is registered")
        r = resident_for(db, address, name=body.name, phone=body.phone, email=body.email)
    return ResidentOut(id=r.id, address=r.address, name=r.name, phone=r.phone, email=r.email)


@router.get("/residents/{resident_id}", response_model=ResidentOut)
def get_resident(resident_id: int, db: DbDep, _: Staff) -> ResidentOut:
    r = db.get(Resident, resident_id)
    if r is None:
        raise not_found(f"resident {resident_id}")
    return ResidentOut(id=r.id, address=r.address, name=r.name, phone=r.phone, email=r.email)


@router.get("/centres")
async def list_centres(db: DbDep) -> list[dict]:
    return [{"id": c.id, "key": c.key, "name": c.name} for c in db.scalars(select(Centre).order_by(Centre.id))]
