"""The indexed events open statistics are computed from, read consistently up to the last indexed block."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain.statistics import EVENT_NAMES, ChainLog
from backend.store.models import ChainEvent, IndexedBlock


class NotIndexedYet(RuntimeError):
    """The indexer has not indexed any block yet."""


def indexed_head(s: Session) -> tuple[int, str] | None:
    """(number, hash) of the last block the indexer finished, or None."""
    q = select(IndexedBlock.number, IndexedBlock.hash).order_by(IndexedBlock.number.desc()).limit(1)
    row = s.execute(q).first()
    return (int(row[0]), row[1]) if row else None


@contextmanager
def statistics_events(s: Session, after: tuple[int, str] | None = None
                      ) -> Iterator[tuple[int, str, Iterator[ChainLog], bool]]:
    """(last indexed block, its hash, the events statistics read up to it in chain order, whether they are only
    those after `after`), streamed while the block is open.

    With `after` = (block, hash) of an earlier answer whose block is still indexed with that hash (no
    reorganisation reached it), only the events after it are read; otherwise all of them. The whole read is one
    database snapshot, so an indexer committing or rolling back meanwhile cannot make the block and the events
    disagree (SQLite in WAL mode reads one snapshot per transaction; PostgreSQL needs REPEATABLE READ for that)."""
    s.rollback()
    if s.get_bind().dialect.name == "postgresql":
        s.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    try:
        head = indexed_head(s)
        if head is None:
            raise NotIndexedYet("the indexer has not indexed any block yet")
        since = -1
        if after is not None and after[0] <= head[0]:
            row = s.get(IndexedBlock, after[0])
            if row is not None and row.hash == after[1]:
                since = after[0]
        q = (select(ChainEvent.block_number, ChainEvent.log_index, ChainEvent.block_time, ChainEvent.contract,
                    ChainEvent.event, ChainEvent.args)
             .where(ChainEvent.event.in_(sorted(EVENT_NAMES)), ChainEvent.block_number > since,
                    ChainEvent.block_number <= head[0])
             .order_by(ChainEvent.block_number, ChainEvent.log_index)
             .execution_options(yield_per=5_000))
        events = (ChainLog(int(n), int(i), None if t is None else int(t), c, e, a) for n, i, t, c, e, a in s.execute(q))
        yield head[0], head[1], events, since >= 0
    finally:
        s.rollback()
