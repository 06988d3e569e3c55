"""Numbers too large for what holds them are bad input, refused with 422 and a bilingual message, never a 500: every
id in a path or a query (the database's columns hold ids up to 2^31 - 1, offer ids up to 2^63 - 1), ids in bodies,
and coin amounts (the chain's uint256: below 2^256). Every route of the app with an integer in its path is called
with 2^63 and 10^80, signed in with a role allowed there so the check is reached. Under those types, a number that
still reaches the database or the chain's encoder too large is refused the same way (the app's safety net).
Real chain, real database (SQLite, or PostgreSQL with VB_TEST_DATABASE_URL), the real app over HTTP."""

from __future__ import annotations

import uuid

import httpx
import pytest
from conftest import activity_body, new_resident, serve
from eth_abi import encode
from residents_helpers import new_wallet, sign_in
from sqlalchemy import text
from test_custody import card_token, register, session_headers

from backend.api.app import create_app
from backend.domain.bounds import BIGINT_MAX, ROW_ID_MAX

HUGE = (2**63, 10**80)
ADDRESS = "0x" + "11" * 20
BAD_AMOUNTS = (str(2**256), "9" * 78)  # 78 digits pass the pattern; from 2^256 on they do not fit uint256


@pytest.fixture(scope="module")
def tokens(backend, admin_headers, coord1) -> dict[str, dict]:
    """A sign-in of every kind the app knows: staff of each role, a resident's wallet, a member card's session."""
    member = register(backend, coord1)
    return {"admin": admin_headers, "coordinator": coord1, "welfare_officer": backend.login("officer1"),
            "provider": backend.login("gym"), "resident": sign_in(backend, new_wallet()),
            "card": session_headers(backend, card_token(backend, coord1, member["id"]))}


def integer_paths(backend) -> list[tuple[str, str, str, int | None]]:
    """(method, path, parameter, its declared maximum) of every integer in a route's path, read from the app's own
    description of its routes (every API route; only the web pages' are left out of it)."""
    found = []
    for path, operations in backend.http.get("/openapi.json").json()["paths"].items():
        for method, op in operations.items():
            for p in op.get("parameters", []):
                if p["in"] == "path" and p["schema"].get("type") == "integer":
                    found.append((method.upper(), path, p["name"], p["schema"].get("maximum")))
    return found


def call(backend, tokens, method: str, path: str, params: dict | None = None):
    """The answer to the first sign-in the route lets through (not 401 or 403), and whose it was."""
    for role, headers in tokens.items():
        r = backend.http.request(method, path, params=params,
                                 headers={**headers, "Idempotency-Key": uuid.uuid4().hex, "Accept-Language": "ko"})
        if r.status_code not in (401, 403):
            return role, r
    return None, r


def fill(path: str, name: str, value: int) -> str:
    """The path with `name` set to `value`, its other integers 1 and an address where one is asked for."""
    out = path.replace("{" + name + "}", str(value)).replace("{address}", ADDRESS)
    while "{" in out:
        start = out.index("{")
        out = out[:start] + "1" + out[out.index("}", start) + 1:]
    return out


def is_id(name: str) -> bool:
    return name == "id" or name.endswith("_id")


def test_every_id_in_a_path_is_bounded_by_what_holds_it(backend):
    """The app's description says the bound of each: no id in a path is an unbounded integer."""
    ids = [(m, p, n, most) for m, p, n, most in integer_paths(backend) if is_id(n)]
    assert len(ids) >= 85, len(ids)
    unbounded = [(m, p, n) for m, p, n, most in ids if most is None or most > BIGINT_MAX << 32 | 0xFFFFFFFF]
    assert not unbounded, unbounded
    assert {most for _, _, n, most in ids if n not in ("offer_id", "voucher_id")} == {ROW_ID_MAX}


@pytest.mark.parametrize("value", HUGE, ids=["2^63", "10^80"])
def test_every_route_refuses_a_huge_id_in_its_path_with_422(backend, tokens, value):
    reached, wrong, unreached = [], [], []
    for method, path, name, most in integer_paths(backend):
        role, r = call(backend, tokens, method, fill(path, name, value))
        if role is None:
            unreached.append((method, path))
            continue
        reached.append((method, path, name))
        if r.status_code >= 500:
            wrong.append((method, path, name, role, r.status_code, r.text[:200]))
        elif is_id(name) and (most is None or value > most):
            # Refused where it is read: a problem at the path's parameter, said in Korean (asked for).
            problems = r.json().get("problems", []) if r.status_code == 422 else []
            if r.json().get("error") != "invalid_request" or not any(
                    p["loc"] == ["path", name] for p in problems) or "이하여야 합니다" not in r.json()["detail"]:
                wrong.append((method, path, name, role, r.status_code, r.text[:200]))
        elif r.status_code not in (404, 409, 422):
            wrong.append((method, path, name, role, r.status_code, r.text[:200]))
    assert not wrong, wrong
    # The walk cannot silently test nothing: every route with an integer in its path was reached by a sign-in.
    assert not unreached, unreached
    assert len(reached) >= 90, len(reached)


@pytest.mark.parametrize("value", HUGE, ids=["2^63", "10^80"])
def test_huge_paging_and_filter_ids_in_a_query_are_refused_with_422(backend, tokens, value):
    queried = []
    for path, operations in backend.http.get("/openapi.json").json()["paths"].items():
        for method, op in operations.items():
            for p in op.get("parameters", []):
                if p["in"] != "query" or not is_id(p["name"]) or "{" in path:
                    continue
                role, r = call(backend, tokens, method.upper(), path, params={p["name"]: value})
                assert role is not None, (method, path)
                assert r.status_code == 422, (path, p["name"], r.text)
                assert any(q["loc"] == ["query", p["name"]] for q in r.json()["problems"]), r.text
                queried.append((path, p["name"]))
    assert {("/activities", "after_id"), ("/activities", "before_id"), ("/residents", "after_id"),
            ("/admin/audit", "after_id"), ("/needs", "after_id"), ("/me/history", "after_id")} <= set(queried)
    assert len(queried) >= 12, queried


def test_the_largest_id_there_can_be_is_read_as_the_latest(backend, coord1):
    """2^31 - 1, the largest id a row can have: the console's queue asks for the newest below it."""
    r = backend.http.get("/activities", params={"before_id": ROW_ID_MAX, "limit": 1}, headers=coord1)
    assert r.status_code == 200, r.text
    refused = backend.http.get("/activities", params={"before_id": ROW_ID_MAX + 1}, headers=coord1)
    assert refused.status_code == 422, refused.text


@pytest.mark.parametrize("value", HUGE, ids=["2^63", "10^80"])
def test_huge_ids_in_bodies_are_refused_with_422(backend, admin_headers, coord1, tokens, value):
    answers = {
        "PATCH /staff": backend.http.patch(f"/staff/{2**70}", json={"active": False}, headers=admin_headers),
        "POST /activities centre_id": backend.http.post(
            "/activities", json=activity_body(new_resident(backend), centre_id=value), headers=coord1),
        "POST /me/redeem offer_id": backend.http.post("/me/redeem", json={
            "offer_id": value, "max_price": "1", "nonce": 0, "deadline": 1, "signature": "0x" + "11" * 65},
            headers=tokens["resident"]),
        "POST /card/redeem offer_id": backend.http.post("/card/redeem", json={"offer_id": value},
                                                        headers={**tokens["card"], "Idempotency-Key": uuid.uuid4().hex}),
        "POST /community-rewards resident_id": backend.http.post("/community-rewards", json={
            "resident_id": value, "points": 1, "reason": "청소"}, headers={**coord1, "Idempotency-Key": uuid.uuid4().hex}),
    }
    for what, r in answers.items():
        assert r.status_code == 422 and r.json()["error"] == "invalid_request", (what, r.text)
        assert "less than or equal to" in r.json()["detail"], (what, r.text)


@pytest.mark.parametrize("route", ["pay", "donate", "redeem"])
@pytest.mark.parametrize("amount", BAD_AMOUNTS, ids=["2^256", "78 nines"])
def test_an_amount_from_2_to_the_256_on_is_refused_with_422_in_both_languages(backend, tokens, route, amount):
    common = {"nonce": 0, "deadline": backend.chain_time() + 3600, "signature": "0x" + "11" * 65}
    body = {"pay": {"payee": ADDRESS, "amount": amount, "request_ref": "0x" + "00" * 32, **common},
            "donate": {"charity": ADDRESS, "amount": amount, **common},
            "redeem": {"offer_id": 1, "max_price": amount, **common}}[route]
    field = "max_price" if route == "redeem" else "amount"
    for language, said in (("ko", "2^256보다 작아야 합니다"), ("en", "less than 2^256")):
        r = backend.http.post(f"/me/{route}", json=body, headers={**tokens["resident"], "Accept-Language": language})
        assert r.status_code == 422, r.text
        assert r.json()["error"] == "invalid_request" and said in r.json()["detail"], r.text
        assert r.headers["Content-Language"] == language
        assert [p["loc"] for p in r.json()["problems"]] == [["body", field]], r.text


def test_the_largest_uint256_is_not_refused_as_too_large(backend, tokens):
    """2^256 - 1 fits: the request goes on to its own checks (here, the signature's), not a bound of ours."""
    r = backend.http.post("/me/pay", json={"payee": ADDRESS, "amount": str(2**256 - 1), "request_ref": "0x" + "00" * 32,
                                           "nonce": 0, "deadline": backend.chain_time() + 3600,
                                           "signature": "0x" + "11" * 65}, headers=tokens["resident"])
    assert r.status_code < 500, r.text
    assert not any(p["loc"] == ["body", "amount"] for p in r.json().get("problems", [])), r.text


# ---------------------------------------------------------------------------------- the safety net under the types


@pytest.fixture(scope="module")
def net(backend):
    """The real app (its handlers and database) with three routes that hand a number too large past the API's types
    to the database and to the chain's encoder, as a route forgetting its type would."""
    app = create_app(backend.settings, chain=backend.chain)

    def database(value: str) -> dict:
        with app.state.sessions() as s:  # SQLite: OverflowError; PostgreSQL: numeric_value_out_of_range
            return {"rows": len(s.execute(text("SELECT id FROM residents WHERE id = CAST(:v AS INTEGER)"),
                                          {"v": int(value)}).all())}

    def chain(value: str) -> dict:
        return {"data": encode(["uint256"], [int(value)]).hex()}

    def other_data_error() -> dict:
        with app.state.sessions() as s:  # a data error that is no number's: stays a fault of ours
            s.execute(text("SELECT CAST('not a date' AS DATE) + 1")).all()
        return {}

    app.add_api_route("/test/database/{value}", database)
    app.add_api_route("/test/chain/{value}", chain)
    app.add_api_route("/test/other", other_data_error)
    url, stop = serve(app)
    with httpx.Client(base_url=url, timeout=60) as client:
        client.database_url = backend.settings.database_url
        yield client
    stop()


@pytest.mark.parametrize("where,value", [("database", 2**63), ("database", 2**40), ("chain", 2**256)])
def test_a_number_too_large_past_the_types_is_refused_not_a_500(net, where, value):
    if where == "database" and value == 2**40 and "sqlite" in net.database_url:
        pytest.skip("SQLite's integers hold 2^40: only PostgreSQL's INTEGER overflows there")
    for language, said in (("ko", "숫자가 너무 큽니다"), ("en", "too large")):
        r = net.get(f"/test/{where}/{value}", headers={"Accept-Language": language})
        assert r.status_code == 422, r.text
        assert r.json()["error"] == "number_out_of_range" and said in r.json()["detail"], r.text


def test_a_data_error_that_is_no_number_stays_a_fault(net):
    if "sqlite" in net.database_url:
        pytest.skip("SQLite casts anything; PostgreSQL's invalid date is a data error of another kind")
    assert net.get("/test/other").status_code == 500
