"""Areas (neighbourhoods with their centroid, for distances), the area a centre serves, and organisations (a farm,
a small firm, a social-economy group) whose representative — a resident — offers and asks for help for them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.domain.access import check_centre
from backend.domain.activities import parse_address
from backend.domain.errors import Refusal
from backend.services.actors import Actor, ResidentPrincipal
from backend.store import areas as area_rows
from backend.store.activities import resident_for
from backend.store.models import Area, Centre, Organisation, Resident
from backend.store.db import write_transaction
from backend.store.rows import get_or_refuse


def put_area(db: Session, code: str, name: str, lat: float, lon: float) -> Area:
    """Registers or moves an area; the matching index follows the areas' version counter."""
    with write_transaction(db):
        area = db.get(Area, code) or Area(code=code)
        area.name, area.lat, area.lon = name, lat, lon
        area = db.merge(area)
        area_rows.next_version(db, "areas")
        return area


def areas(db: Session) -> list[Area]:
    return list(db.scalars(select(Area).order_by(Area.code)))


def area_names(db: Session) -> dict[str, str]:
    """code → name (a Korean name where the city gave one), for explanations."""
    return {a.code: a.name for a in db.scalars(select(Area))}


def set_centre_area(db: Session, centre_id: int, area: str) -> Centre:
    """The area a centre serves: its welfare officers read the neighbour reports of that area."""
    with write_transaction(db):
        centre = db.get(Centre, centre_id)
        if centre is None:
            raise Refusal(404, "unknown_centre", centre_id=centre_id)
        area_rows.area_or_refuse(db, area)
        centre.area = area
        return centre


def create_organisation(db: Session, actor: Actor, *, name: str, kind: str, area: str, centre_id: int,
                        representative: str) -> tuple[Organisation, str]:
    """A coordinator registers an organisation of their centre and its representative: (it, their address)."""
    check_centre(actor, centre_id)
    address = parse_address(representative, "representative")
    with write_transaction(db):
        if db.get(Centre, centre_id) is None:
            raise Refusal(422, "unknown_centre", centre_id=centre_id)
        area_rows.area_or_refuse(db, area)
        rep = resident_for(db, address)
        org = Organisation(name=name, kind=kind, area=area, centre_id=centre_id, representative_id=rep.id,
                           created_by=actor.name)
        db.add(org)
        db.flush()
        return org, address


def organisations(db: Session, area: str | None, centre_id: int | None, limit: int) -> list[tuple[Organisation, str]]:
    """Organisations of an area or centre, with their representative's address (their pseudonymous identity)."""
    q = select(Organisation, Resident.address).join(Resident, Resident.id == Organisation.representative_id)
    if area:
        q = q.where(Organisation.area == area)
    if centre_id is not None:
        q = q.where(Organisation.centre_id == centre_id)
    return [(o, address) for o, address in db.execute(q.order_by(Organisation.id).limit(limit))]


def organisation_of(db: Session, resident: ResidentPrincipal, organisation_id: int | None) -> Organisation | None:
    """The organisation a resident acts for, refused unless they represent it."""
    if organisation_id is None:
        return None
    org = get_or_refuse(db, Organisation, organisation_id, "organisation")
    if org.representative_id != resident.resident_id:
        raise Refusal(403, "not_representative", organisation_id=organisation_id)
    return org
