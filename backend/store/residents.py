"""Residents as staff see them: which centre's they are (registered there, or an activity recorded there), search,
the record's changes with their audit rows. Inside the caller's transaction."""

from __future__ import annotations

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from backend.domain.activities import ON_CHAIN_PENDING
from backend.domain.residents import Search, member_number
from backend.store.models import Activity, Resident, ResidentChange


# Every person's row, not the pool that keeps forgotten residents' records (store.erasure).
PERSON = Resident.forgotten_pool.is_(False)


# Activities that make a resident registered by no centre (a wallet that signed in by itself) one of a centre's:
# approved by the centre's coordinator, not merely recorded — a wallet address is public, and recording an activity
# for another centre's resident must not open their record — and not a community reward (those name no centre's work).
VOUCHED = ("approved", "submitted", "confirmed")


def of_centre(centre_id: int):
    """The clause: the resident was registered by the centre (or came with its first activity there), or, registered
    by none, the centre approved an activity of theirs."""
    vouched = exists().where(Activity.resident_id == Resident.id, Activity.centre_id == centre_id,
                             Activity.status.in_(VOUCHED), Activity.source != "community")
    return and_(PERSON, or_(Resident.centre_id == centre_id, and_(Resident.centre_id.is_(None), vouched)))


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search(s: Session, centre_id: int | None, found: Search | None, after_id: int, limit: int) -> list[Resident]:
    """Residents of the centre (None: of every centre) matching the search, by id after `after_id`."""
    where = [Resident.id > after_id, PERSON]
    if centre_id is not None:
        where.append(of_centre(centre_id))
    if found is not None:
        any_of = [func.lower(Resident.name).like(_like(found.name_part), escape="\\")]
        if found.member_number:
            any_of.append(Resident.member_number == found.member_number)
        if found.phone_suffix:
            any_of.append(Resident.phone_digits.like("%" + found.phone_suffix))
        if found.address:
            any_of.append(Resident.address == found.address)
        where.append(or_(*any_of))
    return list(s.scalars(select(Resident).where(*where).order_by(Resident.id).limit(limit)))


def in_scope(s: Session, resident_id: int, centre_id: int | None, *, for_update: bool = False) -> Resident | None:
    """The resident if they are of the centre (None: any), else None."""
    q = select(Resident).where(Resident.id == resident_id, of_centre(centre_id) if centre_id is not None else PERSON)
    return s.scalar(q.with_for_update() if for_update else q)


def by_address(s: Session, address: str) -> Resident | None:
    return s.scalar(select(Resident).where(Resident.address == address))


def number(s: Session, resident: Resident) -> None:
    """Gives a new resident (flushed: it has its id) its member number."""
    resident.member_number = member_number(resident.id)


def has_activity_in_flight(s: Session, resident_id: int) -> bool:
    """An approved activity not yet on-chain: its record names the resident's address as it is now."""
    return s.scalar(select(exists().where(Activity.resident_id == resident_id,
                                          Activity.status.in_(ON_CHAIN_PENDING)))) or False


def change(s: Session, resident: Resident, actor: str, actor_user_id: int | None, field: str, value, reason: str | None
           ) -> None:
    """Sets a field of the record and writes its audit row (before → after)."""
    before = getattr(resident, field)
    setattr(resident, field, value)
    s.add(ResidentChange(resident_id=resident.id, actor=actor, actor_user_id=actor_user_id, field=field,
                         before=before, after=value, reason=reason))


def changes(s: Session, resident_id: int) -> list[ResidentChange]:
    return list(s.scalars(select(ResidentChange).where(ResidentChange.resident_id == resident_id)
                          .order_by(ResidentChange.id)))
