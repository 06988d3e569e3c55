"""What the city's admin screens ask of the API, on the real chain, app and database: every change's dry run, the
coin's pause, the history of a category's rule, the filtered audit log, staff accounts and a centre's export."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import csv
import io
import zipfile

import pytest
from conftest import PASSWORD, activity_body, database_url
from residents_helpers import new_wallet, sign_in
from sqlalchemy import func, select
from test_admin_api import confirmed
from test_community import community  # noqa: F401  (areas, centres serving them)
from test_providers import gym, publish, redeem  # noqa: F401  (gym: the fixture of the provider "gym")
from test_resident_records import register
from test_resident_refusals import ops_count, refused

from backend.chain.keys import dev_key
from backend.domain.activities import COIN
from backend.domain import centre_export
from backend.store.models import Activity, AdminAudit, Resident


def audit_count(backend) -> int:
    with backend.sessions() as s:
        return s.scalar(select(func.count()).select_from(AdminAudit))


@contextmanager
def nothing_recorded(backend):
    """Asserts the block neither queues an operation, writes an audit row nor mines a block."""
    before = ops_count(backend), audit_count(backend), backend.node.web3.eth.block_number
    yield
    assert (ops_count(backend), audit_count(backend), backend.node.web3.eth.block_number) == before


# ------------------------------------------------------------------------------------------------------ dry runs


def test_a_dry_run_of_the_won_rate_answers_the_transaction_and_its_effects(backend, admin_headers):
    rate = backend.chain.redemption.functions.wonPerCoin().call()
    with nothing_recorded(backend):
        r = backend.http.put("/admin/won-per-coin?dry_run=true", json={"won_per_coin": rate + 50}, headers=admin_headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body == {"dry_run": True, "ok": True, "action": "set_won_per_coin", "contract": "Redemption",
                    "function": "setWonPerCoin", "args": {"wonPerCoin_": rate + 50}, "gas": body["gas"],
                    "effects": f"won per coin {rate} → {rate + 50}"}
    assert 21_000 < body["gas"] < 100_000
    assert backend.chain.redemption.functions.wonPerCoin().call() == rate


def test_every_admin_change_has_a_dry_run_that_records_nothing(backend, admin_headers):
    address = new_wallet().address
    coordinator = dev_key(1).address  # centre 1's coordinator in config/deployment.yaml
    calls = [
        ("post", "/admin/centres", {"key": "dry-centre", "name": "Dry", "cap": str(100 * COIN), "period_days": 30},
         "add_centre", "ActivityRegistry", "addCentre"),
        ("put", "/admin/centres/2/cap", {"cap": str(40_000 * COIN), "period_days": 7}, "set_cap", "ActivityRegistry",
         "setCentreCap"),
        ("put", "/admin/centres/2/active", {"active": False}, "set_centre_active", "ActivityRegistry",
         "setCentreActive"),
        ("post", "/admin/centres/2/coordinators", {"address": address}, "add_coordinator", "ActivityRegistry",
         "addCoordinator"),
        ("post", "/admin/providers", {"address": address}, "add_provider", "Redemption", "grantRole"),
        ("post", "/admin/charities", {"address": address}, "add_charity", "Redemption", "grantRole"),
        ("put", "/admin/categories/1", {"coins_per_block": str(COIN), "units_per_block": 60, "max_units": 480},
         "set_rule", "ActivityRegistry", "setCategoryRule"),
        ("put", "/admin/won-per-coin", {"won_per_coin": 321}, "set_won_per_coin", "Redemption", "setWonPerCoin"),
        ("post", "/admin/pause", None, "pause", "ServiceCoin", "pause"),
    ]
    calls.append(("delete", f"/admin/centres/1/coordinators/{coordinator}", None, "remove_coordinator",
                  "ActivityRegistry", "removeCoordinator"))
    with nothing_recorded(backend):
        for method, path, body, action, contract, function in calls:
            kwargs = {"json": body} if body is not None else {}
            r = backend.http.request(method, path, params={"dry_run": "true"}, headers=admin_headers, **kwargs)
            assert r.status_code == 200, (path, r.text)
            got = r.json()
            assert (got["dry_run"], got["ok"], got["action"], got["contract"], got["function"]) == \
                (True, True, action, contract, function), got
            assert got["gas"] > 21_000 and got["effects"], got
    assert backend.chain.registry.functions.centre(2).call()[4] is True


def test_a_dry_run_of_a_rule_names_the_version_it_replaces(backend, admin_headers):
    coins, units, maximum, version, _ = backend.chain.registry.functions.categoryRule(2).call()
    r = backend.http.put("/admin/categories/2?dry_run=true", json={
        "coins_per_block": str(2 * COIN), "units_per_block": 30, "max_units": 60, "active": False},
        headers=admin_headers | {"Accept-Language": "ko"})
    assert r.status_code == 200, r.text
    assert r.json()["args"] == {"category": 2, "coinsPerBlock": str(2 * COIN), "unitsPerBlock": 30, "maxUnits": 60,
                                "active": False}
    assert r.json()["effects"] == (f"2번 분류 규칙 버전 {version} → {version + 1}: {units}단위당 "
                                   f"{coins / COIN:g}코인(최대 {maximum}, 사용) → 30단위당 2코인(최대 60, 중지)")


def test_a_dry_run_the_contract_would_refuse_answers_the_problem_in_the_readers_language(backend, admin_headers, gym):
    offer_id = publish(backend, gym, title="Dry-run pool")
    provider = backend.node.web3.eth.accounts[3]
    confirmed(backend, admin_headers, backend.http.put(f"/admin/offers/{offer_id}/active", json={"active": False},
                                                       headers=admin_headers))
    confirmed(backend, admin_headers, backend.http.delete(f"/admin/providers/{provider}", headers=admin_headers))
    try:
        with nothing_recorded(backend):
            r = backend.http.put(f"/admin/offers/{offer_id}/active?dry_run=true", json={"active": True},
                                 headers=admin_headers | {"Accept-Language": "ko"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["ok"], body["gas"], body["problem"]["code"]) == (False, None, "refused_by_contract")
        assert body["problem"]["message"].startswith("스마트 계약이 이 요청을 거부합니다")
        # Without a dry run the same change is refused, and nothing is queued.
        with nothing_recorded(backend):
            refused(backend.http.put(f"/admin/offers/{offer_id}/active", json={"active": True}, headers=admin_headers),
                    409, "refused_by_contract")
    finally:
        confirmed(backend, admin_headers, backend.http.post("/admin/providers", json={"address": provider},
                                                            headers=admin_headers))


def test_a_dry_run_refuses_bad_input_as_the_change_does(backend, admin_headers):
    rate = backend.chain.redemption.functions.wonPerCoin().call()
    with nothing_recorded(backend):
        refused(backend.http.put("/admin/won-per-coin?dry_run=true", json={"won_per_coin": rate}, headers=admin_headers),
                409, "no_change")
        refused(backend.http.put("/admin/centres/99/cap?dry_run=true", json={"cap": "1", "period_days": 1},
                                 headers=admin_headers), 404, "unknown_centre")
        refused(backend.http.put("/admin/categories/1?dry_run=true", json={"coins_per_block": "0", "units_per_block": 1,
                                                                         "max_units": 1}, headers=admin_headers),
                422, "invalid_rule")
        refused(backend.http.put("/admin/won-per-coin?dry_run=perhaps", json={"won_per_coin": rate + 1},
                                 headers=admin_headers), 422, "invalid_request")


def test_a_coordinator_cannot_dry_run_an_admin_change(backend, coord1):
    refused(backend.http.put("/admin/won-per-coin?dry_run=true", json={"won_per_coin": 999}, headers=coord1),
            403, "staff_required")


def test_a_dry_run_is_not_remembered_under_its_idempotency_key(backend, admin_headers):
    charity = new_wallet().address
    headers = admin_headers | {"Idempotency-Key": "dry-then-real-" + charity}
    dry = backend.http.post("/admin/charities?dry_run=true", json={"address": charity}, headers=headers)
    assert dry.status_code == 200 and dry.json()["dry_run"] is True, dry.text
    real = backend.http.post("/admin/charities", json={"address": charity}, headers=headers)
    assert real.status_code == 202 and "Idempotent-Replayed" not in real.headers, real.text
    confirmed(backend, admin_headers, real)
    assert backend.chain.redemption.functions.hasRole(backend.chain.redemption.functions.CHARITY_ROLE().call(),
                                                      charity).call()


# ------------------------------------------------------------------------------------------------------ the pause


def test_the_admin_pauses_and_resumes_the_coin_on_chain_and_audited(backend, admin_headers):
    coin = backend.chain.coin.functions
    assert coin.paused().call() is False
    try:
        paused = confirmed(backend, admin_headers, backend.http.post("/admin/pause", headers=admin_headers))
        assert coin.paused().call() is True and paused["kind"] == "admin_pause"
        refused(backend.http.post("/admin/pause", headers=admin_headers), 409, "no_change")
        dry = backend.http.post("/admin/unpause?dry_run=true", headers=admin_headers)
        assert dry.status_code == 200 and dry.json()["ok"] and dry.json()["function"] == "unpause", dry.text
    finally:
        if coin.paused().call():
            confirmed(backend, admin_headers, backend.http.post("/admin/unpause", headers=admin_headers))
    assert coin.paused().call() is False
    refused(backend.http.post("/admin/unpause", headers=admin_headers | {"Accept-Language": "ko"}), 409, "no_change")
    audit = backend.http.get("/admin/audit", headers=admin_headers).json()
    assert [a["action"] for a in audit[:2]] == ["unpause", "pause"]
    assert all(a["actor"] == "admin" and a["state"] == "confirmed" for a in audit[:2])


def test_a_refused_pause_is_said_in_korean(backend, admin_headers):
    r = backend.http.post("/admin/unpause", headers=admin_headers | {"Accept-Language": "ko"})
    refused(r, 409, "no_change")
    assert r.json()["detail"] == "코인이 일시 정지되어 있지 않습니다"


def test_a_coordinator_cannot_pause_the_coin(backend, coord1):
    refused(backend.http.post("/admin/pause", headers=coord1), 403, "staff_required")
    assert backend.chain.coin.functions.paused().call() is False


# ------------------------------------------------------------------------------------------------- rule history


def test_a_rules_history_lists_every_version_oldest_first_as_the_chain_has_them(backend, admin_headers):
    registry = backend.chain.registry.functions
    ops = [confirmed(backend, admin_headers, backend.http.put("/admin/categories/4", json=body, headers=admin_headers))
           for body in ({"coins_per_block": str(COIN), "units_per_block": 1, "max_units": 5},
                        {"coins_per_block": str(COIN), "units_per_block": 1, "max_units": 5, "active": False})]
    r = backend.http.get("/admin/categories/4/history", headers=admin_headers)
    assert r.status_code == 200, r.text
    history = r.json()
    versions = history["versions"]
    assert history["id"] == 4 and history["key"] and [v["version"] for v in versions] == \
        list(range(1, registry.categoryRule(4).call()[3] + 1))
    for v in versions:
        coins, units, most, version, active = registry.categoryRuleAt(4, v["version"]).call()
        assert (v["coins_per_block"], v["units_per_block"], v["max_units"], v["active"]) == \
            (str(coins), units, most, active)
        block = backend.node.web3.eth.get_block(v["block_number"])
        assert datetime.fromisoformat(v["time"]) == datetime.fromtimestamp(block["timestamp"], UTC)
    assert [(v["tx_hash"], v["block_number"]) for v in versions[-2:]] == [(op["tx_hash"], op["block_number"])
                                                                          for op in ops]
    # Back as configured (community points: 1 coin each, 50 at most), for the other tests on this chain.
    confirmed(backend, admin_headers, backend.http.put("/admin/categories/4", json={
        "coins_per_block": str(COIN), "units_per_block": 1, "max_units": 50, "active": True}, headers=admin_headers))


def test_a_coordinator_reads_a_rules_history_and_an_officer_does_not(backend, coord1):
    assert backend.http.get("/admin/categories/1/history", headers=coord1).json()["versions"]
    refused(backend.http.get("/admin/categories/1/history", headers=backend.login("officer1")), 403, "staff_required")


def test_the_history_of_no_category_is_refused(backend, admin_headers):
    refused(backend.http.get("/admin/categories/70000/history", headers=admin_headers), 422, "invalid_category")
    refused(backend.http.get("/admin/categories/4000/history", headers=admin_headers), 404, "unknown_category")
    refused(backend.http.get("/admin/categories/x/history", headers=admin_headers), 422, "invalid_request")


# ------------------------------------------------------------------------------------------------- the audit log


def test_the_audit_log_filters_by_action_centre_actor_and_time(backend, admin_headers):
    start = datetime.now(UTC)
    cap = confirmed(backend, admin_headers, backend.http.put("/admin/centres/2/cap", json={
        "cap": str(31_000 * COIN), "period_days": 30}, headers=admin_headers))

    def ids(**filters) -> list[int]:
        r = backend.http.get("/admin/audit", params=filters, headers=admin_headers)
        assert r.status_code == 200, r.text
        return [a["operation_id"] for a in r.json()]

    assert ids(action="set_cap", centre_id=2, actor="admin", since=start.isoformat()) == [cap["id"]]
    assert cap["id"] in ids(action="set_cap") and cap["id"] not in ids(centre_id=1)
    assert cap["id"] not in ids(action="add_charity") and cap["id"] not in ids(until=start.isoformat())
    assert ids(since=datetime.now(UTC).isoformat()) == []
    row = backend.http.get("/admin/audit", params={"limit": 1}, headers=admin_headers).json()[0]
    assert (row["operation_id"], row["centre_id"], row["params"]["cap"]) == (cap["id"], 2, str(31_000 * COIN))


def test_the_audit_log_pages_newest_first_after_an_id(backend, admin_headers):
    for address in (new_wallet().address, new_wallet().address, new_wallet().address):
        assert backend.http.post("/admin/charities", json={"address": address}, headers=admin_headers).status_code == 202
    backend.drain()
    whole = [a["id"] for a in backend.http.get("/admin/audit", params={"limit": 500}, headers=admin_headers).json()]
    first = [a["id"] for a in backend.http.get("/admin/audit", params={"limit": 2}, headers=admin_headers).json()]
    rest = [a["id"] for a in backend.http.get("/admin/audit", params={"limit": 500, "after_id": first[-1]},
                                              headers=admin_headers).json()]
    assert first + rest == whole == sorted(whole, reverse=True) and len(whole) >= 3


def test_unknown_audit_filters_are_refused(backend, admin_headers):
    for params in ({"action": "drop_tables"}, {"actor": "nobody-at-all"}, {"centre_id": 99}, {"limit": 501},
                   {"limit": 0}, {"since": "2026-05-02T00:00:00Z", "until": "2026-05-01T00:00:00Z"}):
        refused(backend.http.get("/admin/audit", params=params, headers=admin_headers), 422, "invalid_filter")
    refused(backend.http.get("/admin/audit", params={"since": "yesterday"}, headers=admin_headers), 422,
            "invalid_request")
    r = backend.http.get("/admin/audit", params={"action": "drop_tables"}, headers=admin_headers | {"Accept-Language": "ko"})
    assert r.json()["detail"].startswith("action: 감사 기록에는 'drop_tables' 작업이 없습니다. 가능한 작업: add_centre,")


def test_a_coordinator_cannot_read_the_audit_log(backend, coord1):
    refused(backend.http.get("/admin/audit", headers=coord1), 403, "staff_required")


def test_audit_rows_written_before_the_centre_column_get_their_centre(tmp_path):
    import sqlalchemy as sa
    from alembic import command
    from sqlalchemy import create_engine, text
    from test_migration_renumbering import alembic_config

    from backend.store.db import MIGRATIONS, migrate

    url = database_url(tmp_path)
    command.upgrade(alembic_config(MIGRATIONS, url), "0010_voucher_codes")
    engine = create_engine(url)
    try:
        audit = sa.table("admin_audit", sa.column("actor"), sa.column("action"), sa.column("params", sa.JSON),
                         sa.column("at", sa.DateTime(timezone=True)))
        with engine.begin() as c:
            for params in ({"centre_id": 3, "cap": "1"}, {"address": "0x0000000000000000000000000000000000000001"}):
                c.execute(audit.insert().values(actor="admin", action="set_cap", params=params, at=datetime.now(UTC)))
        migrate(url)
        with engine.connect() as c:
            assert c.execute(text("SELECT centre_id FROM admin_audit ORDER BY id")).scalars().all() == [3, None]
    finally:
        engine.dispose()


# ------------------------------------------------------------------------------------------- a centre's export


def unzip(r) -> dict[str, list[list[str]]]:
    """The CSV files of an export, each checked to start with the UTF-8 byte-order mark, as rows; README as text."""
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip" and "attachment" in r.headers["content-disposition"]
    out = {}
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        assert sorted(z.namelist()) == ["README.txt", "activities.csv", "reports.csv", "residents.csv",
                                        "settlements.csv"]
        for name in z.namelist():
            data = z.read(name)
            if name == "README.txt":
                out[name] = data.decode()
                continue
            assert data.startswith("\ufeff".encode()), name
            out[name] = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    return out


@pytest.fixture(scope="module")
def centre_one(community, admin_headers, coord1, coord2, gym):
    """Centre 1 with a registered resident and their confirmed activity, a report triaged by its officer, a resident
    of centre 2, and a provider's settlement on the chain."""
    backend = community
    wallet = new_wallet()
    mine = register(backend, coord1, address=wallet.address, email="minji@example.org")
    r = backend.http.post("/activities", json=activity_body(wallet.address, approve=True), headers=coord1)
    assert r.status_code == 201, r.text
    theirs = register(backend, coord2)
    report = backend.http.post("/reports", json={"area": "seocho-banpo1", "place": "반포동 77 반지하",
                                                 "situation": "SECRET-SITUATION 며칠째 보이지 않아요"},
                               headers=sign_in(backend, wallet))
    assert report.status_code == 201, report.text
    triage = backend.http.post(f"/reports/{report.json()['id']}/triage", json={"decision": "dismissed", "note": "ok"},
                               headers=backend.login("officer1"))
    assert triage.status_code == 200, triage.text
    offer_id = publish(backend, gym, price=str(COIN), title="Export pool")
    redeem(backend, coord1, offer_id, COIN)
    settle = backend.http.post("/provider/settlements", json={"amount": str(COIN)}, headers=gym)
    assert settle.status_code == 202, settle.text
    backend.drain()
    return {"mine": mine, "theirs": theirs, "activity": r.json()["id"], "report": report.json()["id"]}


def test_a_centres_export_lists_its_activities_with_member_numbers_only(backend, admin_headers, centre_one):
    files = unzip(backend.http.get("/admin/centres/1/export.zip", headers=admin_headers))
    header, *rows = files["activities.csv"]
    assert tuple(header) == centre_export.ACTIVITIES
    with backend.sessions() as s:
        activities = {a.id: a for a in s.query(Activity).filter(Activity.centre_id == 1)}
    assert sorted(int(row[0]) for row in rows) == sorted(activities)
    row = next(r for r in rows if int(r[0]) == centre_one["activity"])
    a = activities[centre_one["activity"]]
    assert row[1:] == [a.occurred_at.astimezone(UTC).date().isoformat(), "1", "volunteering", row[4], "120",
                       row[6], "6", "confirmed", "coordinator", a.chain_id_hex, a.tx_hash,
                       centre_one["mine"]["member_number"]]
    assert row[4] and row[6]  # the category's Korean name and unit, from the deployment's configuration
    text = str(files["activities.csv"])
    assert centre_one["mine"]["name"] not in text and centre_one["mine"]["phone"] not in text


def test_a_centres_export_holds_the_residents_it_registered_and_no_others(backend, admin_headers, centre_one):
    header, *rows = unzip(backend.http.get("/admin/centres/1/export.zip", headers=admin_headers))["residents.csv"]
    assert tuple(header) == centre_export.RESIDENTS
    mine = centre_one["mine"]
    with backend.sessions() as s:
        expected = sorted(r.member_number or "" for r in s.query(Resident).filter(Resident.centre_id == 1))
    assert sorted(row[0] for row in rows) == expected
    assert [mine["member_number"], mine["name"], mine["phone"], "minji@example.org", mine["address"], "2026-03",
            datetime.fromisoformat(mine["consent_at"]).astimezone(UTC).isoformat(), "coord1"] in rows
    assert centre_one["theirs"]["member_number"] not in [row[0] for row in rows]


def test_a_centres_export_holds_its_reports_metadata_and_never_their_content(backend, admin_headers, centre_one):
    r = backend.http.get("/admin/centres/1/export.zip", headers=admin_headers)
    header, *rows = unzip(r)["reports.csv"]
    assert tuple(header) == centre_export.REPORTS
    row = next(x for x in rows if int(x[0]) == centre_one["report"])
    assert (row[1], row[2], row[5]) == ("seocho-banpo1", "dismissed", "officer1") and row[3] and row[4] >= row[3]
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        everything = b"".join(z.read(n) for n in z.namelist())
    assert "SECRET-SITUATION".encode() not in everything and "반지하".encode() not in everything


def test_a_centres_export_holds_the_settlements_the_chain_logged(backend, admin_headers, centre_one):
    header, *rows = unzip(backend.http.get("/admin/centres/1/export.zip", headers=admin_headers))["settlements.csv"]
    assert tuple(header) == centre_export.SETTLEMENTS
    logs = backend.chain.redemption.events.Settled().get_logs(from_block=0)
    assert [(int(r[0]), r[1], r[4], r[5], r[9]) for r in rows] == [
        (e.args.settlementId, e.args.provider, str(e.args.amount), str(e.args.wonAmount), "0x" + e.transactionHash.hex()
         .removeprefix("0x")) for e in logs]
    assert rows and rows[-1][2] == "Welfare Centre Gym"


def test_settlements_outside_the_period_are_left_out(backend, admin_headers, centre_one):
    last = backend.chain.redemption.events.Settled().get_logs(from_block=0)[-1]
    day = datetime.fromtimestamp(backend.node.web3.eth.get_block(last.blockNumber)["timestamp"], UTC).date()

    def settlement_ids(**period) -> list[int]:
        files = unzip(backend.http.get("/admin/centres/1/export.zip", params=period, headers=admin_headers))
        return [int(row[0]) for row in files["settlements.csv"][1:]]

    assert last.args.settlementId in settlement_ids(**{"from": day.isoformat(), "to": day.isoformat()})
    assert last.args.settlementId not in settlement_ids(**{"from": (day + timedelta(days=1)).isoformat()})
    assert last.args.settlementId not in settlement_ids(to=(day - timedelta(days=1)).isoformat())


def test_a_centres_export_is_in_the_audit_log_with_its_files_and_rows(backend, admin_headers, centre_one):
    files = unzip(backend.http.get("/admin/centres/1/export.zip", headers=admin_headers))
    row = backend.http.get("/admin/audit", params={"action": "export_centre", "centre_id": 1},
                           headers=admin_headers).json()[0]
    assert (row["actor"], row["centre_id"], row["operation_id"]) == ("admin", 1, None)
    assert row["params"]["files"] == {name: len(rows) - 1 for name, rows in files.items() if name != "README.txt"}
    assert "activities.csv" in files["README.txt"] and "residents.csv" in files["README.txt"]


def test_a_cell_that_a_spreadsheet_would_run_is_written_as_text(backend, admin_headers, coord1):
    register(backend, coord1, name='=HYPERLINK("http://evil.example","x")')
    _, *rows = unzip(backend.http.get("/admin/centres/1/export.zip", headers=admin_headers))["residents.csv"]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in [row[1] for row in rows]


def test_a_coordinator_cannot_export_a_centre(backend, coord1):
    refused(backend.http.get("/admin/centres/1/export.zip", headers=coord1), 403, "staff_required")


def test_an_unknown_centre_or_period_is_refused(backend, admin_headers):
    with nothing_recorded(backend):
        refused(backend.http.get("/admin/centres/99/export.zip", headers=admin_headers), 404, "unknown_centre")
        refused(backend.http.get("/admin/centres/1/export.zip", params={"from": "2026-05-02", "to": "2026-05-01"},
                                 headers=admin_headers), 422, "invalid_period")
        refused(backend.http.get("/admin/centres/1/export.zip", params={"from": "May"}, headers=admin_headers),
                422, "invalid_request")


# ------------------------------------------------------------------------------------------------ staff accounts


def new_clerk(backend, admin_headers) -> dict:
    username = f"desk-{new_wallet().address[2:10].lower()}"
    r = backend.http.post("/staff", json={"username": username, "password": PASSWORD, "role": "coordinator",
                                          "centre_id": 2}, headers=admin_headers)
    assert r.status_code == 201, r.text
    return r.json()


def login(backend, username: str, password: str = PASSWORD):
    return backend.http.post("/auth/login", json={"username": username, "password": password})


def test_an_account_the_admin_creates_is_listed_and_signs_in(backend, admin_headers):
    clerk = new_clerk(backend, admin_headers)
    listed = backend.http.get("/staff", headers=admin_headers).json()
    assert {"id": clerk["id"], "username": clerk["username"], "role": "coordinator", "centre_id": 2, "address": None,
            "active": True, "password_change_required": False} in listed
    assert login(backend, clerk["username"]).status_code == 200


def test_a_disabled_account_cannot_sign_in_or_refresh_until_enabled_again(backend, admin_headers):
    clerk = new_clerk(backend, admin_headers)
    session = login(backend, clerk["username"]).json()
    assert backend.http.patch(f"/staff/{clerk['id']}", json={"active": False}, headers=admin_headers).json()["active"] \
        is False
    refused(login(backend, clerk["username"]), 401, "unauthorized")
    refused(backend.http.post("/auth/refresh", json={"refresh_token": session["refresh_token"]}), 401, "session_ended")
    refused(backend.http.get("/activities", headers={"Authorization": f"Bearer {session['access_token']}"}), 401,
            "unauthorized")
    backend.http.patch(f"/staff/{clerk['id']}", json={"active": True}, headers=admin_headers)
    assert login(backend, clerk["username"]).status_code == 200


def test_a_reset_password_replaces_the_old_one_and_ends_the_sessions(backend, admin_headers):
    clerk = new_clerk(backend, admin_headers)
    session = login(backend, clerk["username"]).json()
    r = backend.http.patch(f"/staff/{clerk['id']}", json={"password": "a-new-password-9"}, headers=admin_headers)
    assert r.status_code == 200, r.text
    refused(login(backend, clerk["username"]), 401, "unauthorized")
    assert login(backend, clerk["username"], "a-new-password-9").status_code == 200
    refused(backend.http.post("/auth/refresh", json={"refresh_token": session["refresh_token"]}), 401, "session_ended")


def test_staff_changes_are_in_the_audit_log_without_the_password(backend, admin_headers):
    clerk = new_clerk(backend, admin_headers)
    backend.http.patch(f"/staff/{clerk['id']}", json={"password": "a-new-password-9", "active": False},
                       headers=admin_headers)
    created = backend.http.get("/admin/audit", params={"action": "create_staff", "limit": 1},
                               headers=admin_headers).json()[0]
    reset = backend.http.get("/admin/audit", params={"action": "reset_staff_password", "limit": 1},
                             headers=admin_headers).json()[0]
    disabled = backend.http.get("/admin/audit", params={"action": "disable_staff", "limit": 1},
                                headers=admin_headers).json()[0]
    assert (created["actor"], created["centre_id"], created["params"]) == (
        "admin", 2, {"user_id": clerk["id"], "username": clerk["username"], "role": "coordinator", "centre_id": 2,
                     "address": None})
    assert reset["params"] == {"user_id": clerk["id"], "username": clerk["username"], "temporary": True}
    assert disabled["params"] == {"user_id": clerk["id"], "username": clerk["username"]}
    assert PASSWORD not in str(created) and "a-new-password-9" not in str(reset)
