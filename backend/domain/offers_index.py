"""A Redemption offer's state from its events alone (no I/O): what the indexer keeps in `indexed_offers`.

OfferCreated gives the provider, price and capacity (active, nothing sold); OfferUpdated the price, capacity and
active flag; OfferActiveSet the active flag (the admin's switch, or the provider losing its role). A voucher's id is
(offerId << 32) | serial, its serial the offer's `sold` before it (Redemption._redeem), so VoucherIssued gives the
offer and its new `sold` = serial + 1."""

from __future__ import annotations

OFFER_EVENTS = ("OfferCreated", "OfferUpdated", "OfferActiveSet", "VoucherIssued")


def offer_of_event(name: str, args: dict) -> int | None:
    """The offer an event changes, or None for an event about no offer."""
    if name in ("OfferCreated", "OfferUpdated", "OfferActiveSet"):
        return int(args["offerId"])
    if name == "VoucherIssued":
        return int(args["voucherId"]) >> 32
    return None


def apply_offer_event(offers: dict[int, dict], name: str, args: dict, block_number: int) -> int | None:
    """Applies one event (in chain order) to `offers` (offer id → the columns of indexed_offers); returns the offer
    it changed, or None."""
    offer_id = offer_of_event(name, args)
    if offer_id is None:
        return None
    if name == "OfferCreated":
        offers[offer_id] = {"offer_id": offer_id, "provider": args["provider"], "price": str(int(args["price"])),
                            "capacity": int(args["capacity"]), "sold": 0, "active": True, "block_number": block_number}
        return offer_id
    row = offers.get(offer_id)
    if row is None:  # an event of an offer created before the blocks given: nothing to apply it to
        return None
    if name == "OfferUpdated":
        row.update(price=str(int(args["price"])), capacity=int(args["capacity"]), active=bool(args["active"]))
    elif name == "OfferActiveSet":
        row["active"] = bool(args["active"])
    else:  # VoucherIssued
        row["sold"] = max(row["sold"], (int(args["voucherId"]) & 0xFFFFFFFF) + 1)
    row["block_number"] = block_number
    return offer_id
