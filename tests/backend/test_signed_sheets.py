"""A sheet signed with the coordinator's own wallet (attestBatchBySig), against the real chain, app and database:
approved to wait for the wallet's signature, the typed data signed as a wallet would, checked, sent whole, and the
registry's BatchAttested naming that wallet; a wrong signer, a wallet without the role, a stale signature and the
release to the centre's key."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from eth_account import Account
from web3.logs import DISCARD
from residents_helpers import new_wallet
from test_admin_api import confirmed
from test_attendance_sheets import HEADER, csv_bytes, register, upload

DAY = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()


@pytest.fixture(scope="module")
def coordinator_wallet(backend, admin_headers):
    """A coordinator's own wallet, given centre 1's coordinator role on-chain by the city."""
    wallet = new_wallet()
    confirmed(backend, admin_headers, backend.http.post("/admin/centres/1/coordinators",
                                                        json={"address": wallet.address}, headers=admin_headers))
    return wallet


def make_sheet(backend, coord1) -> int:
    """A checked sheet of two residents of centre 1, ready to approve."""
    tag = uuid.uuid4().int % 10_000
    members = [register(backend, coord1, f"서명 {tag} {i}", f"010-{tag:04d}-{i + 7000:04d}") for i in range(2)]
    rows = [HEADER, *[[m["member_number"], "", "", m["name"], 60] for m in members]]
    r = upload(backend, coord1, csv_bytes(rows), occurred_on=DAY)
    assert r.status_code == 201 and r.json()["totals"]["with_problems"] == 0, r.text
    return r.json()["id"]


@pytest.fixture
def sheet_id(backend, coord1) -> int:
    return make_sheet(backend, coord1)


def approve_for(backend, coord1, sheet_id: int, address: str):
    return backend.http.post(f"/sheets/{sheet_id}/approve", json={"sign_with": address},
                             headers={**coord1, "Idempotency-Key": f"sign-{sheet_id}-{uuid.uuid4().hex[:6]}"})


def signed_body(backend, coord1, sheet_id: int, wallet) -> dict:
    r = backend.http.get(f"/sheets/{sheet_id}/signature", headers=coord1)
    assert r.status_code == 200, r.text
    typed = r.json()["typed_data"]
    signature = Account.sign_typed_data(wallet.key, full_message=typed).signature.hex()
    return {"nonce": int(typed["message"]["nonce"]), "deadline": int(typed["message"]["deadline"]),
            "signature": "0x" + signature.removeprefix("0x")}


def batch_attested_by(backend, tx_hash: str) -> list[str]:
    receipt = backend.chain.web3.eth.get_transaction_receipt(tx_hash)
    events = backend.chain.registry.events.BatchAttested().process_receipt(receipt, errors=DISCARD)
    return [e["args"]["coordinator"] for e in events]


def test_a_sheet_signed_by_the_coordinators_wallet_is_attested_in_its_name(backend, coord1, coordinator_wallet,
                                                                           sheet_id):
    r = approve_for(backend, coord1, sheet_id, coordinator_wallet.address)
    assert r.status_code == 200, r.text
    assert r.json()["signing"]["status"] == "awaiting" and r.json()["signing"]["waiting"] == 2
    backend.drain()  # nothing goes out before the signature
    assert all(line["activity"]["status"] == "approved" for line in
               backend.http.get(f"/sheets/{sheet_id}", headers=coord1).json()["lines"])

    r = backend.http.post(f"/sheets/{sheet_id}/signature", json=signed_body(backend, coord1, sheet_id, coordinator_wallet),
                          headers=coord1)
    assert r.status_code == 200 and r.json()["signing"]["status"] == "signed", r.text
    backend.drain()
    sheet = backend.http.get(f"/sheets/{sheet_id}", headers=coord1).json()
    assert sheet["totals"]["confirmed"] == 2
    tx_hashes = {line["activity"]["tx_hash"] for line in sheet["lines"]}
    assert len(tx_hashes) == 1
    assert batch_attested_by(backend, tx_hashes.pop()) == [coordinator_wallet.address]


def test_the_same_signature_twice_changes_nothing(backend, coord1, coordinator_wallet, sheet_id):
    approve_for(backend, coord1, sheet_id, coordinator_wallet.address)
    body = signed_body(backend, coord1, sheet_id, coordinator_wallet)
    first = backend.http.post(f"/sheets/{sheet_id}/signature", json=body, headers=coord1)
    second = backend.http.post(f"/sheets/{sheet_id}/signature", json=body, headers=coord1)
    assert first.status_code == second.status_code == 200
    backend.drain()
    assert backend.http.get(f"/sheets/{sheet_id}", headers=coord1).json()["totals"]["confirmed"] == 2


def test_a_wallet_without_the_coordinator_role_cannot_be_chosen(backend, coord1, sheet_id):
    r = approve_for(backend, coord1, sheet_id, new_wallet().address)
    assert r.status_code == 422 and r.json()["error"] == "not_chain_coordinator", r.text
    assert backend.http.get(f"/sheets/{sheet_id}", headers=coord1).json()["status"] == "draft"


def test_a_signature_by_another_key_is_refused_in_korean(backend, coord1, coordinator_wallet, sheet_id):
    approve_for(backend, coord1, sheet_id, coordinator_wallet.address)
    body = signed_body(backend, coord1, sheet_id, new_wallet())
    r = backend.http.post(f"/sheets/{sheet_id}/signature", json=body, headers={**coord1, "Accept-Language": "ko"})
    assert r.status_code == 403 and r.json()["error"] == "sheet_signed_by_other"
    assert "서명" in r.json()["detail"]


def test_a_signature_over_other_activities_is_refused(backend, coord1, coordinator_wallet, sheet_id):
    approve_for(backend, coord1, sheet_id, coordinator_wallet.address)
    body = signed_body(backend, coord1, sheet_id, coordinator_wallet)
    r = backend.http.post(f"/sheets/{sheet_id}/signature", json={**body, "deadline": body["deadline"] - 1},
                          headers=coord1)
    assert r.status_code == 403 and r.json()["error"] == "sheet_signed_by_other"


def test_a_used_nonce_makes_the_signature_stale_and_a_new_one_is_asked(backend, coord1, coordinator_wallet, sheet_id):
    approve_for(backend, coord1, sheet_id, coordinator_wallet.address)
    body = signed_body(backend, coord1, sheet_id, coordinator_wallet)
    assert backend.http.post(f"/sheets/{sheet_id}/signature", json=body, headers=coord1).status_code == 200
    # The wallet uses its nonce elsewhere before the writer sends the sheet (useNonce, as a cancellation would).
    web3 = backend.chain.web3
    web3.eth.send_transaction({"from": web3.eth.accounts[0], "to": coordinator_wallet.address, "value": 10**17})
    tx = backend.chain.registry.functions.useNonce().build_transaction({
        "from": coordinator_wallet.address, "nonce": web3.eth.get_transaction_count(coordinator_wallet.address),
        "chainId": backend.chain.chain_id})
    web3.eth.wait_for_transaction_receipt(web3.eth.send_raw_transaction(
        Account.sign_transaction(tx, coordinator_wallet.key).raw_transaction))
    backend.drain()
    sheet = backend.http.get(f"/sheets/{sheet_id}", headers=coord1).json()
    assert sheet["signing"]["status"] == "stale" and "nonce" in sheet["signing"]["error"]
    assert sheet["signing"]["waiting"] == 2 and sheet["totals"]["confirmed"] == 0

    r = backend.http.post(f"/sheets/{sheet_id}/signature", json=signed_body(backend, coord1, sheet_id, coordinator_wallet),
                          headers=coord1)
    assert r.status_code == 200, r.text
    backend.drain()
    assert backend.http.get(f"/sheets/{sheet_id}", headers=coord1).json()["totals"]["confirmed"] == 2


def test_released_to_the_centres_key_the_sheet_goes_on_chain_without_the_wallet(backend, coord1, coordinator_wallet,
                                                                                sheet_id):
    approve_for(backend, coord1, sheet_id, coordinator_wallet.address)
    r = backend.http.delete(f"/sheets/{sheet_id}/signature", headers=coord1)
    assert r.status_code == 200 and r.json()["signing"]["status"] == "released", r.text
    backend.drain()
    sheet = backend.http.get(f"/sheets/{sheet_id}", headers=coord1).json()
    assert sheet["totals"]["confirmed"] == 2
    tx_hash = sheet["lines"][0]["activity"]["tx_hash"]
    assert coordinator_wallet.address not in batch_attested_by(backend, tx_hash)
    r = backend.http.post(f"/sheets/{sheet_id}/signature", json={"nonce": 0, "deadline": 1, "signature": "0x00"},
                          headers=coord1)
    assert r.status_code == 409 and r.json()["error"] == "sheet_not_for_signing"


def test_two_sheets_signed_in_a_row_take_consecutive_nonces(backend, coord1, coordinator_wallet, sheet_id):
    other = make_sheet(backend, coord1)
    for sid in (sheet_id, other):
        approve_for(backend, coord1, sid, coordinator_wallet.address)
    bodies = [signed_body(backend, coord1, sid, coordinator_wallet) for sid in (sheet_id,)]
    assert backend.http.post(f"/sheets/{sheet_id}/signature", json=bodies[0], headers=coord1).status_code == 200
    second = signed_body(backend, coord1, other, coordinator_wallet)
    assert second["nonce"] == bodies[0]["nonce"] + 1
    assert backend.http.post(f"/sheets/{other}/signature", json=second, headers=coord1).status_code == 200
    backend.drain()
    for sid in (sheet_id, other):
        assert backend.http.get(f"/sheets/{sid}", headers=coord1).json()["totals"]["confirmed"] == 2


def test_another_centres_coordinator_cannot_sign_or_read_the_sheet(backend, coord1, coord2, coordinator_wallet,
                                                                   sheet_id):
    approve_for(backend, coord1, sheet_id, coordinator_wallet.address)
    assert backend.http.get(f"/sheets/{sheet_id}/signature", headers=coord2).status_code == 404
    assert backend.http.delete(f"/sheets/{sheet_id}/signature", headers=coord2).status_code == 404



@pytest.fixture(scope="module")
def fickle_coordinator(backend, admin_headers) -> str:
    """A coordinator wallet (a contract) whose signature passes every check before sending and fails once sent."""
    from conftest import ROOT

    from bench.solc_build import compile_files

    built = compile_files([ROOT / "contracts" / "test" / "TestFickleWallet.sol"])["TestFickleWallet"]
    w3 = backend.node.web3
    tx = w3.eth.contract(abi=built["abi"], bytecode=built["bytecode"]).constructor().transact({"from": w3.eth.accounts[8]})
    address = w3.eth.wait_for_transaction_receipt(tx)["contractAddress"]
    confirmed(backend, admin_headers, backend.http.post("/admin/centres/1/coordinators", json={"address": address},
                                                        headers=admin_headers))
    return address


def test_a_signed_sheet_that_reverts_is_not_sent_again_with_the_same_signature(backend, coord1, fickle_coordinator,
                                                                               sheet_id):
    from backend.store.models import ChainTx

    def sent() -> int:
        with backend.sessions() as s:
            return len(s.scalars(select(ChainTx.id).where(ChainTx.kind == "attest")).all())

    assert approve_for(backend, coord1, sheet_id, fickle_coordinator).status_code == 200
    typed = backend.http.get(f"/sheets/{sheet_id}/signature", headers=coord1).json()["typed_data"]
    body = {"nonce": int(typed["message"]["nonce"]), "deadline": int(typed["message"]["deadline"]),
            "signature": "0x" + "11" * 65}
    assert backend.http.post(f"/sheets/{sheet_id}/signature", json=body, headers=coord1).status_code == 200
    before = sent()
    for _ in range(3):
        backend.drain()
    sheet = backend.http.get(f"/sheets/{sheet_id}", headers=coord1).json()
    assert sheet["signing"]["status"] == "stale" and "reverted" in sheet["signing"]["error"]
    assert sheet["signing"]["waiting"] == 2 and sheet["totals"]["confirmed"] == 0
    assert sent() == before + 1  # once, not once per round

    assert backend.http.delete(f"/sheets/{sheet_id}/signature", headers=coord1).status_code == 200
    backend.drain()
    assert backend.http.get(f"/sheets/{sheet_id}", headers=coord1).json()["totals"]["confirmed"] == 2


def test_a_sheet_never_signed_goes_out_under_the_centres_key_after_a_day(backend, coord1, coordinator_wallet,
                                                                          sheet_id):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from backend.store.models import SignedBatch

    approve_for(backend, coord1, sheet_id, coordinator_wallet.address)
    with backend.sessions() as s, s.begin():
        s.execute(update(SignedBatch).where(SignedBatch.sheet_id == sheet_id)
                  .values(created_at=datetime.now(UTC) - timedelta(days=1, minutes=1)))
    backend.drain()
    sheet = backend.http.get(f"/sheets/{sheet_id}", headers=coord1).json()
    assert sheet["signing"]["status"] == "released" and sheet["totals"]["confirmed"] == 2
