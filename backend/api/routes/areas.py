"""Areas and the centres that serve them, and organisations with their representative (services.areas)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from backend.api.schemas import Id
from backend.api.schemas.areas import AreaIn, AreaOut, CentreAreaIn, OrganisationIn, OrganisationOut
from backend.api.deps import DbDep, require
from backend.api.residents_auth import ActorDep
from backend.services import areas
from backend.services.security import Principal

router = APIRouter(tags=["areas and organisations"])
Admin = Annotated[Principal, Depends(require("admin"))]
Coordinator = Annotated[Principal, Depends(require("admin", "coordinator"))]
AREA_CODE = r"^[a-z0-9][a-z0-9-]{0,39}$"


def _org_out(o, representative: str) -> OrganisationOut:
    return OrganisationOut(id=o.id, name=o.name, kind=o.kind, area=o.area, centre_id=o.centre_id,
                           representative=representative)


@router.put("/areas/{code}", response_model=AreaOut)
def put_area(code: Annotated[str, Path(pattern=AREA_CODE)], body: AreaIn, db: DbDep, _: Admin) -> AreaOut:
    """Registers or moves an area (a neighbourhood, e.g. a dong, and its centroid, for distances). The code is
    lower-case ASCII (e.g. seocho-banpo1); the name may be Korean."""
    a = areas.put_area(db, code, body.name, body.lat, body.lon)
    return AreaOut(code=a.code, name=a.name, lat=a.lat, lon=a.lon)


@router.get("/areas", response_model=list[AreaOut])
async def list_areas(db: DbDep) -> list[AreaOut]:
    return [AreaOut(code=a.code, name=a.name, lat=a.lat, lon=a.lon) for a in areas.areas(db)]


@router.put("/centres/{centre_id}/area", response_model=dict)
def set_centre_area(centre_id: Id, body: CentreAreaIn, db: DbDep, _: Admin) -> dict:
    """Sets the area a centre serves: its welfare officers read the neighbour reports of that area."""
    c = areas.set_centre_area(db, centre_id, body.area)
    return {"id": c.id, "key": c.key, "name": c.name, "area": c.area}


@router.post("/organisations", response_model=OrganisationOut, status_code=201)
def create_organisation(body: OrganisationIn, db: DbDep, principal: Coordinator) -> OrganisationOut:
    """A coordinator registers a farm, small firm or social-economy group of their centre and its representative
    (a resident, who then offers and asks for help on its behalf)."""
    return _org_out(*areas.create_organisation(db, principal, name=body.name, kind=body.kind, area=body.area,
                                               centre_id=body.centre_id, representative=body.representative))


@router.get("/organisations", response_model=list[OrganisationOut])
def list_organisations(db: DbDep, _: ActorDep, area: str | None = None, centre_id: Id | None = None,
                       limit: Annotated[int, Query(ge=1, le=200)] = 100) -> list[OrganisationOut]:
    """Organisations of an area or centre (residents see who asks; the representative's address is their
    pseudonymous on-chain identity)."""
    return [_org_out(o, address) for o, address in areas.organisations(db, area, centre_id, limit)]
