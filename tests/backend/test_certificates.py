"""Volunteer certificates against the real chain, app and database: the PDF opens and lists the period's confirmed
activities only, the fragment recomputes each attestation id, the public check answers per exact id (a changed
record with the same serial is not attested), another centre's coordinator gets 404, an erased link is left out."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from conftest import activity_body
from pypdf import PdfReader
from residents_helpers import new_wallet, sign_in

from backend.domain import certificates as rules
from backend.domain.activities import chain_activity_id

KST = rules.KST


def period(days_back: int = 2) -> dict:
    today = datetime.now(KST).date()
    return {"from": (today - timedelta(days=days_back)).isoformat(), "to": today.isoformat()}


@pytest.fixture(scope="module")
def resident(backend, coord1, coord2):
    """A resident of centre 1 with two activities in the period (one at centre 2), one before it, and another
    resident's activity the same day."""
    tag = uuid.uuid4().hex[:6]
    wallet = new_wallet()
    r = backend.http.post("/residents", json={"name": f"김봉사 {tag}", "address": wallet.address,
                                              "consent_terms_version": "2026-03"}, headers=coord1)
    assert r.status_code == 201, r.text
    now = datetime.now(UTC)
    bodies = [(coord1, activity_body(wallet.address, approve=True, units=90, occurred_at=(now - timedelta(hours=2)).isoformat())),
              (coord2, activity_body(wallet.address, approve=True, centre_id=2, units=60, place="서초 도서관",
                                     description="책 정리", occurred_at=(now - timedelta(hours=30)).isoformat())),
              (coord1, activity_body(wallet.address, approve=True, units=120, occurred_at=(now - timedelta(days=9)).isoformat())),
              (coord1, activity_body(new_wallet().address, approve=True, units=30))]
    ids = []
    for headers, body in bodies:
        a = backend.http.post("/activities", json=body, headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
        assert a.status_code == 201, a.text
        ids.append(a.json()["id"])
    backend.drain()
    assert all(backend.activity(i).status == "confirmed" for i in ids)
    return {**r.json(), "wallet": wallet, "activity_ids": ids, "session": sign_in(backend, wallet)}


def test_the_json_lists_the_periods_confirmed_activities_and_the_fragment_recomputes_their_ids(backend, resident):
    r = backend.http.get("/me/certificate", params=period(), headers=resident["session"])
    assert r.status_code == 200, r.text
    cert = r.json()
    assert [a["units"] for a in cert["activities"]] == [60, 90]  # oldest first; not the one before the period
    assert cert["total_minutes"] == 150 and cert["total_hours"] == "2.5" and cert["left_out"] == 0
    assert cert["member_number"] == resident["member_number"] and cert["resident_name"] == resident["name"]
    assert cert["activities"][0]["centre_id"] == 2 and cert["activities"][0]["hours"] == "1"
    url = cert["verification_url"]
    assert url.startswith(backend.settings.siwe_uri + "/verify/#") and rules.fits_in_qr(url)
    payload = rules.from_b64url(url.split("#", 1)[1])
    assert rules.code(payload) == cert["code"]
    volunteer, start, end, lines = rules.decode(payload)
    assert volunteer == resident["wallet"].address and start.isoformat() == period()["from"]
    assert ["0x" + line.chain_id(volunteer).hex() for line in lines] == [a["chain_id"] for a in cert["activities"]]
    # Nothing but the record: no name, no member number in the fragment.
    assert resident["name"].encode() not in payload and resident["member_number"].encode() not in payload


def test_the_public_check_answers_per_exact_id(backend, resident):
    cert = backend.http.get("/me/certificate", params=period(), headers=resident["session"]).json()
    volunteer, _, _, lines = rules.decode(rules.from_b64url(cert["verification_url"].split("#", 1)[1]))
    tampered = lines[1]
    changed = chain_activity_id(tampered.centre_id, tampered.serial, tampered.salt,
                                rules.Line(**{**tampered.__dict__, "units": 180}).record(volunteer))[0]
    ids = [a["chain_id"] for a in cert["activities"]] + ["0x" + changed.hex(), "0x" + "00" * 32]
    r = backend.http.post("/verify/attestations", json={"ids": ids})
    assert r.status_code == 200, r.text
    answers = r.json()
    assert [(a["attested"], a["revoked"]) for a in answers] == [(True, False), (True, False), (False, False), (False, False)]
    assert all(isinstance(a["block"], int) for a in answers[:2]) and answers[2]["block"] is None
    assert set(answers[0]) == {"id", "attested", "revoked", "block", "matches"} and answers[0]["matches"] is None
    # The same serial's slot is taken, so isAttested alone would have said yes to the changed record.
    assert backend.chain.is_attested(changed)


def test_a_compact_lines_claim_is_checked_against_the_attestations_log(backend, resident):
    cert = backend.http.get("/me/certificate", params=period(), headers=resident["session"]).json()
    volunteer, _, _, lines = rules.decode(rules.from_b64url(cert["verification_url"].split("#", 1)[1]))
    short = rules.compact(lines[0], volunteer)
    day = int(short.occurred_at.timestamp()) // 86_400
    claim = {"id": "0x" + short.chain_id(volunteer).hex(), "volunteer": volunteer.lower(), "category": 1,
             "units": short.units, "day": day}
    wrong = [{**claim, "units": short.units + 60}, {**claim, "day": day + 1}, {**claim, "category": 2},
             {**claim, "volunteer": new_wallet().address}]
    for c, expected in [(claim, True), *[(w, False) for w in wrong]]:
        r = backend.http.post("/verify/attestations", json={"ids": [c["id"]], "claims": [c]})
        assert r.status_code == 200, r.text
        assert (r.json()[0]["attested"], r.json()[0]["matches"]) == (True, expected), c
    plain = backend.http.post("/verify/attestations", json={"ids": [claim["id"]]}).json()
    assert plain[0]["matches"] is None


def test_the_public_check_refuses_too_many_or_malformed_ids(backend):
    assert backend.http.post("/verify/attestations", json={"ids": ["0x" + "11" * 32] * 101}).status_code == 422
    bad = backend.http.post("/verify/attestations", json={"ids": ["0x1234"]})
    assert bad.status_code == 422 and bad.json()["error"] == "invalid_request"


def test_the_pdf_opens_and_says_who_what_and_the_code(backend, resident):
    r = backend.http.get("/me/certificate.pdf", params=period(), headers=resident["session"])
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf", r.text
    reader = PdfReader(io.BytesIO(r.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    code = backend.http.get("/me/certificate", params=period(), headers=resident["session"]).json()["code"]
    for needle in ("봉사활동 확인서", resident["name"], resident["member_number"], code, "2.5시간", "1.5시간", "1시간"):
        assert needle in text, needle
    assert len(reader.pages) == 1
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert all("NanumSquare" in str(fonts[f].get_object()["/BaseFont"]) for f in fonts)  # embedded, from the repo


def test_staff_get_a_residents_certificate_within_their_centre_only(backend, resident, coord1, coord2, admin_headers):
    mine = backend.http.get(f"/residents/{resident['id']}/certificate", params=period(), headers=coord1)
    assert mine.status_code == 200 and [a["centre_id"] for a in mine.json()["activities"]] == [1]
    assert mine.json()["centre_only"]
    everything = backend.http.get(f"/residents/{resident['id']}/certificate", params=period(), headers=admin_headers)
    assert [a["centre_id"] for a in everything.json()["activities"]] == [2, 1]
    pdf = backend.http.get(f"/residents/{resident['id']}/certificate.pdf", params=period(), headers=coord1)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # coord2's centre recorded an activity for this resident, so coord2 sees them; a resident of neither centre is 404.
    stranger = backend.http.post("/residents", json={"name": "다른 센터 주민", "consent_terms_version": "2026-03"},
                                 headers=coord2).json()
    assert backend.http.get(f"/residents/{stranger['id']}/certificate.pdf", params=period(),
                            headers=coord1).status_code == 404
    assert backend.http.get(f"/residents/{stranger['id']}/certificate", params=period(),
                            headers=resident["session"]).status_code in (401, 403)


def test_a_period_the_wrong_way_round_is_refused(backend, resident):
    r = backend.http.get("/me/certificate", params={"from": "2026-12-01", "to": "2026-11-01"},
                         headers={**resident["session"], "Accept-Language": "ko"})
    assert r.status_code == 422 and r.json()["error"] == "invalid_period"


def test_an_activity_whose_link_was_erased_is_left_out_and_said_so(backend, resident, admin_headers):
    first = resident["activity_ids"][0]
    r = backend.http.post(f"/activities/{first}/erase-link", json={"reason": "본인 요청"},
                          headers={**admin_headers, "Idempotency-Key": uuid.uuid4().hex})
    assert r.status_code == 200, r.text
    cert = backend.http.get("/me/certificate", params=period(), headers=resident["session"]).json()
    assert [a["units"] for a in cert["activities"]] == [60] and cert["left_out"] == 1
    pdf = backend.http.get("/me/certificate.pdf", params=period(), headers=resident["session"])
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "1건" in text and "cannot be certified" in text
