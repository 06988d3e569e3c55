"""A revocation proves its attestation against the page's hash chain: every altered proof is refused, and nothing is
revoked or burned."""

import os

import brownie
import pytest

from tests.contracts.conftest import COIN, error

# Attestation tuple fields: id, volunteer, category, units, time, evidenceHash, ruleVersion, amount, attestedAt.
RULE_VERSION, ATTESTED_AT = 6, 8


@pytest.fixture
def page_of_three(bank, registry, residents):
    """Three attestations on one page; the middle one is revoked in the tests."""
    acts = [bank.activity(residents[i], 60) for i in range(3)]
    registry.attestBatch(acts, {"from": bank.coordinator})
    return acts


def refused(bank, registry, coin, aid, att, acc, later):
    supply = coin.totalSupply()
    with brownie.reverts(error("ActivityRegistryInvalidAttestationProof", aid)):
        registry.revoke(att, acc, later, bytes(32), {"from": bank.coordinator})
    assert not registry.isRevoked(aid) and coin.totalSupply() == supply


def test_a_wrong_acc_before_is_refused(bank, registry, coin, page_of_three):
    aid = page_of_three[1][0]
    att, acc, later = bank.proof_args(aid)
    refused(bank, registry, coin, aid, att, os.urandom(32), later)


def test_reordered_later_leaves_are_refused(bank, registry, coin, page_of_three, residents):
    bank.attest(residents[3], 60)  # a fourth on the page: two leaves after the middle one
    aid = page_of_three[1][0]
    att, acc, later = bank.proof_args(aid)
    assert len(later) == 2
    refused(bank, registry, coin, aid, att, acc, list(reversed(later)))


def test_a_leaf_of_another_page_is_refused(bank, registry, coin, page_of_three, residents):
    bank.attest(residents[3], 60)  # a later leaf on the page of the middle one
    other, _ = bank.attest(residents[0], 60, serial=40)  # page 2 of centre 1
    aid = page_of_three[1][0]
    att, acc, later = bank.proof_args(aid)
    foreign = bank.proof_args(other[0])[0]
    refused(bank, registry, coin, aid, att, acc, [bytes(registry.attestationLeaf(foreign))] + list(later)[1:])


@pytest.mark.parametrize("field", [ATTESTED_AT, RULE_VERSION])
def test_an_altered_attested_at_or_rule_version_is_refused(bank, registry, coin, page_of_three, field):
    aid = page_of_three[1][0]
    att, acc, later = bank.proof_args(aid)
    att = list(att)
    att[field] = int(att[field]) + 1
    refused(bank, registry, coin, aid, tuple(att), acc, later)


def test_a_batch_that_returns_to_a_page_keeps_every_attestation_provable(bank, registry, coin, residents):
    """Serials of pages X, Y, X in one batch: the contract writes page X twice; each attestation still proves."""
    acts = [bank.activity(residents[0], 60, serial=s) for s in (100, 120, 101)]  # pages 6, 7, 6
    registry.attestBatch(acts, {"from": bank.coordinator})
    for act in acts:
        assert list(registry.verifyAttestation(*bank.proof_args(act[0]))) == [True, False]
    bank.revoke(acts[2][0])
    assert registry.isRevoked(acts[2][0]) and coin.balanceOf(residents[0]) == 6 * COIN
