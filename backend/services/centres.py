"""Glue between the chain and the store that several entry points share."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from backend.chain.client import ChainClient
from backend.chain.serials import recover_highest_serials
from backend.store.db import transaction
from backend.store.models import Centre


def sync_centres(sessions: sessionmaker[Session], chain: ChainClient) -> None:
    """Centres from the manifest (names stay off-chain); serials continue after the highest attested on-chain."""
    highest = recover_highest_serials(sessions, chain)
    with transaction(sessions) as s:
        for entry in chain.deployment.manifest["config"]["centres"]:
            row = s.get(Centre, entry["id"]) or Centre(id=entry["id"], key=entry["key"], name=entry["name"], next_serial=0)
            row.key, row.name = entry["key"], entry["name"]
            row.next_serial = max(row.next_serial or 0, highest.get(entry["id"], -1) + 1)
            s.merge(row)
