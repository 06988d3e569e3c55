"""Residents' talent offers, and finding them by free text (services.offers)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from backend.api.community import matcher
from backend.api.schemas.needs import CandidateOut
from backend.api.schemas.talents import TalentIn, TalentOut, TalentPatch
from backend.api.deps import DbDep, LanguageDep
from backend.api.idempotency import IdempotencyDep
from backend.api.residents_auth import ActorDep, ResidentDep
from backend.api.views import candidates_out, talent_out
from backend.services import areas, offers

router = APIRouter(tags=["talents and needs"])


@router.post("/talents", response_model=TalentOut, status_code=201)
def create_talent(body: TalentIn, db: DbDep, resident: ResidentDep, once: IdempotencyDep):
    """A resident offers a talent (for themselves, or for the organisation they represent)."""
    return once.run(db, resident, body, lambda: talent_out(offers.create(
        db, resident, title=body.title, description=body.description, skills=body.skills, area=body.area,
        availability=body.availability, organisation_id=body.organisation_id), resident), 201)


@router.patch("/talents/{talent_id}", response_model=TalentOut)
def change_talent(talent_id: int, body: TalentPatch, db: DbDep, resident: ResidentDep) -> TalentOut:
    return talent_out(offers.change(db, resident, talent_id, body.model_dump(exclude_unset=True)), resident)


@router.post("/talents/{talent_id}/withdraw", response_model=TalentOut)
def withdraw_talent(talent_id: int, db: DbDep, resident: ResidentDep) -> TalentOut:
    """Withdraws an offer: it is no longer a candidate; proposed matches with it are cancelled."""
    return talent_out(offers.withdraw(db, resident, talent_id), resident)


@router.get("/talents/search", response_model=list[CandidateOut])
def search_talents(request: Request, db: DbDep, actor: ActorDep, language: LanguageDep,
                   q: Annotated[str, Query(min_length=1, max_length=200)], area: str | None = None,
                   limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[CandidateOut]:
    """Offers for free text in Korean or English, ranked by the matcher (talents, text, distance to `area`), with
    their factors."""
    ranked = offers.search(db, matcher(request), q, area, limit)
    return candidates_out(ranked, offers.by_ids(db, [r.offer_id for r in ranked]), actor, language,
                          areas.area_names(db))


@router.get("/talents", response_model=list[TalentOut])
def list_talents(db: DbDep, actor: ActorDep, area: str | None = None, mine: bool = False,
                 limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[TalentOut]:
    """The newest active offers (of `area`), or the resident's own (`mine=true`, withdrawn ones too)."""
    return [talent_out(o, actor) for o in offers.listing(db, actor, area, mine, limit)]


@router.get("/talents/{talent_id}", response_model=TalentOut)
async def get_talent(talent_id: int, db: DbDep, actor: ActorDep) -> TalentOut:
    return talent_out(offers.get(db, talent_id), actor)
