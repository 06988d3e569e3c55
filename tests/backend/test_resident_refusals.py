"""Bad inputs of residents: each a clear 4xx with {"error", "detail"}, and nothing recorded or sent."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta

import pytest
from conftest import COIN
from residents_helpers import new_wallet, personal_sign, sign_in, sign_request, siwe_text
from sqlalchemy import func, select
from test_residents import create_offer_on_chain, earn

from backend.chain.keys import dev_key
from backend.domain import siwe
from backend.services import residents
from backend.store.models import ChainOp


def ops_count(backend) -> int:
    with backend.sessions() as s:
        return s.scalar(select(func.count()).select_from(ChainOp))


def refused(r, status: int, error: str) -> None:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error"] == error and body["detail"], body


# ---------------------------------------------------------------------------------------------- SIWE


def _siwe(backend, account, signer=None, **overrides):
    n = backend.http.get("/siwe/nonce").json()
    fields = {"domain": n["domain"], "uri": n["uri"], "chain_id": n["chain_id"], "nonce": n["nonce"],
              "expires": datetime.now(UTC) + timedelta(minutes=5)}
    fields.update(overrides)
    text = siwe_text(fields["domain"], account.address, fields["uri"], fields["chain_id"], fields["nonce"],
                     expires=fields["expires"])
    return n, text, personal_sign(signer or account, text)


def test_siwe_wrong_domain_uri_chain_key_and_expiry(backend):
    alice, mallory = new_wallet(), new_wallet()
    for overrides, error in (({"domain": "evil.example"}, "siwe_wrong_domain"),
                             ({"uri": "https://evil.example/login"}, "siwe_wrong_uri"),
                             ({"chain_id": 1}, "siwe_wrong_chain"),
                             ({"expires": datetime.now(UTC) - timedelta(seconds=5)}, "siwe_expired")):
        _, text, sig = _siwe(backend, alice, **overrides)
        refused(backend.http.post("/siwe/verify", json={"message": text, "signature": sig}), 401, error)
    _, text, sig = _siwe(backend, alice, signer=mallory)
    refused(backend.http.post("/siwe/verify", json={"message": text, "signature": sig}), 401, "siwe_bad_signature")
    refused(backend.http.post("/siwe/verify", json={"message": "hello", "signature": sig}), 422, "invalid_siwe_message")
    # A refused attempt does not use up the nonce: the right message with it still signs in.
    _, text, sig = _siwe(backend, alice)
    assert backend.http.post("/siwe/verify", json={"message": text, "signature": sig}).status_code == 200


def test_siwe_nonce_reused_unknown_or_expired(backend):
    alice = new_wallet()
    n, text, sig = _siwe(backend, alice)
    assert backend.http.post("/siwe/verify", json={"message": text, "signature": sig}).status_code == 200
    refused(backend.http.post("/siwe/verify", json={"message": text, "signature": sig}), 401, "siwe_nonce_used")

    _, text, sig = _siwe(backend, alice, nonce="madeUpNonce123")
    refused(backend.http.post("/siwe/verify", json={"message": text, "signature": sig}), 401, "siwe_unknown_nonce")

    # A nonce the service signed VB_SIWE_NONCE_TTL_S seconds ago (made with its key: the test cannot wait that long).
    old = siwe.issue_nonce(residents._nonce_key(backend.settings), int(time.time()) - backend.settings.siwe_nonce_ttl_s,
                           secrets.token_bytes(12))
    _, text, sig = _siwe(backend, alice, nonce=old)
    refused(backend.http.post("/siwe/verify", json={"message": text, "signature": sig}), 401, "siwe_nonce_expired")


def test_a_client_whose_signatures_keep_failing_is_held_before_the_node_is_asked(backend, monkeypatch):
    """Each signature the address's key did not make asks the node (is the address a contract wallet, and does it
    accept?): a client gets VB_SIWE_CLIENT_MAX_FAILURES of them per window, then 429 before the node is asked."""
    forget_siwe_clients(backend)
    monkeypatch.setattr(backend.app.state.settings, "siwe_client_max_failures", 2)
    alice, mallory = new_wallet(), new_wallet()
    for _ in range(2):
        _, text, sig = _siwe(backend, alice, signer=mallory)
        refused(backend.http.post("/siwe/verify", json={"message": text, "signature": sig}), 401, "siwe_bad_signature")
    _, text, sig = _siwe(backend, alice, signer=mallory)
    r = backend.http.post("/siwe/verify", json={"message": text, "signature": sig})
    assert r.status_code == 429 and r.json()["error"] == "login_throttled" and int(r.headers["Retry-After"]) > 0, r.text
    forget_siwe_clients(backend)
    _, text, sig = _siwe(backend, alice, signer=mallory)
    refused(backend.http.post("/siwe/verify", json={"message": text, "signature": sig}), 401, "siwe_bad_signature")


def test_a_held_client_address_still_signs_in_with_a_keys_own_signature(backend, monkeypatch):
    """Residents behind one address (a mobile carrier's NAT, a centre's Wi-Fi) are not locked out by one of them:
    a signature the address's key made never asks the node, so it is never held."""
    forget_siwe_clients(backend)
    monkeypatch.setattr(backend.app.state.settings, "siwe_client_max_failures", 1)
    alice, mallory = new_wallet(), new_wallet()
    for _ in range(2):
        _, text, sig = _siwe(backend, alice, signer=mallory)
        backend.http.post("/siwe/verify", json={"message": text, "signature": sig})
    _, text, sig = _siwe(backend, new_wallet())
    assert backend.http.post("/siwe/verify", json={"message": text, "signature": sig}).status_code == 200
    forget_siwe_clients(backend)


def test_other_refusals_do_not_count_against_the_client(backend, monkeypatch):
    """A wrong domain or an expired message is refused without asking the node: not counted."""
    forget_siwe_clients(backend)
    monkeypatch.setattr(backend.app.state.settings, "siwe_client_max_failures", 1)
    alice = new_wallet()
    for _ in range(3):
        _, text, sig = _siwe(backend, alice, domain="evil.example")
        refused(backend.http.post("/siwe/verify", json={"message": text, "signature": sig}), 401, "siwe_wrong_domain")
    _, text, sig = _siwe(backend, alice)
    assert backend.http.post("/siwe/verify", json={"message": text, "signature": sig}).status_code == 200


def forget_siwe_clients(backend) -> None:
    """This module's tests fail signatures from the same client address: each starts the count afresh."""
    from backend.store.models import LoginThrottle

    with backend.sessions() as s, s.begin():
        s.query(LoginThrottle).filter(LoginThrottle.key.like("siwe-client:%")).delete(synchronize_session=False)


# ---------------------------------------------------------------------------------------------- relayed requests


@pytest.fixture(scope="module")
def funded(backend, coord1):
    """A resident with 6 coins, signed in, and an offer of 2 coins."""
    alice = new_wallet()
    earn(backend, coord1, alice.address)
    return alice, sign_in(backend, alice), create_offer_on_chain(backend, 2 * COIN, 100)


def test_relay_refusals_change_nothing(backend, funded):
    alice, me, offer = funded
    web3 = backend.node.web3
    before_ops, before_block = ops_count(backend), web3.eth.block_number
    nonce = backend.http.get("/me", headers=me).json()["next_nonce"]
    mallory = new_wallet()

    def post(kind, body):
        return backend.http.post(f"/me/{kind}", json=body, headers=me)

    # Signed by another key.
    refused(post("redeem", sign_request(backend, alice, "redeem", nonce, offer_id=offer, max_price=2 * COIN, signer=mallory)),
            403, "wrong_signer")
    # Deadline passed.
    refused(post("redeem", sign_request(backend, alice, "redeem", nonce, deadline=backend.chain_time() - 1, offer_id=offer,
                                        max_price=2 * COIN)), 422, "request_expired")
    # Nonce out of order (the next is `nonce`).
    refused(post("redeem", sign_request(backend, alice, "redeem", nonce + 5, offer_id=offer, max_price=2 * COIN)),
            409, "nonce_out_of_order")
    # Above the balance: 6 coins held.
    refused(post("donate", sign_request(backend, alice, "donate", nonce, charity=dev_key(5).address, amount=7 * COIN)),
            409, "insufficient_balance")
    # Not a charity; paying oneself; unknown offer; a price above what was signed.
    refused(post("donate", sign_request(backend, alice, "donate", nonce, charity=mallory.address, amount=COIN)),
            422, "not_a_charity")
    refused(post("pay", sign_request(backend, alice, "pay", nonce, payee=alice.address, amount=COIN,
                                     request_ref="0x" + "00" * 32)), 422, "invalid_payee")
    refused(post("redeem", sign_request(backend, alice, "redeem", nonce, offer_id=10_000, max_price=2 * COIN)),
            404, "unknown_offer")
    refused(post("redeem", sign_request(backend, alice, "redeem", nonce, offer_id=offer, max_price=COIN)),
            409, "price_above_max")
    # Malformed bodies.
    bad = sign_request(backend, alice, "redeem", nonce, offer_id=offer, max_price=2 * COIN)
    refused(post("redeem", {**bad, "max_price": 2 * COIN}), 422, "invalid_request")  # a number, not a string
    refused(post("redeem", {**bad, "signature": "0x1234"}), 422, "invalid_request")

    assert ops_count(backend) == before_ops
    assert web3.eth.block_number == before_block  # nothing was sent
    assert backend.chain.coin.functions.balanceOf(alice.address).call() == 6 * COIN


def test_coins_of_recent_activity_are_refused_until_they_unlock(backend, coord1):
    bob = new_wallet()
    earn(backend, coord1, bob.address, unlock=False)  # 6 coins, locked while the activity can be revoked
    me = sign_in(backend, bob)
    info = backend.http.get("/me", headers=me).json()
    assert info["balance"] == info["locked"] == str(6 * COIN) and info["available"] == "0"
    offer = create_offer_on_chain(backend, 2 * COIN, 10)
    before = ops_count(backend)
    r = backend.http.post("/me/redeem", json=sign_request(backend, bob, "redeem", 0, offer_id=offer, max_price=2 * COIN),
                          headers=me | {"Accept-Language": "ko"})
    refused(r, 409, "coins_locked")
    assert "확인 기간" in r.json()["detail"] and "2코인 부족" in r.json()["detail"] and ops_count(backend) == before
    backend.unlock()
    assert backend.http.get("/me", headers=me).json()["available"] == str(6 * COIN)
    r = backend.http.post("/me/redeem", json=sign_request(backend, bob, "redeem", 0, offer_id=offer, max_price=2 * COIN),
                          headers=me)
    assert r.status_code == 202, r.text


def test_a_replayed_request_is_refused_and_sent_once(backend, funded):
    alice, me, offer = funded
    nonce = backend.http.get("/me", headers=me).json()["next_nonce"]
    body = sign_request(backend, alice, "pay", nonce, payee=dev_key(8).address, amount=COIN, request_ref="0x" + "11" * 32)
    assert backend.http.post("/me/pay", json=body, headers=me).status_code == 202
    refused(backend.http.post("/me/pay", json=body, headers=me), 409, "replayed")
    backend.drain()
    refused(backend.http.post("/me/pay", json=body, headers=me), 409, "replayed")
    events = backend.chain.redemption.events.ServicePaid.get_logs(from_block=0, argument_filters={"payer": alice.address})
    assert len(events) == 1
    # The same request signed again with a used nonce: refused too.
    again = sign_request(backend, alice, "pay", nonce, payee=dev_key(8).address, amount=COIN, request_ref="0x" + "12" * 32)
    refused(backend.http.post("/me/pay", json=again, headers=me), 409, "nonce_used")


def test_inactive_and_sold_out_offers(backend, funded):
    alice, me, _ = funded
    web3, redemption = backend.node.web3, backend.chain.redemption
    provider = web3.eth.accounts[3]
    inactive = create_offer_on_chain(backend, COIN, 5)
    web3.eth.wait_for_transaction_receipt(redemption.functions.updateOffer(inactive, COIN, 5, False).transact({"from": provider}))
    nonce = backend.http.get("/me", headers=me).json()["next_nonce"]
    refused(backend.http.post("/me/redeem", json=sign_request(backend, alice, "redeem", nonce, offer_id=inactive,
                                                              max_price=COIN), headers=me), 409, "offer_inactive")
    # One voucher left: the first request takes it; a second while it is in flight is refused (sold or being sold).
    single = create_offer_on_chain(backend, COIN, 1)
    r = backend.http.post("/me/redeem", json=sign_request(backend, alice, "redeem", nonce, offer_id=single, max_price=COIN),
                          headers=me)
    assert r.status_code == 202, r.text
    refused(backend.http.post("/me/redeem", json=sign_request(backend, alice, "redeem", nonce + 1, offer_id=single,
                                                              max_price=COIN), headers=me), 409, "offer_sold_out")
    backend.drain()
    refused(backend.http.post("/me/redeem", json=sign_request(backend, alice, "redeem", nonce + 1, offer_id=single,
                                                              max_price=COIN), headers=me), 409, "offer_sold_out")
    assert [o["offer_id"] for o in backend.http.get("/offers").json()].count(single) == 0  # gone from the catalogue


def test_rate_limit_and_gas_budget(backend, funded, monkeypatch):
    alice, me, _ = funded
    settings = backend.app.state.settings
    nonce = backend.http.get("/me", headers=me).json()["next_nonce"]
    body = sign_request(backend, alice, "pay", nonce, payee=dev_key(8).address, amount=COIN // 10,
                        request_ref="0x" + "22" * 32)
    before = ops_count(backend)

    with backend.sessions() as s:
        recent = s.scalar(select(func.count()).select_from(ChainOp).where(ChainOp.subject == alice.address))
    monkeypatch.setattr(settings, "relay_rate_limit", recent)
    r = backend.http.post("/me/pay", json=body, headers=me)
    refused(r, 429, "rate_limited")
    assert "try again in" in r.json()["detail"]
    monkeypatch.setattr(settings, "relay_rate_limit", 1000)

    monkeypatch.setattr(settings, "relay_centre_budget_wei_per_day", 50_000)
    r = backend.http.post("/me/pay", json=body, headers=me)
    refused(r, 429, "gas_budget_exhausted")
    assert "centre 1" in r.json()["detail"]
    assert ops_count(backend) == before

    monkeypatch.setattr(settings, "relay_centre_budget_wei_per_day", 10**17)
    assert backend.http.post("/me/pay", json=body, headers=me).status_code == 202
    backend.drain()
    # Once mined, the budgets are charged what the relay really paid: gas used × effective gas price, in wei.
    with backend.sessions() as s:
        op = s.scalar(select(ChainOp).where(ChainOp.signature_hash.is_not(None)).order_by(ChainOp.id.desc()))
        assert op.state == "confirmed" and 21_000 < op.gas < 90_000 and op.centre_id == 1
        receipt = backend.node.web3.eth.get_transaction_receipt(op.tx_hash)
        assert op.fee_wei == receipt.gasUsed * receipt.effectiveGasPrice > 0


def test_a_resident_without_a_centre_is_told_why(backend, funded):
    """Coins received from another resident, but no activity with any centre: no centre's budget pays the gas."""
    alice, me, _ = funded
    stranger = new_wallet()
    nonce = backend.http.get("/me", headers=me).json()["next_nonce"]
    body = sign_request(backend, alice, "pay", nonce, payee=stranger.address, amount=COIN, request_ref="0x" + "44" * 32)
    assert backend.http.post("/me/pay", json=body, headers=me).status_code == 202
    backend.drain()
    theirs = sign_in(backend, stranger)
    assert backend.http.get("/me", headers=theirs).json()["balance"] == str(COIN)
    before = ops_count(backend)
    body = sign_request(backend, stranger, "pay", 0, payee=alice.address, amount=COIN // 10,
                        request_ref="0x" + "33" * 32)
    refused(backend.http.post("/me/pay", json=body, headers=theirs), 403, "no_centre")
    assert ops_count(backend) == before


def test_a_request_the_contract_refuses_at_sending_fails_with_its_reason(backend, funded):
    """Accepted, then the offer is switched off before the sender gets to it: the sender's estimate refuses it, nothing
    is sent, the reason is the contract's, and the nonce is free for the next request."""
    alice, me, _ = funded
    web3, redemption = backend.node.web3, backend.chain.redemption
    offer = create_offer_on_chain(backend, COIN, 5)
    nonce = backend.http.get("/me", headers=me).json()["next_nonce"]
    r = backend.http.post("/me/redeem", json=sign_request(backend, alice, "redeem", nonce, offer_id=offer, max_price=COIN),
                          headers=me)
    assert r.status_code == 202, r.text
    follower = backend.http.post("/me/pay", json=sign_request(backend, alice, "pay", nonce + 1, payee=dev_key(8).address,
                                                              amount=COIN // 10, request_ref="0x" + "56" * 32), headers=me)
    assert follower.status_code == 202, follower.text
    web3.eth.wait_for_transaction_receipt(redemption.functions.updateOffer(offer, COIN, 5, False)
                                          .transact({"from": web3.eth.accounts[3]}))
    relayer_nonce = web3.eth.get_transaction_count(sorted(backend.sender.keys["relayer"])[0])
    backend.drain()
    op = backend.http.get(f"/me/operations/{r.json()['id']}", headers=me).json()
    assert op["state"] == "failed" and "RedemptionOfferInactive" in op["error"] and op["tx_hash"] is None
    # The request signed after it (nonce + 1) can never be valid now: failed too, saying what to do.
    after = backend.http.get(f"/me/operations/{follower.json()['id']}", headers=me).json()
    assert after["state"] == "failed" and f"sign this request again with nonce {nonce}" in after["error"]
    assert web3.eth.get_transaction_count(sorted(backend.sender.keys["relayer"])[0]) == relayer_nonce  # nothing sent
    assert backend.http.get("/me", headers=me).json()["next_nonce"] == nonce
    assert backend.http.post("/me/pay", json=sign_request(backend, alice, "pay", nonce, payee=dev_key(8).address,
                                                          amount=COIN // 10,
                                                          request_ref="0x" + "55" * 32), headers=me).status_code == 202
    backend.drain()
