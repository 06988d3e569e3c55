"""Leases in the database: one process at a time does a singleton's work (the chain writer, the sender), another
waits as a standby and takes over when the holder stops renewing (it died, hung, or lost the database).

The holder renews its lease every third of its time (`LeaseKeeper.hold`, once per round); every signed transaction
is recorded only in a database transaction that takes or renews the lease (`take`, under the row's lock), so a
holder that paused past its lease and was replaced cannot record (and so never broadcasts) anything: the fence is
the database, not a clock.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from backend.store.db import transaction
from backend.store.models import Lease, utcnow

log = logging.getLogger("backend.worker")


class LeaseLost(RuntimeError):
    """Another process holds the lease: this one must not sign, record or send."""


def take(s: Session, name: str, holder: str, ttl_s: float) -> bool:
    """In the caller's write transaction: takes the lease if it is free, expired or already ours, renewing it for
    `ttl_s`; False while another holder's lease runs."""
    now = utcnow()
    row = s.get(Lease, name, with_for_update=True)
    if row is None:  # the first take; two at once: one insert fails (IntegrityError), and that one is no holder
        s.add(Lease(name=name, holder=holder, expires_at=now + timedelta(seconds=ttl_s)))
        s.flush()
        return True
    if row.holder != holder and row.expires_at > now:
        return False
    row.holder, row.expires_at = holder, now + timedelta(seconds=ttl_s)
    return True


def holder_of(s: Session, name: str) -> tuple[str, object] | None:
    row = s.get(Lease, name)
    return None if row is None else (row.holder, row.expires_at)


class LeaseKeeper:
    def __init__(self, sessions: sessionmaker[Session], name: str, ttl_s: float, holder: str | None = None):
        self.sessions, self.name, self.ttl_s = sessions, name, ttl_s
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._renew_at = 0.0
        self.held = False

    def hold(self) -> bool:
        """Whether this process holds the lease now, renewing it when a third of its time has passed."""
        if self.held and time.monotonic() < self._renew_at:
            return True
        try:
            with transaction(self.sessions) as s:
                ok = take(s, self.name, self.holder, self.ttl_s)
        except IntegrityError:  # another process inserted the row first
            ok = False
        if ok != self.held:
            log.warning("%s: %s the lease (%s)", self.name, "took" if ok else "is a standby: another process holds",
                        self.holder)
        self.held = ok
        self._renew_at = time.monotonic() + self.ttl_s / 3 if ok else 0.0
        return ok

    def fence(self, s: Session) -> None:
        """Inside the transaction that records a signed transaction: raises LeaseLost unless the lease is ours."""
        if not take(s, self.name, self.holder, self.ttl_s):
            self.held, self._renew_at = False, 0.0
            raise LeaseLost(f"{self.name}: another process holds the lease")

    def release(self) -> None:
        """Gives the lease up now (a command done with a singleton's work), so a worker need not wait it out."""
        with transaction(self.sessions) as s:
            row = s.get(Lease, self.name, with_for_update=True)
            if row is not None and row.holder == self.holder:
                s.delete(row)
        self.held, self._renew_at = False, 0.0
