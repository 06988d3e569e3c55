"""Concurrent single POSTs are written together (api/recorder.py): each must still be answered with its own result,
refused on its own, and counted once — including against the centre's cap, which a group must not overshoot."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
from conftest import COIN, activity_body, new_resident
from sqlalchemy import func, select

from backend.store.models import Activity, ActivityAudit, IdempotencyRecord, OutboxItem, Resident


def _post_all(backend, headers: dict, requests: list[tuple[dict, dict]]) -> list[httpx.Response]:
    """All at once, each on its own connection, so the API sees them together."""
    def post(req):
        body, extra = req
        with httpx.Client(base_url=backend.url, timeout=60) as c:
            return c.post("/activities", json=body, headers={**headers, **extra})

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(post, requests))


def _count(backend, model, *where) -> int:
    with backend.sessions() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_concurrent_posts_each_get_their_own_result(backend, coord1):
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    requests = []
    for i in range(40):
        volunteer = new_resident(backend)
        if i % 10 == 3:
            body = activity_body(volunteer, category=999, approve=True)  # no rule: refused alone
        elif i % 10 == 7:
            body = activity_body(volunteer, occurred_at=future, approve=True)  # in the future: refused alone
        else:
            body = activity_body(volunteer, units=60 + i, approve=i % 2 == 0)
        requests.append((body, {}))
    outbox_before = _count(backend, OutboxItem)
    results = _post_all(backend, coord1, requests)

    accepted = []
    for (body, _), r in zip(requests, results, strict=True):
        if body["category"] == 999:
            assert r.status_code == 422 and r.json()["error"] == "unknown_category", r.text
        elif body["occurred_at"] == future:
            assert r.status_code == 422 and r.json()["error"] == "in_future", r.text
        else:
            assert r.status_code == 201, r.text
            out = r.json()
            # the answer is this request's activity, not a neighbour's in the same group
            assert (out["volunteer"], out["units"]) == (body["volunteer"], body["units"])
            assert out["status"] == ("approved" if body["approve"] else "recorded")
            accepted.append((body, out))
    assert len(accepted) == 32 and len({out["id"] for _, out in accepted}) == 32
    refused = [b["volunteer"] for b, _ in requests if b["category"] == 999 or b["occurred_at"] == future]
    assert _count(backend, Activity, Activity.resident.has(Resident.address.in_(refused))) == 0
    approved = [out for body, out in accepted if body["approve"]]
    assert _count(backend, OutboxItem) == outbox_before + len(approved)
    for _, out in accepted:  # every accepted one audited as recorded (and approved when it was)
        actions = {a for (a,) in backend.sessions().execute(
            select(ActivityAudit.action).where(ActivityAudit.activity_id == out["id"]))}
        assert actions == ({"recorded", "approved"} if out["status"] == "approved" else {"recorded"})

    backend.drain()
    coin = backend.chain.coin.functions
    for body, out in accepted:
        expected = backend.chain.registry.functions.rewardFor(1, body["units"]).call() if body["approve"] else 0
        assert coin.balanceOf(body["volunteer"]).call() == expected and (out["reward"] or "0") == str(expected)
    serials = [backend.activity(out["id"]).serial for out in approved]
    assert len(set(serials)) == len(serials)


def test_one_key_with_different_bodies_at_once(backend, coord1):
    key = str(uuid.uuid4())
    volunteer = new_resident(backend)
    bodies = [activity_body(volunteer, units=60 if i % 2 == 0 else 120, approve=True) for i in range(16)]
    results = _post_all(backend, coord1, [(b, {"Idempotency-Key": key}) for b in bodies])
    created = [(b, r) for b, r in zip(bodies, results, strict=True) if r.status_code == 201]
    conflicts = [r for r in results if r.status_code == 409]
    assert len(created) + len(conflicts) == 16, [r.text for r in results]
    assert all(r.json()["error"] == "idempotency_key_reused" for r in conflicts)
    # one effect: every 201 is the same activity, and its body is the one that won
    assert len({r.json()["id"] for _, r in created}) == 1
    winner = {b["units"] for b, _ in created}
    assert len(winner) == 1 and created[0][1].json()["units"] in winner
    assert _count(backend, IdempotencyRecord, IdempotencyRecord.key == key) == 1
    backend.drain()
    assert backend.chain.coin.functions.balanceOf(volunteer).call() == (winner.pop() // 60) * 3 * COIN


def test_a_group_does_not_overshoot_the_centres_cap(backend, coord2):
    registry, admin = backend.chain.registry.functions, backend.node.web3.eth.accounts[0]
    _, _, _, period, _ = registry.centre(2).call()
    wait = backend.node.web3.eth.wait_for_transaction_receipt
    backend.drain()
    # The chain is shared with other modules (whose tests also move its clock on): leave room for 4 in the current
    # period, counting what was issued in it rather than the stored figure of a period that may have passed.
    cap, _, _, _, _ = registry.centre(2).call()
    issued = cap - registry.remainingCap(2).call()
    wait(registry.setCentreCap(2, issued + 100 * COIN, period).transact({"from": admin}))
    backend.chain._caps.clear()
    try:
        remaining = backend.chain.remaining_cap(2)
        per = 24 * COIN  # 480 minutes
        room = remaining // per
        bodies = [activity_body(new_resident(backend), centre_id=2, units=480, approve=True) for _ in range(room + 6)]
        results = _post_all(backend, coord2, [(b, {}) for b in bodies])
        ok = [r for r in results if r.status_code == 201]
        over = [r for r in results if r.status_code == 409]
        assert room == 4 and len(ok) == room and len(over) == 6, [r.status_code for r in results]
        assert all(r.json()["error"] == "over_centre_cap" for r in over)
        backend.drain()
        assert backend.chain.remaining_cap(2) == remaining - room * per
        for body, r in zip(bodies, results, strict=True):
            assert backend.chain.coin.functions.balanceOf(body["volunteer"]).call() == (
                per if r.status_code == 201 else 0)
    finally:
        wait(registry.setCentreCap(2, 20_000 * COIN, period).transact({"from": admin}))
