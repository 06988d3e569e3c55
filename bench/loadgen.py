"""A small closed-loop HTTP/1.1 load generator for the benchmarks: `clients` keep-alive connections, each sending
its next request as soon as the previous answer is in (like wrk's default mode).

Written on asyncio streams with pre-encoded requests instead of an HTTP client library: httpx costs about a
millisecond of Python per request, which on a small machine is as much as the server's own work and would be
counted in every latency. Here the client's share is a few tens of microseconds.
"""

from __future__ import annotations

import asyncio
import gc
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

try:  # the same event loop as the API's uvicorn, when it is installed
    import uvloop
except ImportError:  # pragma: no cover
    uvloop = None


@dataclass
class Result:
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)  # the first few unexpected answers, for the error message


def encode(method: str, host: str, path: str, headers: dict[str, str], body: object | None = None) -> bytes:
    payload = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
            break
    else:
        if b"chunked" in head.lower():
            raise RuntimeError("chunked responses are not supported by this load generator")
    return status, await reader.readexactly(length) if length else b""


async def _run(url: str, requests: Callable[[int], tuple[str, str, object | None]], count: int, clients: int,
               headers: dict[str, str], expect: int) -> Result:
    parts = urlsplit(url)
    host, port = parts.hostname, parts.port or 80
    hostport = f"{host}:{port}"
    result = Result()
    counter = iter(range(count))

    async def client() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for i in counter:
                method, path, body = requests(i)
                data = encode(method, hostport, path, headers, body)
                start = time.perf_counter()
                writer.write(data)
                status, payload = await _read_response(reader)
                result.latencies_ms.append((time.perf_counter() - start) * 1000)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if status != expect and len(result.failures) < 5:
                    result.failures.append(f"{method} {path}: {status} {payload[:300]!r}")
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(min(clients, count))))
    result.seconds = time.perf_counter() - start
    return result


def run(url: str, requests: Callable[[int], tuple[str, str, object | None]], count: int, clients: int,
        headers: dict[str, str] | None = None, expect: int = 200) -> Result:
    """Sends `count` requests (`requests(i)` → method, path, JSON body or None) over `clients` connections.
    Raises if any answer is not `expect`."""
    coro = _run(url, requests, count, clients, headers or {}, expect)
    # The client's own garbage collection must not count as the server's latency: a full collection over the
    # benchmark's objects (web3, the deployment, ...) stalls every connection at once for ~100 ms. Objects that
    # exist now are frozen out of its sight for the run.
    gc.collect()
    gc.freeze()
    try:
        result = uvloop.run(coro) if uvloop is not None else asyncio.run(coro)
    finally:
        gc.unfreeze()
    if result.failures:
        raise RuntimeError(f"{sum(n for s, n in result.statuses.items() if s != expect)} of {count} requests "
                           f"were not {expect}: " + "; ".join(result.failures))
    return result
