"""The 1365 link over HTTP on the real app, database and chain: programmes read from a local server answering the
public data portal's recorded responses (paged, a bad item, the gateway's refusal), browsed and matched to a
talent; a resident's 1365 id and consent; a centre's confirmed hours exported once, for consenting residents only;
hours from the portal imported and credited once — each with its dry run."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import activity_body, new_resident
from eth_account import Account
from recorded_portal import KST, PAGE_ROWS, SERVICE_KEY, RecordedPortal
from residents_helpers import sign_in
from sqlalchemy import func, select

from backend.store.models import Activity, AdminAudit, PortalProgramme

TODAY = datetime.now(KST).date()


@pytest.fixture(scope="module")
def recorded_portal(backend, admin_headers):
    portal = RecordedPortal()
    backend.settings.portal_api_url, backend.settings.portal_service_key = portal.url, SERVICE_KEY
    backend.settings.portal_page_rows = PAGE_ROWS
    r = backend.http.put("/areas/seocho-banpo2", json={"name": "반포2동", "lat": 37.5080, "lon": 126.9960},
                         headers=admin_headers)
    assert r.status_code == 200, r.text
    yield portal
    portal.stop()


def import_body(**overrides) -> dict:
    return {"from": TODAY.isoformat(), "to": (TODAY + timedelta(days=30)).isoformat(), "sido_code": "6110000",
            "gugun_code": "3210000", "area": "seocho-banpo2", **overrides}


def programme_count(backend) -> int:
    with backend.sessions() as s:
        return s.scalar(select(func.count()).select_from(PortalProgramme))


def imported(backend, recorded_portal, admin_headers) -> dict:
    r = backend.http.post("/portal/programmes/import", json=import_body(dry_run=False), headers=admin_headers)
    assert r.status_code == 200, r.text
    return r.json()


# ------------------------------------------------------------------------------------------- programmes in


def test_a_dry_run_lists_the_programmes_and_the_refused_item_and_stores_nothing(backend, recorded_portal, admin_headers):
    before = programme_count(backend)
    r = backend.http.post("/portal/programmes/import", json=import_body(), headers=admin_headers)
    assert r.status_code == 200, r.text
    found = r.json()
    assert found["dry_run"] is True and programme_count(backend) == before
    assert {p["registration_no"] for p in found["new"]} == {"3012345", "3012346", "3012347"}
    assert [(x["item"], x["code"]) for x in found["refused"]] == [("3012399", "portal_item_invalid")]
    assert "progrmBgnde" in found["refused"][0]["message"]


def test_the_import_reads_every_page_with_the_key_encoded_once(backend, recorded_portal, admin_headers):
    recorded_portal.requests.clear()
    imported(backend, recorded_portal, admin_headers)
    assert [q["pageNo"] for q in recorded_portal.requests] == ["1", "2"]
    first = recorded_portal.requests[0]
    assert first["serviceKey"] == SERVICE_KEY and first["schSido"] == "6110000" and first["schSign1"] == "3210000"
    assert first["path"].endswith("/getVltrSearchWordList")
    assert first["progrmBgnde"] == TODAY.strftime("%Y%m%d")


def test_imported_programmes_are_listed_with_their_1365_page(backend, recorded_portal, admin_headers):
    imported(backend, recorded_portal, admin_headers)
    listed = backend.http.get("/programmes", params={"area": "seocho-banpo2", "limit": 100}).json()
    by_number = {p["registration_no"]: p for p in listed}
    assert {"3012345", "3012346", "3012347"} <= by_number.keys() and "3012399" not in by_number
    lunch = by_number["3012345"]
    assert lunch["title"] == "어르신 점심 배식 도우미" and lunch["organisation"] == "반포종합사회복지관"
    assert lunch["begin_hour"] == 10 and lunch["end_hour"] == 12 and lunch["adults"] is True
    assert lunch["signup_url"].endswith("progrmRegistNo=3012345")


def test_importing_the_same_programmes_again_changes_nothing(backend, recorded_portal, admin_headers):
    imported(backend, recorded_portal, admin_headers)
    again = imported(backend, recorded_portal, admin_headers)
    assert again["new"] == [] and again["changed"] == [] and again["unchanged"] == 3


def test_an_import_is_in_the_audit_log(backend, recorded_portal, admin_headers):
    imported(backend, recorded_portal, admin_headers)
    with backend.sessions() as s:
        row = s.scalars(select(AdminAudit).where(AdminAudit.action == "import_portal_programmes")
                        .order_by(AdminAudit.id.desc())).first()
    assert row is not None and row.actor == "admin" and row.params["area"] == "seocho-banpo2"


def test_the_gateways_refusal_is_told_in_korean_without_the_key(backend, recorded_portal, admin_headers):
    recorded_portal.refuse = True
    try:
        r = backend.http.post("/portal/programmes/import", json=import_body(),
                              headers={**admin_headers, "Accept-Language": "ko"})
    finally:
        recorded_portal.refuse = False
    assert r.status_code == 502 and r.json()["error"] == "portal_refused"
    assert "SERVICE_KEY_IS_NOT_REGISTERED_ERROR" in r.text and "서비스 키" in r.text and SERVICE_KEY not in r.text


def test_an_unreachable_portal_is_a_502_without_the_key(backend, recorded_portal, admin_headers):
    real = backend.settings.portal_api_url
    backend.settings.portal_api_url = "http://127.0.0.1:9/closed"
    try:
        r = backend.http.post("/portal/programmes/import", json=import_body(), headers=admin_headers)
    finally:
        backend.settings.portal_api_url = real
    assert r.status_code == 502 and r.json()["error"] == "portal_unavailable" and "test" not in r.text


def test_without_a_service_key_the_import_says_the_link_is_not_set_up(backend, recorded_portal, admin_headers):
    backend.settings.portal_service_key = ""
    try:
        r = backend.http.post("/portal/programmes/import", json=import_body(), headers=admin_headers)
    finally:
        backend.settings.portal_service_key = SERVICE_KEY
    assert r.status_code == 503 and r.json()["error"] == "portal_not_configured"


def test_a_coordinator_cannot_import_programmes(backend, recorded_portal, coord1):
    r = backend.http.post("/portal/programmes/import", json=import_body(), headers=coord1)
    assert r.status_code == 403


def test_a_cooking_talent_sees_the_side_dish_programme_first(backend, recorded_portal, admin_headers):
    imported(backend, recorded_portal, admin_headers)
    headers = sign_in(backend, Account.create())
    r = backend.http.post("/talents", json={"title": "반찬 만들기 요리 봉사", "skills": ["요리", "반찬"],
                                            "area": "seocho-banpo2", "availability": ["weekdays", "weekend"]},
                          headers=headers)
    assert r.status_code == 201, r.text
    r = backend.http.get(f"/me/talents/{r.json()['id']}/programmes", headers={**headers, "Accept-Language": "ko"})
    assert r.status_code == 200, r.text
    ranked = r.json()
    assert ranked and ranked[0]["programme"]["registration_no"] == "3012346"
    assert "3012347" not in [x["programme"]["registration_no"] for x in ranked[:1]]
    assert all(f["note"] for f in ranked[0]["factors"].values())


def test_another_residents_talent_is_not_found_for_programmes(backend, recorded_portal):
    owner = sign_in(backend, Account.create())
    talent = backend.http.post("/talents", json={"title": "수학 가르치기", "area": "seocho-banpo2",
                                                              "availability": ["weekend"]}, headers=owner).json()
    stranger = sign_in(backend, Account.create())
    assert backend.http.get(f"/me/talents/{talent['id']}/programmes", headers=stranger).status_code == 404


# ------------------------------------------------------------------------------------------------- consent


def registered(backend, headers, name: str | None = None) -> dict:
    tag = uuid.uuid4().int % 100_000
    r = backend.http.post("/residents", json={"name": name or f"주민 {tag}", "phone": f"010-7{tag:04d}-{tag % 10000:04d}",
                                              "consent_terms_version": "2026-03", "address": new_resident(backend)},
                          headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def test_a_coordinator_records_a_residents_1365_id_and_consent(backend, coord1):
    resident = registered(backend, coord1)
    r = backend.http.put(f"/residents/{resident['id']}/portal-link", json={"portal_id": "kim1365", "consent": True},
                         headers=coord1)
    assert r.status_code == 200, r.text
    assert r.json()["consented"] is True and r.json()["portal_id"] == "kim1365" and r.json()["consent_by"] == "coord1"


def test_consent_must_be_given_to_link_1365(backend, coord1):
    resident = registered(backend, coord1)
    r = backend.http.put(f"/residents/{resident['id']}/portal-link", json={"portal_id": "kim1365", "consent": False},
                         headers=coord1)
    assert r.status_code == 422 and r.json()["error"] == "portal_consent_required"


def test_another_centres_coordinator_cannot_see_the_link(backend, coord1, coord2):
    resident = registered(backend, coord1)
    r = backend.http.put(f"/residents/{resident['id']}/portal-link", json={"portal_id": "lee1365", "consent": True},
                         headers=coord2)
    assert r.status_code == 404


def test_a_resident_withdraws_their_own_consent(backend):
    headers = sign_in(backend, Account.create())
    r = backend.http.put("/me/portal-link", json={"portal_id": "park_77", "consent": True}, headers=headers)
    assert r.status_code == 200 and r.json()["consented"] is True
    r = backend.http.delete("/me/portal-link", headers=headers)
    assert r.status_code == 200 and r.json()["consented"] is False and r.json()["withdrawn_at"]
    assert backend.http.delete("/me/portal-link", headers=headers).status_code == 409


# ------------------------------------------------------------------------------------------------ hours out


def confirmed_activity(backend, coord, resident: dict, minutes: int = 120, days_ago: int = 2, drain: bool = True) -> int:
    at = datetime.now(KST).replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(days=days_ago)
    r = backend.http.post("/activities", json=activity_body(resident["address"], units=minutes,
                                                            occurred_at=at.isoformat(), description="점심 배식"),
                          headers=coord)
    assert r.status_code in (200, 201), r.text
    activity_id = r.json()["id"]
    assert backend.http.post(f"/activities/{activity_id}/approve", headers=coord).status_code in (200, 202)
    if drain:
        backend.drain()
    return activity_id


def linked(backend, coord, portal_id: str) -> dict:
    resident = registered(backend, coord)
    r = backend.http.put(f"/residents/{resident['id']}/portal-link", json={"portal_id": portal_id, "consent": True},
                         headers=coord)
    assert r.status_code == 200, r.text
    return resident


def period() -> dict:
    return {"from": (TODAY - timedelta(days=10)).isoformat(), "to": TODAY.isoformat()}


def refusal_of(found: dict, activity_id: int) -> str | None:
    return next((r["code"] for r in found["refused"] if r["activity_id"] == activity_id), None)


def test_the_export_takes_consenting_residents_only_and_each_activity_once(backend, coord1):
    tag = uuid.uuid4().hex[:8]
    consenting = linked(backend, coord1, f"v{tag}")
    silent = registered(backend, coord1)
    withdrawn = linked(backend, coord1, f"w{tag}")
    assert backend.http.delete(f"/residents/{withdrawn['id']}/portal-link", headers=coord1).status_code == 200
    going = confirmed_activity(backend, coord1, consenting, minutes=150)
    not_consented = confirmed_activity(backend, coord1, silent)
    no_longer = confirmed_activity(backend, coord1, withdrawn)

    dry = backend.http.post("/portal/exports", json=period(), headers=coord1).json()
    assert f"v{tag}" in [line["portal_id"] for line in dry["lines"]] and dry["export_id"] is None
    assert refusal_of(dry, not_consented) == "no_portal_consent" and refusal_of(dry, no_longer) == "no_portal_consent"

    made = backend.http.post("/portal/exports", json={**period(), "dry_run": False}, headers=coord1)
    assert made.status_code == 200, made.text
    line = next(x for x in made.json()["lines"] if x["portal_id"] == f"v{tag}")
    assert line["minutes"] == 150 and line["whole_hours"] == 2 and line["approved_by"] == "coord1"
    assert line["reference"].startswith(f"1-{going}")

    again = backend.http.post("/portal/exports", json=period(), headers=coord1).json()
    assert refusal_of(again, going) == "already_exported"


def test_the_export_file_has_the_korean_columns(backend, coord1):
    resident = linked(backend, coord1, f"f{uuid.uuid4().hex[:8]}")
    confirmed_activity(backend, coord1, resident, minutes=90)
    made = backend.http.post("/portal/exports", json={**period(), "dry_run": False}, headers=coord1).json()
    r = backend.http.get(f"/portal/exports/{made['export_id']}.csv", headers=coord1)
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["1365 아이디", "성명", "회원번호", "봉사일자"] and "봉사시간(분)" in rows[0]
    assert any(row[0] == resident_portal_id(backend, resident) and row[rows[0].index("봉사시간(분)")] == "90"
               for row in rows[1:])


def resident_portal_id(backend, resident: dict) -> str:
    from backend.store.models import PortalLink

    with backend.sessions() as s:
        return s.get(PortalLink, resident["id"]).portal_id


def test_an_activity_not_yet_confirmed_waits(backend, coord1):
    resident = linked(backend, coord1, f"u{uuid.uuid4().hex[:8]}")
    waiting = confirmed_activity(backend, coord1, resident, drain=False)
    found = backend.http.post("/portal/exports", json=period(), headers=coord1).json()
    assert refusal_of(found, waiting) == "not_confirmed_yet"
    backend.drain()


def test_another_centres_export_cannot_be_downloaded(backend, coord1, coord2):
    resident = linked(backend, coord1, f"d{uuid.uuid4().hex[:8]}")
    confirmed_activity(backend, coord1, resident)
    made = backend.http.post("/portal/exports", json={**period(), "dry_run": False}, headers=coord1).json()
    assert backend.http.get(f"/portal/exports/{made['export_id']}.csv", headers=coord2).status_code == 404


def test_an_export_with_nothing_to_send_is_refused(backend, coord2):
    r = backend.http.post("/portal/exports", json={"from": "2020-01-01", "to": "2020-01-31", "dry_run": False},
                          headers=coord2)
    assert r.status_code == 409 and r.json()["error"] == "nothing_to_export"


# ------------------------------------------------------------------------------------------------- hours in

HOURS_HEADER = ["회원번호", "성명", "봉사일자", "시작시각", "종료시각", "봉사시간(분)", "프로그램번호", "봉사기관"]


def hours_file(rows: list[list]) -> bytes:
    return "\n".join(",".join(str(c) for c in row) for row in [HOURS_HEADER, *rows]).encode("utf-8-sig")


def send_hours(backend, headers, data: bytes, dry_run: bool = True):
    return backend.http.post("/portal/hours", data={"dry_run": "true" if dry_run else "false"},
                             files={"file": ("hours.csv", data)}, headers=headers)


def activity_count(backend) -> int:
    with backend.sessions() as s:
        return s.scalar(select(func.count()).select_from(Activity))


def day(days_ago: int) -> str:
    return (TODAY - timedelta(days=days_ago)).isoformat()


def test_a_dry_run_of_hours_lists_each_line_and_records_nothing(backend, coord1):
    resident, other = registered(backend, coord1, "김하늘"), registered(backend, coord1)
    confirmed_activity(backend, coord1, other, days_ago=6)
    before = activity_count(backend)
    found = send_hours(backend, coord1, hours_file([
        [resident["member_number"], "김하늘", day(5), "10:00", "12:30", "150", "3012345", "반포종합사회복지관"],
        ["VB-999999", "", day(5), "", "", "60", "", ""],
        [resident["member_number"], "김하늘", "어제", "", "", "60", "", ""],
        [resident["member_number"], "다른 이름", day(4), "", "", "60", "", ""],
        [other["member_number"], "", day(6), "", "", "60", "", ""],
    ])).json()
    assert found["dry_run"] is True and activity_count(backend) == before
    codes = [line["refusal"]["code"] if line["refusal"] else None for line in found["lines"]]
    assert codes == [None, "unknown_resident", "bad_day", "name_mismatch", "duplicate"]
    assert found["lines"][0]["minutes"] == 150 and found["credited"] == 1 and found["refused"] == 4
    assert found["lines"][0]["member_number"] == resident["member_number"] and found["lines"][1]["identifier"] == "VB-999999"


def test_imported_hours_are_credited_on_chain_once(backend, coord1):
    resident = registered(backend, coord1, "박바다")
    data = hours_file([[resident["member_number"], "박바다", day(8), "09:00", "11:00", "", "3012346", "복지관"]])
    r = send_hours(backend, coord1, data, dry_run=False)
    assert r.status_code == 200, r.text
    [activity_id] = r.json()["activity_ids"]
    backend.drain()
    activity = backend.activity(activity_id)
    assert activity.status == "confirmed" and activity.source == "portal" and activity.units == 120

    again = send_hours(backend, coord1, data).json()
    assert again["lines"][0]["refusal"]["code"] == "already_imported"
    r = send_hours(backend, coord1, data, dry_run=False)
    assert r.status_code == 409 and r.json()["error"] == "nothing_to_import"


def test_the_same_day_twice_in_one_file_is_credited_once(backend, coord1):
    resident = registered(backend, coord1)
    found = send_hours(backend, coord1, hours_file([
        [resident["member_number"], "", day(9), "", "", "60", "1", ""],
        [resident["member_number"], "", day(9), "", "", "90", "2", ""],
    ])).json()
    assert [line["refusal"]["code"] if line["refusal"] else None for line in found["lines"]] == [None, "duplicate"]


def test_hours_imported_from_1365_are_not_exported_back(backend, coord1):
    resident = linked(backend, coord1, f"b{uuid.uuid4().hex[:8]}")
    data = hours_file([[resident["member_number"], "", day(3), "", "", "60", "", ""]])
    [activity_id] = send_hours(backend, coord1, data, dry_run=False).json()["activity_ids"]
    backend.drain()
    found = backend.http.post("/portal/exports", json=period(), headers=coord1).json()
    assert refusal_of(found, activity_id) == "came_from_portal"


def test_a_file_without_the_needed_columns_is_refused_in_korean(backend, coord1):
    r = backend.http.post("/portal/hours", data={"dry_run": "true"},
                          files={"file": ("x.csv", "이름,메모\n김,안녕\n".encode())},
                          headers={**coord1, "Accept-Language": "ko"})
    assert r.status_code == 422 and r.json()["error"] == "hours_no_header" and "봉사일자" in r.text


def test_another_centres_residents_are_unknown_to_the_hours_import(backend, coord1, coord2):
    resident = registered(backend, coord1)
    found = send_hours(backend, coord2, hours_file([[resident["member_number"], "", day(2), "", "", "60", "", ""]])).json()
    assert found["lines"][0]["refusal"]["code"] == "unknown_resident"


def test_a_line_naming_the_resident_by_1365_id_is_found(backend, coord1):
    tag = f"id{uuid.uuid4().hex[:8]}"
    resident = linked(backend, coord1, tag)
    data = ("1365 아이디,성명,봉사일자,봉사시간\n" + f"{tag},{resident['name']},{day(12)},2시간 30분\n").encode()
    found = send_hours(backend, coord1, data).json()
    assert found["lines"][0]["refusal"] is None and found["lines"][0]["minutes"] == 150


def test_a_line_found_by_1365_id_alone_must_carry_the_name(backend, coord1):
    tag = f"nm{uuid.uuid4().hex[:8]}"
    linked(backend, coord1, tag)
    data = ("1365 아이디,봉사일자,봉사시간\n" + f"{tag},{day(12)},2시간\n").encode()
    assert send_hours(backend, coord1, data).json()["lines"][0]["refusal"]["code"] == "name_needed_with_portal_id"


def test_a_1365_id_linked_to_one_resident_cannot_be_claimed_by_another(backend, coord1):
    tag = f"tk{uuid.uuid4().hex[:8]}"
    linked(backend, coord1, tag)
    r = backend.http.put("/me/portal-link", json={"portal_id": tag, "consent": True},
                         headers=sign_in(backend, Account.create()))
    assert r.status_code == 409 and r.json()["error"] == "portal_id_taken"


def test_the_banks_own_hours_coming_back_from_1365_are_not_credited_again(backend, coord1):
    resident = linked(backend, coord1, f"rt{uuid.uuid4().hex[:8]}")
    # Early morning in Korea: the day before in UTC, which the centre's own UTC-day check would miss.
    at = datetime.now(KST).replace(hour=7, minute=30, second=0, microsecond=0) - timedelta(days=4)
    r = backend.http.post("/activities", json=activity_body(resident["address"], units=60, occurred_at=at.isoformat()),
                          headers=coord1)
    assert backend.http.post(f"/activities/{r.json()['id']}/approve", headers=coord1).status_code in (200, 202)
    backend.drain()
    line = next(x for x in backend.http.post("/portal/exports", json={**period(), "dry_run": False},
                                             headers=coord1).json()["lines"] if x["portal_id"] == resident_portal_id(backend, resident))
    back = hours_file([[resident["member_number"], "", line["day"], "", "", line["minutes"], "", ""]])
    assert send_hours(backend, coord1, back).json()["lines"][0]["refusal"]["code"] == "duplicate"


def test_consent_recorded_and_withdrawn_by_staff_is_in_the_audit_log(backend, coord1, admin_headers):
    resident = linked(backend, coord1, f"au{uuid.uuid4().hex[:8]}")
    backend.http.delete(f"/residents/{resident['id']}/portal-link", headers=coord1)
    rows = backend.http.get("/admin/audit", params={"actor": "coord1"}, headers=admin_headers).json()
    mine = [a["action"] for a in rows if a["params"].get("resident_id") == resident["id"]]
    assert mine == ["portal_consent_withdrawn", "portal_consent"]


def test_forgetting_a_resident_removes_their_link_and_their_lines_from_kept_exports(backend, coord1):
    resident = linked(backend, coord1, f"fg{uuid.uuid4().hex[:8]}")
    portal_id = resident_portal_id(backend, resident)
    confirmed_activity(backend, coord1, resident, minutes=70)
    made = backend.http.post("/portal/exports", json={**period(), "dry_run": False}, headers=coord1).json()
    assert portal_id in backend.http.get(f"/portal/exports/{made['export_id']}.csv", headers=coord1).text
    r = backend.http.post(f"/residents/{resident['id']}/forget", json={"reason": "본인이 서면으로 요청함"},
                          headers={**coord1, "Idempotency-Key": uuid.uuid4().hex})
    assert r.status_code == 200, r.text
    kept = backend.http.get(f"/portal/exports/{made['export_id']}.csv", headers=coord1).text
    assert portal_id not in kept and resident["member_number"] not in kept and resident["name"] not in kept


def test_a_resident_cannot_import_hours(backend):
    headers = sign_in(backend, Account.create())
    r = send_hours(backend, headers, hours_file([]))
    assert r.status_code == 403


def run_import_command(backend, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": backend.settings.database_url,
           "VB_PORTAL_API_URL": backend.settings.portal_api_url, "VB_PORTAL_SERVICE_KEY": SERVICE_KEY,
           "VB_PORTAL_PAGE_ROWS": str(PAGE_ROWS)}
    return subprocess.run([sys.executable, "-m", "backend.portal_import", "--from", TODAY.isoformat(),
                           "--to", (TODAY + timedelta(days=30)).isoformat(), "--sido", "6110000", *args],
                          capture_output=True, text=True, env=env, cwd=Path(__file__).parents[2], timeout=120)


def test_the_command_dry_runs_by_default_and_prints_one_json_object(backend, recorded_portal):
    before = programme_count(backend)
    done = run_import_command(backend)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["dry_run"] is True and programme_count(backend) == before
    assert [r["code"] for r in found["refused"]] == ["portal_item_invalid"]


def test_the_command_applies_with_apply_and_is_audited(backend, recorded_portal):
    done = run_import_command(backend, "--apply", "--area", "seocho-banpo2")
    assert done.returncode == 0, done.stderr
    with backend.sessions() as s:
        row = s.scalars(select(AdminAudit).where(AdminAudit.action == "import_portal_programmes")
                        .order_by(AdminAudit.id.desc())).first()
    assert row.actor == "command: backend.portal_import"


def test_the_command_exits_2_when_the_portal_refuses(backend, recorded_portal):
    recorded_portal.refuse = True
    try:
        done = run_import_command(backend)
    finally:
        recorded_portal.refuse = False
    assert done.returncode == 2 and "portal_refused" in done.stderr and done.stdout == ""
