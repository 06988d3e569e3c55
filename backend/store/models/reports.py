"""Neighbour-in-need reports (sealed: their sensitive fields are AES-GCM ciphertext) and who accessed them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.store.models.core import Base, UtcDateTime, utcnow


class NeighbourReport(Base):
    """A resident's report of a neighbour who may need help. The place, the situation and the officers' notes are
    sealed (AES-256-GCM, key from VB_REPORTS_KEY, `key_id` names it); only the area, needed to route the report to
    its welfare officers, is clear. Nothing of it goes on-chain.

    status: new → in_review → confirmed (the reporter earns community points, attested with the period's other
    community rewards: see CommunityCredit) | dismissed. `activity_id` is set only on reports rewarded before
    community rewards existed."""

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
    """Every time a report is read (listed, opened) or changed, by whom; and every refused attempt to open it by a
    staff account (action "refused:<why>", services.reports.REFUSALS_LOGGED)."""

    __tablename__ = "report_access_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("neighbour_reports.id"), index=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))  # listed | read | triaged | refused:area|role|password|scope
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class CommunityCredit(Base):
    """Points of community reward a resident earned and that wait for the period's community batch: a confirmed
    neighbour report (`report_id`: known here, to the area's officers, and nowhere else) or a coordinator's grant
    (`reason`). The batch attests each resident's points of the period as one `community_reward` activity dated at
    the period's start; `activity_id` is that activity once it is recorded."""

    __tablename__ = "community_credits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    points: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20))  # report | grant
    report_id: Mapped[int | None] = mapped_column(ForeignKey("neighbour_reports.id"), unique=True)
    granted_by: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(String(300))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    __table_args__ = (Index("ix_community_credits_unsettled", "centre_id", "activity_id"),)
