"""The life of a transaction the backend sends, exactly once whatever fails: sign → record → broadcast → track →
bump when stuck → rebroadcast when lost → confirm after N confirmations, or resolve a nonce a foreign transaction
used → re-check until final.

The signed transaction is committed to the database (`chain_txs`, one row per nonce of a sender, and its
`tx_attempts`) *before* it is broadcast. Following looks up each open transaction by all its attempts' hashes.
Every step is idempotent, so a restart after a crash at any point simply runs the same steps: `track()` picks up
what was signed but maybe not broadcast, broadcast but not confirmed, and so on.

Fees have a ceiling per chain (`Settings.max_fee_wei`): nothing is signed above it, and a stuck transaction is bumped
(+fee_bump_percent, at least geth's +10 % a replacement needs) only while the bumped fee stays under it; then it
waits for the base fee to come down, and /health counts it as stuck. A broadcast the node refuses (or an RPC that
fails) is retried with the same signed bytes after a growing pause (up to stuck_after_s), never signed anew on
every poll: the next replacement comes stuck_after_s after the last attempt was signed.

N is the network's depth (`Settings.confirmations_on`). A confirmed (or reverted) transaction is not done with yet:
until its block is final (at or below the node's `finalized` block, VB_FINALITY) each round checks that the newest
such block is still the canonical one (one header read covers every block below it, by the hash chain). A block
that left the chain reopens its transactions: their rows go back to being followed (`_reopened`) and the same signed
bytes are broadcast again — the same nonce, so no new serial and no second mint; the nonce gap a reorganised-out
transaction would leave is filled by the transaction itself.

The work comes from elsewhere: a subclass says what to send (`dispatch_work`) and what an outcome means for its
rows (`_finalise`, `_resolve_by_state`, `_replaced`). Two exist: the attestation writer (backend/chain/writer.py,
the activity outbox) and the generic sender (backend/chain/sender.py, `chain_ops`). Each follows only the
`chain_txs` of its own kinds, and each sending key belongs to one of them (one nonce manager per key).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from datetime import UTC, datetime

from eth_account.signers.local import LocalAccount
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker
from web3.exceptions import TransactionNotFound

from backend.chain.client import ChainClient
from backend.chain.faults import crash_point
from backend.chain.logs import is_transient
from backend.config import Settings
from backend.store.db import transaction
from backend.store.leases import LeaseKeeper
from backend.store.models import ChainTx, TxAttempt

log = logging.getLogger("backend.worker")
OPEN = ("signed", "broadcast", "mined")
SETTLED = ("confirmed", "failed")  # re-checked until final
REPLACEMENT_MIN_PERCENT = 10  # geth refuses a replacement with less than +10 % on both fees ("underpriced")


def now() -> datetime:
    return datetime.now(UTC)


class TxLifecycle:
    TRACKED_KINDS: tuple[str, ...] = ()  # the chain_txs kinds this instance follows
    NAME = "chain sender"  # in log lines

    def __init__(self, settings: Settings, sessions: sessionmaker[Session], client: ChainClient):
        self.settings, self.sessions, self.client = settings, sessions, client
        self.web3 = client.web3
        # In memory, per chain tx: when a refused broadcast may be tried again, and the pause after the next refusal;
        # when a transaction held at the fee ceiling is looked at again. Lost on restart, which costs one retry.
        self._retry: dict[int, tuple[float, float]] = {}
        self._held_until: dict[int, float] = {}
        self.lease = LeaseKeeper(sessions, self.NAME, settings.lease_s) if settings.lease_s else None
        self._no_finalized_tag_logged = False
        # Rows whose block the re-check found on the chain (id → block hash), and the highest such block (number,
        # hash): while that block is unchanged, every block under it is, so those rows need no second look.
        self._intact: dict[int, str] = {}
        self._anchor: tuple[int, str] | None = None

    @property
    def confirmations(self) -> int:
        """The network's depth (VB_CONFIRMATIONS, else the chain id's default)."""
        return self.settings.confirmations_on(self.client.chain_id)

    # ------------------------------------------------------------------ loop

    def run(self, stop: threading.Event) -> None:
        """Works until `stop` is set; survives the node or the database going away for a while."""
        backoff = self.settings.poll_interval_s
        while not stop.is_set():
            try:
                busy = self.step()
                backoff = self.settings.poll_interval_s
                if not busy:
                    stop.wait(self.settings.poll_interval_s)
            except Exception as exc:  # the node restarting, a dropped connection: retry with backoff
                log.warning("%s: %s; retrying in %.1f s", self.NAME, exc, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)

    def step(self) -> bool:
        """One round: follow open transactions, then send new work. True if anything happened. A standby (another
        process holds the lease) does nothing."""
        if self.lease is not None and not self.lease.hold():
            return False
        return self.track() | self.dispatch_work()

    def dispatch_work(self) -> bool:
        raise NotImplementedError

    # ------------------------------------------------------------------ signing and recording

    def _next_nonce(self, sender: str) -> int:
        on_chain = self.web3.eth.get_transaction_count(sender, "latest")
        with self.sessions() as s:
            mine = s.scalar(select(func.max(ChainTx.nonce)).where(ChainTx.sender == sender))
        return max(on_chain, (mine + 1) if mine is not None else 0)

    def _ceiling(self) -> int:
        return self.settings.max_fee_wei(self.client.chain_id)

    def _fees(self) -> tuple[int, int]:
        """(max fee, tip) per gas to sign with now: 2 × base fee + tip, under the ceiling."""
        return fees_now(self.web3, self._ceiling())

    def _sign(self, signer: LocalAccount, nonce: int, to: str, data: str, gas: int, fees: tuple[int, int]) -> dict:
        """An EIP-1559 transaction signed: its hash, raw bytes and fees, ready for `_record`."""
        max_fee, tip = fees
        _check_ceiling(max_fee, tip, self._ceiling())
        signed = signer.sign_transaction({"type": 2, "chainId": self.client.chain_id, "nonce": nonce, "to": to,
                                          "data": data, "gas": gas, "maxFeePerGas": max_fee,
                                          "maxPriorityFeePerGas": tip, "value": 0})
        return {"sender": signer.address, "nonce": nonce, "hash": _hex(signed.hash),
                "raw": _hex(signed.raw_transaction), "max_fee": max_fee, "tip": tip}

    def _record(self, s: Session, signed: dict, kind: str, centre_id: int) -> ChainTx:
        """The signed transaction as a `chain_txs` row with its first attempt, in the caller's database transaction
        (committed before `_broadcast`), which must hold the lease (LeaseLost otherwise: nothing is recorded)."""
        if self.lease is not None:
            self.lease.fence(s)
        row = ChainTx(sender=signed["sender"], nonce=signed["nonce"], kind=kind, centre_id=centre_id, status="signed")
        row.attempts.append(TxAttempt(tx_hash=signed["hash"], raw_tx=signed["raw"], max_fee=str(signed["max_fee"]),
                                      priority_fee=str(signed["tip"])))
        s.add(row)
        s.flush()
        return row

    def _broadcast(self, chain_tx_id: int, raw: str, *, fresh: bool = False) -> bool:
        """Sends the signed bytes; False if it did not (a refusal or an RPC failure: tried again later, the same
        bytes, after a pause that doubles up to stuck_after_s; `fresh`, a newly signed attempt, goes at once)."""
        retry = self._retry.get(chain_tx_id)
        if retry is not None and not fresh and time.monotonic() < retry[0]:
            return False
        crash_point("before_broadcast")
        try:
            self.web3.eth.send_raw_transaction(raw)
            crash_point("after_broadcast")
        except Exception as exc:
            text = str(exc).lower()
            # Already in the pool or already mined, or the nonce is used: track() sorts it out from receipts.
            if not any(s in text for s in ("already known", "known transaction", "nonce too low", "already imported")):
                pause = min(max(retry[1] * 2 if retry else 0, self.settings.poll_interval_s, 0.5),
                            self.settings.stuck_after_s)
                self._retry[chain_tx_id] = (time.monotonic() + pause, pause)
                log.warning("broadcast of chain tx %d failed: %s (will retry in %.1f s)", chain_tx_id, exc, pause)
                return False
        self._retry.pop(chain_tx_id, None)
        with transaction(self.sessions) as s:
            row = s.get(ChainTx, chain_tx_id)
            if row.status == "signed":
                row.status = "broadcast"
            row.last_sent_at = now()
        return True

    # ------------------------------------------------------------------ following

    def track(self) -> bool:
        with self.sessions() as s:
            open_ids = list(s.scalars(select(ChainTx.id).where(ChainTx.status.in_(OPEN), ChainTx.kind.in_(self.TRACKED_KINDS))
                                      .order_by(ChainTx.nonce)))
        for forgotten in (self._retry.keys() | self._held_until.keys()) - set(open_ids):
            self._retry.pop(forgotten, None)
            self._held_until.pop(forgotten, None)
        busy = self.recheck()
        if not open_ids:
            return busy
        head = self.web3.eth.block_number
        for chain_tx_id in open_ids:
            busy |= self._track_one(chain_tx_id, head)
        return busy

    def _receipt(self, hashes: list[str]) -> dict | None:
        """The receipt of whichever attempt was mined: status, block, gas (raw JSON-RPC: web3.py's formatting of a
        batch's 200 logs cost a tenth of a second per receipt)."""
        for h in reversed(hashes):
            raw = self.web3.provider.make_request("eth_getTransactionReceipt", [h]).get("result")
            if raw:
                return {"status": int(raw["status"], 16), "blockNumber": int(raw["blockNumber"], 16),
                        "blockHash": bytes.fromhex(raw["blockHash"][2:]),
                        "transactionHash": bytes.fromhex(raw["transactionHash"][2:]), "gasUsed": int(raw["gasUsed"], 16),
                        # what each gas was paid (base fee + tip); None from a node that does not say
                        "effectiveGasPrice": int(raw["effectiveGasPrice"], 16) if raw.get("effectiveGasPrice") else None,
                        "logs": raw.get("logs", [])}  # raw, unformatted: for work whose outcome is in its events
        return None

    def _track_one(self, chain_tx_id: int, head: int) -> bool:
        with self.sessions() as s:
            row = s.get(ChainTx, chain_tx_id)
            hashes = [a.tx_hash for a in row.attempts]
            raw_latest = row.attempts[-1].raw_tx
            sender, nonce, status = row.sender, row.nonce, row.status
            # The stuck clock runs from the later of the last successful broadcast and the last attempt signed: a
            # replacement whose broadcast failed is retried as it is, not replaced again at once.
            last_sent = max((t for t in (row.last_sent_at, row.attempts[-1].created_at) if t is not None), default=None)
        receipt = self._receipt(hashes)
        if receipt is not None:
            confirmations = head - receipt["blockNumber"] + 1
            if confirmations < self.confirmations:
                if status != "mined":
                    with transaction(self.sessions) as s:
                        r = s.get(ChainTx, chain_tx_id)
                        r.status, r.tx_hash, r.block_number = "mined", _hex(receipt["transactionHash"]), receipt["blockNumber"]
                return False
            canonical = self.web3.eth.get_block(receipt["blockNumber"])["hash"]
            if bytes(canonical) != bytes(receipt["blockHash"]):
                return False  # a reorganisation under way; look again next round
            self._finalise(chain_tx_id, receipt)
            return True
        if status == "mined":
            # It had a receipt and lost it: reorganised out. Send it again (same nonce, same signature).
            with transaction(self.sessions) as s:
                r = s.get(ChainTx, chain_tx_id)
                r.status, r.block_number, r.block_hash = "broadcast", None, None
            self._broadcast(chain_tx_id, raw_latest, fresh=True)
            return True
        settled_block = max(head - self.confirmations + 1, 0)
        if self.web3.eth.get_transaction_count(sender, settled_block) > nonce:
            # Our attempt may have been mined between the look for its receipt and this nonce read (a busy node
            # also answers the nonce before it serves the receipt): look once more before calling it foreign, which
            # costs a contract lookup per item.
            if self._receipt(hashes) is not None:
                return True  # tracked as mined next round
            self._resolve_by_state(chain_tx_id)  # the nonce went to a transaction we never signed here
            return True
        if status == "signed":
            # recorded, then the process died before (or while) sending; or the node refused it (retried with pauses)
            return self._broadcast(chain_tx_id, raw_latest)
        stuck = last_sent is None or (now() - _aware(last_sent)).total_seconds() >= self.settings.stuck_after_s
        if stuck and time.monotonic() >= self._held_until.get(chain_tx_id, 0.0) and self._bump(chain_tx_id):
            return True
        if not self._known_to_node(hashes[-1]):
            return self._broadcast(chain_tx_id, raw_latest)  # the node restarted and lost its pool, or refused it
        return False

    # ------------------------------------------------------------------ until final

    def recheck(self) -> bool:
        """Settled transactions whose block is not final yet: reopened if their block left the canonical chain, made
        final once it is at or below the node's finalized block. True if any was reopened."""
        with self.sessions() as s:
            rows = s.execute(select(ChainTx.id, ChainTx.block_number, ChainTx.block_hash).where(
                ChainTx.status.in_(SETTLED), ChainTx.final.is_(False), ChainTx.kind.in_(self.TRACKED_KINDS),
                ChainTx.block_number.is_not(None))
                .order_by(ChainTx.block_number.desc())).all()
        if not rows:
            return False
        finalized = self._finalized_block()
        # A row is looked at until its block has been seen on the chain; after that, one read of the highest block
        # seen (the anchor) vouches for all of them while it is unchanged. A newer intact block would not vouch for
        # an older row: that row may have been written on a branch the chain has since left (confirmed before a
        # reorganisation whose first re-check met a backend that had not seen the new branch yet).
        canonical: dict[int, str | None] = {}
        if self._anchor is not None:
            number, anchor_hash = self._anchor
            header = self.client.rpc("eth_getBlockByNumber", [hex(number), False])
            canonical[number] = header["hash"] if header else None
            if canonical[number] != anchor_hash:
                self._intact, self._anchor = {}, None
        moved, unknown = [], set()
        for chain_tx_id, number, block_hash in rows:
            if self._intact.get(chain_tx_id) == block_hash:
                continue
            if number not in canonical:
                header = self.client.rpc("eth_getBlockByNumber", [hex(number), False])
                canonical[number] = header["hash"] if header else None
            if canonical[number] is None:  # a node behind the one that served the receipt: look again later
                unknown.add(chain_tx_id)
            elif canonical[number] != block_hash:
                moved.append(chain_tx_id)
            else:
                self._intact[chain_tx_id] = block_hash
                if self._anchor is None or number > self._anchor[0]:
                    self._anchor = (number, block_hash)
        for chain_tx_id in moved:
            self._reopen(chain_tx_id)
        final = [i for i, number, _ in rows
                 if i not in moved and i not in unknown and (finalized is None or number <= finalized)]
        if final:
            with transaction(self.sessions) as s:
                s.execute(update(ChainTx).where(ChainTx.id.in_(final), ChainTx.status.in_(SETTLED))
                          .values(final=True))
        for chain_tx_id in final:
            self._intact.pop(chain_tx_id, None)
        return bool(moved)

    def _finalized_block(self) -> int | None:
        """The node's finalized block number; None when transactions are final at confirmation (VB_FINALITY=depth,
        or a node without the `finalized` tag)."""
        if self.settings.finality == "depth":
            return None
        try:
            block = self.client.rpc("eth_getBlockByNumber", ["finalized", False])
        except ValueError as exc:  # the node's error: the tag is not supported, unless it is a rate limit
            if is_transient(exc):
                raise
            block = None
        if block is None and not self._no_finalized_tag_logged:
            log.warning("%s: the node has no finalized block; transactions are final at %d confirmations",
                        self.NAME, self.confirmations)
            self._no_finalized_tag_logged = True
        return int(block["number"], 16) if block else None

    def _reopen(self, chain_tx_id: int) -> None:
        """Its block left the canonical chain before it was final: followed again, its signed bytes sent again."""
        with transaction(self.sessions) as s:
            if self.lease is not None:
                self.lease.fence(s)
            row = s.get(ChainTx, chain_tx_id)
            was, block = row.status, row.block_number
            row.status, row.block_number, row.block_hash = "broadcast", None, None
            self._reopened(s, chain_tx_id, was)
            raw = row.attempts[-1].raw_tx
        log.warning("chain tx %d (%s in block %d) was reorganised out before it was final: following it again",
                    chain_tx_id, was, block)
        self._broadcast(chain_tx_id, raw, fresh=True)

    def _known_to_node(self, tx_hash: str) -> bool:
        try:
            self.web3.eth.get_transaction(tx_hash)
            return True
        except TransactionNotFound:
            return False

    def _bump(self, chain_tx_id: int) -> bool:
        """Replaces a stuck transaction: same nonce and data, fees up by fee_bump_percent (and at least the market),
        recorded before it is broadcast. Never above the fee ceiling: when the replacement would have to be (geth
        wants +10 % on both fees), nothing is signed, the transaction waits and is looked at again after
        stuck_after_s. True if a replacement was signed."""
        with self.sessions() as s:
            row = s.get(ChainTx, chain_tx_id)
            last = row.attempts[-1]
            centre_id, sender, nonce, last_raw = row.centre_id, row.sender, row.nonce, last.raw_tx
            old_max, old_tip = int(last.max_fee), int(last.priority_fee)
        factor = 1 + self.settings.fee_bump_percent / 100
        market_max, market_tip = self._fees()
        ceiling = self._ceiling()
        tip = max(math.ceil(old_tip * factor), market_tip)
        max_fee = min(max(math.ceil(old_max * factor), market_max, tip), ceiling)
        tip = min(tip, max_fee)
        least = 1 + REPLACEMENT_MIN_PERCENT / 100
        if max_fee < math.ceil(old_max * least) or tip < math.ceil(old_tip * least):
            if chain_tx_id not in self._held_until:
                log.warning("chain tx %d (%s nonce %d) stuck at the fee ceiling (%d wei per gas): not bumped further; "
                            "it waits for the base fee to fall", chain_tx_id, sender, nonce, ceiling)
            self._held_until[chain_tx_id] = time.monotonic() + self.settings.stuck_after_s
            return False
        self._held_until.pop(chain_tx_id, None)
        signer = self._signer_of(centre_id, sender)
        _check_ceiling(max_fee, tip, ceiling)
        fields = _decode_raw(last_raw)
        fields.update(maxFeePerGas=max_fee, maxPriorityFeePerGas=tip, nonce=nonce)
        signed = signer.sign_transaction(fields)
        tx_hash, raw = _hex(signed.hash), _hex(signed.raw_transaction)
        with transaction(self.sessions) as s:
            row = s.get(ChainTx, chain_tx_id)
            if self.lease is not None:
                self.lease.fence(s)
            row.attempts.append(TxAttempt(tx_hash=tx_hash, raw_tx=raw, max_fee=str(max_fee), priority_fee=str(tip)))
            self._replaced(s, chain_tx_id, tx_hash)
        log.info("chain tx %d stuck: replaced with %s (tip %d, max fee %d)", chain_tx_id, tx_hash, tip, max_fee)
        self._broadcast(chain_tx_id, raw, fresh=True)
        return True

    # ------------------------------------------------------------------ what the work says

    def _signer_of(self, centre_id: int, sender: str) -> LocalAccount:
        """The key that signed a recorded transaction, to sign its replacement."""
        raise NotImplementedError

    def _replaced(self, s: Session, chain_tx_id: int, tx_hash: str) -> None:
        """A replacement attempt was recorded (in `s`): rows that show the pending hash may follow it."""

    def _reopened(self, s: Session, chain_tx_id: int, was: str) -> None:
        """The transaction (`was` confirmed or failed) left the canonical chain (in `s`): rows it settled are in
        flight again."""

    def _finalise(self, chain_tx_id: int, receipt: dict) -> None:
        """Mined with enough confirmations on the canonical chain (receipt["status"] 1) or reverted (0)."""
        raise NotImplementedError

    def _resolve_by_state(self, chain_tx_id: int) -> None:
        """The nonce was used by a transaction we never signed: the contract's state says what became of the work."""
        raise NotImplementedError


def fees_now(web3, ceiling: int) -> tuple[int, int]:
    """(max fee, tip) per gas for a transaction signed now: 2 × the latest base fee + the node's suggested tip, both
    held under `ceiling` (wei per gas)."""
    base = web3.eth.get_block("latest").get("baseFeePerGas", 0) or 0
    try:
        tip = web3.eth.max_priority_fee
    except Exception:
        tip = 10**9
    max_fee = min(2 * base + tip, ceiling)
    return max_fee, min(tip, max_fee)


def _check_ceiling(max_fee: int, tip: int, ceiling: int) -> None:
    """The last guard before a signature: nothing is signed above the fee ceiling."""
    if max_fee > ceiling or tip > max_fee:
        raise ValueError(f"refusing to sign: max fee {max_fee} (tip {tip}) above the ceiling {ceiling} wei per gas")


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def _hex(value) -> str:
    if isinstance(value, str):
        return value if value.startswith("0x") else "0x" + value
    return "0x" + bytes(value).hex()


def _decode_raw(raw: str) -> dict:
    """The fields of a signed EIP-1559 transaction, to sign a replacement with the same nonce and data."""
    import rlp
    from eth_utils import to_checksum_address

    payload = bytes.fromhex(raw.removeprefix("0x"))
    assert payload[0] == 2, "only type-2 transactions are sent"
    chain_id, nonce, tip, max_fee, gas, to, value, data, access_list, *_sig = rlp.decode(payload[1:])
    as_int = lambda b: int.from_bytes(b, "big")  # noqa: E731
    return {"type": 2, "chainId": as_int(chain_id), "nonce": as_int(nonce), "maxPriorityFeePerGas": as_int(tip),
            "maxFeePerGas": as_int(max_fee), "gas": as_int(gas), "to": to_checksum_address("0x" + to.hex()), "value": as_int(value),
            "data": "0x" + data.hex(), "accessList": []}
