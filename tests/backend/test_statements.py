"""The monthly statement letter over HTTP on the real app, database and chain: a resident without a phone, whose
account the centre holds, earns and donates; a coordinator of their centre prints the month's statement, which says
each line in words with its amount, the balance now and what the member was told; another centre's coordinator
gets 404; a month not begun is refused."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

from pypdf import PdfReader
from test_custody import earn, register, session_headers, card_token

KST = timezone(timedelta(hours=9))


def this_month() -> str:
    return datetime.now(KST).strftime("%Y-%m")


def chain_month(backend) -> str:
    """The month of the chain's newest block in Korea (ahead of the clock once earlier tests let coins unlock)."""
    return datetime.fromtimestamp(backend.chain_time(), KST).strftime("%Y-%m")


def statement_text(backend, headers, resident_id: int, month: str) -> str:
    r = backend.http.get(f"/residents/{resident_id}/statement.pdf", params={"month": month}, headers=headers)
    assert r.status_code == 200 and r.content.startswith(b"%PDF"), r.text
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages)


def test_the_statement_says_the_months_coins_in_words_and_the_balance(backend, coord1):
    resident = register(backend, coord1)
    month = chain_month(backend)
    earn(backend, coord1, resident["address"], units=120)  # two hours of volunteering: 6 coins
    text = statement_text(backend, coord1, resident["id"], month)
    assert resident["member_number"] in text and "이용 명세서" in text
    assert "봉사 적립" in text and "120분" in text and "+6" in text
    assert "지금 쓸 수 있는 코인: 6코인" in text


def test_the_statement_lists_what_the_member_was_told(backend, coord1):
    resident = register(backend, coord1)
    backend.http.post(f"/residents/{resident['id']}/card/block", json={"reason": "lost"}, headers=coord1)
    text = statement_text(backend, coord1, resident["id"], this_month())
    assert "카드가 정지되었습니다" in text and "새 카드를 받았습니다" in text


def test_a_month_without_change_says_so(backend, coord1):
    resident = register(backend, coord1)
    last_year = (datetime.now(KST) - timedelta(days=400)).strftime("%Y-%m")
    assert "변동이 없습니다" in statement_text(backend, coord1, resident["id"], last_year)


def test_another_centres_coordinator_gets_404(backend, coord1, coord2):
    resident = register(backend, coord1)
    r = backend.http.get(f"/residents/{resident['id']}/statement.pdf", params={"month": this_month()}, headers=coord2)
    assert r.status_code == 404


def test_a_month_not_begun_is_refused(backend, coord1):
    resident = register(backend, coord1)
    later = (datetime.fromtimestamp(backend.chain_time(), KST) + timedelta(days=40)).strftime("%Y-%m")
    r = backend.http.get(f"/residents/{resident['id']}/statement.pdf", params={"month": later}, headers=coord1)
    assert r.status_code == 422 and r.json()["error"] == "invalid_period"


def test_a_resident_cannot_print_a_statement(backend, coord1):
    resident = register(backend, coord1)
    me = session_headers(backend, card_token(backend, coord1, resident["id"]))
    r = backend.http.get(f"/residents/{resident['id']}/statement.pdf", params={"month": this_month()}, headers=me)
    assert r.status_code in (401, 403)
