"""Repository of the activity workflow: each function is one step, inside the caller's database transaction, with
the audit row written beside the change. Chain facts the rules need (the rule, the centre's remaining cap) are
passed in by the caller, so this layer does no network I/O."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from eth_utils import keccak
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from backend.domain.activities import (
    EDITABLE,
    ON_CHAIN_PENDING,
    canonical_record,
    chain_activity_id,
    check_cap,
    check_transition,
)
from backend.domain.errors import Refusal
from backend.domain.residents import member_number, phone_digits
from backend.store.chain_marks import check_not_restoring
from backend.store.models import Activity, ActivityAudit, Centre, OutboxItem, Resident

DAY_S = 86_400
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
        resident.member_number, resident.phone_digits = member_number(resident.id), phone_digits(resident.phone)
    return resident


# The API's view of an activity, read with Core (no ORM objects): the reads are the hottest path, and building
# and tracking ORM instances cost several times the query itself.
_VIEW = select(Activity.id, Activity.centre_id, Resident.address.label("volunteer"), Activity.category, Activity.units,
               Activity.occurred_at, Activity.place, Activity.description, Activity.status, Activity.source,
               Activity.recorded_by, Activity.reviewed_by, Activity.review_reason, Activity.reward,
               Activity.chain_id_hex.label("chain_id"), Activity.tx_hash, Activity.block_number,
               Activity.failure).join(Resident, Resident.id == Activity.resident_id)


def activity_views(s: Session, *where, limit: int | None = None, newest_first: bool = False) -> list[dict]:
    """Activities as the API shows them (ActivityOut's fields), by id (the newest first if asked)."""
    q = _VIEW.where(*where).order_by(Activity.id.desc() if newest_first else Activity.id)
    if limit is not None:
        q = q.limit(limit)
    return [dict(row) for row in s.connection().execute(q).mappings()]


# Built once: building a statement per call (and its cache key) costs more than running it.
_VIEW_BY_ID = _VIEW.where(Activity.id == bindparam("activity_id"))


def activity_view(s: Session, activity_id: int) -> dict | None:
    row = s.connection().execute(_VIEW_BY_ID, {"activity_id": activity_id}).mappings().first()
    return dict(row) if row is not None else None


def record(s: Session, actor: str, centre_id: int, resident: Resident, category: int, units: int,
           occurred_at: datetime, place: str | None, description: str | None, source: str) -> Activity:
    return record_many(s, actor, centre_id, [(resident, category, units, occurred_at, place, description)],
                       source=source, sheet=False)[0]


def correct(s: Session, a: Activity, actor: str, changes: dict, reason: str) -> Activity:
    if a.status not in EDITABLE:
        raise Refusal(409, "not_editable",
                          f"an activity that is {a.status} cannot be corrected; once on-chain only revocation remains")
    if "occurred_at" in changes and changes["occurred_at"].astimezone(UTC) > datetime.now(UTC):
        raise Refusal(422, "in_future", "occurred_at is in the future")
    before = snapshot(a)
    for field, value in changes.items():
        setattr(a, field, value)
    audit(s, a, actor, "corrected", before, reason)
    return a


def pending_rewards(s: Session, centre_id: int, after_block: int | None = None) -> int:
    """Coins of the centre's activities that the remaining cap read at `after_block` does not count yet: those
    approved and not yet mined, and those mined after that block. Rounded up to the gwei per activity: an upper
    bound, so the check errs on the safe side by under a gwei each. Two sums, each on its own index, so the cost
    does not grow with the centre's history."""
    def total(*where) -> int:
        return int(s.scalar(select(func.coalesce(func.sum(Activity.reward_gwei_ceil), 0)).where(
            Activity.centre_id == centre_id, *where)))

    pending = total(Activity.status.in_(ON_CHAIN_PENDING))
    if after_block is not None:
        pending += total(Activity.block_number > after_block, Activity.status.in_(("confirmed", "revoking")))
    return pending * 10**9


def gwei_ceil(amount: int) -> int:
    """An amount in the coin's base units, in gwei rounded up: what pending_rewards sums."""
    return -(-amount // 10**9)


def next_serial(s: Session, centre_id: int) -> int:
    return _serials(s, centre_id, 1)


def _assign_chain_id(a: Activity, salt: bytes, serial: int) -> None:
    occurred = a.occurred_at
    rec = canonical_record(a.resident.address, a.category, a.units, occurred, a.place, a.description)
    a.serial = serial
    chain_id, evidence = chain_activity_id(a.centre_id, a.serial, salt, rec)
    a.salt, a.chain_id_hex, a.evidence_hash = "0x" + salt.hex(), "0x" + chain_id.hex(), "0x" + evidence.hex()
    # On-chain, the day alone (00:00 UTC): statistics count by month, and nothing needs the hour, which would tell
    # anyone reading the chain when a volunteer was where. The exact time stays in the salted record.
    a.chain_time = int(occurred.timestamp()) // DAY_S * DAY_S


def reassign_serial(s: Session, a: Activity) -> None:
    """Gives a not-yet-attested activity a new serial, when its serial turned out to be taken on-chain."""
    before = snapshot(a)
    _assign_chain_id(a, bytes.fromhex(a.salt[2:]), next_serial(s, a.centre_id))
    audit(s, a, "chain writer", "serial reassigned", before, "the serial was already used on-chain")


def approve(s: Session, a: Activity, actor: str, reward: int, remaining_cap: int,
            cap_block: int | None = None) -> Activity:
    """`remaining_cap` is the registry's remainingCap(centre) read at block `cap_block` (None: at the newest)."""
    check_transition(a.status, "approved")
    check_not_restoring(s)
    check_cap(a.centre_id, reward, remaining_cap, pending_rewards(s, a.centre_id, cap_block))
    _approve_checked(s, a, actor, reward, next_serial(s, a.centre_id))
    return a


def _approve_checked(s: Session, a: Activity, actor: str, reward: int, serial: int) -> None:
    """Approval once the transition and the cap are checked: fixes the reward, the serial, salt and on-chain id,
    and queues the attestation in the outbox."""
    before = snapshot(a)
    _set_approved(a, actor, reward, serial)
    s.add(OutboxItem(kind="attest", activity_id=a.id, centre_id=a.centre_id, state="queued"))
    audit(s, a, actor, "approved", before)


def _set_approved(a: Activity, actor: str, reward: int, serial: int) -> None:
    # One serial per activity, for ever: the registry refuses a serial twice, which is what makes a resend harmless.
    _assign_chain_id(a, secrets.token_bytes(32), serial)
    a.reward, a.reward_gwei_ceil = str(reward), gwei_ceil(reward)
    a.status, a.reviewed_by, a.failure = "approved", actor, None


def reject(s: Session, a: Activity, actor: str, reason: str) -> Activity:
    check_transition(a.status, "rejected")
    before = snapshot(a)
    a.status, a.reviewed_by, a.review_reason = "rejected", actor, reason
    audit(s, a, actor, "rejected", before, reason)
    return a


def request_revocation(s: Session, a: Activity, actor: str, reason: str) -> Activity:
    if a.status in ("revoking", "revoked"):
        raise Refusal(409, "already_revoked", f"activity {a.id} is already {a.status}")
    if a.status != "confirmed":
        raise Refusal(409, "not_on_chain",
                          f"activity {a.id} is {a.status}; only a confirmed activity is revoked (reject or correct it instead)")
    before = snapshot(a)
    # The reason stays here; the chain gets a salted hash of it.
    reason_hash = keccak(b"vb:reason:" + bytes.fromhex((a.salt or "0x")[2:]) + reason.encode())
    a.status, a.review_reason = "revoking", reason
    s.add(OutboxItem(kind="revoke", activity_id=a.id, centre_id=a.centre_id, state="queued",
                     reason_hash="0x" + reason_hash.hex()))
    audit(s, a, actor, "revocation requested", before, reason)
    return a


def residents_for(s: Session, addresses: list[str], centres: dict[str, int] | None = None) -> dict[str, Resident]:
    """address → resident for many addresses at once, registering the ones not seen before — as residents of the
    centre recording their first activity (`centres`: address → centre), which alone may then read their record."""
    wanted = set(addresses)
    found = {r.address: r for r in s.scalars(select(Resident).where(Resident.address.in_(wanted)))}
    new = [Resident(address=a, centre_id=(centres or {}).get(a)) for a in sorted(wanted - found.keys())]
    if new:
        s.add_all(new)
        s.flush()
        for r in new:
            r.member_number = member_number(r.id)
        found.update({r.address: r for r in new})
    return found


def record_many(s: Session, actor: str, centre_id: int, lines: list[tuple], source: str = "coordinator",
                sheet: bool = True) -> list[Activity]:
    """Records activities of one centre in bulk (one flush). `lines`: (resident, category, units, occurred_at,
    place, description). A self-report waits for review. On a sheet, a refusal names the line."""
    if s.get(Centre, centre_id) is None:
        raise _unknown_centre(centre_id)
    now = datetime.now(UTC)
    for i, line in enumerate(lines):
        if line[3].astimezone(UTC) > now:
            raise _in_future(f"activities[{i}]: " if sheet else "")
    return _insert(s, [_new_activity(actor, centre_id, r, c, u, t, p, d, source) for r, c, u, t, p, d in lines])


def _new_activity(actor: str, centre_id: int, resident: Resident, category: int, units: int, occurred_at: datetime,
                  place: str | None, description: str | None, source: str) -> Activity:
    """A new activity as recorded; a self-report waits for review."""
    return Activity(centre_id=centre_id, resident=resident, resident_id=resident.id, category=category, units=units,
                    occurred_at=occurred_at, place=place, description=description, source=source, recorded_by=actor,
                    status="pending_review" if source == "self_report" else "recorded")


def _unknown_centre(centre_id: int) -> Refusal:
    return Refusal(422, "unknown_centre", f"centre {centre_id} is not known to this backend")


def _in_future(where: str = "") -> Refusal:
    return Refusal(422, "in_future", f"{where}occurred_at is in the future; record an activity after it happened")


def _insert(s: Session, activities: list[Activity], approvals: list[tuple[str, int, int] | None] | None = None
            ) -> list[Activity]:
    """Adds new activities with their audit rows; with `approvals` ((actor, reward, serial) or None per activity),
    approves them in the same insert and queues them in the outbox. The audit and outbox rows go in one
    executemany each: one ORM insert per row was most of a group's time."""
    approvals = approvals or [None] * len(activities)
    audits = []
    for a, approval in zip(activities, approvals, strict=True):
        recorded = snapshot(a)
        audits.append({"actor": a.recorded_by, "action": "recorded", "before": None, "after": recorded, "reason": None})
        if approval is not None:
            actor, reward, serial = approval
            _set_approved(a, actor, reward, serial)
            audits.append({"actor": actor, "action": "approved", "before": recorded, "after": snapshot(a), "reason": None})
    s.add_all(activities)
    s.flush()
    ids = iter(a.id for a, approval in zip(activities, approvals, strict=True) for _ in range(1 + (approval is not None)))
    for row in audits:
        row["activity_id"] = next(ids)
    s.execute(insert(ActivityAudit), audits)
    outbox = [{"kind": "attest", "activity_id": a.id, "centre_id": a.centre_id, "state": "queued"}
              for a, approval in zip(activities, approvals, strict=True) if approval is not None]
    if outbox:
        s.execute(insert(OutboxItem), outbox)
    return activities


def _serials(s: Session, centre_id: int, n: int) -> int:
    """Reserves n consecutive serials of the centre; returns the first."""
    return s.execute(update(Centre).where(Centre.id == centre_id).values(next_serial=Centre.next_serial + n)
                     .returning(Centre.next_serial)).scalar_one() - n


@dataclass(frozen=True)
class NewActivity:
    """One activity to record (and, with `reward` set, approve at once) in record_group."""

    actor: str
    centre_id: int
    volunteer: str
    category: int
    units: int
    occurred_at: datetime
    place: str | None
    description: str | None
    source: str
    reward: int | None  # None: record only


def record_group(s: Session, items: list[NewActivity], caps: dict[int, tuple[int, int]]) -> list[Activity | Refusal]:
    """Records many independent activities in the caller's transaction, each accepted or refused on its own (the
    API's group commit of single POSTs). `caps`: centre → (remainingCap, block read at), for the approved ones.
    The result is, per item, its Activity or the Refusal that refused it; refused items change nothing."""
    out: list[Activity | Refusal | None] = [None] * len(items)
    centre_ids = sorted({i.centre_id for i in items})
    # Locking the centres' rows first serialises concurrent approvals of a centre on PostgreSQL, so the cap check
    # below counts everything queued before it (SQLite's single writer does the same by itself).
    known = set(s.scalars(select(Centre.id).where(Centre.id.in_(centre_ids)).order_by(Centre.id).with_for_update()))
    now = datetime.now(UTC)
    pending: dict[int, int] = {}
    restoring = None
    if any(i.reward is not None for i in items):
        try:
            check_not_restoring(s)
        except Refusal as exc:
            restoring = exc
    for k, item in enumerate(items):
        if item.centre_id not in known:
            out[k] = _unknown_centre(item.centre_id)
        elif item.occurred_at.astimezone(UTC) > now:
            out[k] = _in_future()
        elif item.reward is not None and restoring is not None:
            out[k] = restoring
        elif item.reward is not None:
            remaining, block = caps[item.centre_id]
            if item.centre_id not in pending:
                pending[item.centre_id] = pending_rewards(s, item.centre_id, block)
            try:
                check_cap(item.centre_id, item.reward, remaining, pending[item.centre_id])
            except Refusal as exc:
                out[k] = exc
                continue
            # Rounded up to the gwei as pending_rewards counts it, so the next item's check is the same as if
            # this one had been committed first.
            pending[item.centre_id] += gwei_ceil(item.reward) * 10**9
    accepted = [k for k in range(len(items)) if out[k] is None]
    if not accepted:
        return out
    residents = residents_for(s, [items[k].volunteer for k in accepted],
                              {items[k].volunteer: items[k].centre_id for k in accepted})
    approving: dict[int, list[int]] = {}
    for k in accepted:
        if items[k].reward is not None:
            approving.setdefault(items[k].centre_id, []).append(k)
    serial: dict[int, int] = {}
    for centre_id, ks in approving.items():
        first = _serials(s, centre_id, len(ks))
        serial.update({k: first + j for j, k in enumerate(ks)})
    activities = _insert(s, [
        _new_activity(i.actor, i.centre_id, residents[i.volunteer], i.category, i.units, i.occurred_at, i.place,
                      i.description, i.source)
        for i in (items[k] for k in accepted)],
        [(items[k].actor, items[k].reward, serial[k]) if k in serial else None for k in accepted])
    for k, a in zip(accepted, activities, strict=True):
        out[k] = a
    return out


def approve_many(s: Session, activities: list[Activity], rewards: list[int], actor: str, remaining_cap: int,
                 cap_block: int | None) -> None:
    """Approves activities of one centre together: one cap check for their sum, one range of serials, then each
    as `approve` does."""
    if not activities:
        return
    centre_id = activities[0].centre_id
    check_not_restoring(s)
    check_cap(centre_id, sum(rewards), remaining_cap, pending_rewards(s, centre_id, cap_block))
    first = _serials(s, centre_id, len(activities))
    for i, (a, reward) in enumerate(zip(activities, rewards, strict=True)):
        check_transition(a.status, "approved")
        _approve_checked(s, a, actor, reward, first + i)


# An activity in one of these statuses does not count as recorded (for the check "already recorded that day").
NOT_COUNTED = ("rejected", "failed", "revoked")


def recorded_on_day(s: Session, centre_id: int, category: int, day_start: datetime, resident_ids: list[int],
                    exclude_ids: list[int] | None = None) -> set[int]:
    """Which of the residents already have an activity of the category recorded by the centre on the UTC day that
    starts at `day_start` (rejected, failed and revoked ones aside)."""
    if not resident_ids:
        return set()
    where = [Activity.centre_id == centre_id, Activity.category == category,
             Activity.resident_id.in_(resident_ids), Activity.status.not_in(NOT_COUNTED),
             Activity.occurred_at >= day_start, Activity.occurred_at < day_start + timedelta(days=1)]
    if exclude_ids:
        where.append(Activity.id.not_in(exclude_ids))
    return set(s.scalars(select(Activity.resident_id).where(*where)))
