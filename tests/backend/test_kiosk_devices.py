"""Kiosks enrolled as devices of their centre (docs/access.md, "Kiosk devices"), against the real chain, app and
database: a card session without a provider's desk needs an enrolled kiosk's code; a revoked kiosk opens none and its
open sessions are refused at once; the desk is unchanged; a coordinator enrols, lists and revokes only their own
centre's kiosks (audited); the code is shown once and never in a list, a log or the database in clear."""

from __future__ import annotations

import logging
import uuid

import pytest
from sqlalchemy import select, text
from test_custody import PIN, card_token, earn, offer_id, register, session_headers  # noqa: F401 (fixture)

from backend.domain.custody import token_digest
from backend.store.models import AdminAudit, Base, KioskDevice


def refused(r, status: int, error: str) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error"] == error and body["detail"], body
    return body


def enrol(backend, staff, centre_id: int = 1, name: str | None = None) -> dict:
    r = backend.http.post(f"/centres/{centre_id}/kiosks", json={"name": name or f"로비 {uuid.uuid4().hex[:4]}"},
                          headers=staff)
    assert r.status_code == 201, r.text
    return r.json()


def at_kiosk(code: str | None) -> dict:
    return {"X-Kiosk-Device": code} if code else {}


def start(backend, token: str, headers: dict, pin: str = PIN, language: str = "en"):
    return backend.http.post("/card/sessions", json={"card_token": token, "pin": pin},
                             headers={**headers, "Accept-Language": language})


@pytest.fixture(scope="module")
def member(backend, coord1) -> dict:
    """A custodial resident of centre 1 with coins, and their card's token."""
    resident = register(backend, coord1)
    earn(backend, coord1, resident["address"])
    return {**resident, "token": card_token(backend, coord1, resident["id"])}


def test_a_card_session_without_a_desk_or_an_enrolled_kiosk_is_refused_in_both_languages(backend, member):
    for language in ("en", "ko"):
        body = refused(start(backend, member["token"], {}, language=language), 401, "kiosk_device_required")
        assert ("키오스크" in body["detail"]) == (language == "ko")
    refused(start(backend, member["token"], at_kiosk("vbk_" + "A" * 43)), 401, "kiosk_device_required")
    refused(start(backend, member["token"], at_kiosk("not a code")), 401, "kiosk_device_required")


def test_no_pin_is_checked_without_an_enrolled_kiosk(backend, coord1, member):
    for _ in range(6):
        refused(start(backend, member["token"], {}, pin="8642"), 401, "kiosk_device_required")
    code = enrol(backend, coord1)["device_code"]
    assert start(backend, member["token"], at_kiosk(code)).status_code == 200  # the card is not locked


def test_an_enrolled_kiosk_opens_a_session_bound_to_it_and_records_when_it_was_used(backend, coord1, member):
    kiosk = enrol(backend, coord1, name="2층 복도")
    r = start(backend, member["token"], at_kiosk(kiosk["device_code"]))
    assert r.status_code == 200, r.text
    assert r.json()["kiosk"] == {"id": kiosk["id"], "name": "2층 복도", "centre_id": 1}
    me = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert backend.http.get("/card/me", headers=me).status_code == 200
    with backend.sessions() as s:
        assert s.get(KioskDevice, kiosk["id"]).last_used_at is not None


def test_a_revoked_kiosk_opens_nothing_and_its_open_session_is_refused_at_once(backend, coord1, member):
    kiosk = enrol(backend, coord1)
    r = start(backend, member["token"], at_kiosk(kiosk["device_code"]))
    me = {"Authorization": f"Bearer {r.json()['access_token']}"}
    r = backend.http.post(f"/centres/1/kiosks/{kiosk['id']}/revoke", headers=coord1)
    assert r.status_code == 200 and r.json()["active"] is False, r.text
    for path in ("/card/me", "/card/history", "/card/offers", "/card/vouchers"):
        refused(backend.http.get(path, headers=me), 403, "kiosk_device_revoked")
    refused(backend.http.post("/card/donate", json={"charity": "0x" + "1" * 40, "amount": "1"},
                              headers={**me, "Idempotency-Key": uuid.uuid4().hex}), 403, "kiosk_device_revoked")
    body = refused(start(backend, member["token"], at_kiosk(kiosk["device_code"]), language="ko"), 403,
                   "kiosk_device_revoked")
    assert "코디네이터" in body["detail"]
    refused(backend.http.post(f"/centres/1/kiosks/{kiosk['id']}/revoke", headers=coord1), 409,
            "kiosk_already_revoked")


def test_a_spend_at_a_kiosk_names_the_kiosk_in_the_audit_log(backend, coord1, member, offer_id):  # noqa: F811
    kiosk = enrol(backend, coord1)
    r = start(backend, member["token"], at_kiosk(kiosk["device_code"]))
    me = {"Authorization": f"Bearer {r.json()['access_token']}"}
    r = backend.http.post("/card/redeem", json={"offer_id": offer_id},
                          headers={**me, "Idempotency-Key": uuid.uuid4().hex})
    assert r.status_code == 202, r.text
    backend.drain()
    with backend.sessions() as s:
        row = s.scalar(select(AdminAudit).where(AdminAudit.action == "card_spent_at_kiosk",
                                                AdminAudit.chain_op_id == r.json()["id"]))
        assert row.params["kiosk_id"] == kiosk["id"] and row.params["resident_id"] == member["id"]
        assert row.centre_id == 1


def test_a_providers_desk_needs_no_kiosk(backend, member):
    desk = session_headers(backend, member["token"], headers=backend.login("gym"))
    assert backend.http.get("/card/offers", headers=desk).status_code == 200
    assert backend.http.get("/card/me", headers=desk).json()["desk"] is not None


def test_enrolling_listing_and_revoking_are_scoped_to_the_centre_and_audited(backend, coord1, coord2, admin_headers):
    mine = enrol(backend, coord1, name="센터1 로비")
    for method, path in (("post", "/centres/1/kiosks"), ("get", "/centres/1/kiosks"),
                         ("post", f"/centres/1/kiosks/{mine['id']}/revoke")):
        r = backend.http.request(method, path, json={"name": "x"} if path.endswith("kiosks") and method == "post"
                                 else None, headers=coord2)
        refused(r, 404, "not_found")
    other = enrol(backend, coord2, centre_id=2)
    refused(backend.http.post(f"/centres/1/kiosks/{other['id']}/revoke", headers=coord1), 404, "not_found")
    listed = backend.http.get("/centres/1/kiosks", headers=coord1).json()
    assert mine["id"] in {k["id"] for k in listed} and other["id"] not in {k["id"] for k in listed}
    assert other["id"] in {k["id"] for k in backend.http.get("/centres/2/kiosks", headers=admin_headers).json()}
    refused(backend.http.post("/centres/99/kiosks", json={"name": "x"}, headers=admin_headers), 404, "not_found")
    refused(backend.http.post("/centres/1/kiosks", json={"name": "   "}, headers=coord1), 422, "kiosk_name_required")
    refused(backend.http.post("/centres/1/kiosks", json={"name": "x"}, headers=backend.login("gym")), 403,
            "staff_required")
    assert backend.http.post(f"/centres/2/kiosks/{other['id']}/revoke", headers=admin_headers).status_code == 200
    with backend.sessions() as s:
        actions = {(a.action, a.params["kiosk_id"], a.centre_id) for a in
                   s.scalars(select(AdminAudit).where(AdminAudit.action.in_(("kiosk_enrolled", "kiosk_revoked"))))}
    assert {("kiosk_enrolled", mine["id"], 1), ("kiosk_enrolled", other["id"], 2),
            ("kiosk_revoked", other["id"], 2)} <= actions


def test_the_code_is_shown_once_never_listed_logged_or_kept_in_clear(backend, coord1, member, caplog):
    caplog.set_level(logging.DEBUG)
    kiosk = enrol(backend, coord1)
    code = kiosk["device_code"]
    assert code.startswith("vbk_")
    start(backend, member["token"], at_kiosk(code))
    start(backend, member["token"], at_kiosk(code), pin="0000")
    listed = backend.http.get("/centres/1/kiosks", headers=coord1)
    assert code not in listed.text and token_digest(code) not in listed.text
    assert all("device_code" not in k for k in listed.json())
    assert code not in caplog.text
    with backend.sessions() as s:
        assert s.get(KioskDevice, kiosk["id"]).token_digest == token_digest(code)
        for table in Base.metadata.sorted_tables:
            for row in s.execute(text(f'SELECT * FROM "{table.name}"')):
                assert code not in str(tuple(row)), table.name
