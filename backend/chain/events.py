"""Decoding the contracts' event logs, shared by the indexer and by scripts that read the chain without a database
(scripts/recompute_statistics.py): one decoder, so both see exactly the same arguments.

No database and no web3 connection here: eth_abi and eth_utils only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from eth_abi import decode as abi_decode
from eth_utils import keccak, to_checksum_address

_STATIC = {"address", "bool"}


def _plain(value):
    """JSON-safe: bytes as 0x-hex, integers beyond 2**53 as decimal strings (JSON numbers lose them)."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value) if abs(value) >= 2**53 else value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _type(item: dict) -> str:
    if item["type"].startswith("tuple"):
        return "(" + ",".join(_type(c) for c in item["components"]) + ")" + item["type"][5:]
    return item["type"]


def event_topic(item: dict) -> bytes:
    """topic0 of an event ABI item: keccak of its canonical signature."""
    return keccak(text=f"{item['name']}({','.join(_type(i) for i in item['inputs'])})")


def event_abis(contracts: Iterable[tuple[str, list[dict]]]) -> dict[tuple[str, bytes], dict]:
    """(contract name, topic0) → event ABI item, for (name, abi) pairs."""
    out = {}
    for name, abi in contracts:
        for item in abi:
            if item.get("type") == "event" and not item.get("anonymous"):
                out[(name, event_topic(item))] = item
    return out


def decode_event(abi: dict, entry) -> dict:
    """An event's arguments with eth_abi directly (web3.py's get_event_data was the indexer's largest cost):
    indexed ones from the topics, the others from the data; addresses checksummed, big integers as strings."""
    topics = [bytes(t) for t in entry["topics"][1:]]
    indexed = [i for i in abi["inputs"] if i.get("indexed")]
    plain = [i for i in abi["inputs"] if not i.get("indexed")]
    values = dict(zip((i["name"] for i in plain), abi_decode([_type(i) for i in plain], bytes(entry["data"])), strict=True))
    for item, topic in zip(indexed, topics, strict=True):
        kind = _type(item)
        # Indexed dynamic values (strings, arrays) are stored as their hash: keep the hash.
        values[item["name"]] = abi_decode([kind], topic)[0] if kind in _STATIC or kind.startswith(("uint", "int", "bytes")) \
            and kind != "bytes" else topic
    out = {}
    for item in abi["inputs"]:
        value = values[item["name"]]
        if item["type"] == "address":
            value = checksum(value)
        out[item["name"]] = _plain(value)
    return out


_checksummed: dict[str, str] = {}


def checksum(address: str) -> str:
    """to_checksum_address, remembered: the same few addresses come back in every batch, and each checksum is a
    keccak."""
    found = _checksummed.get(address)
    if found is None:
        if len(_checksummed) > 100_000:
            _checksummed.clear()
        found = _checksummed[address] = to_checksum_address(address)
    return found


def log_block_time(entry, block_timestamp: Callable[[int], int]) -> int:
    """The timestamp of the block a log is in: from the log itself when the node includes it (`blockTimestamp`,
    which Anvil and recent geth/reth add to eth_getLogs answers), else from `block_timestamp(number)`."""
    value = entry.get("blockTimestamp") if hasattr(entry, "get") else None
    if value is not None:
        return int(value, 16) if isinstance(value, str) else int(value)
    return int(block_timestamp(int(entry["blockNumber"])))
