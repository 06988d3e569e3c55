"""The categories the community layer settles in, found by their key in the deployment's configuration (the
manifest), so a city may number them as it likes."""

from __future__ import annotations

import requests

from backend.chain.client import ChainClient
from backend.domain.errors import Refusal

VOLUNTEERING = "volunteering"        # matched volunteer activity, in minutes
NEIGHBOUR_FOUND = "neighbour_found"  # a confirmed neighbour-in-need report


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
