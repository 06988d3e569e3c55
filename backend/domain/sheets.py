"""Attendance sheets as files: reading a CSV (UTF-8 with or without BOM, or CP949/EUC-KR as Korean Excel saves it)
or an .xlsx workbook into lines, the template to fill in, and the checks of each line. No I/O (files arrive as
bytes; workbooks are read and written in memory with openpyxl)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from backend.domain.activities import Rule, coins
from backend.domain.errors import Refusal
from backend.domain.residents import name_key

MAX_BYTES = 1_000_000
MAX_LINES = 500
# An .xlsx is a zip: what it may unpack to, so a small file cannot expand into gigabytes of XML.
MAX_UNPACKED_BYTES = 30_000_000
MAX_ROWS_READ = 5_000  # rows looked at, blank ones included

# The template's columns: (field, Korean header, English header). A line names its resident by member number,
# wallet address or phone (the first given, in that order); the name is checked against the record.
COLUMNS = (
    ("member_number", "회원번호", "member number"),
    ("address", "지갑 주소", "wallet address"),
    ("phone", "전화번호", "phone"),
    ("name", "이름", "name"),
    ("units", "시간(분)·수량", "units (minutes for volunteering)"),
)
# Header words recognised for each field (lower case, spaces, "_" and "-" removed), checked in this order.
ALIASES = (
    ("member_number", ("회원번호", "회원", "membernumber", "memberno", "member")),
    ("address", ("지갑", "wallet", "address")),
    ("phone", ("전화", "휴대폰", "핸드폰", "연락처", "phone", "mobile", "tel")),
    ("name", ("이름", "성명", "성함", "name")),
    ("units", ("시간", "분", "수량", "units", "unit", "minutes", "hours", "quantity")),
)

# How long a coordinator's signature of a sheet stays usable (services.signed_sheets), and how long a sheet may wait
# for one before the chain writer sends it under the centre's key: the writer sends a signed sheet within seconds,
# so a day only matters when the worker is down.
SIGNATURE_VALID_S = 24 * 3600


@dataclass(frozen=True)
class SheetRow:
    """One line of a file: its row number (the header is 1) and its cells as text (None when empty)."""

    row: int
    member_number: str | None
    address: str | None
    phone: str | None
    name: str | None
    units: str | None


def _cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _field_of(header: str) -> str | None:
    key = re.sub(r"[\s_\-]", "", header or "").lower()
    for field, words in ALIASES:
        if any(w in key for w in words):
            return field
    return None


def decode_csv(data: bytes) -> str:
    """The text of a CSV file: UTF-8 (a BOM dropped), else CP949 (a superset of EUC-KR, which Korean Excel writes)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp949")
    except UnicodeDecodeError:
        raise Refusal(422, "sheet_unreadable", "the file is neither UTF-8 nor CP949/EUC-KR text, nor an .xlsx workbook") from None


def _csv_rows(data: bytes) -> list[list]:
    text = decode_csv(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return [row for _, row in zip(range(MAX_ROWS_READ), csv.reader(io.StringIO(text), dialect))]
    except csv.Error as exc:
        raise Refusal(422, "sheet_unreadable", f"the CSV file cannot be read: {exc}") from None


def _xlsx_rows(data: bytes, max_cols: int) -> list[list]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if sum(i.file_size for i in z.infolist()) > MAX_UNPACKED_BYTES:
                raise Refusal(413, "sheet_too_large", "the workbook unpacks to more than 30 MB")
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Refusal:
        raise
    except Exception:
        raise Refusal(422, "sheet_unreadable", "the file is not a workbook Excel can save (.xlsx)") from None
    try:
        sheet = book.worksheets[0]
        rows = []
        for values in sheet.iter_rows(max_col=max_cols, values_only=True):
            rows.append(list(values))
            if len(rows) >= MAX_ROWS_READ:
                break
        return rows
    finally:
        book.close()


def table_rows(data: bytes, max_cols: int = 30) -> list[tuple[int, list[str | None]]]:
    """The non-blank rows of a CSV or .xlsx file (at most 1 MB), each with its row number (the first is 1) and its
    cells as text; a file without any is refused."""
    if len(data) > MAX_BYTES:
        raise Refusal(413, "sheet_too_large", "a sheet is at most 1 MB")
    rows = _xlsx_rows(data, max_cols) if data[:4] == b"PK\x03\x04" else _csv_rows(data)
    numbered = [(i + 1, [_cell_text(v) for v in r]) for i, r in enumerate(rows)]
    numbered = [(i, cells) for i, cells in numbered if any(cells)]
    if not numbered:
        raise Refusal(422, "sheet_empty")
    return numbered


def read_file(data: bytes) -> list[SheetRow]:
    """The lines of an attendance sheet (a CSV or an .xlsx workbook), blank rows skipped; the first non-blank row
    is the header, which must name a units column and one naming the resident."""
    numbered = table_rows(data, len(COLUMNS) + 10)
    header_row, header = numbered[0]
    columns: dict[str, int] = {}
    for index, text in enumerate(header):
        field = _field_of(text or "")
        if field is not None and field not in columns:
            columns[field] = index
    if "units" not in columns or not {"member_number", "address", "phone"} & columns.keys():
        raise Refusal(422, "sheet_no_header")
    lines = []
    for row, cells in numbered[1:]:
        def cell(field: str) -> str | None:
            i = columns.get(field)
            return cells[i] if i is not None and i < len(cells) else None

        lines.append(SheetRow(row, cell("member_number"), cell("address"), cell("phone"), cell("name"),
                              cell("units")))
    if not lines:
        raise Refusal(422, "sheet_empty")
    if len(lines) > MAX_LINES:
        raise Refusal(422, "sheet_too_long", lines=len(lines), max=MAX_LINES)
    return lines


def parse_units(text: str | None) -> int | None:
    """Whole units from a cell ("120", "120.0", "1,200"), else None."""
    if text is None:
        return None
    try:
        value = Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        return None
    if value != value.to_integral_value() or value <= 0 or value > 2**32 - 1:
        return None
    return int(value)


def template_csv(language: str = "ko") -> bytes:
    """The template as CSV: UTF-8 with a byte-order mark (Excel then reads Korean), the header row only."""
    out = io.StringIO()
    csv.writer(out).writerow([f"{ko} ({en})" for _, ko, en in COLUMNS])
    return out.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "출석부 attendance"
    sheet.append([f"{ko} ({en})" for _, ko, en in COLUMNS])
    for letter, width in zip("ABCDE", (22, 46, 18, 14, 26), strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------- the checks


@dataclass(frozen=True)
class LineFacts:
    """What the checks know of a line: kept or dropped, why its resident was not found (or the resident's id, name
    and address), the name and units as written, the units as a number."""

    n: int
    dropped: bool
    lookup_problem: str | None
    resident_id: int | None
    resident_name: str | None
    resident_address: str | None
    written_name: str | None
    units_text: str | None
    units: int | None
    identifier: str | None


def check_lines(lines: list[LineFacts], rule: Rule | None, centre_id: int, remaining_cap: int, pending: int,
                recorded_that_day: set[int], day: str) -> tuple[list[list[Refusal]], list[int]]:
    """Each line's problems and reward (0 when it earns nothing or has a problem). A dropped line has none. The
    centre's cap is counted over the sheet: the lines in order, each that would pass adding its reward."""
    problems: list[list[Refusal]] = []
    rewards: list[int] = []
    first_line_of: dict[int, int] = {}
    total = 0
    for line in lines:
        found: list[Refusal] = []
        reward = 0
        if line.dropped:
            problems.append(found)
            rewards.append(0)
            continue
        named = {"identifier": line.identifier} if line.identifier else {}
        if line.lookup_problem == "ambiguous_resident":
            found.append(Refusal(422, "ambiguous_resident", **named))
        elif line.lookup_problem is not None or line.resident_id is None:
            found.append(Refusal(422, "unknown_resident", **named))
        else:
            if line.resident_address is None:
                found.append(Refusal(422, "resident_without_wallet"))
            if line.written_name and line.resident_name and name_key(line.written_name) != name_key(line.resident_name):
                found.append(Refusal(422, "name_mismatch", written=line.written_name, registered=line.resident_name))
            if line.resident_id in first_line_of:
                found.append(Refusal(409, "duplicate", f"the same resident as line {first_line_of[line.resident_id]}",
                                     line=first_line_of[line.resident_id]))
            elif line.resident_id in recorded_that_day:
                found.append(Refusal(409, "duplicate", f"already recorded for this category on {day}", day=day))
            first_line_of.setdefault(line.resident_id, line.n)
        if line.units is None:
            found.append(Refusal(422, "bad_units", **({"units": line.units_text} if line.units_text else {})))
        elif rule is not None and rule.version and rule.active:
            if line.units > rule.max_units:
                found.append(Refusal(422, "units_above_max", units=line.units, max=rule.max_units))
            else:
                reward = rule.reward(line.units)
                if reward == 0:
                    found.append(Refusal(422, "reward_too_small", units=line.units, category=rule.category,
                                         per=rule.units_per_block))
        if not found and reward:
            available = max(remaining_cap - pending, 0)
            if total + reward > available:
                found.append(Refusal(409, "over_centre_cap", f"centre {centre_id} can issue {coins(available)} more this "
                                     f"period; the sheet's lines up to this one need {coins(total + reward)}"))
            else:
                total += reward
        problems.append(found)
        rewards.append(reward if not found else 0)
    return problems, rewards
