"""The chain writer and the indexer as a process of their own:

    python -m backend.worker

(`create_app(run_worker=True)` runs the same threads inside the API process, for development.)
On start it reconciles with the chain: whatever was signed, broadcast or mined before a crash is followed to its
end before anything new is sent."""

from __future__ import annotations

import logging
import signal
import sys
import threading

from sqlalchemy.orm import Session, sessionmaker

from backend.chain.client import ChainClient
from backend.chain.indexer import Indexer
from backend.chain.keys import KeyError_, load_centre_signers, load_sender_keys
from backend.chain.sender import OpSender
from backend.chain.writer import ChainWriter
from backend.config import Settings, get_settings
from backend.domain.sentences import encoder
from backend.services.centres import sync_centres
from backend.services.community_rewards import CommunityRewardSettler
from backend.services.idempotency import forget_expired_until
from backend.services.sentences import fill_until
from backend.store.db import make_engine, make_session_factory, migrate

log = logging.getLogger("backend.worker")


def start_in_process(settings: Settings, sessions: sessionmaker[Session], chain: ChainClient,
                     stop: threading.Event) -> list[threading.Thread]:
    signers = load_centre_signers(settings, chain.chain_id)
    writer = ChainWriter(settings, sessions, chain, signers)
    indexer = Indexer(sessions, chain, settings.lease_s)
    sender = OpSender(settings, sessions, chain, load_sender_keys(settings, chain.chain_id))
    shared = {s.address for s in signers.values()} & set(sender.by_address)
    if shared:  # two nonce managers for one key would collide
        raise KeyError_(f"{sorted(shared)} would be both a centre's key and a relayer/admin/provider key: use separate keys")
    threads = [threading.Thread(target=writer.run, args=(stop,), name="chain-writer", daemon=True),
               threading.Thread(target=indexer.run, args=(stop,), name="indexer", daemon=True),
               threading.Thread(target=sender.run, args=(stop,), name="op-sender", daemon=True),
               threading.Thread(target=CommunityRewardSettler(settings, sessions, chain).run, args=(stop,),
                                name="community-rewards", daemon=True),
               threading.Thread(target=forget_expired_until, args=(sessions, settings.idempotency_ttl_s, stop),
                                name="idempotency-expiry", daemon=True),
               threading.Thread(target=fill_until, args=(sessions, stop), name="sentence-vectors", daemon=True)]
    for t in threads:
        t.start()
    log.info("chain writer for centres %s, indexer, and sender (relayer %s, admin %s, providers %s) started",
             sorted(signers), sorted(sender.keys["relayer"]), sorted(sender.keys["admin"]), sorted(sender.keys["provider"]))
    return threads


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = get_settings()
    encoder()  # the sentence encoder (services.sentences), loaded before any thread: loading sets the environment
    migrate(settings.database_url)
    sessions = make_session_factory(make_engine(settings.database_url))
    chain = ChainClient(settings)
    sync_centres(sessions, chain)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threads = start_in_process(settings, sessions, chain, stop)
    while not stop.is_set():
        stop.wait(1)
    for t in threads:
        t.join(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
