"""Exactly once through the API: Idempotency-Key, concurrent duplicate approvals, and no personal data on-chain."""

from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
from conftest import COIN, activity_body, new_resident
from sqlalchemy import func, select

from backend.domain.activities import PERSONAL_DATA
from backend.store.models import Activity, OutboxItem


def test_same_idempotency_key_twice_gives_the_first_result(backend, coord1):
    key = str(uuid.uuid4())
    body = activity_body(new_resident(backend), approve=True)
    first = backend.http.post("/activities", json=body, headers={**coord1, "Idempotency-Key": key})
    second = backend.http.post("/activities", json=body, headers={**coord1, "Idempotency-Key": key})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json() and second.headers.get("Idempotent-Replayed") == "true"
    with backend.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Activity).where(Activity.resident.has(address=body["volunteer"]))) == 1

    other = dict(body, units=60)
    r = backend.http.post("/activities", json=other, headers={**coord1, "Idempotency-Key": key})
    assert r.status_code == 409 and "used with another request" in r.json()["detail"]
    backend.drain()
    assert backend.chain.coin.functions.balanceOf(body["volunteer"]).call() == 6 * COIN


def test_concurrent_duplicates_with_one_key(backend, coord1):
    key = str(uuid.uuid4())
    body = activity_body(new_resident(backend), approve=True)

    def post(_):
        with httpx.Client(base_url=backend.url, timeout=60) as c:
            return c.post("/activities", json=body, headers={**coord1, "Idempotency-Key": key})

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(post, range(20)))
    assert {r.status_code for r in results} == {201}
    assert len({r.json()["id"] for r in results}) == 1
    backend.drain()
    assert backend.chain.coin.functions.balanceOf(body["volunteer"]).call() == 6 * COIN


def test_fifty_concurrent_duplicate_approvals(backend, coord1):
    volunteer = new_resident(backend)
    aid = backend.http.post("/activities", json=activity_body(volunteer), headers=coord1).json()["id"]
    supply = backend.chain.coin.functions.totalSupply().call()

    def approve(_):
        with httpx.Client(base_url=backend.url, timeout=60) as c:
            return c.post(f"/activities/{aid}/approve", headers=coord1)

    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(approve, range(50)))
    codes = sorted(r.status_code for r in results)
    assert codes.count(200) == 1 and codes.count(409) == 49, codes
    assert all("approved cannot become approved" in r.json()["detail"] for r in results if r.status_code == 409)
    with backend.sessions() as s:
        assert s.scalar(select(func.count()).select_from(OutboxItem).where(OutboxItem.activity_id == aid)) == 1
    backend.drain()
    assert backend.chain.coin.functions.totalSupply().call() - supply == 6 * COIN
    assert backend.chain.coin.functions.balanceOf(volunteer).call() == 6 * COIN


def test_no_personal_data_in_any_transaction_or_event(backend, coord1):
    """Every transaction the backend sent and every event the contracts emitted, scanned for names, phone
    numbers, e-mails and resident registration numbers that the suite put in activity records."""
    body = activity_body(new_resident(backend), approve=True,
                         description="김민지 900101-2345678 minji@example.kr 010-9876-5432 helped at the food bank")
    assert backend.http.post("/activities", json=body, headers=coord1).status_code == 201
    backend.drain()
    web3 = backend.node.web3
    needles = ["김민지", "minji@example.kr", "Seocho-daero", "food bank", "community kitchen"]
    scanned = 0
    for number in range(0, web3.eth.block_number + 1):
        block = web3.eth.get_block(number, full_transactions=True)
        for tx in block["transactions"]:
            scanned += 1
            receipt = web3.eth.get_transaction_receipt(tx["hash"])
            blobs = [bytes(tx["input"])] + [bytes(log["data"]) for log in receipt["logs"]] + \
                    [bytes(t) for log in receipt["logs"] for t in log["topics"]]
            for blob in blobs:
                # Text is looked for in runs of 16 or more characters: a string the contracts carry is one run,
                # while random bytes (signatures, hashes) decoded as text can form a short e-mail-like run by chance.
                for run in re.split("[\x00-\x1f\ufffd]+", blob.decode("utf-8", errors="replace")):
                    if len(run) >= 16:
                        assert not PERSONAL_DATA.search(run), (tx["hash"].hex(), run)
                for needle in needles:
                    assert needle.encode() not in blob, (needle, tx["hash"].hex())
                hexed = blob.hex()
                for digits in ("01098765432", "9001012345678", "01012345678"):
                    assert digits not in hexed  # not even as packed digits
    assert scanned > 10


def test_erasing_the_salt_unlinks_the_chain_entry(backend, coord1, admin_headers):
    from backend.domain.activities import canonical_record, chain_activity_id

    r = backend.http.post("/activities", json=activity_body(new_resident(backend), approve=True), headers=coord1)
    aid = r.json()["id"]
    r = backend.http.post(f"/activities/{aid}/erase-link", json={"reason": "asked to be forgotten"}, headers=admin_headers)
    assert r.status_code == 409 and "once the chain has settled it" in r.json()["detail"]
    backend.drain()
    a = backend.activity(aid)
    with backend.sessions() as s:
        resident = s.get(type(a).resident.property.mapper.class_, a.resident_id).address
    from datetime import UTC

    occurred = a.occurred_at if a.occurred_at.tzinfo else a.occurred_at.replace(tzinfo=UTC)  # SQLite drops the zone
    record = canonical_record(resident, a.category, a.units, occurred, a.place, a.description)
    assert chain_activity_id(a.centre_id, a.serial, bytes.fromhex(a.salt[2:]), record)[0].hex() == a.chain_id_hex[2:]

    assert backend.http.post(f"/activities/{aid}/erase-link", json={"reason": "x"}, headers=coord1).status_code == 403
    r = backend.http.post(f"/activities/{aid}/erase-link", json={"reason": "asked to be forgotten"}, headers=admin_headers)
    assert r.status_code == 200
    erased = backend.activity(aid)
    assert (erased.salt, erased.chain_id_hex, erased.evidence_hash, erased.tx_hash) == (None,) * 4  # no link left
    audit = backend.http.get(f"/activities/{aid}/audit", headers=coord1).json()
    assert audit[-1]["action"] == "link to the chain erased" and audit[-1]["reason"] == "asked to be forgotten"
    r = backend.http.post(f"/activities/{aid}/erase-link", json={"reason": "again"}, headers=admin_headers)
    assert r.status_code == 409
