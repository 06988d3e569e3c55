"""GET /tx/{hash}: the indexed events of one transaction, public (the web app's transaction page when the city has no
block explorer); 404 unknown_transaction when none is indexed, 422 for a malformed hash."""

from __future__ import annotations

from conftest import COIN, activity_body, new_resident


def test_an_attestation_is_shown_by_its_transaction(backend, coord1):
    volunteer = new_resident(backend)
    r = backend.http.post("/activities", json=activity_body(volunteer, approve=True), headers=coord1)
    assert r.status_code == 201, r.text
    backend.drain()
    done = backend.http.get(f"/activities/{r.json()['id']}", headers=coord1).json()
    assert done["status"] == "confirmed" and done["tx_hash"]

    r = backend.http.get(f"/tx/{done['tx_hash']}")  # no sign-in
    assert r.status_code == 200, r.text
    tx = r.json()
    assert tx["tx_hash"] == done["tx_hash"].lower() and tx["block_number"] == done["block_number"]
    assert tx["block_time"] and tx["time"] and tx["block_hash"].startswith("0x")
    log_indexes = [e["log_index"] for e in tx["events"]]
    assert log_indexes == sorted(log_indexes)
    assert all(e["tx_hash"] == tx["tx_hash"] and e["block_number"] == tx["block_number"] for e in tx["events"])
    attested = [e for e in tx["events"] if e["event"] == "ActivityAttested" and e["args"]["volunteer"] == volunteer]
    assert len(attested) == 1
    assert attested[0]["contract"] == "ActivityRegistry" and attested[0]["args"]["amount"] == str(6 * COIN)
    assert attested[0]["args"]["id"] == done["chain_id"] and attested[0]["block_time"] == tx["block_time"]
    # The coins it minted are in the same transaction.
    assert any(e["event"] == "Transfer" and e["args"]["to"] == volunteer for e in tx["events"])
    # Upper-case hex is the same transaction.
    assert backend.http.get(f"/tx/0x{done['tx_hash'][2:].upper()}").json()["events"] == tx["events"]


def test_an_unknown_transaction_is_404_in_both_languages(backend):
    unknown = "0x" + "ab" * 32
    r = backend.http.get(f"/tx/{unknown}")
    assert r.status_code == 404 and r.json()["error"] == "unknown_transaction"
    assert "record" in r.json()["detail"]
    r = backend.http.get(f"/tx/{unknown}", headers={"Accept-Language": "ko"})
    assert r.status_code == 404 and r.json()["error"] == "unknown_transaction" and "기록" in r.json()["detail"]


def test_a_malformed_hash_is_422(backend):
    for bad in ("0x1234", "ab" * 32, "0x" + "zz" * 32, "0x" + "ab" * 33):
        r = backend.http.get(f"/tx/{bad}")
        assert r.status_code == 422 and r.json()["error"] == "invalid_transaction_hash", (bad, r.text)
