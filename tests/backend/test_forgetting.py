"""A resident's request to be forgotten, against the real chain, app and database: their row deleted, every link
from their records to the chain cut, stored answers that named them stripped, and what the city's accounts need
kept under one pool row — checked by scanning every table of the database for what identified them."""

from __future__ import annotations

import uuid

import pytest
from conftest import activity_body
from residents_helpers import new_wallet, sign_in
from sqlalchemy import String, Text, select
from sqlalchemy.types import JSON

from backend.store.models import Activity, ActivityAudit, Base, OutboxItem, Resident

# Copies of the chain (public anyway): they hold wallet addresses and transactions, never a person's details.
CHAIN_MIRRORS = {"chain_events", "chain_txs", "tx_attempts", "chain_ops", "balances", "indexed_blocks",
                 "voucher_codes", "indexed_offers"}


def everywhere(backend, needles: list[str]) -> list[tuple[str, str]]:
    """(table, column) of every text or JSON cell, outside the chain's copies, that contains one of `needles`."""
    found = []
    with backend.sessions() as s:
        for name, table in Base.metadata.tables.items():
            if name in CHAIN_MIRRORS:
                continue
            columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
            for row in s.execute(select(*columns)) if columns else []:
                for column, value in zip(columns, row, strict=True):
                    text = str(value).lower() if value is not None else ""
                    found += [(name, column.name) for n in needles if n.lower() in text]
    return found


@pytest.fixture
def resident(backend, coord1, admin_headers) -> dict:
    """A registered resident with a wallet and an activity on-chain whose record names a place."""
    tag = uuid.uuid4().hex[:6]
    wallet = new_wallet()
    r = backend.http.post("/residents", json={"name": f"잊힐 주민 {tag}", "phone": f"010-4{tag[:3]}-{tag[3:]}",
                                              "email": f"forget-{tag}@example.org", "address": wallet.address,
                                              "consent_terms_version": "2026-03"}, headers=coord1)
    assert r.status_code == 201, r.text
    body = activity_body(wallet.address, approve=True, place=f"반포동 {tag} 경로당", description=f"도시락 배달 {tag}")
    a = backend.http.post("/activities", json=body, headers={**coord1, "Idempotency-Key": f"forget-{tag}"})
    assert a.status_code == 201, a.text
    backend.drain()
    activity = backend.activity(a.json()["id"])
    assert activity.status == "confirmed"
    # Their own words, through a request the API keeps the answer of (Idempotency-Key).
    assert backend.http.put("/areas/seocho-banpo1", json={"name": "반포1동", "lat": 37.5045, "lon": 127.0050},
                            headers=admin_headers).status_code == 200
    talent = backend.http.post("/talents", json={"title": f"김치 담그기 {tag}", "area": "seocho-banpo1",
                                                 "availability": ["sat"]},
                               headers={**sign_in(backend, wallet), "Idempotency-Key": f"talent-{tag}"})
    assert talent.status_code == 201, talent.text
    return {**r.json(), "tag": tag, "activity_id": activity.id, "chain_id": activity.chain_id_hex,
            "tx_hash": activity.tx_hash, "body": body, "key": f"forget-{tag}"}


def forget(backend, headers, resident_id: int, reason: str = "본인이 서면으로 요청함"):
    return backend.http.post(f"/residents/{resident_id}/forget", json={"reason": reason},
                             headers={**headers, "Idempotency-Key": uuid.uuid4().hex})


def test_nothing_here_identifies_a_forgotten_resident_or_links_their_records_to_the_chain(backend, coord1, resident):
    needles = [resident["name"], resident["phone"], resident["email"], resident["address"], resident["member_number"],
               resident["chain_id"], resident["tx_hash"], f"반포동 {resident['tag']}", f"김치 담그기 {resident['tag']}"]
    assert everywhere(backend, needles)  # the probe finds them before

    r = forget(backend, coord1, resident["id"])
    assert r.status_code == 200 and r.json()["forgotten"] is True and r.json()["activities"] == 1, r.text
    assert everywhere(backend, needles) == []
    assert backend.http.get(f"/residents/{resident['id']}", headers=coord1).status_code == 404


def test_the_city_keeps_the_activity_aggregated_without_its_link(backend, coord1, resident):
    forget(backend, coord1, resident["id"])
    with backend.sessions() as s:
        a = s.get(Activity, resident["activity_id"])
        pool = s.get(Resident, a.resident_id)
        assert pool.forgotten_pool and pool.name is None and pool.address is None
        assert (a.salt, a.chain_id_hex, a.evidence_hash, a.serial, a.tx_hash, a.block_number, a.place) == (None,) * 7
        assert (a.category, a.units, a.status, a.reward) == (1, 120, "confirmed", str(6 * 10**18))
        assert a.occurred_at.day == 1 and a.occurred_at.hour == 0
        assert s.scalars(select(OutboxItem).where(OutboxItem.activity_id == a.id)).all() == []
        assert all(x.before is None and x.after is None for x in
                   s.scalars(select(ActivityAudit).where(ActivityAudit.activity_id == a.id)))


def test_a_replayed_request_that_named_them_is_not_applied_again_and_says_nothing(backend, coord1, resident):
    forget(backend, coord1, resident["id"])
    with backend.sessions() as s:
        before = len(s.scalars(select(Activity.id)).all())
    replay = backend.http.post("/activities", json=resident["body"], headers={**coord1, "Idempotency-Key": resident["key"]})
    assert replay.status_code == 201 and replay.json().get("erased") is True
    assert resident["address"].lower() not in replay.text.lower()
    with backend.sessions() as s:
        assert len(s.scalars(select(Activity.id)).all()) == before


def test_the_pool_is_never_listed_as_a_resident(backend, coord1, admin_headers, resident):
    forget(backend, coord1, resident["id"])
    for headers in (coord1, admin_headers):
        listed = backend.http.get("/residents", params={"limit": 50}, headers=headers).json()
        assert all(r["name"] or r["address"] or r["member_number"] for r in listed)


def test_a_resident_with_an_activity_on_its_way_is_not_forgotten_yet(backend, coord1):
    wallet = new_wallet()
    r = backend.http.post("/residents", json={"name": "대기 중 주민", "address": wallet.address,
                                              "consent_terms_version": "2026-03"}, headers=coord1)
    backend.http.post("/activities", json=activity_body(wallet.address, approve=True), headers=coord1)
    refused = forget(backend, {**coord1, "Accept-Language": "ko"}, r.json()["id"])
    assert refused.status_code == 409 and refused.json()["error"] == "resident_in_flight"
    assert "블록체인에 기록되는 중" in refused.json()["detail"]
    backend.drain()
    assert forget(backend, coord1, r.json()["id"]).status_code == 200


def test_another_centres_coordinator_cannot_forget_our_resident(backend, coord2, resident):
    r = forget(backend, coord2, resident["id"])
    assert r.status_code == 404
    assert backend.http.get(f"/residents/{resident['id']}", headers=backend.login("coord1")).status_code == 200


def test_forgetting_is_in_the_citys_audit_log_without_the_person(backend, coord1, admin_headers, resident):
    forget(backend, coord1, resident["id"], reason="민원 2026-12-01 접수")
    rows = backend.http.get("/admin/audit", params={"action": "forget_resident"}, headers=admin_headers).json()
    row = next(x for x in rows if x["params"]["resident_id"] == resident["id"])
    assert row["actor"] == "coord1" and resident["name"] not in str(row)


def test_erase_link_cuts_the_record_from_the_chain(backend, coord1, admin_headers, resident):
    r = backend.http.post(f"/activities/{resident['activity_id']}/erase-link", json={"reason": "요청"},
                          headers=admin_headers)
    assert r.status_code == 200, r.text
    assert everywhere(backend, [resident["chain_id"], resident["tx_hash"]]) == []
    assert backend.http.get(f"/residents/{resident['id']}", headers=coord1).status_code == 200  # the person stays
