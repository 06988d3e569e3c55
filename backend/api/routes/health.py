"""/health: database, chain (height, chain id against the manifest), worker and indexer lag, stuck transactions, and
whether the indexer or the writer is stuck (`problems`, thresholds in Settings.health_*).

The answer holds stable codes and numbers only. What went wrong is logged here, never answered: a node's error
names its RPC URL (a hosted provider's URL carries its API key) and a database's error its host and user."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from backend.store.health import stuck_transactions, worker_state

router = APIRouter(tags=["health"])
log = logging.getLogger("backend.health")


@router.get("/health")
def health(request: Request) -> JSONResponse:
    """`database`: ok | unreachable; `chain`: ok | unreachable | not_connected (no node at start-up) |
    wrong_chain (the node's chain id is not the manifest's); `problems`: indexer_behind | worker_stale |
    queue_stale; 503 unless both are ok and there is no problem. `matching`: warming | ready (the matcher's start-up
    warm-up, informational)."""
    state = request.app.state
    settings = state.settings
    out: dict = {"status": "ok"}
    try:
        with state.sessions() as s:
            beat, cursor, synced, oldest, queued, operations = worker_state(s)
            ceiling = state.settings.max_fee_wei(state.chain.chain_id) if state.chain is not None else None
            stuck = stuck_transactions(s, state.settings.stuck_after_s, ceiling)
        out["database"] = "ok"
    except Exception:
        log.exception("health: the database cannot be read")
        out["database"], out["status"] = "unreachable", "degraded"
        beat = cursor = synced = oldest = None
        queued = operations = stuck = None
    # Informational, never "degraded": while warming (the index filling and training, seconds after a start),
    # matching queries are answered, only the first ones slower.
    matcher = getattr(state, "matcher", None)
    if matcher is not None:
        out["matching"] = "ready" if matcher.warmed.is_set() else "warming"
    chain = state.chain
    height = None
    if chain is None:
        out["chain"], out["status"] = "not_connected", "degraded"
    else:
        try:
            height, node_chain_id = chain.web3.eth.block_number, chain.web3.eth.chain_id
            out["chain"] = "ok" if node_chain_id == chain.deployment.chain_id else "wrong_chain"
            out["block"], out["chain_id"] = height, node_chain_id
            out["manifest_chain_id"] = chain.deployment.chain_id
        except Exception:
            log.exception("health: the chain node cannot be read")
            out["chain"] = "unreachable"
        if out["chain"] != "ok":
            out["status"] = "degraded"
    now = datetime.now(UTC)
    beat_at = datetime.fromisoformat(beat.value) if beat else None
    out["worker"] = {
        "last_seen_s": round((now - beat_at).total_seconds(), 3) if beat_at else None,
        "pending": queued,
        "operations_pending": operations,  # relayed requests, providers' and the city's transactions
        "oldest_queued_s": round((now - oldest).total_seconds(), 3)
        if oldest else 0,
    }
    # Transactions not mined long after they were signed, per sending key: "stuck" (being bumped), or
    # "stuck_at_fee_ceiling" (the next bump would pass VB_MAX_FEE_GWEI: it waits for the base fee to fall).
    out["transactions"] = None if stuck is None else {
        "code": ("stuck_at_fee_ceiling" if any(e["at_fee_ceiling"] for e in stuck) else "stuck") if stuck else "ok",
        "stuck": stuck}
    lag = (height - int(cursor.value) + 1) if (cursor and height is not None) else None
    synced_at = datetime.fromisoformat(synced.value) if synced else None
    out["indexer"] = {"next_block": int(cursor.value) if cursor else None, "lag_blocks": lag,
                      "synced_s": round((now - synced_at).total_seconds(), 3) if synced_at else None}
    # What was never seen (no heartbeat, an indexer that never reached the head) is not judged: `lag_blocks` and
    # `oldest_queued_s` still show it.
    problems = []
    if (lag is not None and lag > settings.health_indexer_lag_blocks and synced_at is not None
            and (now - synced_at).total_seconds() > settings.health_indexer_behind_s):
        problems.append("indexer_behind")
    if beat_at is not None and (now - beat_at).total_seconds() > settings.health_worker_stale_s:
        problems.append("worker_stale")
    if oldest is not None and (now - oldest).total_seconds() > settings.health_queue_age_s:
        problems.append("queue_stale")
    out["problems"] = problems
    if problems:
        out["status"] = "degraded"
    return JSONResponse(out, status_code=200 if out["status"] == "ok" else 503)
