"""The coordinator's workflow: record (one, or a sheet), correct, approve or reject, revoke, erase the link to the
chain; and the reads of a centre's activities. The single-activity POST goes through services.recorder, which
writes concurrent requests together."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.chain.client import ChainClient
from backend.domain.access import check_centre
from backend.domain.activities import check_cap, check_units, parse_address
from backend.domain.units import COIN
from backend.domain.errors import Refusal
from backend.store import activities as repo
from backend.store.db import write_transaction
from backend.store.models import Activity, ActivityAudit, Centre, Resident
from backend.store.rows import get_or_refuse


def reward(chain: ChainClient, category: int, units: int) -> int:
    """What the category's current rule pays for `units`, or a refusal saying why not."""
    return check_units(chain.rule(category), category, units)


# Community rewards (a confirmed neighbour report's among them) are not shown to coordinators one by one: knowing
# their own grants, a coordinator would read a reporter off the rest (services.community_rewards).
HIDDEN_FROM_COORDINATORS = "community"


def owned(db: Session, actor, activity_id: int, for_update: bool = False) -> Activity:
    """The activity, if it is of a centre the actor acts for (optionally locked)."""
    a = get_or_refuse(db, Activity, activity_id, "activity", for_update=for_update)
    check_centre(actor, a.centre_id)
    if a.source == HIDDEN_FROM_COORDINATORS and actor.role != "admin":
        raise Refusal(404, "not_found", f"activity {activity_id} not found")
    return a


def record_sheet(db: Session, chain: ChainClient, actor, lines: list, approve: bool,
                 source: str = "coordinator") -> list[Activity]:
    """A sheet of activities of one centre, all or none: one transaction, one cap check for their sum. A refused line
    is named by its index. `source` says where they come from (a coordinator, or the portal's hours)."""
    centre_id = lines[0].centre_id
    for i, item in enumerate(lines):
        if item.centre_id != centre_id:
            raise Refusal(422, "mixed_centres", f"activities[{i}]: one sheet is for one centre ({centre_id})")
    check_centre(actor, centre_id)
    volunteers, rewards = [], []
    for i, item in enumerate(lines):
        try:
            volunteers.append(parse_address(item.volunteer, "volunteer"))
            rewards.append(reward(chain, item.category, item.units))
        except Refusal as exc:
            raise Refusal(exc.status, exc.code, f"activities[{i}]: {exc.message}") from None
    cap = chain.remaining_cap_at(centre_id) if approve else (0, 0)
    with write_transaction(db):
        residents = repo.residents_for(db, volunteers, {v: centre_id for v in volunteers})
        recorded = repo.record_many(db, actor.name, centre_id, [
            (residents[v], item.category, item.units, item.occurred_at, item.place, item.description)
            for item, v in zip(lines, volunteers, strict=True)], source=source)
        if approve:
            repo.approve_many(db, recorded, rewards, actor.name, *cap)
        return recorded


def listing(db: Session, actor, centre_id: int | None, status: str | list[str] | None, after_id: int, limit: int,
            source: list[str] | None = None, before_id: int | None = None) -> list[dict]:
    """The activities the actor may see (a coordinator: their centre's), in any of the statuses and sources given:
    by id after `after_id`, or, with `before_id`, the newest first below it (the latest of a queue)."""
    where = [Activity.id > after_id]
    if before_id is not None:
        where.append(Activity.id < before_id)
    if actor.role != "admin":
        if centre_id is not None and centre_id != actor.centre_id:
            check_centre(actor, centre_id)
        centre_id = actor.centre_id
    if centre_id is not None:
        where.append(Activity.centre_id == centre_id)
    if actor.role != "admin":
        where.append(Activity.source != HIDDEN_FROM_COORDINATORS)
    if status:
        where.append(Activity.status.in_([status] if isinstance(status, str) else status))
    if source:
        where.append(Activity.source.in_(source))
    return repo.activity_views(db, *where, limit=limit, newest_first=before_id is not None)


def view(db: Session, actor, activity_id: int) -> dict:
    found = repo.activity_view(db, activity_id)
    if found is None or (found["source"] == HIDDEN_FROM_COORDINATORS and actor.role != "admin"):
        raise Refusal(404, "not_found", f"activity {activity_id} not found")
    check_centre(actor, found["centre_id"])
    return found


def audit_trail(db: Session, actor, activity_id: int) -> list[ActivityAudit]:
    owned(db, actor, activity_id)
    return list(db.scalars(select(ActivityAudit).where(ActivityAudit.activity_id == activity_id).order_by(ActivityAudit.id)))


def correct(db: Session, chain: ChainClient, actor, activity_id: int, changes: dict, reason: str) -> Activity:
    """Corrects an activity before approval; every change is audited with its reason."""
    if not changes:
        raise Refusal(422, "nothing_to_change", "give at least one field to correct")
    with write_transaction(db):
        a = owned(db, actor, activity_id, for_update=True)
        reward(chain, changes.get("category", a.category), changes.get("units", a.units))
        return repo.correct(db, a, actor.name, changes, reason)


def approve(db: Session, chain: ChainClient, actor, activity_id: int) -> Activity:
    """Fixes the reward and the on-chain id, and queues it for the chain (within the centre's cap)."""
    centre_id = db.scalar(select(Activity.centre_id).where(Activity.id == activity_id))
    cap = chain.remaining_cap_at(centre_id) if centre_id is not None else (0, 0)  # before the write lock
    with write_transaction(db):
        a = owned(db, actor, activity_id, for_update=True)
        return repo.approve(db, a, actor.name, reward(chain, a.category, a.units), *cap)


def _with_reason(db: Session, actor, activity_id: int, reason: str | None, verb: str, step) -> Activity:
    """A decision that needs its reason: the activity locked, the reason required, then `step`."""
    with write_transaction(db):
        a = owned(db, actor, activity_id, for_update=True)
        if reason is None:
            raise Refusal(422, "reason_required", f"give the reason for {verb}")
        return step(db, a, actor.name, reason)


def reject(db: Session, actor, activity_id: int, reason: str | None) -> Activity:
    return _with_reason(db, actor, activity_id, reason, "rejecting", repo.reject)


def revoke(db: Session, actor, activity_id: int, reason: str | None) -> Activity:
    """A confirmed activity's revocation queued for the chain."""
    return _with_reason(db, actor, activity_id, reason, "revoking", repo.request_revocation)


def coins_text(amount: int) -> str:
    """Base units as a decimal string of coins ("6", "0.05")."""
    whole, part = divmod(amount, COIN)
    return f"{whole}.{part:018d}".rstrip("0").rstrip(".") if part else str(whole)


def preview(db: Session, chain: ChainClient, actor, *, centre_id: int, volunteer: str, category: int, units: int,
            occurred_at: datetime) -> dict:
    """What recording and approving this activity would earn, and what would refuse it (`problems`: the rule, the
    centre's cap left this period counting what is queued, the time, the address) or make it look wrong
    (`warnings`: the volunteer already has an activity of the category that day at this centre). Saves nothing."""
    check_centre(actor, centre_id)
    problems: list[Refusal] = []
    warnings: list[Refusal] = []
    rule = chain.rule(category)
    amount = 0
    try:
        amount = check_units(rule, category, units)
    except Refusal as exc:
        problems.append(exc)
    if occurred_at.astimezone(UTC) > datetime.now(UTC):
        problems.append(Refusal(422, "in_future", "occurred_at is in the future"))
    cap = None
    if db.get(Centre, centre_id) is None:
        problems.append(Refusal(422, "unknown_centre", f"centre {centre_id} is not known to this backend"))
    else:
        remaining, block = chain.remaining_cap_at(centre_id)
        pending = repo.pending_rewards(db, centre_id, block)
        cap = {"remaining": str(remaining), "pending": str(pending), "available": str(max(remaining - pending, 0))}
        try:
            check_cap(centre_id, amount, remaining, pending)
        except Refusal as exc:
            problems.append(exc)
    try:
        address = parse_address(volunteer, "volunteer")
    except Refusal as exc:
        problems.append(exc)
    else:
        resident_id = db.scalar(select(Resident.id).where(Resident.address == address))
        day = datetime.fromtimestamp(int(occurred_at.timestamp()) // 86_400 * 86_400, UTC)
        if resident_id is not None and repo.recorded_on_day(db, centre_id, category, day, [resident_id]):
            warnings.append(Refusal(409, "already_recorded_that_day", category=category, day=day.date().isoformat()))
    return {"reward": str(amount), "coins": coins_text(amount), "category": category, "units": units,
            "rule_version": rule.version if rule is not None else None, "cap": cap,
            "problems": problems, "warnings": warnings}
