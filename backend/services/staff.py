"""Staff accounts (the admin manages them, each change in the city's audit log), their sign-in (password → token)
and their API keys."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.services.security import hash_password, new_api_key, verify_password
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
            _audit(db, by, "create_staff", user, {"role": role, "address": checked})
        return user


def listing(db: Session) -> list[StaffUser]:
    return list(db.scalars(select(StaffUser).order_by(StaffUser.id)))


def update(db: Session, admin: tuple[str, int], user_id: int, changes: dict) -> StaffUser:
    """Disables or re-enables an account (a coordinator who left), resets its password, or moves it to another
    centre; `admin` (name, user id) is written to the audit log with what changed (never the password)."""
    admin_user_id = admin[1]
    if not changes:
        raise Refusal(422, "nothing_to_change", "give active, password or centre_id")
    with write_transaction(db):
        user = get_or_refuse(db, StaffUser, user_id, "staff account")
        if user.id == admin_user_id and changes.get("active") is False:
            raise Refusal(409, "cannot_disable_self", "an admin cannot disable their own account")
        if "centre_id" in changes:
            if user.role not in CENTRE_ROLES:
                raise Refusal(422, "no_centre", f"a {user.role} does not belong to a centre")
            if changes["centre_id"] is None or db.get(Centre, changes["centre_id"]) is None:
                raise Refusal(422, "unknown_centre", f"centre {changes['centre_id']} is not known to this backend")
            user.centre_id = changes["centre_id"]
        now = datetime.now(UTC)
        if changes.get("password") is not None:
            user.password_hash = hash_password(changes["password"])
            staff_sessions.revoke_all_of(db, user.id, now, "password_changed")
        if changes.get("active") is not None:
            user.active = changes["active"]
            if not user.active:  # signed-in sessions end with the account (its access tokens: api/deps)
                staff_sessions.revoke_all_of(db, user.id, now, "disabled")
        done = {k: v for k, v in changes.items() if k in ("active", "centre_id") and v is not None}
        if changes.get("password") is not None:
            done["password_reset"] = True
        _audit(db, admin, "update_staff", user, done)
        return user


def _audit(db: Session, admin: tuple[str, int], action: str, user: StaffUser, params: dict) -> None:
    db.add(AdminAudit(actor=admin[0], actor_user_id=admin[1], action=action, centre_id=user.centre_id,
                      params={"user_id": user.id, "username": user.username, **params}))


def authenticate(db: Session, username: str, password: str) -> StaffUser:
    """The active account with this username and password (argon2id), else 401 without saying which was wrong."""
    user = db.scalar(select(StaffUser).where(StaffUser.username == username))
    if not verify_password(user.password_hash if user else None, password) or not user.active:
        raise Refusal(401, "unauthorized", "wrong username or password")
    return user


def create_api_key(db: Session, user_id: int, label: str) -> tuple[ApiKey, str]:
    """A key acting as the account, for a machine client: (its row, the key, shown this once)."""
    key, prefix, digest = new_api_key()
    with write_transaction(db):
        row = ApiKey(prefix=prefix, secret_sha256=digest, user_id=user_id, label=label)
        db.add(row)
    return row, key


def revoke_api_key(db: Session, user_id: int, role: str, key_id: int) -> None:
    with write_transaction(db):
        row = db.get(ApiKey, key_id)
        if row is None or (row.user_id != user_id and role != "admin"):
            raise Refusal(404, "not_found", f"API key {key_id} not found")
        row.revoked_at = row.revoked_at or datetime.now(UTC)


def centres(db: Session) -> list[dict]:
    return [{"id": c.id, "key": c.key, "name": c.name, "area": c.area} for c in db.scalars(select(Centre).order_by(Centre.id))]
