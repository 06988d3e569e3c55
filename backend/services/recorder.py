"""Group commit of single-activity POSTs.

Each POST /activities waits here while the activities posted meanwhile are written together: one write
transaction (one SQLite writer lock, one commit) for all of them, each still accepted or refused on its own and
answered with its own result. One group is written at a time per process; while it is, the next one gathers. At one
request at a time this is the same as a transaction per request; under load it turns dozens of short write
transactions, which on SQLite queue on one lock and on both databases each pay a commit, into one.

Correctness does not depend on the grouping: if a group's transaction fails as a whole (a race with another process
on PostgreSQL, say), each of its requests is retried alone in its own transaction, exactly as without grouping.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field, replace

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from backend.chain.client import ChainClient
from backend.domain.activities import check_units
from backend.domain.errors import Refusal
from backend.store import activities as repo
from backend.services.idempotency import Answer, key_reused, owner_of, stored_answer
from backend.store.db import write_transaction
from backend.store.idempotency import find_many, find_stored, store_answer

log = logging.getLogger("backend.recorder")

MAX_GROUP = 256


@dataclass
class RecordRequest:
    """One POST /activities, validated as far as it can be without the chain or the database."""

    principal: object  # who asks (api.security.Principal)
    item: repo.NewActivity  # reward None here; the group sets the rules' reward when approving
    approve: bool
    idempotency_key: str | None
    fingerprint: str
    future: asyncio.Future | None = field(default=None, repr=False)

    @property
    def owner(self) -> str:
        return owner_of(self.principal)


class ActivityRecorder:
    def __init__(self, sessions: sessionmaker[Session], to_out):  # to_out: an activity → its JSON body
        self.sessions, self.to_out = sessions, to_out
        self._waiting: list[RecordRequest] = []
        self._writer: asyncio.Task | None = None

    async def submit(self, request: RecordRequest, chain: ChainClient) -> Answer:
        loop = asyncio.get_running_loop()
        request.future = loop.create_future()
        self._waiting.append(request)
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._write_groups(chain))
        return await request.future

    async def _write_groups(self, chain: ChainClient) -> None:
        while self._waiting:
            group, self._waiting = self._waiting[:MAX_GROUP], self._waiting[MAX_GROUP:]
            try:
                outcomes = await asyncio.to_thread(self.write_group, group, chain)
            except Exception as exc:  # noqa: BLE001 — handed to every request of the group, which re-raises it
                outcomes = [exc] * len(group)
            for request, outcome in zip(group, outcomes, strict=True):
                if request.future.done():  # the client went away; its result is in the database all the same
                    continue
                if isinstance(outcome, BaseException):
                    request.future.set_exception(outcome)
                else:
                    request.future.set_result(outcome)

    # -- in a worker thread ------------------------------------------------------------------------------------

    def write_group(self, group: list[RecordRequest], chain: ChainClient) -> list[Answer | Exception]:
        outcomes: list[Answer | Exception | None] = [None] * len(group)
        # Chain facts first, outside the write lock: the rule (cached) gives the reward, the centre's remaining
        # cap (cached for a second, with its block) bounds the approvals.
        caps: dict[int, tuple[int, int]] = {}
        items: list[repo.NewActivity | None] = []
        for k, r in enumerate(group):
            item = r.item
            try:
                reward = check_units(chain.rule(item.category), item.category, item.units)
                if r.approve:
                    item = replace(item, reward=reward)
                    if item.centre_id not in caps:
                        caps[item.centre_id] = chain.remaining_cap_at(item.centre_id)
            except Refusal as exc:
                outcomes[k], item = exc, None
            items.append(item)
        try:
            with self.sessions() as s:
                with write_transaction(s):
                    self._write(s, group, items, outcomes, caps)
        except (IntegrityError, DBAPIError) as exc:
            # The group as a whole lost a race (another process took an idempotency key or a serial meanwhile);
            # each request again, alone, so only the one that collided sees it.
            log.info("group of %d failed as a whole (%s); writing its requests one by one", len(group), exc)
            for k, item in enumerate(items):
                if item is not None:
                    outcomes[k] = self._write_alone(group[k], item, caps)
        return outcomes

    def _write_alone(self, request: RecordRequest, item: repo.NewActivity, caps) -> Answer | Exception:
        outcomes: list = [None]
        try:
            with self.sessions() as s:
                with write_transaction(s):
                    self._write(s, [request], [item], outcomes, caps)
        except IntegrityError:
            # Only an idempotency key taken meanwhile can collide now: answer as the key's first request did.
            with self.sessions() as s:
                row = find_stored(s, request.owner, request.idempotency_key)
                return stored_answer(row, request.fingerprint) if row is not None else \
                    Refusal(409, "conflict", "the request collided with another; retry it")
        return outcomes[0]

    def _write(self, s: Session, group: list[RecordRequest], items: list, outcomes: list,
               caps: dict[int, tuple[int, int]]) -> None:
        """One transaction: idempotency keys, then the activities, then the keys' records."""
        live: list[int] = []
        first_with_key: dict[tuple[str, str], int] = {}
        followers: list[tuple[int, int]] = []
        keyed = [(r.owner, r.idempotency_key) for r, i in zip(group, items, strict=True)
                 if i is not None and r.idempotency_key is not None]
        stored = find_many(s, keyed)
        for k, (r, item) in enumerate(zip(group, items, strict=True)):
            if item is None:
                continue
            if r.idempotency_key is not None:
                key = (r.owner, r.idempotency_key)
                if key in stored:
                    outcomes[k] = stored_answer(stored[key], r.fingerprint)
                    continue
                if key in first_with_key:  # the same key twice in one group: answered like a replay, below
                    followers.append((k, first_with_key[key]))
                    continue
                first_with_key[key] = k
            live.append(k)
        results = repo.record_group(s, [items[k] for k in live], caps)
        bodies: dict[int, dict] = {}
        for k, result in zip(live, results, strict=True):
            if isinstance(result, Refusal):
                outcomes[k] = result
                continue
            body = bodies[k] = self.to_out(result)
            outcomes[k] = Answer(body, 201)
            if group[k].idempotency_key is not None:
                store_answer(s, group[k].owner, group[k].idempotency_key, group[k].fingerprint, 201, body)
        for k, first in followers:
            first_outcome = outcomes[first]
            if group[k].fingerprint != group[first].fingerprint:
                outcomes[k] = key_reused()
            elif first in bodies:
                outcomes[k] = Answer(bodies[first], 201, replayed=True)
            else:
                outcomes[k] = first_outcome  # the first was refused (nothing stored): so is its repeat
