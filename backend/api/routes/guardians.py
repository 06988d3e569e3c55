"""Guardians and proxies (services.guardians, docs/access.md): a coordinator registers, lists and revokes a member's
guardians, with the member's consent; a guardian signed in with their own wallet (SIWE) sees the members they act
for, donates and redeems for them under the member's daily limit, and resets a forgotten PIN."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import Field, StrictInt, StrictStr

from backend.api.deps import ChainDep, DbDep, SettingsDep, require
from backend.api.idempotency import IdempotencyDep
from backend.api.routes.custody import PIN, CardDonateIn, CardRedeemIn, KeyringDep
from backend.api.schemas import AfterId, Id, Strict
from backend.services import guardians
from backend.services.security import RESIDENT_ROLE, Principal

router = APIRouter(tags=["guardians and proxies"])
Staff = Annotated[Principal, Depends(require("admin", "coordinator"))]
# Registering is for the member's own centre, which knows them: not the city's admin (a guardian resets the PIN).
Coordinator = Annotated[Principal, Depends(require("coordinator"))]
Wallet = Annotated[Principal, Depends(require(RESIDENT_ROLE))]  # the guardian's own wallet, signed in with SIWE


class GuardianIn(Strict):
    address: StrictStr = Field(max_length=42, description="the guardian's own wallet address")
    name: StrictStr = Field(min_length=1, max_length=100)
    relation: Literal["family", "social_worker", "other"]
    consent_terms_version: StrictStr | None = Field(default=None, max_length=40,
                                                    description="the terms version the member agreed to")
    consent_at: datetime | None = None


class RevokeIn(Strict):
    reason: StrictStr | None = Field(default=None, max_length=200)


class GuardianPinIn(Strict):
    pin: StrictStr = PIN


# ------------------------------------------------------------------ staff


@router.post("/residents/{resident_id}/guardians", status_code=201)
def register_guardian(resident_id: Id, body: GuardianIn, db: DbDep, actor: Coordinator,
                      once: IdempotencyDep) -> JSONResponse:
    """A guardian or proxy for a member whose account the centre holds, with the member's recorded consent;
    audited, and the member told."""
    return once.run(db, actor, body, lambda: guardians.register(
        db, actor, resident_id, address=body.address, name=body.name, relation=body.relation,
        consent_terms_version=body.consent_terms_version, consent_at=body.consent_at), 201)


@router.get("/residents/{resident_id}/guardians")
def list_guardians(resident_id: Id, db: DbDep, actor: Staff) -> list[dict]:
    """The member's guardians, active first, with who registered and who revoked each."""
    return guardians.of_member(db, actor, resident_id)


@router.post("/residents/{resident_id}/guardians/{guardianship_id}/revoke")
def revoke_guardian(resident_id: Id, guardianship_id: Id, body: RevokeIn, db: DbDep, actor: Staff,
                    once: IdempotencyDep) -> JSONResponse:
    """The guardian may no longer act, from now on; audited, and the member told."""
    return once.run(db, actor, body, lambda: guardians.revoke(db, actor, resident_id, guardianship_id, body.reason))


# ------------------------------------------------------------------ the guardian


def _owner(who: Principal) -> Principal:
    """Whose Idempotency-Keys: the guardian's wallet's."""
    return Principal(0, who.username, RESIDENT_ROLE, None, f"guardian:{who.username}")


@router.get("/guardian/members")
def my_members(who: Wallet, db: DbDep, settings: SettingsDep) -> list[dict]:
    """The members this wallet is the active guardian of."""
    return guardians.members(db, settings, who.username)


@router.get("/guardian/members/{resident_id}")
def member(resident_id: Id, who: Wallet, db: DbDep, chain: ChainDep, settings: SettingsDep) -> dict:
    """The member's balance, today's limit and what is left of it, and what they were told."""
    return guardians.member(db, chain, settings, who.username, resident_id)


@router.get("/guardian/members/{resident_id}/history")
def member_history(resident_id: Id, who: Wallet, db: DbDep, chain: ChainDep,
                   after_id: AfterId = 0,
                   limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict:
    return guardians.history(db, chain, who.username, resident_id, after_id, limit)


@router.get("/guardian/members/{resident_id}/offers")
def member_offers(resident_id: Id, who: Wallet, db: DbDep, chain: ChainDep) -> list[dict]:
    return guardians.offers(db, chain, who.username, resident_id)


@router.get("/guardian/members/{resident_id}/operations/{op_id}")
def member_operation(resident_id: Id, op_id: Id, who: Wallet, db: DbDep) -> dict:
    """A spend of the member's as it goes to the chain (queued → in_tx → confirmed | failed)."""
    return guardians.operation(db, who.username, resident_id, op_id)


@router.post("/guardian/members/{resident_id}/donate", status_code=202)
def donate_for(resident_id: Id, body: CardDonateIn, who: Wallet, db: DbDep, chain: ChainDep, settings: SettingsDep,
               keys: KeyringDep, once: IdempotencyDep) -> JSONResponse:
    """Coins of the member to a registered charity, signed with the member's held key and relayed; under the
    member's daily limit; the guardian named in the member's history and the city's audit log."""
    return once.run(db, _owner(who), body, lambda: guardians.spend(
        db, chain, settings, keys, who.username, resident_id, "donate", charity=body.charity,
        amount=int(body.amount)), 202)


@router.post("/guardian/members/{resident_id}/redeem", status_code=202)
def redeem_for(resident_id: Id, body: CardRedeemIn, who: Wallet, db: DbDep, chain: ChainDep, settings: SettingsDep,
               keys: KeyringDep, once: IdempotencyDep) -> JSONResponse:
    """A voucher for the member, the same way."""
    return once.run(db, _owner(who), body, lambda: guardians.spend(
        db, chain, settings, keys, who.username, resident_id, "redeem", offer_id=body.offer_id), 202)


@router.post("/guardian/members/{resident_id}/pin")
def reset_pin_for(resident_id: Id, body: GuardianPinIn, who: Wallet, db: DbDep, settings: SettingsDep) -> dict:
    """A forgotten PIN set anew with the member: the card unlocked, its sessions ended, the member told. (No
    Idempotency-Key: a stored fingerprint of the request would be a quick hash of the PIN; setting the same PIN
    twice does no harm.)"""
    return guardians.reset_pin(db, settings, who.username, resident_id, body.pin)
