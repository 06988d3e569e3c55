"""Bodies of neighbour reports."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from backend.api.schemas import Strict
from backend.api.schemas.texts import AreaCode, Body, Text


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
    # A confirmed report's reward: community points, then the community batch's activity that attested them.
    reward_points: int | None = None
    activity_id: int | None
    triaged_by: str | None


class TriageIn(Strict):
    decision: Literal["in_review", "confirmed", "dismissed"]
    note: Body


class AccessOut(BaseModel):
    actor: str  # the staff account of the session that asked ("officer1", "officer1 (api key)")
    staff_user_id: int
    action: str  # listed | read | triaged | refused
    # a refused attempt's refusal code: not_your_area | staff_required | password_change_required | api_key_read_only
    reason: str | None = None
    at: datetime
