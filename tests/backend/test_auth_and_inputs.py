"""Bad input, each with a clear 4xx and a message, and nothing changed; authentication and roles."""

from __future__ import annotations

import time

import jwt
import pytest
from conftest import COIN, activity_body, new_resident
from sqlalchemy import func, select

from backend.services.security import issue_token
from backend.store.models import Activity, OutboxItem


def counts(backend) -> tuple[int, int]:
    with backend.sessions() as s:
        return s.scalar(select(func.count()).select_from(Activity)), s.scalar(select(func.count()).select_from(OutboxItem))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"volunteer": "0x1234"}, "volunteer: '0x1234' is not an address"),
        ({"volunteer": "0x" + "0" * 40}, "the zero address cannot hold coins"),
        ({"volunteer": "0x70997970c51812dc3a010c7d01b50e0d17dc79C8"}, "wrong checksum"),
        ({"units": 0}, "units: Input should be greater than 0"),
        ({"units": -60}, "units: Input should be greater than 0"),
        ({"units": 1.5}, "units: Input should be a valid integer"),
        ({"units": "60"}, "units: Input should be a valid integer"),
        ({"units": 2**40}, "units: Input should be less than or equal to 4294967295"),
        ({"units": 481}, "units must be from 1 to 480 for category 1"),
        ({"category": 77}, "category 77 has no rule on-chain"),
        ({"category": 0}, "category: Input should be greater than or equal to 1"),
        ({"centre_id": 99}, "you act for centre 1, not centre 99"),
        ({"occurred_at": "2031-01-01T00:00:00+00:00"}, "occurred_at is in the future"),
        ({"occurred_at": "2026-01-01T00:00:00"}, "occurred_at: Input should have timezone info"),
        ({"unexpected": 1}, "unexpected: Extra inputs are not permitted"),
        ({"description": "x" * 2001}, "description: String should have at most 2000 characters"),
        ({"approve": "yes"}, "approve: Input should be a valid boolean"),
    ],
)
def test_bad_activity_input(backend, coord1, overrides, message):
    before = counts(backend)
    body = activity_body(new_resident(backend), approve=True)
    body.update(overrides)
    r = backend.http.post("/activities", json=body, headers=coord1)
    assert 400 <= r.status_code < 500, r.text
    assert message in r.json()["detail"], r.json()
    assert counts(backend) == before


def test_unknown_centre_for_the_admin(backend, admin_headers):
    before = counts(backend)
    r = backend.http.post("/activities", json=activity_body(new_resident(backend), centre_id=99), headers=admin_headers)
    assert r.status_code == 422 and "centre 99 is not known" in r.json()["detail"]
    assert counts(backend) == before


def test_another_centres_activity(backend, coord1, coord2):
    aid = backend.http.post("/activities", json=activity_body(new_resident(backend)), headers=coord1).json()["id"]
    for method, path in (("get", f"/activities/{aid}"), ("post", f"/activities/{aid}/approve")):
        r = getattr(backend.http, method)(path, headers=coord2)
        assert r.status_code == 403 and "you act for centre 2, not centre 1" in r.json()["detail"]
    assert backend.activity(aid).status == "recorded"
    assert all(a["centre_id"] == 2 for a in backend.http.get("/activities", headers=coord2).json())


def test_over_the_centres_cap_is_refused_before_anything_is_sent(backend, coord2):
    registry, admin = backend.chain.registry.functions, backend.node.web3.eth.accounts[0]
    _, _, _, period, _ = registry.centre(2).call()
    wait = backend.node.web3.eth.wait_for_transaction_receipt
    wait(registry.setCentreCap(2, 50 * COIN, period).transact({"from": admin}))  # the city lowers centre 2's cap
    backend.chain._caps.clear()  # the API caches the cap for a second; do not wait for it
    try:
        backend.drain()
        remaining = backend.chain.remaining_cap(2)
        assert remaining <= 50 * COIN
        per = 24 * COIN  # 480 minutes
        n = remaining // per
        for _ in range(n):  # approved, not yet sent: they count against the cap already
            body = activity_body(new_resident(backend), centre_id=2, units=480, approve=True)
            assert backend.http.post("/activities", json=body, headers=coord2).status_code == 201
        aid = backend.http.post("/activities", json=activity_body(new_resident(backend), centre_id=2, units=480),
                                headers=coord2).json()["id"]
        before, block = counts(backend), backend.node.block
        r = backend.http.post(f"/activities/{aid}/approve", headers=coord2)
        assert r.status_code == 409 and r.json()["error"] == "over_centre_cap"
        assert "centre 2 can issue" in r.json()["detail"] and "this activity needs 24 coins" in r.json()["detail"]
        assert counts(backend) == before and backend.node.block == block  # nothing queued, nothing sent
        assert backend.activity(aid).status == "recorded"
        backend.drain()
        assert backend.chain.remaining_cap(2) == remaining - n * per
    finally:
        wait(registry.setCentreCap(2, 20_000 * COIN, period).transact({"from": admin}))


# ------------------------------------------------------------------------------------------ authentication


def test_wrong_password(backend):
    r = backend.http.post("/auth/login", json={"username": "coord1", "password": "wrong-password"})
    assert r.status_code == 401 and r.json()["detail"] == "wrong username or password"
    r = backend.http.post("/auth/login", json={"username": "nobody", "password": "wrong-password"})
    assert r.status_code == 401 and r.json()["detail"] == "wrong username or password"


def test_expired_token(backend):
    token = issue_token(backend.settings.jwt_secret, backend.settings.jwt_issuer, -10, 2, "coordinator", 1)
    r = backend.http.get("/activities", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and "expired" in r.json()["detail"]


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_alg_none_and_foreign_tokens(backend):
    now = int(time.time())
    claims = {"sub": "1", "role": "admin", "centre": None, "iat": now, "exp": now + 600, "iss": backend.settings.jwt_issuer}
    unsigned = jwt.encode(claims, None, algorithm="none")
    forged = jwt.encode(claims, "another-secret-of-at-least-32-bytes!", algorithm="HS256")
    hs512 = jwt.encode(claims, backend.settings.jwt_secret, algorithm="HS512")
    for token in (unsigned, forged, hs512, "not.a.token", unsigned.rstrip(".") + "."):
        r = backend.http.get("/activities", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401 and "invalid token" in r.json()["detail"], (token, r.text)
    assert backend.http.get("/activities").status_code == 401


def test_wrong_role(backend):
    provider = backend.login("gym")
    officer = backend.login("officer1")
    body = activity_body(new_resident(backend))
    for headers in (provider, officer):
        r = backend.http.post("/activities", json=body, headers=headers)
        assert r.status_code == 403 and "needs the role admin or coordinator" in r.json()["detail"]
    r = backend.http.post("/staff", json={"username": "x-user", "password": "long-enough-1", "role": "admin"},
                          headers=backend.login("coord1"))
    assert r.status_code == 403


def test_api_keys(backend, coord1):
    r = backend.http.post("/auth/api-keys", json={"label": "kiosk at the community centre"}, headers=coord1)
    assert r.status_code == 201
    key, key_id = r.json()["key"], r.json()["id"]
    r = backend.http.post("/activities", json=activity_body(new_resident(backend), source="self_report"),
                          headers={"X-API-Key": key})
    assert r.status_code == 201 and r.json()["recorded_by"] == "coord1 (api key)"
    assert backend.http.delete(f"/auth/api-keys/{key_id}", headers=coord1).status_code == 204
    r = backend.http.get("/activities", headers={"X-API-Key": key})
    assert r.status_code == 401 and "invalid or revoked API key" in r.json()["detail"]
    r = backend.http.get("/activities", headers={"X-API-Key": key[:-2] + "xx"})
    assert r.status_code == 401


def test_admin_disables_an_account_and_its_tokens_and_keys_stop_at_once(backend, admin_headers):
    from conftest import PASSWORD

    r = backend.http.post("/staff", json={"username": "leaving", "password": PASSWORD, "role": "coordinator",
                                          "centre_id": 1}, headers=admin_headers)
    assert r.status_code == 201
    user_id = r.json()["id"]
    token = backend.login("leaving")
    key = backend.http.post("/auth/api-keys", json={"label": "tablet"}, headers=token).json()["key"]
    assert backend.http.get("/activities", headers=token).status_code == 200  # read (and cached) while active
    assert backend.http.get("/activities", headers={"X-API-Key": key}).status_code == 200

    r = backend.http.patch(f"/staff/{user_id}", json={"active": False}, headers=admin_headers)
    assert r.status_code == 200 and r.json()["active"] is False
    r = backend.http.get("/activities", headers=token)
    assert r.status_code == 401 and "disabled" in r.json()["detail"]
    assert backend.http.get("/activities", headers={"X-API-Key": key}).status_code == 401
    body = activity_body(new_resident(backend), approve=True)
    assert backend.http.post("/activities", json=body, headers=token).status_code == 401
    r = backend.http.post("/auth/login", json={"username": "leaving", "password": PASSWORD})
    assert r.status_code == 401

    # back, with a temporary password; the old one no longer works, and the new one opens nothing until its owner
    # has set their own
    r = backend.http.patch(f"/staff/{user_id}", json={"active": True, "password": "a-new-password-2"},
                           headers=admin_headers)
    assert r.status_code == 200 and r.json()["active"] is True
    assert backend.http.post("/auth/login", json={"username": "leaving", "password": PASSWORD}).status_code == 401
    temporary = backend.login("leaving", "a-new-password-2")
    assert backend.http.get("/activities", headers=temporary).json()["error"] == "password_change_required"
    r = backend.http.post("/auth/password", json={"current_password": "a-new-password-2",
                                                  "new_password": "my-own-password-3"}, headers=temporary)
    assert r.status_code == 204, r.text
    assert backend.http.get("/activities", headers=backend.login("leaving", "my-own-password-3")).status_code == 200
    assert any(u["username"] == "leaving" for u in backend.http.get("/staff", headers=admin_headers).json())


def test_staff_changes_refused(backend, admin_headers, coord1):
    admin_id = next(u["id"] for u in backend.http.get("/staff", headers=admin_headers).json() if u["username"] == "admin")
    coord_id = next(u["id"] for u in backend.http.get("/staff", headers=admin_headers).json() if u["username"] == "coord1")
    cases = [
        (coord1, coord_id, {"active": False}, 403, "staff_required"),
        (admin_headers, 999_999, {"active": False}, 404, "not_found"),
        (admin_headers, admin_id, {"active": False}, 409, "cannot_disable_self"),
        (admin_headers, coord_id, {}, 422, "nothing_to_change"),
        (admin_headers, coord_id, {"centre_id": 77}, 422, "unknown_centre"),
        (admin_headers, admin_id, {"centre_id": 1}, 422, "no_centre"),
        (admin_headers, coord_id, {"password": "short"}, 422, "invalid_request"),
        (admin_headers, coord_id, {"active": "no"}, 422, "invalid_request"),
    ]
    for headers, target, body, status, error in cases:
        r = backend.http.patch(f"/staff/{target}", json=body, headers=headers)
        assert (r.status_code, r.json().get("error")) == (status, error), (body, r.text)
    assert backend.http.get("/activities", headers=coord1).status_code == 200  # coord1 untouched
