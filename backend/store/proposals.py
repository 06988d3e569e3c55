"""Proposals: support, once per resident."""

from __future__ import annotations


from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.domain.errors import Refusal
from backend.store.models import Proposal, ProposalSupport


def support(s: Session, p: Proposal, resident_id: int) -> Proposal:
    if p.author_id == resident_id:
        raise Refusal(409, "own_proposal", proposal_id=p.id)
    if p.status not in ("open", "project"):
        raise Refusal(409, "proposal_not_open", proposal_id=p.id, status=p.status)
    if s.scalar(select(ProposalSupport).where(ProposalSupport.proposal_id == p.id,
                                              ProposalSupport.resident_id == resident_id)):
        raise Refusal(409, "already_supported", proposal_id=p.id)
    s.add(ProposalSupport(proposal_id=p.id, resident_id=resident_id))
    try:
        with s.begin_nested():
            s.flush()
    except IntegrityError:  # a concurrent double click: the unique constraint decided
        raise Refusal(409, "already_supported", proposal_id=p.id) from None
    p.supporters = s.scalar(select(func.count()).where(ProposalSupport.proposal_id == p.id)) or 0
    return p
