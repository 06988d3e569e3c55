"""Needs: help asked for by a resident, an organisation's representative, a centre or a community project."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.store.models.core import Base, Resident, UtcDateTime, utcnow


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
    # the sentence vector of its text for matching (domain.sentences.pack; None: not computed yet)
    sentence: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    resident: Mapped[Resident | None] = relationship()
