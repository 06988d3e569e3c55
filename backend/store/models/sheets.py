"""Attendance sheets: a coordinator's upload of one event's participants (CSV or Excel), kept as a draft with one
row per line until it is approved, when each kept line becomes an approved activity."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.store.models.core import Base, UtcDateTime, utcnow


class AttendanceSheet(Base):
    __tablename__ = "attendance_sheets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    category: Mapped[int] = mapped_column(Integer)
    occurred_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    filename: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))  # draft | approved
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lines: Mapped[list[AttendanceLine]] = relationship(order_by="AttendanceLine.n", back_populates="sheet")


class AttendanceLine(Base):
    """One line of a sheet as read (the cells as text), the resident it names (when found in the centre), its units
    (when they are a whole number), dropped or kept, and the activity it became."""

    __tablename__ = "attendance_lines"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("attendance_sheets.id"), index=True)
    n: Mapped[int] = mapped_column(Integer)  # 1, 2, … in the file's order (blank rows skipped)
    row: Mapped[int] = mapped_column(Integer)  # the row of the file it was read from (the header is row 1)
    member_number: Mapped[str | None] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(60))
    name: Mapped[str | None] = mapped_column(String(200))
    units_text: Mapped[str | None] = mapped_column(String(40))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    lookup_problem: Mapped[str | None] = mapped_column(String(30))  # unknown_resident | ambiguous_resident
    units: Mapped[int | None] = mapped_column(BigInteger)
    dropped: Mapped[bool] = mapped_column(Boolean, default=False)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))
    sheet: Mapped[AttendanceSheet] = relationship(back_populates="lines")
    __table_args__ = (UniqueConstraint("sheet_id", "n", name="uq_attendance_lines_sheet_n"),)


class SignedBatch(Base):
    """A sheet's activities for its coordinator's own wallet to sign (EIP-712 AttestBatch), then sent whole with
    attestBatchBySig, so the registry records that coordinator, not the centre's key, as their attester.

    status: awaiting (to be signed) → signed (its outbox items queued for the chain writer); stale when the
    signature could not be used (expired, its nonce used, a refused activity: `error` says which), to be signed
    again; released when the coordinator let the centre's key send them instead."""

    __tablename__ = "signed_batches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("attendance_sheets.id"), unique=True)
    centre_id: Mapped[int] = mapped_column(Integer)
    coordinator: Mapped[str] = mapped_column(String(42), index=True)
    status: Mapped[str] = mapped_column(String(20))
    nonce: Mapped[int | None] = mapped_column(BigInteger)
    deadline: Mapped[int | None] = mapped_column(BigInteger)
    signature: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
