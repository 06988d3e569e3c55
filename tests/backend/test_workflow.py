"""The coordinator's workflow over HTTP, onto the real chain: record, correct, approve, confirm, reject, revoke."""

from __future__ import annotations

from conftest import COIN, activity_body, new_resident


def coin_balance(backend, address: str) -> int:
    return backend.chain.coin.functions.balanceOf(address).call()


def test_record_approve_and_confirm_on_chain(backend, coord1):
    volunteer = new_resident(backend)
    r = backend.http.post("/activities", json=activity_body(volunteer), headers=coord1)
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["status"] == "recorded" and a["chain_id"] is None and a["recorded_by"] == "coord1"

    r = backend.http.post(f"/activities/{a['id']}/approve", headers=coord1)
    assert r.status_code == 200, r.text
    approved = r.json()
    assert approved["status"] == "approved" and approved["reward"] == str(6 * COIN)  # 2 hours × 3 coins
    assert approved["chain_id"].startswith("0x00000001")  # centre 1 in the id's top 32 bits

    backend.drain()
    done = backend.http.get(f"/activities/{a['id']}", headers=coord1).json()
    assert done["status"] == "confirmed" and done["tx_hash"] and done["block_number"]
    assert coin_balance(backend, volunteer) == 6 * COIN
    assert backend.chain.registry.functions.isAttested(bytes.fromhex(done["chain_id"][2:])).call()
    # The indexer saw it too.
    bal = backend.http.get(f"/balances/{volunteer}").json()
    assert bal["balance"] == str(6 * COIN)
    events = [e["event"] for e in backend.http.get(f"/history/{volunteer}").json()]
    assert "ActivityAttested" in events and "Transfer" in events


def test_self_report_waits_for_review_and_correction_is_audited(backend, coord1):
    volunteer = new_resident(backend)
    r = backend.http.post("/activities", json=activity_body(volunteer, source="self_report", units=90), headers=coord1)
    assert r.status_code == 201 and r.json()["status"] == "pending_review"
    aid = r.json()["id"]
    r = backend.http.patch(f"/activities/{aid}", json={"units": 60, "reason": "the sign-in sheet says one hour"},
                           headers=coord1)
    assert r.status_code == 200 and r.json()["units"] == 60
    audit = backend.http.get(f"/activities/{aid}/audit", headers=coord1).json()
    assert [x["action"] for x in audit] == ["recorded", "corrected"]
    assert audit[1]["before"]["units"] == 90 and audit[1]["after"]["units"] == 60
    assert audit[1]["reason"] == "the sign-in sheet says one hour" and audit[1]["actor"] == "coord1"

    assert backend.http.post(f"/activities/{aid}/approve", headers=coord1).json()["reward"] == str(3 * COIN)
    # After approval, no more corrections: only revocation once it is on-chain.
    r = backend.http.patch(f"/activities/{aid}", json={"units": 30, "reason": "oops"}, headers=coord1)
    assert r.status_code == 409 and "cannot be corrected" in r.json()["detail"]
    backend.drain()


def test_reject_with_reason(backend, coord1):
    aid = backend.http.post("/activities", json=activity_body(new_resident(backend)), headers=coord1).json()["id"]
    r = backend.http.post(f"/activities/{aid}/reject", json={"reason": "not a volunteer activity"}, headers=coord1)
    assert r.status_code == 200 and r.json()["status"] == "rejected" and r.json()["review_reason"] == "not a volunteer activity"
    r = backend.http.post(f"/activities/{aid}/approve", headers=coord1)
    assert r.status_code == 409 and "rejected cannot become approved" in r.json()["detail"]
    r = backend.http.post(f"/activities/{aid}/reject", headers=coord1)
    assert r.status_code in (409, 422)


def test_revocation_claws_back_on_chain_and_twice_is_refused(backend, coord1):
    volunteer = new_resident(backend)
    aid = backend.http.post("/activities", json=activity_body(volunteer, approve=True), headers=coord1).json()["id"]
    r = backend.http.post(f"/activities/{aid}/revoke", json={"reason": "x"}, headers=coord1)
    assert r.status_code == 409 and "only a confirmed activity is revoked" in r.json()["detail"]
    backend.drain()
    assert coin_balance(backend, volunteer) == 6 * COIN

    r = backend.http.post(f"/activities/{aid}/revoke", json={"reason": "the volunteer was not there"}, headers=coord1)
    assert r.status_code == 200 and r.json()["status"] == "revoking"
    r = backend.http.post(f"/activities/{aid}/revoke", json={"reason": "again"}, headers=coord1)
    assert r.status_code == 409 and "already revoking" in r.json()["detail"]
    backend.drain()
    a = backend.http.get(f"/activities/{aid}", headers=coord1).json()
    assert a["status"] == "revoked"
    assert coin_balance(backend, volunteer) == 0
    assert backend.chain.registry.functions.isRevoked(bytes.fromhex(a["chain_id"][2:])).call()
    r = backend.http.post(f"/activities/{aid}/revoke", json={"reason": "third time"}, headers=coord1)
    assert r.status_code == 409 and "already revoked" in r.json()["detail"]


def test_a_revocation_already_made_on_chain_is_recorded_as_done(backend, coord1):
    """The city revoked the attestation itself (its admin key, outside the backend); the coordinator's later request
    finds the registry refusing with ActivityRegistryAlreadyRevoked and records the activity as revoked, not failed."""
    from backend.chain.attestation_pages import page_of, page_records_from_chain, prove

    volunteer = new_resident(backend)
    aid = backend.http.post("/activities", json=activity_body(volunteer, approve=True), headers=coord1).json()["id"]
    backend.drain()
    chain_id = bytes.fromhex(backend.activity(aid).chain_id_hex[2:])
    web3, registry = backend.node.web3, backend.chain.registry
    centre, page, _ = page_of(chain_id)
    records = page_records_from_chain(web3, registry.address, centre, page)
    record = next(r for r in records if r.id == chain_id)
    proof = prove(records, chain_id)
    tx = registry.functions.revoke(record.as_tuple(), proof.acc_before, proof.later_leaves, bytes(32)).transact(
        {"from": web3.eth.accounts[0]})  # the deployment's admin (dev:0)
    assert web3.eth.wait_for_transaction_receipt(tx)["status"] == 1

    r = backend.http.post(f"/activities/{aid}/revoke", json={"reason": "revoked by the city"}, headers=coord1)
    assert r.status_code == 200 and r.json()["status"] == "revoking", r.text
    backend.drain()
    a = backend.activity(aid)
    assert a.status == "revoked" and a.failure is None
    assert coin_balance(backend, volunteer) == 0


def test_batches_mint_once_per_activity(backend, coord1):
    volunteers = [new_resident(backend) for _ in range(30)]
    ids = []
    for v in volunteers:
        r = backend.http.post("/activities", json=activity_body(v, approve=True, units=60), headers=coord1)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    supply = backend.chain.coin.functions.totalSupply().call()
    backend.drain()
    assert backend.chain.coin.functions.totalSupply().call() - supply == 30 * 3 * COIN
    txs = {backend.http.get(f"/activities/{i}", headers=coord1).json()["tx_hash"] for i in ids}
    assert len(txs) < 30  # batched
    for v in volunteers:
        assert coin_balance(backend, v) == 3 * COIN


def test_the_indexers_decoder_agrees_with_web3(backend, coord1):
    """The indexer decodes events with eth_abi directly; web3.py's decoder is the reference."""
    from web3._utils.events import get_event_data

    from backend.chain.events import _plain, decode_event

    # An activity attested and revoked here, so the chain has every event named below whichever other tests ran on
    # it first (under pytest-xdist the tests of a module may run in different processes, on different chains).
    aid = backend.http.post("/activities", json=activity_body(new_resident(backend), approve=True),
                            headers=coord1).json()["id"]
    backend.drain()
    r = backend.http.post(f"/activities/{aid}/revoke", json={"reason": "decoder check"}, headers=coord1)
    assert r.status_code == 200, r.text
    backend.drain()
    checked = set()
    for (contract, topic), abi in backend.indexer.contracts.abis.items():
        address = {v: k for k, v in backend.indexer.contracts.names.items()}[contract]
        for entry in backend.node.web3.eth.get_logs({"address": address, "fromBlock": 0, "toBlock": "latest",
                                                     "topics": [topic]}):
            reference = {k: _plain(v) for k, v in get_event_data(backend.node.web3.codec, abi, entry)["args"].items()}
            assert decode_event(abi, entry) == reference, abi["name"]
            checked.add(abi["name"])
    assert {"ActivityAttested", "Transfer", "ActivityRevoked", "RoleGranted", "CategoryRuleSet"} <= checked


def test_the_chain_gets_the_day_of_an_activity_not_its_hour(backend, coord1):
    from datetime import UTC, datetime, timedelta

    occurred = (datetime.now(UTC) - timedelta(days=2)).replace(hour=14, minute=37, second=12, microsecond=0)
    body = activity_body(new_resident(backend), approve=True, occurred_at=occurred.isoformat())
    r = backend.http.post("/activities", json=body, headers=coord1)
    assert r.status_code == 201, r.text
    backend.drain()
    a = backend.http.get(f"/activities/{r.json()['id']}", headers=coord1).json()
    assert a["status"] == "confirmed" and a["occurred_at"].startswith(occurred.strftime("%Y-%m-%dT14:37:12"))
    logs = backend.chain.registry.events.ActivityAttested.get_logs(
        from_block=a["block_number"], to_block=a["block_number"], argument_filters={"id": a["chain_id"]})
    midnight = occurred.replace(hour=0, minute=0, second=0)
    assert [entry["args"]["time"] for entry in logs] == [int(midnight.timestamp())]
