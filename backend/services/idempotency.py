"""Idempotency-Key: the same key with the same request returns the first answer; another request is refused (409).

The key's record is written in the same database transaction as the effect (a unit of work), so a key can never
stand for two effects, even when duplicates race: the unique (principal, key) constraint decides.

Records are kept VB_IDEMPOTENCY_TTL_S (a day by default), then deleted by the worker (forget_expired, a batch at a
time): a key sent again within that time gets the first answer; after it the key is unknown and the request is a new
one, carried out again. A client must not retry with the same key longer than that (docs/backend.md)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from backend.domain.errors import Refusal
from backend.services.security import derived_key
from backend.store.db import unit_of_work, write_transaction
from backend.store.idempotency import find_stored, forget_older_than, store_answer
from backend.store.models import IdempotencyRecord

MAX_KEY_LENGTH = 200
FORGET_BATCH = 500  # records deleted per transaction (a short write lock each)
FORGET_EVERY_S = 300.0  # how often the worker looks for expired records

log = logging.getLogger("backend.idempotency")


@dataclass(frozen=True)
class Answer:
    """What a request is answered with: a JSON body and its status; `replayed` when it is a stored first answer."""

    body: object
    status_code: int = 200
    replayed: bool = False
    headers: dict = field(default_factory=dict)


FINGERPRINT_LABEL = b"vb:idempotency-fingerprint"


def fingerprint_key(jwt_secret: str) -> bytes:
    """The key request fingerprints are made with: derived from VB_JWT_SECRET (the same in every API process, so a
    replay sent to another process still matches) under a label of its own."""
    return derived_key(jwt_secret, FINGERPRINT_LABEL)


def request_fingerprint(key: bytes, method: str, path: str, body: dict | None) -> str:
    """What an Idempotency-Key stands for: the method, the path and the parsed body (as JSON, keys sorted), keyed
    (HMAC-SHA256 with `fingerprint_key`). Keyed, so that the stored fingerprint of a request whose body is sealed
    (a neighbour report) cannot confirm a guess of that body to someone holding only the database."""
    payload = {"method": method, "path": path, "body": body}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def check_key(key: str | None) -> None:
    if key is not None and not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise Refusal(422, "invalid_idempotency_key", f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")


def owner_of(actor) -> str:
    """Whose keys: a key is unique per principal, so two clients may use the same one."""
    return f"{actor.via}:{actor.user_id}"


def key_reused() -> Refusal:
    return Refusal(409, "idempotency_key_reused",
                   "this Idempotency-Key was used with another request; use a new key for a new request")


def stored_answer(row: IdempotencyRecord, fingerprint: str) -> Answer | Refusal:
    """The answer to a request whose key is already stored: the first answer again, or a 409 (returned, not
    raised, for callers answering many requests at once) when the key came with another request."""
    if row.request_sha256 != fingerprint:
        return key_reused()
    return Answer(row.response, row.status_code or 200, replayed=True)


@dataclass(frozen=True)
class Once:
    """A request that may carry an Idempotency-Key: `run` does its work once per key."""

    owner: str
    key: str | None
    fingerprint: str

    def replay(self, db: Session) -> Answer | None:
        if self.key is None:
            return None
        row = find_stored(db, self.owner, self.key)
        db.rollback()  # end the read, so the write transaction starts fresh
        if row is None:
            return None
        answer = stored_answer(row, self.fingerprint)
        if isinstance(answer, Refusal):
            raise answer
        return answer

    def run(self, db: Session, work: Callable[[], object], status_code: int = 200) -> Answer:
        """`work` (a service call and its result as JSON values) in one unit of work with the key's record,
        or the stored answer of an earlier request with the same key."""
        check_key(self.key)
        replay = self.replay(db)
        if replay is not None:
            return replay
        try:
            with unit_of_work(db):
                body = work()
                if self.key is not None:
                    with write_transaction(db):
                        store_answer(db, self.owner, self.key, self.fingerprint, status_code, body)
        except IntegrityError:
            db.rollback()
            replay = self.replay(db)
            if replay is None:
                raise
            return replay
        return Answer(body, status_code)


def forget_expired(sessions: sessionmaker[Session], ttl_s: int, now: datetime | None = None,
                   batch: int = FORGET_BATCH) -> int:
    """Deletes the records stored more than `ttl_s` seconds before `now`, `batch` per transaction; how many."""
    before = (now or datetime.now(UTC)) - timedelta(seconds=ttl_s)
    total = 0
    while True:
        with sessions() as db, write_transaction(db):
            n = forget_older_than(db, before, batch)
        total += n
        if n < batch:
            return total


def forget_expired_until(sessions: sessionmaker[Session], ttl_s: int, stop: threading.Event,
                         every_s: float = FORGET_EVERY_S) -> None:
    """The worker's thread: forget_expired every `every_s` seconds until `stop`."""
    while not stop.is_set():
        try:
            n = forget_expired(sessions, ttl_s)
            if n:
                log.info("forgot %d stored answers older than %d s", n, ttl_s)
        except Exception as exc:  # the database away for a while: next round
            log.warning("forgetting expired stored answers: %s", exc)
        stop.wait(every_s)
