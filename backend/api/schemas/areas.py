"""Bodies of areas and organisations."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StrictFloat, StringConstraints

from backend.api.schemas import Strict, StrictId
from backend.api.schemas.texts import AreaCode, Text, Title


class AreaIn(Strict):
    name: Text(100)
    lat: StrictFloat = Field(ge=-90, le=90)
    lon: StrictFloat = Field(ge=-180, le=180)


class AreaOut(BaseModel):
    code: str
    name: str
    lat: float
    lon: float


class CentreAreaIn(Strict):
    area: AreaCode


class OrganisationIn(Strict):
    name: Title
    kind: Literal["farm", "small_firm", "social_economy", "nonprofit", "public", "other"]
    area: AreaCode
    centre_id: StrictId
    representative: Annotated[str, StringConstraints(strict=True)] = Field(description="the representative's wallet address")


class OrganisationOut(BaseModel):
    id: int
    name: str
    kind: str
    area: str
    centre_id: int
    representative: str
