"""Matches: proposed, accepted or declined, confirmed by the beneficiary (services.matches)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from backend.api.community import matcher
from backend.api.schemas import Id
from backend.api.schemas.matches import ConfirmIn, MatchIn, MatchOut
from backend.api.schemas.texts import ReasonIn
from backend.api.deps import ChainDep, DbDep, LanguageDep
from backend.api.idempotency import IdempotencyDep
from backend.api.residents_auth import ActorDep, ResidentDep
from backend.api.views import match_out
from backend.services import areas, matches

router = APIRouter(tags=["talents and needs"])


def _redemption(request: Request) -> str | None:
    chain = request.app.state.chain
    return chain.redemption.address if chain is not None else None


@router.post("/needs/{need_id}/matches", response_model=MatchOut, status_code=201)
def propose_match(need_id: Id, body: MatchIn, request: Request, db: DbDep, actor: ActorDep, once: IdempotencyDep):
    """The requester (or the centre's coordinator) picks an offer, or a resident volunteers one of their own
    offers for the need. The side that proposes has accepted; the other side accepts or declines."""
    return once.run(db, actor, body, lambda: matches.view(
        db, matches.propose(db, matcher(request), actor, need_id, body.talent_id)), 201)


@router.get("/needs/{need_id}/matches", response_model=list[MatchOut])
def need_matches(need_id: Id, request: Request, db: DbDep, actor: ActorDep, language: LanguageDep) -> list[dict]:
    """The need's matches (e.g. residents who volunteered, waiting for the requester's acceptance): for the
    requester and the need's coordinators."""
    names = areas.area_names(db)
    return [match_out(matches.view(db, m, _redemption(request)), language, names)
            for m in matches.of_need(db, actor, need_id)]


@router.get("/matches/{match_id}", response_model=MatchOut)
def get_match(match_id: Id, request: Request, db: DbDep, actor: ActorDep, language: LanguageDep) -> dict:
    m = matches.get(db, actor, match_id)
    return match_out(matches.view(db, m, _redemption(request)), language, areas.area_names(db))


@router.get("/me/matches", response_model=list[MatchOut])
def my_matches(request: Request, db: DbDep, resident: ResidentDep, language: LanguageDep) -> list[dict]:
    """The resident's matches, as volunteer and as requester."""
    names = areas.area_names(db)
    return [match_out(matches.view(db, m, _redemption(request)), language, names) for m in matches.mine(db, resident)]


@router.post("/matches/{match_id}/accept", response_model=MatchOut)
def accept_match(match_id: Id, db: DbDep, actor: ActorDep) -> dict:
    """The other side accepts; with both sides agreed the match is scheduled (at the need's time)."""
    return matches.view(db, matches.accept(db, actor, match_id))


@router.post("/matches/{match_id}/decline", response_model=MatchOut)
def decline_match(match_id: Id, body: ReasonIn, db: DbDep, actor: ActorDep) -> dict:
    return matches.view(db, matches.decline(db, actor, match_id, body.reason))


@router.post("/matches/{match_id}/confirm", response_model=MatchOut)
def confirm_match(match_id: Id, body: ConfirmIn, db: DbDep, chain: ChainDep, actor: ActorDep) -> dict:
    """After the activity, the beneficiary (the requester, or for a centre's need its coordinator) confirms it
    happened, and for how long. Volunteer activity is then recorded for the centre's coordinators to approve (POST
    /activities/{id}/approve puts it on-chain); between residents, the agreed payment is due."""
    return matches.view(db, matches.confirm(db, chain, actor, match_id, body.happened, body.minutes, body.reason),
                        chain.redemption.address)
