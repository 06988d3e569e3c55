"""Accounts held by the centre for residents without a wallet, against the real chain, app and database: a card and
its PIN spend through the relay like a wallet (the chain sees an ordinary signed request), the key is never in a
response, a log or the database in clear, wrong PINs lock the card until a coordinator resets it (audited, the
member told), a lost card is refused at once, the daily limit holds, another centre's coordinator gets 404."""

from __future__ import annotations

import io
import logging
import re
import uuid

import pytest
from conftest import COIN, activity_body
from pypdf import PdfReader
from sqlalchemy import func, select
from test_residents import create_offer_on_chain

from backend.chain.keys import dev_key
from backend.services.custody import DEV_MASTER_KEY, Keyring
from backend.store.models import AdminAudit, ChainOp, CustodialAccount, MemberCard
from backend.store.sealing import SealingError

PIN = "3917"
CHARITY = dev_key(5).address


def register(backend, coord, pin: str = PIN, **custody) -> dict:
    """A resident registered without a wallet, with an account held by the centre and a first card."""
    tag = uuid.uuid4().hex[:6]
    r = backend.http.post("/residents", json={"name": f"박할머니 {tag}", "phone": "010-5555-0102",
                                              "consent_terms_version": "2026-03"}, headers=coord)
    assert r.status_code == 201, r.text
    resident = r.json()
    r = backend.http.post(f"/residents/{resident['id']}/custody",
                          json={"pin": pin, "consent_terms_version": "custody-2026-03", **custody}, headers=coord)
    assert r.status_code == 201, r.text
    return {**resident, "custody": r.json(), "address": r.json()["address"]}


def card_token(backend, coord, resident_id: int) -> str:
    """The token the printed card's QR code holds, read from the card's PDF (it is printed under the code too)."""
    r = backend.http.get(f"/residents/{resident_id}/card.pdf", headers=coord)
    assert r.status_code == 200 and r.content.startswith(b"%PDF"), r.text
    text = PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    return re.search(r"vbc_[A-Za-z0-9_-]{24}", text).group(0)


def kiosk_code(backend) -> str:
    """The device code of a kiosk enrolled once per app for centre 1 (a card session without a desk needs one)."""
    if getattr(backend, "kiosk_code", None) is None:
        r = backend.http.post("/centres/1/kiosks", json={"name": "1층 로비"}, headers=backend.login("coord1"))
        assert r.status_code == 201, r.text
        backend.kiosk_code = r.json()["device_code"]
    return backend.kiosk_code


def open_session(backend, token: str, pin: str = PIN, headers: dict | None = None, language: str = "en"):
    """A card session at the enrolled kiosk, or at a provider's desk when `headers` carry its sign-in."""
    headers = dict(headers or {})
    if "Authorization" not in headers and "X-API-Key" not in headers:
        headers["X-Kiosk-Device"] = kiosk_code(backend)
    return backend.http.post("/card/sessions", json={"card_token": token, "pin": pin},
                             headers={**headers, "Accept-Language": language})


def session_headers(backend, token: str, pin: str = PIN, headers: dict | None = None) -> dict:
    r = open_session(backend, token, pin, headers)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def earn(backend, coord, address: str, units: int = 120) -> None:
    r = backend.http.post("/activities", json=activity_body(address, approve=True, units=units), headers=coord)
    assert r.status_code == 201, r.text
    backend.drain()
    backend.unlock()


def private_key(backend, resident_id: int) -> bytes:
    with backend.sessions() as s:
        row = s.get(CustodialAccount, resident_id)
        with Keyring(DEV_MASTER_KEY).signer(row) as key:
            return bytes(key.key)


def relayed_ops(backend, address: str) -> list[ChainOp]:
    with backend.sessions() as s:
        found = list(s.scalars(select(ChainOp).where(ChainOp.subject == address).order_by(ChainOp.id)))
        s.expunge_all()
        return found


@pytest.fixture(scope="module")
def offer_id(backend):
    offer = create_offer_on_chain(backend, 2 * COIN, 50)  # the gym's (dev:3)
    backend.drain()
    return offer


@pytest.fixture(scope="module")
def funded(backend, coord1) -> dict:
    """A custodial resident of centre 1 with 6 coins that can move, and their card's token."""
    resident = register(backend, coord1)
    earn(backend, coord1, resident["address"])
    return {**resident, "token": card_token(backend, coord1, resident["id"])}


def test_a_card_redemption_is_signed_with_the_held_key_relayed_and_counted_once(backend, coord1, funded, offer_id):
    me = session_headers(backend, funded["token"])
    info = backend.http.get("/card/me", headers=me).json()
    assert info["member_number"] == funded["member_number"] and info["account"]["balance"] == str(6 * COIN)
    key = {"Idempotency-Key": uuid.uuid4().hex}
    r = backend.http.post("/card/redeem", json={"offer_id": offer_id}, headers={**me, **key})
    assert r.status_code == 202 and r.json()["kind"] == "redeem", r.text
    again = backend.http.post("/card/redeem", json={"offer_id": offer_id}, headers={**me, **key})
    assert again.status_code == 202 and again.json()["id"] == r.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    backend.drain()
    ops = relayed_ops(backend, funded["address"])
    assert [(o.kind, o.state, o.signer_role) for o in ops] == [("redeem", "confirmed", "relayer")]
    # On-chain: an ordinary redeemBySig for the resident's address, sent by the relayer like a wallet's request.
    tx = backend.node.web3.eth.get_transaction(ops[0].tx_hash)
    assert tx["from"] == dev_key(9).address and tx["to"] == backend.chain.redemption.address
    assert backend.chain.coin.functions.balanceOf(funded["address"]).call() == 4 * COIN
    after = backend.http.get("/card/me", headers=me).json()
    assert after["spent_today"] == str(2 * COIN)
    assert int(after["left_today"]) == backend.app.state.settings.custody_daily_limit - 2 * COIN


def test_the_key_is_never_in_a_response_or_a_log(backend, coord1, offer_id, caplog):
    caplog.set_level(logging.DEBUG)
    answers = []
    resident = register(backend, coord1)
    answers.append(str(resident))
    earn(backend, coord1, resident["address"])
    token = card_token(backend, coord1, resident["id"])
    r = open_session(backend, token)
    answers.append(r.text)
    me = {"Authorization": f"Bearer {r.json()['access_token']}"}
    for path in ("/card/me", "/card/history", "/card/offers", f"/residents/{resident['id']}/custody"):
        answers.append(backend.http.get(path, headers=me if path.startswith("/card") else coord1).text)
    answers.append(backend.http.post("/card/redeem", json={"offer_id": offer_id}, headers=me).text)
    answers.append(backend.http.post("/card/donate", json={"charity": CHARITY, "amount": str(COIN)}, headers=me).text)
    answers.append(backend.http.post("/card/donate", json={"charity": CHARITY, "amount": "1"}, headers=me).text)
    answers.append(open_session(backend, token, "9999").text)
    backend.drain()
    key = private_key(backend, resident["id"])
    assert dev_key(0).key != key and len(key) == 32
    secrets = (key.hex(), key.hex().upper(), "0x" + key.hex())
    assert caplog.records  # the flow logged something
    for text in (*answers, caplog.text):
        assert not any(s in text for s in secrets)


def test_the_held_key_opens_only_with_the_master_key(backend, coord1):
    resident = register(backend, coord1)
    key = private_key(backend, resident["id"])
    with backend.sessions() as s:
        row = s.get(CustodialAccount, resident["id"])
        stored = b"".join(v if isinstance(v, bytes) else str(v).encode() for v in
                          (row.sealed_private_key, row.sealed_data_key, row.pin_hash, row.address))
        assert key not in stored and key.hex().encode() not in stored
        with pytest.raises(SealingError):
            with Keyring(bytes(32)).signer(row):
                pass
        with pytest.raises(SealingError):  # a blob moved to another resident's row does not open either
            row.resident_id += 1
            with Keyring(DEV_MASTER_KEY).signer(row):
                pass
        s.rollback()
    # The account's address is the held key's: what the resident record and the chain name.
    from eth_account import Account
    assert Account.from_key(key).address == resident["address"]


def test_an_easy_pin_is_refused_in_both_languages(backend, coord1):
    r = backend.http.post("/residents", json={"name": "이순자", "consent_terms_version": "2026-03"}, headers=coord1)
    rid = r.json()["id"]
    for pin in ("0000", "1234", "987654", "1212"):
        r = backend.http.post(f"/residents/{rid}/custody", json={"pin": pin, "consent_terms_version": "c1"},
                              headers={**coord1, "Accept-Language": "ko"})
        assert r.status_code == 422 and r.json()["error"] == "pin_too_easy", r.text
        assert "쉬운 비밀번호" in r.json()["detail"]
    r = backend.http.post(f"/residents/{rid}/custody", json={"pin": "1234", "consent_terms_version": "c1"},
                          headers=coord1)
    assert "too easy to guess" in r.json()["detail"]
    r = backend.http.post(f"/residents/{rid}/custody", json={"pin": "4826"}, headers=coord1)
    assert r.status_code == 422 and r.json()["error"] == "consent_required", r.text
    with backend.sessions() as s:
        assert s.get(CustodialAccount, rid) is None


def test_five_wrong_pins_lock_the_card_even_for_the_right_pin(backend, coord1):
    resident = register(backend, coord1)
    token = card_token(backend, coord1, resident["id"])
    for left in (4, 3, 2, 1):
        r = open_session(backend, token, "8642")
        assert r.status_code == 401 and r.json()["error"] == "pin_wrong" and f"{left} tries left" in r.json()["detail"]
    r = open_session(backend, token, "8642", language="ko")
    assert r.status_code == 403 and r.json()["error"] == "card_locked" and "코디네이터" in r.json()["detail"], r.text
    r = open_session(backend, token, PIN)
    assert r.status_code == 403 and r.json()["error"] == "card_locked", r.text
    status = backend.http.get(f"/residents/{resident['id']}/custody", headers=coord1).json()
    assert status["card"]["locked"] is True


def test_a_coordinator_resets_the_pin_audited_and_the_member_told(backend, coord1, admin_headers):
    resident = register(backend, coord1)
    token = card_token(backend, coord1, resident["id"])
    old_session = session_headers(backend, token)
    for _ in range(5):
        open_session(backend, token, "8642")
    r = backend.http.post(f"/residents/{resident['id']}/pin", json={"pin": "5071"}, headers=coord1)
    assert r.status_code == 200 and r.json()["card"]["locked"] is False, r.text
    audit = backend.http.get("/admin/audit", params={"action": "pin_reset"}, headers=admin_headers).json()
    assert [(a["actor"], a["centre_id"]) for a in audit if a["params"]["resident_id"] == resident["id"]] == [("coord1", 1)]
    assert "5071" not in str(audit)  # never the PIN itself
    r = backend.http.post(f"/residents/{resident['id']}/pin", json={"pin": "6093"}, headers=admin_headers)
    assert r.status_code == 403 and r.json()["error"] == "staff_required", r.text  # in person, at the centre only
    assert open_session(backend, token, PIN).json()["error"] == "pin_wrong"  # the old PIN no longer opens it
    assert backend.http.get("/card/me", headers=old_session).status_code == 401  # nor a session opened with it
    me = session_headers(backend, token, "5071")
    notices = backend.http.get("/card/history", headers=me).json()["notices"]
    assert [(n["kind"], n["by"]) for n in notices[:2]] == [("pin_reset", "coord1"), ("card_locked", None)]


def test_a_lost_card_is_refused_at_once_and_its_replacement_works(backend, coord1):
    resident = register(backend, coord1)
    token = card_token(backend, coord1, resident["id"])
    session = session_headers(backend, token)
    r = backend.http.post(f"/residents/{resident['id']}/card/block", json={"reason": "lost at the market"},
                          headers=coord1)
    assert r.status_code == 200 and r.json()["card"]["status"] == "blocked", r.text
    assert open_session(backend, token).json()["error"] == "card_blocked"
    assert backend.http.get("/card/me", headers=session).json()["error"] == "card_blocked"
    r = backend.http.post(f"/residents/{resident['id']}/card", headers={**coord1, "Idempotency-Key": uuid.uuid4().hex})
    assert r.status_code == 201 and r.json()["card"]["serial"] == 2, r.text
    new_token = card_token(backend, coord1, resident["id"])
    assert new_token != token
    assert open_session(backend, token).json()["error"] == "card_blocked"
    assert backend.http.get("/card/me", headers=session_headers(backend, new_token)).json()["card_serial"] == 2
    with backend.sessions() as s:
        assert s.scalar(select(func.count()).select_from(AdminAudit).where(
            AdminAudit.action.in_(("card_blocked", "card_issued")),
            AdminAudit.params["resident_id"].as_integer() == resident["id"])) == 2


def test_a_new_card_does_not_lift_a_lock_or_give_fresh_guesses(backend, coord1):
    resident = register(backend, coord1)
    token = card_token(backend, coord1, resident["id"])
    for _ in range(5):
        open_session(backend, token, "8642")
    r = backend.http.post(f"/residents/{resident['id']}/card", headers={**coord1, "Idempotency-Key": uuid.uuid4().hex})
    assert r.status_code == 201, r.text
    new_token = card_token(backend, coord1, resident["id"])
    assert open_session(backend, new_token, PIN).json()["error"] == "card_locked"


def test_the_daily_limit_refuses_a_spend_beyond_it_and_records_nothing(backend, coord1, offer_id, monkeypatch):
    resident = register(backend, coord1, daily_limit=str(3 * COIN))
    earn(backend, coord1, resident["address"])
    me = session_headers(backend, card_token(backend, coord1, resident["id"]))
    assert backend.http.post("/card/redeem", json={"offer_id": offer_id}, headers=me).status_code == 202
    r = backend.http.post("/card/donate", json={"charity": CHARITY, "amount": str(2 * COIN)},
                          headers={**me, "Accept-Language": "ko"})
    assert r.status_code == 409 and r.json()["error"] == "daily_limit_reached", r.text
    assert "한도는 3코인" in r.json()["detail"] and "2코인을 썼습니다" in r.json()["detail"]
    assert len(relayed_ops(backend, resident["address"])) == 1
    assert backend.http.post("/card/donate", json={"charity": CHARITY, "amount": str(COIN)},
                             headers=me).status_code == 202
    backend.drain()


def test_a_providers_desk_redeems_only_its_own_offers(backend, coord1, funded, offer_id):
    other = create_offer_on_chain(backend, COIN, 5, provider_index=4)
    backend.drain()
    desk = session_headers(backend, funded["token"], headers=backend.login("gym"))
    offers = backend.http.get("/card/offers", headers=desk).json()
    assert offer_id in {o["offer_id"] for o in offers} and other not in {o["offer_id"] for o in offers}
    r = backend.http.post("/card/redeem", json={"offer_id": other}, headers=desk)
    assert r.status_code == 403 and r.json()["error"] == "offer_of_another_provider", r.text
    r = backend.http.post("/card/donate", json={"charity": CHARITY, "amount": str(COIN)}, headers=desk)
    assert r.status_code == 403 and r.json()["error"] == "desk_redeems_only", r.text
    assert backend.http.post("/card/redeem", json={"offer_id": offer_id}, headers=desk).status_code == 202
    backend.drain()


def test_another_centres_coordinator_gets_404(backend, coord1, coord2):
    resident = register(backend, coord1)
    rid = resident["id"]
    for method, path, body in (("get", f"/residents/{rid}/custody", None), ("get", f"/residents/{rid}/card.pdf", None),
                               ("post", f"/residents/{rid}/pin", {"pin": "5071"}),
                               ("post", f"/residents/{rid}/card/block", {}), ("post", f"/residents/{rid}/card", None)):
        r = backend.http.request(method, path, json=body, headers=coord2)
        assert r.status_code == 404 and r.json()["error"] == "not_found", (path, r.text)
    with backend.sessions() as s:
        card = s.scalar(select(MemberCard).where(MemberCard.resident_id == rid))
        assert card.status == "active" and card.serial == 1


def test_a_resident_with_a_wallet_gets_no_held_key(backend, coord1):
    from residents_helpers import new_wallet

    r = backend.http.post("/residents", json={"name": "정지갑", "address": new_wallet().address,
                                              "consent_terms_version": "2026-03"}, headers=coord1)
    r = backend.http.post(f"/residents/{r.json()['id']}/custody", json={"pin": "4826", "consent_terms_version": "c1"},
                          headers=coord1)
    assert r.status_code == 409 and r.json()["error"] == "resident_has_wallet", r.text


def test_a_card_session_is_no_staff_or_wallet_session(backend, funded):
    me = session_headers(backend, funded["token"])
    assert backend.http.get("/me", headers=me).status_code == 401
    assert backend.http.get("/residents", headers=me).status_code == 401


def test_a_master_key_rotation_reseals_the_data_keys_and_the_old_key_then_opens_nothing(backend, coord1):
    """Last in the module: it reseals every account of the module's database, then back to the development key."""
    from backend.services import custody

    resident = register(backend, coord1)
    key = private_key(backend, resident["id"])
    new = bytes(range(32))
    with backend.sessions() as s:
        assert custody.reseal(s, Keyring(new, [DEV_MASTER_KEY])) >= 1
        row = s.get(CustodialAccount, resident["id"])
        assert row.master_key_id == custody.master_key_id(new)
        with Keyring(new).signer(row) as opened:
            assert bytes(opened.key) == key
        with pytest.raises(SealingError):
            with Keyring(DEV_MASTER_KEY).signer(row):
                pass
        assert custody.reseal(s, Keyring(new, [DEV_MASTER_KEY])) == 0  # nothing left to reseal
        custody.reseal(s, Keyring(DEV_MASTER_KEY, [new]))
    assert private_key(backend, resident["id"]) == key


def test_forgetting_a_custodial_resident_destroys_the_held_key_and_the_card(backend, coord1):
    resident = register(backend, coord1)
    token = card_token(backend, coord1, resident["id"])
    r = backend.http.post(f"/residents/{resident['id']}/forget", json={"reason": "the resident asked"},
                          headers={**coord1, "Idempotency-Key": uuid.uuid4().hex})
    assert r.status_code == 200, r.text
    with backend.sessions() as s:
        assert s.get(CustodialAccount, resident["id"]) is None
        assert s.scalar(select(func.count()).select_from(MemberCard).where(
            MemberCard.resident_id == resident["id"])) == 0
    assert open_session(backend, token).json()["error"] == "card_unknown"


def test_a_client_guessing_cards_is_held_before_any_pin_is_checked(backend, coord1, monkeypatch):
    from backend.store.models import LoginThrottle

    def forget_client() -> None:  # this module's other tests count failures from the same address
        with backend.sessions() as s, s.begin():
            s.query(LoginThrottle).filter(LoginThrottle.key.like("card-client:%")).delete(synchronize_session=False)

    forget_client()
    resident = register(backend, coord1)
    token = card_token(backend, coord1, resident["id"])
    monkeypatch.setattr(backend.app.state.settings, "card_client_max_failures", 2)
    assert open_session(backend, "vbc_" + "A" * 24).json()["error"] == "card_unknown"
    assert open_session(backend, token, "8642").json()["error"] == "pin_wrong"
    r = open_session(backend, token, PIN)
    assert r.status_code == 429 and r.json()["error"] == "login_throttled" and int(r.headers["Retry-After"]) > 0, r.text
    with backend.sessions() as s:  # held before the PIN was checked: the refused attempt was not counted
        assert s.scalar(select(MemberCard.pin_failures).where(MemberCard.resident_id == resident["id"])) == 1
    forget_client()
    assert open_session(backend, token, PIN).status_code == 200
