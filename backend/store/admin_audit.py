"""The city's audit log: its rows with the operation that carries each change, filtered and paged newest first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.store.models import AdminAudit, ChainOp


def rows(s: Session, *, actor: str | None, action: str | None, since: datetime | None, until: datetime | None,
         centre_id: int | None, after_id: int | None, limit: int) -> list[tuple[AdminAudit, ChainOp | None]]:
    """Newest first; `after_id` is the last id of the page before (the page holds smaller ids)."""
    q = select(AdminAudit, ChainOp).join(ChainOp, AdminAudit.chain_op_id == ChainOp.id, isouter=True)
    if actor is not None:
        q = q.where(AdminAudit.actor == actor)
    if action is not None:
        q = q.where(AdminAudit.action == action)
    if since is not None:
        q = q.where(AdminAudit.at >= since)
    if until is not None:
        q = q.where(AdminAudit.at < until)
    if centre_id is not None:
        q = q.where(AdminAudit.centre_id == centre_id)
    if after_id is not None:
        q = q.where(AdminAudit.id < after_id)
    return list(s.execute(q.order_by(AdminAudit.id.desc()).limit(limit)).all())


def actor_known(s: Session, actor: str) -> bool:
    return s.scalar(select(AdminAudit.id).where(AdminAudit.actor == actor).limit(1)) is not None
