"""The community layer over HTTP, onto the real chain: talent ↔ need matching to a volunteer activity on-chain and to
a payment between residents, neighbour-in-need reports (sealed, area-only, logged, rewarded), community proposals
to projects; access control, bad inputs that change nothing, Korean in and out."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from conftest import COIN, PASSWORD, ROOT, activity_body
from eth_account import Account
from residents_helpers import sign_in, sign_request
from sqlalchemy import func, select

from backend.services.sentences import TextAllowance
from backend.store.models import Match, Need, NeighbourReport, ProposalSupport, ReportAccess, Resident, TalentOffer

AREAS = {  # code: (name, lat, lon)
    "seocho-banpo1": ("반포1동", 37.5045, 127.0050),
    "seocho-banpo2": ("반포2동", 37.5080, 126.9960),
    "seocho-seocho3": ("서초3동", 37.4830, 127.0110),
    "nowon-sanggye1": ("상계1동", 37.6690, 127.0570),
}


@pytest.fixture(scope="module")
def community(backend, admin_headers):
    """Areas; centre 1 serves 반포1동, centre 2 serves 상계1동 (with a welfare officer of its own)."""
    for code, (name, lat, lon) in AREAS.items():
        r = backend.http.put(f"/areas/{code}", json={"name": name, "lat": lat, "lon": lon}, headers=admin_headers)
        assert r.status_code == 200, r.text
    for centre, area in ((1, "seocho-banpo1"), (2, "nowon-sanggye1")):
        r = backend.http.put(f"/centres/{centre}/area", json={"area": area}, headers=admin_headers)
        assert r.status_code == 200, r.text
    r = backend.http.post("/staff", json={"username": "officer2", "password": PASSWORD, "role": "welfare_officer",
                                          "centre_id": 2}, headers=admin_headers)
    assert r.status_code == 201, r.text
    return backend


def resident(backend):
    """A new wallet, signed in with SIWE."""
    account = Account.create()
    return account, sign_in(backend, account)


def later(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def offer(backend, headers, title, area, availability=("sat", "sun"), **extra) -> dict:
    r = backend.http.post("/talents", json={"title": title, "area": area, "availability": list(availability), **extra},
                          headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def count(backend, model, *where) -> int:
    with backend.sessions() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def balance(backend, address: str) -> int:
    return backend.chain.coin.functions.balanceOf(address).call()


# ------------------------------------------------------------------------------------------------ sign-in


def test_a_siwe_resident_is_registered_on_first_use_and_is_no_staff(community, coord1):
    backend = community
    account, headers = resident(backend)
    with backend.sessions() as s:
        from backend.store.models import Resident

        assert s.scalar(select(Resident).where(Resident.address == account.address)) is None
    assert backend.http.get("/talents", params={"mine": "true"}, headers=headers).json() == []
    with backend.sessions() as s:
        assert s.scalar(select(Resident.id).where(Resident.address == account.address)) is not None
    # A resident opens no staff endpoint, and staff cannot act as residents.
    assert backend.http.get("/activities", headers=headers).status_code == 403
    r = backend.http.post("/organisations", json={"name": "x", "kind": "farm", "area": "seocho-banpo1", "centre_id": 1,
                                                  "representative": account.address}, headers=headers)
    assert r.status_code == 403 and r.json()["error"] == "staff_required"
    r = backend.http.post("/talents", json={"title": "요리", "area": "seocho-banpo1", "availability": ["sat"]},
                          headers=coord1)
    assert r.status_code == 403 and r.json()["error"] == "resident_required"
    assert backend.http.get("/talents").status_code == 401
    paths = backend.http.get("/openapi.json").json()["paths"]
    assert {"/talents/search", "/needs/{need_id}/candidates", "/reports/{report_id}", "/proposals/{proposal_id}/support"} <= set(paths)


# ------------------------------------------------------------------------------------------------ talents and needs


def test_organisation_need_matched_confirmed_and_attested_on_chain(community, admin_headers, coord1):
    backend = community
    farmer, farmer_h = resident(backend)
    r = backend.http.post("/organisations", json={"name": "반포 사과농장", "kind": "farm", "area": "seocho-banpo1",
                                                  "centre_id": 1, "representative": farmer.address}, headers=coord1)
    assert r.status_code == 201, r.text
    farm = r.json()["id"]
    listed = backend.http.get("/organisations", params={"area": "seocho-banpo1"}, headers=farmer_h).json()
    assert {"id": farm, "name": "반포 사과농장", "kind": "farm", "area": "seocho-banpo1", "centre_id": 1,
            "representative": farmer.address} in listed

    near, near_h = resident(backend)
    english, english_h = resident(backend)
    far, far_h = resident(backend)
    cook, cook_h = resident(backend)
    near_offer = offer(backend, near_h, "과수원 수확 일손 돕기", "seocho-banpo2", ("any",),
                       skills=["수확", "농사"], description="주말마다 시간이 있어요")
    english_offer = offer(backend, english_h, "Orchard harvest helper", "seocho-seocho3", ("any",),
                          skills=["farm work"], description="I can help harvesting fruit on weekends")
    offer(backend, far_h, "과수원 수확 경험 많아요", "nowon-sanggye1", ("any",))
    offer(backend, cook_h, "반찬 만들기 요리 봉사", "seocho-banpo1", ("any",))

    # A need that started an hour ago and ends soon (so the beneficiary can confirm it in this test).
    start = datetime.now(UTC) - timedelta(hours=1)
    r = backend.http.post("/needs", json={
        "title": "사과 수확 일손이 필요합니다", "description": "과수원에서 사과를 따고 상자에 담는 일",
        "area": "seocho-banpo1", "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat(),
        "people_needed": 1, "organisation_id": farm}, headers=farmer_h)
    assert r.status_code == 201, r.text
    need = r.json()
    assert need["centre_id"] == 1 and need["settlement"] == "volunteer_activity" and need["status"] == "open"

    r = backend.http.get(f"/needs/{need['id']}/candidates", headers=farmer_h)
    assert r.status_code == 200, r.text
    ranked = r.json()
    ids = [c["talent"]["id"] for c in ranked]
    assert ids[0] == near_offer["id"] and english_offer["id"] in ids[:3]  # Korean need finds the English offer too
    top = ranked[0]
    assert set(top["factors"]) == {"talent", "text", "distance", "schedule", "reliability"}
    assert abs(sum(f["contribution"] for f in top["factors"].values()) - top["score"]) < 1e-3
    assert "farming" in top["matched_terms"]
    far_rank = next((c for c in ranked if c["talent"]["area"] == "nowon-sanggye1"), None)
    assert far_rank is None or far_rank["factors"]["distance"]["value"] < 0.01

    # The farm picks the near volunteer; only the two sides may act.
    r = backend.http.post(f"/needs/{need['id']}/matches", json={"talent_id": near_offer["id"]}, headers=farmer_h)
    assert r.status_code == 201, r.text
    match = r.json()
    assert match["status"] == "proposed" and match["need_accepted"] and not match["volunteer_accepted"]
    assert backend.http.post(f"/matches/{match['id']}/accept", headers=cook_h).json()["error"] == "not_a_party"
    r = backend.http.post(f"/matches/{match['id']}/accept", headers=near_h)
    assert r.status_code == 200 and r.json()["status"] == "scheduled"
    assert backend.http.get(f"/needs/{need['id']}", headers=farmer_h).json()["status"] == "filled"
    # A filled need takes no more matches.
    r = backend.http.post(f"/needs/{need['id']}/matches", json={"talent_id": english_offer["id"]}, headers=english_h)
    assert r.status_code == 409 and r.json()["error"] == "need_not_open"

    # Only the beneficiary confirms: not the volunteer (their own activity), not a coordinator.
    for headers in (near_h, coord1):
        r = backend.http.post(f"/matches/{match['id']}/confirm", json={"happened": True}, headers=headers)
        assert r.status_code == 403 and r.json()["error"] in ("not_beneficiary", "not_a_party"), r.text
    assert count(backend, Match, Match.id == match["id"], Match.status == "scheduled") == 1

    r = backend.http.post(f"/matches/{match['id']}/confirm", json={"happened": True, "minutes": 90}, headers=farmer_h)
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "completed" and done["activity_status"] == "recorded" and done["minutes"] == 90
    r = backend.http.post(f"/matches/{match['id']}/confirm", json={"happened": True}, headers=farmer_h)
    assert r.status_code == 409 and r.json()["error"] == "match_not_scheduled"

    # Into the coordinator's existing workflow: approval puts it on-chain (90 minutes = 4.5 coins).
    activity = backend.http.get(f"/activities/{done['activity_id']}", headers=coord1).json()
    assert activity["volunteer"] == near.address and activity["units"] == 90 and activity["source"] == "match"
    r = backend.http.post(f"/activities/{done['activity_id']}/approve", headers=coord1)
    assert r.status_code == 200, r.text
    backend.drain()
    assert backend.http.get(f"/matches/{match['id']}", headers=farmer_h).json()["activity_status"] == "confirmed"
    assert balance(backend, near.address) == 45 * COIN // 10
    assert backend.http.get(f"/needs/{need['id']}", headers=farmer_h).json()["status"] == "done"


def test_payment_between_two_residents_is_settled_on_chain(community, coord1):
    backend = community
    elder, elder_h = resident(backend)
    helper, helper_h = resident(backend)
    # The elder has coins, earned earlier (and no ETH: the backend relays the payment).
    r = backend.http.post("/activities", json=activity_body(elder.address, approve=True, units=120), headers=coord1)
    assert r.status_code == 201, r.text
    backend.drain()
    backend.unlock()  # earned long enough ago to be spent

    help_offer = offer(backend, helper_h, "스마트폰 사용법 알려드려요", "seocho-banpo2", ("any",))
    start = datetime.now(UTC) - timedelta(minutes=50)
    r = backend.http.post("/needs", json={"title": "스마트폰 키오스크 사용법을 배우고 싶어요", "area": "seocho-banpo1",
                                          "starts_at": start.isoformat(),
                                          "ends_at": (start + timedelta(hours=1)).isoformat(),
                                          "settlement": "payment"}, headers=elder_h)
    assert r.status_code == 201, r.text
    need = r.json()
    assert need["centre_id"] is None
    # The helper volunteers; the elder accepts.
    r = backend.http.post(f"/needs/{need['id']}/matches", json={"talent_id": help_offer["id"]}, headers=helper_h)
    assert r.status_code == 201 and r.json()["volunteer_accepted"], r.text
    mid = r.json()["id"]
    assert r.json()["factors"]["talent"]["value"] == 1.0
    assert backend.http.post(f"/matches/{mid}/accept", headers=elder_h).json()["status"] == "scheduled"
    r = backend.http.post(f"/matches/{mid}/confirm", json={"happened": True}, headers=elder_h)
    assert r.status_code == 200, r.text
    payment = r.json()["payment"]
    assert payment["status"] == "awaiting_payment" and payment["amount"] == str(3 * COIN)  # an hour
    assert payment["payer"] == elder.address and payment["payee"] == helper.address
    assert r.json()["activity_id"] is None  # no coins minted for a paid service

    # The elder signs PayForService with the match's reference and the backend relays it (POST /me/pay); once the
    # indexer has seen its ServicePaid, the match is paid.
    # A payment of less than agreed, with the reference, does not settle it.
    nonce = backend.http.get("/me", headers=elder_h).json()["next_nonce"]
    body = sign_request(backend, elder, "pay", nonce=nonce, payee=payment["payee"], amount=str(COIN),
                        request_ref=payment["request_ref"])
    assert backend.http.post("/me/pay", json=body, headers=elder_h).status_code == 202
    backend.drain()
    assert backend.http.get(f"/matches/{mid}", headers=helper_h).json()["payment"]["status"] == "awaiting_payment"
    body = sign_request(backend, elder, "pay", nonce=nonce + 1, payee=payment["payee"], amount=payment["amount"],
                        request_ref=payment["request_ref"])
    r = backend.http.post("/me/pay", json=body, headers=elder_h)
    assert r.status_code == 202, r.text
    backend.drain()
    r = backend.http.get(f"/matches/{mid}", headers=helper_h)
    assert r.json()["payment"]["status"] == "paid" and r.json()["payment"]["tx_hash"].startswith("0x")
    assert balance(backend, helper.address) == 4 * COIN and balance(backend, elder.address) == 2 * COIN


def test_no_show_lowers_reliability_and_closed_needs_refuse_matching(community):
    backend = community
    owner, owner_h = resident(backend)
    vol, vol_h = resident(backend)
    o = offer(backend, vol_h, "dog walking in the evening", "seocho-banpo1", ("any",))
    start = datetime.now(UTC) - timedelta(hours=1)
    body = {"title": "Need someone for dog walking", "area": "seocho-banpo1", "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=2)).isoformat(), "settlement": "payment"}
    need = backend.http.post("/needs", json=body, headers=owner_h).json()
    mid = backend.http.post(f"/needs/{need['id']}/matches", json={"talent_id": o["id"]}, headers=owner_h).json()["id"]
    backend.http.post(f"/matches/{mid}/accept", headers=vol_h)
    r = backend.http.post(f"/matches/{mid}/confirm", json={"happened": False, "reason": "nobody came"}, headers=owner_h)
    assert r.status_code == 200 and r.json()["status"] == "no_show"
    second = backend.http.post("/needs", json=body, headers=owner_h).json()
    cands = backend.http.get(f"/needs/{second['id']}/candidates", headers=owner_h).json()
    mine = next(c for c in cands if c["talent"]["id"] == o["id"])
    assert mine["factors"]["reliability"]["value"] == pytest.approx(1 / 3, abs=1e-4)  # (0 + 1) / (0 + 1 + 2)

    r = backend.http.post(f"/needs/{second['id']}/close", json={"reason": "found help elsewhere"}, headers=owner_h)
    assert r.status_code == 200 and r.json()["status"] == "closed"
    before = count(backend, Match)
    r = backend.http.post(f"/needs/{second['id']}/matches", json={"talent_id": o["id"]}, headers=owner_h)
    assert r.status_code == 409 and r.json()["error"] == "need_not_open"
    assert backend.http.get(f"/needs/{second['id']}/candidates", headers=owner_h).status_code == 409
    assert count(backend, Match) == before


def test_confirming_before_the_activity_and_matching_yourself_are_refused(community):
    backend = community
    owner, owner_h = resident(backend)
    vol, vol_h = resident(backend)
    own = offer(backend, owner_h, "피아노 레슨", "seocho-banpo1")
    o = offer(backend, vol_h, "피아노 레슨 가능", "seocho-banpo1")
    need = backend.http.post("/needs", json={"title": "피아노 배우고 싶어요", "area": "seocho-banpo1",
                                             "starts_at": later(24), "ends_at": later(25), "settlement": "payment"},
                             headers=owner_h).json()
    r = backend.http.post(f"/needs/{need['id']}/matches", json={"talent_id": own["id"]}, headers=owner_h)
    assert r.status_code == 409 and r.json()["error"] == "own_talent"
    cands = backend.http.get(f"/needs/{need['id']}/candidates", headers=owner_h).json()
    assert own["id"] not in [c["talent"]["id"] for c in cands] and o["id"] in [c["talent"]["id"] for c in cands]
    mid = backend.http.post(f"/needs/{need['id']}/matches", json={"talent_id": o["id"]}, headers=owner_h).json()["id"]
    r = backend.http.post(f"/needs/{need['id']}/matches", json={"talent_id": o["id"]}, headers=owner_h)
    assert r.status_code == 409 and r.json()["error"] == "match_exists"
    backend.http.post(f"/matches/{mid}/accept", headers=vol_h)
    r = backend.http.post(f"/matches/{mid}/confirm", json={"happened": True}, headers=owner_h)
    assert r.status_code == 409 and r.json()["error"] == "too_early"
    assert count(backend, Match, Match.id == mid, Match.status == "scheduled") == 1


def test_bad_inputs_are_refused_clearly_in_korean_or_english_and_change_nothing(community):
    backend = community
    _, h = resident(backend)
    before = count(backend, TalentOffer), count(backend, Need)
    cases = [
        {"title": "   ", "area": "seocho-banpo1", "availability": ["sat"]},  # blank
        {"title": "가" * 201, "area": "seocho-banpo1", "availability": ["sat"]},  # oversized
        {"title": "요리", "description": "나" * 2001, "area": "seocho-banpo1", "availability": ["sat"]},
        {"title": "요리", "area": "seocho-banpo1", "availability": []},
        {"title": "요리", "area": "seocho-banpo1", "availability": ["someday"]},
        {"title": "요리", "area": "no-such-area", "availability": ["sat"]},
        {"title": "요리", "area": "seocho-banpo1", "availability": ["sat"], "extra": 1},
    ]
    for body in cases:
        r = backend.http.post("/talents", json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["error"] in ("invalid_request", "invalid_slots", "unknown_area") and r.json()["detail"]
    r = backend.http.post("/talents", json=cases[1], headers={**h, "Accept-Language": "ko-KR,ko;q=0.9,en;q=0.8"})
    assert r.json()["detail"] == "title: 200자 이하여야 합니다" and r.headers["content-language"] == "ko"
    r = backend.http.post("/talents", json=cases[5], headers={**h, "Accept-Language": "ko"})
    assert r.json()["error"] == "unknown_area" and "지역이 등록되어 있지 않습니다" in r.json()["detail"]
    r = backend.http.post("/talents", json=cases[5], headers={**h, "Accept-Language": "en;q=0.9,ko;q=0.5"})
    assert "is not known" in r.json()["detail"]

    need = {"title": "도움", "area": "seocho-banpo1", "settlement": "payment"}
    bad_needs = [
        {**need, "starts_at": later(3), "ends_at": later(2)},  # ends before it starts
        {**need, "starts_at": later(1), "ends_at": later(10)},  # longer than 8 hours
        {**need, "starts_at": later(-5), "ends_at": later(-4)},  # over
        {**need, "starts_at": "2026-12-01T10:00:00", "ends_at": "2026-12-01T11:00:00"},  # no time zone
        {**need, "starts_at": later(1), "ends_at": later(2), "settlement": "volunteer_activity"},  # no centre
        {**need, "starts_at": later(1), "ends_at": later(2), "people_needed": 0},
    ]
    for body in bad_needs:
        r = backend.http.post("/needs", json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
    assert (count(backend, TalentOffer), count(backend, Need)) == before
    assert backend.http.get("/needs/999999", headers={**h, "Accept-Language": "ko"}).json()["detail"] == \
        "999999번 요청을 찾을 수 없습니다"
    # No token: 401 for writes; proposals stay public to read.
    assert backend.http.post("/talents", json=cases[0]).status_code == 401
    assert backend.http.get("/proposals").status_code == 200


def test_search_finds_korean_and_english_offers(community):
    backend = community
    _, h = resident(backend)
    ko = offer(backend, h, "어르신 말벗 봉사", "seocho-banpo1", description="독거 어르신께 안부 전화")
    en = offer(backend, resident(backend)[1], "Companionship for the elderly", "seocho-banpo2")
    r = backend.http.get("/talents/search", params={"q": "어르신 말벗", "area": "seocho-banpo1"}, headers=h)
    assert r.status_code == 200, r.text
    ids = [c["talent"]["id"] for c in r.json()]
    assert ids[0] == ko["id"] and en["id"] in ids
    r = backend.http.get("/talents/search", params={"q": "elderly"}, headers=h)
    assert {ko["id"], en["id"]} <= {c["talent"]["id"] for c in r.json()}


def test_a_search_counts_against_the_searching_residents_allowance(community):
    backend = community
    matcher = backend.app.state.matcher
    kept = matcher.allowance
    matcher.allowance = TextAllowance(per_actor=1, overall=100)
    try:
        searcher, h = resident(backend)
        other, _ = resident(backend)
        for q in ("이웃 어르신 말동무 첫째", "이웃 어르신 말동무 둘째"):
            r = backend.http.get("/talents/search", params={"q": q}, headers=h)
            assert r.status_code == 200, r.text  # the second past the allowance: answered, by its words
        with backend.sessions() as s:
            ids = {a: s.scalar(select(Resident.id).where(Resident.address == a.address)) for a in (searcher, other)}
        assert not matcher.allowance.take(f"resident:{ids[searcher]}")
        assert matcher.allowance.take(f"resident:{ids[other]}")
    finally:
        matcher.allowance = kept


def test_candidates_are_explained_in_korean_when_asked(community):
    backend = community
    _, h = resident(backend)
    mine = offer(backend, h, "김장 반찬 나눔 봉사", "seocho-banpo2", availability=("sat",))
    query = {"q": "김장 반찬 나눔", "area": "seocho-banpo1"}
    english = backend.http.get("/talents/search", params=query, headers=h).json()
    korean = backend.http.get("/talents/search", params=query, headers=h | {"Accept-Language": "ko"}).json()
    note = {lang: next(c for c in found if c["talent"]["id"] == mine["id"])["factors"]["distance"]["note"]
            for lang, found in (("en", english), ("ko", korean))}
    assert "km between" in note["en"]
    # The areas by the names the city gave them, and the sentence in Korean.
    assert "반포2동" in note["ko"] and "반포1동" in note["ko"] and "between" not in note["ko"]
    assert [c["score"] for c in korean] == [c["score"] for c in english]


def test_changed_and_withdrawn_talents_reach_every_api_process(community):
    """Each API process keeps its own index and follows the offers' version counter: a second app on the same
    database sees a talent changed and withdrawn through the first."""
    from conftest import serve

    from backend.api.app import create_app

    backend = community
    app2 = create_app(backend.settings, chain=backend.chain)
    url2, stop = serve(app2)
    try:
        import httpx

        other = httpx.Client(base_url=url2, timeout=60)
        owner, owner_h = resident(backend)
        _, vol_h = resident(backend)
        t = offer(backend, vol_h, "바느질 옷 수선", "seocho-banpo1", ("any",))
        need = backend.http.post("/needs", json={"title": "Mending clothes for my father", "area": "seocho-banpo1",
                                                 "starts_at": later(2), "ends_at": later(3), "settlement": "payment"},
                                 headers=owner_h).json()
        ids = lambda client: [c["talent"]["id"] for c in client.get(f"/needs/{need['id']}/candidates",  # noqa: E731
                                                                     headers=owner_h).json()]
        assert t["id"] in ids(other) and t["id"] in ids(backend.http)
        r = backend.http.patch(f"/talents/{t['id']}", json={"title": "피아노 레슨"}, headers=vol_h)
        assert r.status_code == 200 and r.json()["title"] == "피아노 레슨"
        assert t["id"] not in ids(other)  # no longer says anything about mending
        backend.http.patch(f"/talents/{t['id']}", json={"title": "옷 수선, 바느질"}, headers=vol_h)
        assert t["id"] in ids(other)
        mid = backend.http.post(f"/needs/{need['id']}/matches", json={"talent_id": t["id"]}, headers=owner_h).json()["id"]
        assert backend.http.post(f"/talents/{t['id']}/withdraw", headers=vol_h).json()["status"] == "withdrawn"
        assert other.get(f"/matches/{mid}", headers=owner_h).json()["status"] == "cancelled"
        assert t["id"] not in ids(other) and t["id"] not in ids(backend.http)
        r = other.post(f"/needs/{need['id']}/matches", json={"talent_id": t["id"]}, headers=owner_h)
        assert r.status_code == 409 and r.json()["error"] == "talent_withdrawn"
        r = other.patch(f"/talents/{t['id']}", json={"title": "x"}, headers=owner_h)
        assert r.status_code == 403 and r.json()["error"] == "not_owner"
        other.close()
    finally:
        stop()


# ------------------------------------------------------------------------------------------------ neighbour reports


def test_neighbour_report_read_only_by_its_areas_officers_logged_and_rewarded(community, coord1, admin_headers):
    backend = community
    reporter, reporter_h = resident(backend)
    situation = "반지하에 혼자 사시는 할머니가 며칠째 보이지 않아요. 우편물이 쌓여 있습니다"
    r = backend.http.post("/reports", json={"area": "seocho-banpo1", "place": "반포동 12-3 반지하",
                                            "situation": situation, "neighbour": "80대 할머니"}, headers=reporter_h)
    assert r.status_code == 201, r.text
    receipt = r.json()
    assert set(receipt) == {"id", "area", "status", "created_at"} and receipt["status"] == "new"
    rid = receipt["id"]

    # Sealed at rest: the database holds no word of it.
    with backend.sessions() as s:
        row = s.get(NeighbourReport, rid)
        assert "할머니".encode() not in row.sealed and "반지하".encode() not in row.sealed
        assert row.key_id and len(row.sealed) > 28

    officer1, officer2 = backend.login("officer1"), backend.login("officer2")
    other, other_h = resident(backend)
    refused = [(reporter_h, "staff_required"), (other_h, "staff_required"), (coord1, "staff_required"),
               (admin_headers, "staff_required"), (officer2, "not_your_area")]
    for headers, code in refused:
        r = backend.http.get(f"/reports/{rid}", headers=headers)
        assert r.status_code == 403 and r.json()["error"] == code, r.text
    r = backend.http.get(f"/reports/{rid}", headers={**officer2, "Accept-Language": "ko"})
    assert "해당 지역 복지 담당자만" in r.json()["detail"]
    assert rid not in [x["id"] for x in backend.http.get("/reports", headers=officer2).json()]
    r = backend.http.post(f"/reports/{rid}/triage", json={"decision": "confirmed", "note": "x"}, headers=officer2)
    assert r.status_code == 403
    # Refusals read nothing, and each refused staff account is logged (in a transaction of its own), once per
    # account and reason within an hour; the residents refused have no staff account and leave no row.
    with backend.sessions() as s:
        logged = [(a.actor, a.action) for a in s.scalars(select(ReportAccess).where(ReportAccess.report_id == rid)
                                                          .order_by(ReportAccess.id))]
    assert logged == [("coord1", "refused:role"), ("admin", "refused:role"), ("officer2", "refused:area")]

    assert rid in [x["id"] for x in backend.http.get("/reports", headers=officer1).json()]
    r = backend.http.get(f"/reports/{rid}", headers=officer1)
    assert r.status_code == 200 and r.json()["situation"] == situation and r.json()["neighbour"] == "80대 할머니"
    r = backend.http.post(f"/reports/{rid}/triage", json={"decision": "in_review", "note": "내일 방문 예정"},
                          headers=officer1)
    assert r.status_code == 200 and r.json()["status"] == "in_review"
    r = backend.http.post(f"/reports/{rid}/triage", json={"decision": "confirmed", "note": "방문 확인, 긴급 지원 연계"},
                          headers=officer1)
    assert r.status_code == 200, r.text
    assert [n["decision"] for n in r.json()["notes"]] == ["in_review", "confirmed"]
    assert r.json()["reward_points"] == 5 and r.json()["activity_id"] is None
    r = backend.http.post(f"/reports/{rid}/triage", json={"decision": "confirmed", "note": "again"}, headers=officer1)
    assert r.status_code == 409 and r.json()["error"] == "report_decided"

    # The reward: community points waiting for the period's community batch — no activity of its own, so nothing
    # reaches the chain at the time of the report (test_community_rewards.py follows the batch).
    with backend.sessions() as s:
        from backend.store.models import Activity, CommunityCredit

        credit = s.scalar(select(CommunityCredit).where(CommunityCredit.report_id == rid))
        assert (credit.points, credit.activity_id) == (5, None)
        assert s.scalar(select(func.count()).select_from(Activity).where(Activity.resident_id == credit.resident_id)) == 0
    assert [x["status"] for x in backend.http.get("/me/reports", headers=reporter_h).json()] == ["confirmed"]

    log = backend.http.get(f"/reports/{rid}/access-log", headers=admin_headers).json()
    assert [(x["actor"], x["action"], x["reason"]) for x in log] == [
        ("coord1", "refused", "staff_required"), ("admin", "refused", "staff_required"),
        ("officer2", "refused", "not_your_area"),
        ("officer1", "listed", None), ("officer1", "read", None), ("officer1", "triaged", None),
        ("officer1", "triaged", None)]
    assert backend.http.get(f"/reports/{rid}/access-log", headers=officer2).status_code == 403
    log = backend.http.get(f"/reports/{rid}/access-log", headers=officer1).json()
    assert [x["reason"] for x in log if x["actor"] == "officer2"] == ["not_your_area"]  # once within the hour


def test_a_retried_report_with_its_idempotency_key_is_stored_once(community):
    backend = community
    _, h = resident(backend)
    body = {"area": "seocho-banpo1", "place": "서초구 반포동", "situation": "혼자 사시는 분이 아파 보여요"}
    before = count(backend, NeighbourReport)
    first = backend.http.post("/reports", json=body, headers={**h, "Idempotency-Key": "report-1"})
    again = backend.http.post("/reports", json=body, headers={**h, "Idempotency-Key": "report-1"})
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert count(backend, NeighbourReport) == before + 1
    other = backend.http.post("/reports", json={**body, "situation": "다른 내용"}, headers={**h, "Idempotency-Key": "report-1"})
    assert other.status_code == 409 and other.json()["error"] == "idempotency_key_reused"


def test_refused_attempts_of_one_account_are_logged_once_an_hour(community, coord1):
    """A coordinator looping over a report's id cannot bury the officers' log: one row per account and reason."""
    backend = community
    _, reporter_h = resident(backend)
    r = backend.http.post("/reports", json={"area": "seocho-banpo1", "place": "빌라 2층", "situation": "우편물이 쌓여요"},
                          headers=reporter_h)
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    for _ in range(10):
        assert backend.http.get(f"/reports/{rid}", headers=coord1).status_code == 403
    with backend.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ReportAccess).where(ReportAccess.report_id == rid)) == 1


def test_a_read_only_api_key_cannot_triage_a_report_and_its_attempt_is_logged(community):
    backend = community
    _, h = resident(backend)
    rid = _report(backend, h).json()["id"]
    officer1 = backend.login("officer1")
    r = backend.http.post("/auth/api-keys", json={"label": "tablet", "scope": "read"}, headers=officer1)
    assert r.status_code == 201, r.text
    key = {"X-API-Key": r.json()["key"]}
    assert backend.http.get(f"/reports/{rid}", headers=key).status_code == 200
    r = backend.http.post(f"/reports/{rid}/triage", json={"decision": "dismissed", "note": "x"}, headers=key)
    assert r.status_code == 403 and r.json()["error"] == "api_key_read_only", r.text
    log = backend.http.get(f"/reports/{rid}/access-log", headers=officer1).json()
    assert [(x["actor"], x["action"], x["reason"]) for x in log] == [
        ("officer1 (api key)", "read", None), ("officer1 (api key)", "refused", "api_key_read_only")]
    assert backend.http.get(f"/reports/{rid}", headers=officer1).json()["status"] == "new"


def test_the_idempotency_record_of_a_report_keeps_no_plain_hash_of_its_content(community):
    """Someone holding only the database cannot confirm a guess of a sealed report by hashing it: the stored
    fingerprint is keyed with a secret of the server; a replay still matches it and another body is still refused."""
    import hashlib
    import json

    from backend.services.idempotency import fingerprint_key, request_fingerprint
    from backend.store.models import IdempotencyRecord

    backend = community
    _, h = resident(backend)
    body = {"area": "seocho-banpo1", "place": "반포동 7-1 2층", "situation": "거동이 불편한 분이 혼자 계세요",
            "neighbour": "70대 할아버지"}
    first = backend.http.post("/reports", json=body, headers={**h, "Idempotency-Key": "guess-me"})
    assert first.status_code == 201, first.text
    with backend.sessions() as s:
        stored = s.scalar(select(IdempotencyRecord.request_sha256).where(IdempotencyRecord.key == "guess-me"))
    payload = json.dumps({"method": "POST", "path": "/reports", "body": body}, sort_keys=True, separators=(",", ":"))
    assert stored != hashlib.sha256(payload.encode()).hexdigest()
    assert body["situation"] not in stored and len(stored) == 64
    key = fingerprint_key(backend.app.state.settings.jwt_secret)
    assert stored == request_fingerprint(key, "POST", "/reports", body)

    again = backend.http.post("/reports", json=body, headers={**h, "Idempotency-Key": "guess-me"})
    assert again.status_code == 201 and again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    other = backend.http.post("/reports", json={**body, "neighbour": "80대 할머니"},
                              headers={**h, "Idempotency-Key": "guess-me"})
    assert other.status_code == 409 and other.json()["error"] == "idempotency_key_reused"


def test_reports_are_refused_without_a_sealing_key(community):
    """Without VB_REPORTS_KEY (and not on a local chain) the report endpoints answer 503 and store nothing."""
    from backend.store.sealing import Sealer, SealingError

    assert Sealer.from_settings("", "", local_chain=False) is None
    with pytest.raises(SealingError):
        Sealer.from_settings("too-short", "", local_chain=False)
    backend = community
    _, h = resident(backend)
    saved, backend.app.state.sealer = backend.app.state.sealer, Sealer.from_settings("", "", local_chain=False)
    try:
        before = count(backend, NeighbourReport)
        r = backend.http.post("/reports", json={"area": "seocho-banpo1", "place": "x", "situation": "y"}, headers=h)
        assert r.status_code == 503 and r.json()["error"] == "reports_unavailable"
        assert count(backend, NeighbourReport) == before
    finally:
        backend.app.state.sealer = saved


# ------------------------------------------------------------------------------------------------ proposals


def test_proposal_supported_commented_made_a_project_and_filled_by_matching(community, coord1, coord2):
    backend = community
    author, author_h = resident(backend)
    r = backend.http.post("/proposals", json={"kind": "problem", "title": "골목길 쓰레기 무단투기",
                                              "body": "반포1동 골목에 쓰레기가 쌓여 있어요. 함께 치우고 분리수거 안내를 했으면 합니다",
                                              "area": "seocho-banpo1"}, headers=author_h)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    r = backend.http.post(f"/proposals/{pid}/support", headers=author_h)
    assert r.status_code == 409 and r.json()["error"] == "own_proposal"
    supporters = [resident(backend) for _ in range(3)]
    for _, h in supporters:
        assert backend.http.post(f"/proposals/{pid}/support", headers=h).json()["supporters"] >= 1
    r = backend.http.post(f"/proposals/{pid}/support", headers=supporters[0][1])
    assert r.status_code == 409 and r.json()["error"] == "already_supported"
    assert count(backend, ProposalSupport, ProposalSupport.proposal_id == pid) == 3
    r = backend.http.post(f"/proposals/{pid}/comments", json={"body": "저도 매일 봐요. 토요일 오전에 참여할게요"},
                          headers=supporters[1][1])
    assert r.status_code == 201 and r.json()["author"] == "resident"
    assert backend.http.post(f"/proposals/{pid}/comments", json={"body": " "}, headers=author_h).status_code == 422
    listed = backend.http.get("/proposals", params={"q": "쓰레기", "order": "support"}).json()
    assert listed[0]["id"] == pid and listed[0]["supporters"] == 3

    # Another centre's coordinator cannot adopt it for centre 1; centre 1's can.
    start = datetime.now(UTC) - timedelta(minutes=30)
    project = {"centre_id": 1, "needs": [{"title": "골목 쓰레기 줍기 (플로깅)", "description": "집게와 봉투 제공",
                                          "starts_at": start.isoformat(),
                                          "ends_at": (start + timedelta(hours=1)).isoformat(), "people_needed": 1}]}
    assert backend.http.post(f"/proposals/{pid}/project", json=project, headers=coord2).status_code == 403
    r = backend.http.post(f"/proposals/{pid}/project", json=project, headers=coord1)
    assert r.status_code == 200, r.text
    detail = r.json()
    assert detail["status"] == "project" and len(detail["needs"]) == 1 and detail["comments"][0]["author"] == "resident"
    need = detail["needs"][0]
    assert need["centre_id"] == 1 and need["proposal_id"] == pid and need["settlement"] == "volunteer_activity"

    # The matching fills it: a resident who offers plogging volunteers; the coordinator accepts and confirms.
    vol, vol_h = resident(backend)
    o = offer(backend, vol_h, "플로깅, 쓰레기 줍기 봉사", "seocho-banpo1", ("any",))
    cands = backend.http.get(f"/needs/{need['id']}/candidates", headers=coord1).json()
    assert cands[0]["talent"]["id"] == o["id"]
    # The resident volunteers; the coordinator sees it among the need's matches and accepts for the centre.
    r = backend.http.post(f"/needs/{need['id']}/matches", json={"talent_id": o["id"]}, headers=vol_h)
    assert r.status_code == 201, r.text
    mid = r.json()["id"]
    waiting = backend.http.get(f"/needs/{need['id']}/matches", headers=coord1).json()
    assert [(x["id"], x["status"], x["volunteer_accepted"]) for x in waiting] == [(mid, "proposed", True)]
    assert backend.http.get(f"/needs/{need['id']}/matches", headers=coord2).status_code == 403
    assert backend.http.post(f"/matches/{mid}/accept", headers=coord1).json()["status"] == "scheduled"
    r = backend.http.post(f"/proposals/{pid}/done", headers=coord1)
    assert r.status_code == 409 and r.json()["error"] == "match_pending"
    r = backend.http.post(f"/matches/{mid}/confirm", json={"happened": True}, headers=coord1)
    assert r.status_code == 200 and r.json()["activity_status"] == "recorded", r.text
    assert backend.http.post(f"/activities/{r.json()['activity_id']}/approve", headers=coord1).status_code == 200
    backend.drain()
    assert balance(backend, vol.address) == 3 * COIN
    r = backend.http.post(f"/proposals/{pid}/done", headers=coord1)
    assert r.status_code == 200 and r.json()["status"] == "done"
    assert backend.http.get(f"/proposals/{pid}").json()["needs"][0]["status"] == "done"
    # A done proposal takes no more support.
    r = backend.http.post(f"/proposals/{pid}/support", headers=resident(backend)[1])
    assert r.status_code == 409 and r.json()["error"] == "proposal_not_open"


# ------------------------------------------------------------------------------------------------ posting limits


def _report(backend, headers, **extra):
    return backend.http.post("/reports", json={"area": "seocho-banpo1", "place": "반포동 3-4",
                                               "situation": "혼자 사시는 분이 며칠째 안 보여요"}, headers={**headers, **extra})


def test_a_resident_over_the_daily_posting_limit_is_refused_while_another_is_served(community, monkeypatch):
    backend = community
    monkeypatch.setattr(backend.app.state.settings, "community_reports_per_day", 2)
    _, busy = resident(backend)
    _, calm = resident(backend)
    assert [_report(backend, busy).status_code for _ in range(2)] == [201, 201]
    before = count(backend, NeighbourReport)
    r = _report(backend, busy, **{"Accept-Language": "ko"})
    assert r.status_code == 429 and r.json()["error"] == "posting_limited", r.text
    assert "24시간 동안 제보를 2건" in r.json()["detail"] and "분쯤 뒤에" in r.json()["detail"]
    assert 86_000 < int(r.headers["retry-after"]) <= 86_400  # when the first of the two turns a day old
    assert count(backend, NeighbourReport) == before
    assert _report(backend, calm).status_code == 201


def test_the_posting_limit_is_counted_per_kind(community, monkeypatch):
    backend = community
    settings = backend.app.state.settings
    monkeypatch.setattr(settings, "community_talents_per_day", 1)
    monkeypatch.setattr(settings, "community_proposals_per_day", 1)
    monkeypatch.setattr(settings, "community_comments_per_day", 1)
    _, h = resident(backend)
    offer(backend, h, "동네 어르신 말벗", "seocho-banpo1")
    r = backend.http.post("/talents", json={"title": "컴퓨터 가르치기", "area": "seocho-banpo1", "availability": ["sat"]},
                          headers=h)
    assert r.status_code == 429 and r.json()["error"] == "posting_limited" and "1 talents" in r.json()["detail"]
    # Another kind is counted on its own: a proposal, then a comment on it, then no second comment.
    r = backend.http.post("/proposals", json={"kind": "meeting", "title": "골목 모임", "body": "토요일 오전에 모여요",
                                              "area": "seocho-banpo1"}, headers=h)
    assert r.status_code == 201, r.text
    path = f"/proposals/{r.json()['id']}/comments"
    assert backend.http.post(path, json={"body": "저도 갈게요"}, headers=h).status_code == 201
    r = backend.http.post(path, json={"body": "한 번 더"}, headers=h)
    assert r.status_code == 429 and r.json()["error"] == "posting_limited"


def test_a_replayed_post_is_not_counted_again(community, monkeypatch):
    backend = community
    monkeypatch.setattr(backend.app.state.settings, "community_reports_per_day", 2)
    _, h = resident(backend)
    first = _report(backend, h, **{"Idempotency-Key": "limit-1"})
    for _ in range(3):
        again = _report(backend, h, **{"Idempotency-Key": "limit-1"})
        assert again.status_code == 201 and again.json() == first.json(), again.text
    assert _report(backend, h, **{"Idempotency-Key": "limit-2"}).status_code == 201  # the second of two
    r = _report(backend, h, **{"Idempotency-Key": "limit-3"})
    assert r.status_code == 429 and r.json()["error"] == "posting_limited"
    assert _report(backend, h, **{"Idempotency-Key": "limit-2"}).headers["idempotent-replayed"] == "true"


def test_a_resident_with_too_many_open_posts_of_a_kind_closes_one_first(community, monkeypatch):
    backend = community
    monkeypatch.setattr(backend.app.state.settings, "community_open_per_resident", 2)
    _, h = resident(backend)
    first = offer(backend, h, "반찬 나눔", "seocho-banpo1")
    offer(backend, h, "장보기 동행", "seocho-banpo1")
    body = {"title": "화분 가꾸기", "area": "seocho-banpo1", "availability": ["sun"]}
    r = backend.http.post("/talents", json=body, headers={**h, "Accept-Language": "ko"})
    assert r.status_code == 409 and r.json()["error"] == "too_many_open" and "재능 나눔이 2건" in r.json()["detail"]
    assert backend.http.post(f"/talents/{first['id']}/withdraw", headers=h).status_code == 200
    assert backend.http.post("/talents", json=body, headers=h).status_code == 201



WARM_UP = """
import sys
from backend.api.community import OfferMatcher, warm_up
from backend.store.db import make_engine, make_session_factory
m = OfferMatcher()
warm_up(m, make_session_factory(make_engine(sys.argv[1])))
print(m.warmed.is_set(), *sorted(m.index._by_offer))
"""


def test_the_warm_up_fills_the_index_before_the_first_query(community):
    _, headers = resident(community)
    talent = offer(community, headers, "반찬 만들어 드려요", "seocho-banpo1")
    out = subprocess.run([sys.executable, "-c", WARM_UP, community.settings.database_url], capture_output=True,
                         text=True, timeout=300, cwd=ROOT)
    done, *indexed = out.stdout.split()
    assert done == "True" and str(talent["id"]) in indexed, out.stderr


def test_an_api_process_has_its_analyser_loaded_before_it_serves(tmp_path):
    """Seconds of CPU holding the GIL, which a resident's first search would otherwise pay (and every request of
    the process with it): paid by create_app, before the server takes a request."""
    script = """
import sys
from backend.api.app import create_app
from backend.config import Settings
from backend.domain import analysis
create_app(Settings(database_url=sys.argv[1]))
print(analysis._kiwi is not None)
"""
    out = subprocess.run([sys.executable, "-c", script, f"sqlite:///{tmp_path}/db.sqlite"], capture_output=True,
                         text=True, timeout=300, cwd=ROOT)
    assert out.stdout.split() == ["True"], out.stderr
