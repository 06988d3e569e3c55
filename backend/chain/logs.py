"""The one reader of contract logs: raw `eth_getLogs` over block ranges a node accepts, as plain dicts.

Nodes limit what one `eth_getLogs` may cover (a block span, a number of results, a response size) and say so with
an error. The reader asks for a span, halves it whenever the node refuses, remembers the span that worked and
grows it again after calls that succeed. A single block the node still refuses raises.

Some providers do not refuse: they answer the first N results and say nothing. Two defences, for such a cap C
(a provider answers min(n, C) logs of a range holding n):
* `results_cap`, a cap known (configured, or learnt below): an answer of C or more results may be cut, so its range
  is split like a refused one; an answer of fewer is complete by definition.
* `verify` (the cap unknown): every non-empty answer over more than one block is checked against its two halves,
  read separately. Under the model, a cut answer (n > C, C returned) has halves that hold more than C together,
  unless one half is empty, when the other is asked the same question on its own (down to one block). Halves that
  are both non-empty and hold exactly the answer's count prove it complete: if it had been cut, one half would hold
  C and the other more than nothing. A cut found teaches `results_cap` = the count answered, after which answers
  below it need no check. It costs two calls (more when logs crowd into a few blocks) per non-empty range.

Transient errors (HTTP 429 with its Retry-After, 502-504, a timeout, a dropped connection, a JSON-RPC rate limit)
are retried with a doubling pause, then raised: callers (the indexer's and writer's loops) retry later in turn.

Raw JSON-RPC, no web3.py formatters (turning thousands of logs into AttributeDicts cost more than decoding them);
no database: the indexer, the writer, serial recovery and scripts/recompute_statistics.py all read through here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from backend.chain.events import checksum, decode_event, event_abis

# What nodes answer when a query covers too much (geth, Erigon, Alchemy, Infura, QuickNode, public gateways).
_REFUSAL_TEXTS = ("more than", "too many", "block range", "range too large", "range is too large", "limit exceeded",
                  "exceeds", "exceeded", "response size", "response too large", "too large", "query timeout")
_REFUSAL_CODES = (-32005,)  # "limit exceeded" (EIP-1474)
_REFUSAL_HTTP = (413,)  # Payload Too Large: the answer would have been too big
# Worth asking again after a pause: rate limits (Infura says -32005 "request rate limited"; Alchemy 429), gateways.
_TRANSIENT_HTTP = (429, 502, 503, 504)
_TRANSIENT_CODES = (429,)
_TRANSIENT_TEXTS = ("rate limit", "too many requests", "request rate", "request count", "compute units",
                    "try again later", "temporarily unavailable", "service unavailable", "bad gateway",
                    "gateway timeout", "read timed out")


class LogRangeRefused(RuntimeError):
    """The node refuses even a one-block query."""


class LogsIncomplete(RuntimeError):
    """The logs the node served do not add up to what the chain's state says (its log index lags, or it cut an
    answer): a transient condition, to be retried later, never a reason to decide anything."""


def make_rpc(provider) -> Callable[[str, list], object]:
    """A raw JSON-RPC call through a web3 provider's make_request; a node's error is raised as a ValueError carrying
    the error object (as ChainClient.rpc does)."""

    def rpc(method: str, params: list):
        response = provider.make_request(method, params)
        if "error" in response:
            raise ValueError(response["error"])
        return response["result"]

    return rpc


def logs_rpc(provider) -> Callable[[str, list], object]:
    """make_rpc for reading logs. web3.py's HTTPProvider retries an HTTP error five times with back-off (about two
    seconds) before raising it; a 413 is the node saying the range is too wide, to be split at once. So over HTTP
    the calls go through a provider of their own that retries only a failed connection or a timeout."""
    from requests.exceptions import ConnectionError, Timeout
    from web3 import HTTPProvider
    from web3.providers.rpc.utils import ExceptionRetryConfiguration

    if isinstance(provider, HTTPProvider):
        provider = HTTPProvider(provider.endpoint_uri, request_kwargs=provider.get_request_kwargs(),
                                exception_retry_configuration=ExceptionRetryConfiguration(errors=(ConnectionError, Timeout)))
    return make_rpc(provider)


def is_transient(exc: BaseException) -> bool:
    """Whether an error is the provider's or the network's passing trouble (ask again later), not an answer."""
    from requests.exceptions import ConnectionError, Timeout

    if isinstance(exc, LogsIncomplete | ConnectionError | Timeout | TimeoutError | ConnectionRefusedError):
        return True
    response = getattr(exc, "response", None)  # requests.HTTPError
    if response is not None and getattr(response, "status_code", None) in _TRANSIENT_HTTP:
        return True
    error = exc.args[0] if exc.args else None
    if isinstance(error, dict):
        if error.get("code") in _TRANSIENT_CODES:
            return True
        text = str(error.get("message", "")) + " " + str(error.get("data", ""))
    else:
        text = str(exc)
    text = text.lower()
    return any(t in text for t in _TRANSIENT_TEXTS)


def retry_after(exc: BaseException) -> float | None:
    """A 429's Retry-After in seconds, when it gives one."""
    response = getattr(exc, "response", None)
    value = getattr(response, "headers", {}).get("Retry-After") if response is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def is_range_refusal(exc: Exception) -> bool:
    """Whether an error means "ask for less" rather than "something is wrong"."""
    if is_transient(exc):
        return False
    response = getattr(exc, "response", None)  # requests.HTTPError
    if response is not None and getattr(response, "status_code", None) in _REFUSAL_HTTP:
        return True
    error = exc.args[0] if exc.args else None
    if isinstance(error, dict):
        if error.get("code") in _REFUSAL_CODES:
            return True
        text = str(error.get("message", "")) + " " + str(error.get("data", ""))
    else:
        text = str(exc)
    text = text.lower()
    return any(t in text for t in _REFUSAL_TEXTS)


def plain_log(entry: dict) -> dict:
    """A raw log as plain values: address checksummed, topics and data as bytes, numbers as ints, hashes as 0x-hex."""
    return {"address": checksum(entry["address"]), "topics": [bytes.fromhex(t[2:]) for t in entry["topics"]],
            "data": bytes.fromhex(entry["data"][2:]), "blockNumber": int(entry["blockNumber"], 16),
            "blockHash": entry["blockHash"], "transactionHash": entry["transactionHash"],
            "logIndex": int(entry["logIndex"], 16), "blockTimestamp": entry.get("blockTimestamp")}


def _topic(value) -> str | list | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return [_topic(v) for v in value]
    return "0x" + bytes(value).hex()


class LogReader:
    """Reads logs of `addresses` (one or several contracts) in [start, end], in chain order, splitting ranges the
    node refuses. It keeps the span it learnt for the next reads; threads may share one (a lost update of the span
    costs a refusal, never a log)."""

    GROW_AFTER = 4  # successful calls in a row before the span doubles again
    # The smallest span refused caps the growth, so a node's fixed limit costs a few refusals rather than one every
    # few calls; it is forgotten after this many successes, since a limit on results depends on how dense logs are.
    FORGET_AFTER = 64

    def __init__(self, rpc: Callable[[str, list], object], span: int = 2_000, max_span: int | None = None, *,
                 results_cap: int | None = None, verify: bool = False, retries: int = 6, backoff_s: float = 0.25,
                 max_backoff_s: float = 8.0, sleep: Callable[[float], None] = time.sleep):
        if span < 1:
            raise ValueError("span must be at least 1")
        self.rpc = rpc
        self.span = span
        self.max_span = max(max_span or span, span)
        self.results_cap, self.verify = results_cap, verify
        self.retries, self.backoff_s, self.max_backoff_s, self._sleep = retries, backoff_s, max_backoff_s, sleep
        self._successes = 0
        self._refused: int | None = None  # the smallest span refused lately
        self._since_refusal = 0
        self.stats = {"refused": 0, "cut": 0, "retried": 0, "verified": 0, "from_receipts": 0}

    def like(self, span: int) -> LogReader:
        """A reader on the same node with the same defences, starting at another span."""
        return LogReader(self.rpc, span=span, results_cap=self.results_cap, verify=self.verify, retries=self.retries,
                         backoff_s=self.backoff_s, max_backoff_s=self.max_backoff_s, sleep=self._sleep)

    def _get(self, query: dict, start: int, last: int) -> list:
        """One eth_getLogs, transient errors retried with a doubling pause (or the provider's Retry-After)."""
        return self._call("eth_getLogs", [{**query, "fromBlock": hex(start), "toBlock": hex(last)}])

    def _from_receipts(self, query: dict, number: int) -> list:
        """The logs of one block that `query` selects, from its transactions' receipts: complete whatever a
        provider's cap on eth_getLogs results (a block may hold more of our logs than the cap, and there is no
        smaller range to ask for)."""
        block = self._call("eth_getBlockByNumber", [hex(number), False])
        if block is None:
            raise LogRangeRefused(f"block {number} is not known to the node")
        addresses = query.get("address")
        wanted = None if addresses is None else {a.lower() for a in ([addresses] if isinstance(addresses, str)
                                                                      else addresses)}
        topics = query.get("topics") or []
        found = []
        for tx_hash in block["transactions"]:
            receipt = self._call("eth_getTransactionReceipt", [tx_hash])
            for entry in (receipt or {}).get("logs", []):
                if wanted is not None and entry["address"].lower() not in wanted:
                    continue
                if all(t is None or (len(entry["topics"]) > i and entry["topics"][i].lower() in
                                     {x.lower() for x in ([t] if isinstance(t, str) else t)})
                       for i, t in enumerate(topics)):
                    found.append(entry)
        return found

    def _call(self, method: str, params: list):
        """One call, transient errors retried with a doubling pause (or the provider's Retry-After)."""
        for attempt in range(self.retries + 1):
            try:
                return self.rpc(method, params)
            except Exception as exc:
                if not is_transient(exc) or attempt == self.retries:
                    raise
                self.stats["retried"] += 1
                pause = retry_after(exc)
                self._sleep(min(self.max_backoff_s, pause if pause is not None else self.backoff_s * 2**attempt))
        raise AssertionError("unreachable")

    def _cut(self, query: dict, start: int, last: int, raw: list) -> bool:
        """Whether the answer for [start, last] may have been cut short (see the module's docstring)."""
        if self.results_cap is not None and len(raw) >= self.results_cap:
            return True
        if not self.verify or not raw or self.results_cap is not None:
            return False
        while last > start:  # the range whose completeness is in question, narrowed while one half is empty
            self.stats["verified"] += 1
            mid = (start + last) // 2
            left, right = self._get(query, start, mid), self._get(query, mid + 1, last)
            if len(left) + len(right) > len(raw):
                self.results_cap = len(raw)
                return True
            if left and right:
                return False
            start, last = (start, mid) if left else (mid + 1, last)
        return False

    def logs(self, start: int, end: int, addresses: str | Iterable[str] | None = None, topics: list | None = None) -> list[dict]:
        return [entry for _, _, chunk in self.chunks(start, end, addresses, topics) for entry in chunk]

    def chunks(self, start: int, end: int, addresses=None, topics: list | None = None) -> Iterator[tuple[int, int, list[dict]]]:
        """(first block, last block, its logs) for consecutive ranges covering [start, end]: callers that
        aggregate as they go need not hold the whole history."""
        query: dict = {}
        if addresses is not None:
            query["address"] = addresses if isinstance(addresses, str) else list(addresses)
        if topics is not None:
            query["topics"] = [_topic(t) for t in topics]
        while start <= end:
            last = min(end, start + self.span - 1)
            try:
                raw = self._get(query, start, last)
                if self._cut(query, start, last, raw):
                    self.stats["cut"] += 1
                    if last != start:
                        raise _Cut(f"{len(raw)} results, perhaps cut short")
                    # One block holding as many of our logs as the cap: no smaller range, so its receipts.
                    raw = self._from_receipts(query, start)
                    self.stats["from_receipts"] += 1
            except Exception as exc:
                if not isinstance(exc, _Cut) and not is_range_refusal(exc):
                    raise
                if last == start:
                    raise LogRangeRefused(f"the node refuses eth_getLogs for block {start} alone: {exc}") from exc
                self.stats["refused"] += 1
                refused = last - start + 1
                self._refused = min(refused, self._refused or refused)
                self.span, self._successes, self._since_refusal = max(1, refused // 2), 0, 0
                continue
            self._successes += 1
            self._since_refusal += 1
            if self._since_refusal >= self.FORGET_AFTER:
                self._refused = None
            if self._successes >= self.GROW_AFTER:
                self._grow()
            yield start, last, sorted((plain_log(e) for e in raw), key=lambda e: (e["blockNumber"], e["logIndex"]))
            start = last + 1

    def _grow(self) -> None:
        """Doubles the span; below a span refused lately, halfway towards it instead (a node's limit is found in a
        few refusals, not one every few calls)."""
        self._successes = 0
        if self._refused is None:
            self.span = min(self.max_span, self.span * 2)
        elif self.span < self._refused - 1:
            self.span = min(self.max_span, max(self.span + 1, (self.span + self._refused) // 2))


class _Cut(Exception):
    """An answer that may have been cut short: split its range, as if the node had refused it."""


@dataclass
class ContractEvents:
    """Which contract a log comes from and its event's ABI, for (name, address, abi) triples; decoding through
    backend/chain/events.py, the one decoder."""

    names: dict[str, str]  # checksummed address → contract name
    abis: dict[tuple[str, bytes], dict]  # (contract name, topic0) → event ABI

    @classmethod
    def of(cls, contracts: Iterable[tuple[str, str, list[dict]]]) -> ContractEvents:
        contracts = list(contracts)
        return cls({checksum(address): name for name, address, _ in contracts},
                   event_abis((name, abi) for name, _, abi in contracts))

    def match(self, entry: dict) -> tuple[str, dict] | None:
        """(contract name, event ABI) of a plain log, or None for a log of no known event."""
        name = self.names.get(entry["address"])
        abi = self.abis.get((name, entry["topics"][0])) if name and entry["topics"] else None
        return (name, abi) if abi is not None else None

    def decode(self, entry: dict) -> tuple[str, dict, dict] | None:
        """(contract name, event ABI, decoded arguments), or None."""
        found = self.match(entry)
        return None if found is None else (*found, decode_event(found[1], entry))
