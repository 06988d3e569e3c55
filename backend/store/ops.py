"""Queries on chain operations that the checks of new requests need: what is still in flight for a subject, how many
requests a resident made lately, how much gas a centre's residents used today."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.chain.attestation_pages import centre_of
from backend.store.models import Activity, Centre, ChainEvent, ChainOp, Resident

LIVE = ("queued", "in_tx")


def live_ops(s: Session, subject: str) -> list[ChainOp]:
    return list(s.scalars(select(ChainOp).where(ChainOp.subject == subject, ChainOp.state.in_(LIVE))))


def pending_out(s: Session, subject: str) -> int:
    """Coins leaving `subject` by operations not mined yet (counted off the chain's balance in the checks)."""
    return sum(int(op.amount or 0) for op in live_ops(s, subject))


def pending_relays(s: Session, subject: str) -> int:
    """The subject's relayed requests not mined yet: each will use one EIP-712 nonce."""
    return s.scalar(select(func.count()).select_from(ChainOp).where(
        ChainOp.subject == subject, ChainOp.state.in_(LIVE), ChainOp.signed_nonce.is_not(None))) or 0


def pending_redemptions(s: Session, offer_id: int) -> int:
    return s.scalar(select(func.count()).select_from(ChainOp).where(
        ChainOp.kind == "redeem", ChainOp.offer_id == offer_id, ChainOp.state.in_(LIVE))) or 0


def recent_requests(s: Session, subject: str, window_s: int) -> tuple[int, datetime | None]:
    """(requests of the resident accepted within the window, the oldest of them)."""
    since = datetime.now(UTC) - timedelta(seconds=window_s)
    q = select(func.count(), func.min(ChainOp.created_at)).where(
        ChainOp.subject == subject, ChainOp.signer_role == "relayer", ChainOp.created_at >= since)
    count, oldest = s.execute(q).one()
    return count or 0, oldest


def gas_used_today(s: Session, centre_id: int) -> int:
    """Gas of the relays charged to the centre since 00:00 UTC: reserved while in flight, used once mined."""
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return s.scalar(select(func.coalesce(func.sum(ChainOp.gas), 0)).where(
        ChainOp.centre_id == centre_id, ChainOp.signer_role == "relayer", ChainOp.created_at >= midnight)) or 0


def resident_centre(s: Session, address: str) -> int | None:
    """The centre a resident is registered with for the relayer's gas budget: the centre of their latest activity
    in this backend, else the centre that attested their latest activity on-chain (from the indexer)."""
    centre = s.scalar(select(Activity.centre_id).join(Resident, Activity.resident_id == Resident.id)
                      .where(Resident.address == address, Activity.status.not_in(("rejected",)))
                      .order_by(Activity.id.desc()).limit(1))
    if centre is not None:
        return centre
    event = s.scalar(select(ChainEvent).where(ChainEvent.event == "ActivityAttested", ChainEvent.address1 == address)
                     .order_by(ChainEvent.id.desc()).limit(1))
    if event is None:
        return None
    return centre_of(event.args["id"]) if isinstance(event.args["id"], str) else None


def signature_seen(s: Session, signature_hash: str) -> bool:
    return s.scalar(select(ChainOp.id).where(ChainOp.signature_hash == signature_hash)) is not None


def lock_centre(s: Session, centre_id: int) -> None:
    """Locks the centre's row until the transaction ends (PostgreSQL; SQLite's write lock covers it)."""
    s.execute(select(Centre.id).where(Centre.id == centre_id).with_for_update())


def queue(s: Session, *, kind: str, signer_role: str, requested_by: str, subject: str | None, to: str, data: str,
          params: dict, **extra) -> ChainOp:
    """A chain operation for the worker's sender to sign and send (inside the caller's transaction)."""
    op = ChainOp(kind=kind, signer_role=signer_role, requested_by=requested_by, subject=subject, to=to, data=data,
                 params=params, state="queued", **extra)
    s.add(op)
    s.flush()
    return op


def live_fulfilment(s: Session, voucher_id: int) -> int | None:
    """The operation marking the voucher used, if one is queued or in a transaction."""
    return s.scalar(select(ChainOp.id).where(ChainOp.kind == "fulfill", ChainOp.voucher_id == str(voucher_id),
                                             ChainOp.state.in_(LIVE)))


def op_view(op: ChainOp) -> dict:
    return {"id": op.id, "kind": op.kind, "state": op.state, "requested_by": op.requested_by, "subject": op.subject,
            "params": op.params, "tx_hash": op.tx_hash, "block_number": op.block_number, "result": op.result,
            "error": op.error, "created_at": op.created_at}
