"""Staff accounts (the admin manages them, each change in the city's audit log), their sign-in (password → token)
and their API keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from backend.services.security import API_KEY_SCOPES, hash_password, new_api_key, password_mark, verify_password
from backend.domain.activities import parse_address
from backend.domain.errors import Refusal
from backend.store import staff_sessions
from backend.store.db import write_transaction
from backend.store.models import AdminAudit, ApiKey, Centre, StaffUser
from backend.store.rows import get_or_refuse

CENTRE_ROLES = ("coordinator", "welfare_officer")


def create(db: Session, *, username: str, password: str, role: str, centre_id: int | None, address: str | None,
           by: tuple[str, int] | None = None) -> StaffUser:
    """A new account; `by` (the admin's name and user id) is written to the audit log with it."""
    if role in CENTRE_ROLES and centre_id is None:
        raise Refusal(422, "centre_required", f"a {role} belongs to a centre: give centre_id")
    checked = parse_address(address, "address") if address else None
    if role == "provider" and checked is None:
        raise Refusal(422, "address_required", "a provider needs its address")
    with write_transaction(db):
        if centre_id is not None and db.get(Centre, centre_id) is None:
            raise Refusal(422, "unknown_centre", f"centre {centre_id} is not known to this backend")
        if db.scalar(select(StaffUser).where(StaffUser.username == username)):
            raise Refusal(409, "username_taken", f"the username {username!r} is taken")
        user = StaffUser(username=username, password_hash=hash_password(password), role=role, centre_id=centre_id,
                         address=checked)
        db.add(user)
        db.flush()
        if by is not None:
            _audit(db, by, "create_staff", user, {"role": role, "centre_id": centre_id, "address": checked})
        return user


def listing(db: Session) -> list[StaffUser]:
    return list(db.scalars(select(StaffUser).order_by(StaffUser.id)))


def update(db: Session, admin: tuple[str, int], user_id: int, changes: dict) -> StaffUser:
    """Disables or re-enables an account (a coordinator who left), changes its role, moves it to another centre, or
    sets a temporary password. Each change is its own row in the city's audit log (who, which account, before →
    after; never the password): disable_staff, enable_staff, change_staff_role, move_staff, reset_staff_password.

    A password set by someone else is temporary: the account's sessions end, and until its owner sets their own
    (set_own_password) every route but that one answers 403 password_change_required (api/deps), so an admin who
    resets a welfare officer's password cannot read the area's reports as them."""
    admin_user_id = admin[1]
    if not changes:
        raise Refusal(422, "nothing_to_change", "give active, password, role or centre_id")
    with write_transaction(db):
        user = get_or_refuse(db, StaffUser, user_id, "staff account")
        if user.id == admin_user_id and (changes.get("active") is False or "role" in changes):
            raise Refusal(409, "cannot_disable_self", "an admin cannot disable their own account or change its role")
        now = datetime.now(UTC)
        role = changes.get("role", user.role)
        if role is None:
            raise Refusal(422, "invalid_request", why="role: give one of admin, coordinator, welfare_officer, provider")
        centre_id = changes["centre_id"] if "centre_id" in changes else user.centre_id
        if "centre_id" in changes:
            if role not in CENTRE_ROLES:
                raise Refusal(422, "no_centre", f"a {role} does not belong to a centre")
            if centre_id is None or db.get(Centre, centre_id) is None:
                raise Refusal(422, "unknown_centre", f"centre {centre_id} is not known to this backend")
        if role != user.role:
            if role in CENTRE_ROLES and centre_id is None:
                raise Refusal(422, "centre_required", f"a {role} belongs to a centre: give centre_id")
            if role == "provider" and user.address is None:
                raise Refusal(422, "address_required", "a provider needs its address")
            _audit(db, admin, "change_staff_role", user, {"before": user.role, "after": role})
            user.role = role
            if role not in CENTRE_ROLES:
                centre_id = None
            # Its tokens carry the role: signed-in sessions end, and it signs in again with the new one.
            staff_sessions.revoke_all_of(db, user.id, now, "role_changed")
        if centre_id != user.centre_id:
            _audit(db, admin, "move_staff", user, {"before": user.centre_id, "after": centre_id})
            user.centre_id = centre_id
        if changes.get("password") is not None:
            user.password_hash = hash_password(changes["password"])
            user.must_change_password = user.id != admin_user_id
            staff_sessions.revoke_all_of(db, user.id, now, "password_changed")
            _audit(db, admin, "reset_staff_password", user, {"temporary": user.must_change_password})
        if changes.get("active") is not None and changes["active"] != user.active:
            user.active = changes["active"]
            if not user.active:  # signed-in sessions end with the account (its access tokens: api/deps)
                staff_sessions.revoke_all_of(db, user.id, now, "disabled")
            _audit(db, admin, "enable_staff" if user.active else "disable_staff", user, {})
        return user


def set_own_password(db: Session, user_id: int, current: str, new: str, client: str) -> StaffUser:
    """The account's owner sets their password (the current one, or the temporary one someone else set, proves it
    is them): the account's other sessions end, the flag of a temporary password is cleared, and the change is in
    the city's audit log under the account's own name, with the address it came from."""
    if current == new:
        raise Refusal(422, "password_unchanged")
    with write_transaction(db):
        user = get_or_refuse(db, StaffUser, user_id, "staff account", for_update=True)
        if not verify_password(user.password_hash, current):
            raise Refusal(401, "unauthorized", "wrong username or password")
        was_temporary = user.must_change_password
        user.password_hash, user.must_change_password = hash_password(new), False
        staff_sessions.revoke_all_of(db, user.id, datetime.now(UTC), "password_changed")
        _audit(db, (user.username, user.id), "set_own_password", user,
               {"after_reset": was_temporary, "client": client})
        return user


def set_password_hash(db: Session, user_id: int, old_hash: str, password_hash: str) -> bool:
    """The same password hashed again with the current parameters (at a successful sign-in): the password did not
    change, so the account's API keys made under the old hash carry the new hash's mark and keep working. Only if
    the stored hash is still `old_hash`: a reset or another sign-in's rehash since the password was checked wins
    (False), so a rehash can neither undo a reset nor leave the keys under a mark no hash has."""
    changed = db.execute(sql_update(StaffUser).where(StaffUser.id == user_id, StaffUser.password_hash == old_hash)
                         .values(password_hash=password_hash)).rowcount
    if changed != 1:
        return False
    db.execute(sql_update(ApiKey).where(ApiKey.user_id == user_id, ApiKey.password_mark == password_mark(old_hash))
               .values(password_mark=password_mark(password_hash)))
    return True


def _audit(db: Session, admin: tuple[str, int], action: str, user: StaffUser, params: dict) -> None:
    db.add(AdminAudit(actor=admin[0], actor_user_id=admin[1], action=action, centre_id=user.centre_id,
                      params={"user_id": user.id, "username": user.username, **params}))


def authenticate(db: Session, username: str, password: str) -> StaffUser:
    """The active account with this username and password (argon2id), else 401 without saying which was wrong."""
    user = db.scalar(select(StaffUser).where(StaffUser.username == username))
    if not verify_password(user.password_hash if user else None, password) or not user.active:
        raise Refusal(401, "unauthorized", "wrong username or password")
    return user


def create_api_key(db: Session, user_id: int, label: str, *, scope: str, days: int | None, max_days: int,
                   by: tuple[str, int]) -> tuple[ApiKey, str]:
    """A key acting as the account, for a machine client: (its row, the key, shown this once). It works for `days`
    (at most `max_days`, VB_API_KEY_MAX_DAYS; that by default) and until the account's password changes; `scope`
    "read" (GET only) or "write". Audited as create_api_key (never the key)."""
    if scope not in API_KEY_SCOPES:  # the request's schema allows no other; a caller in code might
        raise Refusal(422, "invalid_request", why=f"scope: give one of {', '.join(sorted(API_KEY_SCOPES))}")
    if days is not None and not 1 <= days <= max_days:
        raise Refusal(422, "api_key_lifetime_too_long", max_days=max_days)
    key, prefix, digest = new_api_key()
    now = datetime.now(UTC)
    with write_transaction(db):
        user = get_or_refuse(db, StaffUser, user_id, "staff account")
        row = ApiKey(prefix=prefix, secret_sha256=digest, user_id=user_id, label=label, scope=scope, created_at=now,
                     expires_at=now + timedelta(days=days or max_days), password_mark=password_mark(user.password_hash))
        db.add(row)
        db.flush()
        _audit(db, by, "create_api_key", user, {"key_id": row.id, "prefix": prefix, "label": label, "scope": scope,
                                                 "expires_at": row.expires_at.isoformat()})
    return row, key


def api_keys(db: Session, user_id: int, role: str) -> list[tuple[ApiKey, str]]:
    """The keys of the account (the admin: every account's), oldest first, each with its account's username; revoked
    and expired ones too (their dates say so)."""
    query = select(ApiKey, StaffUser.username).join(ApiKey.user).order_by(ApiKey.id)
    if role != "admin":
        query = query.where(ApiKey.user_id == user_id)
    return [(key, username) for key, username in db.execute(query)]


def revoke_api_key(db: Session, user_id: int, role: str, key_id: int, by: tuple[str, int]) -> None:
    """Ends a key of the account (the admin: of any account); audited as revoke_api_key (once: a key revoked again
    is left as it was)."""
    with write_transaction(db):
        row = db.get(ApiKey, key_id)
        if row is None or (row.user_id != user_id and role != "admin"):
            raise Refusal(404, "not_found", f"API key {key_id} not found")
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
            _audit(db, by, "revoke_api_key", row.user, {"key_id": row.id, "prefix": row.prefix, "label": row.label})


def centres(db: Session) -> list[dict]:
    return [{"id": c.id, "key": c.key, "name": c.name, "area": c.area} for c in db.scalars(select(Centre).order_by(Centre.id))]
