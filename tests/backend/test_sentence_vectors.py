"""Sentence vectors kept with the needs and 1365 programmes they are computed from (backend/services/sentences.py),
on a real database: the worker's filler stores what is missing, the listings take the stored vectors first."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from conftest import database_url
from sqlalchemy import select

from backend.api.community import LISTING_VECTORS, OfferMatcher
from backend.domain.matching import NeedQuery
from backend.domain.sentences import QUERY, encoder, pack, unpack
from backend.domain import sentences as encoding
from backend.services import sentences
from backend.services import offers
from backend.services.actors import ResidentPrincipal
from backend.services.security import Principal
from backend.services.sentences import TextAllowance
from backend.services.needs import query_of
from backend.store import erasure
from backend.store.areas import next_version
from backend.store.db import make_engine, make_session_factory, migrate, transaction
from backend.store.models import Area, Need, PortalProgramme, Resident, TalentOffer
from backend.store.needs import need_text

AREA = "haeundae-u1"
SOON = datetime.now(UTC) + timedelta(days=3)


@pytest.fixture
def sessions(tmp_path):
    url = database_url(tmp_path)
    migrate(url)
    factory = make_session_factory(make_engine(url))
    with transaction(factory) as s:
        s.add(Area(code=AREA, name="우1동", lat=35.163, lon=129.163))
    return factory


def add_need(sessions, title: str, status: str = "open") -> int:
    with transaction(sessions) as s:
        requester = Resident(name="requester")
        s.add(requester)
        s.flush()
        need = Need(resident_id=requester.id, title=title, area=AREA, starts_at=SOON, ends_at=SOON + timedelta(hours=2),
                    settlement="payment", status=status, created_by="test")
        s.add(need)
        s.flush()
        return need.id


def add_programme(sessions, title: str, ends_on: date) -> int:
    with transaction(sessions) as s:
        p = PortalProgramme(registration_no=f"R{s.query(PortalProgramme).count()}", title=title, ends_on=ends_on,
                            starts_on=ends_on - timedelta(days=7), area=AREA, digest="d1", imported_by="test",
                            place="해운대 복지관")
        s.add(p)
        s.flush()
        return p.id


def add_offer(sessions, title: str, tags: str) -> int:
    with transaction(sessions) as s:
        volunteer = Resident(name="volunteer")
        s.add(volunteer)
        s.flush()
        offer = TalentOffer(resident_id=volunteer.id, title=title, skills=[tags], area=AREA, availability=0,
                            version=next_version(s, "offers"))
        s.add(offer)
        s.flush()
        return offer.id


def test_the_filler_stores_the_vectors_of_open_needs_and_current_programmes(sessions):
    open_id = add_need(sessions, "엄마 파마가 다 풀렸어요")
    closed_id = add_need(sessions, "지난주 일이에요", status="closed")
    current = add_programme(sessions, "어르신 이미용 봉사", date.today() + timedelta(days=30))
    past = add_programme(sessions, "지난 행사 안내", date.today() - timedelta(days=30))
    assert sentences.fill_missing(sessions) == 2
    encoder().clear()  # what follows is computed afresh, one text at a time
    with sessions() as s:
        stored = {n.id: n.sentence for n in s.scalars(select(Need))}
        programmes = {p.id: p for p in s.scalars(select(PortalProgramme))}
        need_vector = encoder().query(need_text(s.get(Need, open_id)))
        programme_vector = encoder().query(sentences.programme_text(programmes[current]))
        assert np.array_equal(unpack(stored[open_id]), need_vector)  # exactly what a fresh computation gives
        assert np.array_equal(unpack(programmes[current].sentence), programme_vector)
        assert stored[closed_id] is None and programmes[past].sentence is None
    assert sentences.fill_missing(sessions) == 0  # nothing left: nothing computed again


def test_the_filler_works_through_a_backlog_in_rounds_until_stopped(sessions):
    ids = [add_need(sessions, f"화장실 물이 안 내려가요 {i}") for i in range(sentences.FILL_BATCH + 3)]
    stop = threading.Event()
    filler = threading.Thread(target=sentences.fill_until, args=(sessions, stop, 0.05))
    filler.start()
    try:
        for _ in range(200):
            with sessions() as s:
                if all(n.sentence is not None for n in s.scalars(select(Need).where(Need.id.in_(ids)))):
                    break
            stop.wait(0.1)
    finally:
        stop.set()
        filler.join(timeout=30)
    assert not filler.is_alive()
    with sessions() as s:
        assert all(n.sentence is not None for n in s.scalars(select(Need).where(Need.id.in_(ids))))


def test_a_vector_made_by_another_model_is_not_used():
    vector = encoder().query("엄마 파마가 다 풀렸어요")
    assert np.array_equal(unpack(pack(vector)), vector)
    assert unpack(b"other-model:" + vector.astype("<f4").tobytes()) is None
    assert unpack(pack(vector)[:-4]) is None and unpack(None) is None


def test_a_stored_vector_is_taken_before_ranking_and_ranks_as_a_fresh_one(sessions):
    for i in range(30):
        add_offer(sessions, f"머리 잘라 드려요 {i}", "이미용")
        add_offer(sessions, f"수학 문제 같이 풀어요 {i}", "수학")
    need_id = add_need(sessions, "할머니 흰머리 염색을 도와주실 분")
    with sessions() as s:
        query = query_of(s.get(Need, need_id))
    matcher = OfferMatcher()
    with sessions() as s:
        fresh = [(r.offer_id, r.score) for r in matcher.rank(s, query, 10)]
    assert matcher.index.meaning.centroids is not None  # learned on first use, its texts' vectors computed first
    enc = encoder()
    stored = pack(enc.query(query.text))
    enc.clear()  # as in another process: nothing computed yet
    sentences.seed([(stored, query.text)])
    assert query.text in enc.cached([query.text], QUERY)
    with sessions() as s:
        assert [(r.offer_id, r.score) for r in matcher.rank(s, query, 10)] == fresh


def test_forgetting_a_resident_wipes_their_needs_vectors_with_their_words(sessions):
    need_id = add_need(sessions, "엄마 파마가 다 풀렸어요")
    assert sentences.fill_missing(sessions) == 1
    with transaction(sessions) as s:
        need = s.get(Need, need_id)
        erasure.forget(s, s.get(Resident, need.resident_id), erasure.pool(s), "coordinator", "본인 요청")
    with sessions() as s:
        need = s.get(Need, need_id)
        assert need.title == "" and need.sentence is None  # a vector says something of the words it was made from


def test_a_listing_computes_only_a_bounded_number_of_missing_vectors(sessions):
    for i in range(30):
        add_offer(sessions, f"머리 잘라 드려요 {i}", "이미용")
        add_offer(sessions, f"수학 문제 같이 풀어요 {i}", "수학")
    talent = add_offer(sessions, "머리 잘라 드려요 마지막", "이미용")
    texts = [f"흰머리 염색이 필요해요 {i}번째 부탁" for i in range(LISTING_VECTORS + 8)]
    queries = [(i, NeedQuery(t, AREA, 0, None)) for i, t in enumerate(texts)]
    matcher = OfferMatcher()
    with sessions() as s:
        listed = matcher.rank_needs(s, talent, queries, 5)
    assert listed  # the others ranked by their words this time
    assert len(encoder().cached(texts, QUERY)) == LISTING_VECTORS


@pytest.fixture
def learned_offers(sessions):
    """Enough offers with tags for the matcher to learn a meaning space with sentence centroids."""
    for i in range(30):
        add_offer(sessions, f"머리 잘라 드려요 {i}", "이미용")
        add_offer(sessions, f"수학 문제 같이 풀어요 {i}", "수학")
    return sessions


def search(matcher, sessions, text, spender):
    with sessions() as s:
        return matcher.rank(s, NeedQuery(text, AREA, 0, None), 5, spender)


def test_a_search_past_the_actors_allowance_is_ranked_by_its_words_alone(learned_offers):
    matcher = OfferMatcher(allowance=TextAllowance(per_actor=2, overall=100))
    texts = [f"할머니 파마가 다 풀렸어요 {i}번" for i in range(3)]
    found = [search(matcher, learned_offers, t, "resident:1") for t in texts]
    assert all(found)  # the third is answered too
    assert set(encoder().cached(texts, QUERY)) == set(texts[:2])


def test_the_allowance_is_counted_per_actor(learned_offers):
    matcher = OfferMatcher(allowance=TextAllowance(per_actor=1, overall=100))
    search(matcher, learned_offers, "아이가 구구단을 못 외워요 하나", "resident:1")
    search(matcher, learned_offers, "아이가 구구단을 못 외워요 둘", "resident:1")
    search(matcher, learned_offers, "아이가 구구단을 못 외워요 셋", "staff:1")
    assert set(encoder().cached(["아이가 구구단을 못 외워요 둘", "아이가 구구단을 못 외워요 셋"], QUERY)) == \
        {"아이가 구구단을 못 외워요 셋"}


def test_the_allowance_bounds_all_actors_together(learned_offers):
    matcher = OfferMatcher(allowance=TextAllowance(per_actor=10, overall=2))
    texts = [f"흰머리 염색 부탁해요 {i}" for i in range(3)]
    for i, text in enumerate(texts):
        search(matcher, learned_offers, text, f"resident:{i}")  # a new wallet each time
    assert set(encoder().cached(texts, QUERY)) == set(texts[:2])


def test_a_text_already_read_is_not_counted(learned_offers):
    matcher = OfferMatcher(allowance=TextAllowance(per_actor=2, overall=100))
    for _ in range(3):
        search(matcher, learned_offers, "동네 어르신 머리 손질", "resident:1")
    search(matcher, learned_offers, "동네 아이 수학 숙제", "resident:1")  # the second new text, not the fourth
    assert encoder().cached(["동네 아이 수학 숙제"], QUERY)


def test_the_allowance_comes_back_as_its_window_passes():
    now = [1000.0]
    allowance = TextAllowance(per_actor=2, overall=3, window_s=60.0, clock=lambda: now[0])
    assert allowance.take("resident:1") and allowance.take("resident:1")
    assert not allowance.take("resident:1")
    assert allowance.take("resident:2")
    assert not allowance.take("resident:3")  # three in the window in all
    now[0] += 60.0
    assert allowance.take("resident:1") and allowance.take("resident:3")


def test_a_zero_allowance_reads_no_new_text(learned_offers):
    matcher = OfferMatcher(allowance=TextAllowance(per_actor=0, overall=100))
    assert search(matcher, learned_offers, "머리 좀 다듬어 주실 분", "resident:1")
    assert not encoder().cached(["머리 좀 다듬어 주실 분"], QUERY)


def test_a_searchs_text_is_cached_among_passing_texts_only(learned_offers, monkeypatch):
    monkeypatch.setattr(encoding, "PASSING_TEXTS", 1)
    matcher = OfferMatcher(allowance=TextAllowance(per_actor=10, overall=100))
    search(matcher, learned_offers, "머리 다듬어 줄 사람 검색 하나", "resident:1")
    search(matcher, learned_offers, "머리 다듬어 줄 사람 검색 둘", "resident:1")
    assert set(encoder().cached(["머리 다듬어 줄 사람 검색 하나", "머리 다듬어 줄 사람 검색 둘"], QUERY)) == \
        {"머리 다듬어 줄 사람 검색 둘"}


def test_a_staff_member_and_a_resident_of_the_same_id_have_allowances_of_their_own(learned_offers):
    matcher = OfferMatcher(allowance=TextAllowance(per_actor=1, overall=100))
    resident = ResidentPrincipal(resident_id=1, address="0x" + "1" * 40)
    coordinator = Principal(user_id=1, username="coord1", role="coordinator", centre_id=1, via="jwt")
    texts = {resident: "할머니 파마 해 주실 분 찾아요 가", coordinator: "할머니 파마 해 주실 분 찾아요 나"}
    with learned_offers() as s:
        for actor, text in texts.items():
            assert offers.search(s, matcher, actor, text, AREA, 5)
    assert set(encoder().cached(list(texts.values()), QUERY)) == set(texts.values())
