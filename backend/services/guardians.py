"""Guardians and proxies (docs/access.md): a family member or a social worker, registered by a coordinator of the
member's centre with the member's recorded consent, acts for a member whose account the centre holds. They sign in
with their own wallet (the residents' SIWE sign-in) and may see the member's balance, history and the offers, donate
and redeem for them — through the same custodial spend as a card session (services.custody.spend_for: the held key
signs, the relay checks, the same daily limit) — and reset a forgotten PIN. They cannot change the member's address,
open or close the account, or act once revoked. Every act names the guardian in the city's audit log, in the
member's notices and in the member's history (store.guardians links each operation to its guardian)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.chain.client import ChainClient
from backend.config import Settings
from backend.domain.activities import parse_address
from backend.domain.errors import Refusal
from backend.domain.residents import consent_moment
from backend.services import custody, offers_catalogue, resident_records, residents
from backend.store import custody as custody_store
from backend.store import guardians as store
from backend.store.db import write_transaction
from backend.store.models import AdminAudit, ChainOp, Guardianship, Resident

def view(g: Guardianship) -> dict:
    return {"id": g.id, "resident_id": g.resident_id, "address": g.address, "name": g.name, "relation": g.relation,
            "consent_terms_version": g.consent_terms_version, "consent_at": g.consent_at,
            "registered_by": g.registered_by, "created_at": g.created_at, "active": g.revoked_at is None,
            "revoked_at": g.revoked_at, "revoked_by": g.revoked_by, "revoke_reason": g.revoke_reason}


# ------------------------------------------------------------------ staff: register, list, revoke


def register(db: Session, actor, resident_id: int, *, address: str, name: str, relation: str,
             consent_terms_version: str | None, consent_at: datetime | None) -> dict:
    """A guardian registered for a member whose account the centre holds, with the member's consent recorded (the
    version of the terms they agreed to, when, and who recorded it); the member is told, the city's log says who."""
    now = datetime.now(UTC)
    address = parse_address(address, "address")
    name = name.strip()
    if not name:
        raise Refusal(422, "guardian_name_required")
    consent_at = consent_moment(consent_terms_version, consent_at, now)
    try:
        with write_transaction(db):
            resident = resident_records.get(db, actor, resident_id, for_update=True)
            account = custody_store.account(db, resident.id)
            if not custody.held(resident, account):
                raise Refusal(409, "guardian_needs_custody", resident_id=resident.id)
            if address == account.address:
                raise Refusal(422, "guardian_is_member")
            if store.active(db, resident.id, address) is not None:
                raise Refusal(409, "guardian_exists", resident_id=resident.id, address=address)
            g = Guardianship(resident_id=resident.id, address=address, name=name, relation=relation,
                             consent_terms_version=consent_terms_version, consent_at=consent_at,
                             registered_by=actor.name, created_at=now)
            db.add(g)
            db.flush()
            custody_store.notify(db, resident.id, "guardian_registered", name, None)
            resident_records.audit(db, actor, "guardian_registered", resident, guardianship_id=g.id,
                                   guardian_address=address, guardian_name=name, relation=relation,
                                   consent_terms_version=consent_terms_version)
            return view(g)
    except IntegrityError:  # the same guardian registered twice at once
        raise Refusal(409, "guardian_exists", resident_id=resident_id, address=address) from None


def of_member(db: Session, actor, resident_id: int) -> list[dict]:
    resident = resident_records.get(db, actor, resident_id)
    return [view(g) for g in store.of_resident(db, resident.id)]


def revoke(db: Session, actor, resident_id: int, guardianship_id: int, reason: str | None) -> dict:
    """The guardian may no longer act, from this moment (their next request is refused)."""
    with write_transaction(db):
        resident = resident_records.get(db, actor, resident_id, for_update=True)
        g = store.get(db, guardianship_id, for_update=True)
        if g is None or g.resident_id != resident.id:
            raise Refusal(404, "not_found", what=f"guardian {guardianship_id}")
        if g.revoked_at is not None:
            raise Refusal(409, "guardian_revoked", name=g.name)
        _revoke(db, actor, resident, g, reason)
        return view(g)


def _revoke(db: Session, actor, resident: Resident, g: Guardianship, reason: str | None) -> None:
    g.revoked_at, g.revoked_by, g.revoke_reason = datetime.now(UTC), actor.name, reason
    custody_store.notify(db, resident.id, "guardian_revoked", g.name, None)
    resident_records.audit(db, actor, "guardian_revoked", resident, guardianship_id=g.id,
                           guardian_address=g.address, guardian_name=g.name, reason=reason)


MOVED = "the member moved to a wallet of their own"


def revoke_all(db: Session, actor, resident: Resident) -> int:
    """Inside the transaction that moves the member to their own wallet (services.graduation): a guardian acts only
    for an account the centre holds, so every one of them is revoked, each told and audited like any revocation."""
    active = [g for g in store.of_resident(db, resident.id) if g.revoked_at is None]
    for g in active:
        _revoke(db, actor, resident, store.get(db, g.id, for_update=True), MOVED)
    return len(active)


# ------------------------------------------------------------------ the guardian, signed in with their wallet


def _guardianship(db: Session, address: str, resident_id: int, *, for_update: bool = False) -> Guardianship:
    """The active guardianship of `address` for the member; 404 if none (never was, revoked, or the member
    forgotten), so a wallet learns nothing about members it does not act for."""
    g = store.active(db, resident_id, address)
    if g is not None and for_update:
        g = store.get(db, g.id, for_update=True)
    resident = db.get(Resident, resident_id)
    if g is None or g.revoked_at is not None or resident is None or not custody.held(
            resident, custody_store.account(db, resident_id)):
        raise Refusal(404, "not_guardian", resident_id=resident_id)
    return g


def members(db: Session, settings: Settings, address: str) -> list[dict]:
    """The members this wallet is the active guardian of: member number, name, card state, today's limit left."""
    out = []
    for g in store.active_of(db, address):
        resident, account = db.get(Resident, g.resident_id), custody_store.account(db, g.resident_id)
        if resident is None or not custody.held(resident, account):
            continue
        card = custody_store.latest_card(db, resident.id)
        status = custody.account_view(db, settings, resident, account, card)
        out.append({"resident_id": resident.id, "member_number": resident.member_number, "name": resident.name,
                    "relation": g.relation, "guardian_since": g.created_at, "left_today": status["left_today"],
                    "card": None if card is None else {"serial": card.serial, "status": card.status,
                                                       "locked": card.locked_at is not None}})
    return out


def member(db: Session, chain: ChainClient, settings: Settings, address: str, resident_id: int) -> dict:
    """One member as their card session sees them: balance, available, today's limit and what is left of it,
    what they were told."""
    g = _guardianship(db, address, resident_id)
    resident, account = db.get(Resident, resident_id), custody_store.account(db, resident_id)
    card = custody_store.latest_card(db, resident_id)
    status = custody.account_view(db, settings, resident, account, card)
    return {"resident_id": resident.id, "member_number": resident.member_number, "name": resident.name,
            "relation": g.relation, "account": residents.account(db, chain, account.address),
            "daily_limit": status["daily_limit"], "spent_today": status["spent_today"],
            "left_today": status["left_today"], "card": status["card"] and {
                k: status["card"][k] for k in ("serial", "status", "locked")},
            "notices": custody.notices(db, resident_id)}


def history(db: Session, chain: ChainClient, address: str, resident_id: int, after_id: int, limit: int) -> dict:
    _guardianship(db, address, resident_id)
    account = custody_store.account(db, resident_id)
    return {**residents.history(db, chain, account.address, after_id, limit),
            "notices": custody.notices(db, resident_id)}


def offers(db: Session, chain: ChainClient, address: str, resident_id: int) -> list[dict]:
    _guardianship(db, address, resident_id)
    return offers_catalogue.catalogue(db, chain)


def operation(db: Session, address: str, resident_id: int, op_id: int) -> dict:
    """A spend of the member's as it goes to the chain (queued → in_tx → confirmed | failed)."""
    _guardianship(db, address, resident_id)
    return residents.operation(db, custody_store.account(db, resident_id).address, op_id)


def spend(db: Session, chain: ChainClient, settings: Settings, keyring: custody.Keyring, address: str,
          resident_id: int, kind: str, *, offer_id: int | None = None, charity: str | None = None,
          amount: int | None = None) -> dict:
    """A redemption or donation for the member, as their card would make it (the held key signs, the relay checks,
    the member's daily limit), recorded as the guardian's: the operation linked to the guardianship, the city's
    audit log (`guardian_acted`) and a notice to the member. The guardianship is read again under a lock in the
    transaction that queues the operation: a guardian revoked meanwhile is refused and nothing is queued."""
    g = _guardianship(db, address, resident_id)
    gid, centre_id = g.id, db.get(Resident, resident_id).centre_id
    db.rollback()

    def as_guardian(s: Session, op: ChainOp) -> None:
        current = store.get(s, gid, for_update=True)
        if current is None or current.revoked_at is not None:
            raise Refusal(404, "not_guardian", resident_id=resident_id)
        store.record_op(s, gid, op.id, kind)
        custody_store.notify(s, resident_id, "guardian_acted", current.name, None)
        s.add(AdminAudit(actor=f"guardian {current.name}", actor_user_id=None, action="guardian_acted",
                         params={"resident_id": resident_id, "guardianship_id": gid,
                                 "guardian_address": current.address, "guardian_name": current.name, "kind": kind,
                                 "op_id": op.id},
                         chain_op_id=op.id, centre_id=centre_id))

    answer = custody.spend_for(db, chain, settings, keyring, resident_id, kind, offer_id=offer_id, charity=charity,
                               amount=amount, on_queued=as_guardian)
    return {**answer, "guardian": residents.guardian_named(g)}


def reset_pin(db: Session, settings: Settings, address: str, resident_id: int, pin: str) -> dict:
    """A forgotten PIN set anew with the member by their guardian: the card unlocked, its sessions ended, the member
    told which guardian did it, the city's log too (`pin_reset`, by_guardian)."""
    g = _guardianship(db, address, resident_id)
    name, gid = g.name, g.id

    def locked() -> Resident:
        _guardianship(db, address, resident_id, for_update=True)
        return db.get(Resident, resident_id, with_for_update=True)

    def audit(resident: Resident, card) -> None:
        db.add(AdminAudit(actor=f"guardian {name}", actor_user_id=None, action="pin_reset",
                          centre_id=resident.centre_id,
                          params={"resident_id": resident.id, "card_serial": card.serial if card else None,
                                  "by_guardian": {"guardianship_id": gid, "address": address, "name": name}}))

    status = custody.set_pin(db, settings, resident_id, pin, by=name, locked=locked, audit=audit,
                             notice="guardian_pin_reset")
    return {"resident_id": resident_id, "card": status["card"] and {
        k: status["card"][k] for k in ("serial", "status", "locked")}}
