"""Residents as staff find them: member numbers, phone digits, names compared for a sheet's check, what a search
text may mean. No I/O."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from eth_utils import is_address, to_checksum_address

from backend.domain.errors import Refusal

MEMBER_PREFIX = "VB"
_MEMBER = re.compile(r"^\s*([A-Za-z]{2})?\s*-?\s*0*(\d{1,9})\s*$")
# The least digits a phone search takes: fewer would list half the centre.
PHONE_SEARCH_MIN_DIGITS = 4


def member_number(resident_id: int) -> str:
    """The number printed on a member's card: "VB-000123" for resident 123 (unique as the id is)."""
    return f"{MEMBER_PREFIX}-{resident_id:06d}"


def member_number_of(text: str) -> str | None:
    """The member number a text names ("VB-000123", "vb123", "VB 123"), or None. Digits alone are not one (they
    may be a phone's end)."""
    m = _MEMBER.match(text or "")
    if m is None or m.group(1) is None or m.group(1).upper() != MEMBER_PREFIX:
        return None
    return member_number(int(m.group(2)))


def phone_digits(phone: str | None) -> str | None:
    """The digits of a phone number ("010-1234-5678" → "01012345678"); None when it has none."""
    digits = re.sub(r"\D", "", phone or "")
    return digits or None


def name_key(name: str | None) -> str:
    """A name as compared: Unicode-normalised, case-folded, without spaces ("김 민지" = "김민지", "Kim" = "KIM")."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name or "")).casefold()


@dataclass(frozen=True)
class Search:
    """What a search text may mean: part of a name, a member number, the end of a phone number, a wallet address."""

    name_part: str | None
    member_number: str | None
    phone_suffix: str | None
    address: str | None


def parse_search(q: str | None) -> Search | None:
    """None for no search (list all); else each meaning the text can have."""
    text = (q or "").strip()
    if not text:
        return None
    address = to_checksum_address(text) if is_address(text) else None
    phone = None
    if re.fullmatch(r"[\d\s()+.-]+", text):
        digits = phone_digits(text) or ""
        phone = digits if len(digits) >= PHONE_SEARCH_MIN_DIGITS else None
    return Search(name_part=text.casefold(), member_number=member_number_of(text), phone_suffix=phone, address=address)


def consent_moment(terms_version: str | None, consent_at: datetime | None, now: datetime) -> datetime:
    """When the resident consented to the terms of `terms_version` (now, unless given): refused without a
    version, or in the future."""
    if not terms_version:
        raise Refusal(422, "consent_required")
    consent_at = consent_at or now
    if consent_at.astimezone(UTC) > now:
        raise Refusal(422, "consent_in_future")
    return consent_at
