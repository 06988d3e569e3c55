"""A node that does not have the recent blocks the indexer stored (a load-balanced provider's backend behind the
others) is not taken for a reorganisation: the indexer waits instead of throwing the whole index away, and rolls
back only what lies above the newest block the node still agrees on."""

from __future__ import annotations

import pytest

from backend.chain.indexer import NodeBehind

FAKE = "0x" + "ab" * 32


def test_no_stored_block_known_to_the_node_means_wait_not_reindex(backend):
    head = backend.node.web3.eth.block_number
    with pytest.raises(NodeBehind):
        backend.indexer._find_fork(head, [(head + 3, FAKE), (head + 2, FAKE), (head + 1, FAKE)])


def test_blocks_above_the_nodes_head_roll_back_only_to_the_newest_agreed_block(backend):
    head = backend.node.web3.eth.block_number
    agreed = "0x" + bytes(backend.node.web3.eth.get_block(head)["hash"]).hex()
    assert backend.indexer._find_fork(head, [(head + 2, FAKE), (head + 1, FAKE), (head, agreed)]) == head + 1


def test_a_changed_hash_with_nothing_agreed_still_reindexes_from_the_deployment(backend):
    head = backend.node.web3.eth.block_number
    assert backend.indexer._find_fork(head, [(head, FAKE), (head - 1, FAKE)]) == backend.chain.deployment.deployment_block
