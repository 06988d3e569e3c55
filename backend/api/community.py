"""The community layer's state in the API process: the matching index (following the offers' version counter, so
several API processes each keep theirs current) and the sealer of neighbour reports."""

from __future__ import annotations

import logging
import threading

from fastapi import FastAPI, Request
from sqlalchemy.orm import Session

from backend.config import LOCAL_CHAIN_IDS, Settings
from backend.domain.matching import MatchIndex, NeedQuery, Ranked, RankedNeed, Scorer, need_doc
from backend.domain.errors import Refusal
from backend.store.areas import area_map, version
from backend.store.offers import match_outcomes, offer_doc, offers_changed_since, outcomes_fingerprint
from backend.store.sealing import Sealer

log = logging.getLogger("backend")


class OfferMatcher:
    """The offers' index, brought up to date from the database before each query: a read of two counters when
    nothing changed, the changed offers otherwise."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.index = MatchIndex({})
        self.offers_version = 0
        self.areas_version = -1
        self.trained_on: tuple[int, int, int] | None = None  # (offers, decided matches, newest decided match)
        self.report = None

    def train(self, s: Session) -> None:
        """Relearns the meaning space and the weights from the offers and the decided matches, if they changed
        since the last training (at start-up, and from the warm-up thread after that)."""
        self.refresh(s)
        outcomes_fp = outcomes_fingerprint(s)
        mark = (len(self.index), *outcomes_fp)
        if mark == self.trained_on:
            return
        outcomes = match_outcomes(s)
        with self._lock:
            self.report = self.index.train(outcomes)
            self.trained_on = mark
        log.info("matching trained: %s", self.report)

    def refresh(self, s: Session) -> None:
        offers_v, areas_v = version(s, "offers"), version(s, "areas")
        if offers_v == self.offers_version and areas_v == self.areas_version:
            return
        with self._lock:
            if areas_v != self.areas_version:
                self.index.scorer = Scorer(area_map(s), self.index.scorer.weights)
                self.areas_version = areas_v
            if offers_v > self.offers_version:
                for offer, rel in offers_changed_since(s, self.offers_version):
                    if offer.status == "active":
                        self.index.upsert(offer_doc(offer, rel))
                    else:
                        self.index.remove(offer.id)
                self.offers_version = offers_v

    def rank(self, s: Session, need: NeedQuery, k: int) -> list[Ranked]:
        self.refresh(s)
        with self._lock:
            return self.index.rank(need, k)

    def explain(self, s: Session, need: NeedQuery, offer_id: int) -> Ranked | None:
        self.refresh(s)
        with self._lock:
            return self.index.explain(need, offer_id)

    def rank_needs(self, s: Session, offer_id: int, needs: list[tuple[int, NeedQuery]], k: int) -> list[RankedNeed]:
        """The needs that fit the offer, best first (the needs' terms computed before taking the lock)."""
        docs = [need_doc(need_id, query) for need_id, query in needs]
        self.refresh(s)
        with self._lock:
            return self.index.rank_needs(offer_id, docs, k)


def start(app: FastAPI, settings: Settings) -> None:
    """At startup: the index (filled on first use) and the sealer (a dev key only on a local chain)."""
    chain = app.state.chain
    local = chain is not None and chain.chain_id in LOCAL_CHAIN_IDS
    app.state.matcher = OfferMatcher()
    app.state.sealer = Sealer.from_settings(settings.reports_key, settings.reports_old_keys, local)
    # Fill the index now, beside start-up, so the first query does not load every offer (about a second for 10,000).
    threading.Thread(target=_warm, args=(app.state.matcher, app.state.sessions), name="matching-index", daemon=True).start()


def _warm(m: OfferMatcher, sessions) -> None:
    try:
        with sessions() as s:
            m.train(s)  # refresh, then learn from the offers and the past matches if they changed
    except Exception as exc:  # the first query tries again
        log.warning("matching index not warmed: %s", exc)


def matcher(request: Request) -> OfferMatcher:
    m = getattr(request.app.state, "matcher", None)
    if m is None:
        m = request.app.state.matcher = OfferMatcher()
    return m


def sealer(request: Request) -> Sealer:
    s = getattr(request.app.state, "sealer", None)
    if s is None:
        raise Refusal(503, "reports_unavailable")
    return s
