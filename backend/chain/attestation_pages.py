"""Off-chain mirror of the registry's attestation ids, leaves and page hash chains.

The ActivityRegistry commits to attestations in pages of 16 (see docs/contracts.md). To revoke or
verify an attestation you replay its page's chain, so whoever revokes needs, for that page, every
leaf in the order it was attested. This module computes ids, leaves and those proofs exactly as the
contract does (contracts/libraries/AttestationPages.sol, ActivityRegistry.attestationLeaf).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from eth_abi import encode
from eth_utils import keccak

PAGE_SLOTS = 16
# Solidity types of the Attestation struct, in order (the leaf hashes them after LEAF_TYPEHASH).
LEAF_FIELD_TYPES = ("bytes32", "address", "uint16", "uint32", "uint40", "bytes32", "uint32", "uint96", "uint40")
_ACC_MASK = (1 << 224) - 1

LEAF_TYPEHASH = keccak(
    text=(
        "Attestation(bytes32 id,address volunteer,uint16 category,uint32 units,uint40 time,"
        "bytes32 evidenceHash,uint32 ruleVersion,uint96 amount,uint40 attestedAt)"
    )
)


def activity_id(centre_id: int, serial: int, record_hash: bytes) -> bytes:
    """centreId (32 bits) | serial (64 bits) | low 160 bits of the salted record hash."""
    if not 0 < centre_id < 2**32:
        raise ValueError(f"centre id {centre_id} out of range")
    if not 0 <= serial < 2**64:
        raise ValueError(f"serial {serial} out of range")
    if len(record_hash) != 32:
        raise ValueError("record hash must be 32 bytes")
    low = int.from_bytes(record_hash, "big") & ((1 << 160) - 1)
    return ((centre_id << 224) | (serial << 160) | low).to_bytes(32, "big")


def centre_of(activity_id_: bytes | str) -> int:
    """The centre id in an activity id (bytes, or 0x-hex as events are stored)."""
    value = int(activity_id_, 16) if isinstance(activity_id_, str) else int.from_bytes(activity_id_, "big")
    return value >> 224


def serial_of(activity_id_: bytes) -> int:
    return (int.from_bytes(activity_id_, "big") >> 160) & ((1 << 64) - 1)


def page_of(activity_id_: bytes) -> tuple[int, int, int]:
    """(centre id, page index, slot in page) of an id."""
    serial = serial_of(activity_id_)
    return centre_of(activity_id_), serial // PAGE_SLOTS, serial % PAGE_SLOTS


@dataclass(frozen=True)
class AttestationRecord:
    """An attestation exactly as the registry committed it (the Solidity `Attestation` struct)."""

    id: bytes
    volunteer: str
    category: int
    units: int
    time: int
    evidence_hash: bytes
    rule_version: int
    amount: int
    attested_at: int

    def as_tuple(self) -> tuple:
        return (
            self.id,
            self.volunteer,
            self.category,
            self.units,
            self.time,
            self.evidence_hash,
            self.rule_version,
            self.amount,
            self.attested_at,
        )

    def leaf(self) -> bytes:
        return keccak(encode(["bytes32", *LEAF_FIELD_TYPES], [LEAF_TYPEHASH, *self.as_tuple()]))


def chain_step(acc: int, leaf: bytes) -> int:
    return int.from_bytes(keccak(acc.to_bytes(32, "big") + leaf), "big") & _ACC_MASK


def chain_value(leaves: Iterable[bytes]) -> int:
    acc = 0
    for leaf in leaves:
        acc = chain_step(acc, leaf)
    return acc


@dataclass(frozen=True)
class PageProof:
    acc_before: bytes
    later_leaves: list[bytes]


def prove(page_records: Sequence[AttestationRecord], target_id: bytes) -> PageProof:
    """Proof for `target_id` from all records of its page, in the order they were attested."""
    acc = 0
    for position, record in enumerate(page_records):
        if record.id == target_id:
            later = [r.leaf() for r in page_records[position + 1 :]]
            return PageProof(acc.to_bytes(32, "big"), later)
        acc = chain_step(acc, record.leaf())
    raise KeyError(f"{target_id.hex()} is not among the page's records")


ACTIVITY_ATTESTED_TOPIC = keccak(text="ActivityAttested(bytes32,address,uint16,uint32,uint32,uint40,bytes32,uint96)")


def record_from_log(log: dict, attested_at: int) -> AttestationRecord:
    """Decodes an ActivityAttested log; `attested_at` is the timestamp of the log's block."""
    from eth_abi import decode

    topics = [bytes(t) for t in log["topics"]]
    if topics[0] != ACTIVITY_ATTESTED_TOPIC:
        raise ValueError("not an ActivityAttested log")
    category, rule_version, units, time, evidence_hash, amount = decode(
        ["uint16", "uint32", "uint32", "uint40", "bytes32", "uint96"], bytes(log["data"])
    )
    from eth_utils import to_checksum_address

    return AttestationRecord(
        id=topics[1],
        volunteer=to_checksum_address(topics[2][12:]),
        category=category,
        units=units,
        time=time,
        evidence_hash=evidence_hash,
        rule_version=rule_version,
        amount=amount,
        attested_at=attested_at,
    )


def page_records_from_chain(web3, registry_address: str, centre_id: int, page_index: int, from_block: int = 0,
                            to_block: int | None = None, reader=None) -> list[AttestationRecord]:
    """The attestations of one page in blocks [from_block, to_block (default: the head)], in the order they were
    attested, from the registry's logs (backend/chain/logs.py; `reader`: a LogReader to reuse)."""
    return [record for record, _ in page_logs_from_chain(web3, registry_address, centre_id, page_index, from_block,
                                                         to_block, reader)]


def page_logs_from_chain(web3, registry_address: str, centre_id: int, page_index: int, from_block: int = 0,
                         to_block: int | None = None, reader=None) -> list[tuple[AttestationRecord, dict]]:
    """page_records_from_chain, each record with its ActivityAttested log (a plain dict: transactionHash, …)."""
    from backend.chain.events import log_block_time
    from backend.chain.logs import LogReader, logs_rpc

    rpc = reader.rpc if reader is not None else logs_rpc(web3.provider)
    reader = reader or LogReader(rpc, span=10_000)
    if to_block is None:
        to_block = int(rpc("eth_blockNumber", []), 16)
    block_times: dict[int, int] = {}

    def block_time(number: int) -> int:
        if number not in block_times:
            block_times[number] = int(rpc("eth_getBlockByNumber", [hex(number), False])["timestamp"], 16)
        return block_times[number]

    return [(record_from_log(entry, log_block_time(entry, block_time)), entry)
            for entry in reader.logs(from_block, to_block, registry_address, [ACTIVITY_ATTESTED_TOPIC])
            if page_of(entry["topics"][1])[:2] == (centre_id, page_index)]


ACTIVITY_TUPLE = "(bytes32,address,uint16,uint32,uint40,bytes32)"
REGISTRY_DOMAIN = {"name": "VolunteerBank ActivityRegistry", "version": "1"}


def batch_items_hash(activities) -> bytes:
    """ActivityRegistry.batchItemsHash computed off-chain: keccak256 of each activity's ABI encoding (six words, the
    `Activity` tuple: id, volunteer, category, units, time, evidenceHash), concatenated."""

    def value(v):
        return bytes.fromhex(v[2:]) if isinstance(v, str) and v.startswith("0x") and len(v) == 66 else v

    return keccak(b"".join(encode([ACTIVITY_TUPLE], [tuple(value(v) for v in a)]) for a in activities))


def attest_batch_typed_data(chain_id: int, registry: str, centre_id: int, activities, nonce: int, deadline: int) -> dict:
    """The EIP-712 typed data a coordinator signs for attestBatchBySig (eth_signTypedData_v4)."""
    return {
        "types": {
            "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                             {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
            "AttestBatch": [{"name": "centreId", "type": "uint32"}, {"name": "itemsHash", "type": "bytes32"},
                            {"name": "nonce", "type": "uint256"}, {"name": "deadline", "type": "uint256"}],
        },
        "primaryType": "AttestBatch",
        "domain": {**REGISTRY_DOMAIN, "chainId": chain_id, "verifyingContract": registry},
        "message": {"centreId": centre_id, "itemsHash": batch_items_hash(activities), "nonce": nonce,
                    "deadline": deadline},
    }
