"""Matches between a need and an offer, and what settled them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.store.models.core import Base, Resident, UtcDateTime, utcnow

if TYPE_CHECKING:  # relationships name them; SQLAlchemy finds them in its registry
    from backend.store.models.needs import Need
    from backend.store.models.offers import TalentOffer


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


Index("ix_matches_volunteer_status", Match.volunteer_id, Match.status)
