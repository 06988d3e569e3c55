"""Sign-in for staff (password → short-lived JWT) and API keys for machine clients."""

from __future__ import annotations

from datetime import UTC, datetime
from fastapi import APIRouter
from sqlalchemy import select

from backend.api.deps import DbDep, PrincipalDep, SettingsDep
from backend.api.schemas import ApiKeyIn, ApiKeyOut, LoginIn, TokenOut
from backend.api.security import issue_token, new_api_key, verify_password
from backend.domain.activities import DomainError, not_found
from backend.store.db import write_transaction
from backend.store.models import ApiKey, StaffUser

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login", response_model=TokenOut)
def login(body: LoginIn, db: DbDep, settings: SettingsDep) -> TokenOut:
    user = db.scalar(select(StaffUser).where(StaffUser.username == body.username))
    if not verify_password(user.password_hash if user else None, body.password) or not user.active:
        raise DomainError(401, "unauthorized", "wrong username or password")
    token = issue_token(settings.jwt_secret, settings.jwt_issuer, settings.jwt_ttl_s, user.id, user.role, user.centre_id)
    return TokenOut(access_token=token, expires_in=settings.jwt_ttl_s)


@router.post("/api-keys", response_model=ApiKeyOut, status_code=201)
def create_api_key(body: ApiKeyIn, db: DbDep, principal: PrincipalDep) -> ApiKeyOut:
    """A key acting as you, for a machine client; the key is shown this once."""
    if principal.via != "jwt":
        raise DomainError(403, "forbidden", "sign in with a password to create API keys")
    key, prefix, digest = new_api_key()
    with write_transaction(db):
        row = ApiKey(prefix=prefix, secret_sha256=digest, user_id=principal.user_id, label=body.label)
        db.add(row)
    return ApiKeyOut(id=row.id, prefix=prefix, label=row.label, key=key)


@router.delete("/api-keys/{key_id}", status_code=204)
def revoke_api_key(key_id: int, db: DbDep, principal: PrincipalDep) -> None:
    with write_transaction(db):
        row = db.get(ApiKey, key_id)
        if row is None or (row.user_id != principal.user_id and principal.role != "admin"):
            raise not_found(f"API key {key_id}")
        row.revoked_at = row.revoked_at or datetime.now(UTC)

