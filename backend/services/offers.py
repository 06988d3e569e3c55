"""Residents' talent offers: offered (for themselves or an organisation they represent), changed, withdrawn, and
found by free text through the matching index."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.domain.errors import Refusal
from backend.domain.matching import NeedQuery, Ranked, parse_slots
from backend.services.actors import Actor, ResidentPrincipal, is_resident, who
from backend.services import posting
from backend.services.areas import organisation_of
from backend.store import areas as area_rows
from backend.store.models import Match, TalentOffer
from backend.store.db import write_transaction
from backend.store.rows import get_or_refuse


def slots(names: list[str]) -> int:
    try:
        return parse_slots(names)
    except ValueError as exc:
        raise Refusal(422, "invalid_slots", why=str(exc)) from None


def create(db: Session, settings: Settings, resident: ResidentPrincipal, *, title: str, description: str | None,
           skills: list[str], area: str, availability: list[str], organisation_id: int | None) -> TalentOffer:
    """Within the resident's posting limits (services.posting)."""
    weekly = slots(availability)
    with write_transaction(db):
        posting.check(db, settings, "talent", resident.resident_id)
        area_rows.area_or_refuse(db, area)
        org = organisation_of(db, resident, organisation_id)
        offer = TalentOffer(resident_id=resident.resident_id, organisation_id=org.id if org else None, title=title,
                            description=description, skills=skills, area=area, availability=weekly, status="active",
                            version=area_rows.next_version(db, "offers"))
        db.add(offer)
        db.flush()
        return offer


def _own(db: Session, resident: ResidentPrincipal, talent_id: int) -> TalentOffer:
    offer = get_or_refuse(db, TalentOffer, talent_id, "talent", for_update=True)
    if offer.resident_id != resident.resident_id:
        raise Refusal(403, "not_owner", what=f"talent {talent_id}")
    if offer.status != "active":
        raise Refusal(409, "talent_withdrawn", talent_id=talent_id)
    return offer


def change(db: Session, resident: ResidentPrincipal, talent_id: int, changes: dict) -> TalentOffer:
    if not changes:
        raise Refusal(422, "invalid_request", why="give at least one field to change")
    if "availability" in changes:
        changes["availability"] = slots(changes["availability"])
    with write_transaction(db):
        offer = _own(db, resident, talent_id)
        if "area" in changes:
            area_rows.area_or_refuse(db, changes["area"])
        for field, value in changes.items():
            setattr(offer, field, value)
        offer.version = area_rows.next_version(db, "offers")
        return offer


def withdraw(db: Session, resident: ResidentPrincipal, talent_id: int) -> TalentOffer:
    """No longer a candidate; matches proposed with it are cancelled."""
    with write_transaction(db):
        offer = _own(db, resident, talent_id)
        offer.status, offer.version = "withdrawn", area_rows.next_version(db, "offers")
        for m in db.scalars(select(Match).where(Match.offer_id == talent_id, Match.status == "proposed")):
            m.status, m.reason = "cancelled", "the offer was withdrawn"
        return offer


def search(db: Session, matcher, actor: Actor, text: str, area: str | None, limit: int) -> list[Ranked]:
    """Offers for free text (Korean or English), ranked by the matcher (talents, text, distance to `area`); a new
    text is read by the sentence encoder within the actor's allowance (OfferMatcher.rank)."""
    if not text.strip():
        raise Refusal(422, "invalid_request", why="q: say what you are looking for")
    spender = f"{'resident' if is_resident(actor) else 'staff'}:{actor.user_id}"
    return matcher.rank(db, NeedQuery(text, area, 0), limit, spender)


def listing(db: Session, actor: Actor, area: str | None, mine: bool, limit: int) -> list[TalentOffer]:
    """The newest active offers (of `area`), or the resident's own (`mine`, withdrawn ones too)."""
    if mine:
        if not is_resident(actor):
            raise Refusal(403, "resident_required", who=who(actor))
        query = select(TalentOffer).where(TalentOffer.resident_id == actor.resident_id).order_by(TalentOffer.id.desc())
        return list(db.scalars(query.limit(limit)))
    query = select(TalentOffer).where(TalentOffer.status == "active").order_by(TalentOffer.id.desc()).limit(limit)
    if area:
        query = query.where(TalentOffer.area == area)
    return list(db.scalars(query))


def get(db: Session, talent_id: int) -> TalentOffer:
    return get_or_refuse(db, TalentOffer, talent_id, "talent")


def by_ids(db: Session, ids: list[int]) -> dict[int, TalentOffer]:
    return {o.id: o for o in db.scalars(select(TalentOffer).where(TalentOffer.id.in_(ids)))}
