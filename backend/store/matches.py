"""Matches: each step of their workflow inside the caller's transaction. What needs the chain (a category's id and
reward) is passed in, as in store.activities."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.domain.errors import Refusal
from backend.store import activities as activity_repo
from backend.store.models import Match, Need, TalentOffer
from backend.store.offers import touch_offers_of


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
