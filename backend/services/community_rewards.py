"""Community rewards: points a resident earns from the community — a neighbour-in-need report an officer confirmed,
a coordinator's grant (a clean-up organised, a proposal carried out) — collected, and attested once per period for
all of a centre's residents together, each resident's points of the period as `community_reward` activities dated
at the period's start.

Why not an activity per reward: an attestation is public for ever. A category of its own ("neighbour found") at
the minute of the report told anyone reading the chain that this wallet reported someone, and when. Folded into a
generic category, at a coarse date, with other residents' rewards in the same batch (a batch waits until it holds
at least `community_reward_min_residents` residents, and reports' points only with as many reporters), nothing
on-chain says why a wallet earned them. Off-chain the activity's source is "community" and its reviewer "community
rewards", and coordinators do not see these activities one by one (they know their own grants, and would read a
reporter off the rest); only the area's officers see a report's reward."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from backend.chain.client import ChainClient
from backend.config import Settings
from backend.domain.access import check_centre
from backend.domain.activities import check_units
from backend.domain.community_rewards import chunks, period_start
from backend.domain.errors import Refusal
from backend.services.categories import COMMUNITY_REWARD, category_id
from backend.services.resident_records import scope
from backend.store import activities as activity_repo
from backend.store import community_rewards as store
from backend.store.db import transaction, write_transaction
from backend.store.models import CommunityCredit, NeighbourReport
from backend.store.residents import in_scope

log = logging.getLogger("backend.worker")
ACTOR = "community rewards"  # who recorded and approved a batch's activities, as coordinators see it
DESCRIPTION = "community reward"


def credit_report(db: Session, settings: Settings, report: NeighbourReport, officer: str) -> CommunityCredit:
    """In the officer's confirmation: the reporter's points, waiting for the period's batch of the reporter's own
    centre (the area's centre only for a reporter of none), so a report does not show a stranger in another
    centre's rewards."""
    centre = store.residents(db, {report.reporter_id})[report.reporter_id].centre_id or report.centre_id
    return store.add(db, report.reporter_id, centre, settings.report_reward_points, "report", officer,
                     report_id=report.id)


def grant(db: Session, chain: ChainClient, actor, resident_id: int, points: int, reason: str,
          centre_id: int | None = None) -> CommunityCredit:
    """A coordinator grants a resident of their centre points for a contribution to the community."""
    centre_id = centre_id if centre_id is not None else actor.centre_id
    if centre_id is None:
        raise Refusal(422, "centre_required", "a grant belongs to a centre: give centre_id")
    check_centre(actor, centre_id)
    check_units(chain.rule(category_id(chain, COMMUNITY_REWARD)), category_id(chain, COMMUNITY_REWARD), points)
    with write_transaction(db):
        if in_scope(db, resident_id, scope(actor)) is None:
            raise Refusal(404, "not_found", what=f"resident {resident_id}")
        return store.add(db, resident_id, centre_id, points, "grant", actor.name, reason=reason)


def report_reward(db: Session, report_id: int) -> dict | None:
    """A report's reward as its officers see it: the points, and the activity once the batch recorded it."""
    credit = store.of_report(db, report_id)
    return {"points": credit.points, "activity_id": credit.activity_id} if credit else None


def settle(sessions: sessionmaker[Session], chain: ChainClient, settings: Settings,
           now: datetime | None = None) -> int:
    """Records and approves the batch of every centre whose points earned before the current period are enough
    residents; the chain writer attests them as any approved activity. Returns how many activities were recorded.
    A centre whose cap cannot take its batch now keeps its points for the next round."""
    now = now or datetime.now(UTC)
    period = settings.community_reward_period_s
    due_before = period_start(now, period)
    dated = period_start(due_before - timedelta(seconds=1), period)
    category = category_id(chain, COMMUNITY_REWARD)
    rule = chain.rule(category)
    if rule is None or rule.version == 0 or not rule.active:
        return 0
    with sessions() as s:
        centres = store.centres_waiting(s, due_before)
    recorded = 0
    for centre_id in centres:
        remaining, block = chain.remaining_cap_at(centre_id)
        try:
            with transaction(sessions) as s:
                recorded += _settle_centre(s, centre_id, due_before, dated, category, rule, settings, remaining, block)
        except Refusal as exc:  # over the centre's cap: the points wait
            log.warning("community rewards of centre %d wait: %s", centre_id, exc.message)
    return recorded


def _settle_centre(s: Session, centre_id: int, due_before: datetime, dated: datetime, category: int, rule,
                   settings: Settings, remaining: int, block: int) -> int:
    credits = store.waiting(s, centre_id, due_before, for_update=True)
    residents = store.residents(s, {c.resident_id for c in credits})
    # A resident without a wallet yet keeps their points until they link one.
    credits = [c for c in credits if residents[c.resident_id].address]
    # Reports' points wait until enough reporters are in the batch: a coordinator knows their own grants, so the
    # grantees alone would not hide one reporter.
    reporters = {c.resident_id for c in credits if c.source == "report"}
    if 0 < len(reporters) < settings.community_reward_min_residents:
        credits = [c for c in credits if c.source != "report"]
    points: dict[int, int] = defaultdict(int)
    for c in credits:
        points[c.resident_id] += c.points
    if len(points) < settings.community_reward_min_residents:
        return 0  # too few residents to hide one among them: the points roll over to the next period
    lines, owners = [], []
    for resident_id in sorted(points):
        for units in chunks(points[resident_id], rule.max_units):
            lines.append((residents[resident_id], category, units, dated, None, DESCRIPTION))
            owners.append(resident_id)
    activities = activity_repo.record_many(s, ACTOR, centre_id, lines, source="community", sheet=False)
    activity_repo.approve_many(s, activities, [rule.reward(line[2]) for line in lines], ACTOR, remaining, block)
    first = {}
    for resident_id, a in zip(owners, activities, strict=True):
        first.setdefault(resident_id, a.id)
    for c in credits:
        c.activity_id = first[c.resident_id]
    log.info("community rewards of centre %d: %d residents, %d activities dated %s", centre_id, len(points),
             len(activities), dated.date())
    return len(activities)


class CommunityRewardSettler:
    """The worker's thread: settles community rewards a few times per period (at most once a minute)."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session], chain: ChainClient):
        self.settings, self.sessions, self.chain = settings, sessions, chain

    def run(self, stop: threading.Event) -> None:
        every = min(60.0, max(0.5, self.settings.community_reward_period_s / 4))
        while not stop.is_set():
            try:
                settle(self.sessions, self.chain, self.settings)
            except Exception as exc:  # the node or the database away for a while: next round
                log.warning("community rewards: %s", exc)
            stop.wait(every)
