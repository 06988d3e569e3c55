"""Staff API keys on the real stack: each has an expiry (at most VB_API_KEY_MAX_DAYS), a scope ("read": GET only,
"write"), a list without secrets, revocation, and each dies with a change of its account's password (a reset by the
admin or its owner's own); creating and revoking one is in the city's audit log. The migration that added the
columns gives keys made before it the broadest scope and an expiry."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from conftest import PASSWORD, activity_body, audit_rows, new_resident
from sqlalchemy import select, update

from backend.services import staff as staff_service
from backend.services.security import password_mark
from backend.store.db import transaction
from backend.store.models import ApiKey, StaffUser

NEW_PASSWORD = "my-own-password-7"


def refused(r, status: int, error: str) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error"] == error and body["detail"], body
    return body


def new_coordinator(backend, admin_headers) -> tuple[dict, dict]:
    """A fresh coordinator of centre 1 (its row) and its signed-in headers."""
    r = backend.http.post("/staff", json={"username": f"k-{secrets.token_hex(5)}", "password": PASSWORD,
                                          "role": "coordinator", "centre_id": 1}, headers=admin_headers)
    assert r.status_code == 201, r.text
    return r.json(), backend.login(r.json()["username"])


def new_key(backend, headers, **body) -> dict:
    r = backend.http.post("/auth/api-keys", json={"label": "tablet", **body}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def as_key(key: dict, lang: str = "en") -> dict:
    return {"X-API-Key": key["key"], "Accept-Language": lang}


# ---------------------------------------------------------------------------------------------- expiry


def test_a_key_lives_the_maximum_by_default_and_no_longer_on_request(backend, admin_headers):
    _, coordinator = new_coordinator(backend, admin_headers)
    key = new_key(backend, coordinator)
    expires = datetime.fromisoformat(key["expires_at"])
    assert abs(expires - datetime.now(UTC) - timedelta(days=backend.settings.api_key_max_days)) < timedelta(minutes=5)
    assert new_key(backend, coordinator, days=7)["expires_at"] < key["expires_at"]
    body = refused(backend.http.post("/auth/api-keys", json={"label": "x", "days": backend.settings.api_key_max_days + 1},
                                     headers={**coordinator, "Accept-Language": "ko"}), 422, "api_key_lifetime_too_long")
    assert "API 키" in body["detail"]


def test_an_expired_key_is_refused(backend, admin_headers):
    _, coordinator = new_coordinator(backend, admin_headers)
    key = new_key(backend, coordinator, days=1)
    assert backend.http.get("/activities", headers=as_key(key)).status_code == 200
    with transaction(backend.sessions) as s:  # a day later
        s.execute(update(ApiKey).where(ApiKey.id == key["id"]).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    refused(backend.http.get("/activities", headers=as_key(key)), 401, "api_key_expired")
    body = refused(backend.http.get("/activities", headers=as_key(key, "ko")), 401, "api_key_expired")
    assert "유효 기간" in body["detail"]


# ---------------------------------------------------------------------------------------------- scope


def test_a_read_key_reads(backend, admin_headers):
    _, coordinator = new_coordinator(backend, admin_headers)
    key = new_key(backend, coordinator, scope="read")
    assert key["scope"] == "read"
    assert backend.http.get("/activities", headers=as_key(key)).status_code == 200
    assert backend.http.get("/auth/api-keys", headers=as_key(key)).status_code == 200


def test_a_read_key_cannot_write(backend, admin_headers):
    _, coordinator = new_coordinator(backend, admin_headers)
    key = new_key(backend, coordinator, scope="read")
    body = refused(backend.http.post("/activities", json=activity_body(new_resident(backend)), headers=as_key(key, "ko")),
                   403, "api_key_read_only")
    assert "읽기" in body["detail"]
    refused(backend.http.delete(f"/auth/api-keys/{key['id']}", headers=as_key(key)), 403, "api_key_read_only")


def test_a_write_key_writes_as_its_account(backend, admin_headers):
    staff, coordinator = new_coordinator(backend, admin_headers)
    key = new_key(backend, coordinator)
    assert key["scope"] == "write"  # the default: what keys could do before they had a scope
    r = backend.http.post("/activities", json=activity_body(new_resident(backend), source="self_report"),
                          headers=as_key(key))
    assert r.status_code == 201 and r.json()["recorded_by"] == f"{staff['username']} (api key)"


def test_an_unknown_scope_is_refused(backend, admin_headers):
    _, coordinator = new_coordinator(backend, admin_headers)
    refused(backend.http.post("/auth/api-keys", json={"label": "x", "scope": "admin"}, headers=coordinator),
            422, "invalid_request")


# ---------------------------------------------------------------------------------------------- list and revocation


def test_my_keys_are_listed_without_their_secret(backend, admin_headers):
    staff, coordinator = new_coordinator(backend, admin_headers)
    key = new_key(backend, coordinator, scope="read", days=3)
    r = backend.http.get("/auth/api-keys", headers=coordinator)
    assert r.status_code == 200
    (listed,) = r.json()
    assert {k: listed[k] for k in ("id", "prefix", "label", "scope", "user_id", "username", "expires_at", "revoked_at")} == {
        "id": key["id"], "prefix": key["prefix"], "label": "tablet", "scope": "read", "user_id": staff["id"],
        "username": staff["username"], "expires_at": key["expires_at"], "revoked_at": None}
    assert listed["key"] is None and key["key"].split(".")[1] not in r.text


def test_another_accounts_keys_are_not_listed_but_the_admin_sees_all(backend, admin_headers):
    _, mine = new_coordinator(backend, admin_headers)
    _, theirs = new_coordinator(backend, admin_headers)
    their_key = new_key(backend, theirs)
    assert their_key["id"] not in [k["id"] for k in backend.http.get("/auth/api-keys", headers=mine).json()]
    r = backend.http.get("/auth/api-keys", headers=admin_headers)
    assert their_key["id"] in [k["id"] for k in r.json()] and their_key["key"].split(".")[1] not in r.text


def test_a_revoked_key_is_refused_and_listed_as_revoked(backend, admin_headers):
    _, coordinator = new_coordinator(backend, admin_headers)
    key = new_key(backend, coordinator)
    assert backend.http.delete(f"/auth/api-keys/{key['id']}", headers=coordinator).status_code == 204
    refused(backend.http.get("/activities", headers=as_key(key)), 401, "unauthorized")
    (listed,) = backend.http.get("/auth/api-keys", headers=coordinator).json()
    assert listed["revoked_at"] is not None


def test_another_accounts_key_cannot_be_revoked(backend, admin_headers):
    _, mine = new_coordinator(backend, admin_headers)
    _, theirs = new_coordinator(backend, admin_headers)
    their_key = new_key(backend, theirs)
    refused(backend.http.delete(f"/auth/api-keys/{their_key['id']}", headers=mine), 404, "not_found")
    assert backend.http.get("/activities", headers=as_key(their_key)).status_code == 200


# ---------------------------------------------------------------------------------------------- the password


def test_a_key_dies_with_a_password_reset(backend, admin_headers):
    staff, coordinator = new_coordinator(backend, admin_headers)
    key = new_key(backend, coordinator)
    r = backend.http.patch(f"/staff/{staff['id']}", json={"password": "temporary-pass-1"}, headers=admin_headers)
    assert r.status_code == 200
    body = refused(backend.http.get("/activities", headers=as_key(key, "ko")), 401, "api_key_password_changed")
    assert "비밀번호" in body["detail"]


def test_a_key_dies_with_its_owners_password_change(backend, admin_headers):
    staff, coordinator = new_coordinator(backend, admin_headers)
    key = new_key(backend, coordinator)
    r = backend.http.post("/auth/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
                          headers=coordinator)
    assert r.status_code == 204, r.text
    refused(backend.http.get("/activities", headers=as_key(key)), 401, "api_key_password_changed")
    fresh = new_key(backend, backend.login(staff["username"], NEW_PASSWORD))
    assert backend.http.get("/activities", headers=as_key(fresh)).status_code == 200


def test_a_key_survives_its_password_hashed_again_at_sign_in(backend):
    """A hash made with older argon2 parameters is made again at the next sign-in: the password is the same, so
    the account's keys keep working."""
    username = f"old-{secrets.token_hex(4)}"
    with transaction(backend.sessions) as s:
        weak = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1).hash(PASSWORD)
        s.add(StaffUser(username=username, password_hash=weak, role="coordinator", centre_id=1))
    key = new_key(backend, backend.login(username))  # this sign-in made the hash again
    with backend.sessions() as s:  # as if the key was made before the argon2 parameters were raised
        before = s.scalar(select(StaffUser.password_hash).where(StaffUser.username == username))
        s.execute(update(StaffUser).where(StaffUser.username == username).values(password_hash=weak))
        s.execute(update(ApiKey).where(ApiKey.id == key["id"]).values(password_mark=password_mark(weak)))
        s.commit()
    assert before != weak
    backend.login(username)  # hashed again, once more
    assert backend.http.get("/activities", headers=as_key(key)).status_code == 200


def test_a_rehash_that_comes_after_a_reset_changes_nothing(backend):
    """A sign-in checked the old password, then a reset stored another before its rehash was written: the reset
    stands (the old password does not come back) and the keys stay ended."""
    username = f"race-{secrets.token_hex(4)}"
    with transaction(backend.sessions) as s:
        weak = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1).hash(PASSWORD)
        user = StaffUser(username=username, password_hash=weak, role="coordinator", centre_id=1)
        s.add(user)
        s.flush()
        user_id = user.id
        s.add(ApiKey(user_id=user_id, prefix=secrets.token_hex(4), secret_sha256="0" * 64, label="k",
                     created_at=datetime.now(UTC), expires_at=datetime.now(UTC) + timedelta(days=1), scope="write",
                     password_mark=password_mark(weak)))
    reset = PasswordHasher().hash("a-temporary-password-1")
    with transaction(backend.sessions) as s:  # the reset, between the sign-in's check and its rehash
        s.execute(update(StaffUser).where(StaffUser.id == user_id).values(password_hash=reset))
    with transaction(backend.sessions) as s:
        assert not staff_service.set_password_hash(s, user_id, weak, PasswordHasher().hash(PASSWORD))
    with backend.sessions() as s:
        assert s.scalar(select(StaffUser.password_hash).where(StaffUser.id == user_id)) == reset
        assert s.scalar(select(ApiKey.password_mark).where(ApiKey.user_id == user_id)) == password_mark(weak)


# ---------------------------------------------------------------------------------------------- audit


def test_creating_a_key_is_audited_without_its_secret(backend, admin_headers):
    staff, coordinator = new_coordinator(backend, admin_headers)
    key = new_key(backend, coordinator, scope="read", days=5)
    (row,) = audit_rows(backend, "create_api_key", key_id=key["id"])
    assert (row.actor, row.actor_user_id, row.centre_id) == (staff["username"], staff["id"], 1)
    assert row.params == {"user_id": staff["id"], "username": staff["username"], "key_id": key["id"],
                          "prefix": key["prefix"], "label": "tablet", "scope": "read",
                          "expires_at": datetime.fromisoformat(key["expires_at"]).isoformat()}
    assert key["key"].split(".")[1] not in str(row.params)


def test_revoking_a_key_is_audited_under_who_revoked_it(backend, admin_headers):
    staff, coordinator = new_coordinator(backend, admin_headers)
    key = new_key(backend, coordinator)
    assert backend.http.delete(f"/auth/api-keys/{key['id']}", headers=admin_headers).status_code == 204
    assert backend.http.delete(f"/auth/api-keys/{key['id']}", headers=coordinator).status_code == 204  # again: no row
    (row,) = audit_rows(backend, "revoke_api_key", key_id=key["id"])
    assert row.actor == "admin" and row.params["user_id"] == staff["id"] and row.params["prefix"] == key["prefix"]
    r = backend.http.get("/admin/audit", params={"action": "revoke_api_key"}, headers=admin_headers)
    assert r.status_code == 200 and key["id"] in [e["params"]["key_id"] for e in r.json()]


# ---------------------------------------------------------------------------------------------- the migration


def test_keys_made_before_the_migration_keep_writing_until_an_expiry(tmp_path):
    from alembic import command
    from conftest import database_url
    from test_migration_renumbering import alembic_config

    from backend.store.db import MIGRATIONS, make_engine, make_session_factory, migrate

    url = database_url(tmp_path)
    command.upgrade(alembic_config(MIGRATIONS, url), "0024_kiosk_devices")
    engine = sa.create_engine(url)
    at = datetime(2026, 11, 17, 14, 23, tzinfo=UTC)
    try:
        with engine.begin() as c:
            c.execute(sa.text("INSERT INTO staff_users (id, username, password_hash, role, active, created_at, "
                              "must_change_password) VALUES (1, 'coord', 'argon2-hash', 'coordinator', true, :at, "
                              "false)"), {"at": at})
            c.execute(sa.text("INSERT INTO api_keys (id, prefix, secret_sha256, user_id, label, created_at) VALUES "
                              "(1, 'vbk_00000000', :sha, 1, 'tablet', :at)"), {"sha": "ab" * 32, "at": at})
        migrate(url)
    finally:
        engine.dispose()
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as s:
            key = s.get(ApiKey, 1)
            assert key.scope == "write" and key.password_mark == password_mark("argon2-hash")
            assert abs(key.expires_at - datetime.now(UTC) - timedelta(days=90)) < timedelta(minutes=5)
    finally:
        engine.dispose()
