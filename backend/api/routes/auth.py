"""Sign-in for staff (password → short-lived JWT) and API keys for machine clients (services.staff)."""

from __future__ import annotations

from fastapi import APIRouter

from backend.api.deps import DbDep, PrincipalDep, SettingsDep
from backend.api.schemas import ApiKeyIn, ApiKeyOut, LoginIn, TokenOut
from backend.domain.errors import Refusal
from backend.services import staff
from backend.services.security import issue_token

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login", response_model=TokenOut)
def login(body: LoginIn, db: DbDep, settings: SettingsDep) -> TokenOut:
    user = staff.authenticate(db, body.username, body.password)
    token = issue_token(settings.jwt_secret, settings.jwt_issuer, settings.jwt_ttl_s, user.id, user.role, user.centre_id)
    return TokenOut(access_token=token, expires_in=settings.jwt_ttl_s, role=user.role, centre_id=user.centre_id)


@router.post("/api-keys", response_model=ApiKeyOut, status_code=201)
def create_api_key(body: ApiKeyIn, db: DbDep, principal: PrincipalDep) -> ApiKeyOut:
    """A key acting as you, for a machine client; the key is shown this once."""
    if principal.via != "jwt":
        raise Refusal(403, "forbidden", "sign in with a password to create API keys")
    row, key = staff.create_api_key(db, principal.user_id, body.label)
    return ApiKeyOut(id=row.id, prefix=row.prefix, label=row.label, key=key)


@router.delete("/api-keys/{key_id}", status_code=204)
def revoke_api_key(key_id: int, db: DbDep, principal: PrincipalDep) -> None:
    staff.revoke_api_key(db, principal.user_id, principal.role, key_id)
