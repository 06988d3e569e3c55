"""Sentence vectors of what the matcher ranks as needs (open needs, current 1365 programmes), kept with their rows;
and the allowance of new texts a search may have the encoder read.

A vector costs about 20 ms of one CPU (domain.sentences): a volunteer's list of the needs that fit their talent
reads up to 5,000 needs, which must not wait for 5,000 of them. So the worker computes the missing ones in the
background (`fill_until`), a few dozen at a time, and the listings put the stored ones into the encoder's cache
before ranking (`seed`); a need not filled yet (posted seconds ago) is computed when ranked, once per process.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from backend.domain.matching import KST
from backend.domain.sentences import QUERY, encoder, pack, unpack
from backend.store.db import transaction
from backend.store.models import Need, PortalProgramme
from backend.store.needs import need_text

log = logging.getLogger("backend")

FILL_BATCH = 32  # vectors computed per round (about 0.7 s of one CPU)
FILL_EVERY_S = 5.0  # seconds between rounds when nothing is missing


def programme_text(p: PortalProgramme) -> str:
    """The text a 1365 programme is matched by: its title, description, organiser and place."""
    return " ".join(t for t in (p.title, p.description, p.organisation, p.place) if t)


def seed(rows: Iterable[tuple[bytes | None, str]]) -> None:
    """Puts the stored vectors ((stored bytes, text) of each row) into the encoder's cache."""
    enc = encoder()
    if enc is None:
        return
    for data, text in rows:
        vector = unpack(data)
        if vector is not None:
            enc.remember(text, vector, QUERY)


def fill_missing(sessions: sessionmaker[Session], limit: int = FILL_BATCH) -> int:
    """Computes and stores the vectors of up to `limit` open needs yet to start and current programmes that have
    none (soonest first: what the listings read); returns how many were stored. A row changed meanwhile (a need
    closed or its resident forgotten, a programme imported again) is left alone: its vector is not written."""
    enc = encoder()
    if enc is None:
        return 0
    with sessions() as s:
        needs = [(n.id, need_text(n)) for n in s.scalars(
            select(Need).where(Need.status == "open", Need.starts_at > datetime.now(UTC), Need.sentence.is_(None))
            .order_by(Need.starts_at, Need.id).limit(limit))]
        programmes = [(p.id, p.digest, programme_text(p)) for p in s.scalars(
            select(PortalProgramme).where(PortalProgramme.ends_on >= datetime.now(KST).date(),
                                          PortalProgramme.sentence.is_(None))
            .order_by(PortalProgramme.starts_on, PortalProgramme.id).limit(max(0, limit - len(needs))))]
    if not needs and not programmes:
        return 0
    vectors = enc.embed([t for _, t in needs] + [t for _, _, t in programmes], QUERY)
    stored = 0
    with transaction(sessions) as s:
        for (need_id, _), v in zip(needs, vectors):
            stored += s.execute(update(Need).where(Need.id == need_id, Need.status == "open",
                                                   Need.sentence.is_(None)).values(sentence=pack(v))).rowcount
        for (programme_id, digest, _), v in zip(programmes, vectors[len(needs):]):
            stored += s.execute(update(PortalProgramme).where(
                PortalProgramme.id == programme_id, PortalProgramme.digest == digest,
                PortalProgramme.sentence.is_(None)).values(sentence=pack(v))).rowcount
    return stored


def fill_until(sessions: sessionmaker[Session], stop: threading.Event, every_s: float = FILL_EVERY_S) -> None:
    """The worker's thread: fill_missing, again at once while rows were missing, every `every_s` s otherwise."""
    if encoder() is None:
        return
    while not stop.is_set():
        try:
            if fill_missing(sessions):
                continue
        except Exception as exc:  # the database away for a while: next round
            log.warning("computing sentence vectors: %s", exc)
        stop.wait(every_s)


class TextAllowance:
    """How many new texts searches may have the encoder read (about 20 ms of CPU each): at most `per_actor` for one
    actor and `overall` for all, in any `window_s` seconds, in this process. A search past either is still answered,
    ranked by its words alone that time, so one actor (or many wallets) sending ever new texts costs the others no
    CPU beyond the allowance. A text already read (cached) is not counted."""

    def __init__(self, per_actor: int, overall: int, window_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_actor, self.overall, self.window_s, self._clock = per_actor, overall, window_s, clock
        self._lock = threading.Lock()
        self._all: deque[float] = deque()
        self._by_actor: dict[str, deque[float]] = {}

    def take(self, actor: str) -> bool:
        """True, and counted, when `actor` may have one more new text read now."""
        now = self._clock()
        since = now - self.window_s
        with self._lock:
            while self._all and self._all[0] <= since:
                self._all.popleft()
            mine = self._by_actor.get(actor)
            while mine and mine[0] <= since:
                mine.popleft()
            if len(self._all) >= self.overall or (len(mine) if mine else 0) >= self.per_actor:
                return False
            if mine is None:
                # actors with nothing left in the window are forgotten first: at most `overall` have anything in it
                if len(self._by_actor) >= self.overall:
                    self._by_actor = {a: q for a, q in self._by_actor.items() if q and q[-1] > since}
                mine = self._by_actor[actor] = deque()
            mine.append(now)
            self._all.append(now)
            return True
