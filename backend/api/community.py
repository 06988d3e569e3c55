"""The community layer's state in the API process: the matching index (following the offers' version counter, so
several API processes each keep theirs current) and the sealer of neighbour reports."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from fastapi import FastAPI, Request
from sqlalchemy.orm import Session

from backend.config import Settings, local_chain
from backend.domain.matching import MatchIndex, NeedQuery, Ranked, RankedNeed, Scorer, need_doc, words
from backend.domain.sentences import QUERY, encoder
from backend.domain.errors import Refusal
from backend.store.areas import area_map, version
from backend.store.offers import match_outcomes, offer_doc, offers_changed_since, outcomes_fingerprint
from backend.store import matching_model
from backend.services.sentences import TextAllowance
from backend.store.sealing import Sealer

log = logging.getLogger("backend")

# Needs of one listing whose sentence vectors (~20 ms each) are computed in the request when neither stored nor
# cached (the worker stores them; services.sentences): the others are ranked by their words this time.
LISTING_VECTORS = 32


class OfferMatcher:
    """The offers' index, brought up to date from the database before each query: a read of two counters when
    nothing changed, the changed offers otherwise. `model_file`: where the trained model is kept
    (backend/store/matching_model.py; None: nowhere, train in memory only).

    Sentence vectors are computed before the lock is taken, never under it: the index is told not to compute any
    in a query (compute_in_queries False), and uses those computed beforehand."""

    def __init__(self, model_file: Path | None = None, allowance: TextAllowance | None = None) -> None:
        self._lock = threading.Lock()
        self.allowance = allowance  # of new texts searches may have the encoder read (None: no limit)
        self.index = MatchIndex({}, compute_in_queries=False)
        self.offers_version = 0
        self.areas_version = -1
        self.model_file = model_file
        self.trained_on: tuple[int, ...] | None = None  # (offers version, *outcomes_fingerprint)
        self.report = None
        self.loaded = False  # the last training was read from model_file, not relearned
        self.warmed = threading.Event()  # set once the start-up warm-up (warm_up) has finished, well or not

    def train(self, s: Session, force: bool = False) -> None:
        """Brings the meaning space and the weights up to date with the offers and the decided matches: nothing when
        they did not change since the last training, the stored model when it was trained on exactly them (unless
        `force`), else relearned (and stored)."""
        self.refresh(s)
        # a model learned without the encoder is not the one to use with it (and the other way round)
        mark = (self.offers_version, *outcomes_fingerprint(s), int(encoder() is not None))
        if mark == self.trained_on and not force:
            return
        if not force and self.model_file is not None:
            stored = matching_model.load(self.model_file)
            if stored is not None and stored.mark == mark:
                with self._lock:
                    self.index.restore(stored.meaning, stored.weights)
                    self.report, self.trained_on, self.loaded = stored.report, mark, True
                log.info("matching model loaded from %s: %s", self.model_file, stored.report)
                return
        outcomes = match_outcomes(s)
        enc = encoder()
        if enc is not None:  # the sentence vectors learning needs, computed before the lock (seconds, then cached)
            with self._lock:
                wanted = self.index.sentence_texts(outcomes)
            for kind in {k for k, _ in wanted}:
                enc.embed([t for k, t in wanted if k == kind], kind)
        with self._lock:
            self.report = self.index.train(outcomes)
            self.trained_on, self.loaded = mark, False
            meaning, weights = self.index.meaning, self.index.scorer.weights
        log.info("matching trained: %s", self.report)
        if self.model_file is not None:
            try:
                matching_model.save(self.model_file, mark, meaning, weights, self.report)
            except OSError as exc:  # the model still serves from memory; the next start trains again
                log.warning("matching model not stored in %s: %s", self.model_file, exc)

    def refresh(self, s: Session) -> None:
        offers_v, areas_v = version(s, "offers"), version(s, "areas")
        if offers_v == self.offers_version and areas_v == self.areas_version:
            return
        # Read and analysed before the lock (the analyser caches each text's words): a query never waits behind
        # the database or the analyser for offers another thread is adding.
        changed = []
        if offers_v > self.offers_version:
            for offer, rel in offers_changed_since(s, self.offers_version):
                doc = offer_doc(offer, rel) if offer.status == "active" else None
                if doc is not None:
                    words(doc.text)
                changed.append((offer.id, doc))
        areas = area_map(s) if areas_v != self.areas_version else None
        with self._lock:
            if areas is not None and areas_v != self.areas_version:
                self.index.scorer = Scorer(areas, self.index.scorer.weights)
                self.areas_version = areas_v
            if offers_v > self.offers_version:  # another thread may have applied these, or newer ones, meanwhile
                for offer_id, doc in changed:
                    if doc is not None:
                        self.index.upsert(doc)
                    else:
                        self.index.remove(offer_id)
                self.offers_version = offers_v

    def _vectors_first(self, texts: list[str], budget: int, keep: bool = True) -> None:
        """Computes, before the lock, the sentence vectors the next query will use: the labels' texts if it will
        learn the meaning space (an index never trained), and up to `budget` of the needs' texts not cached yet
        (`keep` False: a search's, cached apart: Encoder.embed)."""
        enc = encoder()
        if enc is None:
            return
        with self._lock:
            due = self.index.relearn_due()
            wanted = self.index.sentence_texts() if due else []
            meaning = self.index.meaning
        for kind in {k for k, _ in wanted}:
            enc.embed([t for k, t in wanted if k == kind], kind)
        if due or (meaning is not None and meaning.centroids is not None):
            known = enc.cached(texts, QUERY)
            enc.embed([t for t in dict.fromkeys(texts) if t not in known][:budget], QUERY, keep)

    def rank(self, s: Session, need: NeedQuery, k: int, spender: str | None = None) -> list[Ranked]:
        """The best k offers for the need. `spender`: the actor a new text is counted against (a search: free
        text), within the allowance; past it, the text is ranked by its words alone this time."""
        self.refresh(s)
        if spender is None:
            self._vectors_first([need.text], 1)
        else:
            self._vectors_first([need.text], self._allowed(spender, need.text), keep=False)
        with self._lock:
            return self.index.rank(need, k)

    def _allowed(self, spender: str, text: str) -> int:
        """How many new texts `spender` may have read now for this one: 1, or 0 past the allowance (a text already
        read costs nothing and counts nothing)."""
        enc = encoder()
        if self.allowance is None or enc is None or enc.cached([text], QUERY):
            return 1
        return int(self.allowance.take(spender))

    def explain(self, s: Session, need: NeedQuery, offer_id: int) -> Ranked | None:
        self.refresh(s)
        self._vectors_first([need.text], 1)
        with self._lock:
            return self.index.explain(need, offer_id)

    def rank_needs(self, s: Session, offer_id: int, needs: list[tuple[int, NeedQuery]], k: int) -> list[RankedNeed]:
        """The needs that fit the offer, best first (the needs' terms computed before taking the lock)."""
        docs = [need_doc(need_id, query) for need_id, query in needs]
        self.refresh(s)
        self._vectors_first([q.text for _, q in needs], LISTING_VECTORS)
        with self._lock:
            return self.index.rank_needs(offer_id, docs, k)


def search_allowance(settings: Settings) -> TextAllowance:
    return TextAllowance(settings.search_texts_per_actor_per_minute, settings.search_texts_per_minute)


def start(app: FastAPI, settings: Settings) -> None:
    """At startup: the index (filled on first use) and the sealer (a dev key only on a local chain)."""
    chain = app.state.chain
    local = chain is not None and local_chain(settings, chain.chain_id)
    app.state.matcher = OfferMatcher(matching_model.model_file(settings.matching_model_dir, settings.database_url),
                                     search_allowance(settings))
    app.state.sealer = Sealer.from_settings(settings.reports_key, settings.reports_old_keys, local)
    # Warmed beside start-up, so the first query does not load every offer (about a second for 10,000).
    threading.Thread(target=warm_up, args=(app.state.matcher, app.state.sessions), name="matching-index",
                     daemon=True).start()


def warm_up(m: OfferMatcher, sessions) -> None:
    """Fills the index and trains it (the analysers are loaded before: create_app); `m.warmed` is set at the end,
    whatever happened (/health shows it: `matching`)."""
    try:
        with sessions() as s:
            m.train(s)  # refresh, then learn from the offers and the past matches if they changed
    except Exception as exc:  # the first query tries again
        log.warning("matching index not warmed: %s", exc)
    finally:
        m.warmed.set()


def matcher(request: Request) -> OfferMatcher:
    m = getattr(request.app.state, "matcher", None)
    if m is None:
        settings = getattr(request.app.state, "settings", None)
        m = request.app.state.matcher = OfferMatcher(allowance=None if settings is None else search_allowance(settings))
        m.warmed.set()  # no warm-up pending: it loads what it needs on its first query
    return m


def sealer(request: Request) -> Sealer:
    s = getattr(request.app.state, "sealer", None)
    if s is None:
        raise Refusal(503, "reports_unavailable")
    return s
