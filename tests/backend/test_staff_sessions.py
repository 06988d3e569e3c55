"""Staff signed in for a working day: the refresh token gives new access tokens and is replaced each time; a replaced
token presented again ends the whole session; sign-out ends it; disabling the account (or changing its password)
ends its sessions and refuses its access tokens at once. Against the real app and database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from conftest import PASSWORD
from sqlalchemy import select, update

from backend.store.models import StaffSession


@pytest.fixture
def clerk(backend, admin_headers) -> dict:
    """A new coordinator of centre 1: {"id", "username"} (each test disables or signs out its own)."""
    username = f"clerk-{uuid.uuid4().hex[:8]}"
    r = backend.http.post("/staff", json={"username": username, "password": PASSWORD, "role": "coordinator",
                                          "centre_id": 1}, headers=admin_headers)
    assert r.status_code == 201, r.text
    return {"id": r.json()["id"], "username": username}


def sign_in(backend, username: str) -> dict:
    r = backend.http.post("/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return r.json()


def bearer(answer: dict) -> dict:
    return {"Authorization": f"Bearer {answer['access_token']}"}


def refresh(backend, token: str, **headers):
    return backend.http.post("/auth/refresh", json={"refresh_token": token}, headers=headers)


def test_sign_in_answers_who_and_a_refresh_token_for_the_working_day(backend, clerk):
    answer = sign_in(backend, clerk["username"])
    assert answer["role"] == "coordinator" and answer["centre_id"] == 1 and answer["username"] == clerk["username"]
    assert answer["expires_in"] == backend.settings.jwt_ttl_s
    assert answer["refresh_token"].startswith("vbr_") and len(answer["refresh_token"]) > 40
    assert 10 * 3600 - 60 < answer["refresh_expires_in"] <= 10 * 3600


def test_only_a_hash_of_the_refresh_token_is_stored(backend, clerk):
    token = sign_in(backend, clerk["username"])["refresh_token"]
    with backend.sessions() as s:
        rows = s.scalars(select(StaffSession).where(StaffSession.user_id == clerk["id"])).all()
    assert len(rows) == 1 and rows[0].token_sha256 != token and token not in repr(vars(rows[0]))


def test_refresh_gives_a_working_access_token_and_a_new_refresh_token(backend, clerk):
    first = sign_in(backend, clerk["username"])
    r = refresh(backend, first["refresh_token"])
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"] and second["username"] == clerk["username"]
    assert second["role"] == "coordinator" and second["centre_id"] == 1
    # the session keeps its end: refreshing does not extend the working day
    assert second["refresh_expires_in"] <= first["refresh_expires_in"]
    assert backend.http.get("/activities", headers=bearer(second)).status_code == 200


def test_a_replaced_refresh_token_used_again_ends_the_whole_session(backend, clerk):
    first = sign_in(backend, clerk["username"])
    second = refresh(backend, first["refresh_token"]).json()
    r = refresh(backend, first["refresh_token"], **{"Accept-Language": "ko"})  # a copy of the first token
    assert r.status_code == 401 and r.json()["error"] == "session_ended"
    assert "복제" in r.json()["detail"]
    r = refresh(backend, second["refresh_token"])  # the legitimate holder is out too
    assert r.status_code == 401 and r.json()["error"] == "session_ended"


def test_sign_out_ends_the_session(backend, clerk):
    answer = sign_in(backend, clerk["username"])
    assert backend.http.post("/auth/logout", json={"refresh_token": answer["refresh_token"]}).status_code == 204
    r = refresh(backend, answer["refresh_token"])
    assert r.status_code == 401 and r.json()["detail"] == "the session was ended; sign in again"


def test_sign_out_leaves_the_other_sessions_of_the_account(backend, clerk):
    phone, desk = sign_in(backend, clerk["username"]), sign_in(backend, clerk["username"])
    assert backend.http.post("/auth/logout", json={"refresh_token": phone["refresh_token"]}).status_code == 204
    assert refresh(backend, desk["refresh_token"]).status_code == 200


def test_disabling_the_account_refuses_its_refresh_and_access_tokens_at_once(backend, admin_headers, clerk):
    answer = sign_in(backend, clerk["username"])
    assert backend.http.get("/activities", headers=bearer(answer)).status_code == 200  # read (and cached) while active
    r = backend.http.patch(f"/staff/{clerk['id']}", json={"active": False}, headers=admin_headers)
    assert r.status_code == 200
    assert backend.http.get("/activities", headers=bearer(answer)).status_code == 401
    assert refresh(backend, answer["refresh_token"]).status_code == 401


def test_a_disabled_accounts_sessions_stay_ended_when_it_is_enabled_again(backend, admin_headers, clerk):
    answer = sign_in(backend, clerk["username"])
    for active in (False, True):
        assert backend.http.patch(f"/staff/{clerk['id']}", json={"active": active},
                                  headers=admin_headers).status_code == 200
    r = refresh(backend, answer["refresh_token"])
    assert r.status_code == 401 and r.json()["error"] == "session_ended"
    assert sign_in(backend, clerk["username"])["refresh_token"]  # a new sign-in works


def test_a_password_change_ends_the_accounts_sessions(backend, admin_headers, clerk):
    answer = sign_in(backend, clerk["username"])
    r = backend.http.patch(f"/staff/{clerk['id']}", json={"password": "another-password-3"}, headers=admin_headers)
    assert r.status_code == 200
    assert refresh(backend, answer["refresh_token"]).status_code == 401


def test_an_expired_session_is_refused(backend, clerk):
    answer = sign_in(backend, clerk["username"])
    with backend.sessions.begin() as s:
        s.execute(update(StaffSession).where(StaffSession.user_id == clerk["id"])
                  .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    r = refresh(backend, answer["refresh_token"])
    assert r.status_code == 401 and r.json()["detail"] == "the session has expired; sign in again"


@pytest.mark.parametrize("body,status,error", [
    ({"refresh_token": "vbr_" + "x" * 43}, 401, "session_ended"),   # not issued here
    ({"refresh_token": "not-a-token"}, 401, "session_ended"),
    ({"refresh_token": ""}, 422, "invalid_request"),
    ({"refresh_token": "x" * 1001}, 422, "invalid_request"),
    ({"refresh_token": 12}, 422, "invalid_request"),
    ({}, 422, "invalid_request"),
])
def test_a_bad_refresh_token_is_refused_with_a_reason(backend, body, status, error):
    r = backend.http.post("/auth/refresh", json=body, headers={"Accept-Language": "ko"})
    assert (r.status_code, r.json()["error"]) == (status, error), r.text
    assert any("\uac00" <= ch <= "\ud7a3" for ch in r.json()["detail"])


def test_an_access_token_does_not_refresh(backend, clerk):
    answer = sign_in(backend, clerk["username"])
    r = refresh(backend, answer["access_token"])
    assert r.status_code == 401 and r.json()["error"] == "session_ended"
