"""Fees have a ceiling: with the base fee driven above it on a real Anvil, no attempt is ever signed above the
ceiling, bumping stops at it, and /health reports the stuck transaction (a code and counts per key, no URLs). A
replacement the node refuses is retried as it is, with pauses, not replaced again on every poll."""

from __future__ import annotations

import time

from test_relay_faults import _pending_relay, wait_op

from backend.store.models import ChainOp, ChainTx

GWEI = 10**9


def attempts_of(backend, op_id: int) -> list:
    with backend.sessions() as s:
        tx = s.get(ChainTx, s.get(ChainOp, op_id).chain_tx_id)
        out = [(a.tx_hash, int(a.max_fee), int(a.priority_fee)) for a in tx.attempts]
    return out


def set_base_fee(web3, wei: int) -> None:
    """The next block's base fee, then that (empty, with mining off) block mined."""
    web3.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(wei)])
    web3.provider.make_request("evm_mine", [])


def test_no_attempt_passes_the_fee_ceiling_and_health_reports_the_stuck_transaction(backend, coord1, monkeypatch):
    web3 = backend.node.web3
    alice, bob, _, op_id = _pending_relay(backend, coord1, "f1")
    base_before = web3.eth.get_block("latest")["baseFeePerGas"]
    chain_id = backend.chain.chain_id
    ceiling = 25 * GWEI
    app_settings = backend.app.state.settings
    monkeypatch.setattr(app_settings, "max_fee_gwei", {chain_id: 25})
    monkeypatch.setattr(app_settings, "stuck_after_s", 0.3)
    web3.provider.make_request("evm_setAutomine", [False])
    try:
        backend.sender.settings = backend.settings.model_copy(update={"stuck_after_s": 0.3,
                                                                      "max_fee_gwei": {chain_id: 25}})
        set_base_fee(web3, 10 * GWEI)
        backend.sender.step()  # signed at 2 × 10 gwei + tip, under the ceiling; pending
        # The base fee jumps above the ceiling: the transaction cannot be mined, and bumping would follow the market.
        set_base_fee(web3, 40 * GWEI)
        for _ in range(8):
            time.sleep(0.35)
            backend.sender.track()
        attempts = attempts_of(backend, op_id)
        assert all(max_fee <= ceiling and tip <= max_fee for _, max_fee, tip in attempts), attempts
        assert len(attempts) == 2 and attempts[-1][1] == ceiling, attempts  # one bump, to the ceiling, then no more

        health = backend.http.get("/health")
        txs = health.json()["transactions"]
        relayer = sorted(backend.sender.keys["relayer"])[0]
        assert txs["code"] == "stuck_at_fee_ceiling", txs
        mine = next(e for e in txs["stuck"] if e["sender"] == relayer)
        assert mine["count"] >= 1 and mine["at_fee_ceiling"] >= 1 and mine["oldest_s"] > 0
        assert "http" not in health.text and backend.settings.rpc_url not in health.text
    finally:
        backend.sender.settings = backend.settings
        set_base_fee(web3, base_before)  # the base fee back down: the transaction fits again
        web3.provider.make_request("evm_setAutomine", [True])
        web3.provider.make_request("evm_mine", [])
    monkeypatch.undo()
    backend.drain()
    op = wait_op(backend, op_id)
    assert op.state == "confirmed" and op.tx_hash in [h for h, _, _ in attempts]
    assert backend.http.get("/health").json()["transactions"]["code"] == "ok"
    assert len(backend.chain.redemption.events.ServicePaid.get_logs(from_block=0, argument_filters={"payer": alice.address})) == 1


def test_a_replacement_whose_broadcast_fails_is_not_bumped_again_on_every_poll(backend, coord1, monkeypatch):
    web3 = backend.node.web3
    alice, bob, _, op_id = _pending_relay(backend, coord1, "f2")
    eth = backend.sender.web3.eth
    real = eth.send_raw_transaction
    calls = {"send": 0, "failing": False}

    def flaky(raw):
        """The RPC provider rate-limits eth_sendRawTransaction (the chain itself is the real Anvil)."""
        calls["send"] += 1
        if calls["failing"]:
            raise ValueError({"code": -32005, "message": "rate limit exceeded"})
        return real(raw)

    monkeypatch.setattr(eth, "send_raw_transaction", flaky)
    web3.provider.make_request("evm_setAutomine", [False])
    try:
        backend.sender.settings = backend.settings.model_copy(update={"stuck_after_s": 3.0})
        backend.sender.step()  # broadcast, pending
        time.sleep(3.05)
        calls["failing"], calls["send"] = True, 0
        backend.sender.track()  # stuck: a replacement signed and recorded; its broadcast refused
        assert len(attempts_of(backend, op_id)) == 2
        started = time.monotonic()
        while time.monotonic() - started < 1.5:  # polls within stuck_after_s of the replacement
            time.sleep(0.05)
            backend.sender.track()
        assert len(attempts_of(backend, op_id)) == 2  # not signed anew on every poll
        assert calls["send"] <= 3, calls  # the same bytes retried after pauses, not on every poll

        calls["failing"] = False
        backend.sender.settings = backend.settings  # not stuck any more: only the retry of the same replacement
        time.sleep(2.1)  # the retry's pause (it doubles up to stuck_after_s)
        backend.sender.track()
        attempts = attempts_of(backend, op_id)
        assert len(attempts) == 2 and calls["send"] >= 2
        assert web3.eth.get_transaction(attempts[1][0])["nonce"] is not None  # the node has the replacement now
    finally:
        backend.sender.settings = backend.settings
        web3.provider.make_request("evm_setAutomine", [True])
        web3.provider.make_request("evm_mine", [])
    monkeypatch.undo()
    backend.drain()
    op = wait_op(backend, op_id)
    assert op.state == "confirmed" and op.tx_hash == attempts[1][0]
    assert len(backend.chain.redemption.events.ServicePaid.get_logs(from_block=0, argument_filters={"payer": alice.address})) == 1
