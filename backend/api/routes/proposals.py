"""Community proposals: proposed, supported, commented, made a project of a centre, done or closed
(services.proposals). Public to read; authors are not named."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from backend.api.schemas import Id
from backend.api.schemas.proposals import CommentIn, CommentOut, ProjectIn, ProposalDetail, ProposalIn, ProposalOut
from backend.api.schemas.texts import ReasonIn
from backend.api.deps import ChainDep, DbDep, SettingsDep, require
from backend.api.idempotency import IdempotencyDep
from backend.api.residents_auth import ActorDep, ResidentDep
from backend.api.views import comment_out, need_out, proposal_out
from backend.services import needs, proposals
from backend.services.actors import Actor, is_resident
from backend.services.security import Principal
from backend.store.models import Proposal

router = APIRouter(prefix="/proposals", tags=["community proposals"])
Coordinator = Annotated[Principal, Depends(require("admin", "coordinator"))]


def _out(db, p: Proposal, actor: Actor | None) -> ProposalOut:
    return proposal_out(p, mine=is_resident(actor) and p.author_id == actor.resident_id,
                        supported=proposals.supported_by(db, p.id, actor))


def _detail(db, proposal_id: int) -> ProposalDetail:
    p = proposals.get(db, proposal_id)
    return proposal_out(p, model=ProposalDetail, comments=[comment_out(c) for c in proposals.comments(db, p.id)],
                        needs=[need_out(n) for n in needs.of_proposal(db, p.id)])


@router.post("", response_model=ProposalOut, status_code=201)
def create_proposal(body: ProposalIn, db: DbDep, resident: ResidentDep, settings: SettingsDep, once: IdempotencyDep):
    """A resident proposes a local problem to solve or a meeting (e.g. an alley meeting) in their area."""
    return once.run(db, resident, body, lambda: _out(db, proposals.create(
        db, settings, resident, kind=body.kind, title=body.title, body=body.body, area=body.area), resident), 201)


@router.get("", response_model=list[ProposalOut])
def list_proposals(db: DbDep, area: str | None = None, status: str | None = None,
                   q: Annotated[str | None, Query(max_length=200)] = None, order: str = "newest",
                   limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[ProposalOut]:
    """Public: proposals of an area or status, matching `q` (each word, Korean or English, as a substring),
    newest first or `order=support`."""
    return [_out(db, p, None) for p in proposals.listing(db, area=area, status=status, text=q, order=order, limit=limit)]


@router.get("/{proposal_id}", response_model=ProposalDetail)
def get_proposal(proposal_id: Id, db: DbDep) -> ProposalDetail:
    """Public: the proposal, its comments and, once a project, its needs."""
    return _detail(db, proposal_id)


@router.post("/{proposal_id}/support", response_model=ProposalOut)
def support_proposal(proposal_id: Id, db: DbDep, resident: ResidentDep) -> ProposalOut:
    """Supports a proposal: once per resident, not one's own."""
    return _out(db, proposals.support(db, resident, proposal_id), resident)


@router.post("/{proposal_id}/comments", response_model=CommentOut, status_code=201)
def comment(proposal_id: Id, body: CommentIn, db: DbDep, actor: ActorDep, settings: SettingsDep,
            once: IdempotencyDep):
    """A resident or a staff member comments; residents are shown as "resident", staff by role and centre."""
    return once.run(db, actor, body,
                    lambda: comment_out(proposals.comment(db, settings, actor, proposal_id, body.body)), 201)


@router.post("/{proposal_id}/project", response_model=ProposalDetail)
def make_project(proposal_id: Id, body: ProjectIn, db: DbDep, principal: Coordinator,
                 chain: ChainDep) -> ProposalDetail:
    """A coordinator adopts an open proposal as a volunteer project of their centre, with its needs (open to the
    matching at once, settled as volunteer activity of that centre)."""
    proposals.make_project(db, chain, principal, proposal_id, body.centre_id, body.needs)
    return _detail(db, proposal_id)


@router.post("/{proposal_id}/done", response_model=ProposalOut)
def project_done(proposal_id: Id, db: DbDep, principal: Coordinator) -> ProposalOut:
    """The project is done: needs still open are closed (a need whose match waits for confirmation holds it)."""
    return _out(db, proposals.decide(db, principal, proposal_id, "project", "done", None), None)


@router.post("/{proposal_id}/close", response_model=ProposalOut)
def close_proposal(proposal_id: Id, body: ReasonIn, db: DbDep, principal: Coordinator) -> ProposalOut:
    """Declines an open proposal, with the reason shown to everyone."""
    return _out(db, proposals.decide(db, principal, proposal_id, "open", "closed", body.reason), None)
