"""Kiosks enrolled as devices of their centre (services.kiosks)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.store.models import KioskDevice


def of_centre(s: Session, centre_id: int) -> list[KioskDevice]:
    return list(s.scalars(select(KioskDevice).where(KioskDevice.centre_id == centre_id).order_by(KioskDevice.id)))


def get(s: Session, device_id: int, *, for_update: bool = False) -> KioskDevice | None:
    query = select(KioskDevice).where(KioskDevice.id == device_id)
    return s.scalar(query.with_for_update() if for_update else query)


def by_digest(s: Session, digest: str) -> KioskDevice | None:
    return s.scalar(select(KioskDevice).where(KioskDevice.token_digest == digest))
