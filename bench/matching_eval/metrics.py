"""precision@5 (the right talent among the first five) and nDCG@10 (gains 2^grade − 1: the right talent first,
then near, then free at the need's time) of rankings against a world's grades."""

from __future__ import annotations

import math
import statistics


def precision_at_5(ranked: list[int], grades: dict[int, int]) -> float:
    return sum(1 for o in ranked[:5] if grades.get(o, 0) > 0) / 5


def ndcg_at_10(ranked: list[int], grades: dict[int, int]) -> float:
    dcg = sum((2 ** grades.get(o, 0) - 1) / math.log2(i + 2) for i, o in enumerate(ranked[:10]))
    ideal = sorted(grades.values(), reverse=True)[:10]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def evaluate(rankings: list[list[int]], grades: list[dict[int, int]]) -> dict[str, float]:
    return {"precision_at_5": round(statistics.fmean(precision_at_5(r, g) for r, g in zip(rankings, grades, strict=True)), 4),
            "ndcg_at_10": round(statistics.fmean(ndcg_at_10(r, g) for r, g in zip(rankings, grades, strict=True)), 4)}
