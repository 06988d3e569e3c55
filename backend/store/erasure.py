"""A resident forgotten, inside the caller's transaction: the rows that hold their personal details or a link from
a record to the chain, found and scrubbed; the pool row their records are kept under, aggregated."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Text, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session

from backend.store.models import (Activity, ActivityAudit, AttendanceLine, ChainOp, CommunityCredit, CustodialAccount,
                                  CustodyMove,
                                  IdempotencyRecord, MemberCard, MemberNotice,
                                  KeyValue, Match, Need, NeighbourReport, OutboxItem, Proposal, ProposalComment,
                                  PortalExport, PortalExported, PortalHours, PortalLink, ProposalSupport, Resident,
                                  ResidentChange, SiweNonce, TalentOffer)
from backend.domain import portal as portal_format
from backend.store import guardians as guardian_store
from backend.store.areas import next_version

POOL_KEY = "residents.forgotten_pool"
ERASED = {"erased": True, "detail": "this answer named a resident who asked to be forgotten"}
ERASED_TEXT = "(erased at the author's request)"


def pool(s: Session) -> Resident:
    """The one row every forgotten resident's records are kept under: no name, no wallet, no centre."""
    found = s.get(KeyValue, POOL_KEY)
    if found is not None:
        return s.get(Resident, int(found.value))
    row = Resident(forgotten_pool=True, registered_by="forgotten residents")
    s.add(row)
    s.flush()
    s.add(KeyValue(key=POOL_KEY, value=str(row.id)))
    return row


def in_flight(s: Session, resident: Resident) -> int:
    """How many of the resident's activities or relayed requests the chain has not settled yet."""
    activities = s.scalar(select(func.count()).select_from(Activity).where(
        Activity.resident_id == resident.id, Activity.status.in_(("approved", "submitted", "revoking"))))
    ops = s.scalar(select(func.count()).select_from(ChainOp).where(
        ChainOp.subject == resident.address, ChainOp.state.in_(("queued", "in_tx")))) if resident.address else 0
    return int(activities) + int(ops)


def unlink_activities(s: Session, activity_ids: list[int], actor: str, reason: str) -> list[str]:
    """Cuts each activity's link to the chain — salt, on-chain id, evidence hash, serial, transaction, block, the
    outbox rows naming its transaction — and its audit rows' snapshots; answers the identifiers removed."""
    if not activity_ids:
        return []
    gone = [v for row in s.execute(select(Activity.chain_id_hex, Activity.evidence_hash, Activity.tx_hash)
                                   .where(Activity.id.in_(activity_ids))) for v in row if v]
    s.execute(update(Activity).where(Activity.id.in_(activity_ids)).values(
        salt=None, chain_id_hex=None, evidence_hash=None, serial=None, chain_time=None, tx_hash=None,
        block_number=None, failure=None, updated_at=datetime.now(UTC)))
    s.execute(delete(OutboxItem).where(OutboxItem.activity_id.in_(activity_ids)))
    s.execute(delete(ActivityAudit).where(ActivityAudit.activity_id.in_(activity_ids)))
    s.add_all([ActivityAudit(activity_id=i, actor=actor, action="link to the chain erased", before=None, after=None,
                             reason=reason) for i in activity_ids])
    return gone


def forget(s: Session, resident: Resident, into: Resident, actor: str, reason: str) -> dict:
    """Moves the resident's records under `into` (the pool) with their personal details and chain links removed,
    then deletes the resident. Answers what was done, in counts."""
    rid, pid = resident.id, into.id
    identifiers = [v for v in (resident.address, resident.name, resident.phone, resident.email,
                               resident.member_number) if v]
    activities = list(s.scalars(select(Activity).where(Activity.resident_id == rid)))
    identifiers += unlink_activities(s, [a.id for a in activities], actor, "the resident asked to be forgotten")
    for a in activities:
        # Kept for the city's accounts: centre, category, units, reward, status and the month only.
        a.resident_id, a.place, a.description, a.review_reason = pid, None, None, None
        a.occurred_at = a.occurred_at.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        if a.status in ("pending_review", "recorded"):
            a.status = "rejected"
    s.execute(update(AttendanceLine).where(AttendanceLine.resident_id == rid).values(
        resident_id=pid, member_number=None, address=None, phone=None, name=None, activity_id=None))
    s.execute(delete(ResidentChange).where(ResidentChange.resident_id == rid))
    # a new version for their offers: every API process's matcher drops them from its index at its next query, and
    # a stored matching model (keyed by the offers' version) is not loaded again but relearned without their words
    s.execute(update(TalentOffer).where(TalentOffer.resident_id == rid).values(
        resident_id=pid, title="", description=None, skills=[], status="withdrawn", version=next_version(s, "offers")))
    s.execute(update(Need).where(Need.resident_id == rid).values(
        resident_id=pid, title="", description=None, sentence=None, status="closed", closed_reason="forgotten"))
    mine = select(Need.id).where(Need.resident_id == pid).scalar_subquery()
    s.execute(update(Match).where(or_(Match.volunteer_id == rid, Match.need_id.in_(mine)),
                                  Match.status.in_(("proposed", "scheduled"))).values(status="cancelled",
                                                                                     reason="forgotten"))
    paid = list(s.scalars(select(Match.payment_tx).where(or_(Match.volunteer_id == rid, Match.need_id.in_(mine)),
                                                         Match.payment_tx.is_not(None))))
    identifiers += paid
    s.execute(update(Match).where(or_(Match.volunteer_id == rid, Match.need_id.in_(mine))).values(
        payment_ref=None, payment_tx=None, factors=None, reason=None))
    s.execute(update(Match).where(Match.volunteer_id == rid).values(volunteer_id=pid))
    s.execute(update(Proposal).where(Proposal.author_id == rid).values(author_id=pid))
    supported = list(s.scalars(select(ProposalSupport.proposal_id).where(ProposalSupport.resident_id == rid)))
    s.execute(delete(ProposalSupport).where(ProposalSupport.resident_id == rid))
    for proposal_id in supported:
        s.execute(update(Proposal).where(Proposal.id == proposal_id).values(supporters=Proposal.supporters - 1))
    s.execute(update(ProposalComment).where(ProposalComment.resident_id == rid).values(
        resident_id=None, author="resident", body=ERASED_TEXT))
    s.execute(update(NeighbourReport).where(NeighbourReport.reporter_id == rid).values(reporter_id=pid))
    s.execute(delete(CommunityCredit).where(CommunityCredit.resident_id == rid, CommunityCredit.activity_id.is_(None)))
    s.execute(update(CommunityCredit).where(CommunityCredit.resident_id == rid).values(resident_id=pid, reason=None))
    if resident.address:  # sign-in traces
        s.execute(delete(SiweNonce).where(SiweNonce.address == resident.address))
    # An account the centre held for them: the key destroyed with its cards (the coins stay at an address no one
    # can spend from again) and what they were told.
    cards = [f"card:{c}" for c in s.scalars(select(MemberCard.id).where(MemberCard.resident_id == rid))]
    s.execute(delete(MemberNotice).where(MemberNotice.resident_id == rid))
    s.execute(delete(MemberCard).where(MemberCard.resident_id == rid))
    s.execute(delete(CustodyMove).where(CustodyMove.resident_id == rid))  # it links the two addresses
    s.execute(delete(CustodialAccount).where(CustodialAccount.resident_id == rid))
    # Who acted for them: their guardians' registrations and the links naming the guardian on their operations.
    guardian_store.forget(s, rid)
    # The 1365 link: their 1365 id and consent go; portal hours stay with the activities they became (the pool's);
    # the lines of stored exports that name them are cut out of the files kept for download.
    link = s.get(PortalLink, rid)
    if link is not None:
        identifiers.append(link.portal_id)
        s.delete(link)
    s.execute(update(PortalHours).where(PortalHours.resident_id == rid).values(resident_id=pid, organisation=None))
    exported = select(PortalExported.export_id).join(Activity, Activity.id == PortalExported.activity_id).where(
        Activity.id.in_([a.id for a in activities]))
    for export in s.scalars(select(PortalExport).where(PortalExport.id.in_(exported))):
        export.content = portal_format.without_member(export.content, resident.member_number,
                                                      link.portal_id if link is not None else None)
    # The resident's own requests are stored under "resident:<id>" (services.actors), the address for older ones,
    # a card session's under "card:<card id>".
    answers = scrub_answers(s, identifiers, [f"resident:{rid}", *([resident.address] if resident.address else []),
                                             *cards])
    s.delete(resident)
    s.flush()
    return {"activities": len(activities), "answers_scrubbed": answers}


def scrub_answers(s: Session, identifiers: list[str], principals: list[str] | None) -> int:
    """Stored idempotent answers that name any of `identifiers` (or were the resident's own requests) keep their
    status, so a retry is still not applied twice, but lose their body."""
    text = func.lower(cast(IdempotencyRecord.response, Text))
    clauses = [text.like("%" + v.lower().replace("%", "").replace("_", "\\_") + "%", escape="\\")
               for v in identifiers if len(v) >= 4]
    if principals:
        clauses.append(IdempotencyRecord.principal.in_(principals))
    if not clauses:
        return 0
    ids = list(s.scalars(select(IdempotencyRecord.id).where(or_(*clauses))))
    if ids:
        s.execute(update(IdempotencyRecord).where(IdempotencyRecord.id.in_(ids)).values(response=ERASED))
    return len(ids)
