"""The public directory (no sign-in): centres, categories, providers and charities with their names in English and
Korean, for the residents' app (services.directory)."""

from __future__ import annotations

from fastapi import APIRouter

from backend.api.deps import ChainDep, DbDep
from backend.services import categories, directory

router = APIRouter(tags=["directory"])


@router.get("/charities")
def charities(db: DbDep, chain: ChainDep) -> list[dict]:
    """The charities registered now (CHARITY_ROLE on Redemption, as indexed), in the order they were registered,
    with their key and names from the deployment's configuration (null for an address it does not name)."""
    return directory.charities(db, chain)


@router.get("/directory")
def full_directory(db: DbDep, chain: ChainDep) -> dict:
    """Centres, categories (names, unit and the rule in force), and the providers and charities registered now."""
    return directory.directory(db, chain)


@router.get("/categories")
def category_listing(chain: ChainDep) -> list[dict]:
    """Every category with its names in English and Korean, its unit, and the rule the registry applies now
    (coins_per_block in base units per units_per_block units, max_units per activity, active, rule_version)."""
    return categories.listing(chain)
