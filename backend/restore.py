"""Rebuilds the chain state of a restored database from the registry's events (backend/chain/restore.py):

    python -m backend.restore                  # rebuild if the chain moved on without this database
    python -m backend.restore --force          # rebuild from the newest block the database knew, in any case
    python -m backend.restore --from-block N   # from block N (the deployment block: a database lost without backup)
    python -m backend.restore --list           # the attestations no activity here holds (JSON lines)

`python -m backend.worker` does the first by itself before it sends anything; this command is for doing it before
the workers start, or again. It takes the chain writer's lease (stop the workers first: it waits at most twice
VB_LEASE_S for it), prints what it did as JSON, and exits 1 when the rebuild could not finish — the database then
keeps refusing approvals (`restoring`) until a rebuild does.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time

from backend.chain.client import ChainClient
from backend.chain.keys import load_centre_signers
from backend.chain.restore import rebuild_chain_state
from backend.chain.writer import ChainWriter
from backend.config import get_settings
from backend.store.db import make_engine, make_session_factory, migrate, transaction
from backend.store.leases import LeaseKeeper
from backend.store.restore import set_restoring, unmatched_listing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.restore", description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="rebuild even if no restore is noticed")
    parser.add_argument("--from-block", type=int, help="read the registry's events from this block")
    parser.add_argument("--list", action="store_true", help="list the unmatched attestations and exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = get_settings()
    migrate(settings.database_url)
    sessions = make_session_factory(make_engine(settings.database_url))
    if args.list:
        with sessions() as s:
            for row in unmatched_listing(s):
                print(json.dumps(row))
        return 0
    chain = ChainClient(settings)
    senders = sorted({s.address for s in load_centre_signers(settings, chain.chain_id).values()})
    lease = LeaseKeeper(sessions, ChainWriter.NAME, settings.lease_s) if settings.lease_s else None
    if lease is not None:
        deadline = time.monotonic() + 2 * settings.lease_s + 1
        while not lease.hold():
            if time.monotonic() > deadline:
                print("a worker holds the chain writer's lease: stop the workers first (a worker rebuilds by itself "
                      "when it starts)", file=sys.stderr)
                return 2
            time.sleep(min(1.0, settings.lease_s / 3))
    try:
        if args.force or args.from_block is not None:
            with transaction(sessions) as s:  # approvals wait from now, even if this run fails
                set_restoring(s, "python -m backend.restore")
        result = rebuild_chain_state(sessions, chain, senders, force=args.force, from_block=args.from_block)
    except Exception as exc:  # noqa: BLE001 — reported; the flag keeps approvals refused
        print(json.dumps({"state": "failed", "error": str(exc)[:500]}))
        return 1
    finally:
        if lease is not None:
            lease.release()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
