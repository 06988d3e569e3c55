"""The findings of the security review ("Backend security"), each on the real stack: /health says codes only; the
unauthenticated routes cannot be used to tie the server up (sign-in throttle, stateless SIWE nonces, a body limit,
the offers catalogue from the index); staff changes are audited and a password set by someone else must be replaced
before anything else."""

from __future__ import annotations

import secrets
import threading
import time
import urllib.request
import warnings
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from argon2 import PasswordHasher
from conftest import ADMIN_PASSWORD, COIN, PASSWORD, audit_rows, serve
from residents_helpers import new_wallet, personal_sign, sign_in, siwe_text
from sqlalchemy import func, select
from test_residents import create_offer_on_chain, earn

from backend.api.app import create_app
from backend.chain.client import ChainClient
from backend.domain import siwe
from backend.services import residents
from backend.store.db import transaction
from backend.store.models import LoginThrottle, SiweNonce, StaffUser

with warnings.catch_warnings():  # Starlette asks for httpx2; its TestClient still works with httpx
    warnings.simplefilter("ignore", DeprecationWarning)
    from starlette.testclient import TestClient

NEW_PASSWORD = "my-own-password-7"
# Starlette's TestClient (its client address "testclient" is a second address beside the HTTP client's 127.0.0.1).
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:starlette.testclient")


def refused(r, status: int, error: str) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error"] == error and body["detail"], body
    return body


def new_staff(backend, admin_headers, role: str = "coordinator", centre_id: int | None = 1) -> dict:
    body = {"username": f"s-{secrets.token_hex(5)}", "password": PASSWORD, "role": role}
    if centre_id is not None:
        body["centre_id"] = centre_id
    r = backend.http.post("/staff", json=body, headers=admin_headers)
    assert r.status_code == 201, r.text
    return r.json()


def login(client, username: str, password: str = PASSWORD):
    return client.post("/auth/login", json={"username": username, "password": password})


def count(backend, model) -> int:
    with backend.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


# ---------------------------------------------------------------------------------------------- /health


class _Proxy:
    """A JSON-RPC proxy to the node at a URL that carries an API key, as a hosted provider's does; stopped, the
    client's errors name that URL."""

    def __init__(self, target: str):
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                request = urllib.request.Request(target, data=body, headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=10) as answer:
                    data = answer.read()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/v3/sk_live_{secrets.token_hex(12)}"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def test_health_answers_codes_and_never_the_node_url_or_the_database_error(backend):
    proxy = _Proxy(backend.node.url)
    secret_key = proxy.url.rsplit("/", 1)[1]
    db_password = f"pw-{secrets.token_hex(8)}"
    try:
        settings = backend.settings.model_copy(update={
            "rpc_url": proxy.url, "database_url": f"postgresql+psycopg://vbuser:{db_password}@127.0.0.1:1/vb"})
        chain = ChainClient(settings)
        app = create_app(settings, chain=chain)  # not started: no migration against the database that is not there
        client = TestClient(app)
        healthy_chain = client.get("/health").json()
        assert healthy_chain["chain"] == "ok" and healthy_chain["database"] == "unreachable"
    finally:
        proxy.stop()
    r = client.get("/health")
    assert r.status_code == 503
    body = r.json()
    assert (body["status"], body["database"], body["chain"]) == ("degraded", "unreachable", "unreachable")
    for leaked in (secret_key, "/v3/", db_password, "vbuser", "psycopg", "127.0.0.1", "Error", "error"):
        assert leaked not in r.text, (leaked, r.text)


def test_health_of_a_working_backend(backend):
    body = backend.http.get("/health").json()
    assert (body["status"], body["database"], body["chain"]) == ("ok", "ok", "ok")
    assert body["chain_id"] == body["manifest_chain_id"] == 31337 and body["block"] == backend.node.block


# ---------------------------------------------------------------------------------------------- body limit


def test_a_body_whose_content_length_is_over_the_limit_is_refused(backend):
    big = b'{"username": "' + b"a" * (backend.settings.max_body_bytes + 10) + b'", "password": "x"}'
    r = backend.http.post("/auth/login", content=big, headers={"Content-Type": "application/json",
                                                               "Accept-Language": "ko"})
    body = refused(r, 413, "request_too_large")
    assert "요청 본문이 너무 큽니다" in body["detail"] and r.headers["content-language"] == "ko"
    r = backend.http.post("/siwe/verify", content=big, headers={"Content-Type": "application/json"})
    assert str(backend.settings.max_body_bytes) in refused(r, 413, "request_too_large")["detail"]


def test_a_chunked_body_growing_past_the_limit_is_refused_while_it_streams(backend):
    sent = []

    def chunks(total: int):
        piece = b" " * 65536
        yield b'{"username": "x", "password": "y"'
        for _ in range(total // len(piece)):
            sent.append(len(piece))
            yield piece
        yield b"}"

    r = backend.http.post("/auth/login", content=chunks(4 * backend.settings.max_body_bytes),
                          headers={"Content-Type": "application/json"})
    assert "content-length" not in r.request.headers and r.request.headers["transfer-encoding"] == "chunked"
    refused(r, 413, "request_too_large")
    # A small chunked body still goes through (a wrong password: 401, not 413).
    refused(backend.http.post("/auth/login", content=iter([b'{"username": "nobody-', b'here", "password": "x"}']),
                              headers={"Content-Type": "application/json"}), 401, "unauthorized")


# ---------------------------------------------------------------------------------------------- sign-in throttle


def test_five_failures_lock_the_account_for_every_process_with_retry_after(backend, admin_headers):
    user = new_staff(backend, admin_headers)
    for _ in range(5):
        refused(login(backend.http, user["username"], "wrong-password"), 401, "unauthorized")
    r = backend.http.post("/auth/login", json={"username": user["username"], "password": PASSWORD},
                          headers={"Accept-Language": "ko"})
    body = refused(r, 429, "login_throttled")
    assert 1 <= int(r.headers["retry-after"]) <= backend.settings.login_lockout_s
    assert "로그인 실패가 너무 많습니다" in body["detail"]
    # Kept in the database: another API process on it refuses too.
    url, stop = serve(create_app(backend.settings, chain=backend.chain))
    try:
        refused(login(httpx.Client(base_url=url, timeout=30), user["username"]), 429, "login_throttled")
    finally:
        stop()
    with backend.sessions() as s:
        assert s.get(LoginThrottle, f"account:{user['username']}").locked_until is not None


def test_a_successful_sign_in_clears_the_accounts_failures(backend, admin_headers):
    user = new_staff(backend, admin_headers)
    for _ in range(4):
        refused(login(backend.http, user["username"], "wrong-password"), 401, "unauthorized")
    assert login(backend.http, user["username"]).status_code == 200
    for _ in range(4):
        refused(login(backend.http, user["username"], "wrong-password"), 401, "unauthorized")
    assert login(backend.http, user["username"]).status_code == 200


def test_a_lockout_is_short_bounded_and_does_not_hold_an_address_the_account_signed_in_from(backend, admin_headers):
    """The guesser comes from another address (Starlette's test client: "testclient") than the officer (127.0.0.1),
    on an app with 2 s lockouts of at most 4 s (long enough that a busy machine still asks again within one)."""
    user = new_staff(backend, admin_headers)
    assert login(backend.http, user["username"]).status_code == 200  # the officer, from the office
    settings = backend.settings.model_copy(update={"login_lockout_s": 2, "login_lockout_max_s": 4})
    guesser = TestClient(create_app(settings, chain=backend.chain))
    for lock in (1, 2, 3):
        for _ in range(5):
            refused(login(guesser, user["username"], "wrong-password"), 401, "unauthorized")
        r = login(guesser, user["username"])
        refused(r, 429, "login_throttled")
        assert int(r.headers["retry-after"]) <= 4  # doubling (2 s, 4 s), then no longer than the maximum
        assert login(backend.http, user["username"]).status_code == 200  # the officer's known address
        time.sleep(min(2 ** lock, 4) + 0.2)
    assert login(guesser, user["username"]).status_code == 200  # time-limited: over after it


def test_one_address_failing_on_many_accounts_is_held(backend):
    settings = backend.settings.model_copy(update={"login_client_max_failures": 3})
    client = TestClient(create_app(settings, chain=backend.chain))
    tag = secrets.token_hex(4)
    # the test client's address may have failures from other tests: count from the state of its row
    with backend.sessions() as s:
        row = s.get(LoginThrottle, "client:testclient")
        if row is not None:
            s.delete(row)
            s.commit()
    for i in range(3):
        refused(login(client, f"nobody-{tag}-{i}", "x"), 401, "unauthorized")
    r = login(client, f"nobody-{tag}-3", "x")
    refused(r, 429, "login_throttled")
    assert int(r.headers["retry-after"]) > 0


def test_a_hash_with_other_argon2_parameters_still_verifies_and_is_made_again(backend):
    weak = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
    username = f"old-{secrets.token_hex(4)}"
    with transaction(backend.sessions) as s:
        s.add(StaffUser(username=username, password_hash=weak.hash(PASSWORD), role="coordinator", centre_id=1))
    assert login(backend.http, username).status_code == 200
    with backend.sessions() as s:
        stored = s.scalar(select(StaffUser.password_hash).where(StaffUser.username == username))
    st = backend.settings
    assert f"m={st.argon2_memory_kib},t={st.argon2_time_cost},p={st.argon2_parallelism}" in stored
    assert login(backend.http, username).status_code == 200


# ---------------------------------------------------------------------------------------------- SIWE nonces


def _siwe_body(backend, account, nonce: str) -> dict:
    n = backend.http.get("/siwe/nonce").json()
    text = siwe_text(n["domain"], account.address, n["uri"], n["chain_id"], nonce)
    return {"message": text, "signature": personal_sign(account, text)}


def test_nonces_write_nothing_and_a_sign_in_with_one_still_works(backend):
    before = count(backend, SiweNonce)
    nonces = [backend.http.get("/siwe/nonce").json()["nonce"] for _ in range(200)]
    assert len(set(nonces)) == 200 and count(backend, SiweNonce) == before
    alice = new_wallet()
    r = backend.http.post("/siwe/verify", json=_siwe_body(backend, alice, nonces[-1]))
    assert r.status_code == 200, r.text
    assert count(backend, SiweNonce) == before + 1  # the used one, until it would have expired
    assert backend.http.get("/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}).status_code == 200
    sign_in(backend, new_wallet())  # the wallet's whole path


def test_a_forged_expired_or_used_nonce_is_refused(backend):
    alice = new_wallet()
    nonce = backend.http.get("/siwe/nonce").json()["nonce"]
    forged = nonce[:-1] + ("0" if nonce[-1] != "0" else "1")  # the MAC changed
    refused(backend.http.post("/siwe/verify", json=_siwe_body(backend, alice, forged)), 401, "siwe_unknown_nonce")
    later = nonce[:24] + f"{int(nonce[24:32], 16) + 3600:08x}" + nonce[32:]  # the time changed, the MAC kept
    refused(backend.http.post("/siwe/verify", json=_siwe_body(backend, alice, later)), 401, "siwe_unknown_nonce")
    other_key = siwe.issue_nonce(secrets.token_bytes(32), int(time.time()), secrets.token_bytes(12))
    refused(backend.http.post("/siwe/verify", json=_siwe_body(backend, alice, other_key)), 401, "siwe_unknown_nonce")
    old = siwe.issue_nonce(residents._nonce_key(backend.settings),
                           int(time.time()) - backend.settings.siwe_nonce_ttl_s - 1, secrets.token_bytes(12))
    refused(backend.http.post("/siwe/verify", json=_siwe_body(backend, alice, old)), 401, "siwe_nonce_expired")
    body = _siwe_body(backend, alice, nonce)
    assert backend.http.post("/siwe/verify", json=body).status_code == 200
    refused(backend.http.post("/siwe/verify", json=body), 401, "siwe_nonce_used")
    refused(backend.http.post("/siwe/verify", json=_siwe_body(backend, new_wallet(), nonce)), 401, "siwe_nonce_used")


def test_one_signed_message_sent_eight_times_at_once_signs_in_once(backend):
    """The same signed message replayed concurrently (on PostgreSQL, transactions that each find the nonce unused):
    exactly one sign-in, the others 401 siwe_nonce_used, and one row of the used nonce."""
    body = _siwe_body(backend, new_wallet(), backend.http.get("/siwe/nonce").json()["nonce"])
    start = threading.Barrier(8)

    def verify(_):
        with httpx.Client(base_url=backend.url, timeout=60) as http:
            http.get("/siwe/nonce")  # the connection open before the start
            start.wait()
            return http.post("/siwe/verify", json=body)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(verify, range(8)))
    assert sorted(r.status_code for r in answers) == [200] + [401] * 7, [r.text for r in answers]
    for r in answers:
        if r.status_code == 401:
            refused(r, 401, "siwe_nonce_used")
    nonce = siwe.parse(body["message"]).nonce
    with backend.sessions() as s:
        assert s.scalar(select(func.count()).select_from(SiweNonce).where(SiweNonce.nonce == nonce)) == 1


# ---------------------------------------------------------------------------------------------- GET /offers


class _Calls:
    """Counts the JSON-RPC methods the app's real chain client sends (its provider's make_request, through which
    both web3.py's calls and the client's raw rpc() go)."""

    def __init__(self, chain: ChainClient):
        self.provider, self.methods = chain.web3.provider, []
        self.original = self.provider.make_request

    def __enter__(self):
        def counted(method, params):
            self.methods.append(method)
            return self.original(method, params)

        self.provider.make_request = counted
        return self

    def __exit__(self, *exc):
        self.provider.make_request = self.original


def _catalogue(backend, include_inactive: bool = True) -> dict[int, dict]:
    r = backend.http.get("/offers", params={"include_inactive": str(include_inactive).lower()})
    assert r.status_code == 200, r.text
    return {o["offer_id"]: o for o in r.json()}


def test_offers_come_from_the_index_right_after_each_change_and_without_a_call_per_offer(backend, coord1):
    web3, redemption = backend.node.web3, backend.chain.redemption
    provider = web3.eth.accounts[3]
    ids = [create_offer_on_chain(backend, (i + 1) * COIN, 5) for i in range(3)]
    backend.drain()  # the indexer reaches the head
    with _Calls(backend.chain) as calls:
        offers = _catalogue(backend)
    assert calls.methods.count("eth_call") == 0, calls.methods
    assert [(offers[i]["price"], offers[i]["capacity"], offers[i]["sold"], offers[i]["active"]) for i in ids] == [
        (str(COIN), 5, 0, True), (str(2 * COIN), 5, 0, True), (str(3 * COIN), 5, 0, True)]
    assert offers[ids[0]]["provider"] == provider and offers[ids[0]]["provider_name"]

    # Changed by its provider, switched off by the admin: as the chain says once the indexer has read it.
    web3.eth.wait_for_transaction_receipt(
        redemption.functions.updateOffer(ids[0], 7 * COIN, 9, True).transact({"from": provider}))
    web3.eth.wait_for_transaction_receipt(
        redemption.functions.setOfferActive(ids[1], False).transact({"from": web3.eth.accounts[0]}))
    backend.drain()
    offers = _catalogue(backend)
    assert (offers[ids[0]]["price"], offers[ids[0]]["capacity"], offers[ids[0]]["remaining"]) == (str(7 * COIN), 9, 9)
    assert offers[ids[1]]["active"] is False and ids[1] not in _catalogue(backend, include_inactive=False)

    # A voucher sold: one fewer left.
    resident = web3.eth.accounts[7]
    earn(backend, coord1, resident)
    web3.eth.wait_for_transaction_receipt(
        redemption.functions.redeem(ids[2], 3 * COIN).transact({"from": resident}))
    backend.drain()
    with _Calls(backend.chain) as calls:
        offers = _catalogue(backend)
    assert (offers[ids[2]]["sold"], offers[ids[2]]["remaining"]) == (1, 4)
    assert calls.methods.count("eth_call") == 0
    # Each offer as the chain has it now, for every offer the index holds.
    for offer_id, o in offers.items():
        p, price, capacity, sold, active = redemption.functions.offer(offer_id).call()
        assert (o["provider"], o["price"], o["capacity"], o["sold"], o["active"]) == (p, str(price), capacity, sold,
                                                                                      active)


# ---------------------------------------------------------------------------------------------- staff changes


def test_every_staff_change_is_one_row_of_the_audit_log(backend, admin_headers):
    user = new_staff(backend, admin_headers)
    uid = user["id"]
    for change in ({"active": False}, {"active": True}, {"role": "welfare_officer"}, {"centre_id": 2},
                   {"password": "temporary-pass-1"}):
        r = backend.http.patch(f"/staff/{uid}", json=change, headers=admin_headers)
        assert r.status_code == 200, r.text
    expected = {"create_staff": {"role": "coordinator", "centre_id": 1, "address": None},
                "disable_staff": {}, "enable_staff": {},
                "change_staff_role": {"before": "coordinator", "after": "welfare_officer"},
                "move_staff": {"before": 1, "after": 2}, "reset_staff_password": {"temporary": True}}
    for action, params in expected.items():
        (row,) = audit_rows(backend, action, user_id=uid)
        assert (row.actor, row.params) == ("admin", {"user_id": uid, "username": user["username"], **params})
        assert "temporary-pass-1" not in str(row.params)
    listed = backend.http.get("/admin/audit", params={"action": "change_staff_role"}, headers=admin_headers).json()
    assert any(a["params"]["user_id"] == uid for a in listed)
    refused(backend.http.patch("/staff/1", json={"role": "coordinator", "centre_id": 1}, headers=admin_headers),
            409, "cannot_disable_self")
    refused(backend.http.patch(f"/staff/{uid}", json={"role": "provider"}, headers=admin_headers), 422,
            "address_required")


@pytest.fixture(scope="module")
def report(backend, admin_headers):
    """A neighbour report in centre 1's area."""
    r = backend.http.put("/areas/seocho-banpo1", json={"name": "반포1동", "lat": 37.5, "lon": 127.0},
                         headers=admin_headers)
    assert r.status_code == 200, r.text
    assert backend.http.put("/centres/1/area", json={"area": "seocho-banpo1"}, headers=admin_headers).status_code == 200
    reporter = sign_in(backend, new_wallet())
    r = backend.http.post("/reports", json={"area": "seocho-banpo1", "place": "반포동 1-2", "situation": "며칠째 안 보여요"},
                          headers=reporter)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_a_reset_password_must_be_replaced_by_its_owner_before_anything_else(backend, admin_headers, report):
    officer = new_staff(backend, admin_headers, role="welfare_officer", centre_id=1)
    h = {"Authorization": f"Bearer {login(backend.http, officer['username']).json()['access_token']}"}
    assert backend.http.get(f"/reports/{report}", headers=h).status_code == 200
    api_key = backend.http.post("/auth/api-keys", json={"label": "tablet"}, headers=h).json()["key"]

    # The admin sets a temporary password and signs in with it, as the officer.
    r = backend.http.patch(f"/staff/{officer['id']}", json={"password": "temporary-pass-1"}, headers=admin_headers)
    assert r.status_code == 200 and r.json()["password_change_required"] is True
    r = login(backend.http, officer["username"], "temporary-pass-1")
    assert r.status_code == 200 and r.json()["password_change_required"] is True
    temp = {"Authorization": f"Bearer {r.json()['access_token']}", "Accept-Language": "ko"}
    for method, path in (("get", f"/reports/{report}"), ("get", "/reports"), ("get", f"/reports/{report}/access-log"),
                         ("get", "/activities"), ("post", "/auth/api-keys")):
        body = refused(getattr(backend.http, method)(path, headers=temp, **({"json": {"label": "x"}} if method == "post" else {})),
                       403, "password_change_required")
        assert "비밀번호" in body["detail"]
    refused(backend.http.get(f"/reports/{report}", headers={"X-API-Key": api_key}), 401, "api_key_password_changed")
    # Nothing was read after the reset; each refused attempt of the signed-in account on the report is logged, naming
    # it (the dead API key is not signed in: no account to name).
    log = backend.http.get(f"/reports/{report}/access-log", headers=admin_headers).json()
    assert [(e["actor"], e["action"], e["reason"]) for e in log if e["staff_user_id"] == officer["id"]] == [
        (officer["username"], "read", None),
        (officer["username"], "refused", "password_change_required")]  # refused twice, logged once an hour

    # Only the owner's own password ends it.
    refused(backend.http.post("/auth/password", json={"current_password": "temporary-pass-1",
                                                      "new_password": "temporary-pass-1"}, headers=temp),
            422, "password_unchanged")
    refused(backend.http.post("/auth/password", json={"current_password": "wrong-password",
                                                      "new_password": NEW_PASSWORD}, headers=temp), 401, "unauthorized")
    r = backend.http.post("/auth/password", json={"current_password": "temporary-pass-1", "new_password": NEW_PASSWORD},
                          headers=temp)
    assert r.status_code == 204, r.text
    (changed,) = audit_rows(backend, "set_own_password", user_id=officer["id"])
    assert changed.actor == officer["username"] and changed.actor_user_id == officer["id"]
    assert changed.params["after_reset"] is True and changed.params["client"] == "127.0.0.1"
    refused(backend.http.get("/reports", headers=temp), 401, "unauthorized")  # its sessions ended with it
    r = login(backend.http, officer["username"], NEW_PASSWORD)
    assert r.status_code == 200 and r.json()["password_change_required"] is False
    own = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert backend.http.get(f"/reports/{report}", headers=own).status_code == 200
    # A key made before the reset stays dead: whoever held the password then does not get back in through it.
    refused(backend.http.get(f"/reports/{report}", headers={"X-API-Key": api_key}), 401, "api_key_password_changed")


def test_report_reads_name_the_account_of_the_session(backend, admin_headers, report):
    officer = new_staff(backend, admin_headers, role="welfare_officer", centre_id=1)
    h = {"Authorization": f"Bearer {login(backend.http, officer['username']).json()['access_token']}"}
    assert backend.http.get(f"/reports/{report}", headers=h).status_code == 200
    log = backend.http.get(f"/reports/{report}/access-log", headers=admin_headers).json()
    mine = [e for e in log if e["staff_user_id"] == officer["id"]]
    assert [(e["actor"], e["action"]) for e in mine] == [(officer["username"], "read")]
    assert login(backend.http, "admin", ADMIN_PASSWORD).status_code == 200


def test_sign_ins_beyond_the_hashing_slots_are_told_to_wait(backend, monkeypatch):
    """Each argon2 check holds its memory cost: a burst beyond the process's slots is answered 429, not queued."""
    from backend.services import security

    monkeypatch.setattr(security, "HASHING_WAIT_S", 0.2)
    held = 0
    while security._HASHING.acquire(blocking=False):
        held += 1
    try:
        r = login(backend.http, "anyone", "any-password")
        refused(r, 429, "sign_in_busy")
        assert int(r.headers["retry-after"]) > 0
    finally:
        for _ in range(held):
            security._HASHING.release()
    assert login(backend.http, "anyone", "any-password").status_code == 401
