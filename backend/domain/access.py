"""Who may act for which centre. No I/O."""

from __future__ import annotations

from backend.domain.errors import Refusal


def check_centre(actor, centre_id: int) -> None:
    """Coordinators and welfare officers act for their own centre only; the admin for all."""
    if actor.role != "admin" and actor.centre_id != centre_id:
        raise Refusal(403, "forbidden", f"you act for centre {actor.centre_id}, not centre {centre_id}")
