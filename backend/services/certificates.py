"""Volunteer certificates (봉사활동 확인서): a resident's confirmed activities of a period as a PDF with a QR code
whose URL fragment carries what recomputes each attestation id (domain.certificates), and the public yes/no check of
attestation ids the verification page asks. docs/certificates.md.

The PDF is drawn with fpdf2 in the NanumSquare font shipped in backend/assets/fonts (SIL OFL 1.1), so it needs no
system font, no browser and no network on the machine that serves it."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime

from eth_abi import decode
from sqlalchemy.orm import Session

from backend.chain.attestation_pages import ACTIVITY_ATTESTED_TOPIC
from backend.chain.client import ChainClient
from backend.domain import certificates as rules
from backend.domain.errors import Refusal
from backend.services import directory, documents
from backend.services.resident_records import scope
from backend.store import certificates as store
from backend.store.models import Resident
from backend.store.residents import by_address, in_scope

MAX_IDS = 100
RATE_LIMIT, RATE_WINDOW_S = 30, 60  # verification requests per client address per window


@dataclass(frozen=True)
class Certificate:
    resident_name: str | None
    member_number: str | None
    volunteer: str | None
    start: date
    end: date
    rows: list[dict]  # date, centre, category, units, unit, hours (for minutes), chain_id
    left_out: int  # confirmed activities of the period that cannot be certified (their link to the chain erased)
    minutes: int  # volunteering time, from the activities counted in minutes
    url: str | None
    code: str | None
    issued_at: datetime
    centre_only: str | None  # a coordinator's certificate lists their centre's activities only

    def as_dict(self) -> dict:
        return {"resident_name": self.resident_name, "member_number": self.member_number, "volunteer": self.volunteer,
                "from": self.start.isoformat(), "to": self.end.isoformat(), "activities": self.rows,
                "left_out": self.left_out, "total_minutes": self.minutes, "total_hours": rules.hours(self.minutes),
                "verification_url": self.url, "code": self.code, "issued_at": self.issued_at.isoformat(),
                "centre_only": self.centre_only}


def for_address(db: Session, chain: ChainClient, settings, address: str, start: date, end: date) -> Certificate:
    """The signed-in resident's own certificate (every centre's activities)."""
    resident = by_address(db, address) or Resident(address=address)  # a wallet without a record: no activities
    return build(db, chain, settings, resident, start, end, None)


def for_resident(db: Session, chain: ChainClient, settings, actor, resident_id: int, start: date,
                 end: date) -> Certificate:
    """A resident's certificate issued by staff: the admin lists every centre's activities, a coordinator their own
    centre's (another centre's resident: 404, so ids cannot be probed)."""
    resident = in_scope(db, resident_id, scope(actor))
    if resident is None:
        raise Refusal(404, "not_found", what=f"resident {resident_id}")
    return build(db, chain, settings, resident, start, end, scope(actor))


def build(db: Session, chain: ChainClient, settings, resident: Resident, start: date, end: date,
          centre_id: int | None) -> Certificate:
    lo, hi = rules.parse_period(start, end)
    names_ko = {i: c.get("name_ko") for i, c in directory.centre_entries(chain).items()}
    names = store.centre_names(db)
    categories = directory.category_entries(chain)
    lines: list[rules.Line] = []
    rows: list[dict] = []
    left_out = minutes = 0
    activities = store.confirmed_activities(db, resident.id, lo, hi, centre_id) if resident.id else []
    for a in activities:
        line = _line(a, resident.address)
        if line is None:
            left_out += 1
            continue
        lines.append(line)
        entry = categories.get(a.category, {})
        unit = entry.get("unit")
        minutes += a.units if unit == "minute" else 0
        rows.append({"date": line.day.isoformat(), "centre_id": a.centre_id,
                     "centre": names_ko.get(a.centre_id) or names.get(a.centre_id) or f"#{a.centre_id}",
                     "centre_en": names.get(a.centre_id) or f"#{a.centre_id}", "category": a.category,
                     "category_name": entry.get("name_ko") or entry.get("name") or f"#{a.category}",
                     "category_name_en": entry.get("name") or f"#{a.category}", "units": a.units, "unit": unit,
                     "hours": rules.hours(a.units) if unit == "minute" else None, "chain_id": a.chain_id_hex})
    url = code = None
    if lines:
        done = rules.fitted(settings.siwe_uri, resident.address, start, end, lines)
        if done is None:
            raise Refusal(422, "certificate_too_large", count=len(lines), fits=rules.COMPACT_LINES_FIT)
        payload, url = done
        code = rules.code(payload)
    centre_only = None
    if centre_id is not None:
        centre_only = names_ko.get(centre_id) or names.get(centre_id) or f"#{centre_id}"
    return Certificate(resident.name, resident.member_number, resident.address, start, end, rows, left_out, minutes,
                       url, code, datetime.now(UTC), centre_only)


def _line(a, address: str | None) -> rules.Line | None:
    """The activity as a certificate line, or None when it cannot be certified: its link to the chain was erased
    (no salt), or its record no longer recomputes its on-chain id (the wallet it was attested to is not the
    resident's wallet now)."""
    if a.salt is None or a.serial is None or a.chain_id_hex is None or address is None:
        return None
    line = rules.Line(a.centre_id, a.serial, bytes.fromhex(a.salt[2:]), a.category, a.units, a.occurred_at,
                      a.place or "", a.description or "")
    if "0x" + line.chain_id(address).hex() != a.chain_id_hex:
        return None
    return line


# ------------------------------------------------------------------ PDF

def pdf(cert: Certificate, platform_ko: str, platform_en: str) -> bytes:
    """An A4 page (more when the table is long): title, the resident, the period, the table, totals, the note on
    activities left out, the QR code with the certificate code, and the issuing platform."""
    import segno
    from fpdf import FPDF

    class Page(FPDF):
        def footer(self) -> None:  # the code and the page on every page, so pages of two certificates do not mix
            self.set_y(-12)
            self.set_font("Nanum", "", 9)
            self.cell(0, 6, f"봉사활동 확인서 · {cert.code or '—'} · {self.page_no()}/{{nb}}", align="C")

    doc = documents.a4("봉사활동 확인서 Volunteer certificate", platform_ko, platform_en, Page, bottom_margin=18)
    doc.set_font("Nanum", "B", 24)
    doc.cell(0, 12, "봉사활동 확인서", align="C", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Nanum", "", 12)
    doc.cell(0, 7, "Certificate of volunteer activities", align="C", new_x="LMARGIN", new_y="NEXT")
    doc.ln(4)

    def field(label: str, value: str) -> None:
        doc.set_font("Nanum", "B", 11)
        doc.cell(52, 8, label, border=1)
        doc.set_font("Nanum", "", 11)
        doc.cell(0, 8, value, border=1, new_x="LMARGIN", new_y="NEXT")

    field("성명 Name", cert.resident_name or "—")
    field("회원번호 Member no.", cert.member_number or "—")
    field("기간 Period", f"{cert.start.isoformat()} ~ {cert.end.isoformat()}")
    field("지갑 주소 Wallet", cert.volunteer or "—")
    if cert.centre_only:
        field("발급 센터 Centre", f"{cert.centre_only} (이 센터의 활동만 · this centre's activities only)")
    doc.ln(5)

    widths = (30, 62, 44, 44)
    doc.set_font("Nanum", "B", 11)
    doc.set_fill_color(230, 236, 245)
    for w, h in zip(widths, ("날짜 Date", "센터 Centre", "분야 Category", "시간·수량 Hours/units"), strict=True):
        doc.cell(w, 9, h, border=1, fill=True, align="C")
    doc.ln()
    doc.set_font("Nanum", "", 10.5)
    for row in cert.rows:
        if row["hours"] is not None:
            amount = f"{row['hours']}시간 ({row['units']}분)"
        else:
            amount = f"{row['units']} {row['unit'] or ''}"
        for w, text, align in zip(widths, (row["date"], row["centre"], row["category_name"], amount),
                                  ("C", "L", "L", "R"), strict=True):
            doc.cell(w, 8, _fit(doc, text, w - 2), border=1, align=align)
        doc.ln()
    if not cert.rows:
        doc.cell(sum(widths), 9, "이 기간에 확인된 활동이 없습니다 · No confirmed activity in this period", border=1,
                 align="C", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Nanum", "B", 12)
    doc.cell(sum(widths[:3]), 10, "봉사 시간 합계 Total hours of volunteering", border=1, align="R")
    doc.cell(widths[3], 10, f"{rules.hours(cert.minutes)}시간", border=1, align="R", new_x="LMARGIN", new_y="NEXT")
    doc.ln(3)
    doc.set_font("Nanum", "", 10)
    if cert.left_out:
        doc.multi_cell(0, 6, f"※ 이 기간의 활동 {cert.left_out}건은 블록체인 기록과의 연결이 삭제되어(개인정보 삭제 요청) "
                             f"확인서에 넣을 수 없습니다. {cert.left_out} activit{'y' if cert.left_out == 1 else 'ies'} "
                             "of this period cannot be certified: their link to the chain was erased.",
                       new_x="LMARGIN", new_y="NEXT")
        doc.ln(2)

    if cert.url:
        qr = segno.make(cert.url, error="l", micro=False)
        matrix = qr.matrix
        n = len(matrix) + 8  # the quiet zone of 4 modules on each side
        # Modules of at least half a millimetre, so that a phone reads a dense code from paper: 50 to 100 mm.
        size = min(100.0, max(50.0, n * 0.5))
        if doc.get_y() > 297 - 18 - size - 8:
            doc.add_page()
        x, y = doc.l_margin, doc.get_y() + 2
        module = size / n
        doc.set_fill_color(0, 0, 0)
        for r, row in enumerate(matrix):
            for c, dark in enumerate(row):
                if dark:
                    doc.rect(x + (c + 4) * module, y + (r + 4) * module, module, module, style="F")
        doc.set_xy(x + size + 6, y + 4)
        doc.set_font("Nanum", "B", 12)
        doc.cell(0, 7, "확인 코드 Certificate code", new_x="LEFT", new_y="NEXT")
        doc.set_font("Nanum", "B", 20)
        doc.cell(0, 11, cert.code or "", new_x="LEFT", new_y="NEXT")
        doc.set_font("Nanum", "", 10)
        origin = cert.url.split("#", 1)[0]
        doc.multi_cell(0, 5.5, "QR 코드를 휴대전화로 찍으면 블록체인에서 각 활동을 확인하는 쪽이 열립니다. 그 쪽에 "
                               "나온 확인 코드가 위 코드와 같은지 보세요.\n"
                               "Scan the QR code: a page checks each activity against the blockchain. Its "
                               f"certificate code must be the one above.\n{origin}", new_x="LEFT", new_y="NEXT")
        doc.set_y(y + size + 4)
    doc.set_font("Nanum", "", 10)
    doc.multi_cell(0, 5.5, f"발급 {platform_ko} · Issued by {platform_en} · "
                           f"{cert.issued_at.astimezone(rules.KST).strftime('%Y-%m-%d %H:%M')} KST",
                   new_x="LMARGIN", new_y="NEXT")
    return bytes(doc.output())


def _fit(doc, text: str, width: float) -> str:
    if doc.get_string_width(text) <= width:
        return text
    while text and doc.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


# ------------------------------------------------------------------ public verification

_HITS: dict[str, list[float]] = {}
_HITS_LOCK = threading.Lock()


def throttle(client: str, now: float | None = None) -> None:
    """At most RATE_LIMIT verification requests per client address per RATE_WINDOW_S (in this process)."""
    now = time.monotonic() if now is None else now
    with _HITS_LOCK:
        if len(_HITS) > 10_000:
            _HITS.clear()
        hits = [t for t in _HITS.get(client, []) if now - t < RATE_WINDOW_S]
        if len(hits) >= RATE_LIMIT:
            raise Refusal(429, "rate_limited", limit=RATE_LIMIT, window=RATE_WINDOW_S,
                          wait=int(RATE_WINDOW_S - (now - hits[0])) + 1)
        hits.append(now)
        _HITS[client] = hits


def check_ids(chain: ChainClient, ids: list[str], claims: list[dict] | None = None) -> list[dict]:
    """For each id: attested (this exact id has an ActivityAttested log: `isAttested` alone looks at the serial's
    slot, which a changed record with the same serial would also pass), revoked, and the block of the attestation;
    for an id with a claim (a certificate's compact line: volunteer, category, units, day = unix seconds // 86400),
    `matches`: whether the attestation's log says the same. Nothing else: yes or no on facts anyone reads from the
    chain."""
    if len(ids) > MAX_IDS or len(claims or []) > MAX_IDS:
        raise Refusal(422, "too_many_ids", max=MAX_IDS)
    parsed = []
    for value in ids:
        if not isinstance(value, str) or len(value) != 66 or not value.startswith("0x"):
            raise Refusal(422, "invalid_request", why="ids: each id is 0x and 64 hex digits")
        try:
            parsed.append(bytes.fromhex(value[2:]))
        except ValueError:
            raise Refusal(422, "invalid_request", why="ids: each id is 0x and 64 hex digits") from None
    claimed = {}
    for claim in claims or []:
        claimed[bytes.fromhex(claim["id"][2:])] = claim
    found: dict[bytes, int] = {}
    facts: dict[bytes, tuple] = {}
    wanted = sorted(set(parsed))
    if wanted:
        head = int(chain.rpc("eth_blockNumber", []), 16)
        for entry in chain.logs.logs(chain.deployment.deployment_block, head, chain.registry.address,
                                     [ACTIVITY_ATTESTED_TOPIC, wanted]):
            topics = [_raw(t) for t in entry["topics"]]
            block = entry["blockNumber"]
            found[topics[1]] = int(block, 16) if isinstance(block, str) else int(block)
            category, _, units, time, _, _ = decode(["uint16", "uint32", "uint32", "uint40", "bytes32", "uint96"],
                                                    _raw(entry["data"]))
            facts[topics[1]] = ("0x" + topics[2][12:].hex(), category, units, time // rules.DAY_S)
    out = []
    for aid in parsed:
        attested = aid in found
        claim = claimed.get(aid)
        matches = None
        if claim is not None:
            said = (claim["volunteer"].lower(), claim["category"], claim["units"], claim["day"])
            matches = attested and facts[aid] == said
        out.append({"id": "0x" + aid.hex(), "attested": attested,
                    "revoked": bool(chain.is_revoked(aid)) if attested else False, "block": found.get(aid),
                    "matches": matches})
    return out


def _raw(value) -> bytes:
    return bytes.fromhex(value[2:]) if isinstance(value, str) else bytes(value)
