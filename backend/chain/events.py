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


def abi_type(item: dict) -> str:
    """The canonical ABI type of an input, tuples spelt out as (t1,t2,...) with any array suffix."""
    if item["type"].startswith("tuple"):
        return "(" + ",".join(abi_type(c) for c in item["components"]) + ")" + item["type"][5:]
    return item["type"]


def event_topic(item: dict) -> bytes:
    """topic0 of an event ABI item: keccak of its canonical signature."""
    return keccak(text=f"{item['name']}({','.join(abi_type(i) for i in item['inputs'])})")


def event_abis(contracts: Iterable[tuple[str, list[dict]]]) -> dict[tuple[str, bytes], dict]:
    """(contract name, topic0) → event ABI item, for (name, abi) pairs."""
    out = {}
    for name, abi in contracts:
        for item in abi:
            if item.get("type") == "event" and not item.get("anonymous"):
                out[(name, event_topic(item))] = item
    return out


def _word_decoder(kind: str):
    """A decoder of one 32-byte ABI word for a static elementary type, or None for any other type."""
    if kind == "address":
        return lambda w: "0x" + w[12:].hex()
    if kind == "bool":
        return lambda w: w[31] != 0
    if kind.startswith("uint"):
        return lambda w: int.from_bytes(w, "big")
    if kind.startswith("int"):
        return lambda w: int.from_bytes(w, "big", signed=True)
    if kind.startswith("bytes") and kind[5:].isdigit():
        n = int(kind[5:])
        return lambda w: w[:n]
    return None


_plans: dict[tuple, list | None] = {}


def _static_plan(abi: dict, general: bool = False) -> list | None:
    """For an event whose arguments are all static elementary types (the hot ones: Transfer, ActivityAttested):
    (name, indexed, decoder) per input, decoded by slicing words, several times faster than eth_abi's general
    decoder. None when any argument needs eth_abi (or `general` asks for eth_abi's decoder)."""
    if general:
        return None
    key = (abi["name"], *((i["name"], i["type"], bool(i.get("indexed"))) for i in abi["inputs"]))
    if key not in _plans:
        plan = [(i["name"], bool(i.get("indexed")), _word_decoder(i["type"])) for i in abi["inputs"]]
        _plans[key] = None if any(d is None for _, _, d in plan) else plan
    return _plans[key]


def decode_event(abi: dict, entry, general: bool = False) -> dict:
    """An event's arguments with eth_abi directly (web3.py's get_event_data was the indexer's largest cost):
    indexed ones from the topics, the others from the data; addresses checksummed, big integers as strings.
    `general`: always eth_abi's decoder (tests compare the two)."""
    plan = _static_plan(abi, general)
    if plan is not None:
        topics, data = entry["topics"], bytes(entry["data"])
        out, t, d = {}, 1, 0
        for name, indexed, decode in plan:
            if indexed:
                value, t = decode(bytes(topics[t])), t + 1
            else:
                value, d = decode(data[d:d + 32]), d + 32
            out[name] = checksum(value) if isinstance(value, str) else _plain(value)
        return out
    topics = [bytes(t) for t in entry["topics"][1:]]
    indexed = [i for i in abi["inputs"] if i.get("indexed")]
    plain = [i for i in abi["inputs"] if not i.get("indexed")]
    values = dict(zip((i["name"] for i in plain), abi_decode([abi_type(i) for i in plain], bytes(entry["data"])), strict=True))
    for item, topic in zip(indexed, topics, strict=True):
        kind = abi_type(item)
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
