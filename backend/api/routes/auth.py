"""Sign-in for staff (password → a short-lived JWT and a refresh token for the working day: services.staff_sessions)
and API keys for machine clients (services.staff)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from backend.api.deps import (DbDep, PasswordChangerDep, PrincipalDep, SettingsDep, client_address, forget_account,
                              require)
from backend.api.schemas import ApiKeyIn, ApiKeyOut, Id, LoginIn, PasswordChangeIn, RefreshIn, TokenOut
from backend.domain.errors import Refusal
from backend.services import staff, staff_sessions
from backend.services.security import ROLES, Principal

router = APIRouter(prefix="/auth", tags=["auth"])


def _token_out(s: staff_sessions.SignedIn) -> TokenOut:
    return TokenOut(access_token=s.access_token, expires_in=s.expires_in, role=s.role, centre_id=s.centre_id,
                    username=s.username, refresh_token=s.refresh_token, refresh_expires_in=s.refresh_expires_in,
                    password_change_required=s.password_change_required)


@router.post("/login", response_model=TokenOut)
def login(body: LoginIn, request: Request, db: DbDep, settings: SettingsDep) -> TokenOut:
    """An access token (VB_JWT_TTL_S) and the session's refresh token (VB_STAFF_SESSION_TTL_S, a working day).
    Throttled per account and per client address (429 login_throttled with Retry-After: services.login_throttle)."""
    return _token_out(staff_sessions.sign_in(db, settings, body.username, body.password, client_address(request)))


@router.post("/password", status_code=204)
def set_password(body: PasswordChangeIn, request: Request, db: DbDep, principal: PasswordChangerDep) -> None:
    """Sets my own password (the current one proves it is me; after a reset, the temporary one). The only route an
    account whose password someone else set may use. My sessions end (sign in again with the new password)."""
    if principal.via != "jwt":
        raise Refusal(403, "forbidden", "sign in with a password to change it")
    staff.set_own_password(db, principal.user_id, body.current_password, body.new_password, client_address(request))
    forget_account(request, principal.user_id)


@router.post("/refresh", response_model=TokenOut)
def refresh(body: RefreshIn, db: DbDep, settings: SettingsDep) -> TokenOut:
    """A new access token and a new refresh token (the one given is used up; presenting it again ends the session)."""
    return _token_out(staff_sessions.refresh(db, settings, body.refresh_token))


@router.post("/logout", status_code=204)
def logout(body: RefreshIn, db: DbDep) -> None:
    """Ends the session of the refresh token: it gives no more access tokens."""
    staff_sessions.sign_out(db, body.refresh_token)


def _key_out(row, username: str, key: str | None = None) -> ApiKeyOut:
    return ApiKeyOut(id=row.id, prefix=row.prefix, label=row.label, scope=row.scope, user_id=row.user_id,
                     username=username, created_at=row.created_at, expires_at=row.expires_at,
                     revoked_at=row.revoked_at, key=key)


@router.post("/api-keys", response_model=ApiKeyOut, status_code=201)
def create_api_key(body: ApiKeyIn, db: DbDep, settings: SettingsDep, principal: PrincipalDep) -> ApiKeyOut:
    """A key acting as you, for a machine client; the key is shown this once. Scope "read" (GET requests only) or
    "write" (the default: whatever your account may do); it works `days` days (at most, and by default,
    VB_API_KEY_MAX_DAYS), and ends with a change of your password."""
    if principal.via != "jwt":
        raise Refusal(403, "forbidden", "sign in with a password to create API keys")
    row, key = staff.create_api_key(db, principal.user_id, body.label, scope=body.scope, days=body.days,
                                    max_days=settings.api_key_max_days, by=(principal.name, principal.user_id))
    return _key_out(row, principal.username, key)


@router.get("/api-keys", response_model=list[ApiKeyOut])
def list_api_keys(db: DbDep, principal: Annotated[Principal, Depends(require(*ROLES))]) -> list[ApiKeyOut]:
    """My API keys (the admin: everyone's), revoked and expired ones too; never a key's secret."""
    return [_key_out(row, username) for row, username in staff.api_keys(db, principal.user_id, principal.role)]


@router.delete("/api-keys/{key_id}", status_code=204)
def revoke_api_key(key_id: Id, db: DbDep, principal: PrincipalDep) -> None:
    """Ends one of my API keys (the admin: anyone's) at once."""
    staff.revoke_api_key(db, principal.user_id, principal.role, key_id, by=(principal.name, principal.user_id))
