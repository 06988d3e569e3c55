"""The categories: their listing for the staff console (names from the deployment's configuration, the rule the
registry applies now, read once per block), and those the community layer settles in, found by their key in the
manifest, so a city may number them as it likes."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import requests
from sqlalchemy.orm import Session

from backend.chain.client import ChainClient
from backend.domain.errors import Refusal
from backend.store import events

VOLUNTEERING = "volunteering"        # matched volunteer activity, in minutes
COMMUNITY_REWARD = "community_reward"  # community points (a confirmed neighbour report, a grant), per period


def category_id(chain: ChainClient, key: str) -> int:
    for c in chain.deployment.manifest.get("config", {}).get("categories", []):
        if c.get("key") == key:
            return int(c["id"])
    raise Refusal(503, "category_not_configured", key=key)


def max_units(chain: ChainClient, key: str) -> int:
    """The most units one activity of the category may have: the chain's rule, else (no rule, or the node not
    answering) the deployment's configuration, so a need can still be posted while the node is away."""
    category = category_id(chain, key)
    try:
        rule = chain.rule(category)
    except (requests.exceptions.RequestException, ValueError):
        rule = None
    if rule is not None and rule.max_units:
        return rule.max_units
    entry = next(c for c in chain.deployment.manifest["config"]["categories"] if int(c["id"]) == category)
    return int(entry.get("maxUnits") or entry.get("max_units"))


# registry address → (the block the listing was read at, the listing): read again when a new block arrives, since
# only a transaction can change a rule.
_LISTINGS: dict[str, tuple[int, list[dict]]] = {}
_LISTINGS_LOCK = threading.Lock()


def listing(chain: ChainClient) -> list[dict]:
    """Every category of the deployment's configuration with its names, unit, and the rule in force at the newest
    block: coins per block of units (base units), the units of a block, the most units of one activity, whether it
    is active, and the rule's version."""
    block = int(chain.rpc("eth_blockNumber", []), 16)
    with _LISTINGS_LOCK:
        hit = _LISTINGS.get(chain.registry.address)
    if hit is not None and hit[0] == block:
        return hit[1]
    out = []
    for c in chain.deployment.manifest.get("config", {}).get("categories", []):
        coins, units, most, version, active = chain.registry.functions.categoryRule(int(c["id"])).call(
            block_identifier=block)
        out.append({"id": int(c["id"]), "key": c["key"], "name": c.get("name"), "name_ko": c.get("name_ko"),
                    "unit": c.get("unit"), "coins_per_block": str(coins), "units_per_block": units,
                    "max_units": most, "active": bool(active) and version > 0, "rule_version": version})
    with _LISTINGS_LOCK:
        _LISTINGS[chain.registry.address] = (block, out)
    return out


def rule_history(db: Session, chain: ChainClient, category: int) -> dict:
    """Every version of the category's rule, oldest first, from the indexed `CategoryRuleSet` events: what it paid,
    whether it was active, and the block, time and transaction that set it."""
    if not 1 <= category < 2**16:
        raise Refusal(422, "invalid_category", "a category is 1–65535")
    config = next((c for c in chain.deployment.manifest.get("config", {}).get("categories", [])
                   if int(c["id"]) == category), {})
    versions = [{"version": int(e.args["version"]), "coins_per_block": str(e.args["coinsPerBlock"]),
                 "units_per_block": int(e.args["unitsPerBlock"]), "max_units": int(e.args["maxUnits"]),
                 "active": bool(e.args["active"]), "block_number": e.block_number,
                 "time": datetime.fromtimestamp(e.block_time, UTC) if e.block_time is not None else None,
                 "tx_hash": e.tx_hash} for e in events.category_rule_events(db, category)]
    if not versions and not config:
        raise Refusal(404, "unknown_category", category=category)
    return {"id": category, "key": config.get("key"), "name": config.get("name"), "name_ko": config.get("name_ko"),
            "unit": config.get("unit"), "versions": versions}
