"""The unit of work behind Idempotency-Key: the writes of a service and the key's record commit together or not at
all, and a replayed key does the work once. On the real database (SQLite, or PostgreSQL with VB_TEST_DATABASE_URL)."""

from __future__ import annotations

import pytest
from conftest import database_url
from sqlalchemy import func, select

from backend.domain.errors import Refusal
from backend.services.idempotency import Once
from backend.store.db import make_engine, make_session_factory, migrate, unit_of_work, write_transaction
from backend.store.models import IdempotencyRecord, KeyValue


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    url = database_url(tmp_path_factory.mktemp("unit"))
    migrate(url)
    engine = make_engine(url)
    yield make_session_factory(engine)
    engine.dispose()


def rows(sessions, model, *where) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def write(db, key: str) -> dict:
    """A service step: a read, then two writes in two write_transaction blocks."""
    db.scalar(select(func.count()).select_from(KeyValue))
    with write_transaction(db):
        db.add(KeyValue(key=key + ".a", value="1"))
    with write_transaction(db):
        db.add(KeyValue(key=key + ".b", value="2"))
    return {"done": key}


def test_the_writes_of_a_unit_commit_together(sessions):
    with sessions() as db, unit_of_work(db):
        write(db, "together")
    assert rows(sessions, KeyValue, KeyValue.key.like("together.%")) == 2


def test_a_refusal_after_a_write_leaves_nothing(sessions):
    with sessions() as db, pytest.raises(Refusal), unit_of_work(db):
        write(db, "refused")
        raise Refusal(409, "conflict", "the request collided with another; retry it")
    assert rows(sessions, KeyValue, KeyValue.key.like("refused.%")) == 0


def test_a_key_does_its_work_once_and_replays_its_answer(sessions):
    once = Once("jwt:1", "key-1", "fingerprint-1")
    with sessions() as db:
        first = once.run(db, lambda: write(db, "keyed"), 201)
    with sessions() as db:
        again = once.run(db, lambda: write(db, "keyed-again"), 201)
    assert first.body == again.body == {"done": "keyed"} and again.replayed and not first.replayed
    assert rows(sessions, KeyValue, KeyValue.key.like("keyed%")) == 2  # the second did not run
    assert rows(sessions, IdempotencyRecord, IdempotencyRecord.key == "key-1") == 1


def test_a_key_with_another_request_is_refused_and_changes_nothing(sessions):
    Once("jwt:1", "key-2", "fingerprint-a").run(sessions(), lambda: {"done": 1})
    with sessions() as db, pytest.raises(Refusal) as refused:
        Once("jwt:1", "key-2", "fingerprint-b").run(db, lambda: write(db, "other"))
    assert refused.value.code == "idempotency_key_reused" and rows(sessions, KeyValue, KeyValue.key.like("other.%")) == 0


def test_a_failed_work_stores_no_key(sessions):
    def work():
        write(sessions_db, "failed")
        raise Refusal(422, "zero_amount", "pay more than 0")

    with sessions() as sessions_db, pytest.raises(Refusal):
        Once("jwt:1", "key-3", "f").run(sessions_db, work)
    assert rows(sessions, IdempotencyRecord, IdempotencyRecord.key == "key-3") == 0
    assert rows(sessions, KeyValue, KeyValue.key.like("failed.%")) == 0
