"""A sheet signed with its coordinator's own wallet: the registry's attestBatchBySig, where the contract checks the
coordinator's EIP-712 signature over the sheet's activities, so the chain records that coordinator — a person
holding the centre's coordinator role — as the attester, while the centre's key only pays the gas.

The sheet is approved as any other (the activities are recorded, approved, serials fixed, the cap reserved), but
its outbox items wait ("awaiting_signature") until the coordinator's wallet signs the typed data of exactly those
activities; the chain writer then sends them whole (backend/chain/writer.py). A signature that can no longer be
used (expired, its nonce used elsewhere, an activity refused) turns the batch stale: the console asks for a new
signature, or the coordinator lets the centre's key send the activities instead (release)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from backend.chain import reads
from backend.chain.attestation_pages import attest_batch_typed_data
from backend.chain.client import ChainClient
from backend.chain.writer import activity_tuple
from backend.domain import relay
from backend.domain.activities import parse_address
from backend.domain.errors import Refusal
from backend.domain.sheets import SIGNATURE_VALID_S
from backend.store import sheets as store
from backend.store.db import write_transaction
from backend.store.models import OutboxItem, SignedBatch

# A signature must leave the writer at least this long to send it.
DEADLINE_MARGIN_S = 60


def is_chain_coordinator(chain: ChainClient, centre_id: int, address: str) -> bool:
    role = chain.registry.functions.coordinatorRole(centre_id).call()
    return chain.registry.functions.hasRole(role, address).call()


def check_signer(chain: ChainClient, centre_id: int, address: str) -> str:
    """The checksummed wallet, refused unless it holds the centre's coordinator role on-chain."""
    who = parse_address(address, "sign_with")
    if not is_chain_coordinator(chain, centre_id, who):
        raise Refusal(422, "not_chain_coordinator", address=who, centre_id=centre_id)
    return who


def start(db: Session, sheet_id: int, centre_id: int, coordinator: str, activity_ids: list[int]) -> None:
    """In the approval's transaction: the approved activities' outbox items wait for the coordinator's signature."""
    batch = SignedBatch(sheet_id=sheet_id, centre_id=centre_id, coordinator=coordinator, status="awaiting")
    db.add(batch)
    db.flush()
    for item in store.outbox_items_of(db, activity_ids, "attest"):
        item.state, item.signed_batch_id = "awaiting_signature", batch.id


def next_nonce(db: Session, chain: ChainClient, batch: SignedBatch, on_chain: int | None = None) -> int:
    """The nonce a new signature of `batch` takes: the coordinator's next on-chain nonce (`on_chain`, read here if
    not given), after those of their other signed batches still on their way (each signature uses one, in order)."""
    if on_chain is None:
        on_chain = chain.registry.functions.nonces(batch.coordinator).call()
    ahead = store.signed_nonces_from(db, batch.coordinator, on_chain, batch.id)
    return max([on_chain, *(n + 1 for n in ahead)])


def typed_data(chain: ChainClient, batch: SignedBatch, items: list[OutboxItem], nonce: int, deadline: int) -> dict:
    data = attest_batch_typed_data(chain.chain_id, chain.registry.address, batch.centre_id,
                                   [activity_tuple(i.activity) for i in items], nonce, deadline)
    data["message"]["itemsHash"] = "0x" + data["message"]["itemsHash"].hex()
    return data


def request(db: Session, chain: ChainClient, batch: SignedBatch) -> dict:
    """What the coordinator's wallet signs now (eth_signTypedData_v4), integers as decimal strings."""
    items = store.waiting_for_signature(db, batch.id)
    if batch.status not in ("awaiting", "stale") or not items:
        raise Refusal(409, "sheet_not_for_signing", sheet_id=batch.sheet_id)
    deadline = reads.chain_time(chain) + SIGNATURE_VALID_S
    data = typed_data(chain, batch, items, next_nonce(db, chain, batch), deadline)
    return {"coordinator": batch.coordinator, "activities": len(items), "typed_data": relay.for_wallet(data)}


def accept(db: Session, chain: ChainClient, batch_id: int, nonce: int, deadline: int, signature: str) -> None:
    """Checks the coordinator's signature over the waiting activities and queues them for the chain writer, which
    sends them whole. The same signature again changes nothing."""
    with write_transaction(db):
        batch = db.get(SignedBatch, batch_id, with_for_update=True)
        if batch.status == "signed":
            if batch.signature == signature:
                return
            raise Refusal(409, "sheet_already_signed", sheet_id=batch.sheet_id)
        items = store.waiting_for_signature(db, batch.id)
        if batch.status not in ("awaiting", "stale") or not items:
            raise Refusal(409, "sheet_not_for_signing", sheet_id=batch.sheet_id)
        now = reads.chain_time(chain)
        earliest, latest = now + DEADLINE_MARGIN_S, now + SIGNATURE_VALID_S + 600
        if not earliest <= deadline <= latest:
            raise Refusal(422, "sheet_deadline_out_of_range", earliest=earliest, latest=latest)
        on_chain = chain.registry.functions.nonces(batch.coordinator).call()
        if nonce < on_chain:
            raise Refusal(409, "nonce_used", nonce=nonce, next=on_chain)
        expected = next_nonce(db, chain, batch, on_chain)
        if nonce > expected:
            raise Refusal(409, "nonce_used", nonce=nonce, next=expected)
        data = typed_data(chain, batch, items, nonce, deadline)
        # A smart-contract wallet (EIP-1271) signs in its own form: it is asked, as the registry will ask it.
        wallet = batch.coordinator if reads.has_code(chain, batch.coordinator) else None
        signer = relay.signer_of(data, signature, smart_wallet=wallet)
        if signer != batch.coordinator and not (
                wallet and reads.is_valid_signature(chain, wallet, relay.digest_of(data),
                                                    bytes.fromhex(signature.removeprefix("0x")))):
            raise Refusal(403, "sheet_signed_by_other", signer=signer or "another key", address=batch.coordinator)
        batch.status, batch.nonce, batch.deadline, batch.signature = "signed", nonce, deadline, signature
        batch.error, batch.signed_at = None, datetime.now(UTC)
        for item in items:
            item.state = "queued"


def release(db: Session, batch_id: int) -> None:
    """The coordinator lets the centre's key send the waiting activities (attestBatch), as any approved sheet."""
    with write_transaction(db):
        batch = db.get(SignedBatch, batch_id, with_for_update=True)
        items = store.waiting_for_signature(db, batch.id)
        if batch.status not in ("awaiting", "stale") or not items:
            raise Refusal(409, "sheet_not_for_signing", sheet_id=batch.sheet_id)
        batch.status = "released"
        for item in items:
            item.state, item.signed_batch_id = "queued", None


def view(db: Session, batch: SignedBatch | None) -> dict | None:
    if batch is None:
        return None
    return {"coordinator": batch.coordinator, "status": batch.status, "nonce": batch.nonce,
            "deadline": batch.deadline, "signed_at": batch.signed_at, "error": batch.error,
            "waiting": len(store.waiting_for_signature(db, batch.id))}
