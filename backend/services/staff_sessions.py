"""Staff sign-in for a working day: a password gives a short-lived access token (JWT) and a refresh token that
gives new access tokens until the session expires (VB_STAFF_SESSION_TTL_S) or is revoked.

Refresh-token rotation with reuse detection: each refresh revokes the token it was given and answers a new one of
the same family; a revoked (replaced) token presented again means two parties hold the session, so the whole family
is revoked and both must sign in again. Disabling an account or changing its password revokes its sessions in the
same transaction (services.staff)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from backend.config import Settings
from backend.domain.errors import Refusal
from backend.services import login_throttle, staff
from backend.services.security import (REFRESH_PREFIX, hash_password, issue_token, new_refresh_token,
                                       password_needs_rehash, refresh_digest, verify_password)
from backend.store import staff_sessions as store
from backend.store.accounts import account_by_id
from backend.store.db import write_transaction


@dataclass(frozen=True)
class SignedIn:
    """What a sign-in or a refresh answers: who, an access token and the session's refresh token."""

    user_id: int
    username: str
    role: str
    centre_id: int | None
    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    password_change_required: bool = False


def _signed_in(settings: Settings, account, refresh_token: str, expires_at: datetime, now: datetime,
               password_hash: str | None = None) -> SignedIn:
    access = issue_token(settings.jwt_secret, settings.jwt_issuer, settings.jwt_ttl_s, account.id, account.role,
                         account.centre_id, password_hash or account.password_hash)
    return SignedIn(account.id, account.username, account.role, account.centre_id, access, settings.jwt_ttl_s,
                    refresh_token, max(0, int((expires_at - now).total_seconds())),
                    bool(getattr(account, "must_change_password", False)))


def sign_in(db: Session, settings: Settings, username: str, password: str, client: str = "unknown") -> SignedIn:
    """The sign-in throttle asked first (services.login_throttle: 429 while the account or the client's address is
    held), then the password checked (argon2id; a hash made with other parameters than the settings' is made again
    now), a new session started."""
    now = datetime.now(UTC)
    login_throttle.check(db, settings, username, client, now)
    try:
        user = staff.authenticate(db, username, password)
    except Refusal as refusal:
        if refusal.status == 401:
            login_throttle.failed(db, settings, username, client, now)
        raise
    login_throttle.succeeded(db, username, client, now)
    token, digest = new_refresh_token()
    expires_at = now + timedelta(seconds=settings.staff_session_ttl_s)
    rehashed = hash_password(password) if password_needs_rehash(user.password_hash) else None
    with write_transaction(db):
        if rehashed is not None and not staff.set_password_hash(db, user.id, user.password_hash, rehashed):
            # The hash changed since the password was checked: another sign-in's rehash (the same password under
            # its hash) or a reset (another password: this sign-in no longer holds).
            rehashed = account_by_id(db, user.id).password_hash
            if not verify_password(rehashed, password):
                raise Refusal(401, "unauthorized", "wrong username or password")
        store.forget_old(db, now)
        store.start(db, user.id, secrets.token_hex(16), digest, now, expires_at)
    return _signed_in(settings, user, token, expires_at, now, rehashed)


def _session_ended(message: str) -> Refusal:
    return Refusal(401, "session_ended", message)


def refresh(db: Session, settings: Settings, refresh_token: str) -> SignedIn:
    """A new access token and a new refresh token for a live one (which is revoked). A token already replaced ends
    the whole session (reuse: it was copied)."""
    now = datetime.now(UTC)
    refused: Refusal | None = None
    with write_transaction(db):
        row = store.by_digest(db, refresh_digest(refresh_token), for_update=True) \
            if refresh_token.startswith(REFRESH_PREFIX) else None
        account = account_by_id(db, row.user_id) if row is not None else None
        if row is None:
            refused = _session_ended("the refresh token is not known; sign in again")
        elif row.revoked_at is not None:
            if row.revoked_reason == "rotated":
                # Someone presents a token that was already exchanged: the session was copied. End it for both.
                store.revoke_family(db, row.family, now, "reused")
                refused = _session_ended("this refresh token was already used, so the session may have been copied: "
                                         "it is ended; sign in again")
            else:
                refused = _session_ended("the session was ended; sign in again")
        elif row.expires_at <= now:
            refused = _session_ended("the session has expired; sign in again")
        elif account is None or not account.active:
            store.revoke_family(db, row.family, now, "disabled")
            refused = _session_ended("the account of this session is disabled")
        else:
            row.revoked_at, row.revoked_reason, row.last_used_at = now, "rotated", now
            token, digest = new_refresh_token()
            store.start(db, row.user_id, row.family, digest, now, row.expires_at)
            expires_at = row.expires_at
    if refused is not None:
        raise refused  # after the commit: a reuse's revocation stays
    return _signed_in(settings, account, token, expires_at, now)


def sign_out(db: Session, refresh_token: str) -> None:
    """Ends the session the refresh token belongs to (nothing happens for a token not known or already ended)."""
    if not refresh_token.startswith(REFRESH_PREFIX):
        return
    now = datetime.now(UTC)
    with write_transaction(db):
        row = store.by_digest(db, refresh_digest(refresh_token), for_update=True)
        if row is not None and row.revoked_at is None:
            store.revoke_family(db, row.family, now, "signed_out")
