"""The indexer decodes events of static arguments by slicing words (events.decode_event's fast path); it must give
exactly what eth_abi's general decoder gives. No chain needed: random values of every static kind."""

from __future__ import annotations

import os

from eth_abi import encode
from eth_utils import to_checksum_address

from backend.chain.events import decode_event

ABI = {"name": "Sample", "inputs": [
    {"name": "id", "type": "bytes32", "indexed": True}, {"name": "who", "type": "address", "indexed": True},
    {"name": "category", "type": "uint16"}, {"name": "delta", "type": "int32"}, {"name": "ok", "type": "bool"},
    {"name": "evidence", "type": "bytes32"}, {"name": "tag", "type": "bytes4"}, {"name": "amount", "type": "uint256"},
    {"name": "small", "type": "uint96"},
]}


def test_fast_path_equals_eth_abi_on_random_values():
    for k in range(300):
        amount = int.from_bytes(os.urandom(32), "big") if k % 2 else k  # both above and below 2**53
        values = (os.urandom(2), int.from_bytes(os.urandom(4), "big", signed=True) >> 1, k % 3 == 0, os.urandom(32),
                  os.urandom(4), amount, int.from_bytes(os.urandom(12), "big"))
        who = "0x" + os.urandom(20).hex()
        entry = {"topics": [b"\0" * 32, os.urandom(32), encode(["address"], [who])],
                 "data": encode(["uint16", "int32", "bool", "bytes32", "bytes4", "uint256", "uint96"],
                                [int.from_bytes(values[0], "big"), *values[1:]])}
        fast, general = decode_event(ABI, entry), decode_event(ABI, entry, general=True)
        assert fast == general
        assert fast["who"] == to_checksum_address(who)
        assert fast["amount"] == (str(amount) if amount >= 2**53 else amount)


def test_events_with_dynamic_arguments_use_eth_abi():
    abi = {"name": "Note", "inputs": [{"name": "who", "type": "address", "indexed": True},
                                      {"name": "text", "type": "string"}, {"name": "n", "type": "uint8"}]}
    who = "0x" + "ab" * 20
    entry = {"topics": [b"\0" * 32, encode(["address"], [who])], "data": encode(["string", "uint8"], ["서초 봉사", 7])}
    assert decode_event(abi, entry) == {"who": "0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB", "text": "서초 봉사", "n": 7}
