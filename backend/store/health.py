"""What /health reads from the database: the worker's heartbeat, the indexer's cursor, the queues."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from backend.store.models import ChainOp, ChainTx, KeyValue, OutboxItem
from backend.store.ops import LIVE


def worker_state(s: Session) -> tuple[KeyValue | None, KeyValue | None, KeyValue | None, datetime | None, int, int]:
    """(heartbeat, indexer cursor, when the indexer last reached the head, oldest queued activity's time, activities
    queued or in a transaction, chain operations queued or in a transaction)."""
    beat = s.get(KeyValue, "worker.heartbeat")
    cursor = s.get(KeyValue, "indexer.next_block")
    synced = s.get(KeyValue, "indexer.synced_at")
    oldest = s.scalar(select(func.min(OutboxItem.created_at)).where(OutboxItem.state == "queued"))
    queued = s.scalar(select(func.count()).select_from(OutboxItem).where(OutboxItem.state.in_(LIVE)))
    operations = s.scalar(select(func.count()).select_from(ChainOp).where(ChainOp.state.in_(LIVE)))
    return beat, cursor, synced, oldest, queued, operations


def stuck_transactions(s: Session, stuck_after_s: float, ceiling: int | None) -> list[dict]:
    """Per sending key (its public address), the transactions signed more than `stuck_after_s` ago and not mined:
    how many, the oldest's age, and how many can no longer be bumped under the fee ceiling (`ceiling`, wei per gas;
    their latest attempt + 10 % would pass it)."""
    since = datetime.now(UTC) - timedelta(seconds=stuck_after_s)
    rows = s.scalars(select(ChainTx).where(ChainTx.status.in_(("signed", "broadcast")), ChainTx.created_at < since)
                     .options(selectinload(ChainTx.attempts)))
    per_key: dict[str, dict] = {}
    now = datetime.now(UTC)
    for tx in rows:
        entry = per_key.setdefault(tx.sender, {"sender": tx.sender, "count": 0, "oldest_s": 0.0, "at_fee_ceiling": 0})
        entry["count"] += 1
        entry["oldest_s"] = max(entry["oldest_s"], round((now - tx.created_at).total_seconds(), 1))
        if ceiling is not None and tx.attempts and int(tx.attempts[-1].max_fee) * 11 > ceiling * 10:
            entry["at_fee_ceiling"] += 1
    return sorted(per_key.values(), key=lambda e: e["sender"])
