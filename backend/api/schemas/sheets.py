"""Attendance sheets: the form fields sent with the file, a line's fix."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

UINT32_MAX = 2**32 - 1


class SheetForm(BaseModel):
    """The form fields of POST /sheets (text, as a form sends them), besides the file."""

    model_config = ConfigDict(extra="forbid")

    category: str = Field(min_length=1, max_length=40, description="the category's id or key (GET /categories)")
    occurred_on: date = Field(description="the event's day, YYYY-MM-DD")
    place: str | None = Field(default=None, max_length=300)
    description: str | None = Field(default=None, max_length=2000)
    centre_id: int | None = Field(default=None, ge=1, le=UINT32_MAX, description="the admin's: which centre's sheet")


class SheetLinePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resident_id: StrictInt | None = Field(default=None, ge=1, description="the resident, as found with GET /residents")
    identifier: StrictStr | None = Field(default=None, min_length=1, max_length=60,
                                         description="or a member number, wallet address or phone")
    units: StrictInt | None = Field(default=None, gt=0, le=UINT32_MAX)
