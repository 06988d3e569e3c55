"""The database's side of rebuilding the chain state after a restore (backend/chain/restore.py does the reading):
the `restoring` flag that holds approvals, the mark of what the chain was last checked up to, the registry's
attestations and revocations applied to the activities, and attestations no activity holds, kept until a re-entered
activity is linked to them."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from backend.store.activities import audit, gwei_ceil, snapshot
from backend.store.chain_marks import RESTORING
from backend.store.models import Activity, ChainTx, KeyValue, OutboxItem, UnmatchedAttestation, utcnow

RESTORE_MARK = "chain.restore_mark"  # {"block": the head checked up to, "nonces": {sender: its nonce there}}


def restoring_since(s: Session) -> str | None:
    row = s.get(KeyValue, RESTORING)
    return row.value if row is not None else None


def set_restoring(s: Session, why: str) -> None:
    s.merge(KeyValue(key=RESTORING, value=f"{utcnow().isoformat()} {why}"))


def clear_restoring(s: Session) -> None:
    row = s.get(KeyValue, RESTORING)
    if row is not None:
        s.delete(row)


@dataclass(frozen=True)
class RestoreMark:
    block: int
    nonces: dict[str, int]


def restore_mark(s: Session) -> RestoreMark | None:
    row = s.get(KeyValue, RESTORE_MARK)
    if row is None:
        return None
    value = json.loads(row.value)
    return RestoreMark(int(value["block"]), {k: int(v) for k, v in value["nonces"].items()})


def save_restore_mark(s: Session, mark: RestoreMark) -> None:
    s.merge(KeyValue(key=RESTORE_MARK, value=json.dumps({"block": mark.block, "nonces": dict(sorted(mark.nonces.items()))})))


def sent_anything(s: Session) -> bool:
    return s.scalar(select(ChainTx.id).limit(1)) is not None


def next_nonces(s: Session, senders: list[str]) -> dict[str, int]:
    """sender → the nonce after the highest this database signed with it (0: none)."""
    rows = dict(s.execute(select(ChainTx.sender, func.max(ChainTx.nonce)).where(ChainTx.sender.in_(senders))
                          .group_by(ChainTx.sender)).all())
    return {a: (rows[a] + 1 if a in rows else 0) for a in senders}


def highest_known_block(s: Session) -> int | None:
    """The newest block this database has recorded anything in: everything sent after it was saved is mined after."""
    mark = restore_mark(s)
    mined = s.scalar(select(func.max(ChainTx.block_number)))
    known = [b for b in (mined, mark.block if mark else None) if b is not None]
    return max(known) if known else None


def settled_serial_floor(s: Session, centre_id: int, block: int) -> int:
    """1 + the highest serial of the centre's activities attested at or before `block`: serials handed out later
    (those the database may have lost) are above it."""
    top = s.scalar(select(func.max(Activity.serial)).where(Activity.centre_id == centre_id,
                                                           Activity.block_number <= block))
    return 0 if top is None else top + 1


def serials_held(s: Session, centre_id: int, at_least: int) -> set[int]:
    return set(s.scalars(select(Activity.serial).where(Activity.centre_id == centre_id, Activity.serial >= at_least)))


@dataclass(frozen=True)
class Attested:
    """An ActivityAttested event: the record as the registry committed it, and where."""

    chain_id_hex: str
    centre_id: int
    serial: int
    volunteer: str
    category: int
    units: int
    chain_time: int
    evidence_hash: str
    amount: int
    tx_hash: str
    block_number: int


def apply_attested(s: Session, events: list[Attested]) -> dict[str, int]:
    """Each attestation confirms the activity holding its id (its outbox item done, never sent again) or is kept as
    unmatched. Answers counts: confirmed, unmatched (new ones)."""
    counts = {"confirmed": 0, "unmatched": 0}
    by_id = {a.chain_id_hex: a for a in s.scalars(
        select(Activity).where(Activity.chain_id_hex.in_([e.chain_id_hex for e in events])))} if events else {}
    for e in events:
        a = by_id.get(e.chain_id_hex)
        if a is None:
            if s.get(UnmatchedAttestation, e.chain_id_hex) is None:
                s.add(UnmatchedAttestation(
                    chain_id_hex=e.chain_id_hex, centre_id=e.centre_id, serial=e.serial, volunteer=e.volunteer,
                    category=e.category, units=e.units, chain_time=e.chain_time, evidence_hash=e.evidence_hash,
                    amount=str(e.amount), tx_hash=e.tx_hash, block_number=e.block_number, revoked=False))
                counts["unmatched"] += 1
            continue
        s.execute(update(OutboxItem).where(OutboxItem.activity_id == a.id, OutboxItem.kind == "attest",
                                           OutboxItem.state.in_(("queued", "in_tx", "awaiting_signature")))
                  .values(state="done"))
        if a.status in ("approved", "submitted", "failed"):
            before = snapshot(a)
            a.status, a.failure = "confirmed", None
            a.tx_hash, a.block_number = e.tx_hash, e.block_number
            audit(s, a, "chain writer", "confirmed from the chain's events", before,
                  "attested on-chain while the database did not know it (restored from a backup)")
            counts["confirmed"] += 1
    return counts


def apply_revoked(s: Session, chain_ids: list[str]) -> int:
    """Each revocation marks the activity (or the unmatched attestation) holding its id revoked."""
    done = 0
    for chain_id in chain_ids:
        a = s.scalar(select(Activity).where(Activity.chain_id_hex == chain_id))
        if a is not None:
            s.execute(update(OutboxItem).where(OutboxItem.activity_id == a.id, OutboxItem.kind == "revoke",
                                               OutboxItem.state.in_(("queued", "in_tx"))).values(state="done"))
            if a.status != "revoked":
                before = snapshot(a)
                a.status = "revoked"
                audit(s, a, "chain writer", "revoked from the chain's events", before,
                      "revoked on-chain while the database did not know it (restored from a backup)")
                done += 1
        orphan = s.get(UnmatchedAttestation, chain_id)
        if orphan is not None and not orphan.revoked:
            orphan.revoked = True
            done += 1
    return done


def open_unmatched(s: Session, centre_id: int | None = None) -> int:
    q = select(func.count()).select_from(UnmatchedAttestation).where(UnmatchedAttestation.activity_id.is_(None))
    if centre_id is not None:
        q = q.where(UnmatchedAttestation.centre_id == centre_id)
    return s.scalar(q)


def link_reentered(s: Session, item_ids: list[int]) -> list[int]:
    """Queued attestations that are an unmatched attestation entered again — the same centre, wallet, category,
    units and day, all the chain shows — take that attestation instead of being sent: the activity is confirmed with
    its id, serial, evidence hash, amount and transaction. The salt that made that id was lost with the restore, so
    the activity cannot prove its record (no certificate line) and keeps no salt. Answers the activities linked."""
    linked = []
    items = s.scalars(select(OutboxItem).where(OutboxItem.id.in_(item_ids), OutboxItem.state == "queued",
                                               OutboxItem.kind == "attest")
                      .options(selectinload(OutboxItem.activity).selectinload(Activity.resident))
                      .order_by(OutboxItem.id).with_for_update()).all()
    for item in items:
        a = item.activity
        orphan = s.scalar(select(UnmatchedAttestation).where(
            UnmatchedAttestation.activity_id.is_(None), UnmatchedAttestation.centre_id == a.centre_id,
            UnmatchedAttestation.volunteer == a.resident.address, UnmatchedAttestation.category == a.category,
            UnmatchedAttestation.units == a.units, UnmatchedAttestation.chain_time == a.chain_time)
            .order_by(UnmatchedAttestation.serial).limit(1).with_for_update())
        if orphan is None:
            continue
        before = snapshot(a)
        orphan.activity_id = a.id
        a.serial, a.salt, a.chain_id_hex, a.evidence_hash = orphan.serial, None, orphan.chain_id_hex, orphan.evidence_hash
        a.reward, a.reward_gwei_ceil = orphan.amount, gwei_ceil(int(orphan.amount))
        a.tx_hash, a.block_number, a.failure = orphan.tx_hash, orphan.block_number, None
        a.status = "revoked" if orphan.revoked else "confirmed"
        item.state = "done"
        audit(s, a, "chain writer", "linked to its attestation on-chain", before,
              f"entered again after a restore: attested before as {orphan.chain_id_hex} in {orphan.tx_hash}")
        linked.append(a.id)
    return linked


def unmatched_listing(s: Session) -> list[dict]:
    rows = s.scalars(select(UnmatchedAttestation).order_by(UnmatchedAttestation.centre_id,
                                                           UnmatchedAttestation.serial))
    return [{"chain_id": r.chain_id_hex, "centre_id": r.centre_id, "serial": r.serial, "volunteer": r.volunteer,
             "category": r.category, "units": r.units, "day": r.chain_time, "amount": r.amount, "tx_hash": r.tx_hash,
             "block": r.block_number, "revoked": r.revoked, "activity_id": r.activity_id} for r in rows]
