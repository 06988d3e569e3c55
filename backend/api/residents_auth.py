"""Who a community request comes from: a resident signed in with their wallet (Sign-In with Ethereum, issue 6:
GET /siwe/nonce, POST /siwe/verify), or a staff member (password JWT or API key).

SIWE's principal names a resident by address only; the community layer keeps offers, needs, reports and proposals
against a `residents` row, so the first community request of a resident registers that row (the address only;
personal details stay with the centre, as before).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header
from sqlalchemy import select

from backend.api.deps import DbDep, PrincipalDep
from backend.api.idempotency import request_fingerprint, run_idempotent
from backend.api.security import RESIDENT_ROLE, Principal
from backend.domain.messages import Refusal
from backend.store.activities import resident_for
from backend.store.db import write_transaction
from backend.store.models import Resident


@dataclass(frozen=True)
class ResidentPrincipal:
    """A resident, proven by their wallet's signature (SIWE)."""

    resident_id: int
    address: str
    role: str = RESIDENT_ROLE
    via: str = "resident"  # Idempotency-Key records are kept per (via, user_id): one scope per resident
    centre_id: None = None

    @property
    def user_id(self) -> int:
        return self.resident_id

    @property
    def name(self) -> str:
        return f"resident {self.resident_id}"


Actor = Principal | ResidentPrincipal


async def current_actor(principal: PrincipalDep, db: DbDep) -> Actor:
    if principal.role != RESIDENT_ROLE:
        return principal
    address = principal.username  # SIWE's principal: the checksummed address
    rid = db.scalar(select(Resident.id).where(Resident.address == address))
    db.rollback()
    if rid is None:  # once per resident: their first community request registers them
        with write_transaction(db):
            rid = resident_for(db, address).id
    return ResidentPrincipal(rid, address)


ActorDep = Annotated[Actor, Depends(current_actor)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]


def who(actor: Actor) -> str:
    return "a resident" if isinstance(actor, ResidentPrincipal) else actor.role


async def _resident(actor: ActorDep) -> ResidentPrincipal:
    if not isinstance(actor, ResidentPrincipal):
        raise Refusal(403, "resident_required", who=who(actor))
    return actor


ResidentDep = Annotated[ResidentPrincipal, Depends(_resident)]


def staff_only(*roles: str):
    """A staff member in one of `roles`; residents and other roles get 403 with a clear message."""

    async def check(actor: ActorDep) -> Principal:
        if isinstance(actor, ResidentPrincipal) or actor.role not in roles:
            raise Refusal(403, "staff_required", roles=" or ".join(roles), who=who(actor))
        return actor

    return check


def once(db, actor: Actor, request, body, key: str | None, handler, status_code: int = 201):
    """Runs `handler` in one write transaction; with an Idempotency-Key, a retry returns the first response."""
    return run_idempotent(db, actor, key, request_fingerprint("POST", request.url.path, body), handler, status_code)
