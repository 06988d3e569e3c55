"""The certificate's encoding (backend/domain/certificates.py) without a chain: it round-trips, its ids are the ones
the approval computed, a period is checked, and the code and the hours read as people read them."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

import pytest
from eth_account import Account

from backend.domain import certificates as rules
from backend.domain.activities import canonical_record, chain_activity_id
from backend.domain.errors import Refusal


def line(**overrides) -> rules.Line:
    fields = {"centre_id": 1, "serial": 2**40 + 7, "salt": os.urandom(32), "category": 1, "units": 90,
              "occurred_at": datetime(2026, 11, 3, 23, 30, 1, 250, tzinfo=UTC), "place": "반포동 경로당",
              "description": 'say "hi"\n\t😀'}
    return rules.Line(**{**fields, **overrides})


def test_the_encoding_round_trips_and_recomputes_the_approved_id():
    volunteer = Account.create().address
    lines = [line(), line(centre_id=3, serial=0, place="", description="")]
    payload = rules.encode(volunteer, date(2026, 11, 1), date(2026, 11, 30), lines)
    assert rules.decode(rules.from_b64url(rules.b64url(payload))) == (volunteer, date(2026, 11, 1), date(2026, 11, 30), lines)
    x = lines[0]
    record = canonical_record(volunteer, x.category, x.units, x.occurred_at, x.place, x.description)
    assert x.chain_id(volunteer) == chain_activity_id(x.centre_id, x.serial, x.salt, record)[0]
    assert x.day == date(2026, 11, 4)  # 08:30 the next morning in Korea


def test_a_truncated_or_padded_certificate_is_not_read():
    payload = rules.encode(Account.create().address, date(2026, 1, 1), date(2026, 1, 2), [line()])
    for broken in (payload[:-1], payload + b"\0", b"\x02" + payload[1:]):
        with pytest.raises(ValueError):
            rules.decode(broken)


def test_the_period_is_in_korean_days_and_the_right_way_round():
    lo, hi = rules.parse_period(date(2026, 11, 1), date(2026, 11, 30))
    assert lo == datetime(2026, 10, 31, 15, tzinfo=UTC) and hi == datetime(2026, 11, 30, 15, tzinfo=UTC)
    with pytest.raises(Refusal) as refused:
        rules.parse_period(date(2026, 11, 2), date(2026, 11, 1))
    assert refused.value.code == "invalid_period"
    with pytest.raises(Refusal) as refused:
        rules.parse_period(date(2020, 1, 1), date(2026, 1, 1))
    assert refused.value.code == "period_too_long"


def test_the_code_and_the_hours_read_plainly():
    code = rules.code(b"anything")
    assert len(code) == 14 and code[4] == code[9] == "-"
    assert set(code.replace("-", "")) <= set(rules.CODE_ALPHABET) and not set("ILOU") & set(code)
    assert [rules.hours(m) for m in (60, 90, 150, 15, 0)] == ["1", "1.5", "2.5", "0.25", "0"]


def test_a_qr_code_holds_a_certificate_of_about_twenty_activities_with_words():
    volunteer = Account.create().address
    url = rules.verification_url("https://bank.example", rules.encode(volunteer, date(2026, 1, 1), date(2026, 12, 31),
                                                                       [line() for _ in range(20)]))
    assert rules.fits_in_qr(url)
    url = rules.verification_url("https://bank.example", rules.encode(volunteer, date(2026, 1, 1), date(2026, 12, 31),
                                                                       [line() for _ in range(40)]))
    assert not rules.fits_in_qr(url)


def test_a_long_period_makes_the_wordiest_lines_compact_until_it_fits():
    volunteer = Account.create().address
    lines = [line(description="어르신 댁 방문, 말벗과 장보기 도움 " * (8 if i % 2 else 1)) for i in range(20)]
    payload, url = rules.fitted("https://bank.example", volunteer, date(2026, 1, 1), date(2026, 12, 31), lines)
    assert rules.fits_in_qr(url)
    decoded = rules.decode(payload)[3]
    compacted = [i for i, x in enumerate(decoded) if isinstance(x, rules.Compact)]
    assert compacted and all(i % 2 for i in compacted)  # the long descriptions went first
    assert [x.chain_id(volunteer) for x in decoded] == [x.chain_id(volunteer) for x in lines]
    assert rules.fitted("https://bank.example", volunteer, date(2026, 1, 1), date(2026, 12, 31),
                        [line() for _ in range(rules.COMPACT_LINES_FIT + 10)]) is None
    short = [line(place="", description="") for _ in range(3)]
    assert all(isinstance(x, rules.Line) for x in rules.decode(rules.fitted("https://b", volunteer, date(2026, 1, 1),
                                                                              date(2026, 1, 2), short)[0])[3])
