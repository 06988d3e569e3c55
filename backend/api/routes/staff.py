"""The admin manages staff accounts; coordinators register residents of their centre."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select

from backend.api.deps import DbDep, forget_account, require
from backend.api.schemas import ResidentIn, ResidentOut, StaffIn, StaffOut, StaffPatch
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
    return _staff_out(user)


def _staff_out(user: StaffUser) -> StaffOut:
    return StaffOut(id=user.id, username=user.username, role=user.role, centre_id=user.centre_id, address=user.address,
                    active=user.active)


@router.get("/staff", response_model=list[StaffOut])
def list_staff(db: DbDep, _: Admin) -> list[StaffOut]:
    return [_staff_out(u) for u in db.scalars(select(StaffUser).order_by(StaffUser.id))]


@router.patch("/staff/{user_id}", response_model=StaffOut)
def update_staff(user_id: int, body: StaffPatch, request: Request, db: DbDep, admin: Admin) -> StaffOut:
    """Disables or re-enables an account (a coordinator who left), resets its password, or moves it to another
    centre. Disabling takes effect at once in this API process and within a second in the others."""
    changes = body.model_dump(exclude_unset=True)
    if not changes:
        raise DomainError(422, "nothing_to_change", "give active, password or centre_id")
    with write_transaction(db):
        user = db.get(StaffUser, user_id)
        if user is None:
            raise not_found(f"staff account {user_id}")
        if user.id == admin.user_id and changes.get("active") is False:
            raise DomainError(409, "cannot_disable_self", "an admin cannot disable their own account")
        if "centre_id" in changes:
            if user.role not in ("coordinator", "welfare_officer"):
                raise DomainError(422, "no_centre", f"a {user.role} does not belong to a centre")
            if changes["centre_id"] is None or db.get(Centre, changes["centre_id"]) is None:
                raise DomainError(422, "unknown_centre", f"centre {changes['centre_id']} is not known to this backend")
            user.centre_id = changes["centre_id"]
        if changes.get("password") is not None:
            user.password_hash = hash_password(changes["password"])
        if changes.get("active") is not None:
            user.active = changes["active"]
        out = _staff_out(user)
    forget_account(request, user_id)
    return out


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
