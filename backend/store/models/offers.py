"""Residents' talent offers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.store.models.core import Base, Resident, UtcDateTime, utcnow


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
