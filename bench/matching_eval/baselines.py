"""The baselines the engine is measured against in the same run: character 2–4-gram TF-IDF cosine, BM25 over Kiwi
tokens (text alone, both), and the previous engine (bench/matching_eval/previous_engine.py, all its factors)."""

from __future__ import annotations

import heapq
import math
from collections import Counter

from backend.domain.analysis import analyse, normalise


class CharTfidf:
    """Cosine of TF-IDF vectors of character 2-, 3- and 4-grams (sublinear tf), over an inverted index."""

    def __init__(self, texts: dict[int, str]):
        grams = {i: self.grams(t) for i, t in texts.items()}
        df = Counter(g for tf in grams.values() for g in tf)
        n = len(texts)
        self.idf = {g: math.log((1 + n) / (1 + d)) + 1 for g, d in df.items()}
        self.postings: dict[str, list[tuple[int, float]]] = {}
        for i, tf in grams.items():
            vec = self.vector(tf)
            for g, w in vec.items():
                self.postings.setdefault(g, []).append((i, w))

    @staticmethod
    def grams(text: str) -> Counter[str]:
        t = f" {normalise(text)} "
        return Counter(t[i:i + n] for n in (2, 3, 4) for i in range(len(t) - n + 1))

    def vector(self, tf: Counter[str]) -> dict[str, float]:
        vec = {g: (1 + math.log(c)) * self.idf[g] for g, c in tf.items() if g in self.idf}
        norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
        return {g: w / norm for g, w in vec.items()}

    def rank(self, text: str, k: int = 10) -> list[int]:
        acc: dict[int, float] = {}
        for g, w in self.vector(self.grams(text)).items():
            for i, v in self.postings.get(g, ()):
                acc[i] = acc.get(i, 0.0) + w * v
        return [-i for _, i in heapq.nlargest(k, ((s, -i) for i, s in acc.items()))]


class KiwiBm25:
    """BM25 (k1 1.2, b 0.75) over the words of backend/domain/analysis.py (Kiwi nouns and stems, stemmed English)."""

    def __init__(self, texts: dict[int, str], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        docs = {i: Counter(analyse(t)) for i, t in texts.items()}
        self.n = len(docs)
        self.avg = sum(sum(tf.values()) for tf in docs.values()) / max(self.n, 1)
        self.df = Counter(w for tf in docs.values() for w in tf)
        self.postings: dict[str, list[tuple[int, float]]] = {}
        for i, tf in docs.items():
            length = sum(tf.values())
            for w, c in tf.items():
                self.postings.setdefault(w, []).append((i, c * (k1 + 1) / (c + k1 * (1 - b + b * length / self.avg))))

    def rank(self, text: str, k: int = 10) -> list[int]:
        acc: dict[int, float] = {}
        for w in set(analyse(text)):
            df = self.df.get(w)
            if not df:
                continue
            idf = math.log(1 + (self.n - df + 0.5) / (df + 0.5))
            for i, part in self.postings[w]:
                acc[i] = acc.get(i, 0.0) + idf * part
        return [-i for _, i in heapq.nlargest(k, ((s, -i) for i, s in acc.items()))]
