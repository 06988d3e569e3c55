"""Text fields of the community's bodies: stripped of surrounding spaces before their length is checked, so an
all-blank title is refused as empty; every text field takes Korean."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from backend.api.schemas import Strict


def Text(max_length: int) -> type[str]:  # noqa: N802 - a type
    return Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=max_length)]


Title = Text(200)
Body = Text(2000)
AreaCode = Annotated[str, StringConstraints(strict=True, pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
Slot = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=20)]


class ReasonIn(Strict):
    reason: Body
