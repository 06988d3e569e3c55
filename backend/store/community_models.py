"""Models of the community layer: areas, organisations, talent offers and needs, matches, neighbour-in-need reports
(sealed: their sensitive fields are AES-GCM ciphertext), community proposals with supports and comments.

Imported by backend.store.models, so Alembic and every session see them with the rest of the schema.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.store.models import Base, Resident, UtcDateTime, utcnow


class VersionCounter(Base):
    """Monotonic counters handed out under a row lock: the version of the offers the matching index follows."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class Area(Base):
    """A neighbourhood (e.g. a dong) with its centroid, for distances. Centres name theirs in `centres.area`."""

    __tablename__ = "areas"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class Organisation(Base):
    """A farm, small firm, social-economy group or other body that offers or needs help; a resident (its
    representative, signed in with their wallet) acts for it."""

    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))  # farm | small_firm | social_economy | nonprofit | public | other
    area: Mapped[str] = mapped_column(ForeignKey("areas.code"))
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))  # whose coordinators approve its volunteering
    representative_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class TalentOffer(Base):
    """What a resident (or an organisation, through its representative) offers: talents, skills, availability, area.

    status: active | withdrawn. `version` (from the "offers" counter) changes with every change that matters to the
    matching index, which follows it."""

    __tablename__ = "talent_offers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    skills: Mapped[list] = mapped_column(JSON, default=list)
    area: Mapped[str] = mapped_column(ForeignKey("areas.code"))
    availability: Mapped[int] = mapped_column(Integer, default=0)  # bit mask of weekly slots, see domain.matching
    status: Mapped[str] = mapped_column(String(20), default="active")
    version: Mapped[int] = mapped_column(BigInteger, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    resident: Mapped[Resident] = relationship()


class Need(Base):
    """What someone needs done, when and where: a resident, an organisation (through its representative), or a
    community project (a centre's, from a proposal).

    settlement: volunteer_activity (a centre's coordinator approves it and the registry mints coins) | payment
    (between two residents: the beneficiary pays the volunteer through the Redemption contract).
    status: open → filled (as many accepted matches as people needed) → done ; closed (withdrawn)."""

    __tablename__ = "needs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)  # None: a centre's need
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"), index=True)
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    area: Mapped[str] = mapped_column(ForeignKey("areas.code"))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    people_needed: Mapped[int] = mapped_column(Integer, default=1)
    settlement: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    created_by: Mapped[str] = mapped_column(String(100))
    closed_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    resident: Mapped[Resident | None] = relationship()


class Match(Base):
    """An offer matched to a need. Both sides accept → scheduled; afterwards the beneficiary confirms it happened
    (completed, which records the volunteer activity or asks for the payment) or that it did not (no_show).

    status: proposed → scheduled → completed | no_show ; declined ; cancelled."""

    __tablename__ = "matches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("talent_offers.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    proposed_by: Mapped[str] = mapped_column(String(100))
    need_accepted_by: Mapped[str | None] = mapped_column(String(100))
    offer_accepted_by: Mapped[str | None] = mapped_column(String(100))
    score: Mapped[float | None] = mapped_column(Float)
    factors: Mapped[dict | None] = mapped_column(JSON)  # the ranking's factors when it was proposed
    minutes: Mapped[int | None] = mapped_column(Integer)  # as confirmed by the beneficiary
    confirmed_by: Mapped[str | None] = mapped_column(String(100))
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reason: Mapped[str | None] = mapped_column(Text)  # of a decline, a cancellation or a no-show
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))
    # Between two residents: the agreed payment, paid by the beneficiary with Redemption.payForService(volunteer,
    # amount, payment_ref); `payment_status` awaiting_payment → paid once the indexer has seen that ServicePaid.
    payment_ref: Mapped[str | None] = mapped_column(String(66), unique=True)
    payment_amount: Mapped[str | None] = mapped_column(String(80))
    payment_status: Mapped[str | None] = mapped_column(String(20))
    payment_tx: Mapped[str | None] = mapped_column(String(66))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    need: Mapped[Need] = relationship()
    offer: Mapped[TalentOffer] = relationship()
    volunteer: Mapped[Resident] = relationship()
    __table_args__ = (UniqueConstraint("need_id", "offer_id"),)


class NeighbourReport(Base):
    """A resident's report of a neighbour who may need help. The place, the situation and the officers' notes are
    sealed (AES-256-GCM, key from VB_REPORTS_KEY, `key_id` names it); only the area, needed to route the report to
    its welfare officers, is clear. Nothing of it goes on-chain.

    status: new → in_review → confirmed (the reporter is rewarded: "neighbour found") | dismissed."""

    __tablename__ = "neighbour_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)  # random; bound into the ciphertext as associated data
    reporter_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    area: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    key_id: Mapped[str] = mapped_column(String(16))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)  # nonce ‖ ciphertext ‖ tag of {"place", "situation", ...}
    notes_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)  # the officers' triage notes, sealed alike
    notes_key_id: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    triaged_by: Mapped[str | None] = mapped_column(String(100))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class ReportAccess(Base):
    """Every time a report is read (listed, opened) or changed, by whom."""

    __tablename__ = "report_access_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("neighbour_reports.id"), index=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))  # listed | read | triaged
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Proposal(Base):
    """A resident's proposal: a local problem or a meeting. Others support it (once each) and comment; a
    coordinator turns it into a volunteer project of a centre, with needs the matching fills.

    status: open → project → done ; closed (declined, with a reason)."""

    __tablename__ = "proposals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # problem | meeting
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    area: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    supporters: Mapped[int] = mapped_column(Integer, default=0)
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id"))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class ProposalSupport(Base):
    __tablename__ = "proposal_supports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    __table_args__ = (UniqueConstraint("proposal_id", "resident_id"),)


class ProposalComment(Base):
    __tablename__ = "proposal_comments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    author: Mapped[str] = mapped_column(String(100))  # shown: "resident 12" or the staff member's role and centre
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


Index("ix_matches_volunteer_status", Match.volunteer_id, Match.status)
