"""Stored answers of Idempotency-Keys expire: the worker deletes those older than VB_IDEMPOTENCY_TTL_S, a batch at a
time; a key sent again within that time still gets the first answer, after it the request is a new one. On the real
app and database (SQLite, or PostgreSQL with VB_TEST_DATABASE_URL)."""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime, timedelta

from conftest import activity_body, new_resident
from sqlalchemy import func, select, update

from backend.services.idempotency import forget_expired, forget_expired_until
from backend.store.db import transaction
from backend.store.models import IdempotencyRecord


def post_once(backend, headers, key: str, body: dict):
    return backend.http.post("/activities", json=body, headers={**headers, "Idempotency-Key": key})


def stored(backend, key: str) -> int:
    with backend.sessions() as s:
        return s.scalar(select(func.count()).select_from(IdempotencyRecord).where(IdempotencyRecord.key == key))


def age(backend, key: str, seconds: float) -> None:
    """Makes the stored answer of `key` `seconds` old."""
    with transaction(backend.sessions) as s:
        s.execute(update(IdempotencyRecord).where(IdempotencyRecord.key == key)
                  .values(created_at=datetime.now(UTC) - timedelta(seconds=seconds)))


def test_an_answer_older_than_the_ttl_is_forgotten(backend, coord1):
    key, ttl = f"old-{secrets.token_hex(6)}", backend.settings.idempotency_ttl_s
    assert post_once(backend, coord1, key, activity_body(new_resident(backend), source="self_report")).status_code == 201
    age(backend, key, ttl + 60)
    assert forget_expired(backend.sessions, ttl) >= 1
    assert stored(backend, key) == 0


def test_a_key_sent_again_after_the_ttl_is_a_new_request(backend, coord1):
    key, ttl = f"late-{secrets.token_hex(6)}", backend.settings.idempotency_ttl_s
    body = activity_body(new_resident(backend), source="self_report")
    first = post_once(backend, coord1, key, body)
    age(backend, key, ttl + 60)
    forget_expired(backend.sessions, ttl)
    again = post_once(backend, coord1, key, body)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert again.json()["id"] != first.json()["id"]  # done twice: why a client must not retry that late


def test_an_answer_within_the_ttl_is_kept_and_replayed(backend, coord1):
    key, ttl = f"fresh-{secrets.token_hex(6)}", backend.settings.idempotency_ttl_s
    body = activity_body(new_resident(backend), source="self_report")
    first = post_once(backend, coord1, key, body)
    age(backend, key, ttl - 60)
    forget_expired(backend.sessions, ttl)
    assert stored(backend, key) == 1
    again = post_once(backend, coord1, key, body)
    assert again.json() == first.json() and again.headers.get("Idempotent-Replayed") == "true"


def test_expired_answers_are_deleted_a_batch_at_a_time(backend):
    ttl, tag = backend.settings.idempotency_ttl_s, secrets.token_hex(4)
    old = datetime.now(UTC) - timedelta(seconds=ttl + 60)
    with transaction(backend.sessions) as s:
        for i in range(7):
            s.add(IdempotencyRecord(principal=f"jwt:{tag}", key=f"k{i}", request_sha256="0" * 64, status_code=200,
                                    response={}, created_at=old))
        s.add(IdempotencyRecord(principal=f"jwt:{tag}", key="new", request_sha256="0" * 64, status_code=200,
                                response={}))
    assert forget_expired(backend.sessions, ttl, batch=3) >= 7
    with backend.sessions() as s:
        left = s.scalars(select(IdempotencyRecord.key).where(IdempotencyRecord.principal == f"jwt:{tag}")).all()
    assert left == ["new"]


def test_the_workers_thread_forgets_expired_answers(backend, coord1):
    key, ttl = f"worker-{secrets.token_hex(6)}", backend.settings.idempotency_ttl_s
    assert post_once(backend, coord1, key, activity_body(new_resident(backend), source="self_report")).status_code == 201
    age(backend, key, ttl + 60)
    stop = threading.Event()
    thread = threading.Thread(target=forget_expired_until, args=(backend.sessions, ttl, stop, 0.05), daemon=True)
    thread.start()
    try:
        for _ in range(100):
            if stored(backend, key) == 0:
                break
            stop.wait(0.05)
        assert stored(backend, key) == 0
    finally:
        stop.set()
        thread.join(5)
