"""Attendance sheets: the form fields sent with the file, a line's fix."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from backend.api.schemas import UINT32_MAX, Id, StrictId
from backend.domain.bounds import BIGINT_MAX


class SheetForm(BaseModel):
    """The form fields of POST /sheets (text, as a form sends them), besides the file."""

    model_config = ConfigDict(extra="forbid")

    category: str = Field(min_length=1, max_length=40, description="the category's id or key (GET /categories)")
    occurred_on: date = Field(description="the event's day, YYYY-MM-DD")
    place: str | None = Field(default=None, max_length=300)
    description: str | None = Field(default=None, max_length=2000)
    centre_id: Id | None = Field(default=None, description="the admin's: which centre's sheet")


class SheetLinePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resident_id: StrictId | None = Field(default=None, description="the resident, as found with GET /residents")
    identifier: StrictStr | None = Field(default=None, min_length=1, max_length=60,
                                         description="or a member number, wallet address or phone")
    units: StrictInt | None = Field(default=None, gt=0, le=UINT32_MAX)


class SheetApproval(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sign_with: StrictStr | None = Field(default=None, min_length=1, max_length=60, description=(
        "a wallet holding the centre's coordinator role on-chain: the activities then wait for its signature "
        "(GET/POST /sheets/{id}/signature) instead of going out under the centre's key"))


class SheetSignature(BaseModel):
    """The typed data's nonce and deadline as signed, and the signature (eth_signTypedData_v4)."""

    model_config = ConfigDict(extra="forbid")

    nonce: StrictInt = Field(ge=0, le=BIGINT_MAX, description="message.nonce of the typed data signed")
    deadline: StrictInt = Field(ge=0, le=2**40, description="message.deadline of the typed data signed")
    signature: StrictStr = Field(min_length=4, max_length=4000, pattern="^0x[0-9a-fA-F]+$",
                                 description="65 bytes from a key, or a smart-contract wallet's own form (EIP-1271)")
