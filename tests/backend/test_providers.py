"""Providers over HTTP on the real chain: offers published and edited through the backend with the provider's key,
vouchers verified and fulfilled once, settlement and a statement the city can check against the chain's logs."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from conftest import COIN, PASSWORD
from residents_helpers import new_wallet, sign_in, sign_request
from test_resident_refusals import ops_count, refused
from test_residents import earn


@pytest.fixture(scope="module")
def gym(backend):
    return backend.login("gym")


@pytest.fixture(scope="module")
def cafe(backend, admin_headers):
    r = backend.http.post("/staff", json={"username": "cafe", "password": PASSWORD, "role": "provider",
                                          "address": backend.node.web3.eth.accounts[4]}, headers=admin_headers)
    assert r.status_code == 201, r.text
    return backend.login("cafe")


def publish(backend, headers, **body) -> int:
    body = {"title": "Gym day pass", "description": "one visit", "price": str(2 * COIN), "capacity": 20} | body
    r = backend.http.post("/provider/offers", json=body, headers=headers)
    assert r.status_code == 202, r.text
    backend.drain()
    op = backend.http.get(f"/operations/{r.json()['id']}", headers=headers).json()
    assert op["state"] == "confirmed", op
    return int(op["result"]["OfferCreated"]["offerId"])


def redeem(backend, coord, offer_id: int, price: int) -> tuple[object, int]:
    alice = new_wallet()
    earn(backend, coord, alice.address)
    me = sign_in(backend, alice)
    r = backend.http.post("/me/redeem", json=sign_request(backend, alice, "redeem", 0, offer_id=offer_id, max_price=price),
                          headers=me)
    assert r.status_code == 202, r.text
    backend.drain()
    op = backend.http.get(f"/me/operations/{r.json()['id']}", headers=me).json()
    return alice, int(op["result"]["VoucherIssued"]["voucherId"])


def voucher_code(backend, resident, voucher: int) -> str:
    """The check code the resident's app shows beside the voucher (GET /me/vouchers)."""
    mine = backend.http.get("/me/vouchers", headers=sign_in(backend, resident)).json()
    return next(v["code"] for v in mine if v["voucher_id"] == str(voucher))


def test_publish_and_edit_offers(backend, gym, cafe):
    offer_id = publish(backend, gym, title="Swimming, 1 hour")
    o = backend.http.get(f"/offers/{offer_id}").json()
    assert o["title"] == "Swimming, 1 hour" and o["provider"] == backend.node.web3.eth.accounts[3]
    assert o["provider_name"] == "Welfare Centre Gym" and o["price"] == str(2 * COIN) and o["active"]

    r = backend.http.patch(f"/provider/offers/{offer_id}", json={"price": str(3 * COIN), "active": False}, headers=gym)
    assert r.status_code == 202, r.text
    backend.drain()
    assert tuple(backend.chain.redemption.functions.offer(offer_id).call())[1:] == (3 * COIN, 20, 0, False)
    r = backend.http.patch(f"/provider/offers/{offer_id}", json={"title": "Swimming, 90 minutes"}, headers=gym)
    assert r.status_code == 200 and r.json()["title"] == "Swimming, 90 minutes"

    before = ops_count(backend)
    refused(backend.http.patch(f"/provider/offers/{offer_id}", json={"price": "1"}, headers=cafe), 403, "not_your_offer")
    refused(backend.http.patch(f"/provider/offers/{offer_id}", json={}, headers=gym), 422, "no_change")
    refused(backend.http.post("/provider/offers", json={"title": "x", "price": "0", "capacity": 1}, headers=gym),
            422, "invalid_price")
    refused(backend.http.get("/provider/offers", headers=backend.login("coord1")), 403, "staff_required")
    assert ops_count(backend) == before


def test_vouchers_verified_and_used_once(backend, gym, cafe, coord1):
    offer_id = publish(backend, gym)
    alice, voucher = redeem(backend, coord1, offer_id, 2 * COIN)
    code = voucher_code(backend, alice, voucher)
    v = backend.http.get(f"/provider/vouchers/{voucher}", params={"code": code}, headers=gym).json()
    assert v["valid"] and v["code_ok"] and v["resident"] == alice.address and v["price"] == str(2 * COIN)
    assert not v["fulfilled"]
    # Where it was issued: the transaction of the resident's redemption, in the block named.
    assert backend.node.web3.eth.get_transaction_receipt(v["issued_tx"])["blockNumber"] == v["issued_block"]
    assert backend.chain.voucher_issued(voucher + 999) is None

    before = ops_count(backend)
    refused(backend.http.get(f"/provider/vouchers/{voucher}", headers=cafe), 403, "not_your_voucher")
    refused(backend.http.post(f"/provider/vouchers/{voucher}/fulfill", headers=cafe), 403, "not_your_voucher")
    refused(backend.http.get(f"/provider/vouchers/{voucher + 999}", headers=gym), 404, "unknown_voucher")
    assert ops_count(backend) == before

    fulfil = f"/provider/vouchers/{voucher}/fulfill"
    assert backend.http.post(fulfil, params={"code": code.lower()}, headers=gym).status_code == 202  # typed in lower case
    refused(backend.http.post(fulfil, params={"code": code}, headers=gym), 409, "voucher_used")  # in flight
    backend.drain()
    assert backend.chain.redemption.functions.voucherStatus(voucher).call()[2] is True
    refused(backend.http.post(fulfil, params={"code": code}, headers=gym), 409, "voucher_used")
    assert backend.http.get(f"/provider/vouchers/{voucher}", params={"code": code}, headers=gym).json()["valid"] is False
    assert next(v for v in backend.http.get("/me/vouchers", headers=sign_in(backend, alice)).json()
                if v["voucher_id"] == str(voucher))["fulfilled"] is True
    events = backend.chain.redemption.events.VoucherFulfilled.get_logs(from_block=0, argument_filters={"voucherId": voucher})
    assert len(events) == 1


def test_a_voucher_number_alone_is_not_enough_at_the_desk(backend, gym, coord1):
    """Voucher numbers run in order: without the check code only its resident sees, the desk says not valid and
    refuses to mark it used; a wrong code likewise; nothing is sent."""
    offer_id = publish(backend, gym)
    alice, voucher = redeem(backend, coord1, offer_id, 2 * COIN)
    code = voucher_code(backend, alice, voucher)
    bare = backend.http.get(f"/provider/vouchers/{voucher}", headers=gym).json()
    assert bare["valid"] is False and bare["code_ok"] is None and not bare["fulfilled"]
    wrong = "2" * len(code) if code != "2" * len(code) else "3" * len(code)
    assert backend.http.get(f"/provider/vouchers/{voucher}", params={"code": wrong}, headers=gym).json()["code_ok"] is False
    before = ops_count(backend)
    refused(backend.http.post(f"/provider/vouchers/{voucher}/fulfill", headers=gym), 403, "voucher_code_wrong")
    refused(backend.http.post(f"/provider/vouchers/{voucher}/fulfill", params={"code": wrong}, headers=gym), 403,
            "voucher_code_wrong")
    assert ops_count(backend) == before
    # The code is the resident's: made when the redemption was confirmed, the same every time it is shown.
    assert voucher_code(backend, alice, voucher) == code and len(code) == 6


def test_settlement_statement_matches_the_chain(backend, gym, coord1):
    first_day = datetime.fromtimestamp(backend.chain_time(), UTC).date()
    offer_id = publish(backend, gym, price=str(COIN))
    for _ in range(2):
        redeem(backend, coord1, offer_id, COIN)
    r = backend.http.post("/provider/settlements", json={"amount": str(COIN)}, headers=gym)
    assert r.status_code == 202, r.text
    refused(backend.http.post("/provider/settlements", json={"amount": str(10**6 * COIN)}, headers=gym),
            409, "insufficient_balance")
    backend.drain()

    # The period by the chain's calendar (the test moved the chain's time ahead to unlock the residents' coins).
    last_day = datetime.fromtimestamp(backend.chain_time(), UTC).date()
    period = {"start": first_day.isoformat(), "end": (last_day + timedelta(days=1)).isoformat()}
    s = backend.http.get("/provider/settlement", params=period, headers=gym).json()
    check = s["check"]
    redemption = backend.chain.redemption
    provider = backend.node.web3.eth.accounts[3]
    issued = redemption.events.VoucherIssued.get_logs(from_block=check["from_block"], to_block=check["to_block"],
                                                      argument_filters={"provider": provider})
    settled = redemption.events.Settled.get_logs(from_block=check["from_block"], to_block=check["to_block"],
                                                 argument_filters={"provider": provider})
    assert s["vouchers_issued"] == len(issued) >= 2
    assert s["coins_received"] == str(sum(e.args.price for e in issued))
    assert s["coins_settled"] == str(sum(e.args.amount for e in settled)) == str(COIN)
    assert s["won_settled"] == str(sum(e.args.wonAmount for e in settled)) == "200"
    assert s["won_per_coin"] == 200
    assert s["won_owed_for_received"] == str(int(s["coins_received"]) * 200 // COIN)
    r = backend.http.get("/provider/settlement", params={"start": "2020-01-02", "end": "2020-01-01"}, headers=gym)
    refused(r, 422, "invalid_period")


def test_settlement_days_and_csv_agree_with_the_statement(backend, gym, coord1):
    """After a real redemption, fulfilment and settlement: the statement's days add up to its totals, and the CSV's
    rows and totals row say the same as the JSON."""
    first_day = datetime.fromtimestamp(backend.chain_time(), UTC).date()
    offer_id = publish(backend, gym, title="Sauna pass", price=str(3 * COIN))
    alice, voucher = redeem(backend, coord1, offer_id, 3 * COIN)
    # The resident's history names the offer by its off-chain title, and the provider in both languages.
    entry = next(e for e in backend.http.get("/me/history", headers=sign_in(backend, alice)).json()["entries"]
                 if e["kind"] == "redeemed")
    assert (entry["offer_title"], entry["provider_name_ko"]) == ("Sauna pass", "복지관 체력단련실")
    assert backend.http.post(f"/provider/vouchers/{voucher}/fulfill", params={"code": voucher_code(backend, alice, voucher)},
                             headers=gym).status_code == 202
    r = backend.http.post("/provider/settlements", json={"amount": str(2 * COIN)}, headers=gym)
    assert r.status_code == 202, r.text
    backend.drain()

    last_day = datetime.fromtimestamp(backend.chain_time(), UTC).date()
    period = {"start": first_day.isoformat(), "end": (last_day + timedelta(days=1)).isoformat()}
    s = backend.http.get("/provider/settlement", params=period, headers=gym).json()
    assert s["vouchers_issued"] >= 1 and s["vouchers_fulfilled"] >= 1 and s["settlements"]
    days = s["days"]
    assert [d["date"] for d in days] == sorted({d["date"] for d in days})  # one row per day, in order
    assert all(period["start"] <= d["date"] < period["end"] for d in days)
    for total, key in (("coins_received", "coins_received"), ("coins_settled", "coins_settled"),
                       ("won_settled", "won_settled")):
        assert sum(int(d[key]) for d in days) == int(s[total]), key
    assert sum(d["vouchers_issued"] for d in days) == s["vouchers_issued"]
    assert sum(d["vouchers_fulfilled"] for d in days) == s["vouchers_fulfilled"]
    # The voucher's day: the day of the block it was issued in.
    issued_at = backend.node.web3.eth.get_block(backend.chain.voucher_issued(voucher)["block_number"])["timestamp"]
    day = next(d for d in days if d["date"] == datetime.fromtimestamp(issued_at, UTC).date().isoformat())
    assert int(day["coins_received"]) >= 3 * COIN and day["vouchers_issued"] >= 1

    r = backend.http.get("/provider/settlement.csv", params=period | {"lang": "en"}, headers=gym)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == f"attachment; filename=settlement-{period['start']}-{period['end']}.csv"
    assert r.content.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark, for Excel
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    body, totals = rows[:-1], rows[-1]
    assert totals["kind"] == "total"
    assert Decimal(totals["coins_received"]) * COIN == int(s["coins_received"])
    assert Decimal(totals["coins_settled"]) * COIN == int(s["coins_settled"])
    assert int(totals["won_settled"]) == int(s["won_settled"])
    kinds = [row["kind"] for row in body]
    assert kinds.count("voucher issued") == s["vouchers_issued"]
    assert kinds.count("voucher fulfilled") == s["vouchers_fulfilled"]
    assert kinds.count("settlement") == len(s["settlements"])
    assert {(row["kind"], row["id"]) for row in body} >= {("voucher issued", str(voucher)),
                                                           ("voucher fulfilled", str(voucher))}
    assert {row["tx_hash"] for row in body if row["kind"] == "settlement"} == {x["tx_hash"] for x in s["settlements"]}
    assert sorted((row["date"], row["time_utc"]) for row in body) == [(row["date"], row["time_utc"]) for row in body]

    # In Korean by Accept-Language: the same figures under Korean headers.
    ko = backend.http.get("/provider/settlement.csv", params=period, headers=gym | {"Accept-Language": "ko-KR"})
    text = ko.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("날짜,") and "합계" in text.splitlines()[-1]
    assert text.splitlines()[-1].split(",")[4:7] == [totals["coins_received"], totals["coins_settled"],
                                                     totals["won_settled"]]
    refused(backend.http.get("/provider/settlement.csv", params={"start": "2020-01-02", "end": "2020-01-01"},
                             headers=gym), 422, "invalid_period")
    refused(backend.http.get("/provider/settlement.csv", params=period, headers=backend.login("coord1")),
            403, "staff_required")


def test_the_city_switches_any_offer_off_and_its_provider_cannot_switch_it_back_on(backend, gym, admin_headers):
    offer_id = publish(backend, gym, title="Sauna, 1 hour")
    redemption = backend.chain.redemption.functions

    def admin_switch(active: bool):
        return backend.http.put(f"/admin/offers/{offer_id}/active", json={"active": active}, headers=admin_headers)

    r = admin_switch(False)
    assert r.status_code == 202, r.text
    backend.drain()
    assert backend.http.get(f"/operations/{r.json()['id']}", headers=admin_headers).json()["state"] == "confirmed"
    assert redemption.offer(offer_id).call()[4] is False and redemption.offerSuspended(offer_id).call() is True
    assert backend.http.get("/admin/audit", headers=admin_headers).json()[0]["action"] == "set_offer_active"

    before = ops_count(backend)
    # Suspended: the provider's own switch is refused by the contract's dry run, nothing is queued.
    r = backend.http.patch(f"/provider/offers/{offer_id}", json={"active": True}, headers=gym)
    assert r.status_code == 409 and "RedemptionOfferSuspended" in r.json()["detail"], r.text
    r = admin_switch(False)
    refused(r, 409, "no_change")
    r = backend.http.put(f"/admin/offers/{offer_id}/active", json={"active": False},
                         headers={**admin_headers, "Accept-Language": "ko"})
    assert r.json()["detail"] == f"{offer_id}번 상품은 이미 시에서 판매를 중지했습니다"
    refused(backend.http.put("/admin/offers/999999/active", json={"active": False}, headers=admin_headers),
            404, "unknown_offer")
    refused(backend.http.put(f"/admin/offers/{offer_id}/active", json={"active": True}, headers=gym),
            403, "staff_required")
    assert ops_count(backend) == before

    r = admin_switch(True)
    assert r.status_code == 202, r.text
    backend.drain()
    assert redemption.offer(offer_id).call()[4] is True and redemption.offerSuspended(offer_id).call() is False
    refused(admin_switch(True), 409, "no_change")


def test_a_retried_offer_with_the_same_idempotency_key_is_published_once(backend, gym):
    body = {"title": "Yoga class", "price": str(COIN), "capacity": 12}
    headers = gym | {"Idempotency-Key": "yoga-2026-11"}
    first = backend.http.post("/provider/offers", json=body, headers=headers)
    again = backend.http.post("/provider/offers", json=body, headers=headers)
    assert first.status_code == again.status_code == 202 and again.json()["id"] == first.json()["id"]
    count = backend.chain.redemption.functions.offerCount().call()
    backend.drain()
    assert backend.chain.redemption.functions.offerCount().call() == count + 1


def test_settlement_expects_the_won_at_the_rate_read_when_accepted(backend, gym, coord1):
    """min_won defaults to the won at the rate read now: if the city lowers the rate before the settlement is mined,
    it reverts on-chain (RedemptionWonBelowMinimum) instead of paying the provider less."""
    offer_id = publish(backend, gym, price=str(COIN))
    redeem(backend, coord1, offer_id, COIN)
    web3, red = backend.node.web3, backend.chain.redemption
    rate = red.functions.wonPerCoin().call()
    refused(backend.http.post("/provider/settlements", json={"amount": str(COIN), "min_won": str(rate + 1)},
                              headers=gym), 409, "won_below_minimum")
    refused(backend.http.post("/provider/settlements", json={"amount": "1"}, headers=gym), 422, "zero_won")
    r = backend.http.post("/provider/settlements", json={"amount": str(COIN)}, headers=gym)
    assert r.status_code == 202, r.text
    op_id = r.json()["id"]
    admin = web3.eth.accounts[0]
    web3.eth.wait_for_transaction_receipt(red.functions.setWonPerCoin(rate - 50).transact({"from": admin}))
    try:
        backend.drain()
        op = backend.http.get(f"/operations/{op_id}", headers=gym).json()
        assert op["state"] == "failed" and "RedemptionWonBelowMinimum" in op["error"], op
        # With the lower rate accepted explicitly, it goes through.
        r = backend.http.post("/provider/settlements", json={"amount": str(COIN), "min_won": str(rate - 50)},
                              headers=gym)
        assert r.status_code == 202, r.text
        backend.drain()
        assert backend.http.get(f"/operations/{r.json()['id']}", headers=gym).json()["state"] == "confirmed"
    finally:
        web3.eth.wait_for_transaction_receipt(red.functions.setWonPerCoin(rate).transact({"from": admin}))


def test_another_providers_operation_is_not_found(backend, gym, cafe):
    r = backend.http.post("/provider/offers", json={"title": "Sauna", "description": "one visit", "price": str(COIN),
                                                    "capacity": 5}, headers=gym)
    assert r.status_code == 202, r.text
    assert backend.http.get(f"/operations/{r.json()['id']}", headers=gym).status_code == 200
    theirs = backend.http.get(f"/operations/{r.json()['id']}", headers=cafe)
    assert theirs.status_code == 404 and theirs.json()["error"] == "not_found"


def test_another_residents_operation_is_not_found(backend, gym, coord1):
    offer_id = publish(backend, gym, title="Yoga class", price=str(COIN))
    alice = new_wallet()
    earn(backend, coord1, alice.address)
    r = backend.http.post("/me/redeem", json=sign_request(backend, alice, "redeem", 0, offer_id=offer_id,
                                                          max_price=COIN), headers=sign_in(backend, alice))
    assert r.status_code == 202, r.text
    bob = sign_in(backend, new_wallet())
    theirs = backend.http.get(f"/me/operations/{r.json()['id']}", headers=bob)
    assert theirs.status_code == 404 and theirs.json()["error"] == "not_found"
    assert r.json()["id"] not in [op["id"] for op in backend.http.get("/me/operations", headers=bob).json()]
