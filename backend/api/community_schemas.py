"""Request and response bodies of the community layer. Text is stripped of surrounding spaces before its length is
checked, so an all-blank title is refused as empty; every text field takes Korean."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field, StrictBool, StrictFloat, StrictInt, StringConstraints

from backend.api.schemas import UINT32_MAX, Strict


def Text(max_length: int) -> type[str]:  # noqa: N802 - a type
    return Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=max_length)]


Title = Text(200)
Body = Text(2000)
AreaCode = Annotated[str, StringConstraints(strict=True, pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
Slot = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=20)]


# -------------------------------------------------------------------------------------------- areas, organisations


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
    centre_id: StrictInt = Field(ge=1, le=UINT32_MAX)
    representative: Annotated[str, StringConstraints(strict=True)] = Field(description="the representative's wallet address")


class OrganisationOut(BaseModel):
    id: int
    name: str
    kind: str
    area: str
    centre_id: int
    representative: str


# -------------------------------------------------------------------------------------------- talents and needs


class TalentIn(Strict):
    title: Title
    description: Body | None = None
    skills: list[Text(50)] = Field(default_factory=list, max_length=20)
    area: AreaCode
    availability: list[Slot] = Field(min_length=1, max_length=21,
                                     description='weekly slots: "mon-morning", "sat-evening", "sun", "weekend", "weekdays", "any"')
    organisation_id: StrictInt | None = Field(default=None, ge=1)


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


class NeedIn(Strict):
    title: Title
    description: Body | None = None
    area: AreaCode
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    people_needed: StrictInt = Field(default=1, ge=1, le=50)
    settlement: Literal["volunteer_activity", "payment"] = "volunteer_activity"
    centre_id: StrictInt | None = Field(default=None, ge=1, le=UINT32_MAX)
    organisation_id: StrictInt | None = Field(default=None, ge=1)


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


class MatchIn(Strict):
    talent_id: StrictInt = Field(ge=1)


class ReasonIn(Strict):
    reason: Body


class ConfirmIn(Strict):
    happened: StrictBool
    minutes: StrictInt | None = Field(default=None, description="how long it took; the need's length when left out")
    reason: Body | None = None


class PaymentOut(BaseModel):
    status: str
    amount: str
    payer: str
    payee: str
    request_ref: str
    contract: str | None
    how: str
    tx_hash: str | None


class MatchOut(BaseModel):
    id: int
    need_id: int
    talent_id: int
    status: str
    need_accepted: bool
    volunteer_accepted: bool
    score: float | None
    factors: dict | None
    minutes: int | None
    reason: str | None
    activity_id: int | None
    activity_status: str | None
    payment: PaymentOut | None


# -------------------------------------------------------------------------------------------- reports


class ReportIn(Strict):
    area: AreaCode
    place: Text(300) = Field(description="where the neighbour lives or was seen")
    situation: Body
    neighbour: Text(300) | None = Field(default=None, description="what helps find them (no ID numbers)")


class ReportReceipt(BaseModel):
    id: int
    area: str
    status: str
    created_at: datetime


class ReportOut(ReportReceipt):
    place: str
    situation: str
    neighbour: str | None
    notes: list[dict]
    reporter_id: int
    activity_id: int | None
    triaged_by: str | None


class TriageIn(Strict):
    decision: Literal["in_review", "confirmed", "dismissed"]
    note: Body


class AccessOut(BaseModel):
    actor: str
    action: str
    at: datetime


# -------------------------------------------------------------------------------------------- proposals


class ProposalIn(Strict):
    kind: Literal["problem", "meeting"]
    title: Title
    body: Body
    area: AreaCode


class CommentIn(Strict):
    body: Text(1000)


class CommentOut(BaseModel):
    id: int
    author: str
    body: str
    at: datetime


class ProposalOut(BaseModel):
    id: int
    kind: str
    title: str
    body: str
    area: str
    status: str
    supporters: int
    centre_id: int | None
    decided_by: str | None
    decision_reason: str | None
    created_at: datetime
    mine: bool = False
    supported: bool = False


class ProposalDetail(ProposalOut):
    comments: list[CommentOut]
    needs: list[NeedOut]


class ProjectIn(Strict):
    centre_id: StrictInt = Field(ge=1, le=UINT32_MAX)
    needs: list[ProjectNeedIn] = Field(min_length=1, max_length=20)
