"""The rules of custodial accounts that need no I/O: what PIN a resident may choose, what a card's token looks like,
the Korean day a daily spending limit counts. services.custody applies them."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta, timezone

from backend.domain.errors import Refusal

PIN_DIGITS = (4, 6)
CARD_TOKEN_PREFIX = "vbc_"
_TOKEN = re.compile(r"^vbc_[A-Za-z0-9_-]{24}$")
KST = timezone(timedelta(hours=9))


def is_held(record_address: str, account_address: str, key_kept: bool) -> bool:
    """The centre still holds the resident's account: the record's wallet is the account's and its key is kept (not
    once the resident moved to a wallet of their own)."""
    return key_kept and record_address == account_address


def check_pin(pin: str, phone_digits: str | None = None) -> None:
    """A PIN of 4 to 6 digits that is not trivially guessed: not one digit repeated (0000), not a run up or down
    (1234, 987654), not a pair or triple repeated (1212, 123123), not the end of the resident's phone number."""
    if not re.fullmatch(r"\d{4,6}", pin or ""):
        raise Refusal(422, "pin_format", low=PIN_DIGITS[0], high=PIN_DIGITS[1])
    digits = [int(c) for c in pin]
    steps = {b - a for a, b in zip(digits, digits[1:], strict=False)}
    repeated = any(len(pin) % n == 0 and pin == pin[:n] * (len(pin) // n) for n in (1, 2, 3))
    if repeated or steps in ({1}, {-1}) or (phone_digits and phone_digits.endswith(pin)):
        raise Refusal(422, "pin_too_easy")


def new_card_token() -> str:
    """A card's opaque token: what its QR code holds, and nothing about the person (144 random bits)."""
    return CARD_TOKEN_PREFIX + secrets.token_urlsafe(18)


def is_card_token(text: str) -> bool:
    return bool(_TOKEN.match(text or ""))


KIOSK_TOKEN_PREFIX = "vbk_"
_KIOSK_TOKEN = re.compile(r"^vbk_[A-Za-z0-9_-]{43}$")


def new_kiosk_token() -> str:
    """A kiosk device's secret: shown once when a coordinator enrols the kiosk, kept only as its digest (256 bits)."""
    return KIOSK_TOKEN_PREFIX + secrets.token_urlsafe(32)


def is_kiosk_token(text: str) -> bool:
    return bool(_KIOSK_TOKEN.match(text or ""))


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def korean_midnight(now: datetime) -> datetime:
    """The start of `now`'s day in Korea, in UTC: a daily spending limit starts again at 00:00 KST."""
    local = now.astimezone(KST)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
