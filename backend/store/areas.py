"""Areas, the centre serving one, and the version counters the matching index follows: steps inside the caller's
transaction."""

from __future__ import annotations


from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.domain.errors import Refusal
from backend.store.models import Area, Centre, VersionCounter


def next_version(s: Session, name: str) -> int:
    value = s.execute(update(VersionCounter).where(VersionCounter.name == name)
                      .values(value=VersionCounter.value + 1).returning(VersionCounter.value)).scalar()
    if value is None:  # the migration seeds the counters; this covers a table emptied by hand
        s.add(VersionCounter(name=name, value=1))
        s.flush()
        value = 1
    return value



def version(s: Session, name: str) -> int:
    return s.scalar(select(VersionCounter.value).where(VersionCounter.name == name)) or 0



def area_or_refuse(s: Session, code: str) -> Area:
    area = s.get(Area, code)
    if area is None:
        raise Refusal(422, "unknown_area", area=code)
    return area



def area_map(s: Session) -> dict[str, tuple[float, float]]:
    return {a.code: (a.lat, a.lon) for a in s.scalars(select(Area))}



def centre_for_area(s: Session, code: str) -> Centre:
    centre = s.scalar(select(Centre).where(Centre.area == code).order_by(Centre.id))
    if centre is None:
        raise Refusal(422, "no_centre_for_area", area=code)
    return centre
