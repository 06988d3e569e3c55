"""A custodial resident moving to a wallet of their own, against the real chain, app and database: the resident asks
signed in with the new wallet, with their card and PIN (a wrong PIN counts toward the card's lock); a coordinator
of their centre confirms in person (or declines); the whole balance moves in one relayed payment signed with the
held key; the record's address is the new one, the cards blocked; the key is destroyed only once the payment is
final and the old address is empty (a late coin swept first); a second confirm pays nothing more; the address of a
custodial resident is not changed by hand; the key is never in a response or a log."""

from __future__ import annotations

import logging
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

import pytest
from conftest import COIN, PASSWORD, activity_body
from eth_account import Account
from residents_helpers import sign_in, sign_request
from sqlalchemy import select
from test_custody import PIN, card_token, earn, open_session, private_key, register, relayed_ops

from backend.services import graduation
from backend.services.custody import DEV_MASTER_KEY, Keyring
from backend.store.models import AdminAudit, CustodialAccount, CustodyMove, MemberCard, Resident


def refused(r, status: int, error: str) -> dict:
    assert r.status_code == status, r.text
    assert r.json()["error"] == error and r.json()["detail"], r.text
    return r.json()


@pytest.fixture(scope="module")
def finisher(backend):
    return graduation.MoveFinisher(backend.settings, backend.sessions, backend.chain, Keyring(DEV_MASTER_KEY))


def finalise(backend) -> None:
    """Past Anvil's finalized block (64 below its head), and the sender and writer told."""
    backend.node.web3.provider.make_request("anvil_mine", [hex(70)])
    backend.drain()
    backend.writer.track()
    if backend.sender is not None:
        backend.sender.step()


def ask(backend, wallet, token: str, pin: str = PIN, language: str = "en"):
    return backend.http.post("/me/custody-move", json={"card_token": token, "pin": pin},
                             headers={**sign_in(backend, wallet), "Accept-Language": language})


def confirm(backend, coord, resident_id: int, key: str | None = None, new_address: str | None = None):
    """A coordinator confirms the move, for the wallet the request names (what they checked with the resident)."""
    if new_address is None:
        move = backend.http.get(f"/residents/{resident_id}/custody", headers=coord).json().get("move") or {}
        new_address = move.get("new_address") or "0x" + "11" * 20
    return backend.http.post(f"/residents/{resident_id}/custody/move/confirm", json={"new_address": new_address},
                             headers={**coord, "Idempotency-Key": key or uuid.uuid4().hex})


@pytest.fixture(scope="module")
def coord1b(backend, admin_headers):
    """A second coordinator of centre 1: the one who confirms moves (coord1 opened the accounts and printed the
    cards, so may know a card's token and PIN)."""
    r = backend.http.post("/staff", json={"username": "coord1b", "password": PASSWORD, "role": "coordinator",
                                          "centre_id": 1}, headers=admin_headers)
    assert r.status_code == 201, r.text
    return backend.login("coord1b")


def balance(backend, address: str) -> int:
    return backend.chain.coin.functions.balanceOf(address).call()


def account_row(backend, resident_id: int) -> CustodialAccount:
    with backend.sessions() as s:
        row = s.get(CustodialAccount, resident_id)
        s.expunge_all()
        return row


@pytest.fixture
def member(backend, coord1) -> dict:
    """A custodial resident of centre 1 with 6 coins that can move, their card's token, and a new wallet."""
    resident = register(backend, coord1)
    earn(backend, coord1, resident["address"])
    return {**resident, "token": card_token(backend, coord1, resident["id"]), "wallet": Account.create()}


def test_a_wrong_pin_counts_toward_the_cards_lock(backend, member):
    r = ask(backend, member["wallet"], member["token"], "8642")
    assert refused(r, 401, "pin_wrong") and "4 tries left" in r.json()["detail"]
    for _ in range(3):
        refused(open_session(backend, member["token"], "8642"), 401, "pin_wrong")
    refused(ask(backend, member["wallet"], member["token"], "8642", "ko"), 403, "card_locked")
    refused(ask(backend, member["wallet"], member["token"]), 403, "card_locked")  # even the right PIN now
    with backend.sessions() as s:
        assert s.scalar(select(CustodyMove).where(CustodyMove.resident_id == member["id"])) is None


def test_a_wallet_of_another_resident_or_a_custodial_address_is_refused(backend, coord1, member):
    other = Account.create()
    r = backend.http.post("/residents", json={"name": "김지갑", "address": other.address,
                                              "consent_terms_version": "2026-03"}, headers=coord1)
    assert r.status_code == 201, r.text
    body = refused(ask(backend, other, member["token"], language="ko"), 409, "address_taken")
    assert "다른 주민" in body["detail"]
    held = Account.from_key(private_key(backend, member["id"]))
    refused(ask(backend, held, member["token"]), 409, "custodial_address")
    with backend.sessions() as s:
        assert s.scalar(select(CustodyMove).where(CustodyMove.resident_id == member["id"])) is None


def test_a_declined_request_moves_nothing_and_says_why(backend, coord1b, coord1, coord2, member):
    r = ask(backend, member["wallet"], member["token"])
    assert r.status_code == 201 and r.json()["state"] == "requested", r.text
    path = f"/residents/{member['id']}/custody/move/decline"
    refused(backend.http.post(path, json={"reason": "x"}, headers=coord2), 404, "not_found")
    r = backend.http.post(path, json={"reason": "신분증을 가져오지 않음"}, headers=coord1)
    assert r.status_code == 200 and r.json()["state"] == "declined", r.text
    mine = backend.http.get("/me/custody-move", headers=sign_in(backend, member["wallet"])).json()["move"]
    assert mine["state"] == "declined" and mine["reason"] == "신분증을 가져오지 않음"
    refused(confirm(backend, coord1b, member["id"]), 409, "no_move_request")
    assert balance(backend, member["address"]) == 6 * COIN
    assert backend.http.get(f"/residents/{member['id']}", headers=coord1).json()["address"] == member["address"]
    with backend.sessions() as s:
        assert s.scalar(select(AdminAudit).where(AdminAudit.action == "custody_move_declined")
                        .order_by(AdminAudit.id.desc())).params["resident_id"] == member["id"]


def test_confirming_moves_the_whole_balance_in_one_payment_and_the_record_to_the_wallet(backend, coord1b, coord1,
                                                                                       member, finisher):
    wallet = member["wallet"]
    assert ask(backend, wallet, member["token"]).status_code == 201
    status = backend.http.get(f"/residents/{member['id']}/custody", headers=coord1).json()
    assert status["move"]["state"] == "requested" and status["move"]["new_address"] == wallet.address
    key = uuid.uuid4().hex
    r = confirm(backend, coord1b, member["id"], key)
    assert r.status_code == 200 and r.json()["state"] == "paying", r.text
    assert confirm(backend, coord1b, member["id"], key).json() == r.json()  # the same key: the same answer
    again = confirm(backend, coord1b, member["id"])  # another key: the move as it is, nothing paid again
    assert again.status_code == 200 and again.json()["op_id"] == r.json()["op_id"], again.text
    backend.drain()
    ops = relayed_ops(backend, member["address"])
    assert [(o.kind, o.state, o.params["payee"], o.params["amount"]) for o in ops] == [
        ("pay", "confirmed", wallet.address, str(6 * COIN))]
    assert balance(backend, member["address"]) == 0 and balance(backend, wallet.address) == 6 * COIN
    record = backend.http.get(f"/residents/{member['id']}", headers=coord1).json()
    assert record["address"] == wallet.address
    changes = backend.http.get(f"/residents/{member['id']}/changes", headers=coord1).json()
    assert (changes[-1]["field"], changes[-1]["before"], changes[-1]["after"], changes[-1]["actor"]) == (
        "address", member["address"], wallet.address, "coord1b")
    with backend.sessions() as s:
        assert {c.status for c in s.scalars(select(MemberCard).where(MemberCard.resident_id == member["id"]))} == {
            "blocked"}
        audit = s.scalar(select(AdminAudit).where(AdminAudit.action == "custody_moved").order_by(AdminAudit.id.desc()))
        assert audit.params["new_address"] == wallet.address and audit.actor == "coord1b"
    refused(open_session(backend, member["token"]), 403, "card_blocked")
    me = backend.http.get("/me", headers=sign_in(backend, wallet)).json()
    assert me["balance"] == str(6 * COIN)


def test_the_key_is_destroyed_only_once_the_payment_is_final_and_the_old_address_empty(backend, coord1b, coord1,
                                                                                      member, finisher):
    assert ask(backend, member["wallet"], member["token"]).status_code == 201
    move_id = confirm(backend, coord1b, member["id"]).json()["id"]
    assert finisher.step()[move_id] == "waiting"  # queued, not sent
    backend.drain()
    assert finisher.step()[move_id] == "waiting"  # mined, not final
    assert account_row(backend, member["id"]).sealed_private_key is not None
    finalise(backend)
    assert finisher.step()[move_id] == "done"
    row = account_row(backend, member["id"])
    assert (row.sealed_private_key, row.sealed_data_key) == (None, None) and row.key_destroyed_at is not None
    mine = backend.http.get("/me/custody-move", headers=sign_in(backend, member["wallet"])).json()["move"]
    assert mine["state"] == "done" and mine["moved"] == str(6 * COIN) and mine["payments"] == 1
    with backend.sessions() as s:
        audit = s.scalar(select(AdminAudit).where(AdminAudit.action == "custody_key_destroyed")
                         .order_by(AdminAudit.id.desc()))
        assert audit.params["move_id"] == move_id and audit.params["old_address"] == member["address"]


def test_an_activity_in_flight_goes_to_the_new_wallet_and_late_coins_are_swept_before_the_key_is_destroyed(
        backend, coord1b, coord1, member, finisher):
    neighbour = Account.create()
    earn(backend, coord1, neighbour.address)
    # An activity approved before the move, still on its way to the chain when the move is confirmed: the writer
    # names the record's address when it sends it, so it is minted to the new wallet.
    r = backend.http.post("/activities", json=activity_body(member["address"], approve=True, units=60), headers=coord1)
    assert r.status_code == 201, r.text
    assert ask(backend, member["wallet"], member["token"]).status_code == 201
    move_id = confirm(backend, coord1b, member["id"]).json()["id"]
    backend.drain()
    assert balance(backend, member["wallet"].address) == 9 * COIN and balance(backend, member["address"]) == 0
    # From the confirm on, a relayed payment to the old address (a payment code from before) is refused, saying why...
    r = backend.http.post("/me/pay", headers=sign_in(backend, neighbour), json=sign_request(
        backend, neighbour, "pay", nonce=0, payee=member["address"], amount=COIN, request_ref="0x" + "cd" * 32))
    refused(r, 409, "payee_moved")
    # ...but anyone can still send coins there on the chain itself (an ERC-20 transfer): swept before the key goes.
    w3 = backend.node.web3
    w3.provider.make_request("anvil_setBalance", [neighbour.address, hex(10**18)])
    tx = backend.chain.coin.functions.transfer(member["address"], COIN).build_transaction(
        {"from": neighbour.address, "nonce": w3.eth.get_transaction_count(neighbour.address)})
    signed = neighbour.sign_transaction(tx)
    receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(
        getattr(signed, "raw_transaction", None) or signed.rawTransaction))
    assert receipt["status"] == 1
    backend.drain()
    finalise(backend)
    assert balance(backend, member["address"]) == COIN
    assert finisher.step()[move_id] == "swept"
    assert account_row(backend, member["id"]).sealed_private_key is not None
    backend.drain()
    finalise(backend)
    assert finisher.step()[move_id] == "done"
    assert balance(backend, member["address"]) == 0 and balance(backend, member["wallet"].address) == 10 * COIN
    assert [o.kind for o in relayed_ops(backend, member["address"])] == ["pay", "pay"]
    assert account_row(backend, member["id"]).sealed_private_key is None
    # Still refused after the key is gone.
    r = backend.http.post("/me/pay", headers=sign_in(backend, neighbour), json=sign_request(
        backend, neighbour, "pay", nonce=0, payee=member["address"], amount=COIN, request_ref="0x" + "ce" * 32))
    refused(r, 409, "payee_moved")


def test_a_refused_payment_leaves_the_move_failed_until_the_resident_retries(backend, coord1b, coord1, admin_headers,
                                                                            member, finisher):
    assert ask(backend, member["wallet"], member["token"]).status_code == 201
    assert backend.http.post("/admin/pause", headers=admin_headers).status_code in (200, 202)
    backend.drain()
    try:
        r = confirm(backend, coord1b, member["id"])
        assert r.status_code == 200 and (r.json()["state"], r.json()["reason"]) == ("failed", "coin_paused"), r.text
    finally:
        backend.http.post("/admin/unpause", headers=admin_headers)
        backend.drain()
    assert backend.http.get(f"/residents/{member['id']}", headers=coord1).json()["address"] == member["wallet"].address
    assert balance(backend, member["address"]) == 6 * COIN  # nothing lost: the key is kept until the coins move
    assert finisher.step().get(r.json()["id"]) is None  # a failed move waits for a retry
    me = sign_in(backend, member["wallet"])
    retried = backend.http.post("/me/custody-move/retry", headers={**me, "Idempotency-Key": uuid.uuid4().hex})
    assert retried.status_code == 200 and retried.json()["state"] == "paying", retried.text
    refused(backend.http.post("/me/custody-move/retry", headers={**me, "Idempotency-Key": uuid.uuid4().hex}), 409,
            "move_not_failed")
    backend.drain()
    finalise(backend)
    assert finisher.step()[r.json()["id"]] == "done"
    assert balance(backend, member["wallet"].address) == 6 * COIN


def test_a_resident_without_coins_moves_without_a_payment(backend, coord1b, coord1, finisher):
    resident = register(backend, coord1)
    wallet = Account.create()
    assert ask(backend, wallet, card_token(backend, coord1, resident["id"])).status_code == 201
    r = confirm(backend, coord1b, resident["id"])
    assert r.json()["state"] == "paying" and r.json()["op_id"] is None, r.text
    assert finisher.step()[r.json()["id"]] == "done"
    assert relayed_ops(backend, resident["address"]) == []
    with backend.sessions() as s:
        assert s.get(Resident, resident["id"]).address == wallet.address


def test_two_confirms_at_once_pay_once(backend, coord1b, coord1, member):
    assert ask(backend, member["wallet"], member["token"]).status_code == 201

    def confirm_alone(_):
        with httpx.Client(base_url=backend.url, timeout=60) as http:
            return http.post(f"/residents/{member['id']}/custody/move/confirm",
                             json={"new_address": member["wallet"].address},
                             headers={**coord1b, "Idempotency-Key": uuid.uuid4().hex})

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(confirm_alone, range(4)))
    assert all(r.status_code == 200 for r in answers), [r.text for r in answers]
    assert len({r.json()["op_id"] for r in answers if r.json()["state"] == "paying"}) == 1
    backend.drain()
    assert [o.kind for o in relayed_ops(backend, member["address"])] == ["pay"]
    assert balance(backend, member["wallet"].address) == 6 * COIN


def test_another_centres_coordinator_cannot_confirm(backend, coord1b, coord2, member):
    assert ask(backend, member["wallet"], member["token"]).status_code == 201
    refused(confirm(backend, coord2, member["id"]), 404, "not_found")
    assert balance(backend, member["address"]) == 6 * COIN


def test_a_custodial_residents_address_is_not_changed_by_hand(backend, coord1, member):
    r = backend.http.patch(f"/residents/{member['id']}", json={"address": member["wallet"].address},
                           headers={**coord1, "Accept-Language": "ko"})
    assert "본인 지갑으로 옮기기" in refused(r, 409, "custodial_address_change")["detail"]
    r = backend.http.patch(f"/residents/{member['id']}", json={"address": member["wallet"].address}, headers=coord1)
    assert "move to their own wallet" in refused(r, 409, "custodial_address_change")["detail"]
    with backend.sessions() as s:
        assert s.get(Resident, member["id"]).address == member["address"]


def test_the_key_is_in_no_response_or_log_of_a_move(backend, coord1b, coord1, member, finisher, caplog):
    caplog.set_level(logging.DEBUG)
    key = private_key(backend, member["id"])
    answers = [ask(backend, member["wallet"], member["token"]).text,
               backend.http.get(f"/residents/{member['id']}/custody", headers=coord1).text,
               confirm(backend, coord1b, member["id"]).text]
    backend.drain()
    finalise(backend)
    finisher.step()
    answers.append(backend.http.get("/me/custody-move", headers=sign_in(backend, member["wallet"])).text)
    answers.append(backend.http.get(f"/residents/{member['id']}/custody", headers=coord1).text)
    secrets = (key.hex(), key.hex().upper(), "0x" + key.hex())
    assert caplog.records
    for text in (*answers, caplog.text):
        assert not any(s in text for s in secrets)
    assert account_row(backend, member["id"]).sealed_private_key is None


def test_moving_to_a_wallet_of_their_own_ends_every_guardianship(backend, coord1b, coord1, admin_headers, member):
    """A guardian acts only for an account the centre holds: once the member holds their own wallet, the guardian
    is revoked in the same step (told and audited), can no longer act, and none can be registered again."""
    from test_guardians import add_guardian, donate

    guardian_wallet = Account.create()
    r = add_guardian(backend, coord1, member["id"], guardian_wallet)
    assert r.status_code == 201, r.text
    guardian = {"wallet": guardian_wallet, "id": r.json()["id"], "headers": sign_in(backend, guardian_wallet)}
    assert ask(backend, member["wallet"], member["token"]).status_code == 201
    assert confirm(backend, coord1b, member["id"]).status_code == 200

    listed = backend.http.get(f"/residents/{member['id']}/guardians", headers=coord1).json()
    assert [(g["active"], g["revoke_reason"]) for g in listed] == [(False, "the member moved to a wallet of their own")]
    refused(donate(backend, guardian, member["id"], COIN), 404, "not_guardian")
    assert backend.http.get("/guardian/members", headers=guardian["headers"]).json() == []
    refused(add_guardian(backend, coord1, member["id"], Account.create()), 409, "guardian_needs_custody")
    audit = backend.http.get("/admin/audit?action=guardian_revoked", headers=admin_headers).json()
    assert any(row["params"].get("guardianship_id") == guardian["id"] for row in audit), audit


def test_the_coordinator_who_held_the_card_does_not_confirm_the_move(backend, coord1, member):
    """coord1 opened the account and printed the card (its token), and could have watched the PIN typed: one person
    alone does not both know the card and confirm where its coins go."""
    assert ask(backend, member["wallet"], member["token"]).status_code == 201
    body = refused(confirm(backend, coord1, member["id"]), 409, "move_needs_another_coordinator")
    assert "another coordinator" in body["detail"]
    status = backend.http.get(f"/residents/{member['id']}/custody", headers=coord1).json()
    assert status["move"]["state"] == "requested" and balance(backend, member["address"]) == 6 * COIN


def test_a_confirm_names_the_wallet_the_coordinator_checked(backend, coord1b, member):
    assert ask(backend, member["wallet"], member["token"]).status_code == 201
    refused(confirm(backend, coord1b, member["id"], new_address=Account.create().address), 409, "move_changed")
    assert confirm(backend, coord1b, member["id"], new_address=member["wallet"].address).status_code == 200


def test_dust_sent_to_the_old_address_does_not_hold_the_key_back(backend, coord1b, member, finisher):
    """Anyone can send a speck of coin to any address: less than a payment's minimum is not swept (a payment the
    centre's gas budget would pay for each speck), and the key is destroyed with the speck left behind."""
    assert ask(backend, member["wallet"], member["token"]).status_code == 201
    move_id = confirm(backend, coord1b, member["id"]).json()["id"]
    backend.drain()
    w3, wallet = backend.node.web3, member["wallet"]
    w3.provider.make_request("anvil_setBalance", [wallet.address, hex(10**18)])
    tx = backend.chain.coin.functions.transfer(member["address"], 1).build_transaction(
        {"from": wallet.address, "nonce": w3.eth.get_transaction_count(wallet.address)})
    signed = wallet.sign_transaction(tx)
    w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(
        getattr(signed, "raw_transaction", None) or signed.rawTransaction))
    finalise(backend)
    assert finisher.step()[move_id] == "done"
    assert balance(backend, member["address"]) == 1 and [o.kind for o in relayed_ops(backend, member["address"])] == [
        "pay"]
    assert account_row(backend, member["id"]).sealed_private_key is None
