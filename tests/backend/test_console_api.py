"""What the staff console reads besides residents and sheets: the categories with the rule in force, an activity's
preview (what it earns, what would refuse it, nothing saved), the approval queue's filters, and another centre's
activity refused for every decision. Against the real chain, app and database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from conftest import COIN, activity_body, new_resident
from sqlalchemy import func, select

from backend.store.models import Activity, OutboxItem


def counts(backend) -> tuple[int, int]:
    with backend.sessions() as s:
        return s.scalar(select(func.count()).select_from(Activity)), s.scalar(select(func.count()).select_from(OutboxItem))


# ------------------------------------------------------------------------------------------ categories


def test_categories_are_public_with_names_and_the_rule_in_force(backend):
    r = backend.http.get("/categories")
    assert r.status_code == 200
    volunteering = next(c for c in r.json() if c["id"] == 1)
    rule = backend.chain.registry.functions.categoryRule(1).call()
    assert volunteering == {"id": 1, "key": "volunteering", "name": "Volunteering", "name_ko": "자원봉사",
                            "unit": "minute", "coins_per_block": str(rule[0]), "units_per_block": rule[1],
                            "max_units": rule[2], "active": rule[4], "rule_version": rule[3]}


def test_a_new_rule_shows_in_the_next_block(backend):
    registry, admin = backend.chain.registry.functions, backend.node.web3.eth.accounts[0]
    coins, units, most, version, active = registry.categoryRule(3).call()
    wait = backend.node.web3.eth.wait_for_transaction_receipt
    wait(registry.setCategoryRule(3, coins, units, most + 1, active).transact({"from": admin}))
    try:
        entry = next(c for c in backend.http.get("/categories").json() if c["id"] == 3)
        assert entry["max_units"] == most + 1 and entry["rule_version"] == version + 1
    finally:
        wait(registry.setCategoryRule(3, coins, units, most, active).transact({"from": admin}))


# ------------------------------------------------------------------------------------------ preview


def test_preview_says_what_an_activity_earns_and_saves_nothing(backend, coord1):
    before = counts(backend)
    r = backend.http.post("/activities/preview", json=activity_body(new_resident(backend), units=120), headers=coord1)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["reward"] == str(6 * COIN) and answer["coins"] == "6" and answer["ok"] is True
    assert answer["problems"] == [] and int(answer["cap"]["available"]) > 0
    assert counts(backend) == before


def test_preview_gives_fractional_coins_as_a_decimal_string(backend, coord1):
    answer = backend.http.post("/activities/preview", json=activity_body(new_resident(backend), units=61),
                               headers=coord1).json()
    assert answer["coins"] == "3.05"


@pytest.mark.parametrize("overrides,code", [
    ({"units": 481}, "invalid_units"),
    ({"category": 77}, "unknown_category"),
    ({"occurred_at": "2099-01-01T00:00:00+09:00"}, "in_future"),
    ({"volunteer": "0x1234"}, "invalid_address"),
])
def test_preview_names_what_would_refuse_it_in_korean(backend, coord1, overrides, code):
    before = counts(backend)
    body = {**activity_body(new_resident(backend)), **overrides}
    r = backend.http.post("/activities/preview", json=body, headers={**coord1, "Accept-Language": "ko"})
    assert r.status_code == 200, r.text
    assert r.json()["ok"] is False and [p["code"] for p in r.json()["problems"]] == [code]
    assert any("\uac00" <= ch <= "\ud7a3" for ch in r.json()["problems"][0]["message"])
    assert counts(backend) == before


def test_preview_over_the_centres_cap(backend, coord2):
    registry, admin = backend.chain.registry.functions, backend.node.web3.eth.accounts[0]
    _, _, _, period, _ = registry.centre(2).call()
    wait = backend.node.web3.eth.wait_for_transaction_receipt
    wait(registry.setCentreCap(2, 5 * COIN, period).transact({"from": admin}))
    backend.chain._caps.clear()
    try:
        body = activity_body(new_resident(backend), centre_id=2, units=480)
        answer = backend.http.post("/activities/preview", json=body, headers=coord2).json()
        assert [p["code"] for p in answer["problems"]] == ["over_centre_cap"]
        assert "this activity needs 24 coins" in answer["problems"][0]["message"]
    finally:
        wait(registry.setCentreCap(2, 20_000 * COIN, period).transact({"from": admin}))
        backend.chain._caps.clear()


def test_preview_warns_when_the_volunteer_has_that_category_the_same_day(backend, coord1):
    volunteer = new_resident(backend)
    assert backend.http.post("/activities", json=activity_body(volunteer), headers=coord1).status_code == 201
    answer = backend.http.post("/activities/preview", json=activity_body(volunteer), headers=coord1).json()
    assert answer["ok"] is True and [w["code"] for w in answer["warnings"]] == ["already_recorded_that_day"]


def test_preview_for_another_centre_is_refused(backend, coord1):
    r = backend.http.post("/activities/preview", json=activity_body(new_resident(backend), centre_id=2), headers=coord1)
    assert r.status_code == 403 and r.json()["error"] == "forbidden"


# ------------------------------------------------------------------------------------------ the approval queue


def test_the_queue_lists_the_centres_self_reports_waiting(backend, coord1, coord2):
    waiting = backend.http.post("/activities", json=activity_body(new_resident(backend), source="self_report"),
                                headers=coord1).json()["id"]
    recorded = backend.http.post("/activities", json=activity_body(new_resident(backend)), headers=coord1).json()["id"]
    theirs = backend.http.post("/activities", json=activity_body(new_resident(backend), centre_id=2,
                                                                  source="self_report"), headers=coord2).json()["id"]
    r = backend.http.get("/activities", params={"status": "pending_review", "source": "self_report"}, headers=coord1)
    ids = [a["id"] for a in r.json()]
    assert waiting in ids and recorded not in ids and theirs not in ids
    assert all(a["status"] == "pending_review" and a["source"] == "self_report" for a in r.json())


def test_the_queue_takes_several_statuses(backend, coord1):
    waiting = backend.http.post("/activities", json=activity_body(new_resident(backend), source="self_report"),
                                headers=coord1).json()["id"]
    recorded = backend.http.post("/activities", json=activity_body(new_resident(backend)), headers=coord1).json()["id"]
    r = backend.http.get("/activities", params=[("status", "pending_review"), ("status", "recorded"),
                                                 ("after_id", waiting - 1)], headers=coord1)
    assert {waiting, recorded} <= {a["id"] for a in r.json()}
    assert {a["status"] for a in r.json()} <= {"pending_review", "recorded"}


def test_an_unknown_status_or_source_is_refused(backend, coord1):
    for params in ({"status": "lost"}, {"source": "rumour"}):
        r = backend.http.get("/activities", params=params, headers={**coord1, "Accept-Language": "ko"})
        assert r.status_code == 422 and r.json()["error"] == "invalid_request", r.text


def test_the_queue_of_another_centre_is_refused(backend, coord1):
    r = backend.http.get("/activities", params={"centre_id": 2, "status": "pending_review"}, headers=coord1)
    assert r.status_code == 403 and r.json()["error"] == "forbidden"


@pytest.mark.parametrize("method,path,body", [
    ("post", "approve", None),
    ("post", "reject", {"reason": "not ours"}),
    ("post", "revoke", {"reason": "not ours"}),
    ("patch", "", {"units": 60, "reason": "not ours"}),
    ("get", "audit", None),
])
def test_another_centres_activity_cannot_be_decided(backend, coord1, coord2, method, path, body):
    aid = backend.http.post("/activities", json=activity_body(new_resident(backend)), headers=coord1).json()["id"]
    before = counts(backend)
    url = f"/activities/{aid}/{path}".rstrip("/")
    r = backend.http.request(method.upper(), url, json=body, headers=coord2)
    assert r.status_code == 403 and "you act for centre 2, not centre 1" in r.json()["detail"]
    assert backend.activity(aid).status == "recorded" and backend.activity(aid).units == 120
    assert counts(backend) == before


def test_a_confirmed_activity_of_another_centre_cannot_be_revoked(backend, coord1, coord2):
    aid = backend.http.post("/activities", json=activity_body(new_resident(backend), approve=True),
                            headers=coord1).json()["id"]
    backend.drain()
    r = backend.http.post(f"/activities/{aid}/revoke", json={"reason": "not ours"}, headers=coord2)
    assert r.status_code == 403 and backend.activity(aid).status == "confirmed"


def test_the_queue_lists_the_latest_first_with_before_id(backend, coord1):
    """The console shows the most recent confirmed activities: `before_id` pages newest first (2^31 - 1, the largest
    id there can be: the latest)."""
    from conftest import activity_body, new_resident

    ids = []
    for _ in range(3):
        r = backend.http.post("/activities", json=activity_body(new_resident(backend)), headers=coord1)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    latest = backend.http.get("/activities", params={"before_id": 2**31 - 1, "limit": 2}, headers=coord1).json()
    assert [a["id"] for a in latest] == [ids[2], ids[1]]
    older = backend.http.get("/activities", params={"before_id": ids[1], "limit": 1}, headers=coord1).json()
    assert [a["id"] for a in older] == [ids[0]]
