"""Community rewards against the real chain, app and database: a confirmed neighbour report and a coordinator's
grant become points, attested once per period in the generic `community_reward` category dated at the period's
start, for several residents together — so nothing on-chain, and nothing a coordinator sees, says that a wallet
reported someone."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest
from conftest import COIN
from sqlalchemy import select
from test_attendance_sheets import register
from test_community import balance, community, resident  # noqa: F401  (the module's fixture)

from backend.domain.community_rewards import chunks, period_start
from backend.services import community_rewards
from backend.store.models import Activity, CommunityCredit

COMMUNITY_REWARD = 4  # the category's id in config/deployment.yaml


def settle(backend, min_residents: int = 1) -> int:
    """One settlement with one-second periods: every point earned before this second is due."""
    settings = backend.settings.model_copy(update={"community_reward_period_s": 1,
                                                   "community_reward_min_residents": min_residents})
    time.sleep(1.05)
    return community_rewards.settle(backend.sessions, backend.chain, settings)


def unsettled(backend) -> list[CommunityCredit]:
    with backend.sessions() as s:
        return list(s.scalars(select(CommunityCredit).where(CommunityCredit.activity_id.is_(None))))


@pytest.fixture
def drained(backend):
    """Points left by other tests are settled first, so each test counts its own."""
    settle(backend)
    backend.drain()
    return backend


def confirmed_report(backend) -> tuple[object, int]:
    """A resident's report of 반포1동 (centre 1's area) confirmed by officer1: (the reporter's account, report id)."""
    reporter, reporter_h = resident(backend)
    r = backend.http.post("/reports", json={"area": "seocho-banpo1", "place": "반포동 어딘가",
                                            "situation": "혼자 사시는 어르신이 며칠째 보이지 않습니다"}, headers=reporter_h)
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    officer = backend.login("officer1")
    r = backend.http.post(f"/reports/{rid}/triage", json={"decision": "confirmed", "note": "방문 확인"}, headers=officer)
    assert r.status_code == 200, r.text
    return reporter, rid


def grant(backend, headers, resident_id: int, points: int, reason: str = "동네 청소 모임을 이끔", **extra):
    return backend.http.post("/community-rewards", json={"resident_id": resident_id, "points": points, "reason": reason,
                                                         **extra},
                             headers={**headers, "Idempotency-Key": uuid.uuid4().hex})


def members(backend, coord1, n: int) -> list[dict]:
    tag = uuid.uuid4().int % 10_000
    return [register(backend, coord1, f"공동체 {tag} {i}", f"010-{tag:04d}-{i + 8100:04d}") for i in range(n)]


def test_a_confirmed_report_reaches_the_chain_only_with_the_periods_community_batch(community, drained, coord1):
    backend = community
    reports = [confirmed_report(backend) for _ in range(3)]
    reporter, rid = reports[0]
    assert grant(backend, coord1, members(backend, coord1, 1)[0]["id"], 3).status_code == 201
    assert balance(backend, reporter.address) == 0

    assert settle(backend, min_residents=3) == 4
    backend.drain()
    assert [balance(backend, r.address) for r, _ in reports] == [5 * COIN] * 3
    with backend.sessions() as s:
        batch = list(s.scalars(select(Activity).where(Activity.source == "community", Activity.status == "confirmed")
                               .order_by(Activity.id.desc()).limit(4)))
    # One category, one date (the period's start), one description and one reviewer for all: nothing tells the
    # report's reward from the grants.
    assert {a.category for a in batch} == {COMMUNITY_REWARD}
    assert len({a.chain_time for a in batch}) == 1 and len({a.tx_hash for a in batch}) == 1 and len(batch) == 4
    assert {(a.description, a.recorded_by, a.reviewed_by, a.place) for a in batch} == {
        ("community reward", "community rewards", "community rewards", None)}
    r = backend.http.get(f"/reports/{rid}", headers=backend.login("officer1"))
    assert r.json()["reward_points"] == 5 and r.json()["activity_id"] in {a.id for a in batch}


def test_coordinators_do_not_see_community_rewards_one_by_one(community, drained, coord1, admin_headers):
    """Knowing their own grants, a coordinator would read a reporter off the rest: only the city sees them."""
    backend = community
    reporter, _ = confirmed_report(backend)
    settle(backend)
    backend.drain()
    listed = backend.http.get("/activities?limit=200", headers=coord1).json()
    assert [a for a in listed if a["volunteer"] == reporter.address] == []
    mine = [a for a in backend.http.get("/activities?source=community&limit=200", headers=admin_headers).json()
            if a["volunteer"] == reporter.address]
    assert len(mine) == 1 and "report" not in str(mine[0]).lower() and "officer" not in str(mine[0]).lower()
    assert backend.http.get(f"/activities/{mine[0]['id']}", headers=coord1).status_code == 404
    assert backend.http.get(f"/activities/{mine[0]['id']}/audit", headers=coord1).status_code == 404
    assert backend.http.get("/activities?source=report", headers=coord1).status_code == 422


def test_a_batch_of_too_few_residents_waits_for_the_next_period(community, drained, coord1):
    backend = community
    member = members(backend, coord1, 1)[0]
    grant(backend, coord1, member["id"], 2)
    assert settle(backend, min_residents=2) == 0
    backend.drain()
    assert balance(backend, member["address"]) == 0 and len(unsettled(backend)) == 1
    grant(backend, coord1, members(backend, coord1, 1)[0]["id"], 2)
    assert settle(backend, min_residents=2) == 2
    backend.drain()
    assert balance(backend, member["address"]) == 2 * COIN


def test_a_reporters_points_wait_for_other_reporters_not_just_grantees(community, drained, coord1):
    """A coordinator knows their own grants: grantees alone would not hide one reporter among them."""
    backend = community
    reporter, _ = confirmed_report(backend)
    for m in members(backend, coord1, 2):
        grant(backend, coord1, m["id"], 5)
    assert settle(backend, min_residents=2) == 2  # the grants go; the lone report waits
    backend.drain()
    assert balance(backend, reporter.address) == 0
    second, _ = confirmed_report(backend)
    assert settle(backend, min_residents=2) == 2
    backend.drain()
    assert balance(backend, reporter.address) == balance(backend, second.address) == 5 * COIN


def test_points_above_the_categorys_maximum_per_activity_are_split(community, drained, coord1):
    backend = community
    member = members(backend, coord1, 1)[0]
    for points in (40, 30):
        assert grant(backend, coord1, member["id"], points).status_code == 201
    assert settle(backend) == 2  # 70 points: 50 + 20
    backend.drain()
    assert balance(backend, member["address"]) == 70 * COIN


def test_a_grant_above_the_maximum_is_refused(community, coord1):
    member = members(community, coord1, 1)[0]
    r = grant(community, coord1, member["id"], 51)
    assert r.status_code == 422 and r.json()["error"] == "invalid_units"


def test_another_centres_coordinator_cannot_grant_points_to_our_resident(community, coord1, coord2):
    member = members(community, coord1, 1)[0]
    r = grant(community, coord2, member["id"], 3)
    assert r.status_code == 404 and r.json()["error"] == "not_found"


def test_the_admin_names_the_centre_of_a_grant(community, coord1, admin_headers):
    member = members(community, coord1, 1)[0]
    r = grant(community, admin_headers, member["id"], 3)
    assert r.status_code == 422 and r.json()["error"] == "centre_required"
    assert grant(community, admin_headers, member["id"], 3, centre_id=1).status_code == 201


def test_a_resident_without_a_wallet_keeps_the_points_until_linking_one(community, drained, coord1):
    backend = community
    r = backend.http.post("/residents", json={"name": "지갑 없는 주민", "phone": f"010-5{uuid.uuid4().int % 1000:03d}-0001",
                                              "consent_terms_version": "2026-03"}, headers=coord1)
    assert r.status_code == 201, r.text
    assert grant(backend, coord1, r.json()["id"], 4).status_code == 201
    assert settle(backend) == 0
    assert [c.points for c in unsettled(backend)] == [4]


@pytest.mark.parametrize("points,most,expected", [(5, 50, [5]), (50, 50, [50]), (120, 50, [50, 50, 20]), (0, 50, [])])
def test_points_are_split_into_activities_of_at_most_the_maximum(points, most, expected):
    assert chunks(points, most) == expected


def test_weekly_periods_start_on_monday_morning_in_korea():
    # Wednesday 2 December 2026, 12:00 in Korea → Monday 30 November 2026, 00:00 in Korea (Sunday 15:00 UTC).
    assert period_start(datetime(2026, 12, 2, 3, 0, tzinfo=UTC), 7 * 86400) == datetime(2026, 11, 29, 15, 0, tzinfo=UTC)


def test_rewards_of_reports_before_community_rewards_lose_every_link_to_their_report(tmp_path):
    """Migration 0013: an earlier report's reward activity keeps its coins on-chain, but off-chain it no longer says
    "report", names the officer, carries the report's time, or links to its attestation."""
    import sqlalchemy as sa
    from alembic import command
    from conftest import database_url
    from sqlalchemy import create_engine
    from test_migration_renumbering import alembic_config

    from backend.store.db import MIGRATIONS, migrate

    url = database_url(tmp_path)
    command.upgrade(alembic_config(MIGRATIONS, url), "0012_signed_batches")
    engine = create_engine(url)
    at = datetime(2026, 11, 17, 14, 23, tzinfo=UTC)
    try:
        with engine.begin() as c:
            c.execute(sa.text("INSERT INTO centres (id, key, name, next_serial) VALUES (1, 'c', 'Centre', 8)"))
            c.execute(sa.text("INSERT INTO residents (id, address, created_at) VALUES "
                              "(1, '0x00000000000000000000000000000000000000aa', :at)"), {"at": at})
            c.execute(sa.text(
                "INSERT INTO activities (id, centre_id, resident_id, category, units, occurred_at, description, status, "
                "source, recorded_by, reviewed_by, serial, salt, chain_id_hex, evidence_hash, chain_time, tx_hash, "
                "block_number, created_at, updated_at) VALUES (1, 1, 1, 4, 1, :at, 'neighbour-in-need report confirmed "
                "by a welfare officer', 'confirmed', 'report', 'officer1', 'officer1', 7, '0x01', '0x02', '0x03', 0, "
                "'0x04', 9, :at, :at)"), {"at": at})
            c.execute(sa.text("INSERT INTO activity_audit (activity_id, actor, action, before, after, reason, at) "
                              "VALUES (1, 'officer1', 'approved', '{}', '{\"x\": 1}', 'report 12', :at)"), {"at": at})
        migrate(url)
        with engine.connect() as c:
            row = c.execute(sa.text("SELECT source, recorded_by, reviewed_by, description, salt, chain_id_hex, tx_hash, "
                                    "serial, occurred_at FROM activities WHERE id = 1")).one()
            assert tuple(row)[:8] == ("community", "community rewards", "community rewards", "community reward",
                                      None, None, None, None)
            assert str(row[8]).startswith("2026-11-01")
            audit = c.execute(sa.text("SELECT actor, before, after, reason FROM activity_audit")).one()
            assert tuple(audit) == ("community rewards", None, None, None)
    finally:
        engine.dispose()
