"""The link with the national volunteer portal 1365 (and VMS, which takes the same files): its programmes read from
the public data portal's volunteer-participation service, a centre's hours written out for the portal, and hours
a resident already has there read in. Pure: responses and files arrive as bytes, rows leave as values.

The service (행정안전부 봉사참여정보서비스) answers XML: `<response><header><resultCode>00</resultCode>…</header><body>
<items><item>…</item></items><numOfRows/><pageNo/><totalCount/></body></response>`, or, when the gateway refuses the
call (an unknown key, a quota), `<OpenAPI_ServiceResponse><cmmMsgHeader><returnReasonCode>30</returnReasonCode>…`.
An item is flat: `progrmRegistNo`, `progrmSj`, `progrmSttusSe`, `progrmBgnde`/`progrmEndde` (YYYYMMDD),
`actBeginTm`/`actEndTm` (hours), `actPlace`, `mnnstNm`/`nanmmbyNm`, `sidoCd`/`gugunCd`, `srvcClCode`, `progrmCn`…
(docs/portal.md lists what is read and why; check it against the official specification before going live).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

from backend.domain.errors import Refusal
from backend.domain.sheets import table_rows

KST = timezone(timedelta(hours=9))
# 1365 takes hours for about three months after the activity; older ones are refused by the export.
CERTIFY_WITHIN_DAYS = 90
MAX_RESPONSE_BYTES = 5_000_000
MAX_TEXT = 2_000  # a programme's description, as kept
SIGNUP_URL = "https://www.1365.go.kr/vols/P9210/partcptn/timeCptn.do?type=show&progrmRegistNo={}"


# ------------------------------------------------------------------------------------------- programmes in


@dataclass(frozen=True)
class Programme:
    """One 1365 programme as this bank keeps it."""

    registration_no: str
    title: str
    status: int | None  # 1 recruiting soon, 2 recruiting, 3 recruitment closed
    starts_on: date
    ends_on: date
    begin_hour: int | None
    end_hour: int | None
    place: str | None
    organisation: str | None
    sido_code: str | None
    gugun_code: str | None
    field: str | None
    adults: bool | None
    youths: bool | None
    recruits: int | None
    weekdays: str | None
    description: str | None

    def digest(self) -> str:
        """What identifies this version of the programme: an import that finds the same digest changes nothing."""
        return hashlib.sha256(repr(self).encode()).hexdigest()


@dataclass(frozen=True)
class ProgrammePage:
    programmes: list[Programme]
    refused: list[tuple[str, Refusal]]  # (the item's registration number or its position, why)
    total: int
    page: int
    rows: int


def _text(node: ET.Element | None, name: str) -> str | None:
    found = node.find(name) if node is not None else None
    if found is None or found.text is None:
        return None
    value = found.text.strip()
    return value or None


def _day(value: str | None) -> date | None:
    digits = re.sub(r"\D", "", value or "")
    if len(digits) < 8:
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def _hour(value: str | None) -> int | None:
    digits = re.sub(r"\D", "", value or "")
    if not digits:
        return None
    h = int(digits[:-2]) if len(digits) >= 3 else int(digits)  # "9", "09", "0900"
    return h if 0 <= h <= 24 else None


def _int(value: str | None) -> int | None:
    digits = re.sub(r"[^\d]", "", value or "")
    return int(digits) if digits and len(digits) < 10 else None


def _yes(value: str | None) -> bool | None:
    return {"Y": True, "N": False}.get((value or "").strip().upper())


def _plain(value: str | None, limit: int) -> str | None:
    """Text without markup, whitespace folded, clipped: a description arrives as HTML."""
    if value is None:
        return None
    text = re.sub(r"<[^>]*>", " ", value)
    text = re.sub(r"&(nbsp|amp|lt|gt|quot|#39);", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text[:limit] or None


def programme_of(item: ET.Element) -> Programme:
    """A programme from one `<item>`, or a refusal saying which field is missing or wrong."""
    number = _text(item, "progrmRegistNo")
    title = _text(item, "progrmSj")
    if number is None or not re.fullmatch(r"\d{1,20}", number):
        raise Refusal(422, "portal_item_invalid", field="progrmRegistNo")
    if title is None:
        raise Refusal(422, "portal_item_invalid", field="progrmSj")
    starts, ends = _day(_text(item, "progrmBgnde")), _day(_text(item, "progrmEndde"))
    if starts is None:
        raise Refusal(422, "portal_item_invalid", field="progrmBgnde")
    if ends is None or ends < starts:
        raise Refusal(422, "portal_item_invalid", field="progrmEndde")
    return Programme(
        registration_no=number, title=title[:300], status=_int(_text(item, "progrmSttusSe")),
        starts_on=starts, ends_on=ends, begin_hour=_hour(_text(item, "actBeginTm")),
        end_hour=_hour(_text(item, "actEndTm")), place=_plain(_text(item, "actPlace"), 300),
        organisation=_plain(_text(item, "mnnstNm") or _text(item, "nanmmbyNm"), 200),
        sido_code=_text(item, "sidoCd"), gugun_code=_text(item, "gugunCd"), field=_text(item, "srvcClCode"),
        adults=_yes(_text(item, "adultPosblAt")), youths=_yes(_text(item, "yngbgsPosblAt")),
        recruits=_int(_text(item, "rcritNmpr")), weekdays=_text(item, "actWkdy"),
        description=_plain(_text(item, "progrmCn"), MAX_TEXT))


def read_programme_page(data: bytes) -> ProgrammePage:
    """One page of a list operation's answer. A refused call (the gateway's error envelope, a result code other
    than 00) or an answer that is not the service's XML is a refusal; a bad item is listed, not fatal."""
    if len(data) > MAX_RESPONSE_BYTES:
        raise Refusal(502, "portal_unavailable", why="the answer is larger than 5 MB")
    if b"<!DOCTYPE" in data[:2048].upper() or b"<!ENTITY" in data.upper():
        raise Refusal(502, "portal_unavailable", why="the answer declares a document type")  # no entity expansion
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        raise Refusal(502, "portal_unavailable", why="the answer is not XML") from None
    if root.tag == "OpenAPI_ServiceResponse":
        header = root.find("cmmMsgHeader")
        reason = _text(header, "returnAuthMsg") or _text(header, "errMsg") or "refused"
        raise Refusal(502, "portal_refused", code=_text(header, "returnReasonCode") or "?", reason=reason)
    code = _text(root.find("header"), "resultCode")
    if root.tag != "response" or code is None:
        raise Refusal(502, "portal_unavailable", why="the answer is not the service's XML")
    if code not in ("00", "0"):
        raise Refusal(502, "portal_refused", code=code, reason=_text(root.find("header"), "resultMsg") or "refused")
    body = root.find("body")
    programmes, refused = [], []
    for i, item in enumerate(body.iterfind("items/item") if body is not None else ()):
        try:
            programmes.append(programme_of(item))
        except Refusal as why:
            refused.append((_text(item, "progrmRegistNo") or f"item {i + 1}", why))
    return ProgrammePage(programmes, refused, _int(_text(body, "totalCount")) or 0,
                         _int(_text(body, "pageNo")) or 1, _int(_text(body, "numOfRows")) or len(programmes))


def signup_url(registration_no: str) -> str:
    return SIGNUP_URL.format(registration_no)


def programme_window(p: Programme, today: date) -> tuple[datetime, datetime]:
    """The programme's next session (or its first, if it has not begun), in Korean time: for ranking by schedule."""
    day = max(p.starts_on, min(today, p.ends_on))
    begin = p.begin_hour if p.begin_hour is not None and p.begin_hour < 24 else 9
    end = p.end_hour if p.end_hour is not None and p.end_hour > begin else min(begin + 2, 24)
    start = datetime.combine(day, time(begin), KST)
    return start, start + timedelta(hours=end - begin)


# ------------------------------------------------------------------------------------------------ hours out

# The export's columns, in the order of 1365's bulk entry of volunteers' hours (실적 일괄 등록): who (the person's
# 1365 id and name), when (day, start, end), how long (minutes; whole hours for schools, which count hours only),
# what and where, and who at the centre approved it and when. The last two let the portal's reviewer ask the centre.
EXPORT_COLUMNS = (
    ("portal_id", "1365 아이디"), ("name", "성명"), ("member_number", "회원번호"), ("day", "봉사일자"),
    ("starts", "시작시각"), ("ends", "종료시각"), ("minutes", "봉사시간(분)"), ("whole_hours", "인정시간(시간)"),
    ("activity", "봉사내용"), ("place", "봉사장소"), ("approved_by", "승인자"), ("approved_on", "승인일자"),
    ("reference", "확인번호"),
)


@dataclass(frozen=True)
class ExportFacts:
    """What the export knows of one approved activity."""

    activity_id: int
    status: str
    source: str
    portal_id: str | None
    consented: bool
    already_exported: bool
    occurred_at: datetime
    minutes: int


def export_problem(f: ExportFacts, today: date) -> Refusal | None:
    """Why an activity does not go to the portal, or None when it does."""
    if f.source == "portal":
        return Refusal(409, "came_from_portal", activity_id=f.activity_id)
    if f.status != "confirmed":
        return Refusal(409, "not_confirmed_yet", activity_id=f.activity_id, status=f.status)
    if not f.consented:
        return Refusal(409, "no_portal_consent", activity_id=f.activity_id)
    if f.portal_id is None:
        return Refusal(409, "no_portal_id", activity_id=f.activity_id)
    if f.already_exported:
        return Refusal(409, "already_exported", activity_id=f.activity_id)
    if (today - f.occurred_at.astimezone(KST).date()).days > CERTIFY_WITHIN_DAYS:
        return Refusal(409, "too_old_for_portal", activity_id=f.activity_id, days=CERTIFY_WITHIN_DAYS)
    return None


def export_row(*, portal_id: str, name: str | None, member_number: str | None, occurred_at: datetime, minutes: int,
               activity: str | None, place: str | None, approved_by: str | None, approved_at: datetime | None,
               reference: str, day_only: bool) -> dict:
    """One line of the export. An activity recorded for a day, not a time (an attendance sheet's), has its start
    and end left empty rather than invented."""
    start = occurred_at.astimezone(KST)
    end = start + timedelta(minutes=minutes)
    return {"portal_id": portal_id, "name": name or "", "member_number": member_number or "",
            "day": (occurred_at.astimezone(UTC) if day_only else start).strftime("%Y%m%d"),
            "starts": "" if day_only else start.strftime("%H%M"),
            "ends": "" if day_only else end.strftime("%H%M") if end.date() == start.date() else "2400",
            "minutes": minutes, "whole_hours": minutes // 60, "activity": (activity or "")[:200],
            "place": (place or "")[:200], "approved_by": approved_by or "",
            "approved_on": approved_at.astimezone(KST).strftime("%Y%m%d") if approved_at else "",
            "reference": reference}


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def _safe_cell(value) -> str:
    """A cell a spreadsheet will not run: text whose first character (spaces aside) starts a formula in Excel or
    LibreOffice (=, +, -, @, their full-width forms, a tab or a line break) is quoted."""
    text = str(value)
    return "'" + text if text.lstrip(" ")[:1] in FORMULA_STARTS or text[:1] in FORMULA_STARTS else text


def without_member(content: str, member_number: str | None, portal_id: str | None) -> str:
    """A stored export's CSV with the lines of one person (by member number or 1365 id) cut out: what is kept of a
    forgotten resident's exported hours."""
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    if not rows:
        return content
    header, fields = rows[0], [field for field, _ in EXPORT_COLUMNS]
    who = {fields.index("member_number"): member_number, fields.index("portal_id"): portal_id}
    kept = [r for r in rows[1:] if not any(v and i < len(r) and r[i].lstrip("'") == v for i, v in who.items())]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([header, *kept])
    return "\ufeff" + out.getvalue()


def export_csv(rows: list[dict]) -> bytes:
    """UTF-8 with a byte-order mark (Excel opens it as UTF-8), Korean headers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header for _, header in EXPORT_COLUMNS])
    for row in rows:
        writer.writerow([_safe_cell(row[field]) for field, _ in EXPORT_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# ------------------------------------------------------------------------------------------------- hours in

# The file a centre provides: one line per activity a resident already has on the portal. A line names the resident
# by member number, 1365 id or phone; the name is checked against the record.
HOURS_ALIASES = (
    ("member_number", ("회원번호", "membernumber", "memberno")),
    ("portal_id", ("1365", "아이디", "portalid", "id")),
    ("phone", ("전화", "휴대폰", "연락처", "phone", "mobile")),
    ("name", ("성명", "이름", "name")),
    ("day", ("봉사일", "일자", "날짜", "date", "day")),
    ("starts", ("시작", "start", "from")),
    ("ends", ("종료", "끝", "end", "to")),
    ("minutes", ("분", "minutes")),
    ("hours", ("시간", "hours")),
    ("programme_no", ("프로그램", "programme", "program")),
    ("organisation", ("기관", "봉사처", "organisation", "organization")),
    ("activity", ("내용", "활동", "activity", "description")),
)
MAX_HOURS_LINES = 1000
MAX_MINUTES_A_DAY = 24 * 60


@dataclass(frozen=True)
class HoursRow:
    row: int
    member_number: str | None
    portal_id: str | None
    phone: str | None
    name: str | None
    day: str | None
    starts: str | None
    ends: str | None
    minutes: str | None
    hours: str | None
    programme_no: str | None
    organisation: str | None
    activity: str | None


def _hours_field(header: str) -> str | None:
    key = re.sub(r"[\s_\-()]", "", header or "").lower()
    for field, words in HOURS_ALIASES:
        if any(w in key for w in words):
            return field
    return None


def read_hours_file(data: bytes) -> list[HoursRow]:
    """The lines of a centre's file of portal hours (CSV or .xlsx); the header must name the resident, the day and
    the time (minutes, hours, or a start and an end)."""
    numbered = table_rows(data)
    header_row, header = numbered[0]
    columns: dict[str, int] = {}
    for index, text in enumerate(header):
        field = _hours_field(text or "")
        if field is not None and field not in columns:
            columns[field] = index
    has_time = "minutes" in columns or "hours" in columns or {"starts", "ends"} <= columns.keys()
    if "day" not in columns or not has_time or not {"member_number", "portal_id", "phone"} & columns.keys():
        raise Refusal(422, "hours_no_header")
    lines = []
    for row, cells in numbered[1:]:
        def cell(field: str) -> str | None:
            i = columns.get(field)
            return cells[i] if i is not None and i < len(cells) else None

        lines.append(HoursRow(row, *(cell(f) for f, _ in HOURS_ALIASES)))
    if not lines:
        raise Refusal(422, "sheet_empty")
    if len(lines) > MAX_HOURS_LINES:
        raise Refusal(422, "sheet_too_long", lines=len(lines), max=MAX_HOURS_LINES)
    return lines


def parse_day(text: str | None) -> date | None:
    """2026-11-03, 2026.11.03, 2026/11/03, 20261103 (a spreadsheet's date cell arrives as 2026-11-03 00:00:00)."""
    if not text:
        return None
    m = re.fullmatch(r"(\d{4})[-./]?\s*(\d{1,2})[-./]?\s*(\d{1,2})\.?(?:\s+00:00(?::00)?)?", text.strip())
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def parse_clock(text: str | None) -> time | None:
    """09:30, 9:30, 0930 (a spreadsheet's time cell arrives as 09:30:00)."""
    if not text:
        return None
    m = re.fullmatch(r"(\d{1,2}):?(\d{2})(?::00)?", text.strip())
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        return None
    return time(int(m[1]), int(m[2]))


def parse_minutes(minutes: str | None, hours: str | None) -> int | None:
    """Minutes from a minutes cell ("150") or an hours cell ("2.5", "2시간 30분", "2:30")."""
    if minutes:
        digits = minutes.replace(",", "").strip()
        if re.fullmatch(r"\d+(\.0+)?", digits):
            return int(float(digits))
        return None
    if hours:
        text = hours.strip()
        if m := re.fullmatch(r"(\d+)\s*시간(?:\s*(\d+)\s*분)?", text):
            return int(m[1]) * 60 + int(m[2] or 0)
        if m := re.fullmatch(r"(\d+):(\d{2})", text):
            return int(m[1]) * 60 + int(m[2])
        if re.fullmatch(r"\d+(\.\d+)?", text):
            value = float(text) * 60
            return int(value) if value.is_integer() else None
    return None


@dataclass(frozen=True)
class HoursLine:
    """A line read and understood: its day, its start (when given) and its minutes, or why it cannot be."""

    row: int
    day: date | None
    starts: time | None
    minutes: int | None
    problem: Refusal | None


def understand(row: HoursRow, today: date) -> HoursLine:
    day = parse_day(row.day)
    if day is None:
        return HoursLine(row.row, None, None, None, Refusal(422, "bad_day", day=row.day or ""))
    if day > today:
        return HoursLine(row.row, day, None, None, Refusal(422, "in_future", day=day.isoformat()))
    starts, ends = parse_clock(row.starts), parse_clock(row.ends)
    if (row.starts and starts is None) or (row.ends and ends is None):
        return HoursLine(row.row, day, None, None, Refusal(422, "bad_clock", value=row.starts if starts is None else row.ends))
    minutes = parse_minutes(row.minutes, row.hours)
    if (row.minutes or row.hours) and minutes is None:
        return HoursLine(row.row, day, starts, None, Refusal(422, "bad_units", units=row.minutes or row.hours))
    if minutes is None and starts is not None and ends is not None:
        minutes = (datetime.combine(day, ends) - datetime.combine(day, starts)).seconds // 60
    if minutes is None or not 1 <= minutes <= MAX_MINUTES_A_DAY:
        return HoursLine(row.row, day, starts, None, Refusal(422, "bad_units", units=str(minutes or row.minutes or "")))
    return HoursLine(row.row, day, starts, minutes, None)


def occurred_at(line: HoursLine) -> datetime:
    """When the activity is recorded as having happened: 00:00 UTC of its day, as an attendance sheet's are (the
    day is what the chain records), so the check of one volunteering a day per resident sees both alike."""
    return datetime.combine(line.day, time(0), UTC)


def line_key(resident_id: int, line: HoursLine, programme_no: str | None) -> str:
    """What makes a portal line the same line again: the resident, the day, the start, the minutes, the programme."""
    text = f"{resident_id}|{line.day}|{line.starts or ''}|{line.minutes}|{(programme_no or '').strip()}"
    return hashlib.sha256(text.encode()).hexdigest()
