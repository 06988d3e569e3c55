"""The monthly statement letter (월간 이용 명세서): for a resident who does not use a phone, a coordinator of their
centre prints what happened to their coins in a month — earned, used, donated, sent and received — with the balance
now and what they were told (a PIN reset, a card blocked or issued). An A4 PDF in Korean, English beside it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.chain.client import ChainClient
from backend.domain.errors import Refusal
from backend.domain.units import coins_text
from backend.services import documents, residents
from backend.services.resident_records import scope
from backend.store.models import MemberNotice
from backend.store.residents import in_scope

KST = timezone(timedelta(hours=9))
# (Korean, English) for each kind of history entry; what follows the words is the entry's own name (a category, an
# offer, a charity).
KINDS = {"earned": ("봉사 적립", "Earned"), "revoked": ("취소된 활동 회수", "Activity revoked"),
         "debt_repaid": ("회수 정산", "Revocation settled"), "redeemed": ("이용권 사용", "Voucher"),
         "donated": ("기부", "Donation"), "paid": ("보냄", "Sent"), "received_payment": ("받음", "Received")}
SIGN = {"earned": 1, "received_payment": 1, "revoked": -1, "debt_repaid": -1, "redeemed": -1, "donated": -1, "paid": -1}
NOTICES_KO = {"pin_set": "비밀번호를 정했습니다", "pin_reset": "비밀번호를 새로 정했습니다",
              "card_issued": "새 카드를 받았습니다", "card_blocked": "카드가 정지되었습니다",
              "card_locked": "비밀번호가 여러 번 틀려 카드가 잠겼습니다",
              "guardian_registered": "보호자가 등록되었습니다", "guardian_revoked": "보호자 등록이 해제되었습니다",
              "guardian_acted": "보호자가 대신 이용했습니다", "guardian_pin_reset": "보호자와 비밀번호를 새로 정했습니다",
              "move_requested": "본인 지갑으로 옮기기를 요청했습니다",
              "move_declined": "본인 지갑으로 옮기기 요청을 센터가 받아들이지 않았습니다",
              "custody_moved": "본인 지갑으로 옮기기를 코디네이터와 확인했습니다",
              "move_failed": "본인 지갑으로 코인을 옮기지 못했습니다 (다시 시도할 수 있습니다)",
              "move_done": "본인 지갑으로 옮기기를 마치고 센터 보관 열쇠를 폐기했습니다"}


@dataclass
class Statement:
    month: date  # its first day
    member_number: str | None
    name: str | None
    address: str | None
    balance: int = 0
    available: int = 0
    lines: list[tuple[str, str, str, int]] = field(default_factory=list)  # (day, Korean, English, signed amount)
    notices: list[tuple[str, str]] = field(default_factory=list)  # (day, Korean)

    def total(self, sign: int) -> int:
        return sum(amount for *_, amount in self.lines if (amount > 0) == (sign > 0) and amount != 0)


def month_of(text: str, chain_time: int | None = None) -> date:
    """2026-11 → 2026-11-01; refused unless a month that has begun in Korea, by the clock or by the chain's newest
    block (the statement reads the chain's events, timed by their blocks)."""
    try:
        year, month = (int(x) for x in text.split("-"))
        first = date(year, month, 1)
    except (ValueError, TypeError):
        raise Refusal(422, "invalid_period", f"month {text} is not YYYY-MM") from None
    now = max(datetime.now(KST), datetime.fromtimestamp(chain_time or 0, KST))
    if first > now.date():
        raise Refusal(422, "invalid_period", f"month {text} has not begun")
    return first


def _next_month(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)


def _words(entry: dict) -> tuple[str, str]:
    ko, en = KINDS[entry["kind"]]
    name_ko = (entry.get("category_name_ko") or entry.get("offer_title") or entry.get("charity_name_ko")
               or entry.get("charity_name") or "")
    name_en = (entry.get("category_name") or entry.get("offer_title") or entry.get("charity_name") or "")
    if entry["kind"] == "earned" and entry.get("unit") == "minute":
        name_ko = f"{name_ko} {entry['units']}분".strip()
        name_en = f"{name_en} {entry['units']} min".strip()
    if entry.get("guardian"):  # done for the member by their guardian
        name_ko = f"{name_ko} (보호자 {entry['guardian']['name']})".strip()
        name_en = f"{name_en} (by guardian {entry['guardian']['name']})".strip()
    return (f"{ko} · {name_ko}" if name_ko else ko), (f"{en} · {name_en}" if name_en else en)


def build(db: Session, chain: ChainClient, actor, resident_id: int, month: date) -> Statement:
    """A resident's statement of a month, for a coordinator of their centre (another centre's resident: 404)."""
    resident = in_scope(db, resident_id, scope(actor))
    if resident is None or resident.forgotten_pool:
        raise Refusal(404, "not_found", what=f"resident {resident_id}")
    statement = Statement(month, resident.member_number, resident.name, resident.address)
    start = datetime.combine(month, time(0), KST)
    end = datetime.combine(_next_month(month), time(0), KST)
    if resident.address:
        account = residents.account(db, chain, resident.address)
        statement.balance, statement.available = int(account["balance"]), int(account["available"])
        for entry in residents.history_between(db, chain, resident.address, int(start.timestamp()),
                                               int(end.timestamp())):
            day = datetime.fromisoformat(entry["time"]).astimezone(KST).strftime("%m-%d") if entry["time"] else ""
            ko, en = _words(entry)
            statement.lines.append((day, ko, en, SIGN[entry["kind"]] * int(entry["amount"])))
    for n in db.scalars(select(MemberNotice).where(
            MemberNotice.resident_id == resident.id, MemberNotice.at >= start.astimezone(UTC),
            MemberNotice.at < end.astimezone(UTC)).order_by(MemberNotice.id)):
        statement.notices.append((n.at.astimezone(KST).strftime("%m-%d"), NOTICES_KO.get(n.kind, n.kind)))
    return statement


def pdf(statement: Statement, platform_ko: str, platform_en: str) -> bytes:
    """A4: the resident, the month, each line with its date and amount, the totals, the balance now, the notices."""
    doc = documents.a4("월간 이용 명세서 Monthly statement", platform_ko, platform_en, bottom_margin=18)
    doc.set_font("Nanum", "B", 22)
    doc.cell(0, 12, f"{statement.month.year}년 {statement.month.month}월 이용 명세서", align="C",
             new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Nanum", "", 11)
    doc.cell(0, 7, f"Monthly statement, {statement.month:%B %Y} · {platform_ko} ({platform_en})", align="C",
             new_x="LMARGIN", new_y="NEXT")
    doc.ln(4)
    doc.set_font("Nanum", "", 13)
    doc.cell(0, 8, f"{statement.name or ''} 님 (회원번호 {statement.member_number or '—'})", new_x="LMARGIN", new_y="NEXT")
    doc.ln(2)
    doc.set_font("Nanum", "B", 13)
    doc.cell(0, 8, f"지금 쓸 수 있는 코인: {coins_text(statement.available)}코인 "
                   f"(모두 {coins_text(statement.balance)}코인)", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Nanum", "", 10)
    doc.cell(0, 6, f"Coins to use now: {coins_text(statement.available)} (all: {coins_text(statement.balance)})",
             new_x="LMARGIN", new_y="NEXT")
    doc.ln(4)
    doc.set_font("Nanum", "B", 12)
    doc.cell(25, 9, "날짜", border=1, align="C")
    doc.cell(125, 9, "내용 (What)", border=1)
    doc.cell(0, 9, "코인", border=1, align="R", new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Nanum", "", 12)
    if not statement.lines:
        doc.cell(0, 9, "이 달에는 코인의 변동이 없습니다. (No change this month.)", border=1,
                 new_x="LMARGIN", new_y="NEXT")
    for day, ko, en, amount in statement.lines:
        doc.cell(25, 9, day, border=1, align="C")
        doc.cell(125, 9, f"{ko}"[:60], border=1)
        doc.cell(0, 9, ("+" if amount > 0 else "") + coins_text(amount), border=1, align="R",
                 new_x="LMARGIN", new_y="NEXT")
    doc.ln(3)
    doc.set_font("Nanum", "B", 12)
    doc.cell(0, 8, f"들어온 코인 +{coins_text(statement.total(1))} · 나간 코인 {coins_text(statement.total(-1))}",
             new_x="LMARGIN", new_y="NEXT")
    if statement.notices:
        doc.ln(3)
        doc.set_font("Nanum", "B", 12)
        doc.cell(0, 8, "알림 (Notices)", new_x="LMARGIN", new_y="NEXT")
        doc.set_font("Nanum", "", 12)
        for day, text in statement.notices:
            doc.cell(0, 8, f"{day}  {text}", new_x="LMARGIN", new_y="NEXT")
    doc.ln(6)
    doc.set_font("Nanum", "", 10)
    doc.multi_cell(0, 6, "모르는 내용이 있거나 카드를 잃어버렸으면 센터에 바로 알려 주세요. 비밀번호를 잊었으면 "
                         "센터에서 직원과 함께 새로 정할 수 있습니다.\nIf anything here is not yours, or your card is "
                         "lost, tell your centre at once. A forgotten PIN is set anew at the centre with staff.",
                   new_x="LMARGIN", new_y="NEXT")
    return bytes(doc.output())
