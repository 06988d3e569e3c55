"""Guardians and proxies of members whose account the centre holds, against the real chain, app and database: a
coordinator registers one with the member's consent (another centre's: 404; a member with a wallet: 409); the
guardian signs in with their own wallet, sees the members they act for, donates under the member's daily limit, resets
a forgotten PIN; every act names the guardian in the member's history, notices and the city's audit log; a revoked
guardian is refused at once; forgetting the member removes their guardians; no key in any answer."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

import pytest
from conftest import COIN
from residents_helpers import new_wallet, sign_in
from sqlalchemy import func, select
from test_statements import statement_text
from test_custody import (CHARITY, PIN, card_token, earn, offer_id, open_session, private_key, register, relayed_ops,
                          session_headers)

from backend.chain.keys import dev_key
from backend.services.statements import KST
from backend.store.models import GuardianOp, Guardianship, MemberNotice


def once() -> dict:
    return {"Idempotency-Key": uuid.uuid4().hex}


def add_guardian(backend, coord, resident_id: int, wallet, name: str = "김보호", **extra):
    body = {"address": wallet.address, "name": name, "relation": "family", "consent_terms_version": "guardian-2026-03",
            **extra}
    return backend.http.post(f"/residents/{resident_id}/guardians", json=body, headers={**coord, **once()})


@pytest.fixture()
def member(backend, coord1) -> dict:
    """A custodial member of centre 1 with 6 coins that can move."""
    resident = register(backend, coord1)
    earn(backend, coord1, resident["address"])
    return resident


@pytest.fixture()
def guardian(backend, coord1, member) -> dict:
    """A family member registered as the member's guardian, signed in with their own wallet."""
    wallet = new_wallet()
    r = add_guardian(backend, coord1, member["id"], wallet)
    assert r.status_code == 201, r.text
    return {"wallet": wallet, "id": r.json()["id"], "headers": sign_in(backend, wallet)}


def donate(backend, guardian: dict, resident_id: int, amount: int, language: str = "en"):
    return backend.http.post(f"/guardian/members/{resident_id}/donate",
                             json={"charity": CHARITY, "amount": str(amount)},
                             headers={**guardian["headers"], **once(), "Accept-Language": language})


def test_registering_a_guardian_needs_the_members_consent(backend, coord1, member):
    r = add_guardian(backend, coord1, member["id"], new_wallet(), consent_terms_version=None)
    assert r.status_code == 422 and r.json()["error"] == "consent_required", r.text
    r = backend.http.post(f"/residents/{member['id']}/guardians",
                          json={"address": new_wallet().address, "name": "김보호", "relation": "family"},
                          headers={**coord1, **once(), "Accept-Language": "ko"})
    assert r.status_code == 422 and "동의" in r.json()["detail"], r.text
    assert backend.http.get(f"/residents/{member['id']}/guardians", headers=coord1).json() == []


def test_another_centres_coordinator_gets_404(backend, coord1, coord2, member, guardian):
    rid = member["id"]
    assert add_guardian(backend, coord2, rid, new_wallet()).json()["error"] == "not_found"
    assert backend.http.get(f"/residents/{rid}/guardians", headers=coord2).status_code == 404
    r = backend.http.post(f"/residents/{rid}/guardians/{guardian['id']}/revoke", json={}, headers={**coord2, **once()})
    assert r.status_code == 404 and r.json()["error"] == "not_found", r.text
    assert [g["active"] for g in backend.http.get(f"/residents/{rid}/guardians", headers=coord1).json()] == [True]


def test_a_member_with_a_wallet_of_their_own_gets_no_guardian(backend, coord1):
    r = backend.http.post("/residents", json={"name": "정지갑", "address": new_wallet().address,
                                              "consent_terms_version": "2026-03"}, headers=coord1)
    for language, words in (("en", "account the centre holds"), ("ko", "센터 보관 계정")):
        g = backend.http.post(f"/residents/{r.json()['id']}/guardians",
                              json={"address": new_wallet().address, "name": "김보호", "relation": "family",
                                    "consent_terms_version": "g1"},
                              headers={**coord1, **once(), "Accept-Language": language})
        assert g.status_code == 409 and g.json()["error"] == "guardian_needs_custody", g.text
        assert words in g.json()["detail"]


def test_a_guardian_sees_the_members_they_act_for(backend, coord1, member, guardian):
    mine = backend.http.get("/guardian/members", headers=guardian["headers"]).json()
    assert [(m["resident_id"], m["member_number"], m["card"]["status"]) for m in mine] == [
        (member["id"], member["member_number"], "active")]
    r = backend.http.get(f"/guardian/members/{member['id']}", headers=guardian["headers"])
    assert r.status_code == 200 and r.json()["account"]["balance"] == str(6 * COIN), r.text
    assert r.json()["left_today"] == str(backend.app.state.settings.custody_daily_limit)
    notices = r.json()["notices"]
    assert (notices[0]["kind"], notices[0]["by"]) == ("guardian_registered", "김보호")
    offers = backend.http.get(f"/guardian/members/{member['id']}/offers", headers=guardian["headers"])
    assert offers.status_code == 200 and isinstance(offers.json(), list)


def test_a_guardian_donates_under_the_members_daily_limit_and_not_beyond(backend, coord1, guardian):
    resident = register(backend, coord1, daily_limit=str(3 * COIN))
    earn(backend, coord1, resident["address"])
    assert add_guardian(backend, coord1, resident["id"], guardian["wallet"]).status_code == 201
    r = donate(backend, guardian, resident["id"], 2 * COIN)
    assert r.status_code == 202 and r.json()["kind"] == "donate" and r.json()["guardian"]["name"] == "김보호", r.text
    r = donate(backend, guardian, resident["id"], 2 * COIN, "ko")
    assert r.status_code == 409 and r.json()["error"] == "daily_limit_reached", r.text
    assert "한도는 3코인" in r.json()["detail"]
    assert len(relayed_ops(backend, resident["address"])) == 1  # nothing recorded for the refused one
    backend.drain()
    assert backend.chain.coin.functions.balanceOf(resident["address"]).call() == 4 * COIN


def test_a_guardian_redeems_for_the_member_once_per_key_and_the_voucher_names_the_guardian(backend, coord1, member,
                                                                                           guardian, offer_id):
    key = {**guardian["headers"], **once()}
    r = backend.http.post(f"/guardian/members/{member['id']}/redeem", json={"offer_id": offer_id}, headers=key)
    assert r.status_code == 202 and r.json()["kind"] == "redeem", r.text
    again = backend.http.post(f"/guardian/members/{member['id']}/redeem", json={"offer_id": offer_id}, headers=key)
    assert again.json()["id"] == r.json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    backend.drain()
    assert [(o.kind, o.state) for o in relayed_ops(backend, member["address"])] == [("redeem", "confirmed")]
    op = backend.http.get(f"/guardian/members/{member['id']}/operations/{r.json()['id']}", headers=guardian["headers"])
    assert op.status_code == 200 and op.json()["state"] == "confirmed", op.text
    history = backend.http.get(f"/guardian/members/{member['id']}/history", headers=guardian["headers"]).json()
    assert [(e["kind"], e["guardian"]["name"]) for e in history["entries"] if "guardian" in e] == [("redeemed", "김보호")]
    # The provider's own history has the voucher too, without the member's guardian (who they are is the member's).
    gym = backend.http.get("/me/history", headers=sign_in(backend, dev_key(3))).json()
    vouchers = [e for e in gym["entries"] if e["kind"] == "redeemed" and e["tx_hash"] == history["entries"][-1]["tx_hash"]]
    assert vouchers and all("guardian" not in e for e in vouchers), vouchers


def test_the_citys_admin_does_not_register_a_guardian(backend, admin_headers, member):
    """A guardian may set the member's PIN: registering one is for the member's own centre, not the city."""
    r = add_guardian(backend, admin_headers, member["id"], new_wallet())
    assert r.status_code == 403, r.text


def test_a_wallet_that_is_no_guardian_is_refused(backend, member, guardian):
    stranger = sign_in(backend, new_wallet())
    rid = member["id"]
    assert backend.http.get("/guardian/members", headers=stranger).json() == []
    for method, path, body in (("get", f"/guardian/members/{rid}", None),
                               ("get", f"/guardian/members/{rid}/history", None),
                               ("post", f"/guardian/members/{rid}/donate", {"charity": CHARITY, "amount": str(COIN)}),
                               ("post", f"/guardian/members/{rid}/pin", {"pin": "5071"})):
        r = backend.http.request(method, path, json=body, headers={**stranger, **once()})
        assert r.status_code == 404 and r.json()["error"] == "not_guardian", (path, r.text)
    assert backend.http.get("/guardian/members").status_code == 401  # no wallet at all
    assert relayed_ops(backend, member["address"]) == []


def test_a_revoked_guardian_is_refused_at_once(backend, coord1, member, guardian):
    r = backend.http.post(f"/residents/{member['id']}/guardians/{guardian['id']}/revoke",
                          json={"reason": "the member asked"}, headers={**coord1, **once()})
    assert r.status_code == 200 and r.json()["active"] is False and r.json()["revoked_by"] == "coord1", r.text
    r = donate(backend, guardian, member["id"], COIN, "ko")  # the same signed-in session, a moment later
    assert r.status_code == 404 and r.json()["error"] == "not_guardian" and "해제" in r.json()["detail"], r.text
    assert backend.http.get("/guardian/members", headers=guardian["headers"]).json() == []
    assert relayed_ops(backend, member["address"]) == []
    again = backend.http.post(f"/residents/{member['id']}/guardians/{guardian['id']}/revoke", json={},
                              headers={**coord1, **once()})
    assert again.status_code == 409 and again.json()["error"] == "guardian_revoked", again.text


def test_the_members_history_and_the_audit_log_name_the_guardian(backend, coord1, admin_headers, member, guardian):
    r = donate(backend, guardian, member["id"], COIN)
    assert r.status_code == 202, r.text
    op_id = r.json()["id"]
    backend.drain()
    me = session_headers(backend, card_token(backend, coord1, member["id"]))
    card_history = backend.http.get("/card/history", headers=me).json()
    donated = [e for e in card_history["entries"] if e["kind"] == "donated"]
    assert [(e["guardian"]["name"], e["guardian"]["address"]) for e in donated] == [
        ("김보호", guardian["wallet"].address)]
    assert not any("guardian" in e for e in card_history["entries"] if e["kind"] != "donated")
    assert ("guardian_acted", "김보호") in [(n["kind"], n["by"]) for n in card_history["notices"]]
    seen = backend.http.get(f"/guardian/members/{member['id']}/history", headers=guardian["headers"]).json()
    assert [e["guardian"]["name"] for e in seen["entries"] if e["kind"] == "donated"] == ["김보호"]
    audit = backend.http.get("/admin/audit", params={"action": "guardian_acted"}, headers=admin_headers).json()
    mine = [a for a in audit if a["params"]["resident_id"] == member["id"]]
    assert [(a["params"]["guardian_address"], a["params"]["guardian_name"], a["params"]["kind"], a["params"]["op_id"],
             a["centre_id"]) for a in mine] == [(guardian["wallet"].address, "김보호", "donate", op_id, 1)]
    registered = backend.http.get("/admin/audit", params={"action": "guardian_registered"},
                                  headers=admin_headers).json()
    assert [a["actor"] for a in registered if a["params"]["resident_id"] == member["id"]] == ["coord1"]
    # The monthly statement letter too (its month: the donation's block's, in Korea).
    month = datetime.fromisoformat(donated[0]["time"]).astimezone(KST).strftime("%Y-%m")
    assert "(보호자 김보호)" in statement_text(backend, coord1, member["id"], month)


def test_a_guardian_resets_a_forgotten_pin_and_the_member_is_told(backend, coord1, admin_headers, member, guardian):
    token = card_token(backend, coord1, member["id"])
    for _ in range(5):
        open_session(backend, token, "8642")
    assert open_session(backend, token, PIN).json()["error"] == "card_locked"
    r = backend.http.post(f"/guardian/members/{member['id']}/pin", json={"pin": "1111"},
                          headers={**guardian["headers"], **once()})
    assert r.status_code == 422 and r.json()["error"] == "pin_too_easy", r.text
    r = backend.http.post(f"/guardian/members/{member['id']}/pin", json={"pin": "5071"},
                          headers={**guardian["headers"], **once()})
    assert r.status_code == 200 and r.json()["card"]["locked"] is False, r.text
    me = session_headers(backend, token, "5071")
    notices = backend.http.get("/card/history", headers=me).json()["notices"]
    assert (notices[0]["kind"], notices[0]["by"]) == ("guardian_pin_reset", "김보호")
    audit = backend.http.get("/admin/audit", params={"action": "pin_reset"}, headers=admin_headers).json()
    mine = [a for a in audit if a["params"]["resident_id"] == member["id"]]
    assert [a["params"]["by_guardian"]["address"] for a in mine] == [guardian["wallet"].address]
    assert "5071" not in str(audit)


def test_forgetting_the_member_removes_their_guardians(backend, coord1, member, guardian):
    assert donate(backend, guardian, member["id"], COIN).status_code == 202
    backend.drain()
    r = backend.http.post(f"/residents/{member['id']}/forget", json={"reason": "the resident asked"},
                          headers={**coord1, **once()})
    assert r.status_code == 200, r.text
    with backend.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Guardianship).where(
            Guardianship.resident_id == member["id"])) == 0
        assert s.scalar(select(func.count()).select_from(GuardianOp).where(
            GuardianOp.guardianship_id == guardian["id"])) == 0
        assert s.scalar(select(func.count()).select_from(MemberNotice).where(
            MemberNotice.resident_id == member["id"])) == 0
    assert backend.http.get("/guardian/members", headers=guardian["headers"]).json() == []
    assert donate(backend, guardian, member["id"], COIN).json()["error"] == "not_guardian"


def test_no_key_material_in_any_answer(backend, coord1, member, guardian, caplog):
    caplog.set_level(logging.DEBUG)
    rid = member["id"]
    answers = [backend.http.get(path, headers=guardian["headers"]).text
               for path in ("/guardian/members", f"/guardian/members/{rid}", f"/guardian/members/{rid}/history",
                            f"/guardian/members/{rid}/offers")]
    answers.append(donate(backend, guardian, rid, COIN).text)
    answers.append(donate(backend, guardian, rid, 1).text)
    answers.append(backend.http.post(f"/guardian/members/{rid}/pin", json={"pin": "5071"},
                                     headers={**guardian["headers"], **once()}).text)
    answers.append(backend.http.get(f"/residents/{rid}/guardians", headers=coord1).text)
    backend.drain()
    key = private_key(backend, rid)
    secrets = (key.hex(), key.hex().upper(), "0x" + key.hex())
    for text in (*answers, caplog.text):
        assert not any(s in text for s in secrets)
