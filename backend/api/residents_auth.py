"""Who a community request comes from: a resident signed in with their wallet, or a staff member.

INTERIM, until Sign-In with Ethereum (issue 6) is merged: a resident asks for a challenge (POST
/auth/resident/challenge), signs it with their wallet (EIP-191 personal_sign) and gets a resident token (POST
/auth/resident/login): a JWT with the same secret and issuer as staff tokens, `role: resident`, `sub: resident:<id>`.
At the merge, `current_actor` below is the one place to switch: decode SIWE's resident session instead of
`decode_resident_token` and return the same `ResidentPrincipal`; the routers only use `ActorDep`, `ResidentDep`
and `staff_only`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated

import jwt
from fastapi import Depends, Header

from backend.api.deps import DbDep, SettingsDep, current_principal, unauthorized
from backend.domain.messages import Refusal
from backend.api.security import ALGORITHM, Principal, decode_token
from backend.store.models import Resident

RESIDENT_ROLE = "resident"


@dataclass(frozen=True)
class ResidentPrincipal:
    """A resident, proven by a signature of their wallet's key."""

    resident_id: int
    address: str
    role: str = RESIDENT_ROLE
    via: str = "resident"  # Idempotency-Key records are kept per (via, user_id)
    centre_id: None = None

    @property
    def user_id(self) -> int:
        return self.resident_id

    @property
    def name(self) -> str:
        return f"resident {self.resident_id}"


Actor = Principal | ResidentPrincipal


def issue_resident_token(secret: str, issuer: str, ttl_s: int, resident_id: int, address: str) -> str:
    now = int(time.time())
    claims = {"sub": f"resident:{resident_id}", "role": RESIDENT_ROLE, "addr": address, "iat": now,
              "exp": now + ttl_s, "iss": issuer}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def _bearer_claims(settings, authorization: str | None) -> dict | None:
    if not authorization or not authorization.lower().startswith("bearer "):
        return None
    try:
        return decode_token(settings.jwt_secret, settings.jwt_issuer, authorization[7:].strip())
    except jwt.ExpiredSignatureError:
        raise unauthorized("the token has expired; sign in again") from None
    except jwt.PyJWTError as exc:
        raise unauthorized(f"invalid token: {exc}") from None


async def current_actor(
    settings: SettingsDep,
    db: DbDep,
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> Actor:
    claims = None if x_api_key else _bearer_claims(settings, authorization)
    if claims is not None and claims.get("role") == RESIDENT_ROLE:
        sub = str(claims["sub"])
        rid = sub.removeprefix("resident:")
        resident = db.get(Resident, int(rid)) if sub.startswith("resident:") and rid.isdigit() else None
        db.rollback()
        if resident is None or resident.address != claims.get("addr"):
            raise unauthorized("the resident of this token is not known here")
        return ResidentPrincipal(resident.id, resident.address)
    return await current_principal(settings, db, authorization, x_api_key)


ActorDep = Annotated[Actor, Depends(current_actor)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]


def once(db, actor: Actor, request, body, key: str | None, handler, status_code: int = 201):
    """Runs `handler` in one write transaction; with an Idempotency-Key, a retry returns the first response."""
    from backend.api.idempotency import request_fingerprint, run_idempotent

    return run_idempotent(db, actor, key, request_fingerprint("POST", request.url.path, body), handler, status_code)


def who(actor: Actor) -> str:
    return "a resident" if isinstance(actor, ResidentPrincipal) else f"{actor.role}"


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
