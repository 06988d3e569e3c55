"""What a resident posted to the community (talents, needs, proposals, comments, neighbour reports): read from the
tables the posts are in, by resident and time, for the posting limits (services.posting)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.store.models import NeighbourReport, Need, Proposal, ProposalComment, Resident, TalentOffer

# kind: (the resident's column, the time it was posted, what counts as still open — None: a post is never open)
POSTS = {
    "talent": (TalentOffer.resident_id, TalentOffer.created_at, TalentOffer.status == "active"),
    "need": (Need.resident_id, Need.created_at, Need.status == "open"),
    "proposal": (Proposal.author_id, Proposal.created_at, Proposal.status == "open"),
    "comment": (ProposalComment.resident_id, ProposalComment.at, None),
    "report": (NeighbourReport.reporter_id, NeighbourReport.created_at,
               NeighbourReport.status.in_(("new", "in_review"))),
}


def lock_resident(s: Session, resident_id: int) -> None:
    """Holds the resident's row until the transaction ends (PostgreSQL; SQLite's write lock covers it), so that two
    posts of one resident at once are counted one after the other."""
    s.execute(select(Resident.id).where(Resident.id == resident_id).with_for_update())


def posted_since(s: Session, kind: str, resident_id: int, since: datetime) -> list[datetime]:
    """When the resident posted each `kind` at or after `since`, oldest first."""
    who, at, _ = POSTS[kind]
    return list(s.scalars(select(at).where(who == resident_id, at >= since).order_by(at)))


def open_count(s: Session, kind: str, resident_id: int) -> int:
    """How many of the resident's `kind` are still open (0 for a kind that is never open)."""
    who, _, is_open = POSTS[kind]
    if is_open is None:
        return 0
    return s.scalar(select(func.count()).where(who == resident_id, is_open))
