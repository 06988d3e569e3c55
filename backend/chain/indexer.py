"""The indexer: follows the three contracts' events from the deployment block into the database.

It keeps the hash of every block it indexed within REORG_DEPTH blocks of the head (and the last block of each step
further down); when the chain's hash at one of them differs, the chain was reorganised: events from the fork point
on are deleted, the balances they touched recomputed, and indexing resumes from the fork point, found near the head
however long the step was. It can go back as far as it keeps hashes (REORG_DEPTH blocks).

A step's view of the chain is read once and checked, never assembled from calls that may see different chains: the
headers of the step's recent blocks are read first and must link to each other and to the hash stored for the block
before; every log read after them must carry its block's hash from those headers; and the last block's header,
read again after the logs, must not have changed. Anything else is a reorganisation under way (`ChainMoved`):
nothing is inserted and the step is tried again.

Only the holder of the `indexer` lease (backend/store/leases.py) indexes: a standby worker's indexer waits, and a
holder replaced while it hung cannot insert (the lease is taken again in the transaction that inserts).

Redemption's offers are kept as their events leave them (`indexed_offers`, domain.offers_index), in the same
transaction as the events: GET /offers reads them, with no call to the node per offer.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict

from eth_utils import keccak
from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from backend.chain.client import ChainClient
from backend.chain.events import log_block_time
from backend.chain.logs import ContractEvents, plain_log
from backend.chain.lifecycle import now
from backend.store.db import transaction
from backend.store.leases import LeaseKeeper
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


class ChainMoved(RuntimeError):
    """The chain changed while a step read it (its headers do not link, or a log's block hash is not its header's):
    nothing of the step is kept; it is read again."""


class NodeBehind(Exception):
    """The node answering has none of the recent blocks indexed: a transient state, retried."""


class Indexer:
    LEASE = "indexer"

    def __init__(self, sessions: sessionmaker[Session], client: ChainClient, lease_s: float = 0):
        self.sessions, self.client, self.web3 = sessions, client, client.web3
        # 0: no lease (tests stepping an indexer by hand); the worker passes VB_LEASE_S.
        self.lease = LeaseKeeper(sessions, self.LEASE, lease_s) if lease_s else None
        self._synced_written = 0.0
        self.contracts = ContractEvents.of((name, c.address, c.abi) for name, c in (
            ("ServiceCoin", client.coin), ("ActivityRegistry", client.registry), ("Redemption", client.redemption)))
        # Each step asks for up to CHUNK blocks; the reader splits what the node refuses.
        self.reader = client.logs.like(CHUNK)
        self._address_bits = [bloom_bits(bytes.fromhex(address[2:])) for address in self.contracts.names]

    def cursor(self, s: Session) -> int:
        kv = s.get(KeyValue, "indexer.next_block")
        return int(kv.value) if kv else self.client.deployment.deployment_block

    def run(self, stop: threading.Event, interval: float = 0.5) -> None:
        filled = False
        while not stop.is_set():
            try:
                if not filled and (self.lease is None or self.lease.hold()):
                    while self.fill_block_times():
                        pass
                    filled = True
                if not self.step():
                    stop.wait(interval)
            except Exception as exc:
                log.warning("indexer: %s; retrying", exc)
                stop.wait(max(interval, 1.0))

    def step(self) -> bool:
        """Indexes up to CHUNK more blocks; True if it did anything. A standby (another worker holds the lease) does
        nothing. Raises ChainMoved when the chain changed under the step (nothing was inserted)."""
        if self.lease is not None and not self.lease.hold():
            return False
        head = self.web3.eth.block_number
        with self.sessions() as s:
            start = self.cursor(s)
            known = list(s.execute(select(IndexedBlock.number, IndexedBlock.hash).order_by(IndexedBlock.number.desc())))
        fork = self._find_fork(head, known)
        if fork is not None:
            self._rollback(fork)
            return True
        if start > head:
            self._mark_synced()
            return False
        end = min(head, start + CHUNK - 1)
        first = max(start, head - REORG_DEPTH + 1)
        headers = self._headers(first, end, dict(known).get(first - 1))
        logs = self._with_bloomed_blocks(self.reader.logs(start, end, list(self.contracts.names)), headers)
        self._check_logs(logs, headers)
        if self._header(end)["hash"] != headers[end]["hash"]:
            raise ChainMoved(f"block {end} changed while its logs were read")
        # Decoded before the write transaction, so the database's write lock is held for the inserts only.
        deltas: dict[str, int] = defaultdict(int)
        events: list[dict] = []
        times = {n: int(h["timestamp"], 16) for n, h in headers.items()}  # block → time, when logs do not carry it

        def block_timestamp(number: int) -> int:
            if number not in times:
                times[number] = int(self._header(number)["timestamp"], 16)
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
            if self.lease is not None:
                self.lease.fence(s)
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
            for number, header in headers.items():
                s.merge(IndexedBlock(number=number, hash=header["hash"]))
            s.execute(delete(IndexedBlock).where(IndexedBlock.number < end - REORG_DEPTH))
            s.merge(KeyValue(key="indexer.next_block", value=str(end + 1)))
            if end == head:
                s.merge(KeyValue(key="indexer.synced_at", value=now().isoformat()))
        return True

    def _header(self, number: int) -> dict:
        header = self.client.rpc("eth_getBlockByNumber", [hex(number), False])
        if header is None:  # the head went back under us
            raise ChainMoved(f"block {number} is gone")
        return header

    def _headers(self, first: int, end: int, parent_hash: str | None) -> dict[int, dict]:
        """The headers of blocks first..end (and of `end` alone when first > end: a step far below the head), read
        before the logs and linked by their parent hashes; the first must follow `parent_hash`, the stored hash of
        the block before it, when there is one."""
        numbers = list(range(first, end + 1)) or [end]
        headers = {n: self._header(n) for n in numbers}
        for n in numbers:
            expected = headers[n - 1]["hash"] if n - 1 in headers else parent_hash if n == first else None
            if expected is not None and headers[n]["parentHash"] != expected:
                raise ChainMoved(f"block {n} does not follow block {n - 1} as read or stored")
        return headers

    def _with_bloomed_blocks(self, logs: list[dict], headers: dict[int, dict]) -> list[dict]:
        """`logs` with those of any block whose header's bloom says it may hold our contracts' logs while the range's
        answer has none of it, asked by the block's hash: a provider whose log index trails its state answers a
        recent range without them (no error), and they would be passed by for good. (A bloom's false positive costs
        one call that finds nothing; a provider that does not know the block yet answers an error, and the step is
        tried again.)"""
        have = {e["blockNumber"] for e in logs}
        extra = []
        for number, header in headers.items():
            if number in have or not any(bloom_may_hold(header["logsBloom"], bits) for bits in self._address_bits):
                continue
            raw = self.client.rpc("eth_getLogs", [{"blockHash": header["hash"], "address": list(self.contracts.names)}])
            extra.extend(plain_log(e) for e in raw)
        if not extra:
            return logs
        log.warning("indexer: %d logs of blocks %s were missing from the node's answer for the range",
                    len(extra), sorted({e["blockNumber"] for e in extra}))
        return sorted(logs + extra, key=lambda e: (e["blockNumber"], e["logIndex"]))

    @staticmethod
    def _check_logs(logs: list[dict], headers: dict[int, dict]) -> None:
        """Every log carries its block's hash as the headers read before say (for blocks whose header was read), and
        the logs of one block one hash; else the logs come from another chain than the headers."""
        seen: dict[int, str] = {}
        for entry in logs:
            number, block_hash = entry["blockNumber"], entry["blockHash"]
            expected = headers[number]["hash"] if number in headers else seen.setdefault(number, block_hash)
            if block_hash != expected:
                raise ChainMoved(f"a log of block {number} carries hash {block_hash}, not {expected}")

    def _mark_synced(self) -> None:
        """Nothing left to index: says so for /health (a write every few seconds, not every idle round)."""
        if time.monotonic() - self._synced_written < 5.0:
            return
        with transaction(self.sessions) as s:
            if self.lease is not None:
                self.lease.fence(s)
            s.merge(KeyValue(key="indexer.synced_at", value=now().isoformat()))
        self._synced_written = time.monotonic()

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

    def _find_fork(self, head: int, known: list[tuple[int, str]]) -> int | None:
        """The first block to re-index if the chain changed under what we indexed (`known`: the stored hashes,
        newest first), else None. With a hash per recent block, the first stored block the chain still has is the
        fork's parent."""
        changed = False
        for i, (number, stored) in enumerate(known):
            header = self.client.rpc("eth_getBlockByNumber", [hex(number), False]) if number <= head else None
            if header is None:
                continue  # not on this node (yet): a node behind, or a shorter chain; older blocks decide
            if header["hash"] == stored:
                return None if i == 0 else number + 1
            changed = True
        if known and not changed:
            # No stored block is known to the node answering (a load-balanced backend far behind): nothing says
            # the chain changed, so wait rather than throw the whole index away.
            raise NodeBehind(f"the node does not have blocks {known[-1][0]}..{known[0][0]} yet")
        if known:
            return self.client.deployment.deployment_block  # deeper than we keep: index again from the start
        return None

    def _rollback(self, fork: int) -> None:
        log.warning("chain reorganised: re-indexing from block %d", fork)
        with transaction(self.sessions) as s:
            if self.lease is not None:
                self.lease.fence(s)
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


def bloom_bits(item: bytes) -> tuple[int, int, int]:
    """The three bits an address or a topic sets in a block's logsBloom (the yellow paper's M3:2048)."""
    h = keccak(item)
    return tuple(((h[i] << 8) | h[i + 1]) & 2047 for i in (0, 2, 4))


def bloom_may_hold(bloom: str, bits: tuple[int, ...]) -> bool:
    """Whether a logsBloom (0x-hex, 256 bytes) has all of `bits` set: the item may be in the block (never a false
    no)."""
    value = int(bloom, 16)
    return all(value >> bit & 1 for bit in bits)


def indexed_height(s: Session) -> int | None:
    return s.scalar(select(func.max(IndexedBlock.number)))
