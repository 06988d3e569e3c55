"""Community proposals: any resident proposes a local problem or a meeting; others support it (once each) and
comment; a coordinator turns it into a volunteer project of their centre with needs that the matching fills, and
marks it done, or closes it with a reason. Proposals are public to read; authors are not named."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.chain.client import ChainClient
from backend.config import Settings
from backend.domain.access import check_centre
from backend.domain.errors import Refusal
from backend.services import needs, posting
from backend.services.actors import Actor, ResidentPrincipal, is_resident
from backend.store import areas as area_rows
from backend.store import needs as need_rows
from backend.store import proposals as proposal_rows
from backend.store.models import Centre, Match, Need, Proposal, ProposalComment, ProposalSupport
from backend.store.db import write_transaction
from backend.store.rows import get_or_refuse


def get(db: Session, proposal_id: int, for_update: bool = False) -> Proposal:
    return get_or_refuse(db, Proposal, proposal_id, "proposal", for_update=for_update)


def supported_by(db: Session, proposal_id: int, actor: Actor | None) -> bool:
    return is_resident(actor) and db.scalar(select(ProposalSupport.id).where(
        ProposalSupport.proposal_id == proposal_id, ProposalSupport.resident_id == actor.resident_id)) is not None


def create(db: Session, settings: Settings, resident: ResidentPrincipal, *, kind: str, title: str, body: str,
           area: str) -> Proposal:
    """A resident proposes a local problem to solve or a meeting (e.g. an alley meeting) in their area, within their
    posting limits (services.posting)."""
    with write_transaction(db):
        posting.check(db, settings, "proposal", resident.resident_id)
        area_rows.area_or_refuse(db, area)
        p = Proposal(author_id=resident.resident_id, kind=kind, title=title, body=body, area=area, status="open",
                     supporters=0)
        db.add(p)
        db.flush()
        return p


def listing(db: Session, *, area: str | None, status: str | None, text: str | None, order: str,
            limit: int) -> list[Proposal]:
    """Proposals of an area or status, matching `text` (each word as a substring), newest first or by support."""
    query = select(Proposal).limit(limit)
    query = query.order_by(Proposal.supporters.desc(), Proposal.id.desc()) if order == "support" else \
        query.order_by(Proposal.id.desc())
    if area:
        query = query.where(Proposal.area == area)
    if status:
        query = query.where(Proposal.status == status)
    for word in (text or "").split():
        like = f"%{word}%"
        query = query.where(or_(Proposal.title.ilike(like), Proposal.body.ilike(like)))
    return list(db.scalars(query))


def comments(db: Session, proposal_id: int) -> list[ProposalComment]:
    return list(db.scalars(select(ProposalComment).where(ProposalComment.proposal_id == proposal_id)
                           .order_by(ProposalComment.id)))


def support(db: Session, resident: ResidentPrincipal, proposal_id: int) -> Proposal:
    """Once per resident, not one's own."""
    with write_transaction(db):
        return proposal_rows.support(db, get(db, proposal_id, for_update=True), resident.resident_id)


def comment(db: Session, settings: Settings, actor: Actor, proposal_id: int, text: str) -> ProposalComment:
    """Residents are shown as "resident" (or "resident (author)"), staff by role and centre; a resident comments
    within their posting limits (services.posting)."""
    with write_transaction(db):
        p = get(db, proposal_id)
        if p.status == "closed":
            raise Refusal(409, "proposal_not_open", proposal_id=proposal_id, status=p.status)
        if is_resident(actor):
            posting.check(db, settings, "comment", actor.resident_id)
            author = "resident (author)" if p.author_id == actor.resident_id else "resident"
            c = ProposalComment(proposal_id=p.id, resident_id=actor.resident_id, author=author, body=text)
        else:
            author = actor.role.replace("_", " ") + (f" of centre {actor.centre_id}" if actor.centre_id else "")
            c = ProposalComment(proposal_id=p.id, staff_user_id=actor.user_id, author=author, body=text)
        db.add(c)
        db.flush()
        return c


def make_project(db: Session, chain: ChainClient, actor, proposal_id: int, centre_id: int, items: list) -> Proposal:
    """A coordinator adopts an open proposal as a volunteer project of their centre, with its needs (open to the
    matching at once, settled as volunteer activity of that centre)."""
    check_centre(actor, centre_id)
    longest = needs.longest_need(chain)
    with write_transaction(db):
        p = get(db, proposal_id, for_update=True)
        if p.status != "open":
            raise Refusal(409, "proposal_not_open", proposal_id=proposal_id, status=p.status)
        if db.get(Centre, centre_id) is None:
            raise Refusal(422, "unknown_centre", centre_id=centre_id)
        for item in items:
            needs.new_need(db, longest, title=item.title, description=item.description, area=item.area or p.area,
                           starts_at=item.starts_at, ends_at=item.ends_at, people_needed=item.people_needed,
                           settlement="volunteer_activity", centre_id=centre_id, created_by=actor.name,
                           proposal_id=p.id)
        p.status, p.centre_id, p.decided_by = "project", centre_id, actor.name
        return p


def decide(db: Session, actor, proposal_id: int, allowed_from: str, new_status: str, reason: str | None) -> Proposal:
    """A project done (its open needs closed; a need whose match waits for confirmation holds it), or an open
    proposal closed with the reason shown to everyone."""
    with write_transaction(db):
        p = get(db, proposal_id, for_update=True)
        if p.status != allowed_from:
            raise Refusal(409, "proposal_not_open", proposal_id=proposal_id, status=p.status)
        if p.centre_id is not None:
            check_centre(actor, p.centre_id)
        if new_status == "done":
            for n in db.scalars(select(Need).where(Need.proposal_id == p.id, Need.status.in_(("open", "filled")))):
                if db.scalar(select(Match.id).where(Match.need_id == n.id, Match.status == "scheduled")):
                    raise Refusal(409, "match_pending", need_id=n.id)
                need_rows.close_need(db, n, actor.name, "the project is done")
        p.status, p.decided_by = new_status, actor.name
        if reason:
            p.decision_reason = reason
        return p
