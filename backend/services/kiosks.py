"""Kiosks enrolled as devices of their centre (docs/access.md, "Kiosk devices"). A coordinator of the centre (or the
city's admin) enrols a kiosk by its place; the device's secret (`vbk_…`) is shown once and kept only as its SHA-256
digest. A card session without a provider's desk sign-in is opened only by an enrolled kiosk that is not revoked,
and every call of that session checks the kiosk again, so revoking a stolen kiosk ends its open sessions at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from backend.domain import custody as rules
from backend.domain.errors import Refusal
from backend.services.resident_records import scope
from backend.store import kiosks as store
from backend.store.db import write_transaction
from backend.store.models import AdminAudit, Centre, KioskDevice


def view(d: KioskDevice) -> dict:
    """A kiosk as staff see it: never its secret, nor the secret's digest."""
    return {"id": d.id, "centre_id": d.centre_id, "name": d.name, "enrolled_by": d.enrolled_by,
            "enrolled_at": d.enrolled_at, "last_used_at": d.last_used_at, "active": d.revoked_at is None,
            "revoked_at": d.revoked_at, "revoked_by": d.revoked_by}


def _centre(db: Session, actor, centre_id: int) -> Centre:
    """The centre, if the actor is its coordinator or the city's admin; 404 otherwise (another centre's kiosks are
    not shown to be there)."""
    own = scope(actor)
    centre = db.get(Centre, centre_id)
    if centre is None or (own is not None and own != centre_id):
        raise Refusal(404, "not_found", what=f"centre {centre_id}")
    return centre


def _audit(db: Session, actor, action: str, device: KioskDevice) -> None:
    db.add(AdminAudit(actor=actor.name, actor_user_id=actor.user_id or None, action=action,
                      params={"kiosk_id": device.id, "name": device.name}, centre_id=device.centre_id))


def enrol(db: Session, actor, centre_id: int, name: str) -> dict:
    """A kiosk enrolled for the centre: its row, and its secret — in this answer only."""
    name = name.strip()
    if not name:
        raise Refusal(422, "kiosk_name_required")
    secret = rules.new_kiosk_token()
    with write_transaction(db):
        _centre(db, actor, centre_id)
        device = KioskDevice(centre_id=centre_id, name=name, token_digest=rules.token_digest(secret),
                             enrolled_by=actor.name, enrolled_at=datetime.now(UTC))
        db.add(device)
        db.flush()
        _audit(db, actor, "kiosk_enrolled", device)
        answer = view(device)
    return {**answer, "device_code": secret}


def listed(db: Session, actor, centre_id: int) -> list[dict]:
    _centre(db, actor, centre_id)
    found = [view(d) for d in store.of_centre(db, centre_id)]
    db.rollback()
    return found


def revoke(db: Session, actor, centre_id: int, device_id: int) -> dict:
    """The kiosk taken out of service: it opens no card session from now on, and its open sessions are refused at
    their next call."""
    with write_transaction(db):
        _centre(db, actor, centre_id)
        device = store.get(db, device_id, for_update=True)
        if device is None or device.centre_id != centre_id:
            raise Refusal(404, "not_found", what=f"kiosk {device_id}")
        if device.revoked_at is not None:
            raise Refusal(409, "kiosk_already_revoked", name=device.name)
        device.revoked_at, device.revoked_by = datetime.now(UTC), actor.name
        _audit(db, actor, "kiosk_revoked", device)
        return view(device)


@dataclass(frozen=True)
class Kiosk:
    id: int
    centre_id: int
    name: str


def device_of(db: Session, secret: str | None, *, touch: bool = False) -> Kiosk:
    """The enrolled kiosk a device code names: 401 `kiosk_device_required` if none (or unknown), 403
    `kiosk_device_revoked` once a coordinator revoked it. `touch` records when it was last used."""
    if not secret:
        raise Refusal(401, "kiosk_device_required")
    found = store.by_digest(db, rules.token_digest(secret)) if rules.is_kiosk_token(secret) else None
    if found is None:
        db.rollback()
        raise Refusal(401, "kiosk_device_required")
    if found.revoked_at is not None:
        db.rollback()
        raise Refusal(403, "kiosk_device_revoked", name=found.name)
    kiosk = Kiosk(found.id, found.centre_id, found.name)
    db.rollback()
    if touch:
        with write_transaction(db):
            device = store.get(db, kiosk.id, for_update=True)
            device.last_used_at = datetime.now(UTC)
    return kiosk


def still_enrolled(db: Session, device_id: int) -> None:
    """A card session opened at a kiosk: refused as soon as that kiosk is revoked."""
    device = store.get(db, device_id)
    if device is None:
        raise Refusal(401, "kiosk_device_required")
    if device.revoked_at is not None:
        raise Refusal(403, "kiosk_device_revoked", name=device.name)


def spent_at(device_id: int, resident_id: int, kind: str):
    """What a card spend at a kiosk does inside the transaction that queues it: the kiosk checked again (a spend
    racing its revocation is refused) and named in the city's audit log with the operation."""

    def record(s: Session, op) -> None:
        device = store.get(s, device_id, for_update=True)
        if device is None:
            raise Refusal(401, "kiosk_device_required")
        if device.revoked_at is not None:
            raise Refusal(403, "kiosk_device_revoked", name=device.name)
        s.add(AdminAudit(actor=f"kiosk {device.name}", actor_user_id=None, action="card_spent_at_kiosk",
                         params={"kiosk_id": device.id, "resident_id": resident_id, "kind": kind, "op_id": op.id},
                         chain_op_id=op.id, centre_id=device.centre_id))

    return record
