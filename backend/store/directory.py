"""What the public directory and the residents' history read besides the indexed events: the centres and the
offers' off-chain titles."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.store.models import Centre, OfferDetails


def centres(s: Session) -> list[Centre]:
    """Every centre, by id (those of the manifest and those added since through the API)."""
    return list(s.scalars(select(Centre).order_by(Centre.id)))


def offer_titles(s: Session, offer_ids: Iterable[int]) -> dict[int, str]:
    """offer id → its off-chain title, for the offers that have one."""
    ids = sorted(set(offer_ids))
    if not ids:
        return {}
    return dict(s.execute(select(OfferDetails.offer_id, OfferDetails.title).where(OfferDetails.offer_id.in_(ids))).all())
