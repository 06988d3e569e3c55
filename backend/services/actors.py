"""Who a community request comes from: a resident proven by their wallet (SIWE), or a staff member."""

from __future__ import annotations

from dataclasses import dataclass

from backend.services.security import RESIDENT_ROLE, Principal


@dataclass(frozen=True)
class ResidentPrincipal:
    """A resident, proven by their wallet's signature (SIWE), with their row in `residents`."""

    resident_id: int
    address: str
    role: str = RESIDENT_ROLE
    via: str = "resident"  # Idempotency-Key records are kept per (via, user_id): one scope per resident
    centre_id: None = None

    @property
    def user_id(self) -> int:
        return self.resident_id

    @property
    def name(self) -> str:
        return f"resident {self.resident_id}"


Actor = Principal | ResidentPrincipal


def is_resident(actor: Actor) -> bool:
    return isinstance(actor, ResidentPrincipal)


def who(actor: Actor) -> str:
    return "a resident" if is_resident(actor) else actor.role
