"""What docs/contracts.md#trust-model promises the city's admin cannot do, each shown on the contracts."""

import brownie

from tests.contracts.conftest import COIN, HOUR, error


def test_the_admin_cannot_revoke_after_the_window(bank, registry, admin, residents, chain):
    act, _ = bank.attest(residents[0])
    attested_at = bank.record(act[0]).attested_at
    window = int(registry.revocationWindow())
    chain.sleep(window + HOUR)
    chain.mine()
    with brownie.reverts(error("ActivityRegistryRevocationWindowClosed", act[0], attested_at + window)):
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


def test_a_stolen_coordinator_key_issues_at_most_two_caps_across_a_period_boundary(bank, registry, admin, residents,
                                                                                  chain):
    """The cap counts per period aligned to the epoch (timestamp / period length), not over a rolling window: a
    key used just before and just after a boundary issues at most twice the cap in a short span, never more."""
    period = 30 * 24 * HOUR
    registry.setCentreCap(1, 48 * COIN, period, {"from": admin})  # two attestations of 8 hours fill it
    chain.sleep(period - chain.time() % period - 600)  # ten minutes before a boundary
    chain.mine()
    for _ in range(2):
        bank.attest(residents[0], 480)
    with brownie.reverts(error("ActivityRegistryCentreCapExceeded", 1, 24 * COIN, 0)):
        bank.attest(residents[0], 480)
    chain.sleep(1200)  # ten minutes after it
    chain.mine()
    for _ in range(2):
        bank.attest(residents[0], 480)
    with brownie.reverts(error("ActivityRegistryCentreCapExceeded", 1, 24 * COIN, 0)):
        bank.attest(residents[0], 480)
    assert registry.volunteerTotals(residents[0])[0] == 2 * 48 * COIN  # twice the cap in twenty minutes, no more
