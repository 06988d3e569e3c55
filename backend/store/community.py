"""Repository of the community layer: each function is one step inside the caller's transaction. The rules that
need the chain (a category's reward, a centre's remaining cap) are passed in, as in store.activities."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.domain.errors import Refusal
from backend.domain.matching import OfferDoc, reliability
from backend.store import activities as activity_repo
from backend.store.community_models import (
    Area,
    Match,
    Need,
    NeighbourReport,
    Proposal,
    ProposalSupport,
    ReportAccess,
    TalentOffer,
    VersionCounter,
)
from backend.store.models import Activity, Centre, Resident



# ------------------------------------------------------------------------------------------------- counters, areas


def next_version(s: Session, name: str) -> int:
    value = s.execute(update(VersionCounter).where(VersionCounter.name == name)
                      .values(value=VersionCounter.value + 1).returning(VersionCounter.value)).scalar()
    if value is None:  # the migration seeds the counters; this covers a table emptied by hand
        s.add(VersionCounter(name=name, value=1))
        s.flush()
        value = 1
    return value


def version(s: Session, name: str) -> int:
    return s.scalar(select(VersionCounter.value).where(VersionCounter.name == name)) or 0


def area_or_refuse(s: Session, code: str) -> Area:
    area = s.get(Area, code)
    if area is None:
        raise Refusal(422, "unknown_area", area=code)
    return area


def area_map(s: Session) -> dict[str, tuple[float, float]]:
    return {a.code: (a.lat, a.lon) for a in s.scalars(select(Area))}


def centre_for_area(s: Session, code: str) -> Centre:
    centre = s.scalar(select(Centre).where(Centre.area == code).order_by(Centre.id))
    if centre is None:
        raise Refusal(422, "no_centre_for_area", area=code)
    return centre


# ------------------------------------------------------------------------------------------------- offers


def offer_text(o: TalentOffer) -> str:
    return " ".join(filter(None, (o.title, " ".join(o.skills or ()), o.description)))


def need_text(n: Need) -> str:
    return " ".join(filter(None, (n.title, n.description)))


def track_records(s: Session, resident_ids: set[int]) -> dict[int, tuple[int, int]]:
    """resident → (matches completed, no-shows) as a volunteer."""
    out = {rid: (0, 0) for rid in resident_ids}
    if not resident_ids:
        return out
    rows = s.execute(select(Match.volunteer_id, Match.status, func.count()).where(
        Match.volunteer_id.in_(resident_ids), Match.status.in_(("completed", "no_show")))
        .group_by(Match.volunteer_id, Match.status))
    for rid, status, n in rows:
        done, missed = out[rid]
        out[rid] = (done + n, missed) if status == "completed" else (done, missed + n)
    return out


def offers_changed_since(s: Session, since: int) -> list[tuple[TalentOffer, float]]:
    """Offers whose version is above `since`, with their volunteer's reliability."""
    offers = list(s.scalars(select(TalentOffer).where(TalentOffer.version > since).order_by(TalentOffer.version)))
    records = track_records(s, {o.resident_id for o in offers})
    return [(o, reliability(*records[o.resident_id])) for o in offers]


def offer_doc(o: TalentOffer, rel: float) -> OfferDoc:
    return OfferDoc(o.id, offer_text(o), o.area, o.availability, rel, owner=f"resident:{o.resident_id}")


def touch_offers_of(s: Session, resident_id: int) -> None:
    """A volunteer's track record changed: their offers get a new version, so the index reads their reliability."""
    s.execute(update(TalentOffer).where(TalentOffer.resident_id == resident_id)
              .values(version=next_version(s, "offers")))


# ------------------------------------------------------------------------------------------------- matches


def scheduled_count(s: Session, need_id: int) -> int:
    return s.scalar(select(func.count()).where(Match.need_id == need_id, Match.status.in_(
        ("scheduled", "completed", "no_show")))) or 0


def add_match(s: Session, need: Need, offer: TalentOffer, actor_name: str, need_side: bool, score: float | None,
              factors: dict | None) -> Match:
    if need.status != "open":
        raise Refusal(409, "need_not_open", need_id=need.id, status=need.status)
    if offer.status != "active":
        raise Refusal(409, "talent_withdrawn", talent_id=offer.id)
    if need.resident_id is not None and need.resident_id == offer.resident_id:
        raise Refusal(409, "own_talent")
    existing = s.scalar(select(Match).where(Match.need_id == need.id, Match.offer_id == offer.id))
    if existing is not None:
        raise Refusal(409, "match_exists", talent_id=offer.id, need_id=need.id, match_id=existing.id)
    m = Match(need_id=need.id, offer_id=offer.id, volunteer_id=offer.resident_id, status="proposed",
              proposed_by=actor_name, score=score, factors=factors,
              need_accepted_by=actor_name if need_side else None, offer_accepted_by=None if need_side else actor_name)
    s.add(m)
    try:
        with s.begin_nested():
            s.flush()
    except IntegrityError:  # the same pair proposed concurrently: the unique constraint decided
        raise Refusal(409, "match_exists", talent_id=offer.id, need_id=need.id, match_id="(concurrent)") from None
    return m


def accept(s: Session, m: Match, actor_name: str, need_side: bool) -> Match:
    if m.status != "proposed":
        raise Refusal(409, "match_not_proposed", match_id=m.id, status=m.status)
    if (m.need_accepted_by if need_side else m.offer_accepted_by) is not None:
        raise Refusal(409, "already_accepted", match_id=m.id)
    if need_side:
        m.need_accepted_by = actor_name
    else:
        m.offer_accepted_by = actor_name
    if m.need_accepted_by and m.offer_accepted_by:
        need = m.need
        if need.status != "open":
            raise Refusal(409, "need_not_open", need_id=need.id, status=need.status)
        m.status = "scheduled"
        s.flush()
        if scheduled_count(s, need.id) >= need.people_needed:
            need.status = "filled"
            for other in s.scalars(select(Match).where(Match.need_id == need.id, Match.status == "proposed")):
                other.status, other.reason = "cancelled", "the need is filled"
    return m


def decline(s: Session, m: Match, actor_name: str, reason: str) -> Match:
    if m.status != "proposed":
        raise Refusal(409, "match_not_proposed", match_id=m.id, status=m.status)
    m.status, m.reason = "declined", f"{actor_name}: {reason}"
    return m


def confirm(s: Session, m: Match, actor_name: str, happened: bool, minutes: int, reason: str | None,
            volunteer_reward: int | None, centre_place: str | None, category: int) -> Match:
    """The beneficiary's word. Completed: a volunteer activity recorded for the centre's coordinators to approve, or
    a payment the beneficiary owes the volunteer (`volunteer_reward`: what the rule pays for those minutes)."""
    if m.status != "scheduled":
        raise Refusal(409, "match_not_scheduled", match_id=m.id, status=m.status)
    need = m.need
    if datetime.now(UTC) < need.starts_at:
        raise Refusal(409, "too_early", need_id=need.id, starts_at=need.starts_at.isoformat())
    m.confirmed_by, m.confirmed_at = actor_name, datetime.now(UTC)
    if not happened:
        m.status, m.reason = "no_show", reason or "the beneficiary reports it did not happen"
    else:
        m.status, m.minutes = "completed", minutes
        if need.settlement == "volunteer_activity":
            a = activity_repo.record(s, actor_name, need.centre_id, m.volunteer, category, minutes,
                                     need.starts_at, centre_place, f"matched need {need.id}: {need.title}"[:2000],
                                     source="match")
            m.activity_id = a.id
        else:
            m.payment_amount, m.payment_status = str(volunteer_reward), "awaiting_payment"
            # A random reference: it goes on-chain with the payment and says nothing about the match.
            m.payment_ref = "0x" + secrets.token_bytes(32).hex()
    s.flush()
    touch_offers_of(s, m.volunteer_id)
    _maybe_done(s, need)
    return m


def _maybe_done(s: Session, need: Need) -> None:
    if need.status != "filled":
        return
    pending = s.scalar(select(func.count()).where(Match.need_id == need.id, Match.status == "scheduled"))
    if not pending:
        need.status = "done"


def close_need(s: Session, need: Need, actor_name: str, reason: str) -> Need:
    if need.status not in ("open", "filled"):
        raise Refusal(409, "need_not_open", need_id=need.id, status=need.status)
    need.status, need.closed_reason = "closed", f"{actor_name}: {reason}"
    for m in s.scalars(select(Match).where(Match.need_id == need.id, Match.status.in_(("proposed", "scheduled")))):
        m.status, m.reason = "cancelled", f"the need was closed: {reason}"
    return need


def settle_payment(s: Session, m: Match, events) -> bool:
    """Marks an awaited payment paid when the indexer has seen the ServicePaid of its reference, from the
    beneficiary to the volunteer, of at least the agreed amount. True when it changed."""
    if m.payment_status != "awaiting_payment":
        return False
    for e in events:
        args = e.args or {}
        if (str(args.get("requestRef", "")).lower() == m.payment_ref and int(args.get("amount", 0)) >= int(m.payment_amount)
                and e.address1 == m.need.resident.address and e.address2 == m.volunteer.address):
            m.payment_status, m.payment_tx = "paid", e.tx_hash
            return True
    return False


# ------------------------------------------------------------------------------------------------- reports


def log_access(s: Session, reports: list[NeighbourReport], staff_user_id: int, actor: str, action: str) -> None:
    s.add_all([ReportAccess(report_id=r.id, staff_user_id=staff_user_id, actor=actor, action=action) for r in reports])


def reward_reporter(s: Session, report: NeighbourReport, actor: str, category: int, reward: int, remaining_cap: int,
                    cap_block: int | None) -> Activity:
    """A confirmed report: a "neighbour found" activity for the reporter, approved (the officer verified it) and
    queued for the chain. Its record names no neighbour and no place."""
    reporter = s.get(Resident, report.reporter_id)
    # It happened when the resident reported it (to the minute: no finer trace of when they were there).
    found_at = report.created_at.replace(second=0, microsecond=0)
    a = activity_repo.record(s, actor, report.centre_id, reporter, category, 1, found_at, None,
                             "neighbour-in-need report confirmed by a welfare officer", source="report")
    activity_repo.approve(s, a, actor, reward, remaining_cap, cap_block)
    report.activity_id = a.id
    return a


# ------------------------------------------------------------------------------------------------- proposals


def support(s: Session, p: Proposal, resident_id: int) -> Proposal:
    if p.author_id == resident_id:
        raise Refusal(409, "own_proposal", proposal_id=p.id)
    if p.status not in ("open", "project"):
        raise Refusal(409, "proposal_not_open", proposal_id=p.id, status=p.status)
    if s.scalar(select(ProposalSupport).where(ProposalSupport.proposal_id == p.id,
                                              ProposalSupport.resident_id == resident_id)):
        raise Refusal(409, "already_supported", proposal_id=p.id)
    s.add(ProposalSupport(proposal_id=p.id, resident_id=resident_id))
    try:
        with s.begin_nested():
            s.flush()
    except IntegrityError:  # a concurrent double click: the unique constraint decided
        raise Refusal(409, "already_supported", proposal_id=p.id) from None
    p.supporters = s.scalar(select(func.count()).where(ProposalSupport.proposal_id == p.id)) or 0
    return p
