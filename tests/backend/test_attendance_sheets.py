"""Attendance sheets end to end against the real chain, app and database: a CSV (UTF-8, and CP949 as Korean Excel
saves it) or a real .xlsx uploaded, each line checked before anything is recorded, a bad line fixed or dropped, the
sheet approved in one step, and every line confirmed on-chain."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from conftest import COIN, new_resident
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from backend.store.models import Activity

TODAY = datetime.now(UTC).date()
DAY = (TODAY - timedelta(days=1)).isoformat()


def count_activities(backend) -> int:
    with backend.sessions() as s:
        return s.scalar(select(func.count()).select_from(Activity))


def register(backend, headers, name: str, phone: str, address: str | None = None) -> dict:
    body = {"name": name, "phone": phone, "consent_terms_version": "2026-03",
            "address": address or new_resident(backend)}
    r = backend.http.post("/residents", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture
def members(backend, coord1) -> list[dict]:
    """Three residents of centre 1 with wallets, names and phones of their own."""
    tag = uuid.uuid4().int % 10_000
    return [register(backend, coord1, f"{name} {tag}", f"010-{tag:04d}-{i:04d}")
            for i, name in enumerate(("김민지", "이서준", "Park Jiwoo"), 1)]


def csv_bytes(rows: list[list], encoding: str = "utf-8-sig") -> bytes:
    return "\n".join(",".join(str(c) for c in row) for row in rows).encode(encoding)


def xlsx_bytes(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HEADER = ["회원번호 (member number)", "지갑 주소 (wallet address)", "전화번호 (phone)", "이름 (name)", "시간(분) (minutes)"]


def upload(backend, headers, data: bytes, filename: str = "sheet.csv", **fields):
    form = {"category": "1", "occurred_on": DAY, "place": "Banpo community hall", "description": "kimchi day", **fields}
    return backend.http.post("/sheets", data=form, files={"file": (filename, data)}, headers=headers)


def codes(line: dict) -> list[str]:
    return [p["code"] for p in line["problems"]]


# ------------------------------------------------------------------------------------------ the template


def test_the_csv_template_has_a_bom_and_the_columns(backend):
    r = backend.http.get("/sheets/template.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf") and "회원번호" in r.content.decode("utf-8-sig")


def test_the_xlsx_template_opens_with_the_columns(backend):
    r = backend.http.get("/sheets/template.xlsx")
    assert r.status_code == 200
    header = [c.value for c in next(load_workbook(io.BytesIO(r.content)).active.iter_rows())]
    assert header[0].startswith("회원번호") and header[-1].startswith("시간(분)")


def test_the_empty_template_uploaded_is_refused(backend, coord1):
    template = backend.http.get("/sheets/template.xlsx").content
    r = upload(backend, coord1, template, "attendance-sheet.xlsx")
    assert r.status_code == 422 and r.json()["error"] == "sheet_empty", r.text


# ------------------------------------------------------------------------------------------ each line checked


def test_a_csv_is_checked_line_by_line_and_nothing_is_recorded(backend, coord1, members):
    before = count_activities(backend)
    rows = [HEADER, [members[0]["member_number"], "", "", members[0]["name"], 120],
            ["VB-999999", "", "", "Nobody", 60]]
    r = upload(backend, coord1, csv_bytes(rows))
    assert r.status_code == 201, r.text
    sheet = r.json()
    assert sheet["status"] == "draft" and sheet["totals"] == {"lines": 2, "kept": 2, "with_problems": 1,
                                                               "reward": str(6 * COIN), "confirmed": 0}
    first, second = sheet["lines"]
    assert first["resident"]["id"] == members[0]["id"] and codes(first) == [] and first["reward"] == str(6 * COIN)
    assert codes(second) == ["unknown_resident"] and "VB-999999" in second["problems"][0]["message"]
    assert count_activities(backend) == before


def test_a_korean_cp949_csv_is_read(backend, coord1, members):
    rows = [["회원번호", "이름", "시간(분)"], [members[0]["member_number"], members[0]["name"], 90],
            [members[1]["member_number"], "홍길동", 60]]
    r = upload(backend, {**coord1, "Accept-Language": "ko"}, csv_bytes(rows, "cp949"))
    assert r.status_code == 201, r.text
    first, second = r.json()["lines"]
    assert first["name"] == members[0]["name"] and codes(first) == []
    assert codes(second) == ["name_mismatch"] and "홍길동" in second["problems"][0]["message"]


def test_an_xlsx_names_residents_by_phone_and_wallet(backend, coord1, members):
    rows = [HEADER, ["", "", members[1]["phone"], members[1]["name"], 60],
            ["", members[2]["address"].lower(), "", members[2]["name"].upper(), 30.0]]
    r = upload(backend, coord1, xlsx_bytes(rows), "sheet.xlsx")
    assert r.status_code == 201, r.text
    assert [line["resident"]["id"] for line in r.json()["lines"]] == [members[1]["id"], members[2]["id"]]
    assert all(codes(line) == [] for line in r.json()["lines"])


def test_the_same_resident_twice_is_a_duplicate(backend, coord1, members):
    rows = [HEADER, [members[0]["member_number"], "", "", "", 60], [members[0]["member_number"], "", "", "", 30]]
    lines = upload(backend, coord1, csv_bytes(rows)).json()["lines"]
    assert codes(lines[0]) == [] and codes(lines[1]) == ["duplicate"]
    assert lines[1]["problems"][0]["message"] == "the same resident as line 1"


def test_units_above_the_maximum_and_units_that_are_not_a_number(backend, coord1, members):
    rows = [HEADER, [members[0]["member_number"], "", "", "", 481], [members[1]["member_number"], "", "", "", "2h"],
            [members[2]["member_number"], "", "", "", -5]]
    lines = upload(backend, coord1, csv_bytes(rows)).json()["lines"]
    assert [codes(line) for line in lines] == [["units_above_max"], ["bad_units"], ["bad_units"]]


def test_a_resident_already_recorded_that_day_is_a_duplicate(backend, coord1, members):
    body = {"centre_id": 1, "volunteer": members[0]["address"], "category": 1, "units": 60,
            "occurred_at": f"{DAY}T05:00:00+00:00"}
    assert backend.http.post("/activities", json=body, headers=coord1).status_code == 201
    lines = upload(backend, coord1, csv_bytes([HEADER, [members[0]["member_number"], "", "", "", 60]])).json()["lines"]
    assert codes(lines[0]) == ["duplicate"] and DAY in lines[0]["problems"][0]["message"]


def test_another_centres_resident_is_unknown_to_the_sheet(backend, coord2, members):
    r = upload(backend, coord2, csv_bytes([HEADER, [members[0]["member_number"], "", "", "", 60]]))
    assert codes(r.json()["lines"][0]) == ["unknown_resident"] and r.json()["lines"][0]["resident"] is None


def test_the_centres_cap_is_counted_over_the_sheet(backend, coord2):
    people = [register(backend, coord2, f"Cap {i} {uuid.uuid4().hex[:4]}", f"010-7777-{i:04d}") for i in range(3)]
    registry, admin = backend.chain.registry.functions, backend.node.web3.eth.accounts[0]
    _, _, _, period, _ = registry.centre(2).call()
    wait = backend.node.web3.eth.wait_for_transaction_receipt
    backend.drain()
    used = registry.centre(2).call()[0] - backend.chain.remaining_cap(2)  # issued in the current period
    wait(registry.setCentreCap(2, used + 50 * COIN, period).transact({"from": admin}))  # 50 coins left
    backend.chain._caps.clear()
    try:
        rows = [HEADER, *[[p["member_number"], "", "", "", 480] for p in people]]  # 24 coins each
        lines = upload(backend, coord2, csv_bytes(rows)).json()["lines"]
        assert [codes(line) for line in lines] == [[], [], ["over_centre_cap"]]
        assert "the sheet's lines up to this one need 72 coins" in lines[2]["problems"][0]["message"]
    finally:
        wait(registry.setCentreCap(2, 20_000 * COIN, period).transact({"from": admin}))
        backend.chain._caps.clear()


# ------------------------------------------------------------------------------------------ fix, drop, approve


def test_one_bad_line_fixed_then_approved_and_all_confirmed_on_chain(backend, coord1, members):
    rows = [HEADER, *[[m["member_number"], "", "", m["name"], 60 * (i + 1)] for i, m in enumerate(members[:2])],
            ["", "", "010-0000-0000", members[2]["name"], 30]]
    sheet = upload(backend, coord1, csv_bytes(rows)).json()
    assert codes(sheet["lines"][2]) == ["unknown_resident"]
    sid = sheet["id"]

    r = backend.http.post(f"/sheets/{sid}/approve", headers={**coord1, "Idempotency-Key": f"a-{sid}"})
    assert r.status_code == 409 and r.json()["error"] == "sheet_has_problems"

    r = backend.http.patch(f"/sheets/{sid}/lines/3", json={"resident_id": members[2]["id"]}, headers=coord1)
    assert r.status_code == 200 and codes(r.json()["lines"][2]) == [] and r.json()["totals"]["with_problems"] == 0

    before = count_activities(backend)
    key = {**coord1, "Idempotency-Key": f"b-{sid}"}
    r = backend.http.post(f"/sheets/{sid}/approve", headers=key)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "approved" and all(line["activity"]["status"] == "approved" for line in r.json()["lines"])
    assert count_activities(backend) == before + 3
    replay = backend.http.post(f"/sheets/{sid}/approve", headers=key)
    assert replay.headers.get("Idempotent-Replayed") == "true" and count_activities(backend) == before + 3
    again = backend.http.post(f"/sheets/{sid}/approve", headers={**coord1, "Idempotency-Key": f"c-{sid}"})
    assert again.status_code == 409 and again.json()["error"] == "sheet_not_draft"

    backend.drain()
    sheet = backend.http.get(f"/sheets/{sid}", headers=coord1).json()
    assert sheet["totals"]["confirmed"] == 3
    for line in sheet["lines"]:
        assert line["activity"]["status"] == "confirmed" and line["activity"]["tx_hash"].startswith("0x")
    assert [line["reward"] for line in sheet["lines"]] == [str(3 * COIN), str(6 * COIN), str(COIN * 3 // 2)]
    day = date.fromisoformat(DAY)
    for line in sheet["lines"]:
        assert backend.activity(line["activity"]["id"]).occurred_at == datetime(day.year, day.month, day.day, tzinfo=UTC)


def test_a_dropped_line_is_left_out_of_the_approval(backend, coord1, members):
    rows = [HEADER, [members[0]["member_number"], "", "", "", 60], ["nobody", "", "", "", 60]]
    sid = upload(backend, coord1, csv_bytes(rows)).json()["id"]
    r = backend.http.delete(f"/sheets/{sid}/lines/2", headers=coord1)
    assert r.status_code == 200 and r.json()["lines"][1]["dropped"] is True and r.json()["totals"]["kept"] == 1
    r = backend.http.post(f"/sheets/{sid}/approve", headers=coord1)
    assert r.status_code == 200, r.text
    assert r.json()["lines"][0]["activity"] is not None and r.json()["lines"][1]["activity"] is None


def test_a_line_fixed_with_units(backend, coord1, members):
    sid = upload(backend, coord1, csv_bytes([HEADER, [members[1]["member_number"], "", "", "", 999]])).json()["id"]
    r = backend.http.patch(f"/sheets/{sid}/lines/1", json={"units": 240}, headers=coord1)
    assert codes(r.json()["lines"][0]) == [] and r.json()["lines"][0]["reward"] == str(12 * COIN)


def test_another_centres_sheet_is_not_found(backend, coord1, coord2, members):
    sid = upload(backend, coord1, csv_bytes([HEADER, [members[0]["member_number"], "", "", "", 60]])).json()["id"]
    for method, path in (("get", f"/sheets/{sid}"), ("post", f"/sheets/{sid}/approve"),
                         ("delete", f"/sheets/{sid}/lines/1")):
        assert getattr(backend.http, method)(path, headers=coord2).status_code == 404
    r = backend.http.patch(f"/sheets/{sid}/lines/1", json={"units": 30}, headers=coord2)
    assert r.status_code == 404


# ------------------------------------------------------------------------------------------ refused files


def test_a_file_over_one_megabyte_is_refused(backend, coord1):
    before = count_activities(backend)
    r = upload(backend, coord1, b"a,b\n" * 300_000)
    assert r.status_code == 413 and r.json()["error"] == "sheet_too_large"
    assert count_activities(backend) == before


def test_more_than_500_lines_are_refused(backend, coord1):
    rows = [HEADER, *[[f"VB-{i:06d}", "", "", "", 60] for i in range(501)]]
    r = upload(backend, coord1, csv_bytes(rows))
    assert r.status_code == 422 and r.json()["error"] == "sheet_too_long"


def test_a_sheet_without_recognisable_columns_is_refused_in_korean(backend, coord1):
    r = upload(backend, {**coord1, "Accept-Language": "ko"}, csv_bytes([["a", "b"], ["1", "2"]]))
    assert r.status_code == 422 and r.json()["error"] == "sheet_no_header" and "회원번호" in r.json()["detail"]


def test_a_file_that_is_not_text_nor_a_workbook_is_refused(backend, coord1):
    r = upload(backend, coord1, b"PK\x03\x04 not really a zip" + bytes(range(256)))
    assert r.status_code == 422 and r.json()["error"] == "sheet_unreadable"


def test_the_upload_without_a_file_is_refused(backend, coord1):
    r = backend.http.post("/sheets", data={"category": "1", "occurred_on": DAY}, files={"other": ("x", b"1")},
                          headers=coord1)
    assert r.status_code == 422 and r.json()["error"] == "sheet_file_missing"


@pytest.mark.parametrize("fields,error", [
    ({"occurred_on": "yesterday"}, "invalid_request"),
    ({"occurred_on": (TODAY + timedelta(days=2)).isoformat()}, "in_future"),
    ({"category": "77"}, "unknown_category"),
    ({"category": "gardening"}, "unknown_category"),
    ({"centre_id": "2"}, "forbidden"),
])
def test_bad_form_fields_are_refused(backend, coord1, members, fields, error):
    r = upload(backend, coord1, csv_bytes([HEADER, [members[0]["member_number"], "", "", "", 60]]), **fields)
    assert 400 <= r.status_code < 500 and r.json()["error"] == error, r.text


def test_a_category_by_its_key(backend, coord1, members):
    r = upload(backend, coord1, csv_bytes([HEADER, [members[0]["member_number"], "", "", "", 60]]),
               category="volunteering")
    assert r.status_code == 201 and r.json()["category"] == 1
