"""Matches between a need and an offer: proposed by one side and accepted by the other, scheduled, confirmed by the
beneficiary after the activity — then a volunteer activity for the centre's coordinators to approve, or a payment
between two residents that is settled when the indexer sees it on-chain."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.chain.client import ChainClient
from backend.domain.activities import check_units
from backend.domain.errors import Refusal
from backend.services.actors import Actor, ResidentPrincipal, is_resident
from backend.services.categories import VOLUNTEERING, category_id, max_units
from backend.services.needs import can_see_matches, is_need_side, query_of
from backend.services import needs
from backend.store import matches as match_rows
from backend.store.models import Activity, Area, ChainEvent, Match, Need, TalentOffer
from backend.store.db import write_transaction
from backend.store.rows import get_or_refuse


def _sides(actor: Actor, m: Match) -> tuple[bool, bool]:
    need_side = is_need_side(actor, m.need)
    offer_side = is_resident(actor) and m.volunteer_id == actor.resident_id
    return need_side, offer_side


def _get(db: Session, match_id: int, for_update: bool = False) -> Match:
    return get_or_refuse(db, Match, match_id, "match", for_update=for_update)


def view(db: Session, m: Match, redemption: str | None = None) -> dict:
    """A match as MatchOut shows it (`redemption`: the contract an awaited payment goes to)."""
    payment = None
    if m.payment_status is not None:
        payment = {"status": m.payment_status, "amount": m.payment_amount, "payer": m.need.resident.address,
                   "payee": m.volunteer.address, "request_ref": m.payment_ref, "contract": redemption,
                   "tx_hash": m.payment_tx,
                   "how": "the beneficiary pays with Redemption.payForService(payee, amount, request_ref) from their "
                          "wallet (or payForServiceBySig, relayed); it is marked paid once the indexer has seen the "
                          "ServicePaid event"}
    activity_status = db.scalar(select(Activity.status).where(Activity.id == m.activity_id)) if m.activity_id else None
    return {"id": m.id, "need_id": m.need_id, "talent_id": m.offer_id, "status": m.status,
            "need_accepted": m.need_accepted_by is not None, "volunteer_accepted": m.offer_accepted_by is not None,
            "score": m.score, "factors": m.factors, "minutes": m.minutes, "reason": m.reason,
            "activity_id": m.activity_id, "activity_status": activity_status, "payment": payment}


def propose(db: Session, matcher, actor: Actor, need_id: int, talent_id: int) -> Match:
    """The requester (or the centre's coordinator) picks an offer, or a resident volunteers one of their own offers
    for the need. The side that proposes has accepted; the other side accepts or declines."""
    matcher.refresh(db)
    with write_transaction(db):
        need = needs.get(db, need_id, for_update=True)
        offer = get_or_refuse(db, TalentOffer, talent_id, "talent")
        need_side = is_need_side(actor, need)
        offer_side = is_resident(actor) and offer.resident_id == actor.resident_id
        if not need_side and not offer_side:
            raise Refusal(403, "not_owner", what=f"need {need_id}")
        if need_side and offer_side:
            raise Refusal(409, "own_talent")
        ranked = matcher.explain(db, query_of(need), offer.id)
        factors = {k: {"value": round(f.value, 4), "weight": f.weight, "contribution": round(f.contribution, 4),
                       "note": f.note}
                   for k, f in ranked.factors.items()} if ranked else None
        return match_rows.add_match(db, need, offer, actor.name, need_side, ranked.score if ranked else None, factors)


def of_need(db: Session, actor: Actor, need_id: int) -> list[Match]:
    """The need's matches (e.g. residents who volunteered, waiting for the requester's acceptance)."""
    need = needs.get(db, need_id)
    if not can_see_matches(actor, need):
        raise Refusal(403, "not_owner", what=f"need {need_id}")
    return [_reconciled(db, m) for m in list(db.scalars(select(Match).where(Match.need_id == need_id).order_by(Match.id)))]


def get(db: Session, actor: Actor, match_id: int) -> Match:
    m = _get(db, match_id)
    need_side, offer_side = _sides(actor, m)
    if not (need_side or offer_side or can_see_matches(actor, m.need)):
        raise Refusal(403, "not_a_party", match_id=match_id)
    return _reconciled(db, m)


def mine(db: Session, resident: ResidentPrincipal) -> list[Match]:
    """The resident's matches, as volunteer and as requester."""
    rows = list(db.scalars(select(Match).join(Need, Need.id == Match.need_id).where(
        or_(Match.volunteer_id == resident.resident_id, Need.resident_id == resident.resident_id)).order_by(Match.id)))
    return [_reconciled(db, m) for m in rows]


def _reconciled(db: Session, m: Match) -> Match:
    """An awaited payment, looked for among the indexed events (it works on the session's own instance of the
    match, so what it settles is already in `m`)."""
    if m.payment_status != "awaiting_payment":
        return m
    events = list(db.scalars(select(ChainEvent).where(ChainEvent.event == "ServicePaid",
                                                      ChainEvent.address1 == m.need.resident.address)))
    if any(str((e.args or {}).get("requestRef", "")).lower() == m.payment_ref for e in events):
        with write_transaction(db):
            match_rows.settle_payment(db, _get(db, m.id, for_update=True), events)
    return m


def accept(db: Session, actor: Actor, match_id: int) -> Match:
    """The other side accepts; with both sides agreed the match is scheduled (at the need's time)."""
    with write_transaction(db):
        m = _get(db, match_id, for_update=True)
        need_side, offer_side = _sides(actor, m)
        if not (need_side or offer_side):
            raise Refusal(403, "not_a_party", match_id=match_id)
        needs.get(db, m.need_id, for_update=True)
        return match_rows.accept(db, m, actor.name, need_side)


def decline(db: Session, actor: Actor, match_id: int, reason: str) -> Match:
    with write_transaction(db):
        m = _get(db, match_id, for_update=True)
        if not any(_sides(actor, m)):
            raise Refusal(403, "not_a_party", match_id=match_id)
        return match_rows.decline(db, m, actor.name, reason)


def confirm(db: Session, chain: ChainClient, actor: Actor, match_id: int, happened: bool, minutes: int | None,
            reason: str | None) -> Match:
    """The beneficiary (the requester, or for a centre's need its coordinator) confirms it happened, and for how
    long. Volunteer activity is then recorded for the centre's coordinators to approve; between residents, the
    agreed payment is due."""
    m = _get(db, match_id)
    need_side, _ = _sides(actor, m)
    if not need_side:
        raise Refusal(403, "not_beneficiary", need_id=m.need_id)
    need = m.need
    if minutes is None:
        minutes = int((need.ends_at - need.starts_at).total_seconds() // 60)
    category = category_id(chain, VOLUNTEERING)
    reward = None
    if happened:
        rule = chain.rule(category)
        limit = rule.max_units if rule else max_units(chain, VOLUNTEERING)
        if not 1 <= minutes <= limit:
            raise Refusal(422, "invalid_minutes", max=limit)
        reward = check_units(rule, category, minutes)  # refuses what the chain's rule refuses, now
    place = db.scalar(select(Area.name).where(Area.code == need.area))
    with write_transaction(db):
        m = _get(db, match_id, for_update=True)
        return match_rows.confirm(db, m, actor.name, happened, minutes, reason, reward, place, category)
