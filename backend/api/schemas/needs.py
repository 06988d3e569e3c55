"""Bodies of needs and their ranked candidates."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field, StrictInt

from backend.api.schemas import Strict, StrictId
from backend.api.schemas.texts import AreaCode, Body, Title
from backend.api.schemas.talents import TalentOut


class NeedIn(Strict):
    title: Title
    description: Body | None = None
    area: AreaCode
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    people_needed: StrictInt = Field(default=1, ge=1, le=50)
    settlement: Literal["volunteer_activity", "payment"] = "volunteer_activity"
    centre_id: StrictId | None = None
    organisation_id: StrictId | None = None


class ProjectNeedIn(Strict):
    """A need of a community project (the centre's; settled as volunteer activity)."""

    title: Title
    description: Body | None = None
    area: AreaCode | None = None  # the proposal's area when left out
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    people_needed: StrictInt = Field(default=1, ge=1, le=50)


class NeedOut(BaseModel):
    id: int
    title: str
    description: str | None
    area: str
    starts_at: datetime
    ends_at: datetime
    slots: list[str]
    people_needed: int
    settlement: str
    centre_id: int | None
    organisation_id: int | None
    proposal_id: int | None
    status: str
    closed_reason: str | None
    mine: bool = False


class FactorOut(BaseModel):
    value: float
    weight: float
    contribution: float
    note: str


class CandidateOut(BaseModel):
    talent: TalentOut
    score: float
    factors: dict[str, FactorOut]
    matched_terms: list[str]


class FittingNeedOut(BaseModel):
    """A need that fits one of the volunteer's talents: the score and factors that talent has among the need's
    candidates, each factor explained in the reader's language."""

    need: NeedOut
    score: float
    factors: dict[str, FactorOut]
    matched_terms: list[str]
