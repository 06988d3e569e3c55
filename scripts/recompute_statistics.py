"""Recomputes the volunteer bank's open statistics from the chain alone, and optionally checks a backend's export.

    python scripts/recompute_statistics.py [--rpc-url URL] [--deployments-dir DIR | --manifest FILE]
        [--to-block N] [--format json|csv] [--out FILE]
        [--centre ID] [--category ID|KEY] [--from YYYY-MM] [--to YYYY-MM] [--month YYYY-MM]
        [--compare API_URL]

Reads the contracts' events with eth_getLogs (in chunks of --chunk blocks at first; smaller ones when the node
refuses a range, see backend/chain/logs.py) from the deployment block of the manifest deployments/<chainId>.json up to --to-block (default: the node's latest block), and aggregates them with
the same code as the backend's GET /statistics (backend/domain/statistics.py). It needs a node and the public
repository only (manifest, ABIs in backend/chain/abi/), no database: it imports no part of backend/store.

--compare API_URL fetches the backend's /statistics and /statistics.csv (with the same filters), recomputes each at
the block the backend says it computed it up to (X-Statistics-Block), and compares byte for byte: exit 0 when
both match, 1 on any difference (a diff goes to stderr), 2 when something cannot be done (node, manifest, filters).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from backend.chain.deployment import ManifestError, load_deployment, manifest_path  # noqa: E402
from backend.chain.events import event_topic, log_block_time  # noqa: E402
from backend.chain.logs import ContractEvents, LogReader, logs_rpc  # noqa: E402
from backend.domain import statistics as st  # noqa: E402
from backend.domain.errors import Refusal  # noqa: E402

EXIT_SAME, EXIT_DIFFERENT, EXIT_ERROR = 0, 1, 2


class Failure(RuntimeError):
    """Something the script cannot do; the message says what."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="recompute_statistics", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rpc-url", default=os.environ.get("VB_RPC_URL", "http://127.0.0.1:8545"),
                   help="the node (default $VB_RPC_URL or http://127.0.0.1:8545)")
    p.add_argument("--deployments-dir", type=Path, default=None,
                   help="where deployments/<chainId>.json is (default $VB_DEPLOYMENTS_DIR or deployments/)")
    p.add_argument("--manifest", type=Path, default=None, help="the manifest file itself")
    p.add_argument("--to-block", type=int, default=None, help="last block counted (default: the latest)")
    p.add_argument("--chunk", type=int, default=2_000,
                   help="blocks per eth_getLogs call at first (default 2000); halved while the node refuses a range")
    p.add_argument("--format", choices=("json", "csv"), default="json")
    p.add_argument("--out", type=Path, default=None, help="write here instead of standard output")
    p.add_argument("--centre", default=None, help="a centre id")
    p.add_argument("--category", default=None, help="a category id or key")
    p.add_argument("--from", dest="from_month", default=None, help="first month, YYYY-MM")
    p.add_argument("--to", dest="to_month", default=None, help="last month, YYYY-MM")
    p.add_argument("--month", default=None, help="one month, YYYY-MM (from and to at once)")
    p.add_argument("--compare", metavar="API_URL", default=None,
                   help="the backend's base URL: compare its /statistics and /statistics.csv with the chain")
    args = p.parse_args(argv)
    if args.chunk < 1:
        p.error("--chunk must be at least 1")
    if args.compare and args.to_block is not None:
        p.error("--compare recomputes at the block the backend reports; leave out --to-block")
    return args


class ChainReader:
    """The node, the deployment of its chain, and the events statistics read."""

    def __init__(self, rpc_url: str, manifest: Path | None, deployments_dir: Path | None):
        from web3 import Web3

        self.web3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 60}))
        try:
            chain_id = self.web3.eth.chain_id
        except Exception as exc:
            raise Failure(f"cannot reach the node at {rpc_url}: {exc}") from None
        path = manifest or manifest_path(chain_id, deployments_dir)
        try:
            self.deployment = load_deployment(path)
        except ManifestError as exc:
            raise Failure(str(exc)) from None
        if self.deployment.chain_id != chain_id:
            raise Failure(f"{path} is the manifest of chain {self.deployment.chain_id}; the node is chain {chain_id}")
        start = self.deployment.deployment_block
        if self.block_hash(start).removeprefix("0x") != self.deployment.deployment_block_hash.removeprefix("0x"):
            raise Failure(f"block {start} of this node is not the deployment block of {path}: another chain, or reset")
        self.catalogue = st.catalogue_from_manifest(self.deployment.manifest)
        self.rpc = logs_rpc(self.web3.provider)
        self.contracts = ContractEvents.of((name, c.address, c.abi) for name, c in self.deployment.contracts.items())
        # Only the events statistics read (Transfer, by far the most numerous, is left on the node).
        self.topics = sorted({"0x" + event_topic(item).hex() for (name, _), item in self.contracts.abis.items()
                              if item["name"] in st.EVENTS.get(name, ())})
        self._times: dict[int, int] = {}

    def latest(self) -> int:
        return int(self.web3.eth.block_number)

    def block_hash(self, number: int) -> str:
        block = self.web3.eth.get_block(number)
        if block is None:
            raise Failure(f"the node has no block {number}")
        return "0x" + bytes(block["hash"]).hex()

    def _timestamp(self, number: int) -> int:
        if number not in self._times:
            self._times[number] = int(self.web3.eth.get_block(number)["timestamp"])
        return self._times[number]

    def events(self, logs: list[dict]) -> list[st.ChainLog]:
        """The events statistics read among `logs` (plain logs in chain order), decoded."""
        out, self._times = [], {}
        for entry in logs:
            decoded = self.contracts.decode(entry)
            if decoded is not None:
                name, abi, args = decoded
                out.append(st.ChainLog(entry["blockNumber"], entry["logIndex"], log_block_time(entry, self._timestamp),
                                       name, abi["name"], args))
        return out

    def statistics(self, blocks: list[int], chunk: int) -> dict[int, st.Statistics]:
        """The statistics at each of `blocks`, reading the chain once (eth_getLogs over `chunk` blocks at first, fewer
        when the node refuses), into the same sums the backend keeps (backend/domain/statistics.py)."""
        aggregator, out = st.Aggregator(self.catalogue), {}
        reader = LogReader(self.rpc, span=chunk)
        start = self.deployment.deployment_block
        for target in sorted(set(blocks)):
            if start <= target:
                for _, _, logs in reader.chunks(start, target, list(self.contracts.names), [self.topics]):
                    aggregator.feed(self.events(logs))
                start = target + 1
            out[target] = aggregator.statistics(target, self.block_hash(target))
        return out


def fetch(url: str) -> tuple[bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.read(), {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as exc:
        body = exc.read().decode(errors="replace")
        try:
            body = json.loads(body).get("detail", body)
        except ValueError:
            pass
        raise Failure(f"{url} answered {exc.code}: {body}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise Failure(f"cannot fetch {url}: {exc}") from None


def compare(reader: ChainReader, args: argparse.Namespace, err) -> int:
    query = {k: v for k, v in (("centre", args.centre), ("category", args.category), ("from", args.from_month),
                               ("to", args.to_month), ("month", args.month)) if v is not None}
    base = args.compare.rstrip("/")
    exports = {}
    for fmt, path in (("json", "/statistics"), ("csv", "/statistics.csv")):
        url = base + path + ("?" + urllib.parse.urlencode(query) if query else "")
        body, headers = fetch(url)
        if "x-statistics-block" not in headers:
            raise Failure(f"{url} does not say which block it is computed up to (no X-Statistics-Block header)")
        exports[fmt] = (url, int(headers["x-statistics-block"]), body)
    highest = max(block for _, block, _ in exports.values())
    if highest > reader.latest():
        raise Failure(f"the backend is at block {highest}, ahead of this node ({reader.latest()}): another chain?")
    at = reader.statistics([block for _, block, _ in exports.values()], args.chunk)
    differences = 0
    for fmt, (url, block, body) in exports.items():
        stats = at[block]
        filters = st.parse_filters(stats, args.centre, args.category, args.from_month, args.to_month, args.month)
        ours = st.render_json(stats, filters) if fmt == "json" else st.render_csv(stats, filters)
        if ours == body:
            print(f"{fmt}: identical to {url} at block {block} ({len(body)} bytes)", file=err)
            continue
        differences += 1
        print(f"{fmt}: {url} DIFFERS from the chain at block {block}:", file=err)
        diff = difflib.unified_diff(body.decode(errors="replace").splitlines(), ours.decode().splitlines(),
                                    fromfile=url, tofile=f"chain at block {block}", lineterm="", n=2)
        for i, line in enumerate(diff):
            if i == 200:
                print("… (diff cut at 200 lines)", file=err)
                break
            print(line, file=err)
    return EXIT_DIFFERENT if differences else EXIT_SAME


def main(argv: list[str] | None = None, out=None, err=None) -> int:
    out = out or sys.stdout.buffer
    err = err or sys.stderr
    args = parse_args(argv)
    try:
        reader = ChainReader(args.rpc_url, args.manifest, args.deployments_dir)
        if args.compare:
            return compare(reader, args, err)
        latest = reader.latest()
        to_block = latest if args.to_block is None else args.to_block
        if not reader.deployment.deployment_block <= to_block <= latest:
            raise Failure(f"--to-block {to_block} is outside the deployment's blocks "
                          f"({reader.deployment.deployment_block}…{latest})")
        stats = reader.statistics([to_block], args.chunk)[to_block]
        filters = st.parse_filters(stats, args.centre, args.category, args.from_month, args.to_month, args.month)
        data = st.render_json(stats, filters) if args.format == "json" else st.render_csv(stats, filters)
        if args.out:
            args.out.write_bytes(data)
            print(f"wrote {args.out} (chain {stats.catalogue.chain_id}, block {to_block})", file=err)
        else:
            out.write(data)
            out.flush()
        return EXIT_SAME
    except (Failure, Refusal) as exc:
        print(f"recompute_statistics: {exc}", file=err)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
