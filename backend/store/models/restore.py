"""Attestations the registry holds that no activity here holds: found when a restored database's chain state is
rebuilt from the registry's events (backend/chain/restore.py). A coordinator who enters the same activity again
gets this attestation linked to it instead of a second one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.store.models.core import Base, UtcDateTime, utcnow


class UnmatchedAttestation(Base):
    __tablename__ = "unmatched_attestations"
    chain_id_hex: Mapped[str] = mapped_column(String(66), primary_key=True)
    centre_id: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(BigInteger)
    # What the chain shows of the activity, all a re-entry can be matched on: the salt that made its id is lost.
    volunteer: Mapped[str] = mapped_column(String(42))
    category: Mapped[int] = mapped_column(Integer)
    units: Mapped[int] = mapped_column(BigInteger)
    chain_time: Mapped[int] = mapped_column(BigInteger)  # the day (00:00 UTC), as attested
    evidence_hash: Mapped[str] = mapped_column(String(66))
    amount: Mapped[str] = mapped_column(String(80))
    tx_hash: Mapped[str] = mapped_column(String(66))
    block_number: Mapped[int] = mapped_column(BigInteger)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # The activity entered again that now holds it (None: still waiting for one).
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"), unique=True)
    found_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    __table_args__ = (Index("ix_unmatched_attestations_match", "centre_id", "volunteer", "category", "units",
                            "chain_time"),)
