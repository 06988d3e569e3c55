"""Staff accounts and API keys as the sign-in checks read them: plain columns, no ORM objects (this runs on every
request)."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from backend.store.models import ApiKey, StaffUser

_PRINCIPAL_COLUMNS = (StaffUser.id, StaffUser.username, StaffUser.role, StaffUser.centre_id, StaffUser.active,
                      StaffUser.must_change_password, StaffUser.password_hash)
_PRINCIPAL_BY_ID = select(*_PRINCIPAL_COLUMNS).where(StaffUser.id == bindparam("user_id"))  # built once
_BY_API_KEY = select(ApiKey.revoked_at, ApiKey.secret_sha256, ApiKey.expires_at, ApiKey.scope,
                     ApiKey.password_mark.label("key_password_mark"), *_PRINCIPAL_COLUMNS).join(ApiKey.user).where(
    ApiKey.prefix == bindparam("prefix"))


def account_by_id(s: Session, user_id: int):
    """(id, username, role, centre_id, active, must_change_password, password_hash) of a staff account, or None."""
    return s.connection().execute(_PRINCIPAL_BY_ID, {"user_id": user_id}).first()


def account_by_api_key(s: Session, prefix: str):
    """The account columns of the API key with `prefix`, with the key's revoked_at, secret_sha256, expires_at, scope
    and key_password_mark, or None."""
    return s.connection().execute(_BY_API_KEY, {"prefix": prefix}).first()
