"""Residents' records for the staff console: registered with consent, found by name, phone end, member number or
wallet within the coordinator's centre only (another centre's resident is "not found"), a wallet linked or changed
with an audit row. Against the real app and database."""

from __future__ import annotations

import uuid

import pytest
from conftest import activity_body, new_resident
from sqlalchemy import func, select

from backend.store.models import Resident, ResidentChange

KO = {"Accept-Language": "ko"}


def unique_name(base: str = "Kim Minji") -> str:
    return f"{base} {uuid.uuid4().hex[:6]}"


def register(backend, headers, **fields) -> dict:
    body = {"name": unique_name(), "phone": "010-5555-" + str(uuid.uuid4().int % 10_000).zfill(4),
            "consent_terms_version": "2026-03", **fields}
    r = backend.http.post("/residents", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def residents_count(backend) -> int:
    with backend.sessions() as s:
        return s.scalar(select(func.count()).select_from(Resident))


def find(backend, headers, q: str) -> list[dict]:
    r = backend.http.get("/residents", params={"q": q}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_registering_without_consent_is_refused_in_both_languages(backend, coord1):
    before = residents_count(backend)
    r = backend.http.post("/residents", json={"name": unique_name(), "address": new_resident(backend)}, headers=KO)
    assert r.status_code == 401  # not signed in
    r = backend.http.post("/residents", json={"name": unique_name(), "address": new_resident(backend)},
                          headers={**coord1, **KO})
    assert r.status_code == 422 and r.json()["error"] == "consent_required"
    assert "약관 동의" in r.json()["detail"]
    r = backend.http.post("/residents", json={"name": unique_name()}, headers=coord1)
    assert "consent_terms_version" in r.json()["detail"]
    assert residents_count(backend) == before


def test_a_registered_resident_has_a_member_number_the_centre_and_the_consent(backend, coord1):
    resident = register(backend, coord1, address=new_resident(backend))
    assert resident["member_number"] == f"VB-{resident['id']:06d}"
    assert resident["centre_id"] == 1 and resident["registered_by"] == "coord1"
    assert resident["consent_terms_version"] == "2026-03" and resident["consent_at"]


def test_a_consent_in_the_future_is_refused(backend, coord1):
    r = backend.http.post("/residents", json={"name": unique_name(), "consent_terms_version": "2026-03",
                                              "consent_at": "2099-01-01T00:00:00+09:00"}, headers=coord1)
    assert r.status_code == 422 and r.json()["error"] == "consent_in_future"


def test_a_coordinator_registers_for_their_own_centre_only(backend, coord1):
    r = backend.http.post("/residents", json={"name": unique_name(), "consent_terms_version": "2026-03",
                                              "centre_id": 2}, headers=coord1)
    assert r.status_code == 403 and r.json()["error"] == "forbidden"


def test_an_address_already_registered_is_refused(backend, coord1):
    address = new_resident(backend)
    register(backend, coord1, address=address)
    r = backend.http.post("/residents", json={"address": address, "consent_terms_version": "2026-03"}, headers=coord1)
    assert r.status_code == 409 and r.json()["error"] == "resident_exists"


def test_a_wallet_known_from_an_activity_gets_its_record_when_registered(backend, coord1):
    address = new_resident(backend)
    assert backend.http.post("/activities", json=activity_body(address), headers=coord1).status_code == 201
    resident = register(backend, coord1, address=address, name=unique_name("Park"))
    assert resident["name"].startswith("Park") and resident["address"] == address


def test_found_by_part_of_the_name_in_any_case(backend, coord1):
    resident = register(backend, coord1, name=unique_name("Kim Minji"))
    tail = resident["name"].split()[-1]
    assert [r["id"] for r in find(backend, coord1, "MINJI " + tail.upper())] == [resident["id"]]


def test_found_by_a_korean_name(backend, coord1):
    resident = register(backend, coord1, name=unique_name("김민지"))
    assert resident["id"] in [r["id"] for r in find(backend, coord1, "민지")]


def test_found_by_the_last_four_digits_of_the_phone(backend, coord1):
    resident = register(backend, coord1, phone="010-9876-4321")
    assert resident["id"] in [r["id"] for r in find(backend, coord1, "4321")]
    assert resident["id"] in [r["id"] for r in find(backend, coord1, "010 9876 4321")]


def test_three_digits_are_not_a_phone_search(backend, coord1):
    resident = register(backend, coord1, phone="010-1212-0321", name=unique_name("Lee"))
    assert resident["id"] not in [r["id"] for r in find(backend, coord1, "321")]


def test_found_by_member_number(backend, coord1):
    resident = register(backend, coord1)
    assert [r["id"] for r in find(backend, coord1, resident["member_number"].lower())] == [resident["id"]]


def test_found_by_wallet_address_in_lower_case(backend, coord1):
    address = new_resident(backend)
    resident = register(backend, coord1, address=address)
    assert [r["id"] for r in find(backend, coord1, address.lower())] == [resident["id"]]


def test_a_wildcard_is_searched_as_text(backend, coord1):
    register(backend, coord1)
    assert find(backend, coord1, "%") == [] and find(backend, coord1, "_") == []


def test_another_centres_coordinator_does_not_find_the_resident(backend, coord1, coord2, admin_headers):
    resident = register(backend, coord1)
    assert find(backend, coord2, resident["name"]) == []
    assert [r["id"] for r in find(backend, admin_headers, resident["name"])] == [resident["id"]]


def test_another_centres_resident_is_not_found_like_one_that_does_not_exist(backend, coord1, coord2):
    resident = register(backend, coord1)
    theirs = backend.http.get(f"/residents/{resident['id']}", headers=coord2)
    missing = backend.http.get("/residents/99999999", headers=coord2)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["error"] == missing.json()["error"] == "not_found"
    assert backend.http.get(f"/residents/{resident['id']}", headers=coord1).json()["name"] == resident["name"]


def test_recording_an_activity_for_another_centres_resident_does_not_open_their_record(backend, coord1, coord2):
    """A wallet address is public: knowing it and recording an activity for it must not reveal the person."""
    address = new_resident(backend)
    resident = register(backend, coord1, address=address)
    for approve in (False, True):
        r = backend.http.post("/activities", json=activity_body(address, centre_id=2, approve=approve), headers=coord2)
        assert r.status_code == 201, r.text
        assert backend.http.get(f"/residents/{resident['id']}", headers=coord2).status_code == 404
        refused = backend.http.patch(f"/residents/{resident['id']}", json={"name": "x", "reason": "x"}, headers=coord2)
        assert refused.status_code == 404
    assert resident["id"] not in [r["id"] for r in backend.http.get("/residents", params={"q": address},
                                                                      headers=coord2).json()]


def test_a_wallet_first_seen_in_a_centres_activity_is_that_centres_resident(backend, coord2):
    address = new_resident(backend)
    assert backend.http.post("/activities", json=activity_body(address, centre_id=2), headers=coord2).status_code == 201
    found = backend.http.get("/residents", params={"q": address}, headers=coord2).json()
    assert [r["address"] for r in found] == [address]


def test_a_page_is_at_most_fifty(backend, coord1):
    r = backend.http.get("/residents", params={"limit": 51}, headers=coord1)
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"


def test_pages_follow_each_other_by_id(backend, coord1):
    for _ in range(3):
        register(backend, coord1)
    first = backend.http.get("/residents", params={"limit": 2}, headers=coord1).json()
    second = backend.http.get("/residents", params={"limit": 2, "after_id": first[-1]["id"]}, headers=coord1).json()
    assert len(first) == 2 and second and second[0]["id"] > first[-1]["id"]


def test_linking_a_wallet_is_audited(backend, coord1):
    resident = register(backend, coord1)
    assert resident["address"] is None
    address = new_resident(backend)
    r = backend.http.patch(f"/residents/{resident['id']}", json={"address": address.lower(), "reason": "new phone"},
                           headers=coord1)
    assert r.status_code == 200 and r.json()["address"] == address
    changes = backend.http.get(f"/residents/{resident['id']}/changes", headers=coord1).json()
    assert [(c["actor"], c["field"], c["before"], c["after"], c["reason"]) for c in changes] == [
        ("coord1", "address", None, address, "new phone")]


def test_changing_the_wallet_audits_old_and_new(backend, coord1):
    old, new = new_resident(backend), new_resident(backend)
    resident = register(backend, coord1, address=old)
    assert backend.http.patch(f"/residents/{resident['id']}", json={"address": new}, headers=coord1).status_code == 200
    with backend.sessions() as s:
        change = s.scalars(select(ResidentChange).where(ResidentChange.resident_id == resident["id"])).one()
    assert (change.before, change.after) == (old, new) and change.at is not None


def test_an_address_another_resident_has_is_refused(backend, coord1):
    taken = new_resident(backend)
    register(backend, coord1, address=taken)
    resident = register(backend, coord1)
    r = backend.http.patch(f"/residents/{resident['id']}", json={"address": taken}, headers={**coord1, **KO})
    assert r.status_code == 409 and r.json()["error"] == "address_taken" and "다른 주민" in r.json()["detail"]
    assert backend.http.get(f"/residents/{resident['id']}", headers=coord1).json()["address"] is None


def test_another_centre_cannot_change_the_record(backend, coord1, coord2):
    resident = register(backend, coord1)
    r = backend.http.patch(f"/residents/{resident['id']}", json={"name": "Someone else"}, headers=coord2)
    assert r.status_code == 404
    assert backend.http.get(f"/residents/{resident['id']}", headers=coord1).json()["name"] == resident["name"]


def test_the_wallet_is_not_changed_while_an_approved_activity_is_on_its_way(backend, coord1):
    address = new_resident(backend)
    resident = register(backend, coord1, address=address)
    assert backend.http.post("/activities", json=activity_body(address, approve=True), headers=coord1).status_code == 201
    r = backend.http.patch(f"/residents/{resident['id']}", json={"address": new_resident(backend)}, headers=coord1)
    assert r.status_code == 409 and r.json()["error"] == "resident_activity_in_flight"
    backend.drain()
    r = backend.http.patch(f"/residents/{resident['id']}", json={"address": new_resident(backend)}, headers=coord1)
    assert r.status_code == 200


@pytest.mark.parametrize("body,status,error", [
    ({}, 422, "nothing_to_change"),
    ({"address": "0x1234"}, 422, "invalid_address"),
    ({"address": None}, 422, "address_cannot_be_removed"),
    ({"unknown": 1}, 422, "invalid_request"),
])
def test_bad_changes_are_refused(backend, coord1, body, status, error):
    resident = register(backend, coord1, address=new_resident(backend))
    r = backend.http.patch(f"/residents/{resident['id']}", json=body, headers=coord1)
    assert (r.status_code, r.json()["error"]) == (status, error), r.text


def test_the_same_value_is_no_change(backend, coord1):
    resident = register(backend, coord1)
    r = backend.http.patch(f"/residents/{resident['id']}", json={"name": resident["name"]}, headers=coord1)
    assert r.status_code == 409 and r.json()["error"] == "no_change"
