"""Queries on chain operations that the checks of new requests need: what is still in flight for a subject, how many
requests a resident made lately, how much the relay's gas cost today for a resident, a centre and all centres."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.chain.attestation_pages import centre_of
from backend.store.models import Activity, ChainEvent, ChainOp, KeyValue, Resident

LIVE = ("queued", "in_tx")
BUDGET_LOCK = "relay.budgets"  # the kv row whose lock serialises the relay budgets' checks (migration 0016)
# An activity a coordinator vouched for: approved by staff (and not revoked), or recorded by a coordinator and waiting
# for approval. Not a self-report waiting for review, nor what a community match's confirmation recorded until a
# coordinator approves it.
APPROVED = ("approved", "submitted", "confirmed")


def live_ops(s: Session, subject: str) -> list[ChainOp]:
    return list(s.scalars(select(ChainOp).where(ChainOp.subject == subject, ChainOp.state.in_(LIVE))))


def pending_out(s: Session, subject: str) -> int:
    """Coins leaving `subject` by operations not mined yet (counted off the chain's balance in the checks)."""
    return sum(int(op.amount or 0) for op in live_ops(s, subject))


def pending_in(s: Session, payee: str) -> int:
    """Coins on their way to `payee` by relayed payments not mined yet."""
    live = s.scalars(select(ChainOp).where(ChainOp.kind == "pay", ChainOp.state.in_(LIVE)))
    return sum(int(op.amount or 0) for op in live if (op.params or {}).get("payee") == payee)


def spent_since(s: Session, subject: str, since: datetime) -> int:
    """Coins the subject's relayed requests accepted since `since` spend: in flight or mined (a failed one spent
    nothing)."""
    q = select(ChainOp.amount).where(ChainOp.subject == subject, ChainOp.signer_role == "relayer",
                                     ChainOp.created_at >= since, ChainOp.state != "failed")
    return sum(int(a or 0) for a in s.scalars(q))


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


def fees_today(s: Session, *, subject: str | None = None, centre_id: int | None = None) -> int:
    """Wei of gas fees of the relays accepted since 00:00 UTC — of one resident, of one centre's residents, or of
    all: estimated while in flight, what the receipt paid once mined, 0 for what was never sent."""
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    q = select(func.coalesce(func.sum(ChainOp.fee_wei), 0)).where(ChainOp.signer_role == "relayer",
                                                                  ChainOp.created_at >= midnight)
    if subject is not None:
        q = q.where(ChainOp.subject == subject)
    if centre_id is not None:
        q = q.where(ChainOp.centre_id == centre_id)
    return int(s.scalar(q) or 0)


def resident_centre(s: Session, address: str) -> int | None:
    """The centre paying a resident's relayed requests: the centre of their latest activity a coordinator vouched for
    in this backend (APPROVED, or recorded by a coordinator), else the centre that attested their latest activity
    on-chain (from the indexer; only a coordinator's key attests). None for a wallet with neither — one that only
    self-reported, only had a community match confirmed, or only received coins."""
    vouched = Activity.status.in_(APPROVED) | ((Activity.source == "coordinator") & (Activity.status == "recorded"))
    centre = s.scalar(select(Activity.centre_id).join(Resident, Activity.resident_id == Resident.id)
                      .where(Resident.address == address, vouched)
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


def lock_relay_budgets(s: Session) -> None:
    """Locks the budgets' row until the transaction ends, so concurrent requests — in any API process — see each
    other's reserved fees (PostgreSQL; SQLite's write lock covers it)."""
    if s.scalar(select(KeyValue.key).where(KeyValue.key == BUDGET_LOCK).with_for_update()) is None:
        s.add(KeyValue(key=BUDGET_LOCK, value="lock row of the relay budgets"))  # a database not made by migrate()
        s.flush()


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
