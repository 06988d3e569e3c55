"""Repository of the activity workflow: each function is one step, inside the caller's database transaction, with
the audit row written beside the change. Chain facts the rules need (the rule, the centre's remaining cap) are
passed in by the caller, so this layer does no network I/O."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from eth_utils import keccak
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from backend.domain.activities import (
    EDITABLE,
    ON_CHAIN_PENDING,
    DomainError,
    canonical_record,
    chain_activity_id,
    check_cap,
    check_transition,
    not_found,
)
from backend.store.models import Activity, ActivityAudit, Centre, OutboxItem, Resident

AUDITED_FIELDS = ("category", "units", "occurred_at", "place", "description", "status", "reward", "review_reason")


def snapshot(a: Activity) -> dict:
    out = {}
    for field in AUDITED_FIELDS:
        value = getattr(a, field)
        out[field] = value.isoformat() if isinstance(value, datetime) else value
    return out


def audit(s: Session, a: Activity, actor: str, action: str, before: dict | None, reason: str | None = None) -> None:
    s.add(ActivityAudit(activity_id=a.id, actor=actor, action=action, before=before, after=snapshot(a), reason=reason))


def resident_for(s: Session, address: str, **details) -> Resident:
    resident = s.scalar(select(Resident).where(Resident.address == address))
    if resident is None:
        resident = Resident(address=address, **{k: v for k, v in details.items() if v is not None})
        s.add(resident)
        s.flush()
    return resident


def load_for_update(s: Session, activity_id: int) -> Activity:
    """The activity, locked until the transaction ends (PostgreSQL; SQLite's writer lock covers it)."""
    a = s.scalar(select(Activity).where(Activity.id == activity_id).with_for_update())
    if a is None:
        raise not_found(f"activity {activity_id}")
    return a


def record(s: Session, actor: str, centre_id: int, resident: Resident, category: int, units: int,
           occurred_at: datetime, place: str | None, description: str | None, source: str) -> Activity:
    return record_many(s, actor, centre_id, [(resident, category, units, occurred_at, place, description)],
                       source=source, sheet=False)[0]


def correct(s: Session, a: Activity, actor: str, changes: dict, reason: str) -> Activity:
    if a.status not in EDITABLE:
        raise DomainError(409, "not_editable",
                          f"an activity that is {a.status} cannot be corrected; once on-chain only revocation remains")
    if "occurred_at" in changes and changes["occurred_at"].astimezone(UTC) > datetime.now(UTC):
        raise DomainError(422, "in_future", "occurred_at is in the future")
    before = snapshot(a)
    for field, value in changes.items():
        setattr(a, field, value)
    audit(s, a, actor, "corrected", before, reason)
    return a


def pending_rewards(s: Session, centre_id: int, after_block: int | None = None) -> int:
    """Coins of the centre's activities that the remaining cap read at `after_block` does not count yet: those
    approved and not yet mined, and those mined after that block. Rounded up to the gwei per activity: an upper
    bound, so the check errs on the safe side by under a gwei each."""
    not_counted = Activity.status.in_(ON_CHAIN_PENDING)
    if after_block is not None:
        not_counted = or_(not_counted, and_(Activity.status.in_(("confirmed", "revoking")),
                                            Activity.block_number > after_block))
    total = s.scalar(select(func.coalesce(func.sum(Activity.reward_gwei_ceil), 0)).where(
        Activity.centre_id == centre_id, not_counted))
    return int(total) * 10**9


def next_serial(s: Session, centre_id: int) -> int:
    return s.execute(update(Centre).where(Centre.id == centre_id).values(next_serial=Centre.next_serial + 1)
                     .returning(Centre.next_serial)).scalar_one() - 1


def _assign_chain_id(s: Session, a: Activity, salt: bytes, serial: int | None = None) -> None:
    occurred = a.occurred_at if a.occurred_at.tzinfo else a.occurred_at.replace(tzinfo=UTC)
    rec = canonical_record(a.resident.address, a.category, a.units, occurred, a.place, a.description)
    a.serial = next_serial(s, a.centre_id) if serial is None else serial
    chain_id, evidence = chain_activity_id(a.centre_id, a.serial, salt, rec)
    a.salt, a.chain_id_hex, a.evidence_hash = "0x" + salt.hex(), "0x" + chain_id.hex(), "0x" + evidence.hex()
    a.chain_time = int(occurred.timestamp())


def reassign_serial(s: Session, a: Activity) -> None:
    """Gives a not-yet-attested activity a new serial, when its serial turned out to be taken on-chain."""
    before = snapshot(a)
    _assign_chain_id(s, a, bytes.fromhex(a.salt[2:]))
    audit(s, a, "chain writer", "serial reassigned", before, "the serial was already used on-chain")


def approve(s: Session, a: Activity, actor: str, reward: int, remaining_cap: int,
            cap_block: int | None = None) -> Activity:
    """`remaining_cap` is the registry's remainingCap(centre) read at block `cap_block` (None: at the newest)."""
    check_transition(a.status, "approved")
    check_cap(a.centre_id, reward, remaining_cap, pending_rewards(s, a.centre_id, cap_block))
    _approve_checked(s, a, actor, reward, next_serial(s, a.centre_id))
    return a


def _approve_checked(s: Session, a: Activity, actor: str, reward: int, serial: int) -> None:
    """Approval once the transition and the cap are checked: fixes the reward, the serial, salt and on-chain id,
    and queues the attestation in the outbox."""
    before = snapshot(a)
    # One serial per activity, for ever: the registry refuses a serial twice, which is what makes a resend harmless.
    _assign_chain_id(s, a, secrets.token_bytes(32), serial)
    a.reward, a.reward_gwei_ceil = str(reward), -(-reward // 10**9)
    a.status, a.reviewed_by, a.failure = "approved", actor, None
    s.add(OutboxItem(kind="attest", activity_id=a.id, centre_id=a.centre_id, state="queued"))
    audit(s, a, actor, "approved", before)


def reject(s: Session, a: Activity, actor: str, reason: str) -> Activity:
    check_transition(a.status, "rejected")
    before = snapshot(a)
    a.status, a.reviewed_by, a.review_reason = "rejected", actor, reason
    audit(s, a, actor, "rejected", before, reason)
    return a


def request_revocation(s: Session, a: Activity, actor: str, reason: str) -> Activity:
    if a.status in ("revoking", "revoked"):
        raise DomainError(409, "already_revoked", f"activity {a.id} is already {a.status}")
    if a.status != "confirmed":
        raise DomainError(409, "not_on_chain",
                          f"activity {a.id} is {a.status}; only a confirmed activity is revoked (reject or correct it instead)")
    before = snapshot(a)
    # The reason stays here; the chain gets a salted hash of it.
    reason_hash = keccak(b"vb:reason:" + bytes.fromhex((a.salt or "0x")[2:]) + reason.encode())
    a.status, a.review_reason = "revoking", reason
    s.add(OutboxItem(kind="revoke", activity_id=a.id, centre_id=a.centre_id, state="queued",
                     reason_hash="0x" + reason_hash.hex()))
    audit(s, a, actor, "revocation requested", before, reason)
    return a


def erase_salt(s: Session, a: Activity, actor: str, reason: str) -> Activity:
    """Drops the salt: the on-chain id and evidence hash can no longer be linked to this record (what erasure means
    when the chain cannot forget). Only once the chain writer is done with the activity."""
    if a.status not in ("confirmed", "revoked", "rejected", "failed"):
        raise DomainError(409, "in_flight", f"activity {a.id} is {a.status}; erase its link once the chain has settled it")
    if a.status == "confirmed" and a.salt is None:
        raise DomainError(409, "already_erased", f"the link of activity {a.id} is already erased")
    before = snapshot(a)
    a.salt = None
    audit(s, a, actor, "link to the chain erased", before, reason)
    return a


def residents_for(s: Session, addresses: list[str]) -> dict[str, Resident]:
    """address → resident for many addresses at once, registering the ones not seen before."""
    wanted = set(addresses)
    found = {r.address: r for r in s.scalars(select(Resident).where(Resident.address.in_(wanted)))}
    new = [Resident(address=a) for a in sorted(wanted - found.keys())]
    if new:
        s.add_all(new)
        s.flush()
        found.update({r.address: r for r in new})
    return found


def record_many(s: Session, actor: str, centre_id: int, lines: list[tuple], source: str = "coordinator",
                sheet: bool = True) -> list[Activity]:
    """Records activities of one centre in bulk (one flush). `lines`: (resident, category, units, occurred_at,
    place, description). A self-report waits for review. On a sheet, a refusal names the line."""
    if s.get(Centre, centre_id) is None:
        raise DomainError(422, "unknown_centre", f"centre {centre_id} is not known to this backend")
    now = datetime.now(UTC)
    for i, line in enumerate(lines):
        if line[3].astimezone(UTC) > now:
            where = f"activities[{i}]: " if sheet else ""
            raise DomainError(422, "in_future", f"{where}occurred_at is in the future; record an activity after it happened")
    status = "pending_review" if source == "self_report" else "recorded"
    activities = [Activity(centre_id=centre_id, resident=r, resident_id=r.id, category=c, units=u, occurred_at=t, place=p,
                           description=d, source=source, recorded_by=actor, status=status)
                  for r, c, u, t, p, d in lines]
    s.add_all(activities)
    s.flush()
    s.add_all([ActivityAudit(activity_id=a.id, actor=actor, action="recorded", before=None, after=snapshot(a))
               for a in activities])
    return activities


def approve_many(s: Session, activities: list[Activity], rewards: list[int], actor: str, remaining_cap: int,
                 cap_block: int | None) -> None:
    """Approves activities of one centre together: one cap check for their sum, one range of serials, then each
    as `approve` does."""
    if not activities:
        return
    centre_id = activities[0].centre_id
    check_cap(centre_id, sum(rewards), remaining_cap, pending_rewards(s, centre_id, cap_block))
    n = len(activities)
    first = s.execute(update(Centre).where(Centre.id == centre_id).values(next_serial=Centre.next_serial + n)
                      .returning(Centre.next_serial)).scalar_one() - n
    for i, (a, reward) in enumerate(zip(activities, rewards, strict=True)):
        check_transition(a.status, "approved")
        _approve_checked(s, a, actor, reward, first + i)
