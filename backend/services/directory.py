"""The public directory: centres, categories, and the providers and charities registered now, with their display
names in English and Korean.

Who is registered comes from the indexed RoleGranted / RoleRevoked events of Redemption (read on every request, so
it is as fresh as the indexer); names, keys and units from the deployment's configuration in the manifest (off-chain:
an address registered through the API has none); the category rules from the registry (what an activity earns
now)."""

from __future__ import annotations

import requests
from sqlalchemy.orm import Session

from backend.chain import reads
from backend.chain.client import ChainClient
from backend.domain.activities import parse_address
from backend.domain.directory import holders
from backend.store import directory as store
from backend.store.events import role_events

LISTINGS = {"providers": reads.PROVIDER_ROLE, "charities": reads.CHARITY_ROLE}


def _config(chain: ChainClient) -> dict:
    return chain.deployment.manifest.get("config") or {}


def member_entries(chain: ChainClient, listing: str) -> dict[str, dict]:
    """address → the manifest's entry of a provider or a charity ("providers" or "charities")."""
    return {parse_address(m["address"]): m for m in _config(chain).get(listing, [])
            if str(m.get("address", "")).startswith("0x")}


def registered(db: Session, chain: ChainClient, listing: str) -> list[dict]:
    """The providers or charities holding their role on Redemption now, in the order they were registered, each
    with its key and names from the manifest (None when the manifest does not name the address)."""
    known = member_entries(chain, listing)
    out = []
    for address in holders(role_events(db, "Redemption"), LISTINGS[listing]):
        entry = known.get(address, {})
        out.append({"address": address, "key": entry.get("key"), "name": entry.get("name"),
                    "name_ko": entry.get("name_ko")})
    return out


def charities(db: Session, chain: ChainClient) -> list[dict]:
    return registered(db, chain, "charities")


def centre_entries(chain: ChainClient) -> dict[int, dict]:
    """centre id → the manifest's entry."""
    return {int(c["id"]): c for c in _config(chain).get("centres", [])}


def centres(db: Session, chain: ChainClient) -> list[dict]:
    """Every centre (the manifest's and those added through the API since), with its Korean name from the manifest."""
    names_ko = {i: c.get("name_ko") for i, c in centre_entries(chain).items()}
    return [{"id": c.id, "key": c.key, "name": c.name, "name_ko": names_ko.get(c.id)} for c in store.centres(db)]


def category_entries(chain: ChainClient) -> dict[int, dict]:
    """category id → the manifest's entry."""
    return {int(c["id"]): c for c in _config(chain).get("categories", [])}


def categories(chain: ChainClient) -> list[dict]:
    """The manifest's categories with their names and unit, and the rule the registry applies now (the manifest's
    rule if the node cannot be asked)."""
    out = []
    for c in _config(chain).get("categories", []):
        try:
            rule = chain.rule(int(c["id"]))
        except (requests.exceptions.RequestException, ValueError):
            rule = None
        if rule is not None and rule.units_per_block:
            coins, units, most, active = rule.coins_per_block, rule.units_per_block, rule.max_units, rule.active
        else:
            coins, units, most = int(c["coinsPerBlock"]), int(c["unitsPerBlock"]), int(c["maxUnits"])
            active = bool(c.get("active", True))
        out.append({"id": int(c["id"]), "key": c["key"], "unit": c.get("unit"), "name": c.get("name"),
                    "name_ko": c.get("name_ko"), "coins_per_block": str(coins), "units_per_block": units,
                    "max_units": most, "active": active})
    return out


def directory(db: Session, chain: ChainClient) -> dict:
    """Centres, categories, providers and charities, for the residents' app."""
    return {"centres": centres(db, chain), "categories": categories(chain),
            "providers": registered(db, chain, "providers"), "charities": charities(db, chain)}
