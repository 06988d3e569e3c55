"""The backend's view of the chain: a web3.py connection, the contracts from the manifest, decoded custom errors."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from eth_abi import decode
from eth_utils import keccak
from web3 import Web3
from web3.contract import Contract

from backend.chain.attestation_pages import (ACTIVITY_ATTESTED_TOPIC, AttestationRecord, centre_of, chain_value,
                                             page_logs_from_chain, page_of, serial_of)
from backend.chain.deployment import Deployment, load_deployment, manifest_path
from backend.chain.events import abi_type, decode_event, event_topic
from backend.chain.logs import LogReader, LogsIncomplete, logs_rpc
from backend.config import Settings, local_chain, redacted_url
from backend.domain.activities import Rule


class ChainUnavailable(RuntimeError):
    """The node cannot be reached (or answers nonsense)."""


@dataclass(frozen=True)
class CustomError:
    name: str
    args: tuple

    def __str__(self) -> str:
        shown = ", ".join(a.hex() if isinstance(a, bytes) else str(a) for a in self.args)
        return f"{self.name}({shown})"


class ChainClient:
    def __init__(self, settings: Settings, deployment: Deployment | None = None):
        self.settings = settings
        self.web3 = Web3(Web3.HTTPProvider(settings.rpc_url, request_kwargs={"timeout": settings.rpc_timeout_s}))
        try:
            chain_id = self.web3.eth.chain_id
        except Exception as exc:
            # Named without its secret: a hosted node's URL (and the error that quotes it) carries a provider's key.
            raise ChainUnavailable(f"cannot reach the node at {redacted_url(settings.rpc_url, database=False)}: "
                                   f"{type(exc).__name__}") from None
        self.deployment = deployment or load_deployment(manifest_path(chain_id, settings.deployments_dir))
        if self.deployment.chain_id != chain_id:
            raise ChainUnavailable(f"the node is chain {chain_id}, the manifest is for chain {self.deployment.chain_id}")
        self.chain_id = chain_id
        c = self.deployment.contracts
        self.coin: Contract = self.web3.eth.contract(address=c["ServiceCoin"].address, abi=c["ServiceCoin"].abi)
        self.registry: Contract = self.web3.eth.contract(address=c["ActivityRegistry"].address, abi=c["ActivityRegistry"].abi)
        self.redemption: Contract = self.web3.eth.contract(address=c["Redemption"].address, abi=c["Redemption"].abi)
        self._errors = {}
        for contract in c.values():
            for item in contract.abi:
                if item.get("type") == "error":
                    types = [abi_type(i) for i in item["inputs"]]
                    selector = keccak(text=f"{item['name']}({','.join(types)})")[:4]
                    self._errors[selector] = (item["name"], types)
        self._rules: dict[int, tuple[float, Rule]] = {}
        self._caps: dict[int, tuple[float, int, int]] = {}
        self._remaining_cap_selector = keccak(text="remainingCap(uint32)")[:4]
        self._lock = threading.Lock()
        # Shared by the API's and the worker's threads: what it learns of the node's limits serves them all.
        verify = settings.logs_verify if settings.logs_verify is not None else not local_chain(settings, chain_id)
        self.logs = LogReader(logs_rpc(self.web3.provider), span=10_000, results_cap=settings.logs_results_cap,
                              verify=verify)
        self._voucher_issued_abi = next(i for i in self.redemption.abi if i.get("type") == "event"
                                        and i["name"] == "VoucherIssued")
        self._voucher_issued_topic = event_topic(self._voucher_issued_abi)

    # ------------------------------------------------------------------ reads

    def rule(self, category: int, max_age_s: float = 5.0) -> Rule | None:
        """The category's current rule (cached for a few seconds; rules change rarely, by admin transactions)."""
        now = time.monotonic()
        with self._lock:
            cached = self._rules.get(category)
        if cached and now - cached[0] < max_age_s:
            return cached[1]
        if not 0 < category < 2**16:
            return None
        coins, units, max_units, version, active = self.registry.functions.categoryRule(category).call()
        rule = Rule(category, coins, units, max_units, version, active)
        with self._lock:
            self._rules[category] = (now, rule)
        return rule

    def rpc(self, method: str, params: list):
        """A JSON-RPC call without web3.py's formatting; a node error is raised as a ValueError."""
        response = self.web3.provider.make_request(method, params)
        if "error" in response:
            raise ValueError(response["error"])
        return response["result"]

    def remaining_cap(self, centre_id: int) -> int:
        return self.registry.functions.remainingCap(centre_id).call()

    def remaining_cap_at(self, centre_id: int, max_age_s: float = 1.0) -> tuple[int, int]:
        """(the centre's remaining cap, the block it was read at), cached for `max_age_s`. A web3.py contract
        call costs about 10 ms of Python, the largest part of an approval; callers count what was attested after
        that block themselves (see store.activities.pending_rewards)."""
        now = time.monotonic()
        with self._lock:
            cached = self._caps.get(centre_id)
        if cached and now - cached[0] < max_age_s:
            return cached[1], cached[2]
        # Raw JSON-RPC: web3.py's request and result formatters cost several milliseconds of Python per call.
        block = int(self.rpc("eth_blockNumber", []), 16)
        data = "0x" + (self._remaining_cap_selector + centre_id.to_bytes(32, "big")).hex()
        raw = self.rpc("eth_call", [{"to": self.registry.address, "data": data}, hex(block)])
        remaining = int(raw[2:66], 16)
        with self._lock:
            self._caps[centre_id] = (now, remaining, block)
        return remaining, block

    def is_attested(self, activity_id: bytes) -> bool:
        return self.registry.functions.isAttested(activity_id).call()

    def attestation(self, activity_id: bytes, start: int | None = None) -> tuple[str, dict | None]:
        """Where the registry stands on this exact id: ("attested", its ActivityAttested log as a plain dict), ("free",
        None) when its serial is unused, or ("collision", None) when its serial holds another id (`isAttested` looks
        at the serial only). A collision is decided only on proof: the page's logs, complete by the registry's own
        accumulator, showing another id at the serial. Logs that do not add up (a provider whose log index lags its
        state) raise LogsIncomplete, to be retried: never a new serial on the strength of a log not found.
        `start`: the first block any attestation of the page known to the caller is in (see page_logs)."""
        if not self.is_attested(activity_id):
            return "free", None
        serial = serial_of(activity_id)
        for record, entry in self.page_logs(*page_of(activity_id)[:2], start=start):
            if serial_of(record.id) == serial:
                return ("attested", entry) if record.id == activity_id else ("collision", None)
        raise LogsIncomplete(f"serial {serial} is attested but not among its page's logs")

    def page_logs(self, centre: int, page: int, start: int | None = None) -> list[tuple[AttestationRecord, dict]]:
        """A page's attestations in the order attested, each with its log, proven complete: their hash chain equals
        the page's accumulator in the registry at the block read up to. Read from `start` when given (the first block
        of the page's attestations the caller knows of), and from the deployment block when that misses earlier ones.
        Raises LogsIncomplete when even that does not add up (the provider's logs lag its state, or were cut)."""
        head = int(self.rpc("eth_blockNumber", []), 16)
        _, _, acc = self.registry.functions.page(centre, page).call(block_identifier=head)
        deployment = self.deployment.deployment_block
        for first in ([start] if start is not None and start > deployment else []) + [deployment]:
            found = page_logs_from_chain(self.web3, self.registry.address, centre, page, first, head, reader=self.logs)
            if chain_value(r.leaf() for r, _ in found) == int.from_bytes(acc, "big"):
                return found
        raise LogsIncomplete(f"the logs of page {page} of centre {centre} up to block {head} do not match the "
                             "registry's accumulator")

    def highest_serials(self, start: int, end: int) -> dict[int, int]:
        """centre id → the highest serial attested on-chain in blocks [start, end], from the registry's logs.
        Bounded: start-up recovery (backend/chain/serials.py) reads only blocks it has not read before."""
        out: dict[int, int] = {}
        for entry in self.logs.logs(start, end, self.registry.address, [ACTIVITY_ATTESTED_TOPIC]):
            aid = entry["topics"][1]
            out[centre_of(aid)] = max(out.get(centre_of(aid), -1), serial_of(aid))
        return out

    def voucher_issued(self, voucher_id: int) -> dict | None:
        """The voucher's VoucherIssued log, found by its indexed id (one query per range the node accepts):
        resident, price (decimal string), tx_hash, block_number; None if it was never issued."""
        head = int(self.rpc("eth_blockNumber", []), 16)
        logs = self.logs.logs(self.deployment.deployment_block, head, self.redemption.address,
                              [self._voucher_issued_topic, voucher_id.to_bytes(32, "big")])
        if not logs:
            return None
        args = decode_event(self._voucher_issued_abi, logs[0])
        return {"resident": args["resident"], "price": str(int(args["price"])), "tx_hash": logs[0]["transactionHash"],
                "block_number": logs[0]["blockNumber"]}

    def is_revoked(self, activity_id: bytes) -> bool:
        return self.registry.functions.isRevoked(activity_id).call()

    # ------------------------------------------------------------------ errors

    def decode_error(self, data: bytes | str | None) -> CustomError | None:
        """The custom error in revert data, if it is one of ours."""
        if isinstance(data, str):
            data = bytes.fromhex(data.removeprefix("0x")) if data.startswith("0x") else None
        if not data or len(data) < 4 or data[:4] not in self._errors:
            return None
        name, types = self._errors[data[:4]]
        try:
            return CustomError(name, tuple(decode(types, data[4:])))
        except Exception:
            return CustomError(name, ())

    def explain(self, exc: Exception) -> str:
        """A readable reason for a failed call or estimate (web3.py puts revert data in exc.data)."""
        data = getattr(exc, "data", None)
        if isinstance(data, dict):
            data = data.get("data")
        err = self.decode_error(data) if data else None
        return str(err) if err else str(exc)

