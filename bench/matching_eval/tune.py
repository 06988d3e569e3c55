"""Tuning on pool A ONLY: the gate and the glossary's trust are chosen here, on a world written from
bench/matching_eval/pool_a.py. This module never reads pool B (a test checks it).

    python -m bench.matching_eval.tune [--offers 10000] [--needs 300] [--seed 3]
"""

from __future__ import annotations

import argparse
import json

from .generate import generate
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
    index, report, _ = build(world)
    results = []
    for gate in (0.0, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5):
        for trust in (0.0, 0.3, 0.6, 1.0):
            index.gate, index.seed_trust = gate, trust
            r, _ = ours(index, world)
            results.append({"gate": gate, "seed_trust": trust, "precision_at_5": r["precision_at_5"],
                            "ndcg_at_10": r["ndcg_at_10"]})
    results.sort(key=lambda r: -(r["precision_at_5"] + r["ndcg_at_10"]))
    print(json.dumps({"train": report.__dict__, "best": results[:5]}, ensure_ascii=False))


if __name__ == "__main__":
    main()
