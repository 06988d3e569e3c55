"""Kiosks enrolled as devices of their centre (services.kiosks, docs/access.md): a coordinator of the centre (or the
city's admin) enrols a kiosk — its device code shown once —, lists and revokes them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse
from pydantic import Field, StrictStr

from backend.api.deps import DbDep, require
from backend.api.idempotency import IdempotencyDep
from backend.api.schemas import Id, Strict
from backend.services import kiosks
from backend.services.security import Principal

router = APIRouter(tags=["kiosk devices"])
Staff = Annotated[Principal, Depends(require("admin", "coordinator"))]


class KioskIn(Strict):
    name: StrictStr = Field(min_length=1, max_length=100, description="where the kiosk stands, e.g. 1층 로비")


@router.post("/centres/{centre_id}/kiosks", status_code=201)
def enrol_kiosk(centre_id: Id, body: KioskIn, db: DbDep, actor: Staff) -> dict:
    """A kiosk enrolled for the centre; `device_code` (`vbk_…`) is in this answer only — type it into the kiosk's
    setup screen. No Idempotency-Key: a stored answer would keep the code in clear; a retry enrols another kiosk
    (revoke the one not used)."""
    return kiosks.enrol(db, actor, centre_id, body.name)


@router.get("/centres/{centre_id}/kiosks")
def list_kiosks(centre_id: Id, db: DbDep, actor: Staff) -> list[dict]:
    """The centre's kiosks, revoked ones too; never their codes."""
    return kiosks.listed(db, actor, centre_id)


@router.post("/centres/{centre_id}/kiosks/{kiosk_id}/revoke")
def revoke_kiosk(centre_id: Id, kiosk_id: Id, db: DbDep, actor: Staff, once: IdempotencyDep) -> JSONResponse:
    """The kiosk taken out of service (lost, stolen, moved): it opens no card session from now on and its open
    sessions are refused at their next call."""
    return once.run(db, actor, None, lambda: kiosks.revoke(db, actor, centre_id, kiosk_id))


@router.get("/kiosks/this")
def this_kiosk(db: DbDep, x_kiosk_device: Annotated[str | None, Header(max_length=80)] = None) -> dict:
    """The enrolled kiosk a device code names (the kiosk's setup screen checks the code it was given): its place and
    centre; 401 `kiosk_device_required` for an unknown code, 403 `kiosk_device_revoked` once revoked."""
    kiosk = kiosks.device_of(db, x_kiosk_device)
    return {"id": kiosk.id, "name": kiosk.name, "centre_id": kiosk.centre_id}
