"""Bodies of community proposals."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from backend.api.schemas import Strict, StrictId
from backend.api.schemas.texts import AreaCode, Body, Text, Title
from backend.api.schemas.needs import NeedOut, ProjectNeedIn


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
    centre_id: StrictId
    needs: list[ProjectNeedIn] = Field(min_length=1, max_length=20)
