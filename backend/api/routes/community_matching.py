"""Talents and needs: areas and organisations, residents' offers, needs (of residents, organisations and community
projects), ranked candidates with each factor's contribution, matches accepted by both sides, the beneficiary's
confirmation, and from there a volunteer activity for the coordinator's approval or a payment between residents."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy import or_, select

from backend.api.community import matcher
from backend.api.community_schemas import (
    AreaIn,
    AreaOut,
    CandidateOut,
    CentreAreaIn,
    ConfirmIn,
    FactorOut,
    MatchIn,
    MatchOut,
    NeedIn,
    NeedOut,
    OrganisationIn,
    OrganisationOut,
    PaymentOut,
    ReasonIn,
    TalentIn,
    TalentOut,
    TalentPatch,
)
from backend.api.deps import ChainDep, DbDep, require
from backend.domain.access import check_centre
from backend.api.idempotency import IdempotencyDep
from backend.api.residents_auth import Actor, ActorDep, ResidentDep, ResidentPrincipal
from backend.services.security import Principal
from backend.domain.activities import check_units, parse_address
from backend.domain.matching import NeedQuery, Ranked, parse_slots, slot_names, slots_between
from backend.domain.errors import Refusal
from backend.store import community as repo
from backend.store.activities import resident_for
from backend.store.community_models import Area, Match, Need, Organisation, TalentOffer
from backend.store.db import write_transaction
from backend.store.models import Activity, Centre, ChainEvent, Resident

router = APIRouter(tags=["talents and needs"])
Admin = Annotated[Principal, Depends(require("admin"))]
Coordinator = Annotated[Principal, Depends(require("admin", "coordinator"))]
AREA_CODE = r"^[a-z0-9][a-z0-9-]{0,39}$"
MAX_MINUTES = 480  # the volunteering rule's max_units in config/deployment.yaml; the chain's rule decides


def not_found(what: str) -> Refusal:
    return Refusal(404, "not_found", what=what)


def _utc(t: datetime) -> datetime:
    return t.astimezone(UTC)


# ---------------------------------------------------------------------------------------------- areas, centres


@router.put("/areas/{code}", response_model=AreaOut)
def put_area(code: Annotated[str, Path(pattern=AREA_CODE)], body: AreaIn, db: DbDep, _: Admin) -> AreaOut:
    """Registers or moves an area (a neighbourhood, e.g. a dong, and its centroid, for distances). The code is
    lower-case ASCII (e.g. seocho-banpo1); the name may be Korean."""
    with write_transaction(db):
        area = db.get(Area, code) or Area(code=code)
        area.name, area.lat, area.lon = body.name, body.lat, body.lon
        db.merge(area)
        repo.next_version(db, "areas")
    return AreaOut(code=code, name=body.name, lat=body.lat, lon=body.lon)


@router.get("/areas", response_model=list[AreaOut])
async def list_areas(db: DbDep) -> list[AreaOut]:
    return [AreaOut(code=a.code, name=a.name, lat=a.lat, lon=a.lon) for a in db.scalars(select(Area).order_by(Area.code))]


@router.put("/centres/{centre_id}/area", response_model=dict)
def set_centre_area(centre_id: int, body: CentreAreaIn, db: DbDep, _: Admin) -> dict:
    """Sets the area a centre serves: its welfare officers read the neighbour reports of that area."""
    with write_transaction(db):
        centre = db.get(Centre, centre_id)
        if centre is None:
            raise Refusal(404, "unknown_centre", centre_id=centre_id)
        repo.area_or_refuse(db, body.area)
        centre.area = body.area
        return {"id": centre.id, "key": centre.key, "name": centre.name, "area": centre.area}


# ---------------------------------------------------------------------------------------------- organisations


def _org_out(o: Organisation, rep_address: str) -> OrganisationOut:
    return OrganisationOut(id=o.id, name=o.name, kind=o.kind, area=o.area, centre_id=o.centre_id,
                           representative=rep_address)


@router.post("/organisations", response_model=OrganisationOut, status_code=201)
def create_organisation(body: OrganisationIn, db: DbDep, principal: Coordinator) -> OrganisationOut:
    """A coordinator registers a farm, small firm or social-economy group of their centre and its representative
    (a resident, who then offers and asks for help on its behalf)."""
    check_centre(principal, body.centre_id)
    address = parse_address(body.representative, "representative")
    with write_transaction(db):
        if db.get(Centre, body.centre_id) is None:
            raise Refusal(422, "unknown_centre", centre_id=body.centre_id)
        repo.area_or_refuse(db, body.area)
        rep = resident_for(db, address)
        org = Organisation(name=body.name, kind=body.kind, area=body.area, centre_id=body.centre_id,
                           representative_id=rep.id, created_by=principal.name)
        db.add(org)
        db.flush()
        return _org_out(org, address)


@router.get("/organisations", response_model=list[OrganisationOut])
def list_organisations(db: DbDep, _: ActorDep, area: str | None = None, centre_id: int | None = None,
                       limit: Annotated[int, Query(ge=1, le=200)] = 100) -> list[OrganisationOut]:
    """Organisations of an area or centre (residents see who asks; the representative's address is their
    pseudonymous on-chain identity)."""
    q = select(Organisation, Resident.address).join(Resident, Resident.id == Organisation.representative_id)
    if area:
        q = q.where(Organisation.area == area)
    if centre_id is not None:
        q = q.where(Organisation.centre_id == centre_id)
    return [_org_out(o, address) for o, address in db.execute(q.order_by(Organisation.id).limit(limit))]


def _organisation_of(db, actor: ResidentPrincipal, organisation_id: int | None) -> Organisation | None:
    if organisation_id is None:
        return None
    org = db.get(Organisation, organisation_id)
    if org is None:
        raise not_found(f"organisation {organisation_id}")
    if org.representative_id != actor.resident_id:
        raise Refusal(403, "not_representative", organisation_id=organisation_id)
    return org


# ---------------------------------------------------------------------------------------------- offers


def _slots(names: list[str]) -> int:
    try:
        return parse_slots(names)
    except ValueError as exc:
        raise Refusal(422, "invalid_slots", why=str(exc)) from None


def _talent_out(o: TalentOffer, actor: Actor | None = None) -> TalentOut:
    mine = isinstance(actor, ResidentPrincipal) and actor.resident_id == o.resident_id
    return TalentOut(id=o.id, title=o.title, description=o.description, skills=list(o.skills or []), area=o.area,
                    availability=slot_names(o.availability), status=o.status, organisation_id=o.organisation_id,
                    mine=mine)


@router.post("/talents", response_model=TalentOut, status_code=201)
def create_talent(body: TalentIn, request: Request, db: DbDep, resident: ResidentDep,
                 once: IdempotencyDep):
    """A resident offers a talent (for themselves, or for the organisation they represent)."""
    availability = _slots(body.availability)

    def handler() -> TalentOut:
        repo.area_or_refuse(db, body.area)
        org = _organisation_of(db, resident, body.organisation_id)
        offer = TalentOffer(resident_id=resident.resident_id, organisation_id=org.id if org else None,
                            title=body.title, description=body.description, skills=body.skills, area=body.area,
                            availability=availability, status="active", version=repo.next_version(db, "offers"))
        db.add(offer)
        db.flush()
        return _talent_out(offer, resident)

    return once.run(db, resident, body, handler, 201, eager=True)


def _own_offer(db, resident: ResidentPrincipal, talent_id: int) -> TalentOffer:
    offer = db.get(TalentOffer, talent_id)
    if offer is None:
        raise not_found(f"talent {talent_id}")
    if offer.resident_id != resident.resident_id:
        raise Refusal(403, "not_owner", what=f"talent {talent_id}")
    return offer


@router.patch("/talents/{talent_id}", response_model=TalentOut)
def change_talent(talent_id: int, body: TalentPatch, db: DbDep, resident: ResidentDep) -> TalentOut:
    changes = body.model_dump(exclude_unset=True)
    if not changes:
        raise Refusal(422, "invalid_request", why="give at least one field to change")
    if "availability" in changes:
        changes["availability"] = _slots(changes["availability"])
    with write_transaction(db):
        offer = _own_offer(db, resident, talent_id)
        if offer.status != "active":
            raise Refusal(409, "talent_withdrawn", talent_id=talent_id)
        if "area" in changes:
            repo.area_or_refuse(db, changes["area"])
        for field, value in changes.items():
            setattr(offer, field, value)
        offer.version = repo.next_version(db, "offers")
        return _talent_out(offer, resident)


@router.post("/talents/{talent_id}/withdraw", response_model=TalentOut)
def withdraw_talent(talent_id: int, db: DbDep, resident: ResidentDep) -> TalentOut:
    """Withdraws an offer: it is no longer a candidate; proposed matches with it are cancelled."""
    with write_transaction(db):
        offer = _own_offer(db, resident, talent_id)
        if offer.status != "active":
            raise Refusal(409, "talent_withdrawn", talent_id=talent_id)
        offer.status, offer.version = "withdrawn", repo.next_version(db, "offers")
        for m in db.scalars(select(Match).where(Match.offer_id == talent_id, Match.status == "proposed")):
            m.status, m.reason = "cancelled", "the offer was withdrawn"
        return _talent_out(offer, resident)


@router.get("/talents/search", response_model=list[CandidateOut])
def search_talents(request: Request, db: DbDep, actor: ActorDep,
                  q: Annotated[str, Query(min_length=1, max_length=200)], area: str | None = None,
                  limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[CandidateOut]:
    """Offers for free text in Korean or English, ranked by the matcher (talents, text, distance to `area`), with
    their factors."""
    if not q.strip():
        raise Refusal(422, "invalid_request", why="q: say what you are looking for")
    return _candidates(db, matcher(request).rank(db, NeedQuery(q, area, 0), limit), actor)


@router.get("/talents", response_model=list[TalentOut])
def list_talents(db: DbDep, actor: ActorDep, area: str | None = None, mine: bool = False,
                limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[TalentOut]:
    """The newest active offers (of `area`), or the resident's own (`mine=true`, withdrawn ones too)."""
    if mine:
        if not isinstance(actor, ResidentPrincipal):
            raise Refusal(403, "resident_required", who=actor.role)
        query = select(TalentOffer).where(TalentOffer.resident_id == actor.resident_id).order_by(TalentOffer.id.desc())
        return [_talent_out(o, actor) for o in db.scalars(query.limit(limit))]
    query = select(TalentOffer).where(TalentOffer.status == "active").order_by(TalentOffer.id.desc()).limit(limit)
    if area:
        query = query.where(TalentOffer.area == area)
    return [_talent_out(o, actor) for o in db.scalars(query)]


@router.get("/talents/{talent_id}", response_model=TalentOut)
async def get_talent(talent_id: int, db: DbDep, actor: ActorDep) -> TalentOut:
    offer = db.get(TalentOffer, talent_id)
    if offer is None:
        raise not_found(f"talent {talent_id}")
    return _talent_out(offer, actor)


def _candidates(db, ranked: list[Ranked], actor: Actor) -> list[CandidateOut]:
    offers = {o.id: o for o in db.scalars(select(TalentOffer).where(TalentOffer.id.in_([r.offer_id for r in ranked])))}
    return [CandidateOut(talent=_talent_out(offers[r.offer_id], actor), score=r.score, matched_terms=r.matched_terms,
                         factors={k: FactorOut(value=round(f.value, 4), weight=f.weight,
                                               contribution=round(f.contribution, 4), note=f.note)
                                  for k, f in r.factors.items()})
            for r in ranked if r.offer_id in offers]


# ---------------------------------------------------------------------------------------------- needs


def _need_out(n: Need, actor: Actor | None = None) -> NeedOut:
    mine = isinstance(actor, ResidentPrincipal) and actor.resident_id == n.resident_id
    return NeedOut(id=n.id, title=n.title, description=n.description, area=n.area, starts_at=n.starts_at,
                   ends_at=n.ends_at, slots=slot_names(slots_between(n.starts_at, n.ends_at)),
                   people_needed=n.people_needed, settlement=n.settlement, centre_id=n.centre_id,
                   organisation_id=n.organisation_id, proposal_id=n.proposal_id, status=n.status,
                   closed_reason=n.closed_reason, mine=mine)


def check_schedule(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise Refusal(422, "bad_schedule", why="ends_at must be after starts_at")
    if (ends_at - starts_at).total_seconds() > MAX_MINUTES * 60:
        raise Refusal(422, "bad_schedule", why=f"a need lasts at most {MAX_MINUTES // 60} hours; split longer work")
    if ends_at <= datetime.now(UTC):
        raise Refusal(422, "in_past", what="ends_at")


def new_need(db, *, title: str, description: str | None, area: str, starts_at: datetime, ends_at: datetime,
             people_needed: int, settlement: str, centre_id: int | None, created_by: str, resident_id: int | None = None,
             organisation_id: int | None = None, proposal_id: int | None = None) -> Need:
    check_schedule(starts_at, ends_at)
    repo.area_or_refuse(db, area)
    if centre_id is not None and db.get(Centre, centre_id) is None:
        raise Refusal(422, "unknown_centre", centre_id=centre_id)
    need = Need(resident_id=resident_id, organisation_id=organisation_id, proposal_id=proposal_id, centre_id=centre_id,
                title=title, description=description, area=area, starts_at=_utc(starts_at), ends_at=_utc(ends_at),
                people_needed=people_needed, settlement=settlement, status="open", created_by=created_by)
    db.add(need)
    db.flush()
    return need


@router.post("/needs", response_model=NeedOut, status_code=201)
def create_need(body: NeedIn, request: Request, db: DbDep, actor: ActorDep, once: IdempotencyDep):
    """A resident (for themselves or their organisation) or a coordinator (for the centre) asks for help.
    Volunteer activity names the centre whose coordinators approve it; payment is between two residents."""

    def handler() -> NeedOut:
        if isinstance(actor, ResidentPrincipal):
            org = _organisation_of(db, actor, body.organisation_id)
            centre_id = org.centre_id if org else body.centre_id
            if org and body.settlement == "payment":
                raise Refusal(422, "payment_between_residents")
            if body.settlement == "volunteer_activity" and centre_id is None:
                raise Refusal(422, "settlement_needs_centre")
            if body.settlement == "payment":
                centre_id = None
            need = new_need(db, title=body.title, description=body.description, area=body.area,
                            starts_at=body.starts_at, ends_at=body.ends_at, people_needed=body.people_needed,
                            settlement=body.settlement, centre_id=centre_id, created_by=actor.name,
                            resident_id=actor.resident_id, organisation_id=org.id if org else None)
        else:
            if actor.role not in ("admin", "coordinator"):
                raise Refusal(403, "staff_required", roles="admin or coordinator, or a resident", who=actor.role)
            if body.settlement == "payment":
                raise Refusal(422, "payment_between_residents")
            centre_id = body.centre_id if body.centre_id is not None else actor.centre_id
            if centre_id is None:
                raise Refusal(422, "settlement_needs_centre")
            check_centre(actor, centre_id)
            need = new_need(db, title=body.title, description=body.description, area=body.area,
                            starts_at=body.starts_at, ends_at=body.ends_at, people_needed=body.people_needed,
                            settlement="volunteer_activity", centre_id=centre_id, created_by=actor.name)
        return _need_out(need, actor)

    return once.run(db, actor, body, handler, 201, eager=True)


@router.get("/needs", response_model=list[NeedOut])
def list_needs(db: DbDep, actor: ActorDep, status: str = "open", area: str | None = None,
               q: Annotated[str | None, Query(max_length=200)] = None, mine: bool = False,
               after_id: Annotated[int, Query(ge=0)] = 0, limit: Annotated[int, Query(ge=1, le=200)] = 50):
    """Needs (open by default) of an area, or matching `q` (every word, Korean or English, as a substring)."""
    query = select(Need).where(Need.id > after_id).order_by(Need.id).limit(limit)
    if status != "any":
        query = query.where(Need.status == status)
    if area:
        query = query.where(Need.area == area)
    if mine:
        if not isinstance(actor, ResidentPrincipal):
            raise Refusal(403, "resident_required", who=actor.role)
        query = query.where(Need.resident_id == actor.resident_id)
    for word in (q or "").split():
        like = f"%{word}%"
        query = query.where(or_(Need.title.ilike(like), Need.description.ilike(like)))
    return [_need_out(n, actor) for n in db.scalars(query)]


@router.get("/needs/{need_id}", response_model=NeedOut)
async def get_need(need_id: int, db: DbDep, actor: ActorDep) -> NeedOut:
    return _need_out(_need(db, need_id), actor)


def _need(db, need_id: int, for_update: bool = False) -> Need:
    need = db.scalar(select(Need).where(Need.id == need_id).with_for_update()) if for_update else db.get(Need, need_id)
    if need is None:
        raise not_found(f"need {need_id}")
    return need


def is_need_side(actor: Actor, need: Need) -> bool:
    """The requester: the resident (or organisation representative) who asked, or for a centre's need its
    coordinators; the admin acts for any centre."""
    if isinstance(actor, ResidentPrincipal):
        return need.resident_id == actor.resident_id
    if need.resident_id is not None:
        return False
    return actor.role == "admin" or (actor.role == "coordinator" and actor.centre_id == need.centre_id)


def can_see_need_matches(actor: Actor, need: Need) -> bool:
    if is_need_side(actor, need):
        return True
    return not isinstance(actor, ResidentPrincipal) and (
        actor.role == "admin" or (actor.role == "coordinator" and actor.centre_id == need.centre_id))


def need_query(need: Need) -> NeedQuery:
    owner = f"resident:{need.resident_id}" if need.resident_id is not None else None
    return NeedQuery(repo.need_text(need), need.area, slots_between(need.starts_at, need.ends_at), owner)


@router.get("/needs/{need_id}/candidates", response_model=list[CandidateOut])
def candidates(need_id: int, request: Request, db: DbDep, actor: ActorDep,
               limit: Annotated[int, Query(ge=1, le=50)] = 10) -> list[CandidateOut]:
    """Offers ranked for the need, best first, with each factor's value, weight and contribution (the score is
    their sum) and the terms and talents they share, so the requester or coordinator sees why."""
    need = _need(db, need_id)
    if not can_see_need_matches(actor, need):
        raise Refusal(403, "not_owner", what=f"need {need_id}")
    if need.status != "open":
        raise Refusal(409, "need_not_open", need_id=need_id, status=need.status)
    taken = set(db.scalars(select(Match.offer_id).where(Match.need_id == need_id)))
    ranked = [r for r in matcher(request).rank(db, need_query(need), limit + len(taken)) if r.offer_id not in taken]
    return _candidates(db, ranked[:limit], actor)


@router.post("/needs/{need_id}/close", response_model=NeedOut)
def close_need(need_id: int, body: ReasonIn, db: DbDep, actor: ActorDep) -> NeedOut:
    with write_transaction(db):
        need = _need(db, need_id, for_update=True)
        if not can_see_need_matches(actor, need):
            raise Refusal(403, "not_owner", what=f"need {need_id}")
        repo.close_need(db, need, actor.name, body.reason)
        return _need_out(need, actor)


# ---------------------------------------------------------------------------------------------- matches


@router.post("/needs/{need_id}/matches", response_model=MatchOut, status_code=201)
def propose_match(need_id: int, body: MatchIn, request: Request, db: DbDep, actor: ActorDep,
                  once: IdempotencyDep):
    """The requester (or the centre's coordinator) picks an offer, or a resident volunteers one of their own
    offers for the need. The side that proposes has accepted; the other side accepts or declines."""
    matcher(request).refresh(db)

    def handler() -> MatchOut:
        need = _need(db, need_id, for_update=True)
        offer = db.get(TalentOffer, body.talent_id)
        if offer is None:
            raise not_found(f"talent {body.talent_id}")
        need_side = is_need_side(actor, need)
        offer_side = isinstance(actor, ResidentPrincipal) and offer.resident_id == actor.resident_id
        if not need_side and not offer_side:
            raise Refusal(403, "not_owner", what=f"need {need_id}")
        if need_side and offer_side:
            raise Refusal(409, "own_talent")
        ranked = matcher(request).explain(db, need_query(need), offer.id)
        factors = {k: {"value": round(f.value, 4), "weight": f.weight, "contribution": round(f.contribution, 4),
                       "note": f.note} for k, f in ranked.factors.items()} if ranked else None
        m = repo.add_match(db, need, offer, actor.name, need_side, ranked.score if ranked else None, factors)
        return match_out(db, m)

    return once.run(db, actor, body, handler, 201, eager=True)


@router.get("/needs/{need_id}/matches", response_model=list[MatchOut])
def need_matches(need_id: int, db: DbDep, actor: ActorDep, request: Request) -> list[MatchOut]:
    """The need's matches (e.g. residents who volunteered, waiting for the requester's acceptance): for the
    requester and the need's coordinators."""
    need = _need(db, need_id)
    if not can_see_need_matches(actor, need):
        raise Refusal(403, "not_owner", what=f"need {need_id}")
    return _matches_out(db, db.scalars(select(Match).where(Match.need_id == need_id).order_by(Match.id)), request)


def _matches_out(db, rows, request: Request) -> list[MatchOut]:
    """Matches as shown, each awaited payment first looked for among the indexed events. _reconcile works on the
    session's own instance of the match, so what it settles is already in `m`."""
    out = []
    for m in list(rows):
        _reconcile(db, m)
        out.append(match_out(db, m, request.app.state.chain))
    return out


def _match(db, match_id: int, for_update: bool = False) -> Match:
    m = db.scalar(select(Match).where(Match.id == match_id).with_for_update()) if for_update else db.get(Match, match_id)
    if m is None:
        raise not_found(f"match {match_id}")
    return m


def _sides(actor: Actor, m: Match) -> tuple[bool, bool]:
    need_side = is_need_side(actor, m.need)
    offer_side = isinstance(actor, ResidentPrincipal) and m.volunteer_id == actor.resident_id
    return need_side, offer_side


def match_out(db, m: Match, chain=None) -> MatchOut:
    payment = None
    if m.payment_status is not None:
        payer = m.need.resident.address
        payment = PaymentOut(
            status=m.payment_status, amount=m.payment_amount, payer=payer, payee=m.volunteer.address,
            request_ref=m.payment_ref, contract=chain.redemption.address if chain is not None else None,
            tx_hash=m.payment_tx,
            how=("the beneficiary pays with Redemption.payForService(payee, amount, request_ref) from their wallet "
                 "(or payForServiceBySig, relayed); it is marked paid once the indexer has seen the ServicePaid event"))
    activity_status = db.scalar(select(Activity.status).where(Activity.id == m.activity_id)) if m.activity_id else None
    return MatchOut(id=m.id, need_id=m.need_id, talent_id=m.offer_id, status=m.status,
                    need_accepted=m.need_accepted_by is not None, volunteer_accepted=m.offer_accepted_by is not None,
                    score=m.score, factors=m.factors, minutes=m.minutes, reason=m.reason, activity_id=m.activity_id,
                    activity_status=activity_status, payment=payment)


def _reconcile(db, m: Match) -> None:
    """An awaited payment: look for its ServicePaid among the indexed events."""
    if m.payment_status != "awaiting_payment":
        return
    events = list(db.scalars(select(ChainEvent).where(ChainEvent.event == "ServicePaid",
                                                      ChainEvent.address1 == m.need.resident.address)))
    if any(str((e.args or {}).get("requestRef", "")).lower() == m.payment_ref for e in events):
        with write_transaction(db):
            m = _match(db, m.id, for_update=True)
            repo.settle_payment(db, m, events)


@router.get("/matches/{match_id}", response_model=MatchOut)
def get_match(match_id: int, db: DbDep, actor: ActorDep, request: Request) -> MatchOut:
    m = _match(db, match_id)
    need_side, offer_side = _sides(actor, m)
    if not (need_side or offer_side or can_see_need_matches(actor, m.need)):
        raise Refusal(403, "not_a_party", match_id=match_id)
    _reconcile(db, m)
    return match_out(db, m, request.app.state.chain)


@router.get("/me/matches", response_model=list[MatchOut])
def my_matches(db: DbDep, resident: ResidentDep, request: Request) -> list[MatchOut]:
    """The resident's matches, as volunteer and as requester."""
    return _matches_out(db, db.scalars(select(Match).join(Need, Need.id == Match.need_id).where(
        or_(Match.volunteer_id == resident.resident_id, Need.resident_id == resident.resident_id)).order_by(Match.id)),
        request)


@router.post("/matches/{match_id}/accept", response_model=MatchOut)
def accept_match(match_id: int, db: DbDep, actor: ActorDep) -> MatchOut:
    """The other side accepts; with both sides agreed the match is scheduled (at the need's time)."""
    with write_transaction(db):
        m = _match(db, match_id, for_update=True)
        need_side, offer_side = _sides(actor, m)
        if not (need_side or offer_side):
            raise Refusal(403, "not_a_party", match_id=match_id)
        _need(db, m.need_id, for_update=True)
        repo.accept(db, m, actor.name, need_side)
        return match_out(db, m)


@router.post("/matches/{match_id}/decline", response_model=MatchOut)
def decline_match(match_id: int, body: ReasonIn, db: DbDep, actor: ActorDep) -> MatchOut:
    with write_transaction(db):
        m = _match(db, match_id, for_update=True)
        if not any(_sides(actor, m)):
            raise Refusal(403, "not_a_party", match_id=match_id)
        repo.decline(db, m, actor.name, body.reason)
        return match_out(db, m)


@router.post("/matches/{match_id}/confirm", response_model=MatchOut)
def confirm_match(match_id: int, body: ConfirmIn, db: DbDep, chain: ChainDep, actor: ActorDep) -> MatchOut:
    """After the activity, the beneficiary (the requester, or for a centre's need its coordinator) confirms it
    happened, and for how long. Volunteer activity is then recorded for the centre's coordinators to approve (POST
    /activities/{id}/approve puts it on-chain); between residents, the agreed payment is due."""
    m = _match(db, match_id)
    need_side, _ = _sides(actor, m)
    if not need_side:
        raise Refusal(403, "not_beneficiary", need_id=m.need_id)
    need = m.need
    minutes = body.minutes if body.minutes is not None else int(
        (need.ends_at - need.starts_at).total_seconds() // 60)
    reward = None
    if body.happened:
        rule = chain.rule(repo.VOLUNTEERING)
        limit = rule.max_units if rule else MAX_MINUTES
        if not 1 <= minutes <= limit:
            raise Refusal(422, "invalid_minutes", max=limit)
        reward = check_units(rule, repo.VOLUNTEERING, minutes)  # refuses what the chain's rule refuses, now
    place = db.scalar(select(Area.name).where(Area.code == need.area))
    db.rollback()
    with write_transaction(db):
        m = _match(db, match_id, for_update=True)
        repo.confirm(db, m, actor.name, body.happened, minutes, body.reason, reward, place)
        return match_out(db, m, chain)
