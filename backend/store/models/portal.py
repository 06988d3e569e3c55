"""The link with the national volunteer portal 1365: its programmes as imported, each resident's consent to share
their hours with it (and their 1365 id), the activities exported to it, and the portal hours imported here."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.store.models.core import Base, UtcDateTime, utcnow


class PortalProgramme(Base):
    """A 1365 programme residents can browse and be matched to, as its last import left it."""

    __tablename__ = "portal_programmes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_no: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[int | None] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    begin_hour: Mapped[int | None] = mapped_column(Integer)
    end_hour: Mapped[int | None] = mapped_column(Integer)
    place: Mapped[str | None] = mapped_column(String(300))
    organisation: Mapped[str | None] = mapped_column(String(200))
    sido_code: Mapped[str | None] = mapped_column(String(20))
    gugun_code: Mapped[str | None] = mapped_column(String(20))
    field: Mapped[str | None] = mapped_column(String(40))
    adults: Mapped[bool | None] = mapped_column(Boolean)
    youths: Mapped[bool | None] = mapped_column(Boolean)
    recruits: Mapped[int | None] = mapped_column(Integer)
    weekdays: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(Text)
    area: Mapped[str | None] = mapped_column(ForeignKey("areas.code"))  # where this bank places it, for distances
    digest: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(100))
    # the sentence vector of its text for matching (domain.sentences.pack; None: not computed yet)
    sentence: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)


class PortalLink(Base):
    """A resident's 1365 id and their consent to have this bank's hours sent to the portal (recorded by a
    coordinator in person, or by the resident); withdrawn consent stops every later export."""

    __tablename__ = "portal_links"
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), primary_key=True)
    portal_id: Mapped[str] = mapped_column(String(40))
    consent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    consent_by: Mapped[str | None] = mapped_column(String(100))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class PortalExport(Base):
    """One export of a centre's hours for the portal: the file as given (so it can be downloaded again) and who made
    it. Its activities are in portal_exported, once each."""

    __tablename__ = "portal_exports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    lines: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class PortalExported(Base):
    __tablename__ = "portal_exported"
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), primary_key=True)
    export_id: Mapped[int] = mapped_column(ForeignKey("portal_exports.id"), index=True)


class PortalHours(Base):
    """A line of portal hours imported for a resident, and the activity it became: its key (resident, day, start,
    minutes, programme) is unique, so the same line imported twice is refused, not credited twice."""

    __tablename__ = "portal_hours"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_key: Mapped[str] = mapped_column(String(64))
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"))
    programme_no: Mapped[str | None] = mapped_column(String(20))
    organisation: Mapped[str | None] = mapped_column(String(200))
    imported_by: Mapped[str] = mapped_column(String(100))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    __table_args__ = (UniqueConstraint("line_key", name="uq_portal_hours_line_key"),)
