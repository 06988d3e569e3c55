"""Community rewards, the pure rules: the periods they are collected in (aligned to Monday 00:00 Korean time) and
each resident's points of a batch as activities no larger than the category allows."""

from __future__ import annotations

from datetime import UTC, datetime

# Monday 5 January 1970, 00:00 in Korea (UTC+9): periods of whole weeks start on a Monday morning there.
PERIOD_ORIGIN = datetime(1970, 1, 4, 15, 0, tzinfo=UTC)


def period_start(at: datetime, period_s: int) -> datetime:
    """The start of the period `at` falls in."""
    elapsed = int((at - PERIOD_ORIGIN).total_seconds())
    return datetime.fromtimestamp(PERIOD_ORIGIN.timestamp() + (elapsed // period_s) * period_s, UTC)


def chunks(points: int, most: int) -> list[int]:
    """`points` as activities of at most `most` units each (the category's max_units), largest first."""
    if points <= 0 or most <= 0:
        return []
    full, rest = divmod(points, most)
    return [most] * full + ([rest] if rest else [])
