"""Bodies of talent offers."""

from __future__ import annotations


from pydantic import BaseModel, Field

from backend.api.schemas import Strict, StrictId
from backend.api.schemas.texts import AreaCode, Body, Slot, Text, Title


class TalentIn(Strict):
    title: Title
    description: Body | None = None
    skills: list[Text(50)] = Field(default_factory=list, max_length=20)
    area: AreaCode
    availability: list[Slot] = Field(min_length=1, max_length=21,
                                     description='weekly slots: "mon-morning", "sat-evening", "sun", "weekend", "weekdays", "any"')
    organisation_id: StrictId | None = None


class TalentPatch(Strict):
    title: Title | None = None
    description: Body | None = None
    skills: list[Text(50)] | None = Field(default=None, max_length=20)
    area: AreaCode | None = None
    availability: list[Slot] | None = Field(default=None, min_length=1, max_length=21)


class TalentOut(BaseModel):
    id: int
    title: str
    description: str | None
    skills: list[str]
    area: str
    availability: list[str]
    status: str
    organisation_id: int | None
    mine: bool = False
