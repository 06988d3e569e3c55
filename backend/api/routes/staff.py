"""The admin manages staff accounts (services.staff); the list of centres."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from backend.api.deps import DbDep, forget_account, require
from backend.api.schemas import Id, StaffIn, StaffOut, StaffPatch
from backend.services import staff
from backend.services.security import Principal
from backend.store.models import StaffUser

router = APIRouter(tags=["staff"])
Admin = Annotated[Principal, Depends(require("admin"))]


def _staff_out(user: StaffUser) -> StaffOut:
    return StaffOut(id=user.id, username=user.username, role=user.role, centre_id=user.centre_id, address=user.address,
                    active=user.active, password_change_required=user.must_change_password)


@router.post("/staff", response_model=StaffOut, status_code=201)
def create_staff(body: StaffIn, db: DbDep, admin: Admin) -> StaffOut:
    return _staff_out(staff.create(db, username=body.username, password=body.password, role=body.role,
                                   centre_id=body.centre_id, address=body.address, by=(admin.name, admin.user_id)))


@router.get("/staff", response_model=list[StaffOut])
def list_staff(db: DbDep, _: Admin) -> list[StaffOut]:
    return [_staff_out(u) for u in staff.listing(db)]


@router.patch("/staff/{user_id}", response_model=StaffOut)
def update_staff(user_id: Id, body: StaffPatch, request: Request, db: DbDep, admin: Admin) -> StaffOut:
    """Disables or re-enables an account (a coordinator who left), changes its role, moves it to another centre, or
    sets a temporary password (its owner must set their own before anything else: POST /auth/password). Each change
    is in the audit log. Disabling takes effect at once in this API process and within a second in the others."""
    out = _staff_out(staff.update(db, (admin.name, admin.user_id), user_id, body.model_dump(exclude_unset=True)))
    forget_account(request, user_id)
    return out


@router.get("/centres")
async def list_centres(db: DbDep) -> list[dict]:
    return staff.centres(db)
