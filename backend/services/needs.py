"""Needs: a resident (for themselves or their organisation), a coordinator (for the centre) or a community project
asks for help; the ranked candidates of a need, and the other way round the needs that fit a volunteer's talent;
closing it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, undefer

from backend.chain.client import ChainClient
from backend.config import Settings
from backend.domain.access import check_centre
from backend.domain.errors import Refusal
from backend.domain.matching import NeedQuery, Ranked, RankedNeed, slots_between
from backend.services import posting, sentences
from backend.services.actors import Actor, ResidentPrincipal, is_resident, who
from backend.services.areas import organisation_of
from backend.services.categories import VOLUNTEERING, max_units
from backend.store import areas as area_rows
from backend.store import needs as need_rows
from backend.store.models import Centre, Match, Need, TalentOffer
from backend.store.db import write_transaction
from backend.store.rows import get_or_refuse


def check_schedule(starts_at: datetime, ends_at: datetime, longest_minutes: int) -> None:
    if ends_at <= starts_at:
        raise Refusal(422, "bad_schedule", why="ends_at must be after starts_at")
    if (ends_at - starts_at).total_seconds() > longest_minutes * 60:
        raise Refusal(422, "bad_schedule", why=f"a need lasts at most {longest_minutes // 60} hours; split longer work")
    if ends_at <= datetime.now(UTC):
        raise Refusal(422, "in_past", what="ends_at")


def new_need(db: Session, longest_minutes: int, *, title: str, description: str | None, area: str, starts_at: datetime,
             ends_at: datetime, people_needed: int, settlement: str, centre_id: int | None, created_by: str,
             resident_id: int | None = None, organisation_id: int | None = None,
             proposal_id: int | None = None) -> Need:
    """A need, inside the caller's write transaction; it lasts at most `longest_minutes` (longest_need)."""
    check_schedule(starts_at, ends_at, longest_minutes)
    area_rows.area_or_refuse(db, area)
    if centre_id is not None and db.get(Centre, centre_id) is None:
        raise Refusal(422, "unknown_centre", centre_id=centre_id)
    need = Need(resident_id=resident_id, organisation_id=organisation_id, proposal_id=proposal_id, centre_id=centre_id,
                title=title, description=description, area=area, starts_at=starts_at.astimezone(UTC),
                ends_at=ends_at.astimezone(UTC), people_needed=people_needed, settlement=settlement, status="open",
                created_by=created_by)
    db.add(need)
    db.flush()
    return need


def longest_need(chain: ChainClient) -> int:
    """Minutes a need may last: what one volunteering activity may (the chain's rule)."""
    return max_units(chain, VOLUNTEERING)


def create(db: Session, chain: ChainClient, settings: Settings, actor: Actor, *, title: str, description: str | None,
           area: str, starts_at: datetime, ends_at: datetime, people_needed: int, settlement: str,
           centre_id: int | None, organisation_id: int | None) -> Need:
    """Volunteer activity names the centre whose coordinators approve it; payment is between two residents. A
    resident posts within their posting limits (services.posting)."""
    fields = dict(title=title, description=description, area=area, starts_at=starts_at, ends_at=ends_at,
                  people_needed=people_needed, created_by=actor.name)
    longest = longest_need(chain)  # before the write lock
    with write_transaction(db):
        if is_resident(actor):
            posting.check(db, settings, "need", actor.resident_id)
            org = organisation_of(db, actor, organisation_id)
            centre = org.centre_id if org else centre_id
            if org and settlement == "payment":
                raise Refusal(422, "payment_between_residents")
            if settlement == "volunteer_activity" and centre is None:
                raise Refusal(422, "settlement_needs_centre")
            if settlement == "payment":
                centre = None
            return new_need(db, longest, settlement=settlement, centre_id=centre, resident_id=actor.resident_id,
                            organisation_id=org.id if org else None, **fields)
        if actor.role not in ("admin", "coordinator"):
            raise Refusal(403, "staff_required", roles="admin or coordinator, or a resident", who=actor.role)
        if settlement == "payment":
            raise Refusal(422, "payment_between_residents")
        centre = centre_id if centre_id is not None else actor.centre_id
        if centre is None:
            raise Refusal(422, "settlement_needs_centre")
        check_centre(actor, centre)
        return new_need(db, longest, settlement="volunteer_activity", centre_id=centre, **fields)


def listing(db: Session, actor: Actor, *, status: str, area: str | None, text: str | None, mine: bool, after_id: int,
            limit: int) -> list[Need]:
    """Needs (open by default) of an area, or matching `text` (every word, Korean or English, as a substring)."""
    query = select(Need).where(Need.id > after_id).order_by(Need.id).limit(limit)
    if status != "any":
        query = query.where(Need.status == status)
    if area:
        query = query.where(Need.area == area)
    if mine:
        if not is_resident(actor):
            raise Refusal(403, "resident_required", who=who(actor))
        query = query.where(Need.resident_id == actor.resident_id)
    for word in (text or "").split():
        like = f"%{word}%"
        query = query.where(or_(Need.title.ilike(like), Need.description.ilike(like)))
    return list(db.scalars(query))


def get(db: Session, need_id: int, for_update: bool = False) -> Need:
    return get_or_refuse(db, Need, need_id, "need", for_update=for_update)


def of_proposal(db: Session, proposal_id: int) -> list[Need]:
    return list(db.scalars(select(Need).where(Need.proposal_id == proposal_id).order_by(Need.id)))


def is_need_side(actor: Actor, need: Need) -> bool:
    """The requester: the resident (or organisation representative) who asked, or for a centre's need its
    coordinators; the admin acts for any centre."""
    if isinstance(actor, ResidentPrincipal):
        return need.resident_id == actor.resident_id
    if need.resident_id is not None:
        return False
    return actor.role == "admin" or (actor.role == "coordinator" and actor.centre_id == need.centre_id)


def can_see_matches(actor: Actor, need: Need) -> bool:
    if is_need_side(actor, need):
        return True
    return not is_resident(actor) and (
        actor.role == "admin" or (actor.role == "coordinator" and actor.centre_id == need.centre_id))


def query_of(need: Need) -> NeedQuery:
    owner = f"resident:{need.resident_id}" if need.resident_id is not None else None
    return NeedQuery(need_rows.need_text(need), need.area, slots_between(need.starts_at, need.ends_at), owner)


def candidates(db: Session, matcher, actor: Actor, need_id: int, limit: int) -> list[Ranked]:
    """Offers ranked for an open need, best first, leaving out those already matched with it."""
    need = get(db, need_id)
    if not can_see_matches(actor, need):
        raise Refusal(403, "not_owner", what=f"need {need_id}")
    if need.status != "open":
        raise Refusal(409, "need_not_open", need_id=need_id, status=need.status)
    taken = set(db.scalars(select(Match.offer_id).where(Match.need_id == need_id)))
    query = query_of(need)
    sentences.seed([(need.sentence, query.text)])
    return [r for r in matcher.rank(db, query, limit + len(taken)) if r.offer_id not in taken][:limit]


FITTING_POOL = 5000  # the soonest open needs a talent is ranked against


def fitting(db: Session, matcher, resident: ResidentPrincipal, talent_id: int, limit: int) -> list[RankedNeed]:
    """The open needs that fit one of the resident's own talents, best first, scored and explained as the talent
    would be among each need's candidates: needs yet to start, not the resident's own, not already matched with
    this talent. Another resident's talent is "not found" (whose talents exist is not told)."""
    offer = db.get(TalentOffer, talent_id)
    if offer is None or offer.resident_id != resident.resident_id:
        raise Refusal(404, "not_found", what=f"talent {talent_id}")
    if offer.status != "active":
        raise Refusal(409, "talent_withdrawn", talent_id=talent_id)
    taken = select(Match.need_id).where(Match.offer_id == talent_id)
    rows = db.scalars(select(Need).where(
        Need.status == "open", Need.starts_at > datetime.now(UTC), Need.id.not_in(taken),
        or_(Need.resident_id.is_(None), Need.resident_id != resident.resident_id),
    ).options(undefer(Need.sentence)).order_by(Need.starts_at, Need.id).limit(FITTING_POOL)).all()
    queries = [(n.id, query_of(n)) for n in rows]
    sentences.seed((n.sentence, q.text) for n, (_, q) in zip(rows, queries))
    return matcher.rank_needs(db, talent_id, queries, limit)


def by_ids(db: Session, ids: list[int]) -> dict[int, Need]:
    return {n.id: n for n in db.scalars(select(Need).where(Need.id.in_(ids)))} if ids else {}


def close(db: Session, actor: Actor, need_id: int, reason: str) -> Need:
    with write_transaction(db):
        need = get(db, need_id, for_update=True)
        if not can_see_matches(actor, need):
            raise Refusal(403, "not_owner", what=f"need {need_id}")
        return need_rows.close_need(db, need, actor.name, reason)
