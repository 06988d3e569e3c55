"""A provider's settlement statement, day by day and as a spreadsheet: pure arithmetic over the provider's events
(vouchers issued, vouchers fulfilled, settlements), each with its block's time. The service reads the events."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from backend.domain.units import COIN

ISSUED, FULFILLED, SETTLED = "voucher_issued", "voucher_fulfilled", "settlement"


@dataclass(frozen=True)
class Entry:
    """One event of the statement: `coins` in base units (the voucher's price; the settled amount), `won` only for a
    settlement; `ref` the voucher id or the settlement id."""

    kind: str
    time: int  # the block's timestamp, unix seconds
    ref: str
    coins: int
    won: int
    tx_hash: str
    position: tuple[int, int] = (0, 0)  # (block, log index): the chain's order of events in the same second

    @property
    def moment(self) -> datetime:
        return datetime.fromtimestamp(self.time, UTC)


def days(entries: Iterable[Entry]) -> list[dict]:
    """One row per calendar day (UTC) that has an event, oldest first: coins received (vouchers issued), vouchers
    issued and fulfilled, coins settled and the won recorded for them. Amounts as decimal strings of base units."""
    by_day: dict[str, dict] = {}
    for e in sorted(entries, key=lambda e: (e.time, e.position)):
        day = by_day.setdefault(e.moment.date().isoformat(), {"received": 0, "issued": 0, "fulfilled": 0,
                                                                 "settled": 0, "won": 0})
        if e.kind == ISSUED:
            day["received"] += e.coins
            day["issued"] += 1
        elif e.kind == FULFILLED:
            day["fulfilled"] += 1
        elif e.kind == SETTLED:
            day["settled"] += e.coins
            day["won"] += e.won
    return [{"date": d, "coins_received": str(v["received"]), "vouchers_issued": v["issued"],
             "vouchers_fulfilled": v["fulfilled"], "coins_settled": str(v["settled"]), "won_settled": str(v["won"])}
            for d, v in by_day.items()]


def coins_text(base_units: int) -> str:
    """Base units as an exact decimal number of coins ("2", "0.1"): a spreadsheet cannot hold 10**18-scale integers
    exactly, a decimal of a few digits it can."""
    value = Decimal(base_units) / COIN
    text = format(value.normalize(), "f") if value else "0"
    return text


# Column headers and row labels of the CSV, by language.
HEADERS = {
    "en": ["date", "time_utc", "kind", "id", "coins_received", "coins_settled", "won_settled", "tx_hash"],
    "ko": ["날짜", "시각(UTC)", "구분", "번호", "받은 코인", "정산한 코인", "정산 금액(원)", "거래 해시"],
}
KINDS = {
    "en": {ISSUED: "voucher issued", FULFILLED: "voucher fulfilled", SETTLED: "settlement", "total": "total"},
    "ko": {ISSUED: "이용권 발급", FULFILLED: "이용권 사용", SETTLED: "정산", "total": "합계"},
}


def render_csv(entries: Iterable[Entry], language: str = "ko") -> bytes:
    """The statement's events as CSV, one row each (oldest first), then a totals row: coins as decimal coins, won as
    whole won. UTF-8 with a byte-order mark, so that Excel reads the Korean as UTF-8."""
    language = language if language in HEADERS else "en"
    kinds = KINDS[language]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS[language])
    received = settled = won = 0
    for e in sorted(entries, key=lambda e: (e.time, e.position)):
        moment = e.moment
        row_received = e.coins if e.kind == ISSUED else None
        row_settled = e.coins if e.kind == SETTLED else None
        row_won = e.won if e.kind == SETTLED else None
        received += row_received or 0
        settled += row_settled or 0
        won += row_won or 0
        writer.writerow([moment.date().isoformat(), moment.strftime("%H:%M:%S"), kinds[e.kind], e.ref,
                         "" if row_received is None else coins_text(row_received),
                         "" if row_settled is None else coins_text(row_settled),
                         "" if row_won is None else str(row_won), e.tx_hash])
    writer.writerow(["", "", kinds["total"], "", coins_text(received), coins_text(settled), str(won), ""])
    return "\ufeff".encode() + buffer.getvalue().encode()
