"""Residents' talent offers, and finding them by free text (services.offers)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from backend.api.community import matcher
from backend.api.schemas import Id
from backend.api.schemas.needs import CandidateOut, FittingNeedOut
from backend.api.schemas.talents import TalentIn, TalentOut, TalentPatch
from backend.api.deps import DbDep, LanguageDep, SettingsDep
from backend.api.idempotency import IdempotencyDep
from backend.api.residents_auth import ActorDep, ResidentDep
from backend.api.views import candidates_out, fitting_out, talent_out
from backend.services import areas, needs, offers

router = APIRouter(tags=["talents and needs"])


@router.post("/talents", response_model=TalentOut, status_code=201)
def create_talent(body: TalentIn, db: DbDep, resident: ResidentDep, settings: SettingsDep, once: IdempotencyDep):
    """A resident offers a talent (for themselves, or for the organisation they represent)."""
    return once.run(db, resident, body, lambda: talent_out(offers.create(
        db, settings, resident, title=body.title, description=body.description, skills=body.skills, area=body.area,
        availability=body.availability, organisation_id=body.organisation_id), resident), 201)


@router.patch("/talents/{talent_id}", response_model=TalentOut)
def change_talent(talent_id: Id, body: TalentPatch, db: DbDep, resident: ResidentDep) -> TalentOut:
    return talent_out(offers.change(db, resident, talent_id, body.model_dump(exclude_unset=True)), resident)


@router.post("/talents/{talent_id}/withdraw", response_model=TalentOut)
def withdraw_talent(talent_id: Id, db: DbDep, resident: ResidentDep) -> TalentOut:
    """Withdraws an offer: it is no longer a candidate; proposed matches with it are cancelled."""
    return talent_out(offers.withdraw(db, resident, talent_id), resident)


@router.get("/talents/search", response_model=list[CandidateOut])
def search_talents(request: Request, db: DbDep, actor: ActorDep, language: LanguageDep,
                   q: Annotated[str, Query(min_length=1, max_length=200)], area: str | None = None,
                   limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[CandidateOut]:
    """Offers for free text in Korean or English, ranked by the matcher (talents, text, distance to `area`), with
    their factors."""
    ranked = offers.search(db, matcher(request), actor, q, area, limit)
    return candidates_out(ranked, offers.by_ids(db, [r.offer_id for r in ranked]), actor, language,
                          areas.area_names(db))


@router.get("/me/talents/{talent_id}/needs", response_model=list[FittingNeedOut])
def fitting_needs(talent_id: Id, request: Request, db: DbDep, resident: ResidentDep, language: LanguageDep,
                  limit: Annotated[int, Query(ge=1, le=50)] = 10) -> list[FittingNeedOut]:
    """The open needs that fit one of my talents, best first: yet to start, not my own, not already matched with
    this talent, and relevant to it (a talent the need names, or enough of its words); each with the score and the
    factors this talent has among the need's candidates, explained in words. Another resident's talent: 404."""
    ranked = needs.fitting(db, matcher(request), resident, talent_id, limit)
    return fitting_out(ranked, needs.by_ids(db, [r.need_id for r in ranked]), resident, language,
                       areas.area_names(db))


@router.get("/talents", response_model=list[TalentOut])
def list_talents(db: DbDep, actor: ActorDep, area: str | None = None, mine: bool = False,
                 limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[TalentOut]:
    """The newest active offers (of `area`), or the resident's own (`mine=true`, withdrawn ones too)."""
    return [talent_out(o, actor) for o in offers.listing(db, actor, area, mine, limit)]


@router.get("/talents/{talent_id}", response_model=TalentOut)
async def get_talent(talent_id: Id, db: DbDep, actor: ActorDep) -> TalentOut:
    return talent_out(offers.get(db, talent_id), actor)
