"""What docs/contracts.md#trust-model promises the city's admin cannot do, each shown on the contracts."""

import brownie

from tests.contracts.conftest import COIN, HOUR, error


def test_the_admin_cannot_revoke_after_the_window(bank, registry, admin, residents, chain):
    act, _ = bank.attest(residents[0])
    attested_at = bank.record(act[0]).attested_at
    window = int(registry.revocationWindow())
    chain.sleep(window + HOUR)
    chain.mine()
    with brownie.reverts(error("RevocationWindowClosed", act[0], attested_at + window)):
        bank.revoke(act[0], sender=admin)


def test_the_admin_cannot_move_a_residents_coins(bank, coin, redemption, admin, residents):
    bank.earn(residents[0], 60)
    with brownie.reverts(error("ServiceCoinUnauthorized", admin)):
        coin.spend(residents[0], admin, COIN, {"from": admin})
    with brownie.reverts(error("ERC20InsufficientAllowance", admin, 0, COIN)):
        coin.transferFrom(residents[0], admin, COIN, {"from": admin})
    assert coin.balanceOf(residents[0]) == 3 * COIN


def test_every_coin_the_admin_could_create_is_a_public_attestation(bank, registry, coin, admin, rando):
    """The admin's one way to issue coins: make itself a coordinator and attest, within a centre's cap; every step
    is an event anyone reads (and the coins are locked for the revocation window like any others)."""
    tx = registry.addCoordinator(1, admin, {"from": admin})
    assert "RoleGranted" in tx.events
    _, tx = bank.attest(rando, 60, sender=admin)
    assert tx.events["ActivityAttested"]["volunteer"] == rando and coin.lockedOf(rando) == 3 * COIN
    assert coin.totalSupply() == 3 * COIN  # nothing else was minted
