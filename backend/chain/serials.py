"""Serial recovery at start: the highest serial each centre has attested on-chain, so new activities continue after
it (the registry refuses a used serial).

The registry's logs are read once: a checkpoint in the database keeps the block read up to, its hash and the highest
serials so far, and each start reads only the blocks after it, so start-up does not grow with the chain. A fresh
database (no checkpoint) reads from the deployment block once. A checkpoint whose block is no longer the node's (a
reset node, another chain) is ignored, and everything is read again.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from backend.chain.client import ChainClient
from backend.store.chain_marks import SerialCheckpoint, save_serial_checkpoint, serial_checkpoint
from backend.store.db import transaction

# The checkpoint stays this many blocks below the head, so a reorganisation of recent blocks leaves it valid;
# those blocks are simply read again at the next start.
SETTLED_DEPTH = 64


def recover_highest_serials(sessions: sessionmaker[Session], client: ChainClient) -> dict[int, int]:
    """centre id → the highest serial attested on-chain; moves the checkpoint forward."""
    head = int(client.rpc("eth_blockNumber", []), 16)
    with sessions() as s:
        checkpoint = serial_checkpoint(s)
    settled, start = {}, client.deployment.deployment_block
    if checkpoint is not None and start <= checkpoint.block <= head and _hash(client, checkpoint.block) == checkpoint.block_hash:
        settled, start = dict(checkpoint.highest), checkpoint.block + 1
    mark = max(start - 1, head - SETTLED_DEPTH)
    if mark >= start:
        settled = _merge(settled, client.highest_serials(start, mark))
    if mark >= client.deployment.deployment_block and (checkpoint is None or checkpoint.block != mark):
        try:
            with transaction(sessions) as s:
                save_serial_checkpoint(s, SerialCheckpoint(mark, _hash(client, mark), settled))
        except IntegrityError:  # the API and the worker starting together: the other one saved its checkpoint
            pass
    return _merge(settled, client.highest_serials(mark + 1, head)) if head > mark else settled


def _hash(client: ChainClient, number: int) -> str | None:
    block = client.rpc("eth_getBlockByNumber", [hex(number), False])
    return block["hash"] if block else None


def _merge(a: dict[int, int], b: dict[int, int]) -> dict[int, int]:
    return {k: max(a.get(k, -1), b.get(k, -1)) for k in a.keys() | b.keys()}
