"""Residents' records as staff keep them: register (with the resident's consent to the terms), find (by name, the
end of a phone number, a member number or a wallet address), read, and change (a wallet linked or changed, name,
phone, e-mail; every change audited). A coordinator sees the residents of their centre only — registered there, or
with an activity recorded there — and another centre's resident is "not found", so ids cannot be probed."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from backend.domain.activities import parse_address
from backend.domain.errors import Refusal
from backend.domain.residents import consent_moment, parse_search, phone_digits
from backend.store import custody as custody_store
from backend.store import residents as store
from backend.store.db import write_transaction
from backend.store.models import AdminAudit, Centre, Resident, ResidentChange

PAGE_MAX = 50
EDITABLE = ("address", "name", "phone", "email")


def scope(actor) -> int | None:
    """The centre whose residents the actor sees (None: the admin sees all)."""
    return None if actor.role == "admin" else actor.centre_id


def _not_found(resident_id: int) -> Refusal:
    return Refusal(404, "not_found", what=f"resident {resident_id}")


def register(db: Session, actor, *, address: str | None, name: str | None, phone: str | None, email: str | None,
             consent_terms_version: str | None, consent_at: datetime | None, centre_id: int | None) -> Resident:
    """A resident registered by a centre with their consent to the terms (the version they agreed to, and when).
    A wallet address seen before without a record (the resident signed in, or an activity was recorded for it) gets
    its record now; one already registered is refused."""
    now = datetime.now(UTC)
    consent_at = consent_moment(consent_terms_version, consent_at, now)
    if actor.role != "admin":
        if centre_id is not None and centre_id != actor.centre_id:
            raise Refusal(403, "forbidden", f"you act for centre {actor.centre_id}, not centre {centre_id}")
        centre_id = actor.centre_id
    checked = parse_address(address, "address") if address else None
    with write_transaction(db):
        if centre_id is not None and db.get(Centre, centre_id) is None:
            raise Refusal(422, "unknown_centre", f"centre {centre_id} is not known to this backend")
        resident = store.by_address(db, checked) if checked else None
        # A wallet that came with an activity belongs to the centre that recorded it: that centre gives it a record.
        if resident is not None and (resident.consent_at is not None or resident.name is not None
                                     or resident.centre_id not in (None, centre_id)):
            raise Refusal(409, "resident_exists", f"a resident with address {checked} is registered")
        if resident is None:
            resident = Resident(address=checked)
            db.add(resident)
            db.flush()
            store.number(db, resident)
        resident.name, resident.phone, resident.email = name, phone, email
        resident.phone_digits = phone_digits(phone)
        resident.centre_id, resident.registered_by = centre_id, actor.name
        resident.consent_terms_version, resident.consent_at = consent_terms_version, consent_at
        return resident


def search(db: Session, actor, q: str | None, after_id: int, limit: int) -> list[Resident]:
    """The actor's centre's residents whose name contains the text, whose phone ends with its digits (4 at least),
    whose member number or wallet address it is; all of them without a text. By id, at most PAGE_MAX."""
    return store.search(db, scope(actor), parse_search(q), after_id, max(1, min(limit, PAGE_MAX)))


def get(db: Session, actor, resident_id: int, *, for_update: bool = False) -> Resident:
    """The resident if the actor may see them (their centre's coordinator, the admin); 404 otherwise, as for one
    that does not exist."""
    resident = store.in_scope(db, resident_id, scope(actor), for_update=for_update)
    if resident is None:
        raise _not_found(resident_id)
    return resident


def audit(db: Session, actor, action: str, resident: Resident, **params) -> None:
    """A staff member's act on a resident in the city's audit log (who, what, for which centre; never a secret)."""
    db.add(AdminAudit(actor=actor.name, actor_user_id=actor.user_id or None, action=action,
                      params={"resident_id": resident.id, **params}, centre_id=resident.centre_id))


def changes(db: Session, actor, resident_id: int) -> list[ResidentChange]:
    get(db, actor, resident_id)
    return store.changes(db, resident_id)


def update(db: Session, actor, resident_id: int, fields: dict, reason: str | None) -> Resident:
    """Links or changes the wallet address (refused when another resident has it, or while an approved activity
    of the resident is on its way to the chain: its record names the address as it was), or changes the name,
    phone or e-mail. Each changed field is audited (who, when, before → after, the reason)."""
    fields = {k: v for k, v in fields.items() if k in EDITABLE}
    if not fields:
        raise Refusal(422, "nothing_to_change", "give at least one field to change")
    if fields.get("address") is not None:
        fields["address"] = parse_address(fields["address"], "address")
    with write_transaction(db):
        resident = store.in_scope(db, resident_id, scope(actor), for_update=True)
        if resident is None:
            raise _not_found(resident_id)
        changed = {k: v for k, v in fields.items() if getattr(resident, k) != v}
        if not changed:
            raise Refusal(409, "no_change", "nothing to change")
        if "address" in changed:
            if changed["address"] is None:
                raise Refusal(422, "address_cannot_be_removed")
            held = custody_store.account(db, resident.id)
            if held is not None and held.address == resident.address:
                raise Refusal(409, "custodial_address_change", resident_id=resident.id)
            other = store.by_address(db, changed["address"])
            if other is not None or custody_store.account_by_address(db, changed["address"]) is not None:
                raise Refusal(409, "address_taken", address=changed["address"])
            if store.has_activity_in_flight(db, resident.id):
                raise Refusal(409, "resident_activity_in_flight", resident_id=resident.id)
        for field, value in changed.items():
            store.change(db, resident, actor.name, actor.user_id or None, field, value, reason)
        if "phone" in changed:
            resident.phone_digits = phone_digits(resident.phone)
        return resident
