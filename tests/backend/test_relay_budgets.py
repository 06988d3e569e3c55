"""The relay's gas cannot be drained by residents: a budget in wei per resident, per centre and over all centres,
only residents a coordinator vouched for are relayed for (a community match confirmed between two residents is not
enough), and payments too small to be worth their gas are refused. Each refusal a clear 4xx in Korean or English,
with nothing recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conftest import COIN, activity_body
from residents_helpers import new_wallet, sign_in, sign_request
from sqlalchemy import func, select
from test_community import community, offer, resident  # noqa: F401 (the community fixture)
from test_residents import earn

from backend.chain.keys import dev_key
from backend.store import ops
from backend.store.models import ChainOp


def ops_count(backend) -> int:
    with backend.sessions() as s:
        return s.scalar(select(func.count()).select_from(ChainOp))


def fee_of(backend, op_id: int) -> int:
    with backend.sessions() as s:
        return s.get(ChainOp, op_id).fee_wei


def pay(backend, account, headers, nonce: int, ref: str, amount: int = COIN, language: str = "en"):
    body = sign_request(backend, account, "pay", nonce, payee=dev_key(8).address, amount=amount,
                        request_ref="0x" + ref * 32)
    return backend.http.post("/me/pay", json=body, headers={**headers, "Accept-Language": language})


def test_a_resident_at_their_own_budget_is_refused_while_a_neighbour_is_served(backend, coord1, monkeypatch):
    settings = backend.app.state.settings
    alice, bob = new_wallet(), new_wallet()
    earn(backend, coord1, alice.address)
    earn(backend, coord1, bob.address)
    alice_h, bob_h = sign_in(backend, alice), sign_in(backend, bob)

    first = pay(backend, alice, alice_h, 0, "a1")
    assert first.status_code == 202, first.text
    fee = fee_of(backend, first.json()["id"])  # reserved: the gas a payment may use × the max fee per gas now
    assert fee > 0
    # Room for one and a half requests a day: the second of the same resident passes it.
    monkeypatch.setattr(settings, "relay_resident_budget_wei_per_day", fee * 3 // 2)
    before = ops_count(backend)
    r = pay(backend, alice, alice_h, 1, "a2")
    assert r.status_code == 429 and r.json()["error"] == "resident_budget_exhausted", r.text
    assert "one resident per day" in r.json()["detail"] and "00:00 UTC" in r.json()["detail"]
    ko = pay(backend, alice, alice_h, 1, "a2", language="ko")
    assert ko.status_code == 429 and "한도" in ko.json()["detail"] and "오전 9시" in ko.json()["detail"], ko.text
    assert ops_count(backend) == before

    # Bob, of the same centre, is still served: one resident cannot use up the centre's budget.
    r = pay(backend, bob, bob_h, 0, "b1")
    assert r.status_code == 202, r.text
    backend.drain()
    # Settled: what the receipts paid, not the reservation (which assumed twice the base fee).
    for op_id in (first.json()["id"], r.json()["id"]):
        with backend.sessions() as s:
            op = s.get(ChainOp, op_id)
            receipt = backend.node.web3.eth.get_transaction_receipt(op.tx_hash)
            assert op.state == "confirmed" and op.fee_wei == receipt.gasUsed * receipt.effectiveGasPrice <= fee


def test_the_centre_and_the_global_ceilings(backend, coord1, coord2, monkeypatch):
    settings = backend.app.state.settings
    alice, carol = new_wallet(), new_wallet()
    earn(backend, coord1, alice.address)
    r = backend.http.post("/activities", json=activity_body(carol.address, approve=True, centre_id=2), headers=coord2)
    assert r.status_code == 201, r.text
    backend.drain()
    backend.unlock()
    alice_h, carol_h = sign_in(backend, alice), sign_in(backend, carol)
    assert backend.http.get("/me", headers=carol_h).json()["centre_id"] == 2
    with backend.sessions() as s:
        spent = ops.fees_today(s)
    before = ops_count(backend)

    # All centres together may spend no more today than they already have: both centres' residents are refused.
    monkeypatch.setattr(settings, "relay_global_budget_wei_per_day", spent + 1)
    for account, headers in ((alice, alice_h), (carol, carol_h)):
        r = pay(backend, account, headers, 0, "c1")
        assert r.status_code == 429 and r.json()["error"] == "relay_budget_exhausted", r.text
        assert "all centres" in r.json()["detail"]
    r = pay(backend, carol, carol_h, 0, "c1", language="ko")
    assert "모든 센터" in r.json()["detail"], r.text
    monkeypatch.setattr(settings, "relay_global_budget_wei_per_day", 10**18)

    # A centre's budget: centre 1's residents are refused, centre 2's are not.
    with backend.sessions() as s:
        centre1 = ops.fees_today(s, centre_id=1)
    monkeypatch.setattr(settings, "relay_centre_budget_wei_per_day", centre1 + 1)
    r = pay(backend, alice, alice_h, 0, "c2")
    assert r.status_code == 429 and r.json()["error"] == "gas_budget_exhausted" and "centre 1" in r.json()["detail"]
    assert ops_count(backend) == before
    with backend.sessions() as s:
        centre2 = ops.fees_today(s, centre_id=2)
    monkeypatch.setattr(settings, "relay_centre_budget_wei_per_day", max(centre1, centre2) + 10**17)
    assert pay(backend, carol, carol_h, 0, "c3").status_code == 202
    backend.drain()


def test_a_match_confirmed_between_residents_does_not_make_a_wallet_eligible(community, coord1):  # noqa: F811
    """Two residents agree a "need" and its confirmation: the activity it records waits for a coordinator, and until
    one approves it no centre pays the volunteer's gas."""
    backend = community
    asker, asker_h = resident(backend)
    helper, helper_h = resident(backend)
    talent = offer(backend, helper_h, "장보기 도와드려요", "seocho-banpo1", ("any",))
    start = datetime.now(UTC) - timedelta(hours=1)
    r = backend.http.post("/needs", json={"title": "장보기 도움이 필요해요", "area": "seocho-banpo1",
                                          "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat(),
                                          "settlement": "volunteer_activity", "centre_id": 1}, headers=asker_h)
    assert r.status_code == 201, r.text
    need = r.json()
    r = backend.http.post(f"/needs/{need['id']}/matches", json={"talent_id": talent["id"]}, headers=helper_h)
    assert r.status_code == 201, r.text
    match = r.json()
    assert backend.http.post(f"/matches/{match['id']}/accept", headers=asker_h).json()["status"] == "scheduled"
    r = backend.http.post(f"/matches/{match['id']}/confirm", json={"happened": True}, headers=asker_h)
    assert r.status_code == 200 and r.json()["activity_status"] == "recorded", r.text
    activity_id = r.json()["activity_id"]

    # Also a self-report the coordinator has not reviewed yet.
    r = backend.http.post("/activities", json=activity_body(helper.address, source="self_report"), headers=coord1)
    assert r.status_code == 201 and r.json()["status"] == "pending_review", r.text

    assert backend.http.get("/me", headers=helper_h).json()["centre_id"] is None
    before = ops_count(backend)
    body = sign_request(backend, helper, "pay", 0, payee=asker.address, amount=COIN, request_ref="0x" + "d1" * 32)
    r = backend.http.post("/me/pay", json=body, headers={**helper_h, "Accept-Language": "ko"})
    assert r.status_code == 403 and r.json()["error"] == "no_centre", r.text
    assert "코디네이터" in r.json()["detail"]
    assert ops_count(backend) == before

    # Once a coordinator approves the match's activity, the centre pays.
    r = backend.http.post(f"/activities/{activity_id}/approve", headers=coord1)
    assert r.status_code == 200, r.text
    assert backend.http.get("/me", headers=helper_h).json()["centre_id"] == 1


def test_a_tiny_payment_or_donation_is_refused(backend, coord1):
    settings = backend.app.state.settings
    alice = new_wallet()
    earn(backend, coord1, alice.address)
    me = sign_in(backend, alice)
    before = ops_count(backend)
    r = pay(backend, alice, me, 0, "e1", amount=settings.relay_min_amount - 1)
    assert r.status_code == 422 and r.json()["error"] == "amount_too_small", r.text
    assert "at least 0.1 coins" in r.json()["detail"]
    r = pay(backend, alice, me, 0, "e1", amount=1, language="ko")
    assert r.status_code == 422 and "0.1코인 이상" in r.json()["detail"], r.text
    body = sign_request(backend, alice, "donate", 0, charity=dev_key(5).address, amount=10**6)
    r = backend.http.post("/me/donate", json=body, headers=me)
    assert r.status_code == 422 and r.json()["error"] == "amount_too_small", r.text
    assert ops_count(backend) == before
    assert pay(backend, alice, me, 0, "e2", amount=settings.relay_min_amount).status_code == 202
    backend.drain()
