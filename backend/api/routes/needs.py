"""Needs and their ranked candidates (services.needs)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from backend.api.community import matcher
from backend.api.schemas import AfterId, Id
from backend.api.schemas.needs import CandidateOut, NeedIn, NeedOut
from backend.api.schemas.texts import ReasonIn
from backend.api.deps import ChainDep, DbDep, LanguageDep, SettingsDep
from backend.api.idempotency import IdempotencyDep
from backend.api.residents_auth import ActorDep
from backend.api.views import candidates_out, need_out
from backend.services import areas, needs, offers

router = APIRouter(tags=["talents and needs"])


@router.post("/needs", response_model=NeedOut, status_code=201)
def create_need(body: NeedIn, db: DbDep, actor: ActorDep, chain: ChainDep, settings: SettingsDep,
                once: IdempotencyDep):
    """A resident (for themselves or their organisation) or a coordinator (for the centre) asks for help.
    Volunteer activity names the centre whose coordinators approve it; payment is between two residents."""
    return once.run(db, actor, body, lambda: need_out(needs.create(
        db, chain, settings, actor, title=body.title, description=body.description, area=body.area,
        starts_at=body.starts_at, ends_at=body.ends_at, people_needed=body.people_needed, settlement=body.settlement,
        centre_id=body.centre_id, organisation_id=body.organisation_id), actor), 201)


@router.get("/needs", response_model=list[NeedOut])
def list_needs(db: DbDep, actor: ActorDep, status: str = "open", area: str | None = None,
               q: Annotated[str | None, Query(max_length=200)] = None, mine: bool = False,
               after_id: AfterId = 0, limit: Annotated[int, Query(ge=1, le=200)] = 50):
    """Needs (open by default) of an area, or matching `q` (every word, Korean or English, as a substring)."""
    return [need_out(n, actor) for n in needs.listing(db, actor, status=status, area=area, text=q, mine=mine,
                                                     after_id=after_id, limit=limit)]


@router.get("/needs/{need_id}", response_model=NeedOut)
async def get_need(need_id: Id, db: DbDep, actor: ActorDep) -> NeedOut:
    return need_out(needs.get(db, need_id), actor)


@router.get("/needs/{need_id}/candidates", response_model=list[CandidateOut])
def candidates(need_id: Id, request: Request, db: DbDep, actor: ActorDep, language: LanguageDep,
               limit: Annotated[int, Query(ge=1, le=50)] = 10) -> list[CandidateOut]:
    """Offers ranked for the need, best first, with each factor's value, weight and contribution (the score is
    their sum) and the terms and talents they share, so the requester or coordinator sees why."""
    ranked = needs.candidates(db, matcher(request), actor, need_id, limit)
    return candidates_out(ranked, offers.by_ids(db, [r.offer_id for r in ranked]), actor, language,
                          areas.area_names(db))


@router.post("/needs/{need_id}/close", response_model=NeedOut)
def close_need(need_id: Id, body: ReasonIn, db: DbDep, actor: ActorDep) -> NeedOut:
    return need_out(needs.close(db, actor, need_id, body.reason), actor)
