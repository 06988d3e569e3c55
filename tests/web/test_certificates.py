"""Volunteer certificates in a real browser: a resident with volunteering on-chain opens 봉사활동 확인서, sees what
it lists and downloads the PDF; the PDF's QR code is exactly the code of the verification URL the page links to;
the public verification page says VALID in Korean and English, and NOT VALID for the same certificate with the
hours changed, an activity added or a date moved; no browser error, axe-core finds nothing serious."""

from __future__ import annotations

import io
import os
import re
from dataclasses import replace
from datetime import timedelta

import segno
from pypdf import PdfReader

from backend.domain import certificates as rules
from stack import axe_violations, record_activity, screenshot
from test_console import console_sign_in, find_resident
from wallet import BrowserWallet


def qr_modules(pdf: bytes) -> set[tuple[int, int]]:
    """The dark modules of the QR code drawn in the PDF (fpdf2 writes each as `x y w h re f`), as (row, column)."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    data = page.get_contents().get_data().decode("latin-1")
    squares = [tuple(map(float, m.groups())) for m in
               re.finditer(r"(-?[\d.]+) (-?[\d.]+) ([\d.]+) (-?[\d.]+) re f", data)]
    size = squares[0][2]
    squares = [s for s in squares if abs(s[2] - size) < 1e-3]
    x0, y0 = min(s[0] for s in squares), max(s[1] for s in squares)
    return {(round((y0 - s[1]) / abs(s[3])), round((s[0] - x0) / size)) for s in squares}


def expected_modules(url: str) -> set[tuple[int, int]]:
    matrix = segno.make(url, error="l", micro=False).matrix
    dark = {(r, c) for r, row in enumerate(matrix) for c, v in enumerate(row) if v}
    r0, c0 = min(r for r, _ in dark), min(c for _, c in dark)
    return {(r - r0, c - c0) for r, c in dark}


def tampered(url: str, change) -> str:
    base, fragment = url.split("#", 1)
    volunteer, start, end, lines = rules.decode(rules.from_b64url(fragment))
    return f"{base}#{rules.b64url(rules.encode(volunteer, start, end, change(lines)))}"


def verdict(page, stack, url: str) -> tuple[bool, str]:
    page.goto(url.replace(stack.settings.siwe_uri, stack.url))
    box = page.locator("main[aria-busy=false] .verdict")
    box.wait_for()
    return box.get_attribute("data-valid") == "true", box.inner_text()


def test_certificate_verify(stack, new_page, coordinator, tmp_path):
    wallet = BrowserWallet.create()
    record_activity(stack, coordinator, wallet.address, minutes=90)
    record_activity(stack, coordinator, wallet.address, minutes=150, place="반포 경로당", description="어르신 말벗")

    page, watch = new_page("phone", "ko", wallet=wallet)
    page.goto(f"{stack.url}/app/#/certificate")
    page.get_by_role("button", name=re.compile("Test Wallet")).click()
    page.get_by_role("heading", name="봉사활동 확인서", level=1).wait_for()
    page.locator("#certificate-lines tbody tr").nth(1).wait_for()
    assert page.locator("#certificate-lines tbody tr").count() == 2
    assert "봉사 시간 합계: 4시간" in page.locator("[data-figure=total_hours]").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "certificates-resident")
    with page.expect_download() as download:
        page.get_by_role("button", name="확인서 내려받기 (PDF)").click()
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "봉사활동 확인서" in text and "4시간" in text
    url = page.locator("#certificate-verify").get_attribute("href")
    code = rules.code(rules.from_b64url(url.split("#", 1)[1]))
    assert code in text
    assert qr_modules(pdf) == expected_modules(url)  # the QR printed is the code of this very URL
    assert watch.unexpected() == []

    # Anyone who scans it: VALID, the code of the paper, the total from the verified lines.
    for lang, said in (("ko", "유효한 확인서입니다"), ("en", "VALID certificate")):
        checker, watch = new_page("desktop" if lang == "en" else "phone", lang)
        valid, text = verdict(checker, stack, url)
        assert valid and said in text, text
        assert checker.locator(".facts .code").inner_text() == code
        checker.locator("#paper-code").fill(code.lower().replace("-", " "))  # typed from the paper, loosely
        checker.locator(".code-check button").click()
        assert checker.locator(".code-check [data-same=true]").is_visible()
        assert checker.locator(".facts .total").inner_text() in ("4시간", "4 hours")
        assert checker.locator("table.lines tbody tr.ok").count() == 2
        assert axe_violations(checker) == []
        assert watch.unexpected() == []
        screenshot(checker, f"certificates-valid-{lang}")

    # Tampered: the hours changed, an activity added, a date moved: NOT VALID, and the line is named.
    more_hours = tampered(url, lambda lines: [replace(lines[0], units=lines[0].units + 60), *lines[1:]])
    added = tampered(url, lambda lines: [*lines, replace(lines[-1], serial=lines[-1].serial + 1, salt=os.urandom(32))])
    moved = tampered(url, lambda lines: [replace(lines[0], occurred_at=lines[0].occurred_at - timedelta(days=1)), *lines[1:]])
    doubled = tampered(url, lambda lines: [*lines, lines[0]])
    cases = (("ko", "hours", more_hours), ("en", "added", added), ("ko", "moved", moved), ("en", "doubled", doubled))
    for lang, name, bad in cases:
        checker, watch = new_page("phone", lang)
        valid, text = verdict(checker, stack, bad)
        assert not valid and ("유효하지 않은" in text if lang == "ko" else "NOT VALID" in text), text
        assert checker.locator("table.lines tbody tr.bad").count() == 1
        checker.locator("#paper-code").fill(code)  # the paper's code is not the code of the tampered data
        checker.locator(".code-check button").click()
        assert checker.locator(".code-check [data-same=false]").is_visible()
        assert axe_violations(checker) == []
        assert watch.unexpected() == []
        screenshot(checker, f"certificates-not-valid-{name}-{lang}")
    # The same certificate with compact lines (as a long period's has): VALID; the hours changed on one: NOT VALID.
    compact = tampered(url, lambda lines: [rules.compact(x, wallet.address) for x in lines])
    valid, _ = verdict(checker, stack, compact)
    assert valid
    compact_more = tampered(url, lambda lines: [replace(rules.compact(lines[0], wallet.address), units=lines[0].units + 60),
                                                *lines[1:]])
    valid, _ = verdict(checker, stack, compact_more)
    assert not valid and checker.locator("table.lines tbody tr.bad").count() == 1
    # The resident's real activities under another period (a certificate of last year made of this year's lines).
    base, fragment = url.split("#", 1)
    volunteer, start, end, lines = rules.decode(rules.from_b64url(fragment))
    last_year = f"{base}#{rules.b64url(rules.encode(volunteer, start - timedelta(days=366), start - timedelta(days=1), lines))}"
    valid, _ = verdict(checker, stack, last_year)
    assert not valid and checker.locator("table.lines tbody tr.bad").count() == 2
    assert "Outside the certificate's period" in checker.locator("table.lines tbody tr.bad").first.inner_text()  # this page is English

    # Without the fragment the page reveals nothing: it explains how to scan.
    checker, watch = new_page("phone", "ko")
    checker.goto(f"{stack.url}/verify/")
    checker.get_by_role("heading", name="봉사활동 확인서 확인").wait_for()
    assert checker.locator(".verdict").count() == 0 and axe_violations(checker) == []
    # Not a certificate at all: said so, not an error.
    valid, text = verdict(checker, stack, f"{stack.url}/verify/#not-a-certificate")
    assert not valid and "확인서가 아님" in text
    assert watch.unexpected() == []


def test_a_coordinator_downloads_a_residents_certificate_from_the_console(stack, new_page, coordinator):
    wallet = BrowserWallet.create()
    r = stack.http.post("/residents", json={"name": "박확인", "phone": "010-5555-1357", "address": wallet.address,
                                            "consent_terms_version": "2026-03"}, headers=coordinator)
    assert r.status_code == 201, r.text
    resident = r.json()
    record_activity(stack, coordinator, wallet.address, minutes=120)
    page, watch = new_page("desktop", "ko")
    console_sign_in(page, stack, "coord1")
    card = find_resident(page, resident)
    card.get_by_text("확인서", exact=True).click()
    assert axe_violations(page) == []
    with page.expect_download() as download:
        card.get_by_role("button", name="확인서 내려받기 (PDF)").click()
    assert download.value.suggested_filename.startswith(f"certificate-{resident['member_number']}-")
    text = PdfReader(io.BytesIO(download.value.path().read_bytes())).pages[0].extract_text()
    assert "박확인" in text and resident["member_number"] in text and "2시간" in text
    screenshot(page, "certificates-console")
    assert watch.unexpected() == []
