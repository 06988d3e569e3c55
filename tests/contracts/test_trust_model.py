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


# ------------------------------------------------------------------ the admin's powers bounded at deployment


def test_handing_the_admin_role_on_takes_two_steps_and_the_delay(coin, registry, redemption, admin, accounts, chain):
    """In all three contracts: no instant grant of the admin role; a transfer starts, waits the delay fixed at
    deployment (2 days here), and only the new admin's acceptance completes it. Until then the old admin stays."""
    successor = accounts[9]
    role = coin.DEFAULT_ADMIN_ROLE()
    delay = 2 * 24 * HOUR
    for contract in (coin, registry, redemption):
        assert contract.defaultAdminDelay() == delay and contract.defaultAdmin() == admin
        with brownie.reverts(error("AccessControlEnforcedDefaultAdminRules")):
            contract.grantRole(role, successor, {"from": admin})
        tx = contract.beginDefaultAdminTransfer(successor, {"from": admin})
        schedule = tx.events["DefaultAdminTransferScheduled"]["acceptSchedule"]
        assert schedule == tx.timestamp + delay
        with brownie.reverts(error("AccessControlEnforcedDefaultAdminDelay", schedule)):
            contract.acceptDefaultAdminTransfer({"from": successor})
    chain.sleep(delay - HOUR)  # not yet
    chain.mine()
    for contract in (coin, registry, redemption):
        with brownie.reverts():
            contract.acceptDefaultAdminTransfer({"from": successor})
        assert contract.hasRole(role, admin) and not contract.hasRole(role, successor)
    coin.pause({"from": admin})  # the old admin still acts during the wait
    chain.sleep(2 * HOUR)
    chain.mine()
    for contract in (coin, registry, redemption):
        with brownie.reverts(error("AccessControlInvalidDefaultAdmin", admin)):
            contract.acceptDefaultAdminTransfer({"from": admin})  # only the one named may accept
        contract.acceptDefaultAdminTransfer({"from": successor})
        assert contract.defaultAdmin() == successor and not contract.hasRole(role, admin)
    with brownie.reverts(error("AccessControlUnauthorizedAccount", admin, role)):
        coin.unpause({"from": admin})
    coin.unpause({"from": successor})


def test_the_admin_cannot_renounce_or_vanish_at_once(registry, admin):
    """Dropping the admin role (leaving the deployment without one) is a transfer to nobody: the same delay."""
    role = registry.DEFAULT_ADMIN_ROLE()
    with brownie.reverts(error("AccessControlEnforcedDefaultAdminDelay", 0)):
        registry.renounceRole(role, admin, {"from": admin})
    with brownie.reverts(error("AccessControlEnforcedDefaultAdminRules")):
        registry.revokeRole(role, admin, {"from": admin})
    assert registry.defaultAdmin() == admin


def test_the_admin_cannot_publish_a_rule_above_the_bound_fixed_at_deployment(registry, admin):
    """Every rule's most generous activity (coinsPerBlock x maxUnits / unitsPerBlock) stays within
    maxRewardPerActivity (100 coins here), however the admin spreads it over blocks and units."""
    bound = int(registry.maxRewardPerActivity())
    assert bound == 100 * COIN
    before = registry.categoryRule(1)
    with brownie.reverts(error("ActivityRegistryRuleAboveMaxReward", 1, 101 * COIN, bound)):
        registry.setCategoryRule(1, 101 * COIN, 1, 1, True, {"from": admin})
    with brownie.reverts(error("ActivityRegistryRuleAboveMaxReward", 1, 104 * COIN, bound)):
        registry.setCategoryRule(1, 13 * COIN, 60, 480, True, {"from": admin})  # 13 coins an hour for 8 hours
    with brownie.reverts(error("ActivityRegistryRuleAboveMaxReward", 1, 200 * COIN, bound)):
        registry.setCategoryRule(1, 200 * COIN, 1, 1, False, {"from": admin})  # inactive rules too: reactivating is a new version
    assert registry.categoryRule(1) == before
    registry.setCategoryRule(1, 100 * COIN, 1, 1, True, {"from": admin})  # exactly the bound
    assert registry.categoryRule(1)[0] == 100 * COIN
    assert not hasattr(registry, "setMaxRewardPerActivity")
