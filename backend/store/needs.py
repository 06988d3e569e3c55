"""Needs: their text for the matcher, and closing one (its open matches cancelled)."""

from __future__ import annotations


from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain.errors import Refusal
from backend.store.models import Match, Need


def need_text(n: Need) -> str:
    return " ".join(filter(None, (n.title, n.description)))



def close_need(s: Session, need: Need, actor_name: str, reason: str) -> Need:
    if need.status not in ("open", "filled"):
        raise Refusal(409, "need_not_open", need_id=need.id, status=need.status)
    need.status, need.closed_reason = "closed", f"{actor_name}: {reason}"
    for m in s.scalars(select(Match).where(Match.need_id == need.id, Match.status.in_(("proposed", "scheduled")))):
        m.status, m.reason = "cancelled", f"the need was closed: {reason}"
    return need
