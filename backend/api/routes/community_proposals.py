"""Community proposals: any resident proposes a local problem or a meeting; others support it (once each) and
comment; a coordinator turns it into a volunteer project of their centre with needs that the matching fills, and
marks it done, or closes it with a reason. Proposals are public to read; authors are not named."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import or_, select

from backend.api.community_schemas import CommentIn, CommentOut, ProjectIn, ProposalDetail, ProposalIn, ProposalOut, ReasonIn
from backend.api.deps import DbDep, require
from backend.domain.access import check_centre
from backend.api.idempotency import IdempotencyDep
from backend.api.residents_auth import Actor, ActorDep, ResidentDep, ResidentPrincipal
from backend.api.routes.community_matching import _need_out, new_need
from backend.services.security import Principal
from backend.domain.errors import Refusal
from backend.store import community as repo
from backend.store.community_models import Match, Need, Proposal, ProposalComment, ProposalSupport
from backend.store.db import write_transaction
from backend.store.models import Centre

router = APIRouter(prefix="/proposals", tags=["community proposals"])
Coordinator = Annotated[Principal, Depends(require("admin", "coordinator"))]


def _out(db, p: Proposal, actor: Actor | None, model=ProposalOut, **extra):
    mine = isinstance(actor, ResidentPrincipal) and p.author_id == actor.resident_id
    supported = isinstance(actor, ResidentPrincipal) and db.scalar(select(ProposalSupport.id).where(
        ProposalSupport.proposal_id == p.id, ProposalSupport.resident_id == actor.resident_id)) is not None
    return model(id=p.id, kind=p.kind, title=p.title, body=p.body, area=p.area, status=p.status,
                 supporters=p.supporters, centre_id=p.centre_id, decided_by=p.decided_by,
                 decision_reason=p.decision_reason, created_at=p.created_at, mine=mine,
                 supported=supported, **extra)


def _proposal(db, proposal_id: int, for_update: bool = False) -> Proposal:
    q = select(Proposal).where(Proposal.id == proposal_id)
    p = db.scalar(q.with_for_update() if for_update else q)
    if p is None:
        raise Refusal(404, "not_found", what=f"proposal {proposal_id}")
    return p


@router.post("", response_model=ProposalOut, status_code=201)
def create_proposal(body: ProposalIn, request: Request, db: DbDep, resident: ResidentDep,
                    once: IdempotencyDep):
    """A resident proposes a local problem to solve or a meeting (e.g. an alley meeting) in their area."""

    def handler() -> ProposalOut:
        repo.area_or_refuse(db, body.area)
        p = Proposal(author_id=resident.resident_id, kind=body.kind, title=body.title, body=body.body, area=body.area,
                     status="open", supporters=0)
        db.add(p)
        db.flush()
        return _out(db, p, resident)

    return once.run(db, resident, body, handler, 201, eager=True)


@router.get("", response_model=list[ProposalOut])
def list_proposals(db: DbDep, area: str | None = None, status: str | None = None,
                   q: Annotated[str | None, Query(max_length=200)] = None, order: str = "newest",
                   limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[ProposalOut]:
    """Public: proposals of an area or status, matching `q` (each word, Korean or English, as a substring),
    newest first or `order=support`."""
    query = select(Proposal).limit(limit)
    query = query.order_by(Proposal.supporters.desc(), Proposal.id.desc()) if order == "support" else \
        query.order_by(Proposal.id.desc())
    if area:
        query = query.where(Proposal.area == area)
    if status:
        query = query.where(Proposal.status == status)
    for word in (q or "").split():
        like = f"%{word}%"
        query = query.where(or_(Proposal.title.ilike(like), Proposal.body.ilike(like)))
    return [_out(db, p, None) for p in db.scalars(query)]


@router.get("/{proposal_id}", response_model=ProposalDetail)
def get_proposal(proposal_id: int, db: DbDep) -> ProposalDetail:
    """Public: the proposal, its comments and, once a project, its needs."""
    p = _proposal(db, proposal_id)
    comments = [CommentOut(id=c.id, author=c.author, body=c.body, at=c.at) for c in db.scalars(
        select(ProposalComment).where(ProposalComment.proposal_id == proposal_id).order_by(ProposalComment.id))]
    needs = [_need_out(n) for n in db.scalars(select(Need).where(Need.proposal_id == proposal_id).order_by(Need.id))]
    return _out(db, p, None, ProposalDetail, comments=comments, needs=needs)


@router.post("/{proposal_id}/support", response_model=ProposalOut)
def support_proposal(proposal_id: int, db: DbDep, resident: ResidentDep) -> ProposalOut:
    """Supports a proposal: once per resident, not one's own."""
    with write_transaction(db):
        p = _proposal(db, proposal_id, for_update=True)
        repo.support(db, p, resident.resident_id)
        return _out(db, p, resident)


@router.post("/{proposal_id}/comments", response_model=CommentOut, status_code=201)
def comment(proposal_id: int, body: CommentIn, request: Request, db: DbDep, actor: ActorDep,
            once: IdempotencyDep):
    """A resident or a staff member comments; residents are shown as "resident", staff by role and centre."""

    def handler() -> CommentOut:
        p = _proposal(db, proposal_id)
        if p.status == "closed":
            raise Refusal(409, "proposal_not_open", proposal_id=proposal_id, status=p.status)
        if isinstance(actor, ResidentPrincipal):
            author = "resident (author)" if p.author_id == actor.resident_id else "resident"
            c = ProposalComment(proposal_id=p.id, resident_id=actor.resident_id, author=author, body=body.body)
        else:
            author = actor.role.replace("_", " ") + (f" of centre {actor.centre_id}" if actor.centre_id else "")
            c = ProposalComment(proposal_id=p.id, staff_user_id=actor.user_id, author=author, body=body.body)
        db.add(c)
        db.flush()
        return CommentOut(id=c.id, author=c.author, body=c.body, at=c.at)

    return once.run(db, actor, body, handler, 201, eager=True)


@router.post("/{proposal_id}/project", response_model=ProposalDetail)
def make_project(proposal_id: int, body: ProjectIn, db: DbDep, principal: Coordinator) -> ProposalDetail:
    """A coordinator adopts an open proposal as a volunteer project of their centre, with its needs (open to the
    matching at once, settled as volunteer activity of that centre)."""
    check_centre(principal, body.centre_id)
    with write_transaction(db):
        p = _proposal(db, proposal_id, for_update=True)
        if p.status != "open":
            raise Refusal(409, "proposal_not_open", proposal_id=proposal_id, status=p.status)
        if db.get(Centre, body.centre_id) is None:
            raise Refusal(422, "unknown_centre", centre_id=body.centre_id)
        for item in body.needs:
            new_need(db, title=item.title, description=item.description, area=item.area or p.area,
                     starts_at=item.starts_at, ends_at=item.ends_at, people_needed=item.people_needed,
                     settlement="volunteer_activity", centre_id=body.centre_id, created_by=principal.name,
                     proposal_id=p.id)
        p.status, p.centre_id, p.decided_by = "project", body.centre_id, principal.name
    return get_proposal(proposal_id, db)


def _decide(db, principal: Principal, proposal_id: int, allowed_from: str, new_status: str, reason: str | None):
    with write_transaction(db):
        p = _proposal(db, proposal_id, for_update=True)
        if p.status != allowed_from:
            raise Refusal(409, "proposal_not_open", proposal_id=proposal_id, status=p.status)
        if p.centre_id is not None:
            check_centre(principal, p.centre_id)
        if new_status == "done":
            for n in db.scalars(select(Need).where(Need.proposal_id == p.id, Need.status.in_(("open", "filled")))):
                if db.scalar(select(Match.id).where(Match.need_id == n.id, Match.status == "scheduled")):
                    raise Refusal(409, "match_pending", need_id=n.id)
                repo.close_need(db, n, principal.name, "the project is done")
        p.status, p.decided_by = new_status, principal.name
        if reason:
            p.decision_reason = reason
        return _out(db, p, None)


@router.post("/{proposal_id}/done", response_model=ProposalOut)
def project_done(proposal_id: int, db: DbDep, principal: Coordinator) -> ProposalOut:
    """The project is done: needs still open are closed (a need whose match waits for confirmation holds it)."""
    return _decide(db, principal, proposal_id, "project", "done", None)


@router.post("/{proposal_id}/close", response_model=ProposalOut)
def close_proposal(proposal_id: int, body: ReasonIn, db: DbDep, principal: Coordinator) -> ProposalOut:
    """Declines an open proposal, with the reason shown to everyone."""
    return _decide(db, principal, proposal_id, "open", "closed", body.reason)
