"""The matching engine on its own (backend/domain/matching.py: no I/O, no chain), the sealing of reports, the
message catalogue, and the benchmark's command line."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime

import pytest
from conftest import ROOT

from backend.domain.matching import (
    ALL_SLOTS,
    KST,
    BruteForceRanker,
    MatchIndex,
    NeedQuery,
    OfferDoc,
    Scorer,
    concepts,
    features,
    need_doc,
    parse_slots,
    slot_names,
    slots_between,
)
from backend.domain.errors import Refusal
from backend.domain.messages import localized, pick_language
from backend.store.sealing import Sealer, SealingError, new_key_text, parse_key

AREAS = {"banpo1": (37.5045, 127.0050), "banpo2": (37.5080, 126.9960), "sanggye1": (37.6690, 127.0570)}


def index_of(*docs: OfferDoc) -> MatchIndex:
    index = MatchIndex(AREAS)
    for d in docs:
        index.upsert(d)
    return index


def test_korean_needs_no_tokenizer_and_the_glossary_bridges_languages():
    tf = features("반찬을 만들어요")
    assert {"반찬", "찬을", "만들", "들어", "어요"} <= tf.keys() and "@cooking" in tf
    assert concepts("I cook home meals") == {"cooking"} == concepts("요리 봉사")
    assert "^co" in features("Cooking") and "ing" in features("COOKING")  # case and width folded
    assert features("ｃｏｏｋ") == features("cook")  # NFKC: full-width letters


def test_ranking_uses_talent_distance_schedule_and_reliability_and_explains_itself():
    saturday = parse_slots(["sat"])
    docs = [
        OfferDoc(1, "반찬 만들기 요리 봉사", "banpo2", saturday, 0.9, "a"),
        OfferDoc(2, "Cooking home meals for neighbours", "banpo1", saturday, 0.5, "b"),
        OfferDoc(3, "요리 봉사", "sanggye1", saturday, 0.9, "c"),  # far away
        OfferDoc(4, "요리 봉사 가능", "banpo1", parse_slots(["mon"]), 0.9, "d"),  # never free then
        OfferDoc(5, "스마트폰 사용법 도와드려요", "banpo1", saturday, 0.9, "e"),  # another talent, a shared word
        OfferDoc(7, "Piano lessons", "banpo1", saturday, 0.9, "f"),  # nothing in common: not a candidate
        OfferDoc(6, "요리 봉사", "banpo1", saturday, 0.9, "me"),  # the requester's own
    ]
    need = NeedQuery("도시락 반찬 요리 도와주세요", "banpo1", parse_slots(["sat-morning"]), owner="me")
    ranked = index_of(*docs).rank(need, 10)
    ids = [r.offer_id for r in ranked]
    assert ids[:2] in ([1, 2], [2, 1]) and 6 not in ids and 7 not in ids and ids[-1] == 5
    assert set(ids[2:4]) == {3, 4}
    for r in ranked:
        assert set(r.factors) == {"talent", "text", "distance", "schedule", "reliability"}
        assert sum(f.contribution for f in r.factors.values()) == pytest.approx(r.score, abs=1e-6)
        assert all(0 <= f.value <= 1 for f in r.factors.values())
    by_id = {r.offer_id: r for r in ranked}
    assert by_id[2].factors["talent"].value == 1.0 and "cooking" in by_id[2].matched_terms  # English offer
    assert by_id[3].factors["distance"].value < 0.01 and "km" in by_id[3].factors["distance"].note
    assert by_id[4].factors["schedule"].value == 0.0
    assert by_id[5].factors["talent"].value == 0.0 and "none of the need's talents" in by_id[5].factors["talent"].note


def test_the_index_follows_changes_and_agrees_with_brute_force():
    docs = [OfferDoc(i, text, area, ALL_SLOTS, 0.5, str(i)) for i, (text, area) in enumerate([
        ("피아노 레슨", "banpo1"), ("piano lessons for kids", "banpo2"), ("영어 회화", "banpo1"),
        ("english conversation", "sanggye1"), ("집수리 도배", "banpo2"), ("home repair and plumbing", "banpo1")], 1)]
    index = index_of(*docs)
    need = NeedQuery("피아노 배우고 싶어요", "banpo1", 0)
    assert [r.offer_id for r in index.rank(need, 2)] == [1, 2]
    brute = BruteForceRanker(docs, Scorer(AREAS))
    assert [i for _, i in brute.rank(need, 2)] == [1, 2]
    index.remove(1)
    assert 1 not in index and [r.offer_id for r in index.rank(need, 2)][0] == 2
    index.upsert(OfferDoc(3, "피아노 반주와 레슨", "banpo1", ALL_SLOTS, 0.5, "3"))  # offer 3 changed its text
    assert index.rank(need, 1)[0].offer_id == 3 and len(index) == 5
    assert index.rank(NeedQuery("zzzz qqqq", "banpo1", 0), 5) == []
    assert index.explain(need, 2).factors["talent"].value == 1.0 and index.explain(need, 99) is None


def test_the_needs_that_fit_an_offer_are_scored_as_the_offer_among_their_candidates():
    saturday = parse_slots(["sat"])
    index = index_of(OfferDoc(1, "반찬 만들기 요리 봉사", "banpo1", saturday, 0.7, "volunteer"),
                     OfferDoc(2, "Piano lessons", "banpo1", saturday, 0.5, "pianist"),
                     OfferDoc(3, "스마트폰 사용법 도와드려요", "banpo2", ALL_SLOTS, 0.5, "helper"))
    needs = {
        10: NeedQuery("반찬 만들어 주실 분", "banpo1", parse_slots(["sat-morning"]), "a"),  # near, a good time
        11: NeedQuery("Someone to cook lunch", "sanggye1", parse_slots(["mon-morning"]), "b"),  # far, another day
        12: NeedQuery("스마트폰 사용법 알려주세요", "banpo1", parse_slots(["sat-morning"]), "c"),  # off topic
        13: NeedQuery("반찬 요리 부탁해요", "banpo1", parse_slots(["sat-morning"]), "volunteer"),  # the volunteer's own
    }
    ranked = index.rank_needs(1, [need_doc(i, q) for i, q in needs.items()], 10)
    assert [r.need_id for r in ranked] == [10, 11]  # the off-topic need is not ranked at all, nor one's own
    for r in ranked:
        forward = index.explain(needs[r.need_id], 1)
        assert r.score == forward.score and r.matched_terms == forward.matched_terms
        assert {k: f.note for k, f in r.factors.items()} == {k: f.note for k, f in forward.factors.items()}
        assert sum(f.contribution for f in r.factors.values()) == pytest.approx(r.score, abs=1e-6)
    assert index.rank_needs(1, [need_doc(i, q) for i, q in needs.items()], 1)[0].need_id == 10
    assert index.rank_needs(99, [need_doc(10, needs[10])], 5) == []  # an offer not indexed


def test_weekly_slots():
    assert parse_slots(["mon-morning"]) == 1 and parse_slots(["any"]) == ALL_SLOTS
    assert slot_names(parse_slots(["weekend"])) == ["sat-morning", "sat-afternoon", "sat-evening", "sun-morning",
                                                     "sun-afternoon", "sun-evening"]
    with pytest.raises(ValueError, match="not a slot"):
        parse_slots(["someday"])
    # Saturday 10:00–13:00 in Seoul touches Saturday morning and afternoon; 01:00 counts as the evening before.
    assert slot_names(slots_between(datetime(2026, 11, 28, 10, tzinfo=KST), datetime(2026, 11, 28, 13, tzinfo=KST))) \
        == ["sat-morning", "sat-afternoon"]
    assert slot_names(slots_between(datetime(2026, 11, 29, 1, tzinfo=KST), datetime(2026, 11, 29, 2, tzinfo=KST))) \
        == ["sat-evening"]


def test_sealing_binds_the_key_and_the_report():
    sealer = Sealer(parse_key(new_key_text()))
    kid, blob = sealer.seal({"situation": "혼자 사시는 할머니"}, "vb:report:abc:banpo1")
    assert "할머니".encode() not in blob
    assert sealer.open(kid, blob, "vb:report:abc:banpo1") == {"situation": "혼자 사시는 할머니"}
    with pytest.raises(SealingError, match="does not verify"):
        sealer.open(kid, blob, "vb:report:other:banpo1")  # moved to another report
    with pytest.raises(SealingError, match="does not verify"):
        sealer.open(kid, blob[:-1] + bytes([blob[-1] ^ 1]), "vb:report:abc:banpo1")
    rotated = Sealer(parse_key(new_key_text()), old_keys=[sealer._keys[kid]])
    assert rotated.open(kid, blob, "vb:report:abc:banpo1")["situation"] == "혼자 사시는 할머니"
    with pytest.raises(SealingError, match="not configured"):
        Sealer(parse_key(new_key_text())).open(kid, blob, "vb:report:abc:banpo1")
    assert parse_key("0x" + "11" * 32) == bytes([0x11]) * 32
    with pytest.raises(SealingError, match="32 bytes"):
        parse_key("c2hvcnQ")


def test_messages_follow_accept_language():
    assert pick_language(None) == "en" and pick_language("ko-KR,ko;q=0.9,en-US;q=0.8") == "ko"
    assert pick_language("en;q=0.9,ko;q=0.5") == "en" and pick_language("fr") == "en"
    exc = Refusal(409, "already_supported", proposal_id=7)
    assert exc.message == "you already support proposal 7" and localized(exc, "ko") == "7번 제안을 이미 지지했습니다"


def test_the_benchmark_prints_its_figures():
    out = subprocess.run([sys.executable, "bench/matching.py", "--json", "--offers", "1000", "--needs", "40",
                          "--baseline-sample", "5", "--api", "10"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["offers"] == 1000 and 0 <= result["precision_at_5"] <= 1 and result["query_p99_ms"] > 0
    assert result["baseline"]["brute_force_sample"] == 5 and "text_only_precision_at_5" in result["baseline"]
    assert result["api"]["api_requests"] == 10 and result["api"]["api_query_p99_ms"] > 0
