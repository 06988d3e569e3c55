"""Volunteer certificates (봉사활동 확인서): what a certificate lists, and the compact encoding its QR code carries in
the verification URL's fragment (never sent to a server). No I/O.

The encoding holds, for each activity, exactly what recomputes its on-chain id from its record
(domain.activities.chain_activity_id): the centre id, the serial, the salt, and the record's fields (volunteer,
category, units, occurred_at to the microsecond, place, description). Nothing else: no name, no member number.

When the records of a long period do not fit one QR code, the lines with the most text become compact lines: the
id itself (its low 160 bits) with the claimed category, units and time, which the verification checks against the
attestation's public ActivityAttested log (volunteer, category, units, UTC day) instead of recomputing the id.

Layout (version 1), all integers unsigned LEB128 varints, text UTF-8 with a varint byte length before it:
    version (1 byte = 1) | volunteer (20 bytes) | from day | to day (days since 1970-01-01, KST) | line count |
    per line: kind | centre id | serial | then
      kind 0 (record):  salt (32 bytes) | category | units | occurred_at seconds (unix) | microseconds | place |
                        description
      kind 1 (compact): id's low 160 bits (20 bytes) | category | units | occurred_at seconds (unix)
and the whole is written in base64url without padding. docs/certificates.md describes it for other verifiers.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from eth_utils import keccak, to_checksum_address

from backend.domain.activities import canonical_record, chain_activity_id
from backend.domain.errors import Refusal

VERSION = 1
KST = timezone(timedelta(hours=9))  # Korea keeps no daylight saving time: the certificate's dates are Korean dates
EPOCH = date(1970, 1, 1)
# A QR code of version 40 at error correction L holds 2,953 bytes; the URL's origin and path take some of them.
QR_MAX_BYTES = 2953
MAX_PERIOD_DAYS = 366 * 5
COMPACT_LINES_FIT = 70  # about as many compact lines as one QR code holds (tests/backend/test_certificate_encoding.py)
DAY_S = 86_400
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32: no I, L, O, U to misread


@dataclass(frozen=True)
class Line:
    """One certified activity: what its on-chain id is recomputed from."""

    centre_id: int
    serial: int
    salt: bytes
    category: int
    units: int
    occurred_at: datetime
    place: str
    description: str

    def record(self, volunteer: str) -> bytes:
        return canonical_record(volunteer, self.category, self.units, self.occurred_at, self.place, self.description)

    def chain_id(self, volunteer: str) -> bytes:
        return chain_activity_id(self.centre_id, self.serial, self.salt, self.record(volunteer))[0]

    @property
    def day(self) -> date:
        return self.occurred_at.astimezone(KST).date()


@dataclass(frozen=True)
class Compact:
    """A certified activity given by its id and its claimed category, units and time, all checked against the
    attestation's log (the time to its UTC day: the chain keeps the day alone)."""

    centre_id: int
    serial: int
    record_low: bytes  # the id's low 160 bits
    category: int
    units: int
    occurred_at: datetime  # to the second

    def chain_id(self, volunteer: str) -> bytes:
        value = (self.centre_id << 224) | (self.serial << 160) | int.from_bytes(self.record_low, "big")
        return value.to_bytes(32, "big")

    @property
    def day(self) -> date:
        return self.occurred_at.astimezone(KST).date()


def compact(line: Line, volunteer: str) -> Compact:
    return Compact(line.centre_id, line.serial, line.chain_id(volunteer)[12:], line.category, line.units,
                   line.occurred_at.astimezone(UTC).replace(microsecond=0))


def parse_period(start: date, end: date) -> tuple[datetime, datetime]:
    """[from 00:00 KST, the day after `end` 00:00 KST) as UTC datetimes, or a Refusal."""
    if start > end:
        raise Refusal(422, "invalid_period", f"from {start} is after to {end}", start=str(start), end=str(end))
    if (end - start).days > MAX_PERIOD_DAYS:
        raise Refusal(422, "period_too_long", days=MAX_PERIOD_DAYS)
    lo = datetime(start.year, start.month, start.day, tzinfo=KST).astimezone(UTC)
    end1 = end + timedelta(days=1)
    return lo, datetime(end1.year, end1.month, end1.day, tzinfo=KST).astimezone(UTC)


def _varint(n: int) -> bytes:
    if n < 0:
        raise ValueError("negative")
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _text(s: str) -> bytes:
    raw = s.encode()
    return _varint(len(raw)) + raw


def encode(volunteer: str, start: date, end: date, lines: list[Line | Compact]) -> bytes:
    out = bytearray([VERSION])
    out += bytes.fromhex(volunteer[2:])
    out += _varint((start - EPOCH).days) + _varint((end - EPOCH).days) + _varint(len(lines))
    for x in lines:
        t = x.occurred_at.astimezone(UTC)
        seconds = int(t.replace(microsecond=0).timestamp())
        if isinstance(x, Compact):
            out += _varint(1) + _varint(x.centre_id) + _varint(x.serial) + x.record_low + _varint(x.category)
            out += _varint(x.units) + _varint(seconds)
            continue
        out += _varint(0) + _varint(x.centre_id) + _varint(x.serial) + x.salt + _varint(x.category) + _varint(x.units)
        out += _varint(seconds) + _varint(t.microsecond) + _text(x.place) + _text(x.description)
    return bytes(out)


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def take(self, n: int) -> bytes:
        if self.at + n > len(self.data):
            raise ValueError("truncated")
        chunk = self.data[self.at:self.at + n]
        self.at += n
        return chunk

    def varint(self) -> int:
        n = shift = 0
        while True:
            b = self.take(1)[0]
            n |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return n
            if shift > 63:
                raise ValueError("varint too long")

    def text(self) -> str:
        return self.take(self.varint()).decode()


def decode(data: bytes) -> tuple[str, date, date, list[Line | Compact]]:
    """The inverse of `encode` (the verification page does the same in the browser; tests use this one)."""
    r = _Reader(data)
    if r.take(1)[0] != VERSION:
        raise ValueError("unknown version")
    volunteer = to_checksum_address(r.take(20))
    start, end = EPOCH + timedelta(days=r.varint()), EPOCH + timedelta(days=r.varint())
    lines = []
    for _ in range(r.varint()):
        kind = r.varint()
        if kind == 1:
            centre, serial, low, category, units = r.varint(), r.varint(), r.take(20), r.varint(), r.varint()
            lines.append(Compact(centre, serial, low, category, units, datetime.fromtimestamp(r.varint(), UTC)))
            continue
        if kind != 0:
            raise ValueError("unknown kind of line")
        centre, serial, salt, category, units = r.varint(), r.varint(), r.take(32), r.varint(), r.varint()
        seconds, micro = r.varint(), r.varint()
        occurred = datetime.fromtimestamp(seconds, UTC).replace(microsecond=micro)
        lines.append(Line(centre, serial, salt, category, units, occurred, r.text(), r.text()))
    if r.at != len(data):
        raise ValueError("trailing bytes")
    return volunteer, start, end, lines


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def from_b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def code(payload: bytes) -> str:
    """The certificate code printed on the paper: 60 bits of keccak(payload) in Crockford base32, as XXXX-XXXX-XXXX.
    The verification page shows the code of the data it decoded, so a reader compares it with the paper's."""
    n = int.from_bytes(keccak(b"vb:certificate:" + payload)[:8], "big") >> 4
    chars = "".join(CODE_ALPHABET[(n >> (5 * i)) & 31] for i in range(11, -1, -1))
    return f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def verification_url(origin: str, payload: bytes) -> str:
    return f"{origin.rstrip('/')}/verify/#{b64url(payload)}"


def fits_in_qr(url: str) -> bool:
    return len(url.encode()) <= QR_MAX_BYTES


def fitted(origin: str, volunteer: str, start: date, end: date, lines: list[Line]) -> tuple[bytes, str] | None:
    """(data, verification URL) of the certificate, its lines with the most text made compact one by one until the
    URL fits a QR code; None when even all-compact lines do not fit."""
    chosen: list[Line | Compact] = list(lines)
    by_text = sorted(range(len(lines)), key=lambda i: -len((lines[i].place + lines[i].description).encode()))
    for i in [None, *by_text]:
        if i is not None:
            chosen[i] = compact(lines[i], volunteer)
        payload = encode(volunteer, start, end, chosen)
        url = verification_url(origin, payload)
        if fits_in_qr(url):
            return payload, url
    return None


def hours(minutes: int) -> str:
    """Minutes as hours people read: "2", "1.5", "0.25"."""
    text = f"{minutes / 60:.2f}".rstrip("0").rstrip(".")
    return text or "0"
