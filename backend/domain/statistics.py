"""Open statistics: where every coin came from and where it went, aggregated from the contracts' events. No I/O.

The API (from the indexed events in the database) and scripts/recompute_statistics.py (from a node, with no
database) both feed the events up to one block into an `Aggregator` and print its `statistics` with `render_json`
or `render_csv`, so the same chain at the same block gives the same bytes. See docs/statistics.md.

What is counted, per row (month, flow, centre, category, organisation):
- issued / revoked: activities attested / revoked, by the month (UTC) of the activity's own `time`, its centre
  (the top 32 bits of the activity id) and category, with units, hours (time-based categories only) and coins;
  a revocation counts in the row of the activity it revokes.
- debt_netted, redeemed, fulfilled, donated, settled, paid: by the month (UTC) of the block, with the provider or
  charity (public organisations registered by the city) where there is one. They have no centre or category:
  coins carry no memory of the activity that earned them.
Won: coins × the rate in force (`WonPerCoinSet`) when the event happened; settlements use the won the contract
recorded (`Settled.wonAmount`, rounded down by the contract), which is what the city owes.

Personal data: none. Residents' addresses (volunteers, redeemers, donors, payers, payees) are only counted, never
output; names and contact details are not on the chain at all.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from backend.chain.attestation_pages import centre_of
from backend.domain.errors import Refusal
from backend.domain.units import COIN

SCHEMA = "volunteer-bank/statistics/1"
# The events statistics read, per contract; everything else (Transfer, roles, offers …) is ignored.
EVENTS = {
    "ActivityRegistry": frozenset({"CentreAdded", "CategoryRuleSet", "ActivityAttested", "ActivityRevoked",
                                   "DebtNetted"}),
    "Redemption": frozenset({"WonPerCoinSet", "VoucherIssued", "VoucherFulfilled", "Donated", "ServicePaid",
                             "Settled"}),
}
EVENT_NAMES = frozenset().union(*EVENTS.values())
FLOWS = ("issued", "revoked", "debt_netted", "redeemed", "fulfilled", "donated", "settled", "paid")
ACTIVITY_FLOWS = frozenset({"issued", "revoked"})
# Units of time a category may be counted in (the `unit` of the deployment config), in seconds. Categories in
# any other unit (classes, items, reports) have no hours.
TIME_UNITS = {"second": 1, "seconds": 1, "minute": 60, "minutes": 60, "hour": 3600, "hours": 3600}
COLUMNS = ("month", "flow", "centre_id", "centre", "category_id", "category", "unit", "organisation",
           "organisation_address", "count", "units", "hours", "coins", "won")
MONTHS_NOTE = "UTC; issued and revoked by the month of the activity's time, the other flows by the month of the block"
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class ChainLog:
    """One decoded event, as the indexer stores it or the script reads it from a node."""

    block_number: int
    log_index: int
    block_time: int | None  # the block's timestamp (unix seconds)
    contract: str  # ServiceCoin | ActivityRegistry | Redemption
    event: str
    args: Mapping[str, Any]  # as backend.chain.events.decode_event returns them


@dataclass(frozen=True)
class Catalogue:
    """The public names a deployment gives to ids and addresses: from the manifest's `config` (what the reviewed
    config/deployment.yaml set up). Only organisations are named; residents never are."""

    chain_id: int
    contracts: dict[str, str]
    deployment_block: int
    won_per_coin: int  # the configured rate; the chain's own WonPerCoinSet events take precedence
    categories: dict[int, tuple[str, str]]  # id → (key, unit)
    centres: dict[int, str]  # id → key
    organisations: dict[str, str]  # address → key (providers and charities)


def catalogue_from_manifest(manifest: Mapping[str, Any]) -> Catalogue:
    config = manifest.get("config") or {}
    organisations = {}
    for entry in [*config.get("providers", []), *config.get("charities", [])]:
        organisations[entry["address"]] = entry["key"]
    return Catalogue(
        chain_id=int(manifest["chainId"]),
        contracts={name: entry["address"] for name, entry in sorted(manifest["contracts"].items())},
        deployment_block=int(manifest["deploymentBlock"]),
        won_per_coin=int(config.get("wonPerCoin", 200)),
        categories={int(c["id"]): (c["key"], c.get("unit") or "") for c in config.get("categories", [])},
        centres={int(c["id"]): c["key"] for c in config.get("centres", [])},
        organisations=organisations,
    )


@dataclass
class Cell:
    """The sums of one row, exact: coins in base units, won × 10**18, time in seconds."""

    count: int = 0
    units: int = 0
    seconds: int = 0
    coins: int = 0
    won_e18: int = 0

    def add(self, other: Cell) -> None:
        self.count += other.count
        self.units += other.units
        self.seconds += other.seconds
        self.coins += other.coins
        self.won_e18 += other.won_e18


RowKey = tuple[str, str, int | None, int | None, str | None]  # month, flow, centre, category, organisation


@dataclass
class Statistics:
    """The sums at one block (see Aggregator.statistics)."""

    catalogue: Catalogue
    to_block: int
    to_block_hash: str
    won_per_coin: int  # the rate in force at to_block
    cells: dict[RowKey, Cell] = field(default_factory=dict)
    centres: set[int] = field(default_factory=set)
    categories: set[int] = field(default_factory=set)
    supply: dict[str, int] = field(default_factory=dict)


def month_of(timestamp: int) -> str:
    return datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m")


class Aggregator:
    """Takes events in chain order (block, log index), more at a time as the chain grows, and gives the statistics
    up to any block it has been fed to. The order matters: the won rate in force and the activity a revocation
    revokes come from earlier events."""

    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        self.cells: dict[RowKey, Cell] = {}
        self.centres: set[int] = set(catalogue.centres)
        self.categories: set[int] = set(catalogue.categories)
        # Activity id → its month, category and units packed in one int (month index << 48 | category << 32 |
        # units): kept for every attestation so a revocation finds its row, so kept small.
        self.attested: dict[int, int] = {}
        self.vouchers: dict[int, tuple[int, int]] = {}  # voucher id → price, won × 10**18 at redemption
        self.supply = dict.fromkeys(("issued", "debt_netted", "clawed_back", "debt_added", "settled"), 0)
        self.rate = catalogue.won_per_coin
        self.position = (-1, -1)  # (block, log index) of the last event taken

    def cell(self, key: RowKey) -> Cell:
        if key not in self.cells:
            self.cells[key] = Cell()
        return self.cells[key]

    def feed(self, logs: Iterable[ChainLog]) -> None:
        """Takes `logs`, in chain order and after the events taken so far (a stream is fine: nothing is kept of
        an event but its sums)."""
        for e in logs:
            if e.event not in EVENTS.get(e.contract, ()):
                continue
            if (e.block_number, e.log_index) <= self.position:
                raise ValueError(f"{e.event} at block {e.block_number} comes before events already counted")
            self._take(e)
            self.position = (e.block_number, e.log_index)

    def _take(self, e: ChainLog) -> None:
        a, rate, catalogue = e.args, self.rate, self.catalogue
        if e.event == "WonPerCoinSet":
            self.rate = int(a["wonPerCoin"])
        elif e.event == "CentreAdded":
            self.centres.add(int(a["centreId"]))
        elif e.event == "CategoryRuleSet":
            self.categories.add(int(a["category"]))
        elif e.event == "ActivityAttested":
            centre, category = centre_of(a["id"]), int(a["category"])
            units, amount = int(a["units"]), int(a["amount"])
            month_index = _month_index(int(a["time"]))
            self.attested[int(a["id"], 16)] = month_index << 48 | category << 32 | units
            self.cell((_month_text(month_index), "issued", centre, category, None)).add(
                Cell(1, units, units * _seconds_per_unit(catalogue, category), amount, amount * rate))
            self.supply["issued"] += amount
        elif e.event == "ActivityRevoked":
            amount, packed = int(a["amount"]), self.attested.get(int(a["id"], 16))
            if packed is None:  # only when the events do not start at the deployment block; the id has the centre
                month, category, units = month_of(_time(e)), None, 0
            else:
                month, category, units = _month_text(packed >> 48), packed >> 32 & 0xFFFF, packed & 0xFFFFFFFF
            self.cell((month, "revoked", centre_of(a["id"]), category, None)).add(
                Cell(1, units, units * _seconds_per_unit(catalogue, category), amount, amount * rate))
            self.supply["clawed_back"] += int(a["clawedBack"])
            self.supply["debt_added"] += int(a["debtAdded"])
        elif e.event == "DebtNetted":
            repaid = int(a["repaid"])
            self.cell((month_of(_time(e)), "debt_netted", None, None, None)).add(
                Cell(1, coins=repaid, won_e18=repaid * rate))
            self.supply["debt_netted"] += repaid
        elif e.event == "VoucherIssued":
            price = int(a["price"])
            self.vouchers[int(a["voucherId"])] = (price, price * rate)
            self.cell((month_of(_time(e)), "redeemed", None, None, a["provider"])).add(
                Cell(1, coins=price, won_e18=price * rate))
        elif e.event == "VoucherFulfilled":
            price, won_e18 = self.vouchers.get(int(a["voucherId"]), (0, 0))
            self.cell((month_of(_time(e)), "fulfilled", None, None, a["provider"])).add(
                Cell(1, coins=price, won_e18=won_e18))
        elif e.event == "Donated":
            amount = int(a["amount"])
            self.cell((month_of(_time(e)), "donated", None, None, a["charity"])).add(
                Cell(1, coins=amount, won_e18=amount * rate))
        elif e.event == "ServicePaid":
            amount = int(a["amount"])
            self.cell((month_of(_time(e)), "paid", None, None, None)).add(Cell(1, coins=amount, won_e18=amount * rate))
        elif e.event == "Settled":
            amount = int(a["amount"])
            self.cell((month_of(_time(e)), "settled", None, None, a["provider"])).add(
                Cell(1, coins=amount, won_e18=int(a["wonAmount"]) * COIN))
            self.supply["settled"] += amount

    def statistics(self, to_block: int, to_block_hash: str) -> Statistics:
        """A copy of the sums so far, as the statistics at block `to_block` (at or after the last event taken)."""
        if to_block < self.position[0]:
            raise ValueError(f"events up to block {self.position[0]} were counted; cannot report block {to_block}")
        s = self.supply
        minted, burned = s["issued"] - s["debt_netted"], s["clawed_back"] + s["settled"]
        supply = {"issued": s["issued"], "debt_netted": s["debt_netted"], "minted": minted,
                  "clawed_back": s["clawed_back"], "settled": s["settled"], "burned": burned,
                  "circulating": minted - burned, "debt_outstanding": s["debt_added"] - s["debt_netted"]}
        cells = {k: Cell(c.count, c.units, c.seconds, c.coins, c.won_e18) for k, c in self.cells.items()}
        return Statistics(self.catalogue, to_block, to_block_hash, self.rate, cells, set(self.centres),
                          set(self.categories), supply)


def aggregate(logs: Iterable[ChainLog], catalogue: Catalogue, to_block: int, to_block_hash: str) -> Statistics:
    """Statistics of every event up to and including block `to_block` (later ones are ignored), in any order."""
    aggregator = Aggregator(catalogue)
    aggregator.feed(sorted((e for e in logs if e.block_number <= to_block),
                           key=lambda e: (e.block_number, e.log_index)))
    return aggregator.statistics(to_block, to_block_hash)


def _month_index(timestamp: int) -> int:
    t = datetime.fromtimestamp(int(timestamp), UTC)
    return t.year * 12 + t.month - 1


def _month_text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _time(e: ChainLog) -> int:
    if e.block_time is None:
        raise ValueError(f"{e.event} at block {e.block_number} has no block time")
    return e.block_time


def _seconds_per_unit(catalogue: Catalogue, category: int | None) -> int:
    if category is None or category not in catalogue.categories:
        return 0
    return TIME_UNITS.get(catalogue.categories[category][1].strip().lower(), 0)


# ------------------------------------------------------------------------------------------------------ filters


@dataclass(frozen=True)
class Filters:
    centre: int | None = None
    category: int | None = None
    from_month: str | None = None
    to_month: str | None = None

    def admits(self, key: RowKey) -> bool:
        month, _flow, centre, category, _org = key
        if self.centre is not None and centre != self.centre:
            return False
        if self.category is not None and category != self.category:
            return False
        if self.from_month is not None and month < self.from_month:
            return False
        return self.to_month is None or month <= self.to_month


def parse_filters(stats: Statistics, centre: str | int | None = None, category: str | int | None = None,
                  from_month: str | None = None, to_month: str | None = None, month: str | None = None) -> Filters:
    """Filters from their text (query parameters, command-line options), or a Refusal (422) saying what is
    wrong. `category` is an id or the config's key (e.g. "volunteering"); `month` is from and to at once."""
    if month is not None and str(month).strip() != "":
        if any(v is not None and str(v).strip() != "" for v in (from_month, to_month)):
            raise Refusal(422, "conflicting_filters")
        from_month = to_month = month
    centre_id = category_id = None
    if centre is not None and str(centre).strip() != "":
        text = str(centre).strip()
        if not text.isdigit() or int(text) == 0:
            raise Refusal(422, "invalid_centre", centre=centre)
        centre_id = int(text)
        if centre_id not in stats.centres:
            raise Refusal(422, "unknown_centre", centre_id=centre_id,
                          listing=_listing(stats.centres, stats.catalogue.centres))
    if category is not None and str(category).strip() != "":
        text = str(category).strip()
        keys = {key: cid for cid, (key, _unit) in stats.catalogue.categories.items()}
        if text.isdigit():
            category_id = int(text)
        elif text in keys:
            category_id = keys[text]
        else:
            raise Refusal(422, "unknown_category", f"category: {category!r} is neither a category id nor a key; "
                          f"the categories are {_listing(stats.categories, _category_keys(stats))}",
                          category=category, listing=_listing(stats.categories, _category_keys(stats)))
        if category_id not in stats.categories:
            raise Refusal(422, "unknown_category", f"category {category_id} does not exist; the categories are "
                          f"{_listing(stats.categories, _category_keys(stats))}",
                          category=category_id, listing=_listing(stats.categories, _category_keys(stats)))
    months = []
    for name, value in (("month" if month else "from", from_month), ("month" if month else "to", to_month)):
        if value is None or str(value).strip() == "":
            months.append(None)
            continue
        if not _MONTH.match(str(value).strip()):
            raise Refusal(422, "invalid_month", name=name, value=value)
        months.append(str(value).strip())
    if months[0] and months[1] and months[0] > months[1]:
        raise Refusal(422, "invalid_range", from_month=months[0], to_month=months[1])
    return Filters(centre_id, category_id, months[0], months[1])


def _category_keys(stats: Statistics) -> dict[int, str]:
    return {cid: key for cid, (key, _unit) in stats.catalogue.categories.items()}


def _listing(ids: Iterable[int], names: Mapping[int, str]) -> str:
    shown = [f"{i} ({names[i]})" if i in names else str(i) for i in sorted(ids)]
    return ", ".join(shown) if shown else "none yet"


# ---------------------------------------------------------------------------------------------------- rendering


def decimal_text(numerator: int, denominator: int = COIN) -> str:
    """numerator / denominator exactly, for a power-of-ten denominator: "6", "0.1", "1234.5"."""
    sign = "-" if numerator < 0 else ""
    whole, rest = divmod(abs(numerator), denominator)
    if rest == 0:
        return f"{sign}{whole}"
    width = len(str(denominator)) - 1
    return f"{sign}{whole}.{str(rest).rjust(width, '0').rstrip('0')}"


def hours_text(seconds: int) -> str:
    """Hours rounded half up to two decimals (90 minutes → "1.5", 7 minutes → "0.12")."""
    value = (Decimal(seconds) / 3600).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _sort_key(key: RowKey):
    month, flow, centre, category, org = key
    return (month, FLOWS.index(flow), centre is not None, centre or 0, category is not None, category or 0, org or "")


def rows(stats: Statistics, filters: Filters = Filters()) -> list[dict[str, Any]]:
    """The table: one dict per row (COLUMNS), sorted by month, flow, centre, category, organisation."""
    cat = stats.catalogue
    out = []
    for key in sorted((k for k in stats.cells if filters.admits(k)), key=_sort_key):
        month, flow, centre, category, org = key
        c = stats.cells[key]
        activity = flow in ACTIVITY_FLOWS
        timed = activity and _seconds_per_unit(cat, category) > 0
        out.append({
            "month": month,
            "flow": flow,
            "centre_id": centre,
            "centre": cat.centres.get(centre) if centre is not None else None,
            "category_id": category,
            "category": cat.categories[category][0] if category in cat.categories else None,
            "unit": cat.categories[category][1] if category in cat.categories else None,
            "organisation": cat.organisations.get(org) if org else None,
            "organisation_address": org,
            "count": c.count,
            "units": c.units if activity else None,
            "hours": hours_text(c.seconds) if timed else None,
            "coins": decimal_text(c.coins),
            "won": decimal_text(c.won_e18),
        })
    return out


def totals(stats: Statistics, filters: Filters = Filters()) -> dict[str, dict[str, Any]]:
    """Per flow, the sums of the rows the filters admit (hours over the time-based categories only)."""
    sums = {flow: Cell() for flow in FLOWS}
    for key, c in stats.cells.items():
        if filters.admits(key):
            sums[key[1]].add(c)
    return {flow: {"count": c.count, "hours": hours_text(c.seconds) if flow in ACTIVITY_FLOWS else None,
                   "coins": decimal_text(c.coins), "won": decimal_text(c.won_e18)} for flow, c in sums.items()}


def document(stats: Statistics, filters: Filters = Filters()) -> dict[str, Any]:
    cat = stats.catalogue
    return {
        "schema": SCHEMA,
        "chain_id": cat.chain_id,
        "contracts": cat.contracts,
        "from_block": cat.deployment_block,
        "to_block": stats.to_block,
        "to_block_hash": stats.to_block_hash,
        "months": MONTHS_NOTE,
        "won_per_coin": stats.won_per_coin,
        "filters": {"centre": filters.centre, "category": filters.category, "from": filters.from_month,
                    "to": filters.to_month},
        "centres": [{"id": i, "key": cat.centres.get(i)} for i in sorted(stats.centres)],
        "categories": [{"id": i, "key": cat.categories[i][0] if i in cat.categories else None,
                        "unit": cat.categories[i][1] if i in cat.categories else None,
                        "counts_as_hours": _seconds_per_unit(cat, i) > 0} for i in sorted(stats.categories)],
        "rows": rows(stats, filters),
        "totals": totals(stats, filters),
        # The whole chain up to to_block, whatever the filters: circulating equals the coin's totalSupply there.
        "supply": {name: decimal_text(value) for name, value in stats.supply.items()},
    }


def render_json(stats: Statistics, filters: Filters = Filters()) -> bytes:
    return (json.dumps(document(stats, filters), indent=2, ensure_ascii=False) + "\n").encode()


def render_csv(stats: Statistics, filters: Filters = Filters()) -> bytes:
    """The rows as CSV (RFC 4180: a header line, CRLF line ends, empty fields for "none")."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in rows(stats, filters):
        writer.writerow(["" if row[c] is None else row[c] for c in COLUMNS])
    return buffer.getvalue().encode()


def file_name(stats: Statistics, extension: str) -> str:
    return f"volunteer-bank-statistics-{stats.catalogue.chain_id}-block-{stats.to_block}.{extension}"
