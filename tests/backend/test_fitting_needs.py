"""A volunteer's own list of the needs that fit one of their talents (GET /me/talents/{id}/needs), over HTTP on the
real app and database: relevant needs first, explained in Korean and English as the talent is among a need's
candidates; closed, past, own and already-proposed needs left out; another resident's talent not found; a proposal
from the list accepted by the need's owner."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from eth_account import Account
from residents_helpers import sign_in

KST = timezone(timedelta(hours=9))
AREAS = {  # code: (name, lat, lon)
    "seocho-banpo1": ("반포1동", 37.5045, 127.0050),
    "seocho-banpo2": ("반포2동", 37.5080, 126.9960),
    "nowon-sanggye1": ("상계1동", 37.6690, 127.0570),
}


@pytest.fixture(scope="module")
def community(backend, admin_headers):
    for code, (name, lat, lon) in AREAS.items():
        r = backend.http.put(f"/areas/{code}", json={"name": name, "lat": lat, "lon": lon}, headers=admin_headers)
        assert r.status_code == 200, r.text
    r = backend.http.put("/centres/1/area", json={"area": "seocho-banpo1"}, headers=admin_headers)
    assert r.status_code == 200, r.text
    return backend


def signed_in(backend) -> dict:
    return sign_in(backend, Account.create())


@pytest.fixture
def volunteer(community) -> dict:
    """A resident who cooks side dishes in 반포1동 on weekends."""
    headers = signed_in(community)
    r = community.http.post("/talents", json={"title": "반찬 만들기 요리 봉사", "skills": ["요리", "반찬"],
                                              "area": "seocho-banpo1", "availability": ["weekend"]}, headers=headers)
    assert r.status_code == 201, r.text
    return {"headers": headers, "talent": r.json()}


@pytest.fixture
def requester(community) -> dict:
    return signed_in(community)


@pytest.fixture
def other_resident(community) -> dict:
    return signed_in(community)


def next_day(weekday: int, hour: int = 10) -> datetime:
    """The coming `weekday` (0 Monday … 6 Sunday) at `hour`, Korean time, at least a day ahead."""
    day = datetime.now(KST).replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(days=1)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


SATURDAY, MONDAY = 5, 0


def post_need(backend, headers, title, area, starts: datetime, hours: float = 2, **extra) -> dict:
    r = backend.http.post("/needs", json={"title": title, "area": area, "starts_at": starts.isoformat(),
                                          "ends_at": (starts + timedelta(hours=hours)).isoformat(),
                                          "centre_id": 1, **extra}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def fitting(backend, volunteer, language: str = "en", **params):
    r = backend.http.get(f"/me/talents/{volunteer['talent']['id']}/needs", params={"limit": 50, **params},
                         headers=volunteer["headers"] | {"Accept-Language": language})
    assert r.status_code == 200, r.text
    return r.json()


def ids(found) -> list[int]:
    return [f["need"]["id"] for f in found]


def test_the_fitting_needs_are_ranked_best_first_and_scored_as_among_the_needs_candidates(community, volunteer,
                                                                                          requester):
    near = post_need(community, requester, "반찬을 만들어 주실 분", "seocho-banpo1", next_day(SATURDAY))
    far = post_need(community, requester, "요리 도와주실 분", "nowon-sanggye1", next_day(MONDAY))
    found = fitting(community, volunteer)
    order = ids(found)
    assert near["id"] in order and far["id"] in order and order.index(near["id"]) < order.index(far["id"])
    assert [f["score"] for f in found] == sorted((f["score"] for f in found), reverse=True)
    first = found[order.index(near["id"])]
    assert set(first["factors"]) == {"talent", "text", "distance", "schedule", "reliability"}
    assert abs(sum(f["contribution"] for f in first["factors"].values()) - first["score"]) < 1e-3
    assert "cooking" in first["matched_terms"]
    # The requester sees the same score for this talent among the need's candidates.
    candidates = community.http.get(f"/needs/{near['id']}/candidates", params={"limit": 50}, headers=requester).json()
    mine = next(c for c in candidates if c["talent"]["id"] == volunteer["talent"]["id"])
    assert mine["score"] == pytest.approx(first["score"], abs=1e-6)


def test_an_off_topic_need_nearby_at_a_good_time_is_not_ranked_above_a_relevant_far_one(community, volunteer,
                                                                                        requester):
    off_topic = post_need(community, requester, "스마트폰 사용법 알려주세요", "seocho-banpo1", next_day(SATURDAY))
    relevant_far = post_need(community, requester, "어르신 도시락 요리", "nowon-sanggye1", next_day(MONDAY))
    order = ids(fitting(community, volunteer))
    assert relevant_far["id"] in order
    assert off_topic["id"] not in order  # no talent or words in common: nearness and a good time do not make it fit


def test_closed_past_and_own_needs_are_left_out(community, volunteer, requester):
    open_one = post_need(community, requester, "반찬 나눔 요리 도와주세요", "seocho-banpo1", next_day(SATURDAY))
    closed = post_need(community, requester, "반찬 나눔 요리 도와주세요", "seocho-banpo1", next_day(SATURDAY))
    r = community.http.post(f"/needs/{closed['id']}/close", json={"reason": "해결됨"}, headers=requester)
    assert r.status_code == 200, r.text
    started = post_need(community, requester, "반찬 나눔 요리 도와주세요", "seocho-banpo1",
                        datetime.now(KST) - timedelta(hours=1))
    own = post_need(community, volunteer["headers"], "반찬 나눔 요리 도와주세요", "seocho-banpo1", next_day(SATURDAY))
    order = ids(fitting(community, volunteer))
    assert open_one["id"] in order
    assert not {closed["id"], started["id"], own["id"]} & set(order)


def test_another_residents_talent_is_not_found_in_either_language(community, volunteer, other_resident):
    path = f"/me/talents/{volunteer['talent']['id']}/needs"
    r = community.http.get(path, headers=other_resident)
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    assert r.json()["detail"] == f"talent {volunteer['talent']['id']} not found"
    r = community.http.get(path, headers=other_resident | {"Accept-Language": "ko"})
    assert r.status_code == 404 and "재능 나눔" in r.json()["detail"] and "찾을 수 없습니다" in r.json()["detail"]


def test_a_talent_that_does_not_exist_is_not_found(community, volunteer):
    r = community.http.get("/me/talents/999999/needs", headers=volunteer["headers"])
    assert r.status_code == 404 and r.json()["error"] == "not_found"


def test_a_withdrawn_talent_is_refused(community, volunteer):
    talent = volunteer["talent"]["id"]
    assert community.http.post(f"/talents/{talent}/withdraw", headers=volunteer["headers"]).status_code == 200
    r = community.http.get(f"/me/talents/{talent}/needs", headers=volunteer["headers"] | {"Accept-Language": "ko"})
    assert r.status_code == 409 and r.json()["error"] == "talent_withdrawn" and "철회" in r.json()["detail"]


def test_staff_are_refused_the_residents_list(community, volunteer, coord1):
    r = community.http.get(f"/me/talents/{volunteer['talent']['id']}/needs", headers=coord1)
    assert r.status_code == 403 and r.json()["error"] == "resident_required"


@pytest.mark.parametrize("limit", ["0", "51", "many"])
def test_a_bad_limit_is_refused_in_korean(community, volunteer, limit):
    r = community.http.get(f"/me/talents/{volunteer['talent']['id']}/needs", params={"limit": limit},
                           headers=volunteer["headers"] | {"Accept-Language": "ko"})
    assert r.status_code == 422 and r.json()["error"] == "invalid_request" and "limit" in r.json()["detail"]


def test_each_factor_is_explained_in_korean_and_english(community, volunteer, requester):
    need = post_need(community, requester, "반찬 만들어 주실 분 구해요", "seocho-banpo2", next_day(SATURDAY))
    notes = {lang: next(f for f in fitting(community, volunteer, lang) if f["need"]["id"] == need["id"])["factors"]
             for lang in ("en", "ko")}
    assert "km between" in notes["en"]["distance"]["note"]
    assert "반포2동" in notes["ko"]["distance"]["note"] and "반포1동" in notes["ko"]["distance"]["note"]
    assert "between" not in notes["ko"]["distance"]["note"]
    assert "slots" in notes["en"]["schedule"]["note"] and "시간대" in notes["ko"]["schedule"]["note"]
    assert "요리" in notes["ko"]["talent"]["note"] and "cooking" in notes["en"]["talent"]["note"]
    assert {k: f["contribution"] for k, f in notes["en"].items()} == {k: f["contribution"] for k, f in notes["ko"].items()}


def test_the_volunteer_proposes_from_the_list_and_the_requester_accepts(community, volunteer, requester):
    need = post_need(community, requester, "반찬 만들기 도와주세요", "seocho-banpo1", next_day(SATURDAY))
    assert need["id"] in ids(fitting(community, volunteer))
    r = community.http.post(f"/needs/{need['id']}/matches", json={"talent_id": volunteer["talent"]["id"]},
                            headers=volunteer["headers"])
    assert r.status_code == 201, r.text
    match = r.json()
    assert match["status"] == "proposed" and match["volunteer_accepted"] and not match["need_accepted"]
    assert match["factors"] and match["score"] is not None
    # Proposed, it leaves the volunteer's list; the volunteer cannot accept for the requester.
    assert need["id"] not in ids(fitting(community, volunteer))
    r = community.http.post(f"/matches/{match['id']}/accept", headers=volunteer["headers"])
    assert r.status_code == 409 and r.json()["error"] == "already_accepted"
    r = community.http.post(f"/matches/{match['id']}/accept", headers=requester)
    assert r.status_code == 200 and r.json()["status"] == "scheduled"
