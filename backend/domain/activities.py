"""Rules of the activity workflow: validation, rewards, status transitions, salted on-chain ids. No I/O."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache

from eth_utils import is_address, is_checksum_address, keccak, to_checksum_address

from backend.chain.attestation_pages import activity_id
from backend.domain.errors import Refusal
from backend.domain.units import COIN  # noqa: F401 (re-exported for the workflow's callers)

UINT32_MAX = 2**32 - 1

# status → statuses it may move to
TRANSITIONS: dict[str, set[str]] = {
    "pending_review": {"recorded", "approved", "rejected"},
    "recorded": {"approved", "rejected"},
    "approved": {"submitted", "confirmed", "failed"},
    "submitted": {"approved", "confirmed", "failed"},
    "failed": {"approved"},
    "confirmed": {"revoking"},
    "revoking": {"revoked", "confirmed"},
    "rejected": set(),
    "revoked": set(),
}
EDITABLE = {"pending_review", "recorded"}
ON_CHAIN_PENDING = {"approved", "submitted"}




def check_transition(current: str, new: str) -> None:
    if new not in TRANSITIONS.get(current, set()):
        raise Refusal(409, "invalid_status", current=current, new=new)


def parse_address(value: str, field: str = "address") -> str:
    """A checksummed address, or a Refusal saying what is wrong with it."""
    if not isinstance(value, str):
        raise Refusal(422, "invalid_address", field=field, value=value)
    return _parse_address(value, field)


@lru_cache(maxsize=65_536)  # the same residents come back all day, and each check costs one or two keccaks
def _parse_address(value: str, field: str) -> str:
    if not is_address(value):
        raise Refusal(422, "invalid_address", field=field, value=value)
    if value != value.lower() and not is_checksum_address(value):
        raise Refusal(422, "invalid_address", f"{field}: {value!r} has a wrong checksum", field=field, value=value)
    if int(value, 16) == 0:
        raise Refusal(422, "invalid_address", field=field)
    return to_checksum_address(value)


@dataclass(frozen=True)
class Rule:
    """A category rule as the registry holds it."""

    category: int
    coins_per_block: int
    units_per_block: int
    max_units: int
    version: int
    active: bool

    def reward(self, units: int) -> int:
        return self.coins_per_block * units // self.units_per_block if self.units_per_block else 0


def check_units(rule: Rule | None, category: int, units: int) -> int:
    """The reward for `units` of `category`, or a Refusal naming the rule that refuses it."""
    if rule is None or rule.version == 0:
        raise Refusal(422, "unknown_category", category=category)
    if not rule.active:
        raise Refusal(422, "category_inactive", category=category)
    if not 1 <= units <= rule.max_units:
        raise Refusal(422, "invalid_units", category=category, max=rule.max_units, units=units)
    reward = rule.reward(units)
    if reward == 0:
        raise Refusal(422, "reward_too_small", units=units, category=category, per=rule.units_per_block)
    return reward


def check_cap(centre_id: int, reward: int, remaining_on_chain: int, pending: int) -> None:
    """Refuses an approval the registry would refuse for the centre's cap, counting what is already queued."""
    available = max(remaining_on_chain - pending, 0)
    if reward > available:
        raise Refusal(409, "over_centre_cap", centre_id=centre_id, available=coins(available),
                      remaining=coins(remaining_on_chain), pending=coins(pending), reward=coins(reward))


def coins(amount: int) -> str:
    """An amount in the coin's smallest unit as people read it: "50,000 coins", "0.1 coins", "1 coin"."""
    text = f"{Decimal(amount) / COIN:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} coin{'' if text == '1' else 's'}"


def canonical_record(resident_address: str, category: int, units: int, occurred_at: datetime, place: str | None,
                     description: str | None) -> bytes:
    """The record the on-chain hashes commit to, as canonical JSON."""
    return json.dumps(
        {"volunteer": resident_address, "category": category, "units": units,
         "occurredAt": occurred_at.astimezone(UTC).isoformat(), "place": place or "", "description": description or ""},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    ).encode()


def salted_hashes(salt: bytes, record: bytes) -> tuple[bytes, bytes]:
    """(record hash for the id, evidence hash): both keyed by the salt, so erasing it makes them unlinkable."""
    if len(salt) != 32:
        raise ValueError("salt must be 32 bytes")
    return keccak(b"vb:id:" + salt + record), keccak(b"vb:evidence:" + salt + record)


def chain_activity_id(centre_id: int, serial: int, salt: bytes, record: bytes) -> tuple[bytes, bytes]:
    """(on-chain id, evidence hash)."""
    record_hash, evidence = salted_hashes(salt, record)
    return activity_id(centre_id, serial, record_hash), evidence


PERSONAL_DATA = re.compile(
    r"\d{6}-?[1-4]\d{6}"  # resident registration number
    r"|01[016789]-?\d{3,4}-?\d{4}"  # Korean mobile number
    r"|[\w.+-]+@[\w-]+\.[\w.-]+",  # e-mail
)
