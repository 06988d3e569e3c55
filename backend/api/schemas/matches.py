"""Bodies of matches."""

from __future__ import annotations


from pydantic import BaseModel, Field, StrictBool, StrictInt

from backend.api.schemas import Strict, StrictId
from backend.api.schemas.texts import Body


class MatchIn(Strict):
    talent_id: StrictId


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
