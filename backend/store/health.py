"""What /health reads from the database: the worker's heartbeat, the indexer's cursor, the queues."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.store.models import ChainOp, KeyValue, OutboxItem
from backend.store.ops import LIVE


def worker_state(s: Session) -> tuple[KeyValue | None, KeyValue | None, datetime | None, int, int]:
    """(heartbeat, indexer cursor, oldest queued activity's time, activities queued or in a transaction, chain
    operations queued or in a transaction)."""
    beat = s.get(KeyValue, "worker.heartbeat")
    cursor = s.get(KeyValue, "indexer.next_block")
    oldest = s.scalar(select(func.min(OutboxItem.created_at)).where(OutboxItem.state == "queued"))
    queued = s.scalar(select(func.count()).select_from(OutboxItem).where(OutboxItem.state.in_(LIVE)))
    operations = s.scalar(select(func.count()).select_from(ChainOp).where(ChainOp.state.in_(LIVE)))
    return beat, cursor, oldest, queued, operations
