"""Builds the engine and the baselines on a world and scores them (shared by bench/matching.py, which reports on
pool B, and tune.py, which tunes on pool A)."""

from __future__ import annotations

import math
import time

from backend.domain import matching, sentences
from backend.domain.matching import MatchIndex, NeedQuery, OfferDoc, Outcome, Weights

from . import previous_engine
from .baselines import CharTfidf, KiwiBm25
from .generate import World
from .metrics import evaluate


def offer_text(o) -> str:
    return " ".join([o.text, *o.tags])  # as the store writes it: title, skills, description


def need_query(n) -> NeedQuery:
    return NeedQuery(n.text, n.area, n.slots, owner=f"need:{n.need_id}")


def build(world: World, gate: float = matching.GATE, seed_trust: float = matching.SEED_TRUST,
          train: bool = True) -> tuple[MatchIndex, object, float]:
    t0 = time.perf_counter()
    index = MatchIndex(world.areas, gate=gate, seed_trust=seed_trust)
    for o in world.offers:
        index.upsert(OfferDoc(o.offer_id, offer_text(o), o.area, o.slots, o.reliability, f"r{o.offer_id}", o.tags))
    report = index.train(outcomes(world)) if train else None
    return index, report, time.perf_counter() - t0


def outcomes(world: World) -> list[Outcome]:
    return [Outcome(need_query(m.need), m.offer_id, m.status) for m in world.history]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]


def ours(index: MatchIndex, world: World, cpu_times: list[float] | None = None) -> tuple[dict, list[float]]:
    """Quality of the engine's rankings, and each query's wall-clock time in ms (its CPU time in ms is appended to
    `cpu_times` if given: on a shared machine the wall clock also counts the time other processes had the CPU)."""
    grades = [world.grades(n) for n in world.needs]
    rankings, times = [], []
    for n in world.needs:
        t, c = time.perf_counter(), time.thread_time()
        ranked = index.rank(need_query(n), 10)
        times.append((time.perf_counter() - t) * 1000)
        if cpu_times is not None:
            cpu_times.append((time.thread_time() - c) * 1000)
        rankings.append([r.offer_id for r in ranked])
    result = evaluate(rankings, grades)
    seen = [i for i, n in enumerate(world.needs) if n.seen_phrasing]
    unseen = [i for i, n in enumerate(world.needs) if not n.seen_phrasing]
    for name, idx in (("seen_in_history", seen), ("never_in_history", unseen)):
        if idx:
            result[name] = {"needs": len(idx), **evaluate([rankings[i] for i in idx], [grades[i] for i in idx])}
    return result, times


def baselines(world: World) -> dict[str, dict]:
    grades = [world.grades(n) for n in world.needs]
    texts = {o.offer_id: offer_text(o) for o in world.offers}
    tfidf, bm25 = CharTfidf(texts), KiwiBm25(texts)
    prev = previous_engine.MatchIndex(world.areas)
    for o in world.offers:
        prev.upsert(previous_engine.OfferDoc(o.offer_id, texts[o.offer_id], o.area, o.slots, o.reliability,
                                             f"r{o.offer_id}"))
    prev_q = lambda n: previous_engine.NeedQuery(n.text, n.area, n.slots, owner=f"need:{n.need_id}")  # noqa: E731
    return {
        "char_tfidf": evaluate([tfidf.rank(n.text) for n in world.needs], grades),
        "kiwi_bm25": evaluate([bm25.rank(n.text) for n in world.needs], grades),
        "previous_engine": evaluate([[r.offer_id for r in prev.rank(prev_q(n), 10)] for n in world.needs], grades),
    }


def ablation(world: World, index: MatchIndex) -> dict[str, dict]:
    """The score without each part (the index changed in place, then put back)."""
    out = {}
    weights, gate, trust, meaning = index.scorer.weights, index.gate, index.seed_trust, index.meaning

    def score(name: str) -> None:
        index._matrix = None
        out[name] = ours(index, world)[0]
        out[name] = {k: out[name][k] for k in ("precision_at_5", "ndcg_at_10")}

    index.gate = 0.0
    score("without_relevance_gate")
    index.gate = gate
    index.scorer = matching.Scorer(index.scorer.areas, matching.fixed_weights(meaning.matches if meaning else 0))
    score("without_learned_weights")
    index.scorer = matching.Scorer(index.scorer.areas, weights)
    index.seed_trust = 0.0
    score("without_seed_glossary")
    index.seed_trust = trust
    sentences.enabled = False  # needs by their words alone (the labels' centroids stay, unused)
    score("without_sentence_encoder")
    sentences.enabled = True
    for name, off in (("without_text_factor", "text"), ("without_distance_schedule_reliability", None)):
        w = {f: getattr(weights, f) for f in matching.FACTORS}
        if off:
            w[off] = 0.0
        else:
            w.update(distance=0.0, schedule=0.0, reliability=0.0)
        index.scorer = matching.Scorer(index.scorer.areas, Weights(**w))
        score(name)
    index.scorer = matching.Scorer(index.scorer.areas, weights)
    index.learn_meaning([])  # offers and their tags only, no past matches
    score("without_past_matches_in_meaning")
    index.meaning = None
    index._vec = [None] * len(index._vec)
    score("without_learned_meaning")
    index.learn_meaning(outcomes(world))
    assert index.meaning is not None and meaning is not None
    return out
