"""A custodial resident moving to a wallet of their own (docs/access.md, "Moving to your own wallet").

1. The resident, signed in with the new wallet (Sign-In with Ethereum), shows their member card and types its PIN
   (custody.check_card: the same lockout counting and client throttling as a card session): a move is requested.
2. A coordinator of their centre confirms it with them in person (or declines, saying why). Confirming makes the
   record's wallet address the new one (audited like any change of it), blocks every card (their sessions end),
   and relays ONE signed `PayForService` of the whole available balance from the custodial address to the new one,
   signed with the held key (custody.sign → relay.pay with whole_balance). A zero balance pays nothing.
3. The MoveFinisher destroys the key (the sealed key and data key deleted from the account row; the row, the move
   and the audit log stay) only once the payment is final, no activity of the resident is still on its way to the
   chain, nothing is in flight from the old address, and the old address holds 0 coins. Coins that arrive there
   later (an activity minted after the move, a spend that failed and came back) are swept to the new address with
   another signed payment first; coins still locked are waited for. A failed payment leaves the move `failed`
   until the resident or a coordinator retries it.

Concurrency: every state change happens under the move's row lock, and a payment is only queued by the one caller
that moved the state (confirm, retry, the finisher); a second payment at once would fail the relay's own checks
(the nonce, and `whole_balance` asks for exactly what is available) rather than pay twice."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.chain import reads
from backend.chain.client import ChainClient
from backend.config import Settings
from backend.domain.activities import parse_address
from backend.domain.errors import Refusal
from backend.services import custody, guardians, relay, resident_records
from backend.store import custody as store
from backend.store import guardians as guardian_store
from backend.store import ops
from backend.store.db import write_transaction
from backend.store.models import AdminAudit, ChainOp, ChainTx, CustodyMove, Resident
from backend.store.residents import by_address, change, has_activity_in_flight

log = logging.getLogger("backend")
MEMO = "moved to the resident's own wallet"
STALE_CONFIRMED_S = 120  # a confirmed move whose payment was never queued (the process stopped in between)


def _view(move: CustodyMove, db: Session | None = None) -> dict:
    view = custody.move_view(move)
    if db is not None and move.op_id is not None:
        op = db.get(ChainOp, move.op_id)
        view["operation"] = ops.op_view(op) if op is not None else None
    return view


def _audit(db: Session, actor_name: str, actor_user_id: int | None, action: str, resident: Resident,
           **params) -> None:
    db.add(AdminAudit(actor=actor_name, actor_user_id=actor_user_id, action=action,
                      params={"resident_id": resident.id, **params}, centre_id=resident.centre_id))


# ------------------------------------------------------------------ the resident asks


def request(db: Session, settings: Settings, wallet: str, card_token: str, pin: str, client: str) -> dict:
    """The resident, signed in with the wallet they want (`wallet`), with their card and PIN: a move requested."""
    wallet = parse_address(wallet, "address")
    if store.account_by_address(db, wallet) is not None:
        raise Refusal(409, "custodial_address", address=wallet)
    if by_address(db, wallet) is not None:
        raise Refusal(409, "address_taken", address=wallet)
    db.rollback()
    checked = custody.check_card(db, settings, card_token, pin, client)
    with write_transaction(db):
        resident = db.get(Resident, checked.resident_id, with_for_update=True)
        account = store.account(db, resident.id)
        if not custody.held(resident, account):
            raise Refusal(409, "custody_moved", resident_id=resident.id)
        if by_address(db, wallet) is not None:  # taken meanwhile
            raise Refusal(409, "address_taken", address=wallet)
        found = store.open_move(db, resident.id, for_update=True)
        if found is not None:
            if found.state == "requested" and found.new_address == wallet:
                return _view(found)  # asked again: the same request
            raise Refusal(409, "move_in_progress", state=found.state)
        move = CustodyMove(resident_id=resident.id, old_address=account.address, new_address=wallet,
                           state="requested", requested_by=f"resident {wallet}", payments=0, moved="0")
        db.add(move)
        db.flush()
        store.notify(db, resident.id, "move_requested", None, None)
        return _view(move)


def of_wallet(db: Session, wallet: str) -> dict:
    """The latest move to this wallet, with its payment (`move`: None when there is none)."""
    move = store.move_of_wallet(db, wallet)
    return {"move": _view(move, db) if move is not None else None}


# ------------------------------------------------------------------ the coordinator decides


# What gives a staff member the card's token or a PIN they chose or saw typed: they do not also confirm a move.
HOLDER_ACTIONS = ("custody_opened", "pin_reset", "card_issued", "card_printed", "guardian_registered")


def _has_held_the_card(db: Session, settings: Settings, actor, resident: Resident) -> bool:
    """Whether `actor` may know both the card's token and its PIN: in the separation window they opened the account,
    set its PIN, printed or issued its card or registered a guardian for it — or a guardian they registered is still
    active (a guardian resets the PIN). One coordinator alone could otherwise move a member's coins to a wallet of
    their own; a second person of the centre confirms instead."""
    since = datetime.now(UTC) - timedelta(days=settings.custody_move_separation_days)
    acts = db.scalars(select(AdminAudit.params).where(
        AdminAudit.actor == actor.name, AdminAudit.action.in_(HOLDER_ACTIONS), AdminAudit.at >= since,
        AdminAudit.centre_id == resident.centre_id))
    if any(p.get("resident_id") == resident.id for p in acts):
        return True
    return any(g.registered_by == actor.name and g.revoked_at is None
               for g in guardian_store.of_resident(db, resident.id))


def confirm(db: Session, chain: ChainClient, settings: Settings, keyring: custody.Keyring, actor,
            resident_id: int, new_address: str | None = None) -> dict:
    """Confirmed with the resident in person, by a coordinator of their centre who has not held their card (see
    _has_held_the_card), for the wallet the coordinator checked (`new_address`): the address is the new wallet's, the
    cards blocked, and the whole balance paid to it. Confirming again answers the move as it is (nothing paid
    twice)."""
    with write_transaction(db):
        resident = resident_records.get(db, actor, resident_id, for_update=True)
        move = store.open_move(db, resident.id, for_update=True)
        if move is None:
            raise Refusal(409, "no_move_request", resident_id=resident.id)
        if move.state != "requested":
            return _view(move, db)
        if new_address is not None and parse_address(new_address, "new_address") != move.new_address:
            # the coordinator confirms the wallet they checked with the resident, not whatever request is open now
            raise Refusal(409, "move_changed", address=move.new_address)
        if by_address(db, move.new_address) is not None:
            raise Refusal(409, "address_taken", address=move.new_address)
        if _has_held_the_card(db, settings, actor, resident):
            raise Refusal(409, "move_needs_another_coordinator", resident_id=resident.id,
                          days=settings.custody_move_separation_days)
        move.state, move.decided_by, move.decided_at = "confirmed", actor.name, datetime.now(UTC)
        change(db, resident, actor.name, actor.user_id or None, "address", move.new_address,
               "moved from the account held by the centre to the resident's own wallet")
        for card in store.active_cards(db, resident.id):
            card.status, card.blocked_at, card.blocked_by = "blocked", datetime.now(UTC), actor.name
        store.notify(db, resident.id, "custody_moved", actor.name, None)
        guardians.revoke_all(db, actor, resident)
        _audit(db, actor.name, actor.user_id or None, "custody_moved", resident, old_address=move.old_address,
               new_address=move.new_address, move_id=move.id)
        move_id = move.id
    return _pay(db, chain, settings, keyring, move_id, "confirmed")


def decline(db: Session, actor, resident_id: int, reason: str) -> dict:
    with write_transaction(db):
        resident = resident_records.get(db, actor, resident_id, for_update=True)
        move = store.open_move(db, resident.id, for_update=True)
        if move is None or move.state != "requested":
            raise Refusal(409, "no_move_request", resident_id=resident.id)
        move.state, move.reason = "declined", reason
        move.decided_by, move.decided_at = actor.name, datetime.now(UTC)
        store.notify(db, resident.id, "move_declined", actor.name, None)
        _audit(db, actor.name, actor.user_id or None, "custody_move_declined", resident, move_id=move.id,
               new_address=move.new_address, reason=reason)
        return _view(move)


def retry_by_staff(db: Session, chain: ChainClient, settings: Settings, keyring: custody.Keyring, actor,
                   resident_id: int) -> dict:
    with write_transaction(db):
        resident = resident_records.get(db, actor, resident_id, for_update=True)
        move = store.open_move(db, resident.id, for_update=True)
        if move is None or move.state != "failed":
            raise Refusal(409, "move_not_failed", state=move.state if move else "none")
        move.state, move.reason = "confirmed", None
        _audit(db, actor.name, actor.user_id or None, "custody_move_retried", resident, move_id=move.id)
        move_id = move.id
    return _pay(db, chain, settings, keyring, move_id, "confirmed")


def retry_by_resident(db: Session, chain: ChainClient, settings: Settings, keyring: custody.Keyring,
                      wallet: str) -> dict:
    with write_transaction(db):
        found = store.move_of_wallet(db, wallet)
        move = store.move(db, found.id, for_update=True) if found is not None else None
        if move is None or move.state != "failed":
            raise Refusal(409, "move_not_failed", state=move.state if move else "none")
        move.state, move.reason = "confirmed", None
        _audit(db, f"resident {wallet}", None, "custody_move_retried", db.get(Resident, move.resident_id),
               move_id=move.id)
        move_id = move.id
    return _pay(db, chain, settings, keyring, move_id, "confirmed")


# ------------------------------------------------------------------ the payment


def _whole(db: Session, chain: ChainClient, address: str) -> int:
    return max(reads.available(chain, address) - ops.pending_out(db, address), 0)


def _pay(db: Session, chain: ChainClient, settings: Settings, keyring: custody.Keyring, move_id: int,
         expected: str) -> dict:
    """The move's next payment: all the old address can use now, signed with the held key and relayed. Only from
    the state `expected` (the caller moved it there); a refusal of the relay leaves the move failed, saying why."""
    move = store.move(db, move_id)
    account = store.account(db, move.resident_id)
    resident = db.get(Resident, move.resident_id)
    amount = _whole(db, chain, move.old_address)
    op = None  # (no rollback here: under an Idempotency-Key the confirm and its payment are one unit of work)
    try:
        if amount > 0:
            prepared = relay.prepare(db, chain, move.old_address, "pay", custody.SPEND_VALID_S, offer_id=None,
                                     max_price=None, charity=None, payee=move.new_address, amount=str(amount),
                                     request_ref=None, memo=MEMO)
            signed = custody.sign(keyring, account, prepared)
            op = relay.pay(db, chain, settings, signed, move.new_address, amount,
                           prepared["typed_data"]["message"]["requestRef"], whole_balance=True,
                           payer_centre=resident.centre_id)
    except Refusal as refusal:
        log.warning("custody move %s: the payment was refused (%s)", move_id, refusal.code)
        with write_transaction(db):
            move = store.move(db, move_id, for_update=True)
            if move.state == expected:
                move.state, move.reason = "failed", refusal.code
                store.notify(db, move.resident_id, "move_failed", None, None)
            return _view(move, db)
    with write_transaction(db):
        move = store.move(db, move_id, for_update=True)
        if move.state == expected:
            move.state = "paying"
            if op is not None:
                move.op_id, move.payments = op["id"], move.payments + 1
                move.moved = str(int(move.moved) + amount)
        return _view(move, db)


# ------------------------------------------------------------------ the finisher


def _final(db: Session, op: ChainOp) -> bool:
    if op.state != "confirmed" or op.chain_tx_id is None:
        return False
    tx = db.get(ChainTx, op.chain_tx_id)
    return tx is not None and tx.final


def finish(db: Session, chain: ChainClient, settings: Settings, keyring: custody.Keyring, move_id: int) -> str:
    """One look at a move being paid: what it did (waiting, failed, swept, done)."""
    move = store.move(db, move_id)
    if move.state == "confirmed":
        # Confirmed but never paid (the process stopped between the two): pay once it is clearly abandoned.
        if datetime.now(UTC) - move.updated_at < timedelta(seconds=STALE_CONFIRMED_S):
            return "waiting"
        db.rollback()
        _pay(db, chain, settings, keyring, move_id, "confirmed")
        return "paid"
    if move.state != "paying":
        return move.state
    if move.op_id is not None:
        op = db.get(ChainOp, move.op_id)
        if op.state == "failed":
            with write_transaction(db):
                move = store.move(db, move_id, for_update=True)
                if move.state == "paying":
                    move.state, move.reason = "failed", (op.error or "payment failed")[:300]
                    store.notify(db, move.resident_id, "move_failed", None, None)
            return "failed"
        if not _final(db, op):
            return "waiting"
    old = move.old_address
    if has_activity_in_flight(db, move.resident_id) or ops.pending_out(db, old) > 0 or ops.pending_in(db, old) > 0:
        return "waiting"  # coins still on their way to (or from) the old address
    balance, whole = reads.balance(chain, old), _whole(db, chain, old)
    if balance > whole:
        return "waiting"  # coins still locked: swept once they can move
    if whole >= settings.relay_min_amount:  # less is not worth a payment: anyone can send dust to any address
        db.rollback()
        with write_transaction(db):
            move = store.move(db, move_id, for_update=True)
            if move.state != "paying":
                return move.state
            move.state = "confirmed"
        _pay(db, chain, settings, keyring, move_id, "confirmed")
        return "swept"
    with write_transaction(db):
        move = store.move(db, move_id, for_update=True)
        if move.state != "paying":
            return move.state
        account = store.account(db, move.resident_id, for_update=True)
        account.sealed_private_key = account.sealed_data_key = None
        account.key_destroyed_at = datetime.now(UTC)
        move.state, move.finished_at = "done", account.key_destroyed_at
        resident = db.get(Resident, move.resident_id)
        store.notify(db, resident.id, "move_done", None, None)
        _audit(db, "system", None, "custody_key_destroyed", resident, old_address=old, move_id=move.id,
               moved=move.moved, payments=move.payments)
    return "done"


class MoveFinisher:
    """Runs `finish` over every move being paid, every `custody_move_finish_s` seconds. It signs sweeps with the
    held keys, so it runs in the API processes (which have the master key), not in the worker; two processes at
    once are safe (row locks, and the relay's own checks)."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session], chain: ChainClient,
                 keyring: custody.Keyring):
        self.settings, self.sessions, self.chain, self.keyring = settings, sessions, chain, keyring

    def step(self) -> dict[int, str]:
        done = {}
        with self.sessions() as db:
            for move_id in store.moves_to_finish(db):
                db.rollback()
                try:
                    done[move_id] = finish(db, self.chain, self.settings, self.keyring, move_id)
                except Refusal as refusal:
                    log.warning("custody move %s: %s", move_id, refusal.code)
                    done[move_id] = refusal.code
                    db.rollback()
                except Exception as exc:  # one move's trouble (the node, a key) does not hold back the others
                    log.warning("custody move %s: %s", move_id, type(exc).__name__)
                    done[move_id] = "error"
                    db.rollback()
        return done

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.step()
            except Exception as exc:  # the node or the database away for a while: next round
                log.warning("custody moves: %s", type(exc).__name__)
            stop.wait(self.settings.custody_move_finish_s)
