"""Tuning on pool A ONLY: the engine's settings are chosen here, on a world written from
bench/matching_eval/pool_a.py. This module never reads pool B (a test checks it).

    python -m bench.matching_eval.tune [--offers 10000] [--needs 300] [--seed 3]

Sweeps what was chosen this way: the meaning space's weight of a text's own labels (Meaning.OWN_LABEL), how much a
word's strongest association counts (Meaning.FOCUS), the weight of words bridged through Kiwi's embedding
(BRIDGE_WEIGHT), the share of the outcome-fitted weights (LEARNED_SHARE), the relevance gate; then, with those at
their defaults, how far a need's sentence lifts its vector (SENTENCE_WEIGHT) above how many deviations (SENTENCE_Z),
with the history and on the same world without it; and, never trained, the text factor's extra weight on a new
platform (COLD_TEXT). Prints the best first.
"""

from __future__ import annotations

import argparse
import itertools
import json

from backend.domain import matching

from .generate import World, generate
from .run import build, ours

TUNING_POOL = "a"


def tuning_world(offers: int, needs: int, history: int, seed: int):
    return generate(TUNING_POOL, offers, needs, history, seed)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--offers", type=int, default=10_000)
    parser.add_argument("--needs", type=int, default=300)
    parser.add_argument("--history", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    world = tuning_world(args.offers, args.needs, args.history, args.seed)
    chosen = matching.Meaning.OWN_LABEL, matching.Meaning.FOCUS, matching.BRIDGE_WEIGHT, matching.LEARNED_SHARE
    results = []
    for own, focus, bridge in itertools.product((1.0, 0.25), (0.0, 1.0), (0.0, 1.0)):
        matching.Meaning.OWN_LABEL, matching.Meaning.FOCUS, matching.BRIDGE_WEIGHT = own, focus, bridge
        for share in (0.0, 0.25, 1.0):
            matching.LEARNED_SHARE = share
            index, report, _ = build(world)
            for gate in (0.3, 0.45):
                index.gate = gate
                r, _ = ours(index, world)
                results.append({"own_label": own, "focus": focus, "bridge_weight": bridge, "learned_share": share,
                                "gate": gate, "precision_at_5": r["precision_at_5"], "ndcg_at_10": r["ndcg_at_10"]})
    results.sort(key=lambda r: -(r["precision_at_5"] + r["ndcg_at_10"]))
    matching.Meaning.OWN_LABEL, matching.Meaning.FOCUS, matching.BRIDGE_WEIGHT, matching.LEARNED_SHARE = chosen
    sentence = []
    chosen_z, chosen_cold = matching.SENTENCE_Z, matching.COLD_TEXT
    for history in (True, False):
        w = world if history else World(world.pool, world.areas, world.offers, world.needs, [])
        index, _, _ = build(w)
        for z, weight in itertools.product((0.5, 1.0, 1.5, 2.0), (0.5, 0.75, 1.0, 1.5, 2.0)):
            matching.SENTENCE_Z, index.meaning.sentence_weight = z, weight
            r, _ = ours(index, w)
            sentence.append({"history": history, "sentence_z": z, "sentence_weight": weight,
                             "precision_at_5": r["precision_at_5"], "ndcg_at_10": r["ndcg_at_10"]})
    sentence.sort(key=lambda r: (not r["history"], -(r["precision_at_5"] + r["ndcg_at_10"])))
    matching.SENTENCE_Z = chosen_z
    # a new platform, never trained (its centre from the needs it is asked about): the text factor's extra weight
    new = World(world.pool, world.areas, world.offers, world.needs, [])
    cold = []
    for boost in (0.0, 0.05, 0.1, 0.15, 0.2):
        matching.COLD_TEXT = boost
        index, _, _ = build(new, train=False)
        r, _ = ours(index, new)
        cold.append({"cold_text": boost, "precision_at_5": r["precision_at_5"], "ndcg_at_10": r["ndcg_at_10"]})
    matching.COLD_TEXT = chosen_cold
    cold.sort(key=lambda r: -(r["precision_at_5"] + r["ndcg_at_10"]))
    print(json.dumps({"best": results[:8], "sentence": sentence, "cold_text": cold}, ensure_ascii=False))


if __name__ == "__main__":
    main()
