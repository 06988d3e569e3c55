"""POST /activities/batch: a sheet of activities of one centre, all or none, in one request and one transaction."""

from __future__ import annotations

from conftest import COIN, activity_body, new_resident
from sqlalchemy import func, select

from backend.store.models import Activity


def sheet(backend, n: int, **overrides) -> list[dict]:
    items = []
    for _ in range(n):
        item = activity_body(new_resident(backend), units=60)
        item.update(overrides)
        items.append(item)
    return items


def count(backend) -> int:
    with backend.sessions() as s:
        return s.scalar(select(func.count()).select_from(Activity))


def test_a_sheet_is_recorded_approved_and_confirmed(backend, coord1):
    items = sheet(backend, 50)
    supply = backend.chain.coin.functions.totalSupply().call()
    r = backend.http.post("/activities/batch", json={"activities": items, "approve": True}, headers=coord1)
    assert r.status_code == 201, r.text
    out = r.json()
    assert len(out) == 50 and {a["status"] for a in out} == {"approved"}
    assert len({a["chain_id"] for a in out}) == 50
    backend.drain()
    assert backend.chain.coin.functions.totalSupply().call() - supply == 50 * 3 * COIN
    for item in items:
        assert backend.chain.coin.functions.balanceOf(item["volunteer"]).call() == 3 * COIN


def test_one_bad_line_refuses_the_sheet(backend, coord1):
    before = count(backend)
    items = sheet(backend, 5)
    items[3]["units"] = 481
    r = backend.http.post("/activities/batch", json={"activities": items, "approve": True}, headers=coord1)
    assert r.status_code == 422 and r.json()["detail"].startswith("activities[3]: units must be from 1 to 480")
    items[3]["units"] = 0
    r = backend.http.post("/activities/batch", json={"activities": items}, headers=coord1)
    assert r.status_code == 422 and "activities.3.units: Input should be greater than 0" in r.json()["detail"]
    items[3]["units"], items[2]["volunteer"] = 60, "0x12"
    r = backend.http.post("/activities/batch", json={"activities": items}, headers=coord1)
    assert r.status_code == 422 and r.json()["detail"].startswith("activities[2]: volunteer: '0x12' is not an address")
    assert count(backend) == before


def test_mixed_centres_empty_and_oversized_sheets(backend, coord1):
    before = count(backend)
    items = sheet(backend, 2)
    items[1]["centre_id"] = 2
    r = backend.http.post("/activities/batch", json={"activities": items}, headers=coord1)
    assert r.status_code == 422 and "one sheet is for one centre" in r.json()["detail"]
    assert backend.http.post("/activities/batch", json={"activities": []}, headers=coord1).status_code == 422
    big = sheet(backend, 1) * 501
    r = backend.http.post("/activities/batch", json={"activities": big}, headers=coord1)
    assert r.status_code == 422 and "at most 500" in r.json()["detail"]
    r = backend.http.post("/activities/batch", json={"activities": sheet(backend, 2, centre_id=2)}, headers=coord1)
    assert r.status_code == 403
    assert count(backend) == before


def test_the_cap_is_checked_for_the_sheets_sum(backend, coord2):
    registry, admin = backend.chain.registry.functions, backend.node.web3.eth.accounts[0]
    _, _, _, period, _ = registry.centre(2).call()
    wait = backend.node.web3.eth.wait_for_transaction_receipt
    backend.drain()
    # What the centre has issued in the current period: the cap minus what remains (issuedInPeriod itself is stale
    # once an earlier test has moved the chain's clock into a new period).
    used = registry.centre(2).call()[0] - backend.chain.remaining_cap(2)
    wait(registry.setCentreCap(2, used + 10 * COIN, period).transact({"from": admin}))
    backend.chain._caps.clear()
    try:
        before = count(backend)
        r = backend.http.post("/activities/batch", json={"activities": sheet(backend, 4, centre_id=2), "approve": True},
                              headers=coord2)  # 12 coins > 10 left
        assert r.status_code == 409 and r.json()["error"] == "over_centre_cap" and "needs 12 coins" in r.json()["detail"]
        assert count(backend) == before
    finally:
        wait(registry.setCentreCap(2, 20_000 * COIN, period).transact({"from": admin}))
        backend.chain._caps.clear()
