"""/health: database, chain (height, chain id against the manifest), worker and indexer lag, stuck transactions."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from backend.store.health import stuck_transactions, worker_state

router = APIRouter(tags=["health"])


@router.get("/health")
def health(request: Request) -> JSONResponse:
    state = request.app.state
    out: dict = {"status": "ok"}
    try:
        with state.sessions() as s:
            beat, cursor, oldest, queued, operations = worker_state(s)
            ceiling = state.settings.max_fee_wei(state.chain.chain_id) if state.chain is not None else None
            stuck = stuck_transactions(s, state.settings.stuck_after_s, ceiling)
        out["database"] = {"ok": True}
    except Exception as exc:
        out["database"] = {"ok": False, "error": str(exc)}
        out["status"] = "degraded"
        beat = cursor = oldest = None
        queued = operations = stuck = None
    chain = state.chain
    try:
        if chain is None:
            raise RuntimeError("not connected")
        height, node_chain_id = chain.web3.eth.block_number, chain.web3.eth.chain_id
        out["chain"] = {"ok": node_chain_id == chain.deployment.chain_id, "block": height, "chain_id": node_chain_id,
                        "manifest_chain_id": chain.deployment.chain_id}
        if node_chain_id != chain.deployment.chain_id:
            out["status"] = "degraded"
    except Exception as exc:
        out["chain"] = {"ok": False, "error": str(exc)}
        out["status"] = "degraded"
        height = None
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
    out["indexer"] = {"next_block": int(cursor.value) if cursor else None,
                      "lag_blocks": (height - int(cursor.value) + 1) if (cursor and height is not None) else None}
    return JSONResponse(out, status_code=200 if out["status"] == "ok" else 503)
