"""Community proposals with their supports and comments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.store.models.core import Base, UtcDateTime, utcnow


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

