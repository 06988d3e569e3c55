"""What the public directory and the residents' history read besides the indexed events: the centres and the
offers' off-chain titles, and the offers as the indexer keeps them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.store.models import Centre, IndexedOffer, OfferDetails


def centres(s: Session) -> list[Centre]:
    """Every centre, by id (those of the manifest and those added since through the API)."""
    return list(s.scalars(select(Centre).order_by(Centre.id)))


def offer_titles(s: Session, offer_ids: Iterable[int]) -> dict[int, str]:
    """offer id → its off-chain title, for the offers that have one."""
    ids = sorted(set(offer_ids))
    if not ids:
        return {}
    return dict(s.execute(select(OfferDetails.offer_id, OfferDetails.title).where(OfferDetails.offer_id.in_(ids))).all())


def indexed_offers(s: Session) -> list[tuple[IndexedOffer, OfferDetails | None]]:
    """Every offer as the indexer keeps it, by id, with its off-chain title and description if it has them."""
    q = (select(IndexedOffer, OfferDetails).join(OfferDetails, OfferDetails.offer_id == IndexedOffer.offer_id, isouter=True)
         .order_by(IndexedOffer.offer_id))
    return list(s.execute(q).all())
