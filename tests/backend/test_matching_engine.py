"""The matching engine on its own (backend/domain/matching.py: no I/O, no chain), the sealing of reports, the
message catalogue, and the benchmark's command line."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime

import numpy as np
import pytest
from conftest import ROOT

from backend.domain.matching import (
    ALL_SLOTS,
    FACTORS,
    KST,
    WARM_MATCHES,
    Weights,
    fixed_weights,
    CENTROID_TEXTS,
    BruteForceRanker,
    MatchIndex,
    Meaning,
    NeedQuery,
    OfferDoc,
    Scorer,
    GATE,
    Outcome,
    concepts,
    features,
    need_doc,
    parse_slots,
    slot_names,
    sentence_texts,
    slots_between,
)
from backend.domain import sentences
from backend.domain.analysis import analyse
from backend.domain.errors import Refusal
from backend.domain.matching import TrainReport
from backend.domain.messages import localized, pick_language
from backend.store import matching_model
from backend.store.sealing import Sealer, SealingError, new_key_text, parse_key

AREAS = {"banpo1": (37.5045, 127.0050), "banpo2": (37.5080, 126.9960), "sanggye1": (37.6690, 127.0570)}


def index_of(*docs: OfferDoc) -> MatchIndex:
    index = MatchIndex(AREAS)
    for d in docs:
        index.upsert(d)
    return index


def test_korean_english_and_mixed_text_are_analysed_into_nouns_stems_and_stemmed_words():
    assert analyse("싱크대 물이 안 내려가요") == ("싱크대", "물", "내려가")  # particles and endings dropped
    assert analyse("집에 물이 새는데 고쳐주실 분") == ("집", "물", "새", "고치")  # verb stems, not syllable pairs
    assert analyse("I can fix leaking taps and do plumbing work") == ("fix", "leak", "tap", "plumb", "work")
    assert analyse("키오스크 ordering 도와드려요, 주말 가능") == ("키오스크", "order", "돕", "주말", "가능")
    tf = features("반찬을 만들어요")
    assert {"반찬", "만들"} <= tf.keys() and "@cooking" in tf  # the glossary stays as a seed label
    assert concepts("I cook home meals") == {"cooking"} == concepts("요리 봉사")
    assert features("ｃｏｏｋｉｎｇ") == features("cooking")  # NFKC: full-width letters


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
    brute = BruteForceRanker(index)
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
    out = subprocess.run([sys.executable, "bench/matching.py", "--json", "--offers", "1400", "--needs", "40",
                          "--history", "300", "--exhaustive-sample", "2", "--no-ablation"], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)  # one JSON object and nothing else
    assert result["offers"] == 1400 and result["split"].startswith("pool b") and result["query_p99_ms"] > 0
    for key in ("precision_at_5", "ndcg_at_10", "baseline_tfidf_p5", "baseline_kiwi_bm25_p5", "previous_engine_p5"):
        assert 0 <= result[key] <= 1
    assert 0 <= result["cold_start"]["precision_at_5"] <= 1 and 0 <= result["cold_start"]["ndcg_at_10"] <= 1


def test_the_two_pools_are_disjoint_and_tuning_never_reads_pool_b():
    from bench.matching_eval.generate import load_pool
    from bench.matching_eval.concepts import CONCEPTS

    a, b = load_pool("a"), load_pool("b")
    assert set(a) == set(b) == set(CONCEPTS) and len(CONCEPTS) >= 42
    for concept in CONCEPTS:
        assert not set(sum(a[concept], [])) & set(sum(b[concept], [])), concept
    source = (ROOT / "bench" / "matching_eval" / "tune.py").read_text()
    assert "pool_b" not in source and 'TUNING_POOL = "a"' in source
    code = ("import sys; from bench.matching_eval import tune; w = tune.tuning_world(600, 20, 100, 1); "
            "assert w.pool == 'a'; assert 'bench.matching_eval.pool_b' not in sys.modules, 'pool B read'")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr


def _learned_world():
    """Offers whose words the glossary does not know, tagged; past needs in everyday words that ended well."""
    saturday = parse_slots(["sat"])
    docs = []
    for i in range(40):
        docs.append(OfferDoc(100 + i, f"배관 누수 수리 {i}호", "sanggye1", saturday, 0.5, f"p{i}", ("수도설비",)))
        docs.append(OfferDoc(200 + i, f"세탁기 통세척 {i}호", "banpo1", saturday, 0.5, f"w{i}", ("가전세척",)))
    history = [Outcome(NeedQuery("싱크대 물이 안 내려가요", "sanggye1", saturday, f"n{i}"), 100 + i, "completed")
               for i in range(20)]
    return docs, history


def test_meaning_learned_from_past_matches_bridges_a_situation_to_an_activity():
    docs, history = _learned_world()
    index = index_of(*docs)
    need = NeedQuery("싱크대 물이 안 내려가요", "banpo1", parse_slots(["sat-morning"]), owner="me")
    # Untrained, the offers' own words and tags only (the situation's words bridged through Kiwi's embedding).
    before = index.explain(need, 100).factors["talent"].value
    index.train(history)
    ranked = index.rank(need, 5)
    assert all(100 <= r.offer_id < 140 for r in ranked)  # the plumbers, although the washer cleaners are nearer
    top = ranked[0]
    assert top.factors["talent"].note_code == "talents_learned" and "수도설비" in top.factors["talent"].note
    assert top.factors["talent"].value > before  # the past matches said it in the need's own words


def test_the_gate_keeps_an_off_topic_neighbour_below_a_relevant_volunteer_far_away():
    docs, history = _learned_world()
    index = index_of(*docs)
    index.train(history)
    need = NeedQuery("싱크대 물이 안 내려가요", "banpo1", parse_slots(["sat-morning"]), owner="me")
    off_topic = index.explain(need, 200)  # near, free, about something else
    relevant = index.explain(need, 100)  # 17 km away
    assert off_topic.score < relevant.score
    assert index.relevance(off_topic.factors["talent"].value, off_topic.factors["text"].value) < GATE
    for name in ("distance", "schedule", "reliability"):
        f = off_topic.factors[name]
        assert f.contribution == 0 and f.note_code == "below_gate"
    assert sum(f.contribution for f in off_topic.factors.values()) == pytest.approx(off_topic.score, abs=1e-6)


def test_no_off_topic_neighbour_free_at_the_time_is_ranked_above_a_relevant_volunteer_far_away():
    docs, history = _learned_world()
    index = index_of(*docs)
    index.train(history)
    need = NeedQuery("싱크대 물이 안 내려가요", "banpo1", parse_slots(["sat-morning"]), owner="me")
    ranked = [r.offer_id for r in index.rank(need, len(docs))]
    plumbers = [i for i in ranked if 100 <= i < 140]  # 17 km away
    neighbours = [i for i in ranked if i >= 200]  # same area, free then, cleaning washing machines
    assert len(plumbers) == 40
    assert not neighbours or ranked.index(neighbours[0]) > ranked.index(plumbers[-1])


def test_outcomes_teach_the_weights_and_change_a_ranking():
    saturday, monday = parse_slots(["sat"]), parse_slots(["mon"])
    docs = [OfferDoc(i, f"요리 봉사 {i}", "banpo1" if i % 2 else "sanggye1", saturday if i % 3 else monday, 0.5,
                     f"v{i}") for i in range(1, 121)]
    index = index_of(*docs)
    near_need = NeedQuery("요리 도와주세요", "banpo1", saturday, "x")
    # History: every volunteer far away said no or did not come, every near one completed, whatever the time.
    history = [Outcome(near_need, i, "completed" if i % 2 else "declined") for i in range(1, 121)]
    before = index.scorer.weights
    report = index.train(history)
    assert report.learned_weights and report.outcomes == 120
    assert index.scorer.weights.distance > before.distance
    assert abs(sum(report.weights.values()) - 1) < 1e-3
    need = NeedQuery("요리 부탁해요", "banpo1", monday, "y")  # near ones are busy on Mondays, far ones free
    assert index.rank(need, 1)[0].offer_id % 2 == 1  # nearness now outweighs the schedule


def test_an_untrained_index_learns_its_meaning_from_its_offers_when_first_asked():
    docs, _ = _learned_world()
    index = index_of(*docs)
    assert index.meaning is None
    ranked = index.rank(NeedQuery("배관 수리", "banpo1", parse_slots(["sat"]), owner="me"), 3)
    assert index.meaning is not None and index.meaning.matches == 0 and index.meaning.texts == len(docs)
    assert ranked[0].factors["talent"].note_code == "talents_learned"


def test_an_untrained_index_relearns_once_its_offers_have_grown_by_a_quarter():
    docs, _ = _learned_world()
    index = index_of(*docs)
    need = NeedQuery("배관 수리", "banpo1", parse_slots(["sat"]), owner="me")
    index.rank(need, 3)
    first = index.meaning
    extra = [OfferDoc(300 + i, f"형광등 교체 {i}호", "banpo1", 0, 0.5, f"e{i}", ("전기수리",)) for i in range(20)]
    for d in extra[:5]:
        index.upsert(d)
    index.rank(need, 3)
    assert index.meaning is first  # 85 offers: less than a quarter more
    for d in extra[5:]:
        index.upsert(d)
    index.rank(need, 3)
    assert index.meaning is not first and index.meaning.texts == len(docs) + len(extra)


def test_an_index_trained_before_it_had_offers_learns_once_they_come():
    """An API process starts on a new platform: trained on nothing (no meaning space), then offers are posted."""
    docs, _ = _learned_world()
    index = MatchIndex(AREAS)
    index.train([])
    assert index.meaning is None
    for d in docs:
        index.upsert(d)
    index.rank(NeedQuery("배관 수리", "banpo1", parse_slots(["sat"]), owner="me"), 3)
    assert index.meaning is not None and index.meaning.texts == len(docs)


def test_a_trained_index_does_not_relearn_by_itself():
    docs, history = _learned_world()
    index = index_of(*docs)
    index.train(history)
    trained = index.meaning
    for i in range(40):
        index.upsert(OfferDoc(300 + i, f"형광등 교체 {i}호", "banpo1", 0, 0.5, f"e{i}", ("전기수리",)))
    index.rank(NeedQuery("배관 수리", "banpo1", parse_slots(["sat"]), owner="me"), 3)
    assert index.meaning is trained and trained.matches == len(history)


def test_the_text_factor_counts_more_before_the_platform_has_matches():
    cold, warm = fixed_weights(0), fixed_weights(WARM_MATCHES)
    assert cold.text > fixed_weights(WARM_MATCHES // 2).text > warm.text == Weights().text
    assert MatchIndex(AREAS).scorer.weights == cold
    for w in (cold, warm):
        assert sum(getattr(w, f) for f in FACTORS) == pytest.approx(1, abs=1e-3)


def test_too_few_outcomes_keep_the_fixed_weights():
    index = index_of(OfferDoc(1, "요리 봉사", "banpo1", 0, 0.5, "a"))
    report = index.train([Outcome(NeedQuery("요리", "banpo1", 0), 1, "completed")])
    assert not report.learned_weights and report.labelled_texts == 0 and index.meaning is None


def _four_talents() -> MatchIndex:
    """80 offers of four talents (ids 0–19 haircuts, 100–119 maths, 200–219 plumbing, 300–319 side dishes), each
    said one way and tagged, all in the same area and free on Saturdays."""
    saturday = parse_slots(["sat"])
    talents = [("머리 잘라 드려요", "이미용"), ("수학 문제 같이 풀어요", "수학"), ("막힌 배관 수리", "수도설비"),
               ("반찬 만들어 드려요", "반찬나눔")]
    return index_of(*(OfferDoc(100 * k + i, f"{text} {i}호", "banpo1", saturday, 0.5, f"v{k}-{i}", (tag,))
                      for k, (text, tag) in enumerate(talents) for i in range(20)))


@pytest.fixture
def without_encoder(monkeypatch):
    monkeypatch.setattr(sentences, "enabled", False)


def test_the_sentence_encoder_puts_a_situation_near_the_activity_that_answers_it():
    enc = sentences.encoder()
    assert enc is not None  # installed from the lock file, model included
    need = enc.query("엄마 파마가 다 풀렸어요")
    haircut, maths, haircut_en, maths_en = enc.embed(["머리 잘라 드려요", "수학 문제 같이 풀어요", "haircuts at home",
                                                      "math lessons"])
    assert need.shape == (sentences.DIM,) and float(need @ need) == pytest.approx(1, abs=1e-3)
    assert need @ haircut > need @ maths and need @ haircut_en > need @ maths_en  # (across languages: all lower)


def test_a_need_sharing_no_word_with_the_offers_finds_them_through_its_sentence():
    index = _four_talents()
    ranked = index.rank(NeedQuery("엄마 파마가 다 풀렸어요", "banpo1", parse_slots(["sat"]), owner="me"), 5)
    assert index.meaning.centroids is not None
    assert [r.offer_id // 100 for r in ranked] == [0] * 5  # the hairdressers


def test_without_the_encoder_a_need_is_matched_by_its_words_alone(without_encoder):
    index = _four_talents()
    ranked = index.rank(NeedQuery("아이 수학 문제 풀이를 도와주세요", "banpo1", parse_slots(["sat"]), owner="me"), 5)
    assert index.meaning is not None and index.meaning.centroids is None  # learned, with no sentence centroids
    assert [r.offer_id // 100 for r in ranked] == [1] * 5  # the maths tutors, by the words they share


def test_with_the_sentence_lift_a_pair_scores_the_same_in_both_directions_and_explained():
    index = _four_talents()
    need = NeedQuery("엄마 파마가 다 풀렸어요", "banpo1", parse_slots(["sat"]), owner="me")
    top = index.rank(need, 1)[0]
    assert index.meaning.centroids is not None
    explained = index.explain(need, top.offer_id)
    listed = index.rank_needs(top.offer_id, [need_doc(7, need)], 1)[0]
    assert top.score == explained.score == listed.score
    assert listed.factors["talent"].value == top.factors["talent"].value


def test_a_query_told_not_to_computes_no_sentence_vector():
    index = MatchIndex(AREAS, compute_in_queries=False)
    for doc in _four_talents().docs():
        index.upsert(doc)
    text = "할아버지 머리카락이 덥수룩해요 37"
    index.rank(NeedQuery(text, "banpo1", 0, owner="me"), 5)  # learns its meaning lazily, under a caller's lock
    enc = sentences.encoder()
    assert not enc.cached([text], sentences.QUERY) and not enc.cached([text], sentences.PASSAGE)


def test_the_needs_that_fit_an_offer_use_the_needs_sentences_too():
    index = _four_talents()
    saturday = parse_slots(["sat"])
    needs = [need_doc(1, NeedQuery("아이가 분수 나눗셈을 어려워해요", "banpo1", saturday, "a")),
             need_doc(2, NeedQuery("엄마 파마가 다 풀렸어요", "banpo1", saturday, "b"))]
    assert [n.need_id for n in index.rank_needs(0, needs, 2)][0] == 2  # a hairdresser: the perm first
    assert [n.need_id for n in index.rank_needs(100, needs, 2)][0] == 1  # a maths tutor: the fractions first


def test_a_stored_meaning_keeps_its_sentence_centroids(tmp_path):
    index = _four_talents()
    index.train([])
    path = tmp_path / "model.npz"
    matching_model.save(path, (1, 2), index.meaning, index.scorer.weights, TrainReport(80, 80, 0, False, {}))
    stored = matching_model.load(path).meaning
    assert np.array_equal(stored.centroids, index.meaning.centroids)
    assert np.array_equal(stored.centre, index.meaning.centre)
    need = features("엄마 파마가 다 풀렸어요")
    sentence = sentences.encoder().query("엄마 파마가 다 풀렸어요")
    assert np.allclose(stored.vector(need, (), sentence), index.meaning.vector(need, (), sentence))


def test_centroids_of_another_shape_are_left_out_of_a_stored_meaning():
    index = _four_talents()
    index.train([])
    arrays = index.meaning.to_arrays()
    arrays["centroids"] = arrays["centroids"][:, :10]  # another encoder's width
    assert Meaning.from_arrays(arrays).centroids is None


def test_each_labels_centroid_is_made_from_a_bounded_sample_half_of_it_needs():
    many = [("passage", f"머리 잘라 드려요 {i}", ["#이미용"]) for i in range(100)]
    many += [("query", f"파마가 풀렸어요 {i}", ["#이미용"]) for i in range(100)]
    few_needs = [("passage", f"배관 수리 {i}", ["#수도설비"]) for i in range(100)] + [("query", "물이 새요", ["#수도설비"])]
    chosen = sentence_texts(many + few_needs)
    assert len(chosen["#이미용"]) == CENTROID_TEXTS
    assert sum(kind == "query" for kind, _ in chosen["#이미용"]) == CENTROID_TEXTS // 2
    assert len(chosen["#수도설비"]) == CENTROID_TEXTS and ("query", "물이 새요") in chosen["#수도설비"]


def test_passing_texts_are_cached_apart_and_never_push_out_the_others(monkeypatch):
    enc = sentences.encoder()
    monkeypatch.setattr(sentences, "PASSING_TEXTS", 2)
    kept = "오래 두고 쓸 요청 문장 하나"
    enc.embed([kept], sentences.QUERY)
    passing = [f"지나가는 검색어 {i}" for i in range(3)]
    enc.embed(passing, sentences.QUERY, keep=False)
    assert set(enc.cached([kept, *passing], sentences.QUERY)) == {kept, *passing[1:]}
