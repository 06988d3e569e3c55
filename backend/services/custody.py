"""Accounts held by the centre for residents without a wallet (docs/access.md).

One secp256k1 key per resident, made here, kept in an envelope: the private key sealed (AES-256-GCM) with a random
data key of its own, the data key sealed with the master key (VB_CUSTODY_MASTER_KEY). The key is opened only to sign
that resident's EIP-712 requests — the same typed data a wallet signs — which then go through the relay like any
other (services.relay: the same checks, budgets and contract rules), so the chain cannot tell the two apart. It is
never logged, never returned, never put in an error.

The resident uses the account with a member card (its QR code holds a random token, nothing else) and a PIN they
chose (argon2id): a card session at the centre's kiosk or a provider's desk (which may redeem that provider's offers
only), each spend under a daily limit. Wrong PINs lock the card until a coordinator of the resident's centre resets
the PIN with them in person; a lost card is blocked and replaced. Every staff act is in the city's audit log and
told to the member (a notice their next session shows)."""

from __future__ import annotations

import hashlib
import logging
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import jwt
from eth_account import Account
from eth_account.messages import encode_typed_data
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.chain.client import ChainClient
from backend.config import Settings, local_chain
from backend.domain import custody as rules
from backend.domain.residents import consent_moment
from backend.domain.errors import Refusal
from backend.services.chain_ops import provider_address
from backend.services import documents, kiosks, login_throttle, offers_catalogue, relay, resident_records, residents
from backend.services.security import (CARD_ROLE, decode_token, hash_password, issue_card_token, password_mark,
                                       verify_password)
from backend.store import custody as store
from backend.store import ops
from backend.store.db import write_transaction
from backend.store.models import CustodialAccount, MemberCard, Resident
from backend.store.residents import change
from backend.store.sealing import SealingError, open_bytes, parse_key, seal_bytes

log = logging.getLogger("backend")
# The development master key: public, so accepted on a local chain only (like VB_DEV_* keys).
DEV_MASTER_KEY = hashlib.sha256(b"vb:development custody master key (local chains only)").digest()
SPEND_VALID_S = 600  # a request the server signs for a card session: it is relayed at once
NOTICES_SHOWN = 20


def master_key_id(key: bytes) -> str:
    return hashlib.sha256(b"vb:custody-master-key:" + key).hexdigest()[:16]


class Keyring:
    """The master keys: the current one seals, any configured one opens what it sealed (during a rotation)."""

    def __init__(self, current: bytes, old: list[bytes] = (), dev: bool = False):
        self.key_id, self.dev = master_key_id(current), dev
        self._keys = {master_key_id(k): k for k in (*old, current)}

    @classmethod
    def from_settings(cls, settings: Settings, chain_id: int) -> Keyring | None:
        """The configured keys; the development key on a local chain without one; None (custody refused, 503)."""
        old = [parse_key(k, "VB_CUSTODY_OLD_MASTER_KEYS") for k in settings.custody_old_master_keys.split(",")
               if k.strip()]
        if settings.custody_master_key:
            return cls(parse_key(settings.custody_master_key, "VB_CUSTODY_MASTER_KEY"), old)
        if local_chain(settings, chain_id):
            log.warning("VB_CUSTODY_MASTER_KEY is not set: custodial keys are sealed with the public development key "
                        "(local development chain only)")
            return cls(DEV_MASTER_KEY, old, dev=True)
        log.error("VB_CUSTODY_MASTER_KEY is not set: the custodial endpoints answer 503 until it is")
        return None

    def seal_data_key(self, data_key: bytes, resident_id: int) -> tuple[str, bytes]:
        return self.key_id, seal_bytes(self._keys[self.key_id], data_key, f"custody-data-key:{resident_id}")

    def data_key(self, account: CustodialAccount) -> bytes:
        key = self._keys.get(account.master_key_id)
        if key is None:
            raise SealingError(f"the master key {account.master_key_id} that sealed resident {account.resident_id}'s "
                               "data key is not configured (VB_CUSTODY_OLD_MASTER_KEYS)")
        return open_bytes(key, account.sealed_data_key, f"custody-data-key:{account.resident_id}")

    @contextmanager
    def signer(self, account: CustodialAccount):
        """The account's key, opened for the `with` block only."""
        data_key = self.data_key(account)
        private = open_bytes(data_key, account.sealed_private_key,
                             f"custody-key:{account.resident_id}:{account.address}")
        key = Account.from_key(private)
        try:
            yield key
        finally:
            del key, private, data_key

    def card_token(self, account: CustodialAccount, card: MemberCard) -> str:
        return open_bytes(self.data_key(account), card.sealed_token, f"card:{card.resident_id}:{card.serial}").decode()


def _account(db: Session, resident: Resident, *, for_update: bool = False) -> CustodialAccount:
    account = store.account(db, resident.id, for_update=for_update)
    if account is None:
        raise Refusal(404, "not_custodial", resident_id=resident.id)
    return account


def _still_held(resident: Resident, account: CustodialAccount) -> None:
    """Cards and PINs are for an account the centre still holds: not once the resident moved to their own wallet."""
    if not held(resident, account):
        raise Refusal(409, "custody_moved", resident_id=resident.id)


def held(resident: Resident, account: CustodialAccount | None) -> bool:
    """The centre still holds this resident's account (it exists, and they have not moved to their own wallet)."""
    return account is not None and rules.is_held(resident.address, account.address,
                                                 account.sealed_private_key is not None)


def _new_card(db: Session, keyring: Keyring, account: CustodialAccount, actor_name: str) -> MemberCard:
    token = rules.new_card_token()
    serial = store.next_serial(db, account.resident_id)
    card = MemberCard(resident_id=account.resident_id, serial=serial, token_sha256=rules.token_digest(token),
                      sealed_token=seal_bytes(keyring.data_key(account), token.encode(),
                                              f"card:{account.resident_id}:{serial}"),
                      status="active", pin_failures=0, issued_by=actor_name)
    db.add(card)
    db.flush()
    store.notify(db, account.resident_id, "card_issued", actor_name, serial)
    return card


def limit_of(account: CustodialAccount, settings: Settings) -> int:
    return int(account.daily_limit) if account.daily_limit is not None else settings.custody_daily_limit


# ------------------------------------------------------------------ staff: open, read, reset, block, replace


def open_account(db: Session, keyring: Keyring, settings: Settings, actor, resident_id: int, *, pin: str,
                 consent_terms_version: str | None, consent_at: datetime | None, daily_limit: int | None) -> dict:
    """A registered resident without a wallet gets an account held by the centre, with their consent recorded
    (the version of the custody terms they agreed to), the PIN they chose, and their first member card. Their
    record's wallet address becomes the account's (audited as any change of it)."""
    now = datetime.now(UTC)
    consent_at = consent_moment(consent_terms_version, consent_at, now)
    resident = resident_records.get(db, actor, resident_id)
    _refuse_if_taken(db, resident)
    rules.check_pin(pin, resident.phone_digits)
    db.rollback()
    pin_hash = hash_password(pin)  # outside any transaction: argon2 takes a while
    key = Account.create()
    data_key = secrets.token_bytes(32)
    try:
        with write_transaction(db):
            resident = resident_records.get(db, actor, resident_id, for_update=True)
            _refuse_if_taken(db, resident)
            master_id, sealed_data_key = keyring.seal_data_key(data_key, resident.id)
            account = CustodialAccount(
                resident_id=resident.id, address=key.address, master_key_id=master_id, sealed_data_key=sealed_data_key,
                sealed_private_key=seal_bytes(data_key, bytes(key.key),
                                              f"custody-key:{resident.id}:{key.address}"),
                pin_hash=pin_hash, daily_limit=str(daily_limit) if daily_limit is not None else None,
                consent_terms_version=consent_terms_version, consent_at=consent_at, created_by=actor.name)
            db.add(account)
            db.flush()
            change(db, resident, actor.name, actor.user_id or None, "address", key.address,
                   "account held by the centre (custodial)")
            card = _new_card(db, keyring, account, actor.name)
            resident_records.audit(db, actor, "custody_opened", resident, address=key.address,
                                   card_serial=card.serial, consent_terms_version=consent_terms_version)
            return account_view(db, settings, resident, account, card)
    except IntegrityError:  # the same resident opened twice at once, or an address taken meanwhile
        raise Refusal(409, "custody_exists", resident_id=resident_id) from None
    finally:
        del key, data_key


def _refuse_if_taken(db: Session, resident: Resident) -> None:
    if store.account(db, resident.id) is not None:
        raise Refusal(409, "custody_exists", resident_id=resident.id)
    if resident.address is not None:
        raise Refusal(409, "resident_has_wallet", resident_id=resident.id, address=resident.address)


def account_view(db: Session, settings: Settings, resident: Resident, account: CustodialAccount,
                 card: MemberCard | None) -> dict:
    """The account as staff see it (and, in part, its card session and guardians): never the key or the card's
    token."""
    limit = limit_of(account, settings)
    spent = ops.spent_since(db, account.address, rules.korean_midnight(datetime.now(UTC)))
    latest = card or store.latest_card(db, resident.id)
    return {"resident_id": resident.id, "member_number": resident.member_number, "address": account.address,
            "daily_limit": str(limit), "spent_today": str(spent), "left_today": str(max(limit - spent, 0)),
            "consent_terms_version": account.consent_terms_version, "consent_at": account.consent_at,
            "created_by": account.created_by, "created_at": account.created_at,
            "key_destroyed_at": account.key_destroyed_at, "move": move_view(store.latest_move(db, resident.id)),
            "card": None if latest is None else {
                "serial": latest.serial, "status": latest.status, "locked": latest.locked_at is not None,
                "pin_failures": latest.pin_failures, "issued_at": latest.issued_at, "issued_by": latest.issued_by,
                "blocked_at": latest.blocked_at, "blocked_by": latest.blocked_by}}


def move_view(move) -> dict | None:
    """A move to the resident's own wallet as staff and the resident see it (services.graduation)."""
    if move is None:
        return None
    return {"id": move.id, "state": move.state, "old_address": move.old_address, "new_address": move.new_address,
            "op_id": move.op_id, "payments": move.payments, "moved": move.moved, "reason": move.reason,
            "requested_at": move.requested_at, "decided_by": move.decided_by, "decided_at": move.decided_at,
            "finished_at": move.finished_at}


def status(db: Session, settings: Settings, actor, resident_id: int) -> dict:
    """The account as staff see it: its address, the day's limit and spending, the card (never the key, never the
    card's token)."""
    resident = resident_records.get(db, actor, resident_id)
    return account_view(db, settings, resident, _account(db, resident), None)


def reset_pin(db: Session, settings: Settings, actor, resident_id: int, pin: str) -> dict:
    """The PIN the resident chose anew, entered with a coordinator of their centre in person: the card unlocked,
    its sessions ended, the city's audit log and the member's notices say who did it."""
    resident = resident_records.get(db, actor, resident_id)
    _still_held(resident, _account(db, resident))
    return set_pin(db, settings, resident_id, pin, by=actor.name,
                   locked=lambda: resident_records.get(db, actor, resident_id, for_update=True),
                   audit=lambda resident, card: resident_records.audit(
                       db, actor, "pin_reset", resident, card_serial=card.serial if card else None))


def set_pin(db: Session, settings: Settings, resident_id: int, pin: str, *, by: str, locked, audit,
            notice: str = "pin_reset") -> dict:
    """A new PIN for the member's account (a coordinator's reset, a guardian's): checked, hashed outside any
    transaction, then set with the card unlocked and its sessions ended (they carry the old PIN's mark), the member
    told who did it (`by`, in a notice of kind `notice`). `locked()` reads the resident again under a lock, inside
    the transaction (refusing if they may no longer be acted for); `audit(resident, card)` writes the audit row."""
    resident = db.get(Resident, resident_id)
    rules.check_pin(pin, resident.phone_digits)
    db.rollback()
    pin_hash = hash_password(pin)  # outside any transaction: argon2 takes a while
    with write_transaction(db):
        resident = locked()
        account = _account(db, resident, for_update=True)
        _still_held(resident, account)
        account.pin_hash = pin_hash
        card = store.active_card(db, resident.id, for_update=True)
        if card is not None:
            card.pin_failures, card.locked_at = 0, None
        store.notify(db, resident.id, notice, by, card.serial if card else None)
        audit(resident, card)
        return account_view(db, settings, resident, account, card)


def block_card(db: Session, settings: Settings, actor, resident_id: int, reason: str | None) -> dict:
    """A lost card blocked at once: its token is refused from now on, and its sessions end."""
    with write_transaction(db):
        resident = resident_records.get(db, actor, resident_id, for_update=True)
        account = _account(db, resident)
        card = store.active_card(db, resident.id, for_update=True)
        if card is None:
            raise Refusal(409, "no_active_card", resident_id=resident.id)
        _block(db, actor, resident, card, reason)
        return account_view(db, settings, resident, account, card)


def _block(db: Session, actor, resident: Resident, card: MemberCard, reason: str | None) -> None:
    card.status, card.blocked_at, card.blocked_by = "blocked", datetime.now(UTC), actor.name
    store.notify(db, resident.id, "card_blocked", actor.name, card.serial)
    resident_records.audit(db, actor, "card_blocked", resident, card_serial=card.serial, reason=reason)


def replace_card(db: Session, keyring: Keyring, settings: Settings, actor, resident_id: int) -> dict:
    """A new card with the next serial; the one before, if still active, blocked."""
    with write_transaction(db):
        resident = resident_records.get(db, actor, resident_id, for_update=True)
        account = _account(db, resident)
        _still_held(resident, account)
        old = store.active_card(db, resident.id, for_update=True)
        if old is not None:
            _block(db, actor, resident, old, "replaced")
            db.flush()
        last = db.scalar(select(MemberCard).where(MemberCard.resident_id == resident.id)
                         .order_by(MemberCard.serial.desc()).limit(1))
        card = _new_card(db, keyring, account, actor.name)
        if last is not None:
            # The PIN stays the same, so its wrong guesses and its lock do too: only a coordinator's PIN reset, in
            # person, clears them (a new card is not a way round the lockout).
            card.pin_failures, card.locked_at = last.pin_failures, last.locked_at
        resident_records.audit(db, actor, "card_issued", resident, card_serial=card.serial)
        return account_view(db, settings, resident, account, card)


@dataclass(frozen=True)
class PrintedCard:
    member_number: str
    name: str | None
    serial: int
    token: str


def printed_card(db: Session, keyring: Keyring, actor, resident_id: int) -> PrintedCard:
    resident = resident_records.get(db, actor, resident_id)
    account = _account(db, resident)
    _still_held(resident, account)
    card = store.active_card(db, resident.id)
    if card is None:
        raise Refusal(409, "no_active_card", resident_id=resident.id)
    printed = PrintedCard(resident.member_number or "", resident.name, card.serial, keyring.card_token(account, card))
    with write_transaction(db):  # whoever printed it has held the card's token (a move's confirm asks another)
        resident_records.audit(db, actor, "card_printed", resident, card_serial=card.serial)
    return printed


def card_pdf(card: PrintedCard, platform_ko: str, platform_en: str) -> bytes:
    """An A4 page with the card to cut out (85.6 × 54 mm, a bank card's size): the platform, the member number, the
    name, the card's serial and a QR code of its token; under the code the token in letters for a kiosk whose camera
    cannot read it; and what to do with the card."""
    import segno

    doc = documents.a4("회원 카드 Member card", platform_ko, platform_en)
    x, y, w, h = 20.0, 20.0, 85.6, 54.0
    doc.set_draw_color(120, 120, 120)
    doc.set_dash_pattern(dash=1.5, gap=1.5)
    doc.rect(x, y, w, h)
    doc.set_dash_pattern()
    doc.set_xy(x + 4, y + 4)
    doc.set_font("Nanum", "B", 10)
    doc.cell(w - 8, 5, f"{platform_ko} 회원 카드", new_x="LEFT", new_y="NEXT")
    doc.set_font("Nanum", "", 7)
    doc.cell(w - 8, 4, f"{platform_en} member card", new_x="LEFT", new_y="NEXT")
    doc.ln(3)
    doc.set_font("Nanum", "B", 13)
    doc.cell(44, 7, card.member_number, new_x="LEFT", new_y="NEXT")
    doc.set_font("Nanum", "", 11)
    doc.cell(44, 6, card.name or "", new_x="LEFT", new_y="NEXT")
    doc.set_font("Nanum", "", 8)
    doc.cell(44, 5, f"카드 {card.serial}번 · Card no. {card.serial}", new_x="LEFT", new_y="NEXT")
    matrix = segno.make(card.token, error="m", micro=False).matrix
    n = len(matrix) + 4  # a quiet zone of 2 modules each side (the card's white margin adds to it)
    size = 34.0
    module = size / n
    qx, qy = x + w - size - 3, y + 4
    doc.set_fill_color(0, 0, 0)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                doc.rect(qx + (c + 2) * module, qy + (r + 2) * module, module, module, style="F")
    doc.set_xy(qx - 4, qy + size + 1)
    doc.set_font("Courier", "", 6.5)
    doc.cell(size + 8, 4, card.token, align="C")
    doc.set_xy(20, y + h + 8)
    doc.set_font("Nanum", "", 11)
    doc.multi_cell(170, 6.5,
                   "점선을 따라 오려서 지갑에 넣어 두세요. 센터의 키오스크나 가게 창구에서 카드를 읽히고 "
                   "비밀번호를 누르면 잔액 확인, 이용권 사용, 기부를 할 수 있습니다.\n"
                   "비밀번호는 다른 사람에게 알려 주지 마세요. 카드를 잃어버리면 바로 센터에 알려 주세요: 카드를 "
                   "멈추고 새 카드를 드립니다.\n\n"
                   "Cut along the dotted line. At the centre's kiosk or a shop's desk, scan the card and enter your "
                   "PIN to see your balance, use a voucher or donate. Keep your PIN to yourself. If you lose the "
                   "card, tell your centre at once: it is blocked and a new one made.",
                   new_x="LMARGIN", new_y="NEXT")
    return bytes(doc.output())


# ------------------------------------------------------------------ card sessions


@dataclass(frozen=True)
class CardSession:
    card_id: int
    resident_id: int
    address: str
    desk: str | None  # the provider whose desk opened the session
    kiosk: int | None = None  # the enrolled kiosk (services.kiosks) that opened it, when no desk did


def _client_key(client: str) -> str:
    return f"card-client:{client}"


@dataclass(frozen=True)
class CheckedCard:
    """A card whose PIN was right: the card, its resident, the PIN's hash (which a card session's token marks)."""

    card_id: int
    resident_id: int
    pin_hash: str


def check_card(db: Session, settings: Settings, card_token: str, pin: str, client: str) -> CheckedCard:
    """A card and its PIN checked, for a card session or a move to the resident's own wallet.

    Wrong PINs are counted before the PIN is checked, so that many guesses at once cannot pass the threshold;
    a card at the threshold is locked until a coordinator resets the PIN. Unknown or blocked cards and wrong PINs
    count against the client address too (VB_CARD_CLIENT_MAX_FAILURES per VB_CARD_CLIENT_WINDOW_S)."""
    now = datetime.now(UTC)
    login_throttle.check_client(db, _client_key(client), settings.card_client_max_failures,
                                settings.card_client_window_s, now)
    found = store.card_by_digest(db, rules.token_digest(card_token)) if rules.is_card_token(card_token) else None
    db.rollback()
    if found is None or found.status != "active":
        login_throttle.count_client_failure(db, _client_key(client), settings.card_client_window_s, now)
        if found is None:
            raise Refusal(401, "card_unknown")
        raise Refusal(403, "card_blocked")
    limit = settings.card_pin_max_failures
    with write_transaction(db):
        card = store.card(db, found.id, for_update=True)
        if card.locked_at is not None or card.pin_failures >= limit:
            raise Refusal(403, "card_locked", failures=limit)
        card.pin_failures += 1
        pin_hash = store.account(db, card.resident_id).pin_hash
    if verify_password(pin_hash, pin or ""):
        with write_transaction(db):
            card = store.card(db, found.id, for_update=True)
            card.pin_failures = 0
            return CheckedCard(card.id, card.resident_id, pin_hash)
    with write_transaction(db):
        card = store.card(db, found.id, for_update=True)
        locked = card.pin_failures >= limit
        if locked and card.locked_at is None:
            card.locked_at = now
            store.notify(db, card.resident_id, "card_locked", None, card.serial)
        left = max(limit - card.pin_failures, 0)
        login_throttle.client_failed(db, _client_key(client), settings.card_client_window_s, now)
    if locked:
        raise Refusal(403, "card_locked", failures=limit)
    raise Refusal(401, "pin_wrong", left=left)


def start_session(db: Session, settings: Settings, card_token: str, pin: str, client: str,
                  desk_user_id: int | None, kiosk_code: str | None = None) -> tuple[str, int, dict]:
    """A card and its PIN (check_card): a short session for that resident only (the token, its lifetime, who it is
    for). Without a provider's desk, only an enrolled kiosk opens one (`kiosk_code`, its device secret): the
    session is bound to that kiosk and ends when the kiosk is revoked."""
    desk = provider_address(db, desk_user_id) if desk_user_id is not None else None
    kiosk = kiosks.device_of(db, kiosk_code, touch=True) if desk is None else None
    checked = check_card(db, settings, card_token, pin, client)
    card = store.card(db, checked.card_id)
    account = store.account(db, checked.resident_id)
    resident = db.get(Resident, checked.resident_id)
    who = {"member_number": resident.member_number, "name": resident.name, "card_serial": card.serial,
           "address": account.address}
    db.rollback()
    ttl = settings.card_session_ttl_s
    if kiosk is not None:
        who = {**who, "kiosk": {"id": kiosk.id, "name": kiosk.name, "centre_id": kiosk.centre_id}}
    return issue_card_token(settings.jwt_secret, settings.jwt_issuer, ttl, checked.card_id, checked.pin_hash,
                            desk, kiosk.id if kiosk is not None else None), ttl, who


def session_of(db: Session, settings: Settings, token: str) -> CardSession:
    """The card session a token carries, while its card is active, unlocked and its PIN unchanged; 401 otherwise."""
    try:
        claims = decode_token(settings.jwt_secret, settings.jwt_issuer, token)
    except jwt.PyJWTError:
        raise Refusal(401, "card_session_required") from None
    sub = str(claims.get("sub", ""))
    if claims.get("role") != CARD_ROLE or not sub.startswith("card:") or not sub[5:].isdigit():
        raise Refusal(401, "card_session_required")
    card = store.card(db, int(sub[5:]))
    if card is None:
        raise Refusal(401, "card_session_required")
    if card.status != "active":
        raise Refusal(403, "card_blocked")
    if card.locked_at is not None:
        raise Refusal(403, "card_locked", failures=settings.card_pin_max_failures)
    account = store.account(db, card.resident_id)
    if account is None or claims.get("pin") != password_mark(account.pin_hash):
        raise Refusal(401, "card_session_required")
    desk, kiosk = claims.get("desk"), claims.get("kiosk")
    if desk is None:  # a kiosk's session: only while that kiosk is enrolled
        if not isinstance(kiosk, int):
            raise Refusal(401, "card_session_required")
        kiosks.still_enrolled(db, kiosk)
    return CardSession(card.id, card.resident_id, account.address, desk, kiosk if desk is None else None)


def me(db: Session, chain: ChainClient, settings: Settings, session: CardSession) -> dict:
    """The member's balance, the day's limit and what is left of it, and what they were told."""
    resident = db.get(Resident, session.resident_id)
    account = store.account(db, session.resident_id)
    card = store.card(db, session.card_id)
    view = account_view(db, settings, resident, account, card)
    return {"member_number": resident.member_number, "name": resident.name, "card_serial": card.serial,
            "desk": session.desk, "account": residents.account(db, chain, session.address),
            "daily_limit": view["daily_limit"], "spent_today": view["spent_today"], "left_today": view["left_today"],
            "notices": notices(db, session.resident_id)}


def notices(db: Session, resident_id: int) -> list[dict]:
    return [{"kind": n.kind, "by": n.actor, "card_serial": n.card_serial, "at": n.at}
            for n in store.notices(db, resident_id, NOTICES_SHOWN)]


def history(db: Session, chain: ChainClient, session: CardSession, after_id: int, limit: int) -> dict:
    """The coins' history (as a wallet's) and the member's notices."""
    return {**residents.history(db, chain, session.address, after_id, limit),
            "notices": notices(db, session.resident_id)}


def vouchers(db: Session, chain: ChainClient, session: CardSession) -> list[dict]:
    return residents.vouchers(db, chain, session.address)


def operation(db: Session, session: CardSession, op_id: int) -> dict:
    return residents.operation(db, session.address, op_id)


def offers(db: Session, chain: ChainClient, session: CardSession) -> list[dict]:
    """The catalogue; at a provider's desk, that provider's offers only."""
    found = offers_catalogue.catalogue(db, chain)
    if session.desk is not None:
        found = [o for o in found if o["provider"].lower() == session.desk.lower()]
    return found


def spend(db: Session, chain: ChainClient, settings: Settings, keyring: Keyring, session: CardSession, kind: str, *,
          offer_id: int | None = None, charity: str | None = None, amount: int | None = None) -> dict:
    """A card session's redemption or donation (spend_for); at a provider's desk, that provider's offers only and no
    donations."""
    if kind == "donate" and session.desk is not None:
        raise Refusal(403, "desk_redeems_only")
    return spend_for(db, chain, settings, keyring, session.resident_id, kind, offer_id=offer_id, charity=charity,
                     amount=amount, provider_only=session.desk,
                     on_queued=kiosks.spent_at(session.kiosk, session.resident_id, kind)
                     if session.kiosk is not None else None)


def spend_for(db: Session, chain: ChainClient, settings: Settings, keyring: Keyring, resident_id: int, kind: str, *,
              offer_id: int | None = None, charity: str | None = None, amount: int | None = None,
              provider_only: str | None = None, on_queued: relay.OnQueued | None = None) -> dict:
    """A redemption or donation for a resident whose account the centre holds (a card session's, a guardian's): the
    EIP-712 request a wallet would sign, prepared by the relay, signed here with the account's key, then relayed
    like any other — under the account's daily limit. `on_queued` is called with the operation inside the
    transaction that records it."""
    account = store.account(db, resident_id)
    if account is None:
        raise Refusal(404, "not_custodial", resident_id=resident_id)
    limit = limit_of(account, settings)
    prepared = relay.prepare(db, chain, account.address, kind, SPEND_VALID_S, offer_id=offer_id, max_price=None,
                             charity=charity, payee=None, amount=str(amount) if amount is not None else None,
                             request_ref=None, memo=None)
    typed = prepared["typed_data"]
    signed = sign(keyring, account, prepared)
    if kind == "redeem":
        return relay.redeem(db, chain, settings, signed, offer_id, int(typed["message"]["maxPrice"]),
                            daily_limit=limit, provider_only=provider_only, on_queued=on_queued)
    return relay.donate(db, chain, settings, signed, charity, amount, daily_limit=limit, on_queued=on_queued)


def sign(keyring: Keyring, account: CustodialAccount, prepared: dict) -> relay.Signed:
    """The request relay.prepare made for the account, signed with its key (opened for this signature only)."""
    if account.sealed_private_key is None:
        raise Refusal(409, "custody_key_destroyed", resident_id=account.resident_id)
    with keyring.signer(account) as key:
        signature = "0x" + bytes(key.sign_message(encode_typed_data(full_message=prepared["typed_data"]))
                                 .signature).hex()
    return relay.Signed(account.address, prepared["nonce"], prepared["deadline"], signature)


# ------------------------------------------------------------------ master key rotation


def reseal(db: Session, keyring: Keyring) -> int:
    """Every account's data key sealed again with the current master key (the private keys and card tokens, sealed
    with the data keys, do not change): the step of a master key rotation (docs/access.md). Returns how many."""
    count = 0
    for account in store.accounts(db):
        if account.master_key_id == keyring.key_id or account.sealed_data_key is None:
            continue
        with write_transaction(db):
            row = store.account(db, account.resident_id, for_update=True)
            data_key = keyring.data_key(row)
            row.master_key_id, row.sealed_data_key = keyring.seal_data_key(data_key, row.resident_id)
            del data_key
        count += 1
    db.rollback()
    return count

