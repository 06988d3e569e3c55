"""The indexer: follows the three contracts' events from the deployment block into the database.

It keeps the hashes of the blocks it indexed last; when the chain's hash at one of them differs, the chain was
reorganised: events from the fork point on are deleted, the balances they touched recomputed, and indexing
resumes from the fork point. It can go back as far as it keeps hashes (REORG_DEPTH blocks).

Redemption's offers are kept as their events leave them (`indexed_offers`, domain.offers_index), in the same
transaction as the events: GET /offers reads them, with no call to the node per offer.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from backend.chain.client import ChainClient
from backend.chain.events import log_block_time
from backend.chain.logs import ContractEvents
from backend.store.db import transaction
from backend.domain.offers_index import OFFER_EVENTS, apply_offer_event, offer_of_event
from backend.store.models import Balance, ChainEvent, IndexedBlock, IndexedOffer, KeyValue

log = logging.getLogger("backend.indexer")
REORG_DEPTH = 64
CHUNK = 2_000
ZERO = "0x0000000000000000000000000000000000000000"
_OFFER_COLUMNS = ("offer_id", "provider", "price", "capacity", "sold", "active", "block_number")
# Which arguments of an event name the parties its history belongs to.
PARTIES = {
    "Transfer": ("from", "to"),
    "ActivityAttested": ("volunteer", None),
    "ActivityRevoked": ("volunteer", "revoker"),
    "DebtNetted": ("volunteer", None),
    "VoucherIssued": ("resident", "provider"),
    "VoucherFulfilled": ("provider", None),
    "Settled": ("provider", None),
    "Donated": ("donor", "charity"),
    "ServicePaid": ("payer", "payee"),
}


class Indexer:
    def __init__(self, sessions: sessionmaker[Session], client: ChainClient):
        self.sessions, self.client, self.web3 = sessions, client, client.web3
        self.contracts = ContractEvents.of((name, c.address, c.abi) for name, c in (
            ("ServiceCoin", client.coin), ("ActivityRegistry", client.registry), ("Redemption", client.redemption)))
        # Each step asks for up to CHUNK blocks; the reader splits what the node refuses.
        self.reader = client.logs.like(CHUNK)

    def cursor(self, s: Session) -> int:
        kv = s.get(KeyValue, "indexer.next_block")
        return int(kv.value) if kv else self.client.deployment.deployment_block

    def run(self, stop: threading.Event, interval: float = 0.5) -> None:
        filled = False
        while not stop.is_set():
            try:
                if not filled:
                    while self.fill_block_times():
                        pass
                    filled = True
                if not self.step():
                    stop.wait(interval)
            except Exception as exc:
                log.warning("indexer: %s; retrying", exc)
                stop.wait(max(interval, 1.0))

    def step(self) -> bool:
        """Indexes up to CHUNK more blocks; True if it did anything."""
        head = self.web3.eth.block_number
        with self.sessions() as s:
            start = self.cursor(s)
        fork = self._find_fork(head)
        if fork is not None:
            self._rollback(fork)
            return True
        if start > head:
            return False
        end = min(head, start + CHUNK - 1)
        logs = self.reader.logs(start, end, list(self.contracts.names))
        end_hash = self.client.rpc("eth_getBlockByNumber", [hex(end), False])["hash"]
        # Decoded before the write transaction, so the database's write lock is held for the inserts only.
        deltas: dict[str, int] = defaultdict(int)
        events: list[dict] = []
        times: dict[int, int] = {}  # block → timestamp, when the node's logs do not carry it

        def block_timestamp(number: int) -> int:
            if number not in times:
                times[number] = int(self.client.rpc("eth_getBlockByNumber", [hex(number), False])["timestamp"], 16)
            return times[number]

        for entry in logs:
            decoded = self.contracts.decode(entry)
            if decoded is None:
                continue
            contract, abi, args = decoded
            first, second = PARTIES.get(abi["name"], (None, None))
            events.append(dict(
                block_number=entry["blockNumber"], block_hash=entry["blockHash"], tx_hash=entry["transactionHash"],
                block_time=log_block_time(entry, block_timestamp),
                log_index=entry["logIndex"], contract=contract, event=abi["name"], args=args,
                address1=args.get(first) if first else None, address2=args.get(second) if second else None,
            ))
            if contract == "ServiceCoin" and abi["name"] == "Transfer":
                value = int(args["value"])
                if args["from"] != ZERO:
                    deltas[args["from"]] -= value
                if args["to"] != ZERO:
                    deltas[args["to"]] += value
        with transaction(self.sessions) as s:
            if events:  # one executemany: an ORM insert per event held the database's write lock many times longer
                s.execute(insert(ChainEvent), events)
            self._apply_offers(s, [e for e in events if e["contract"] == "Redemption" and e["event"] in OFFER_EVENTS])
            balances = {b.address: b for b in s.scalars(select(Balance).where(Balance.address.in_(list(deltas))))}
            for address, delta in deltas.items():
                row = balances.get(address)
                if row is None:
                    s.add(Balance(address=address, amount=str(delta)))
                else:
                    row.amount = str(int(row.amount) + delta)
            s.merge(IndexedBlock(number=end, hash=end_hash))
            s.execute(delete(IndexedBlock).where(IndexedBlock.number < end - REORG_DEPTH))
            s.merge(KeyValue(key="indexer.next_block", value=str(end + 1)))
        return True

    def fill_block_times(self, limit: int = 500) -> bool:
        """Gives events indexed without their block's time (by a worker older than migration 0005_statistics) that
        time, `limit` blocks at a time; True if it filled any. Run at start: it scans the table."""
        with self.sessions() as s:
            blocks = s.execute(select(ChainEvent.block_number, ChainEvent.block_hash)
                               .where(ChainEvent.block_time.is_(None)).distinct()
                               .order_by(ChainEvent.block_number).limit(limit)).all()
        if not blocks:
            return False
        times = {}
        for number, block_hash in blocks:
            block = self.web3.eth.get_block(number)
            if "0x" + bytes(block["hash"]).hex() != block_hash:
                # Reorganised away: step() rolls it back and indexes the new block, with its time.
                log.warning("block %d changed since it was indexed; leaving it to the reorganisation check", number)
                continue
            times[(number, block_hash)] = int(block["timestamp"])
        with transaction(self.sessions) as s:
            for (number, block_hash), timestamp in times.items():
                s.execute(update(ChainEvent).values(block_time=timestamp).where(
                    ChainEvent.block_number == number, ChainEvent.block_hash == block_hash,
                    ChainEvent.block_time.is_(None)))
        return bool(times)

    def _find_fork(self, head: int) -> int | None:
        """The first block to re-index if the chain changed under what we indexed, else None."""
        with self.sessions() as s:
            known = list(s.execute(select(IndexedBlock.number, IndexedBlock.hash).order_by(IndexedBlock.number.desc())))
        for i, (number, stored) in enumerate(known):
            block = self.web3.eth.get_block(number) if number <= head else None
            if block is not None and "0x" + bytes(block["hash"]).hex() == stored:
                return None if i == 0 else number + 1
        if known:
            return self.client.deployment.deployment_block  # deeper than we keep: index again from the start
        return None

    def _rollback(self, fork: int) -> None:
        log.warning("chain reorganised: re-indexing from block %d", fork)
        with transaction(self.sessions) as s:
            touched = set()
            for a1, a2 in s.execute(select(ChainEvent.address1, ChainEvent.address2).where(
                    ChainEvent.block_number >= fork, ChainEvent.event == "Transfer")):
                touched.update(x for x in (a1, a2) if x and x != ZERO)
            offers = {offer_of_event(name, args) for name, args in s.execute(
                select(ChainEvent.event, ChainEvent.args).where(
                    ChainEvent.block_number >= fork, ChainEvent.contract == "Redemption",
                    ChainEvent.event.in_(OFFER_EVENTS)))} - {None}
            s.execute(delete(ChainEvent).where(ChainEvent.block_number >= fork))
            self._replay_offers(s, offers)
            s.execute(delete(IndexedBlock).where(IndexedBlock.number >= fork))
            for address in touched:
                s.merge(Balance(address=address, amount=str(self._balance_from_events(s, address))))
            s.merge(KeyValue(key="indexer.next_block", value=str(fork)))

    @staticmethod
    def _apply_offers(s: Session, events: list[dict]) -> None:
        """The offers these events (in chain order) change, updated in `indexed_offers`."""
        if not events:
            return
        ids = {offer_of_event(e["event"], e["args"]) for e in events} - {None}
        rows = {r.offer_id: r for r in s.scalars(select(IndexedOffer).where(IndexedOffer.offer_id.in_(ids)))}
        state = {i: {c: getattr(r, c) for c in _OFFER_COLUMNS} for i, r in rows.items()}
        changed = {apply_offer_event(state, e["event"], e["args"], e["block_number"]) for e in events} - {None}
        for offer_id in changed:
            if offer_id in rows:
                for column, value in state[offer_id].items():
                    setattr(rows[offer_id], column, value)
            else:
                s.add(IndexedOffer(**state[offer_id]))

    @staticmethod
    def _replay_offers(s: Session, offer_ids: set[int]) -> None:
        """These offers rebuilt from the events still indexed (after a reorganisation removed some)."""
        if not offer_ids:
            return
        s.execute(delete(IndexedOffer).where(IndexedOffer.offer_id.in_(offer_ids)))
        state: dict[int, dict] = {}
        for name, args, block in s.execute(
                select(ChainEvent.event, ChainEvent.args, ChainEvent.block_number)
                .where(ChainEvent.contract == "Redemption", ChainEvent.event.in_(OFFER_EVENTS))
                .order_by(ChainEvent.block_number, ChainEvent.log_index)):
            if offer_of_event(name, args) in offer_ids:
                apply_offer_event(state, name, args, block)
        s.add_all(IndexedOffer(**row) for row in state.values())

    @staticmethod
    def _balance_from_events(s: Session, address: str) -> int:
        total = 0
        for args, a1, a2 in s.execute(select(ChainEvent.args, ChainEvent.address1, ChainEvent.address2).where(
                ChainEvent.event == "Transfer", or_(ChainEvent.address1 == address, ChainEvent.address2 == address))):
            value = int(args["value"])
            total += (value if a2 == address else 0) - (value if a1 == address else 0)
        return total


def indexed_height(s: Session) -> int | None:
    return s.scalar(select(func.max(IndexedBlock.number)))
