"""The attestation writer: turns the activity outbox into transactions, exactly once, whatever fails.

For each centre it batches queued attestations (max size, max wait, gas budget) or takes a revocation, signs with
the centre's key and hands the transaction to the lifecycle it is built on (backend/chain/lifecycle.py: recorded
before broadcast, followed to N confirmations, fees bumped, rebroadcast, a foreign use of its nonce resolved). What
an outcome means for the activities is decided here: confirmed, or, when a nonce was used by a transaction it does
not know or a batch reverted, asking the registry which activities are attested. The registry itself refuses an id
twice, so a repeated send can never mint twice; the bookkeeping makes sure every approved activity is sent until it
is attested.
"""

from __future__ import annotations

import logging
import math
import time
from datetime import timedelta

import requests

from eth_abi import encode as abi_encode
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, object_session, selectinload, sessionmaker
from web3.exceptions import ContractLogicError

from backend.chain.attestation_pages import PAGE_SLOTS, page_of, prove
from backend.chain.client import ChainClient
from backend.chain.lifecycle import TxLifecycle, _hex, now
from backend.chain.reads import SMART_WALLET_GAS
from backend.chain.restore import rebuild_chain_state
from backend.config import Settings
from backend.store.activities import reassign_serial
from backend.store.chain_marks import page_first_block
from backend.store.restore import link_reentered, open_unmatched
from backend.domain.sheets import SIGNATURE_VALID_S
from backend.store.db import transaction
from backend.store.models import Activity, ChainTx, KeyValue, OutboxItem, SignedBatch

log = logging.getLogger("backend.worker")
PER_ACTIVITY_GAS = 14_000  # a little above the measured 11,940 per activity in a batch of 100 (docs/gas.md)
BATCH_BASE_GAS = 80_000
SIGNATURE_CHECK_GAS = 40_000  # attestBatchBySig over attestBatch: the typed-data hash, the nonce, ecrecover, calldata


class ChainWriter(TxLifecycle):
    TRACKED_KINDS = ("attest", "revoke")
    NAME = "chain writer"

    def __init__(self, settings: Settings, sessions: sessionmaker[Session], client: ChainClient,
                 signers: dict[int, LocalAccount]):
        super().__init__(settings, sessions, client)
        self.signers = signers  # centre id → its key
        self._heartbeat = 0.0
        self._revoke_wait: dict[int, tuple[float, float]] = {}  # centre → (monotonic time to try again, pause)
        self.chain_state_rebuilt = False

    def step(self) -> bool:
        """One round: follow open transactions, then send what is queued. True if anything happened. The first
        round that holds the lease first rebuilds a restored database's chain state (backend/chain/restore.py):
        nothing is sent before (an error is raised, and the run loop tries again)."""
        if not self.chain_state_rebuilt and (self.lease is None or self.lease.hold()):
            rebuild_chain_state(self.sessions, self.client, sorted({s.address for s in self.signers.values()}))
            self.chain_state_rebuilt = True
        busy = super().step()
        if time.monotonic() - self._heartbeat >= 1.0:  # a write per second, not per round: rounds hold the write lock
            with transaction(self.sessions) as s:
                s.merge(KeyValue(key="worker.heartbeat", value=now().isoformat()))
            self._heartbeat = time.monotonic()
        return busy

    # ------------------------------------------------------------------ sending

    def dispatch_work(self) -> bool:
        """Each centre on its own: one centre's trouble (its revocation's logs, a provider's error) does not hold
        the others' attestations; the first error is raised after every centre had its turn (the run loop backs off)."""
        busy, error = False, None
        for centre_id in sorted(self.signers):
            try:
                busy |= self.dispatch(centre_id)
            except Exception as exc:
                log.warning("centre %d: %s", centre_id, exc)
                error = error or exc
        if error is not None and not busy:
            raise error
        return busy

    def dispatch(self, centre_id: int, flush: bool = False) -> bool:
        signer = self.signers[centre_id]
        if self._dispatch_signed(centre_id, signer):
            return True
        # A read (no write lock): the write transaction below checks the items are still queued.
        with self.sessions() as s:
            items = list(s.scalars(
                select(OutboxItem).where(OutboxItem.state == "queued", OutboxItem.centre_id == centre_id,
                                         OutboxItem.signed_batch_id.is_(None))
                .options(selectinload(OutboxItem.activity).selectinload(Activity.resident))
                .order_by(OutboxItem.id).limit(self.settings.batch_max_size)
            ))
            if not items:
                return False
            revokes = [i for i in items if i.kind == "revoke"]
            attests = [i for i in items if i.kind == "attest"]
            oldest = (attests or items)[0].created_at
            waited = (now() - oldest).total_seconds()
            if revokes and time.monotonic() >= self._revoke_wait.get(centre_id, (0.0, 0.0))[0]:
                work = ("revoke", [revokes[0]])
            elif not attests:
                return False
            elif len(attests) >= self.settings.batch_max_size or waited >= self.settings.batch_max_wait_s or flush:
                work = ("attest", attests)
            else:
                return False
            kind, chosen = work
            if kind == "attest" and self._link_reentered(centre_id, [i.id for i in chosen]):
                return True  # some were attested before a restore: plan again without them
            payload = [(i.id, i.activity_id, activity_tuple(i.activity) if kind == "attest" else None,
                        i.activity.chain_id_hex, i.reason_hash) for i in chosen]

        if kind == "attest":
            data, gas, payload = self._plan_batch(centre_id, signer, payload)
        else:
            try:
                data, gas = self._plan_revoke(centre_id, signer, payload[0])
            except Exception as exc:  # its page's logs unreadable for now: the centre's attestations go on meanwhile
                pause = min(60.0, 2 * self._revoke_wait.get(centre_id, (0.0, self.settings.poll_interval_s))[1])
                self._revoke_wait[centre_id] = (time.monotonic() + pause, pause)
                log.warning("centre %d: revocation of activity %d waits %.1f s: %s", centre_id, chosen[0].activity_id,
                            pause, exc)
                return bool(attests) and self.dispatch(centre_id, flush)  # skips the waiting revocation
            self._revoke_wait.pop(centre_id, None)
        if data is None:
            return True  # items were marked failed; try again next round
        self._send(centre_id, signer, kind, [p[0] for p in payload], data, gas)
        return True

    def _send(self, centre_id: int, signer: LocalAccount, kind: str, ids: list[int], data: str, gas: int) -> None:
        """Signs, records with the outbox items it carries (if they are all still queued), then broadcasts."""
        signed = self._sign(signer, self._next_nonce(signer.address), self.client.registry.address, data, gas,
                            self._fees())
        with transaction(self.sessions) as s:
            still = s.scalars(select(OutboxItem).where(OutboxItem.id.in_(ids), OutboxItem.state == "queued")
                              .options(selectinload(OutboxItem.activity))).all()
            if len(still) != len(ids):
                return  # something changed under us; plan again
            row = self._record(s, signed, kind, centre_id)
            for item in still:
                item.state, item.chain_tx_id = "in_tx", row.id
                if kind == "attest":
                    item.activity.status, item.activity.tx_hash = "submitted", signed["hash"]
            chain_tx_id = row.id
        # Recorded first: if we die now, track() finds it "signed" and broadcasts it (or finds it mined).
        self._broadcast(chain_tx_id, signed["raw"])
        log.info("sent %s of %d for centre %d: nonce %d, %s", kind, len(ids), centre_id, signed["nonce"],
                 signed["hash"])

    def _dispatch_signed(self, centre_id: int, signer: LocalAccount) -> bool:
        """Sends the oldest batch a coordinator's wallet signed (attestBatchBySig), whole: the signature covers
        exactly its activities in order. A signature that can no longer be used makes the batch stale — its items
        wait for a new signature (or the coordinator's release to the centre's key). True if anything happened."""
        self._release_unsigned(centre_id)
        with self.sessions() as s:
            batch_id = s.scalar(select(OutboxItem.signed_batch_id).where(
                OutboxItem.state == "queued", OutboxItem.centre_id == centre_id,
                OutboxItem.signed_batch_id.is_not(None)).order_by(OutboxItem.id).limit(1))
            if batch_id is None:
                return False
            batch = s.get(SignedBatch, batch_id)
            items = list(s.scalars(select(OutboxItem).where(OutboxItem.signed_batch_id == batch_id)
                                   .options(selectinload(OutboxItem.activity).selectinload(Activity.resident))
                                   .order_by(OutboxItem.id)))
            signed_items = [i for i in items if i.state in ("queued", "in_tx", "done")]
            queued = [i.id for i in signed_items if i.state == "queued"]
            coordinator, nonce, deadline = batch.coordinator, batch.nonce, batch.deadline
            activities = [activity_tuple(i.activity) for i in signed_items]
            signature = bytes.fromhex(batch.signature.removeprefix("0x"))
            partial = len(queued) != len(signed_items)
        if self._link_reentered(centre_id, queued):
            return True  # some were attested before a restore: next round finds the batch partial
        if partial:  # some were sent (or settled) apart from the others: the signature no longer fits
            return self._stale(batch_id, "some of its activities went on-chain without it")
        on_chain = self.client.registry.functions.nonces(coordinator).call()
        if nonce > on_chain:
            with self.sessions() as s:
                earlier = s.scalar(select(SignedBatch.id).where(
                    SignedBatch.coordinator == coordinator, SignedBatch.status == "signed",
                    SignedBatch.nonce >= on_chain, SignedBatch.nonce < nonce))
            if earlier is not None:
                return False  # an earlier signature of the same wallet goes first
            return self._stale(batch_id, f"its nonce {nonce} is ahead of the wallet's next ({on_chain})")
        if nonce < on_chain:
            return self._stale(batch_id, f"its nonce {nonce} was used by another signature of the wallet")
        data = self.client.registry.encode_abi("attestBatchBySig", args=[activities, coordinator, deadline, signature])
        try:
            gas = self.web3.eth.estimate_gas({"from": signer.address, "to": self.client.registry.address, "data": data})
        except ContractLogicError as exc:  # expired, a refused activity, …: the registry's own reason
            return self._stale(batch_id, self.client.explain(exc))
        except (requests.exceptions.RequestException, TimeoutError):
            raise  # the node unreachable, a rate limit: the run loop retries with backoff
        except Exception as exc:  # the node refusing the call itself (out of gas, …): not worth another try
            return self._stale(batch_id, str(exc)[:300])
        # What these activities cost sent by the centre's key itself, plus the gas a smart-contract wallet's signature
        # check may use and the signature's own checks: a wallet that burns more does not get the centre to pay it.
        try:
            plain = self.web3.eth.estimate_gas({"from": signer.address, "to": self.client.registry.address,
                                                "data": encode_attest_batch(activities)})
        except ContractLogicError as exc:
            return self._stale(batch_id, self.client.explain(exc))
        most = plain + SMART_WALLET_GAS + SIGNATURE_CHECK_GAS
        if gas > most:
            return self._stale(batch_id, f"it needs {gas} gas, more than {most} for these {len(activities)} "
                                         "activities and a signature")
        self._send(centre_id, signer, "attest", queued, data, min(math.ceil(gas * 1.2), most))
        return True

    def _release_unsigned(self, centre_id: int) -> None:
        """Sheets left waiting for a signature longer than a signature lives go out under the centre's key: approved
        activities must not hold the centre's cap for ever (the coordinator approved them; only the signature is
        missing)."""
        cutoff = now() - timedelta(seconds=SIGNATURE_VALID_S)
        with self.sessions() as s:
            old = list(s.scalars(select(SignedBatch.id).where(
                SignedBatch.centre_id == centre_id, SignedBatch.status.in_(("awaiting", "stale")),
                func.coalesce(SignedBatch.signed_at, SignedBatch.created_at) < cutoff)))
        if not old:
            return
        with transaction(self.sessions) as s:
            for batch in s.scalars(select(SignedBatch).where(SignedBatch.id.in_(old))):
                batch.status, batch.error = "released", "not signed within a day: sent with the centre's key"
            s.execute(update(OutboxItem).where(OutboxItem.signed_batch_id.in_(old),
                                               OutboxItem.state == "awaiting_signature")
                      .values(state="queued", signed_batch_id=None))
        log.warning("signed batches %s of centre %d were not signed within a day: released to the centre's key",
                    old, centre_id)

    def _stale(self, batch_id: int, why: str) -> bool:
        with transaction(self.sessions) as s:
            batch = s.get(SignedBatch, batch_id)
            batch.status, batch.error, sheet_id = "stale", why, batch.sheet_id
            for item in s.scalars(select(OutboxItem).where(OutboxItem.signed_batch_id == batch_id,
                                                           OutboxItem.state == "queued")):
                item.state = "awaiting_signature"
        log.warning("signed batch %d of sheet %d is stale: %s", batch_id, sheet_id, why)
        return True

    def _link_reentered(self, centre_id: int, item_ids: list[int]) -> bool:
        """Queued activities that are attestations found unmatched after a restore, entered again, take those
        attestations instead of being sent (store.restore.link_reentered). True if any did."""
        if not item_ids:
            return False
        with self.sessions() as s:  # a read of a (nearly always empty) table; the write only when there is work
            if not open_unmatched(s, centre_id):
                return False
        with transaction(self.sessions) as s:
            if self.lease is not None:
                self.lease.fence(s)  # a writer replaced while it paused links nothing the new holder is sending
            linked = link_reentered(s, item_ids)
        for activity_id in linked:
            log.warning("activity %d: entered again after a restore; linked to its attestation on-chain, not sent",
                        activity_id)
        return bool(linked)

    def _plan_batch(self, centre_id: int, signer: LocalAccount, payload: list) -> tuple:
        """Calldata and gas for the largest prefix of `payload` under the gas budget; items the registry would
        refuse on their own are marked failed with the registry's reason."""
        budget = self.settings.batch_gas_budget
        fit = max(1, min(len(payload), (budget - BATCH_BASE_GAS) // PER_ACTIVITY_GAS))
        payload = payload[:fit]
        while True:
            data = encode_attest_batch([p[2] for p in payload])
            try:
                gas = self.web3.eth.estimate_gas({"from": signer.address, "to": self.client.registry.address, "data": data})
            except ContractLogicError:  # some activity is refused (or already attested): find which, then plan again
                # Any other error (a 429, a timeout, the node away) is raised: nothing is decided on it, and the run
                # loop tries again after a pause.
                if self._isolate(payload, signer) or len(payload) == 1:
                    return None, 0, payload
                payload = payload[: len(payload) // 2]  # refused only together (e.g. the cap): send fewer
                continue
            if gas <= budget or len(payload) == 1:
                return data, math.ceil(gas * 1.2), payload
            payload = payload[: max(1, len(payload) * budget // gas)]

    def _isolate(self, payload: list, signer: LocalAccount) -> int:
        """Finds which activities the registry refuses: already attested ones are confirmed, others failed."""
        outcomes = {}
        for item_id, activity_id, act, chain_id_hex, _ in payload:
            state, found = self._attestation(bytes.fromhex(chain_id_hex[2:]))
            if state == "collision":  # its serial holds another id (the database was reset?): take a new serial
                outcomes[item_id] = ("reserial", None)
                continue
            if state == "attested":
                outcomes[item_id] = ("done", found)
                continue
            data = self.client.registry.encode_abi("attest", args=[act])
            try:
                self.web3.eth.estimate_gas({"from": signer.address, "to": self.client.registry.address, "data": data})
            except ContractLogicError as exc:  # the registry's refusal: the only reason to fail an activity
                outcomes[item_id] = ("failed", self.client.explain(exc))
        with transaction(self.sessions) as s:
            for item_id, (state, detail) in outcomes.items():
                item = s.get(OutboxItem, item_id)
                if item.state != "queued":
                    continue
                if state == "reserial":
                    reassign_serial(s, item.activity)
                elif state == "done":
                    _mark_attested(item, detail)
                    log.warning("activity %d: already on-chain", item.activity_id)
                else:
                    item.state, item.error = "failed", detail
                    item.activity.status, item.activity.failure = "failed", detail
                    log.warning("activity %d: refused by the registry: %s", item.activity_id, detail)
        return len(outcomes)

    def _plan_revoke(self, centre_id: int, signer: LocalAccount, entry: tuple) -> tuple:
        item_id, _, _, chain_id_hex, reason_hash = entry
        aid = bytes.fromhex(chain_id_hex[2:])
        centre, page, _ = page_of(aid)
        records = self._page_records(centre, page)
        record = next((r for r in records if r.id == aid), None)
        error = None
        if record is None:
            error = "its attestation is not in the registry's logs"
        else:
            proof = prove(records, aid)
            data = self.client.registry.encode_abi(
                "revoke", args=[record.as_tuple(), proof.acc_before, proof.later_leaves, bytes.fromhex(reason_hash[2:])])
            try:
                gas = self.web3.eth.estimate_gas({"from": signer.address, "to": self.client.registry.address, "data": data})
                return data, math.ceil(gas * 1.2)
            except ContractLogicError as exc:  # refused by the registry; anything else is raised, to be tried again
                error = self.client.explain(exc)
        with transaction(self.sessions) as s:
            item = s.get(OutboxItem, item_id)
            already = "ActivityRegistryAlreadyRevoked" in error
            item.state, item.error = ("done" if already else "failed"), error
            item.activity.status = "revoked" if already else "confirmed"
            item.activity.failure = None if already else f"revocation refused: {error}"
        return None, 0

    def _page_records(self, centre: int, page: int) -> list:
        """A page's records for a proof, read from the first block any of its activities known here was attested in
        (not from the deployment), proven complete by the page's accumulator in the registry (ChainClient.page_logs;
        read from the deployment block only when an earlier attestation is missing). Logs that do not add up raise
        LogsIncomplete: the revocation waits, the centre's attestations do not."""
        return [record for record, _ in self.client.page_logs(centre, page, self._page_start(centre, page))]

    def _page_start(self, centre: int, page: int, s: Session | None = None) -> int | None:
        if s is not None:
            return page_first_block(s, centre, page, PAGE_SLOTS)
        with self.sessions() as s:
            return page_first_block(s, centre, page, PAGE_SLOTS)

    def _attestation(self, aid: bytes, s: Session | None = None) -> tuple[str, dict | None]:
        """client.attestation, its page read from the first block this database knows it in."""
        centre, page, _ = page_of(aid)
        return self.client.attestation(aid, self._page_start(centre, page, s))

    # ------------------------------------------------------------------ outcomes

    def _replaced(self, s: Session, chain_tx_id: int, tx_hash: str) -> None:
        for item in s.scalars(select(OutboxItem).where(OutboxItem.chain_tx_id == chain_tx_id)):
            if item.kind == "attest":
                item.activity.tx_hash = tx_hash

    def _signer_of(self, centre_id: int, sender: str) -> LocalAccount:
        return self.signers[centre_id]

    def _reopened(self, s: Session, chain_tx_id: int, was: str) -> None:
        """A confirmed batch (or revocation) reorganised out: its activities are in a transaction again, the same
        one, with the same serials. (A reverted one's items were already queued again or settled otherwise.)"""
        if was != "confirmed":
            return
        for item in s.scalars(select(OutboxItem).where(OutboxItem.chain_tx_id == chain_tx_id, OutboxItem.state == "done")
                              .options(selectinload(OutboxItem.activity))):
            item.state = "in_tx"
            a = item.activity
            if item.kind == "attest" and a.status == "confirmed":
                a.status, a.block_number = "submitted", None
            elif item.kind == "revoke" and a.status == "revoked":
                a.status = "revoking"

    def _finalise(self, chain_tx_id: int, receipt) -> None:
        ok = receipt["status"] == 1
        with transaction(self.sessions) as s:
            row = s.get(ChainTx, chain_tx_id)
            row.status = "confirmed" if ok else "failed"
            row.tx_hash, row.block_number = _hex(receipt["transactionHash"]), receipt["blockNumber"]
            row.block_hash, row.gas_used = _hex(receipt["blockHash"]), receipt["gasUsed"]
            if ok:
                # Two statements for the whole batch (per-row ORM updates held the write lock ~100 times longer).
                in_tx = select(OutboxItem.activity_id).where(OutboxItem.chain_tx_id == chain_tx_id).scalar_subquery()
                s.execute(update(Activity).where(Activity.id.in_(in_tx)).values(
                    status="confirmed" if row.kind == "attest" else "revoked", tx_hash=row.tx_hash,
                    block_number=row.block_number, updated_at=now()))
                s.execute(update(OutboxItem).where(OutboxItem.chain_tx_id == chain_tx_id).values(state="done"))
            else:
                signed = set()
                for item in s.scalars(select(OutboxItem).where(OutboxItem.chain_tx_id == chain_tx_id)
                                      .options(selectinload(OutboxItem.activity))):
                    self._requeue(item)
                    if item.signed_batch_id is not None and item.state == "queued":
                        item.state = "awaiting_signature"
                        signed.add(item.signed_batch_id)
                # A signed sheet that reverted is not sent again with the same signature (it would revert again, at
                # the centre's cost): it waits for a new signature, or for the centre's key.
                for batch in s.scalars(select(SignedBatch).where(SignedBatch.id.in_(signed))):
                    batch.status, batch.error = "stale", f"its transaction reverted in block {receipt['blockNumber']}"
        if not ok:
            log.warning("chain tx %d reverted in block %d; its items were requeued", chain_tx_id, receipt["blockNumber"])

    def _resolve_by_state(self, chain_tx_id: int) -> None:
        """Our nonce was used by another transaction: the registry says what happened to each activity."""
        with transaction(self.sessions) as s:
            row = s.get(ChainTx, chain_tx_id)
            row.status = "dropped"
            for item in s.scalars(select(OutboxItem).where(OutboxItem.chain_tx_id == chain_tx_id)):
                self._requeue(item)
        log.warning("chain tx %d: nonce used elsewhere; its items were checked against the registry", chain_tx_id)

    def _requeue(self, item: OutboxItem) -> None:
        s = object_session(item)
        a = item.activity
        aid = bytes.fromhex(a.chain_id_hex[2:])
        state, found = self._attestation(aid, s) if item.kind == "attest" else ("", None)
        if state == "attested":
            _mark_attested(item, found)
        elif item.kind == "revoke" and self.client.is_revoked(aid):
            item.state, a.status = "done", "revoked"
        else:
            item.state, item.chain_tx_id = "queued", None
            if item.kind == "attest":
                a.status, a.tx_hash = "approved", None
                if state == "collision":
                    reassign_serial(s, a)


def _mark_attested(item: OutboxItem, found: dict) -> None:
    """The registry holds this activity: confirmed, with the transaction that attested it, whoever sent it."""
    item.state = "done"
    a = item.activity
    a.status, a.tx_hash, a.block_number = "confirmed", _hex(found["transactionHash"]), found["blockNumber"]


ATTEST_BATCH_SELECTOR = keccak(text="attestBatch((bytes32,address,uint16,uint32,uint40,bytes32)[])")[:4]


def activity_tuple(a: Activity) -> tuple:
    """An activity as the registry's `Activity` struct: (id, volunteer, category, units, time, evidenceHash)."""
    return (bytes.fromhex(a.chain_id_hex[2:]), a.resident.address, a.category, a.units, a.chain_time,
            bytes.fromhex(a.evidence_hash[2:]))


def encode_attest_batch(activities: list[tuple]) -> str:
    """Calldata of attestBatch(Activity[]) with eth_abi directly (web3.py's encode_abi took ~150 ms for 100)."""
    return "0x" + (ATTEST_BATCH_SELECTOR + abi_encode(["(bytes32,address,uint16,uint32,uint40,bytes32)[]"],
                                                      [activities])).hex()
