"""Areas (neighbourhoods with their centroid, for distances), organisations, and the version counters the matching
index follows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.store.models.core import Base, UtcDateTime, utcnow


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
