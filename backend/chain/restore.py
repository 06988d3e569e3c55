"""Rebuilding the chain state of a restored database from the registry's events, before anything new is sent.

A database restored from a backup taken at T does not know what was attested or revoked after T: those activities
are queued again, or missing altogether. The chain writer runs `rebuild_chain_state` when it first holds its lease
(and `python -m backend.restore` on demand). It notices a restore by the centre keys' nonces: the chain has used more
of them than this database ever signed (or saw at its last check). Then, with approvals refused meanwhile
(`restoring`), it reads the registry's ActivityAttested and ActivityRevoked events from the newest block the
database knew (through the one log reader, with its truncation checks), and:

* confirms the activities the events name by id (a queued one is never sent again), marks revoked ones revoked;
* keeps every attestation no activity here holds as an *unmatched attestation*. Its id cannot be recomputed from a
  re-entered activity — the id hashes a random salt made at approval, lost with the restore — so a re-entry is
  matched on what the chain shows: centre, wallet, category, units and day (store.restore.link_reentered, done by
  the writer before it sends).

Logs that lag the state would hide attestations: before it trusts them, the rebuild checks each centre's pages in
the registry from the last serial the database had settled upwards, until a page with nothing attested; every
attested slot must be one the events showed or one an activity here holds, else the page's logs are read again,
proven complete by the page's accumulator (ChainClient.page_logs), or the rebuild waits (LogsIncomplete) and the
flag keeps approvals refused.
"""

from __future__ import annotations

import logging

from eth_abi import decode
from eth_utils import keccak, to_checksum_address
from sqlalchemy.orm import Session, sessionmaker

from backend.chain.attestation_pages import ACTIVITY_ATTESTED_TOPIC, PAGE_SLOTS, centre_of, serial_of
from backend.chain.client import ChainClient
from backend.chain.logs import LogsIncomplete
from backend.store.chain_marks import page_first_block
from backend.store.db import transaction
from backend.store.restore import (Attested, RestoreMark, apply_attested, apply_revoked, clear_restoring,
                                   highest_known_block, next_nonces, open_unmatched, restore_mark, restoring_since,
                                   save_restore_mark, sent_anything, serials_held, set_restoring, settled_serial_floor)

log = logging.getLogger("backend.worker")
ACTIVITY_REVOKED_TOPIC = keccak(text="ActivityRevoked(bytes32,address,address,uint96,uint96,uint96,bytes32)")


def rebuild_chain_state(sessions: sessionmaker[Session], client: ChainClient, senders: list[str], *,
                        force: bool = False, from_block: int | None = None) -> dict:
    """Checks whether the chain moved on without this database and, if it did (or `force`), rebuilds the activities'
    chain state from the registry's events from the newest block the database knew (`from_block`: from there).
    `senders`: the centres' keys. Answers what it did; raises (the flag stays set) when the logs cannot be trusted
    yet."""
    head = int(client.rpc("eth_blockNumber", []), 16)
    nonces = {a: int(client.rpc("eth_getTransactionCount", [a, hex(head)]), 16) for a in senders}
    with sessions() as s:
        mark, known, anything = restore_mark(s), highest_known_block(s), sent_anything(s)
        ours, pending = next_nonces(s, senders), restoring_since(s)
    if from_block is None and not force and pending is None:
        if mark is None and not anything:
            state = "new"  # nothing sent from here yet: the chain as it is now is where this database starts
        else:
            # Before the first check a key this database never signed with has nothing to compare with: its nonce
            # now is taken as the start (a key shared with another database, or used before this one existed).
            seen = mark.nonces if mark else {a: nonces[a] for a in senders if ours[a] == 0}
            behind = sorted(a for a in senders if nonces[a] > max(ours[a], seen.get(a, 0)))
            state = "restored" if behind else "current"
            if behind:
                log.warning("the chain has transactions of %s that this database never signed: a restored backup; "
                            "rebuilding the activities' chain state before anything is sent", behind)
        if state != "restored":
            with transaction(sessions) as s:
                save_restore_mark(s, RestoreMark(head, nonces))
            return {"state": state, "head": head}
    start = from_block if from_block is not None else (known if known is not None else client.deployment.deployment_block)
    start = max(start, client.deployment.deployment_block)
    with transaction(sessions) as s:
        set_restoring(s, f"rebuilding from block {start}")
    attested, revoked = read_events(client, start, head)
    attested += missing_from_logs(sessions, client, start, head, attested)
    with transaction(sessions) as s:
        counts = apply_attested(s, attested)
        counts["revoked"] = apply_revoked(s, revoked)
        save_restore_mark(s, RestoreMark(head, nonces))
        clear_restoring(s)
    with sessions() as s:
        counts["unmatched_open"] = open_unmatched(s)
    log.warning("chain state rebuilt from blocks %d–%d: %s", start, head, counts)
    return {"state": "rebuilt", "from_block": start, "head": head, "events": len(attested) + len(revoked), **counts}


def read_events(client: ChainClient, start: int, end: int) -> tuple[list[Attested], list[str]]:
    """The registry's attestations and revocations in [start, end], in chain order."""
    attested, revoked = [], []
    for entry in client.logs.logs(start, end, client.registry.address, [[ACTIVITY_ATTESTED_TOPIC, ACTIVITY_REVOKED_TOPIC]]):
        topics = entry["topics"]
        if topics[0] == ACTIVITY_ATTESTED_TOPIC:
            attested.append(attested_from_log(entry))
        elif topics[0] == ACTIVITY_REVOKED_TOPIC:
            revoked.append("0x" + bytes(topics[1]).hex())
    return attested, revoked


def attested_from_log(entry: dict) -> Attested:
    aid = bytes(entry["topics"][1])
    category, _rule_version, units, time, evidence_hash, amount = decode(
        ["uint16", "uint32", "uint32", "uint40", "bytes32", "uint96"], bytes(entry["data"]))
    return Attested(chain_id_hex="0x" + aid.hex(), centre_id=centre_of(aid), serial=serial_of(aid),
                    volunteer=to_checksum_address(bytes(entry["topics"][2])[12:]), category=category, units=units,
                    chain_time=time, evidence_hash="0x" + evidence_hash.hex(), amount=amount,
                    tx_hash=entry["transactionHash"], block_number=entry["blockNumber"])


def missing_from_logs(sessions: sessionmaker[Session], client: ChainClient, start: int, head: int,
                      attested: list[Attested]) -> list[Attested]:
    """The completeness check: attestations the registry's pages hold, in blocks from `start`, that the logs read did
    not show (then read again from their pages' logs, proven complete by each page's accumulator). Raises
    LogsIncomplete when even those do not add up."""
    seen = {(e.centre_id, e.serial) for e in attested}
    centres = sorted({e.centre_id for e in attested} | {c["id"] for c in client.deployment.manifest["config"]["centres"]})
    unexplained: dict[tuple[int, int], list[int]] = {}  # (centre, page) → serials attested, neither read nor held
    for centre in centres:
        with sessions() as s:
            floor = settled_serial_floor(s, centre, start)
            held = serials_held(s, centre, floor)
        top = max([serial for c, serial in seen if c == centre] + [floor - 1])
        page = floor // PAGE_SLOTS
        while True:  # up to the first page with nothing attested above every serial known
            bits, _, _ = client.registry.functions.page(centre, page).call(block_identifier=head)
            serials = [page * PAGE_SLOTS + slot for slot in range(PAGE_SLOTS) if bits >> slot & 1]
            odd = [n for n in serials if n >= floor and (centre, n) not in seen and n not in held]
            if odd:
                unexplained[(centre, page)] = odd
            if bits == 0 and page * PAGE_SLOTS > top:
                break
            page += 1
    if not unexplained:
        return []
    # Attested before `start` (known here once: an erased link, or a database that started later): not ours to match.
    older = {(e.centre_id, e.serial) for e in read_events(client, client.deployment.deployment_block, start - 1)[0]} \
        if start > client.deployment.deployment_block else set()
    found: list[Attested] = []
    for (centre, page), serials in sorted(unexplained.items()):
        serials = [n for n in serials if (centre, n) not in older]
        if not serials:
            continue
        with sessions() as s:
            first = page_first_block(s, centre, page, PAGE_SLOTS)
        proven = {serial_of(r.id): entry for r, entry in client.page_logs(centre, page, first)}
        for serial in serials:
            entry = proven.get(serial)
            if entry is None:
                raise LogsIncomplete(f"serial {serial} of centre {centre} is attested but not in its page's logs")
            if entry["blockNumber"] >= start:
                found.append(attested_from_log(entry))
                log.warning("serial %d of centre %d: attested, missing from the logs first read", serial, centre)
    return found
