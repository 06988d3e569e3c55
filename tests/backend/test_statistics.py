"""Open statistics: GET /statistics(.csv) from the indexed events, and scripts/recompute_statistics.py from the chain
alone, on a chain of this module's own (so every figure is known, and its clock can be moved to a next month).

The scenario goes through the real API for activities and revocations and sends the redemption side (offers,
vouchers, payments, donations, settlements, the won rate) as direct transactions with development keys.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from conftest import COIN, ROOT, activity_body, own_node_fixtures
from eth_account import Account
from nodes import command_env
from web3.logs import DISCARD

from backend.domain import statistics as st

SCRIPT = ROOT / "scripts" / "recompute_statistics.py"
PEOPLE = [("김민지", "010-1234-5678", "minji@example.kr"),
          ("Park Jisoo", "010-2222-3333", "jisoo.park@example.com"),
          ("이서연", "010-9876-5432", "seoyeon@example.org"),
          ("Choi Hana", "010-5555-6666", "hana.choi@example.net")]


node, manifest_dir = own_node_fixtures()


def month(ts: float | datetime) -> str:
    return st.month_of(int(ts.timestamp() if isinstance(ts, datetime) else ts))


def run_script(backend, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), "--rpc-url", backend.node.url, "--deployments-dir",
                           str(backend.settings.deployments_dir), *args],
                          cwd=ROOT, env=command_env(), capture_output=True, timeout=300)


@dataclass
class Scenario:
    residents: list  # LocalAccounts
    provider: str
    charity: str
    activity_month: str  # M: month of the activities recorded 3 hours ago
    old_month: str  # P: month of the activity recorded 40 days ago
    block_month: str  # B: month of the blocks of the redemption side before the clock moves
    next_month: str  # N: the month the chain's clock is moved into


class Sender:
    """Transactions with development keys: unlocked node accounts by address, residents by their own key."""

    def __init__(self, backend):
        self.web3, self.redemption = backend.node.web3, backend.chain.redemption

    def send(self, call, sender):
        if isinstance(sender, str):
            tx_hash = call.transact({"from": sender})
        else:
            nonce = self.web3.eth.get_transaction_count(sender.address)
            tx = call.build_transaction({"from": sender.address, "nonce": nonce, "chainId": self.web3.eth.chain_id})
            tx_hash = self.web3.eth.send_raw_transaction(sender.sign_transaction(tx).raw_transaction)
        receipt = self.web3.eth.wait_for_transaction_receipt(tx_hash)
        assert receipt["status"] == 1
        return receipt

    def block_month(self, receipt) -> str:
        return month(self.web3.eth.get_block(receipt["blockNumber"])["timestamp"])


def record(backend, headers, volunteer, centre, category, units, at: datetime) -> int:
    r = backend.http.post("/activities", headers=headers, json=activity_body(
        volunteer, centre_id=centre, category=category, units=units, occurred_at=at.isoformat(), approve=True))
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.fixture(scope="module")
def scenario(backend, coord1, coord2, admin_headers) -> Scenario:
    # Nothing indexed yet: the statistics say so instead of showing an empty table.
    r = backend.http.get("/statistics")
    assert r.status_code == 503 and r.json()["error"] == "not_indexed_yet", r.text

    web3 = backend.node.web3
    manifest = json.loads((backend.settings.deployments_dir / f"{web3.eth.chain_id}.json").read_text())
    admin, provider = manifest["admin"], manifest["config"]["providers"][0]["address"]
    charity = manifest["config"]["charities"][0]["address"]
    residents = [Account.create() for _ in PEOPLE]
    for account, (name, phone, email) in zip(residents, PEOPLE, strict=True):
        r = backend.http.post("/residents", headers=admin_headers,
                              json={"address": account.address, "name": name, "phone": phone, "email": email,
                                    "consent_terms_version": "2026-01", "centre_id": 1})
        assert r.status_code == 201, r.text
        web3.eth.wait_for_transaction_receipt(web3.eth.send_transaction(
            {"from": web3.eth.accounts[0], "to": account.address, "value": 10**18}))
    r1, r2, r3, r4 = residents
    now = datetime.now(UTC)
    recent, old = now - timedelta(hours=3), now - timedelta(days=40)

    # Activities through the API (coordinators of centres 1 and 2).
    record(backend, coord1, r1.address, 1, 1, 120, recent)  # 2 hours of volunteering: 6 coins
    class_id = record(backend, coord1, r2.address, 1, 2, 2, recent)  # 2 classes: 2 coins
    record(backend, coord2, r3.address, 2, 3, 15, recent)  # 15 items recycled: 1.5 coins
    record(backend, coord2, r1.address, 2, 1, 90, old)  # 90 minutes, 40 days ago: 4.5 coins
    hour_id = record(backend, coord2, r4.address, 2, 1, 60, recent)  # 1 hour: 3 coins
    backend.drain()

    tx = Sender(backend)
    red = backend.chain.redemption.functions
    # Two activities revoked: their coins are still locked (they cannot have been spent), so both are burned.
    for aid, headers in ((class_id, coord1), (hour_id, coord2)):
        r = backend.http.post(f"/activities/{aid}/revoke", json={"reason": "not on the sign-in sheet"}, headers=headers)
        assert r.status_code == 200, r.text
    backend.drain()
    # r4 earns 5 community points (a grant, or a confirmed report in the period's batch): 5 coins.
    record(backend, coord1, r4.address, 1, 4, 5, recent)
    backend.drain()
    backend.unlock()  # the chain's time moves on until the coins can be spent

    offer = tx.send(red.createOffer(2 * COIN, 10), provider)
    events = backend.chain.redemption.events
    offer_id = events.OfferCreated().process_receipt(offer, errors=DISCARD)[0]["args"]["offerId"]
    voucher = tx.send(red.redeem(offer_id, 2 * COIN), r1)
    first_spent = voucher
    voucher_id = events.VoucherIssued().process_receipt(voucher, errors=DISCARD)[0]["args"]["voucherId"]
    tx.send(red.fulfill(voucher_id), provider)
    tx.send(red.payForService(r3.address, COIN, b"\x01" * 32), r1)
    tx.send(red.settle(2 * COIN, 0), provider)  # 2 coins at 200 won
    tx.send(red.setWonPerCoin(250), admin)
    last = tx.send(red.donate(charity, COIN), r3)  # 1 coin at 250 won
    months = {tx.block_month(first_spent), tx.block_month(last)}
    assert len(months) == 1, "the clock crossed a month boundary during the scenario; run again"

    # The chain's clock moves to the next month: redemptions and settlements there count in that month.
    head = web3.eth.get_block("latest")["timestamp"]
    first = datetime.fromtimestamp(head, UTC).replace(day=1, hour=12, minute=0, second=0, microsecond=0)
    next_month = (first + timedelta(days=32)).replace(day=1)
    web3.provider.make_request("evm_setNextBlockTimestamp", [int(next_month.timestamp())])
    later = tx.send(red.redeem(offer_id, 2 * COIN), r1)  # 2 coins at 250 won
    tx.send(red.settle(2 * COIN, 0), provider)
    backend.drain()
    return Scenario(residents, provider, charity, month(recent), month(old), months.pop(), tx.block_month(later))


def by_key(doc: dict) -> dict:
    return {(r["month"], r["flow"], r["centre_id"], r["category_id"], r["organisation_address"]): r
            for r in doc["rows"]}


def test_figures_follow_the_rules(backend, scenario):
    s = scenario
    r = backend.http.get("/statistics")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    doc = r.json()
    assert doc["to_block"] == backend.node.block == int(r.headers["X-Statistics-Block"])
    assert doc["to_block_hash"] == "0x" + bytes(backend.node.web3.eth.get_block(doc["to_block"])["hash"]).hex()
    assert doc["chain_id"] == 31337 and doc["won_per_coin"] == 250 and doc["schema"] == st.SCHEMA
    M, P, B, N = s.activity_month, s.old_month, s.block_month, s.next_month
    rows = by_key(doc)

    def figures(key):
        row = rows[key]
        return row["count"], row["units"], row["hours"], row["coins"], row["won"]

    # 120 minutes of volunteering = 2 hours = 6 coins = 1,200 won.
    assert figures((M, "issued", 1, 1, None)) == (1, 120, "2", "6", "1200")
    volunteering = rows[(M, "issued", 1, 1, None)]
    assert (volunteering["category"], volunteering["unit"], volunteering["centre"]) == (
        "volunteering", "minute", "seocho-volunteer-centre")
    assert figures((M, "issued", 1, 2, None)) == (1, 2, None, "2", "400")  # classes are not hours
    assert figures((M, "issued", 1, 4, None)) == (1, 5, None, "5", "1000")
    assert figures((M, "issued", 2, 3, None)) == (1, 15, None, "1.5", "300")
    assert figures((M, "issued", 2, 1, None)) == (1, 60, "1", "3", "600")
    assert figures((P, "issued", 2, 1, None)) == (1, 90, "1.5", "4.5", "900")  # by the activity's own month
    # A revocation counts in the row of the activity it revokes.
    assert figures((M, "revoked", 1, 2, None)) == (1, 2, None, "2", "400")
    assert figures((M, "revoked", 2, 1, None)) == (1, 60, "1", "3", "600")
    # The redemption side by the block's month and organisation, at the rate in force (200, then 250).
    assert figures((B, "redeemed", None, None, s.provider)) == (1, None, None, "2", "400")
    assert rows[(B, "redeemed", None, None, s.provider)]["organisation"] == "welfare-centre-gym"
    assert figures((B, "fulfilled", None, None, s.provider)) == (1, None, None, "2", "400")
    assert figures((B, "paid", None, None, None)) == (1, None, None, "1", "200")
    assert figures((B, "settled", None, None, s.provider)) == (1, None, None, "2", "400")
    assert figures((B, "donated", None, None, s.charity)) == (1, None, None, "1", "250")  # 1 at 250
    assert rows[(B, "donated", None, None, s.charity)]["organisation"] == "neighbour-love-food-bank"
    assert figures((N, "redeemed", None, None, s.provider)) == (1, None, None, "2", "500")
    assert figures((N, "settled", None, None, s.provider)) == (1, None, None, "2", "500")
    assert len(rows) == 15

    assert doc["totals"]["issued"] == {"count": 6, "hours": "4.5", "coins": "22", "won": "4400"}
    assert doc["totals"]["revoked"] == {"count": 2, "hours": "1", "coins": "5", "won": "1000"}
    assert doc["totals"]["settled"] == {"count": 2, "hours": None, "coins": "4", "won": "900"}
    # Where every coin came from and went: the supply reconciles with the coin's own totalSupply.
    supply = doc["supply"]
    assert supply == {"issued": "22", "debt_netted": "0", "minted": "22", "clawed_back": "5", "settled": "4",
                      "burned": "9", "circulating": "13", "debt_outstanding": "0"}
    coin = backend.chain.coin
    assert coin.functions.totalSupply().call(block_identifier=doc["to_block"]) == 13 * COIN
    transfers = coin.events.Transfer.get_logs(from_block=0, to_block=doc["to_block"])
    zero = "0x" + "0" * 40
    assert sum(t["args"]["value"] for t in transfers if t["args"]["from"] == zero) == 22 * COIN
    assert sum(t["args"]["value"] for t in transfers if t["args"]["to"] == zero) == 9 * COIN


def test_api_and_script_agree_byte_for_byte(backend, scenario, tmp_path):
    doc = backend.http.get("/statistics")
    csv_doc = backend.http.get("/statistics.csv")
    assert doc.headers["X-Statistics-Block"] == csv_doc.headers["X-Statistics-Block"]
    block = doc.json()["to_block"]
    assert csv_doc.headers["content-type"].startswith("text/csv")
    assert f"-block-{block}.csv" in csv_doc.headers["content-disposition"]
    assert backend.http.get("/statistics?format=csv").content == csv_doc.content
    for fmt, body in (("json", doc.content), ("csv", csv_doc.content)):
        result = run_script(backend, "--to-block", str(block), "--format", fmt, "--chunk", "7")
        assert result.returncode == 0, result.stderr.decode()
        assert result.stdout == body, fmt
    result = run_script(backend, "--to-block", str(block), "--format", "csv", "--out", str(tmp_path / "s.csv"))
    assert result.returncode == 0 and (tmp_path / "s.csv").read_bytes() == csv_doc.content, result.stderr.decode()
    header, *lines = csv_doc.content.decode().splitlines()
    assert header.split(",") == list(st.COLUMNS) and len(lines) == len(doc.json()["rows"])
    # With filters too; and --compare fetches both exports and checks them against the chain itself.
    result = run_script(backend, "--compare", backend.url)
    assert result.returncode == 0, result.stderr.decode()
    assert "json: identical" in result.stderr.decode() and "csv: identical" in result.stderr.decode()
    result = run_script(backend, "--compare", backend.url, "--centre", "1", "--category", "volunteering",
                        "--from", scenario.activity_month)
    assert result.returncode == 0, result.stderr.decode()
    result = run_script(backend, "--compare", backend.url, "--month", scenario.old_month)
    assert result.returncode == 0, result.stderr.decode()
    filtered = run_script(backend, "--to-block", str(block), "--centre", "1", "--category", "volunteering")
    assert filtered.stdout == backend.http.get("/statistics?centre=1&category=volunteering").content


def test_new_blocks_reorganisations_and_a_backend_that_misreports(backend, scenario):
    """The API adds new blocks to the sums it keeps and starts again after a reorganisation; --compare catches a
    backend whose database no longer matches the chain (here: a donation's amount altered)."""
    from sqlalchemy import func, select

    from backend.store.db import transaction
    from backend.store.models import ChainEvent

    web3, tx = backend.node.web3, Sender(backend)
    red, r3 = backend.chain.redemption.functions, scenario.residents[2]
    N = scenario.next_month

    def donated() -> dict | None:
        rows = by_key(backend.http.get("/statistics").json())
        return rows.get((N, "donated", None, None, scenario.charity))

    assert donated() is None
    kept = backend.app.state.statistics.aggregator
    tx.send(red.donate(scenario.charity, COIN // 2), r3)  # 0.5 coins at 250 won
    backend.drain()
    assert (donated()["count"], donated()["coins"], donated()["won"]) == (1, "0.5", "125")
    assert backend.app.state.statistics.aggregator is kept  # the new block was added to the kept sums
    assert run_script(backend, "--compare", backend.url).returncode == 0

    snapshot = web3.provider.make_request("evm_snapshot", [])["result"]
    tx.send(red.donate(scenario.charity, COIN // 4), r3)
    backend.drain()
    with transaction(backend.sessions) as s:
        row = s.get(ChainEvent, s.scalar(select(func.max(ChainEvent.id)).where(ChainEvent.event == "Donated")))
        row.args = {**row.args, "amount": str(int(row.args["amount"]) + 1)}
    result = run_script(backend, "--compare", backend.url)
    err = result.stderr.decode()
    assert result.returncode == 1, err
    assert "json: " in err and "DIFFERS from the chain" in err and '"coins": "0.750000000000000001"' in err
    assert "csv: " in err and ",2,,,0.750000000000000001," in err

    # The chain drops that block: the indexer rolls back and the API computes from all events again.
    assert web3.provider.make_request("evm_revert", [snapshot])["result"] is True
    web3.provider.make_request("evm_mine", [])
    backend.drain()
    assert (donated()["count"], donated()["coins"]) == (1, "0.5")
    assert backend.app.state.statistics.aggregator is not kept  # computed again from all events
    result = run_script(backend, "--compare", backend.url)
    assert result.returncode == 0, result.stderr.decode()


def test_names_follow_the_manifest(backend, scenario):
    """tools/admin records organisations, centres and categories in the manifest; the API and the script both
    name things from that file as it is now."""
    path = backend.settings.deployments_dir / "31337.json"
    original = path.read_text()
    manifest = json.loads(original)
    manifest["config"]["providers"][0]["key"] = "seocho-sports-centre"
    path.write_text(json.dumps(manifest, indent=2))
    try:
        doc = backend.http.get("/statistics").json()
        assert {r["organisation"] for r in doc["rows"] if r["organisation_address"] == scenario.provider} == {
            "seocho-sports-centre"}
        assert run_script(backend, "--compare", backend.url).returncode == 0
    finally:
        path.write_text(original)
    doc = backend.http.get("/statistics").json()
    assert {r["organisation"] for r in doc["rows"] if r["organisation_address"] == scenario.provider} == {
        "welfare-centre-gym"}


def test_events_without_block_times_are_refused_then_filled(backend, scenario):
    """Events an older worker indexed without their block's time: a 503 saying so, until the indexer (at start)
    gives them their times."""
    from sqlalchemy import update

    from backend.store.db import transaction
    from backend.store.models import ChainEvent

    # What the month already shows: a test before this one may have donated in it, in this process or (under
    # pytest-xdist, which may run the tests of one module in several processes) not.
    key = (scenario.next_month, "donated", None, None, scenario.charity)
    before = Decimal(by_key(backend.http.get("/statistics").json()).get(key, {}).get("coins", "0"))
    receipt = Sender(backend).send(backend.chain.redemption.functions.donate(scenario.charity, COIN // 10),
                                   scenario.residents[2])
    backend.drain()
    with transaction(backend.sessions) as s:
        s.execute(update(ChainEvent).where(ChainEvent.block_number == receipt["blockNumber"]).values(block_time=None))
    r = backend.http.get("/statistics")
    assert r.status_code == 503 and r.json()["error"] == "index_incomplete", r.text
    assert f"Donated at block {receipt['blockNumber']} has no block time" in r.json()["detail"]
    assert backend.indexer.fill_block_times() is True and backend.indexer.fill_block_times() is False
    rows = by_key(backend.http.get("/statistics").json())
    assert Decimal(rows[key]["coins"]) == before + Decimal("0.1")
    assert run_script(backend, "--compare", backend.url).returncode == 0


def test_no_personal_data_in_the_exports(backend, scenario):
    exports = [backend.http.get("/statistics").text, backend.http.get("/statistics.csv").text]
    for text in exports:
        lowered = text.lower()
        for account in scenario.residents:
            assert account.address.lower()[2:] not in lowered
        for name, phone, email in PEOPLE:
            assert name not in text and phone not in text and email.lower() not in lowered
    # The only addresses are the contracts' and the organisations' the city registered.
    import re

    doc = backend.http.get("/statistics").json()
    public = {a.lower() for a in doc["contracts"].values()} | {scenario.provider.lower(), scenario.charity.lower()}
    for text in exports:
        found = {m.lower() for m in re.findall(r"0x[0-9a-fA-F]{40}(?![0-9a-fA-F])", text)}
        assert found <= public, found - public


def test_filters(backend, scenario):
    s = scenario

    def rows(query: str) -> list[dict]:
        r = backend.http.get("/statistics" + query)
        assert r.status_code == 200, r.text
        return r.json()["rows"]

    everything = rows("")
    centre1 = rows("?centre=1")
    assert centre1 and all(r["centre_id"] == 1 for r in centre1)
    assert centre1 == [r for r in everything if r["centre_id"] == 1]  # redemptions have no centre
    assert {r["category_id"] for r in rows("?category=volunteering")} == {1}
    assert rows("?category=volunteering") == rows("?category=1")
    assert {r["month"] for r in rows(f"?from={s.next_month}")} == {s.next_month}
    assert all(r["month"] <= s.old_month for r in rows(f"?to={s.old_month}"))
    assert rows(f"?centre=2&from={s.old_month}&to={s.old_month}") == [
        r for r in everything if r["centre_id"] == 2 and r["month"] == s.old_month]
    doc = backend.http.get(f"/statistics?centre=2&category=1&from={s.old_month}").json()
    assert doc["filters"] == {"centre": 2, "category": 1, "from": s.old_month, "to": None}
    assert doc["totals"]["issued"] == {"count": 2, "hours": "2.5", "coins": "7.5", "won": "1500"}
    assert doc["supply"]["circulating"] == "13"  # the supply is never filtered
    csv_rows = backend.http.get("/statistics.csv?centre=1").text.splitlines()
    assert len(csv_rows) == 1 + len(centre1)
    # One month at once, and the names GET /activities and "from/to month" suggest.
    assert rows(f"?month={s.old_month}") == rows(f"?from={s.old_month}&to={s.old_month}") != []
    assert rows(f"?centre_id=1&category_id=1&from_month={s.old_month}&to_month={s.next_month}") == rows(
        f"?centre=1&category=1&from={s.old_month}&to={s.next_month}")


@pytest.mark.parametrize(("query", "status", "error", "words"), [
    ("?centre=abc", 422, "invalid_centre", "not a centre id"),
    ("?centre=0", 422, "invalid_centre", "not a centre id"),
    ("?centre=99", 422, "unknown_centre", "centre 99 does not exist; the centres are 1 (seocho-volunteer-centre), 2"),
    ("?category=gardening", 422, "unknown_category", "'gardening' is neither a category id nor a key"),
    ("?category=77", 422, "unknown_category", "category 77 does not exist"),
    ("?from=2026-13", 422, "invalid_month", "write it as YYYY-MM"),
    ("?to=March", 422, "invalid_month", "to: 'March' is not a month"),
    ("?from=2026-05&to=2026-04", 422, "invalid_range", "from 2026-05 is after to 2026-04"),
    ("?format=xml", 422, "invalid_request", "format"),
    ("?month=2026-1", 422, "invalid_month", "month: '2026-1' is not a month"),
    ("?month=2026-11&from=2026-10", 422, "conflicting_filters", "either month or from/to"),
    ("?centr=1", 422, "unknown_parameter", "centr"),
    ("?centre=1&centre=2", 422, "repeated_parameter", "centre=1 and centre=2"),
    ("?centre=1&centre_id=1", 422, "repeated_parameter", "centre=1 and centre_id=1"),
])
def test_bad_filters_are_refused_with_a_message(backend, scenario, query, status, error, words):
    for path in ("/statistics", "/statistics.csv"):
        r = backend.http.get(path + query)
        assert r.status_code == status, r.text
        body = r.json()
        assert body["error"] == error and words in body["detail"], body


def test_the_script_refuses_bad_input_and_needs_no_database(backend, scenario):
    result = run_script(backend, "--centre", "99")
    assert result.returncode == 2 and b"centre 99 does not exist" in result.stderr
    result = run_script(backend, "--to-block", str(backend.node.block + 100))
    assert result.returncode == 2 and b"outside the deployment's blocks" in result.stderr
    result = subprocess.run([sys.executable, str(SCRIPT), "--rpc-url", "http://127.0.0.1:9", "--deployments-dir",
                             str(backend.settings.deployments_dir)], cwd=ROOT, env=command_env(), capture_output=True)
    assert result.returncode == 2 and b"cannot reach the node" in result.stderr
    # Anyone can run it with just the chain: it loads no database code at all.
    probe = (f"import runpy, sys\nrunpy.run_path({str(SCRIPT)!r})\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic', 'psycopg')"
             " or m.startswith('backend.store')))\n")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=command_env(), capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip().splitlines()[-1] == "[]", result.stdout + result.stderr


# ------------------------------------------------------------------------------------- the aggregation, directly


def _catalogue() -> st.Catalogue:
    return st.Catalogue(chain_id=1, contracts={}, deployment_block=0, won_per_coin=200,
                        categories={1: ("volunteering", "minute"), 2: ("class", "class")}, centres={1: "c1"},
                        organisations={})


def _attested(block: int, index: int, serial: int, units: int, amount: int, time: int, category: int = 1):
    activity_id = "0x" + ((1 << 224) | (serial << 160)).to_bytes(32, "big").hex()
    return st.ChainLog(block, index, time, "ActivityRegistry", "ActivityAttested",
                       {"id": activity_id, "volunteer": "0x" + "11" * 20, "category": category, "units": units,
                        "time": time, "amount": str(amount)})


def test_aggregation_is_exact_and_independent_of_input_order():
    march, april = 1772323200, 1775001600  # 2026-03-01, 2026-04-01 00:00 UTC
    events = [
        st.ChainLog(1, 0, march, "Redemption", "WonPerCoinSet", {"wonPerCoin": 200}),
        _attested(2, 0, 0, 7, 7 * COIN // 20, march + 5),  # 7 minutes = 0.35 coins
        _attested(2, 1, 1, 1, COIN, april - 1, category=2),
        st.ChainLog(3, 0, april, "Redemption", "WonPerCoinSet", {"wonPerCoin": 333}),
        _attested(4, 0, 2, 1, COIN // 3, april + 10),  # a coin that does not divide evenly
        st.ChainLog(5, 0, april + 20, "ActivityRegistry", "ActivityRevoked",
                    {"id": _attested(0, 0, 0, 0, 0, 0).args["id"], "amount": str(7 * COIN // 20),
                     "clawedBack": str(7 * COIN // 20), "debtAdded": "0"}),
        st.ChainLog(6, 0, april + 30, "ServiceCoin", "Transfer", {"from": "x", "to": "y", "value": "1"}),  # ignored
        st.ChainLog(9, 0, april + 40, "Redemption", "WonPerCoinSet", {"wonPerCoin": 1}),  # after to_block
    ]
    stats = st.aggregate(events, _catalogue(), 8, "0xabc")
    shuffled = list(events)
    random.Random(7).shuffle(shuffled)
    assert st.render_json(st.aggregate(shuffled, _catalogue(), 8, "0xabc")) == st.render_json(stats)
    # Fed in two parts (as the API does when the chain grows), the same; an event from before them is refused.
    aggregator = st.Aggregator(_catalogue())
    aggregator.feed(events[:3])
    aggregator.feed(events[3:7])
    assert st.render_json(aggregator.statistics(8, "0xabc")) == st.render_json(stats)
    with pytest.raises(ValueError, match="comes before events already counted"):
        aggregator.feed([events[2]])
    rows = {(r["month"], r["flow"], r["category_id"]): r for r in st.rows(stats)}
    assert set(rows) == {("2026-03", "issued", 1), ("2026-03", "issued", 2), ("2026-04", "issued", 1),
                         ("2026-03", "revoked", 1)}
    assert (rows[("2026-03", "issued", 1)]["hours"], rows[("2026-03", "issued", 1)]["coins"],
            rows[("2026-03", "issued", 1)]["won"]) == ("0.12", "0.35", "70")
    assert rows[("2026-03", "issued", 2)]["hours"] is None and rows[("2026-03", "issued", 2)]["won"] == "200"
    third = rows[("2026-04", "issued", 1)]
    assert third["coins"] == "0.333333333333333333" and third["won"] == "110.999999999999999889"  # exact, at 333
    # The revocation lands in March (its activity's month), valued at the rate in force when it was revoked.
    assert rows[("2026-03", "revoked", 1)]["won"] == st.decimal_text(7 * COIN // 20 * 333)
    assert stats.won_per_coin == 333
    assert st.hours_text(90 * 60) == "1.5" and st.hours_text(30) == "0.01" and st.hours_text(0) == "0"
    assert st.decimal_text(-5 * COIN // 2) == "-2.5"


def test_migration_drops_the_index_so_it_is_rebuilt_with_block_times(tmp_path):
    """0005 adds chain_events.block_time; what was indexed before has none, so the index is read again."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, inspect, text

    from backend.store.db import MIGRATIONS, migrate

    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "0002")
    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(text("INSERT INTO chain_events (block_number, block_hash, tx_hash, log_index, contract, event, args) "
                       "VALUES (5, '0x1', '0x2', 0, 'Redemption', 'Donated', '{}')"))
        c.execute(text("INSERT INTO balances (address, amount) VALUES ('0xabc', '7')"))
        c.execute(text("INSERT INTO indexed_blocks (number, hash) VALUES (5, '0x1')"))
        c.execute(text("INSERT INTO kv (key, value) VALUES ('indexer.next_block', '6'), ('worker.heartbeat', 'x')"))
    migrate(url)
    assert "block_time" in {c["name"] for c in inspect(engine).get_columns("chain_events")}
    with engine.connect() as c:
        counts = [c.scalar(text(f"SELECT count(*) FROM {t}")) for t in ("chain_events", "balances", "indexed_blocks")]
        assert counts == [0, 0, 0]
        # the indexer's cursor is gone; the heartbeat and the relay budgets' lock row (migration 0016) stay
        assert set(c.execute(text("SELECT key FROM kv")).scalars()) == {"worker.heartbeat", "relay.budgets"}
    engine.dispose()
