"""The staff sign-in throttle, in the database so that every API process shares it.

- Per client address, over all accounts: at most VB_LOGIN_CLIENT_MAX_FAILURES failed sign-ins per
  VB_LOGIN_CLIENT_WINDOW_S (one machine guessing, or trying many accounts).
- Per account: VB_LOGIN_MAX_FAILURES failures in a row lock it for VB_LOGIN_LOCKOUT_S, each further lockout twice as
  long as the one before, never longer than VB_LOGIN_LOCKOUT_MAX_S; the count of lockouts falls back to zero once the
  account has had no failure for VB_LOGIN_LOCKOUT_MAX_S. A successful sign-in clears the account's count.
- While held, a sign-in is answered 429 with Retry-After before its password is checked (argon2 costs the server far
  more than the request costs the client), and the attempt is not counted.

The trade-off: anyone can lock an account by guessing, and keep it locked by guessing again (5 requests per
lockout). So the lockout is bounded (at most VB_LOGIN_LOCKOUT_MAX_S at a time), and it does not hold the addresses
the account signed in from successfully within KNOWN_ADDRESS_S: the real officer, at the office, still signs in
while someone elsewhere keeps guessing. A guesser at such an address is still held by the per-address limit.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.domain.errors import Refusal
from backend.store import login_throttle as store
from backend.store.db import write_transaction

KNOWN_ADDRESS_S = 30 * 86400


def _keys(username: str, client: str) -> tuple[str, str, str]:
    return f"account:{username}", f"client:{client}", f"known:{username}:{client}"


def _throttled(wait_s: float) -> Refusal:
    return Refusal(429, "login_throttled", wait=max(1, math.ceil(wait_s)))


def _check_window(row, max_failures: int, window_s: int, now: datetime) -> None:
    if row is not None:
        window_end = row.window_start + timedelta(seconds=window_s)
        if window_end > now and row.failures >= max_failures:
            raise _throttled((window_end - now).total_seconds())


def _count_in_window(row, window_s: int, now: datetime) -> None:
    if row.window_start + timedelta(seconds=window_s) <= now:
        row.failures, row.window_start = 0, now
    row.failures += 1
    row.updated_at = now


def check_client(db: Session, key: str, max_failures: int, window_s: int, now: datetime) -> None:
    """429 login_throttled while `key` (a client address, under a prefix of its own per kind of sign-in) has had
    `max_failures` failures within its window. Inside the caller's transaction."""
    _check_window(store.rows(db, [key]).get(key), max_failures, window_s, now)


def client_failed(db: Session, key: str, window_s: int, now: datetime) -> None:
    """Counts a failure against `key`, inside the caller's write transaction."""
    _count_in_window(store.for_update(db, key, now), window_s, now)


def count_client_failure(db: Session, key: str, window_s: int, now: datetime) -> None:
    """Counts a failure against `key` in a transaction of its own (the refusal that follows rolls back the caller's)."""
    for attempt in (1, 2):  # two processes creating the same row at once: the loser counts again on the winner's
        try:
            with write_transaction(db):
                client_failed(db, key, window_s, now)
            return
        except IntegrityError:
            if attempt == 2:
                raise


def check(db: Session, settings: Settings, username: str, client: str, now: datetime) -> None:
    """429 login_throttled (its `wait` the seconds to Retry-After) while the address or the account is held."""
    account_key, client_key, known_key = _keys(username, client)
    found = store.rows(db, [account_key, client_key, known_key])
    db.rollback()  # hold no transaction while the password is checked
    _check_window(found.get(client_key), settings.login_client_max_failures, settings.login_client_window_s, now)
    account, known = found.get(account_key), found.get(known_key)
    if account is not None and account.locked_until is not None and account.locked_until > now:
        if known is None or known.locked_until is None or known.locked_until <= now:
            raise _throttled((account.locked_until - now).total_seconds())


def failed(db: Session, settings: Settings, username: str, client: str, now: datetime) -> None:
    """Counts a failed sign-in against the address and the account (locking it at the threshold)."""
    account_key, client_key, _ = _keys(username, client)
    for attempt in (1, 2):  # two processes creating the same row at once: the loser counts again on the winner's
        try:
            with write_transaction(db):
                _count_in_window(store.for_update(db, client_key, now), settings.login_client_window_s, now)
                account = store.for_update(db, account_key, now)
                if account.updated_at + timedelta(seconds=settings.login_lockout_max_s) < now:
                    account.locks = 0  # quiet for a whole maximal lockout: start again from the shortest
                account.failures += 1
                if account.failures >= settings.login_max_failures:
                    account.locks += 1
                    lock_s = min(settings.login_lockout_s * 2 ** min(account.locks - 1, 30), settings.login_lockout_max_s)
                    account.failures, account.locked_until = 0, now + timedelta(seconds=lock_s)
                account.updated_at = now
                keep = max(settings.login_client_window_s, settings.login_lockout_max_s)
                store.forget_stale(db, now - timedelta(seconds=keep), now)
            return
        except IntegrityError:
            if attempt == 2:
                raise


def succeeded(db: Session, username: str, client: str, now: datetime) -> None:
    """Clears the account's failures (a lockout running stays: it holds the guesser, not this known address) and
    remembers the address it signed in from (KNOWN_ADDRESS_S)."""
    account_key, _, known_key = _keys(username, client)
    try:
        with write_transaction(db):
            account = store.rows(db, [account_key]).get(account_key)
            if account is not None and account.locked_until is not None and account.locked_until > now:
                account.failures = 0
            elif account is not None:
                store.forget(db, account_key)
            known = store.for_update(db, known_key, now)
            known.locked_until, known.updated_at = now + timedelta(seconds=KNOWN_ADDRESS_S), now
    except IntegrityError:  # the same account signing in from the same address twice at once: one row is enough
        pass
