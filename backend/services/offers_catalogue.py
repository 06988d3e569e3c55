"""The providers' offers as residents see them: on-chain price, capacity, sold and active, with the title and
description kept off-chain. The catalogue (GET /offers) is read from the indexer's rows (store.directory
.indexed_offers), never one call to the node per offer per request; one offer (GET /offers/{id}, a provider's own
listing, the relay's checks) is read from the chain as it is now."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backend.chain import reads
from backend.chain.client import ChainClient
from backend.domain.activities import parse_address
from backend.domain.bounds import BIGINT_MAX
from backend.domain.errors import Refusal
from backend.store import directory
from backend.store.models import OfferDetails


def names(chain: ChainClient, listing: str) -> dict[str, str]:
    """address → name of the manifest's providers or charities."""
    return {parse_address(p["address"]): p.get("name") or p.get("key")
            for p in chain.deployment.manifest.get("config", {}).get(listing, [])
            if str(p.get("address", "")).startswith("0x")}


def offer_view(db: Session, chain: ChainClient, offer_id: int, providers: dict[str, str] | None = None) -> dict | None:
    """An offer as OfferOut shows it, or None when the chain has no such offer (`providers`: names(chain,
    "providers"), when the caller shows many offers)."""
    if not 0 < offer_id <= BIGINT_MAX:  # the largest our columns hold (api/schemas: OfferId)
        return None
    provider, price, capacity, sold, active = reads.offer(chain, offer_id)
    if int(provider, 16) == 0:
        return None
    details = db.get(OfferDetails, offer_id)
    providers = providers if providers is not None else names(chain, "providers")
    return {"offer_id": offer_id, "provider": provider, "provider_name": providers.get(provider),
            "title": details.title if details else None, "description": details.description if details else None,
            "price": str(price), "capacity": capacity, "sold": sold, "remaining": max(capacity - sold, 0),
            "active": active}


def offer_or_refuse(db: Session, chain: ChainClient, offer_id: int) -> dict:
    offer = offer_view(db, chain, offer_id)
    if offer is None:
        raise Refusal(404, "not_found", what=f"offer {offer_id}")
    return offer


def all_offers(db: Session, chain: ChainClient) -> list[dict]:
    count = chain.redemption.functions.offerCount().call()
    providers = names(chain, "providers")  # once, not per offer
    return [o for o in (offer_view(db, chain, i, providers) for i in range(1, count + 1)) if o is not None]


def catalogue(db: Session, chain: ChainClient, include_inactive: bool = False) -> list[dict]:
    """Every offer as indexed (as of the indexer's last block: GET /health's indexer lag); by default only those
    active with vouchers left."""
    providers = names(chain, "providers")
    out = []
    for o, details in directory.indexed_offers(db):
        remaining = max(o.capacity - o.sold, 0)
        if include_inactive or (o.active and remaining > 0):
            out.append({"offer_id": o.offer_id, "provider": o.provider, "provider_name": providers.get(o.provider),
                        "title": details.title if details else None,
                        "description": details.description if details else None, "price": o.price,
                        "capacity": o.capacity, "sold": o.sold, "remaining": remaining, "active": o.active})
    return out


def offers_of(db: Session, chain: ChainClient, provider: str) -> list[dict]:
    return [o for o in all_offers(db, chain) if o["provider"] == provider]
