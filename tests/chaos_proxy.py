"""A fault-injecting JSON-RPC proxy in front of a node, on loopback, for tests and bench/chaos.py.

It forwards every call to `upstream` (an Anvil) and misbehaves the way hosted providers do, as switched on:

* eth_getLogs limits: a block span (`logs_max_blocks`) and a result count (`logs_max_results`), refused with the
  errors Alchemy, Infura and geth answer ("block range too large", -32005 "query returned more than N results"), or,
  with `logs_truncate`, answered silently with only the first N results, as some gateways do;
* logs lagging the state (`logs_lag`): eth_getLogs answered as of that many blocks below the head, as a provider
  whose log index trails its state does (eth_call already sees what eth_getLogs does not), and a query by the hash
  of a block above that answered "unknown block" (unless `logs_lag_by_hash` is off: ranges lag, single blocks not);
* one-shot faults on the next calls of a method (`fail`): HTTP 429 with Retry-After, a delay beyond the client's
  timeout (`timeout`; `timeout_after_forward` forwards first, so the node acts on a call whose answer is lost),
  eth_sendRawTransaction accepted with its hash but never forwarded (`drop`) or forwarded late (`delay`);
* two backends behind one balancer, one lagging (`reorder`): half the calls of eth_blockNumber, eth_getLogs and
  eth_getBlockByNumber, at random (seeded), are answered as of that many blocks below the head, so the head goes back
  and forth between calls;
* the node unreachable (stopped, restarting): HTTP 502 with a JSON-RPC error, as a gateway answers;
* something done to the node just before or just after the next call of a method is forwarded (`around`): a
  reorganisation between two calls of a reader, exactly where it hurts.

Everything is counted (`calls`, `injected`), so a test can show the fault was hit. Thread-safe; a batch (a JSON list)
is answered element by element.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from eth_utils import keccak

FAULT_KINDS = ("429", "timeout", "timeout_after_forward", "drop", "delay", "behind")
REORDERED = ("eth_blockNumber", "eth_getLogs", "eth_getBlockByNumber")  # the calls `reorder` may answer from behind


@dataclass
class Fault:
    method: str | None  # None: any method
    kind: str  # one of FAULT_KINDS
    remaining: int
    seconds: float = 0.0  # the delay of "timeout" and "delay", the Retry-After of "429"


class ChaosProxy:
    def __init__(self, upstream: str, port: int = 0):
        self.upstream = upstream
        self._lock = threading.Lock()
        self._session = requests.Session()
        # True: every call answered 502 as if the node were down (a restarted node held back until it is ready).
        self.unreachable = False
        self.reset()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                try:
                    if proxy.unreachable:
                        raise requests.ConnectionError("the node is held unreachable")
                    status, headers, answer = proxy.answer(body)
                except requests.RequestException:  # the node is down: what a gateway in front of it answers
                    with proxy._lock:
                        proxy.injected["node_unreachable"] += 1
                    status, headers, answer = 502, {}, {"jsonrpc": "2.0", "id": None, "error": {
                        "code": -32000, "message": "bad gateway: upstream unreachable"}}
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout)
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ switches

    def reset(self, *, logs_max_blocks: int | None = None, logs_max_results: int | None = None,
              logs_truncate: bool = False, logs_lag: int = 0, logs_lag_by_hash: bool = True,
              reorder: int = 0) -> ChaosProxy:
        """Clears every fault and counter, then sets the standing ones."""
        with self._lock:
            self.logs_max_blocks, self.logs_max_results = logs_max_blocks, logs_max_results
            self.logs_truncate, self.logs_lag, self.logs_lag_by_hash = logs_truncate, logs_lag, logs_lag_by_hash
            self.reorder, self._balancer = reorder, random.Random(reorder)
            self.faults: list[Fault] = []
            self.calls: Counter = Counter()
            self.injected: Counter = Counter()
            self.logs_asked: list[tuple[int, int]] = []
            self.dropped: list[str] = []  # hashes of raw transactions accepted and never forwarded
            self.hooks: list[tuple[str, str, object]] = []  # (method, "before" | "after", action)
        return self

    def fail(self, method: str | None, kind: str, count: int = 1, seconds: float = 0.0) -> ChaosProxy:
        """The next `count` calls of `method` (None: any) get `kind`."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind}")
        with self._lock:
            self.faults.append(Fault(method, kind, count, seconds))
        return self

    def clear(self, method: str | None = None) -> ChaosProxy:
        """Disarms what `fail` armed (for `method`, or all), keeping the standing faults and the counters."""
        with self._lock:
            self.faults = [f for f in self.faults if method is not None and f.method != method]
        return self

    def around(self, method: str, when: str, action) -> ChaosProxy:
        """`action()` runs once, just before the next call of `method` is forwarded or just after its answer came
        back (before the client gets it)."""
        if when not in ("before", "after"):
            raise ValueError(f"unknown moment {when}")
        with self._lock:
            self.hooks.append((method, when, action))
        return self

    def _run_hook(self, method: str, when: str) -> None:
        with self._lock:
            found = next((h for h in self.hooks if h[0] == method and h[1] == when), None)
            if found is not None:
                self.hooks.remove(found)
                self.injected[f"{when}_{method}"] += 1
        if found is not None:
            found[2]()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ------------------------------------------------------------------ answering

    def answer(self, body) -> tuple[int, dict, object]:
        if isinstance(body, list):
            answers = [self._one(r) for r in body]
            errors = [a for a in answers if a[0] != 200]
            return errors[0] if errors else (200, {}, [a[2] for a in answers])
        return self._one(body)

    def _take_fault(self, method: str) -> Fault | None:
        with self._lock:
            self.calls[method] += 1
            for fault in self.faults:
                if fault.remaining > 0 and fault.method in (None, method):
                    fault.remaining -= 1
                    self.injected[fault.kind] += 1
                    return fault
        return None

    def _forward(self, request: dict) -> dict:
        return self._session.post(self.upstream, json=request, timeout=60).json()

    def _one(self, request: dict) -> tuple[int, dict, dict]:
        method = request.get("method", "")
        self._run_hook(method, "before")
        answer = self._answer_one(request, method)
        self._run_hook(method, "after")
        return answer

    def _answer_one(self, request: dict, method: str) -> tuple[int, dict, dict]:
        fault = self._take_fault(method)
        if fault is not None:
            if fault.kind == "429":
                return 429, {"Retry-After": str(max(0, round(fault.seconds)))}, {
                    "jsonrpc": "2.0", "id": request.get("id"),
                    "error": {"code": 429, "message": "Too Many Requests: rate limit exceeded"}}
            if fault.kind == "timeout":
                time.sleep(fault.seconds)
                return 504, {}, {"jsonrpc": "2.0", "id": request.get("id"), "error": {"code": -32000, "message": "timeout"}}
            if fault.kind == "behind":  # a backend that has not seen it yet: a block, a receipt, a transaction
                return 200, {}, {"jsonrpc": "2.0", "id": request.get("id"), "result": None}
            if fault.kind == "timeout_after_forward":
                answer = self._forward(request)
                time.sleep(fault.seconds)
                return 200, {}, answer
            if fault.kind in ("drop", "delay") and method == "eth_sendRawTransaction":
                raw = request["params"][0]
                tx_hash = "0x" + keccak(bytes.fromhex(raw[2:])).hex()
                if fault.kind == "drop":
                    with self._lock:
                        self.dropped.append(tx_hash)
                else:
                    threading.Timer(fault.seconds, self._forward, args=(request,)).start()
                return 200, {}, {"jsonrpc": "2.0", "id": request.get("id"), "result": tx_hash}
        if self.reorder and method in REORDERED and self._lagging_turn():
            return self._lagging_answer(request, method)
        if method == "eth_getLogs":
            return self._logs(request)
        return 200, {}, self._forward(request)

    def _lagging_turn(self) -> bool:
        with self._lock:  # at random: a strict alternation would meet a caller's fixed sequence of calls in step
            return self._balancer.random() < 0.5

    def _lagging_answer(self, request: dict, method: str) -> tuple[int, dict, dict]:
        """The answer of the lagging backend: the chain as of `reorder` blocks below the head."""
        rid = request.get("id")
        behind = max(0, self._head() - self.reorder)
        if method == "eth_blockNumber":
            answer = {"jsonrpc": "2.0", "id": rid, "result": hex(behind)}
        elif method == "eth_getBlockByNumber":
            tag = request["params"][0]
            if tag in ("latest", "pending", "safe", "finalized"):
                answer = self._forward({**request, "params": [hex(behind), *request["params"][1:]]})
            elif tag != "earliest" and int(tag, 16) > behind:
                answer = {"jsonrpc": "2.0", "id": rid, "result": None}  # a block it has not seen yet
            else:
                return 200, {}, self._forward(request)
        else:  # eth_getLogs
            query = dict(request["params"][0])
            if "blockHash" in query:
                return self._logs(request)
            start = self._block_number(query.get("fromBlock"), behind)
            end = min(self._block_number(query.get("toBlock"), behind), behind)
            if start > end:
                answer = {"jsonrpc": "2.0", "id": rid, "result": []}
            else:
                answer = self._forward({**request, "params": [{**query, "fromBlock": hex(start), "toBlock": hex(end)}]})
        with self._lock:
            self.injected["reordered"] += 1
        return 200, {}, answer

    def _head(self) -> int:
        return int(self._forward({"jsonrpc": "2.0", "id": 0, "method": "eth_blockNumber", "params": []})["result"], 16)

    def _block_number(self, tag, head: int) -> int:
        if tag in (None, "latest", "pending", "safe", "finalized"):
            return head
        if tag == "earliest":
            return 0
        return int(tag, 16)

    def _logs(self, request: dict) -> tuple[int, dict, dict]:
        query = dict(request["params"][0])
        rid = request.get("id")
        if "blockHash" in query:
            if self.logs_lag and self.logs_lag_by_hash:  # a block the log index has not reached yet is unknown to it
                block = self._forward({"jsonrpc": "2.0", "id": 0, "method": "eth_getBlockByHash",
                                       "params": [query["blockHash"], False]})["result"]
                if block is not None and int(block["number"], 16) > self._head() - self.logs_lag:
                    with self._lock:
                        self.injected["logs_lagged"] += 1
                    return 200, {}, {"jsonrpc": "2.0", "id": rid, "error": {"code": -32000, "message": "unknown block"}}
            return 200, {}, self._forward(request)
        head = self._head()
        start, end = self._block_number(query.get("fromBlock"), head), self._block_number(query.get("toBlock"), head)
        with self._lock:
            self.logs_asked.append((start, end))
        if self.logs_max_blocks is not None and end - start + 1 > self.logs_max_blocks:
            with self._lock:
                self.injected["logs_range_refused"] += 1
            return 200, {}, {"jsonrpc": "2.0", "id": rid, "error": {
                "code": -32602, "message": f"block range too large: eth_getLogs is limited to a {self.logs_max_blocks} block range"}}
        if self.logs_lag:
            visible = head - self.logs_lag
            if start > visible:
                with self._lock:
                    self.injected["logs_lagged"] += 1
                return 200, {}, {"jsonrpc": "2.0", "id": rid, "result": []}
            if end > visible:
                with self._lock:
                    self.injected["logs_lagged"] += 1
                query["toBlock"] = hex(visible)
        answer = self._forward({**request, "params": [{**query, "fromBlock": hex(start),
                                                        "toBlock": query.get("toBlock", hex(end))}]})
        results = answer.get("result")
        cap = self.logs_max_results
        if cap is not None and isinstance(results, list) and len(results) > cap:
            with self._lock:
                self.injected["logs_truncated" if self.logs_truncate else "logs_results_refused"] += 1
            if self.logs_truncate:
                return 200, {}, {**answer, "result": results[:cap]}
            return 200, {}, {"jsonrpc": "2.0", "id": rid, "error": {
                "code": -32005, "message": f"query returned more than {cap} results. Try with this block range "
                                           f"[{hex(start)}, {hex(start + (end - start) // 2)}]."}}
        return 200, {}, answer
