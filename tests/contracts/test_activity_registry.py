import os

import brownie
import pytest

from backend.chain.attestation_pages import activity_id, chain_value
from tests.contracts.conftest import CLASS, COIN, DAY, HOUR, RECYCLING, VOLUNTEERING, error, plain

ZERO = "0x" + "00" * 20


# ------------------------------------------------------------------ admin configuration


def test_centres_are_numbered_and_configured(registry, admin):
    assert registry.centreCount() == 2
    tx = registry.addCentre(500 * COIN, 7 * DAY, {"from": admin})
    assert tx.return_value == 3
    assert plain(tx.events["CentreAdded"].values()) == [3, 500 * COIN, 7 * DAY]
    c = registry.centre(3)
    assert plain([c[0], c[1], c[3], c[4]]) == [500 * COIN, 0, 7 * DAY, True]


def test_centre_config_rejects_zero_period_and_unknown_centre(registry, admin):
    with brownie.reverts(error("ActivityRegistryInvalidCentreConfig", COIN, 0)):
        registry.addCentre(COIN, 0, {"from": admin})
    with brownie.reverts(error("ActivityRegistryUnknownCentre", 9)):
        registry.setCentreCap(9, COIN, DAY, {"from": admin})
    with brownie.reverts(error("ActivityRegistryUnknownCentre", 9)):
        registry.setCentreActive(9, False, {"from": admin})
    with brownie.reverts(error("ActivityRegistryUnknownCentre", 9)):
        registry.addCoordinator(9, admin, {"from": admin})


@pytest.mark.parametrize(
    "call",
    [
        lambda r, a: r.addCentre(COIN, DAY, {"from": a}),
        lambda r, a: r.setCentreCap(1, COIN, DAY, {"from": a}),
        lambda r, a: r.setCentreActive(1, False, {"from": a}),
        lambda r, a: r.addCoordinator(1, a, {"from": a}),
        lambda r, a: r.removeCoordinator(1, a, {"from": a}),
        lambda r, a: r.setCategoryRule(1, COIN, 1, 1, True, {"from": a}),
    ],
)
def test_configuration_is_admin_only(registry, coordinator, call):
    with brownie.reverts(error("AccessControlUnauthorizedAccount", coordinator, bytes(32))):
        call(registry, coordinator)


def test_coordinators_are_granted_and_removed_per_centre(registry, admin, rando, bank, residents):
    registry.addCoordinator(1, rando, {"from": admin})
    assert registry.hasRole(registry.coordinatorRole(1), rando)
    assert not registry.hasRole(registry.coordinatorRole(2), rando)
    bank.attest(residents[0], sender=rando)
    registry.removeCoordinator(1, rando, {"from": admin})
    with brownie.reverts(error("ActivityRegistryNotCoordinator", rando, 1)):
        bank.attest(residents[0], sender=rando)


def test_category_rules_are_versioned(registry, admin):
    assert registry.categoryRule(VOLUNTEERING)[3] == 1
    tx = registry.setCategoryRule(VOLUNTEERING, 4 * COIN, 60, 480, True, {"from": admin})
    assert tx.return_value == 2
    assert plain(tx.events["CategoryRuleSet"].values()) == [VOLUNTEERING, 2, 4 * COIN, 60, 480, True]
    assert plain(registry.categoryRule(VOLUNTEERING)) == [4 * COIN, 60, 480, 2, True]
    assert plain(registry.categoryRuleAt(VOLUNTEERING, 1)) == [3 * COIN, 60, 480, 1, True]
    assert registry.rewardFor(VOLUNTEERING, 90) == 6 * COIN


@pytest.mark.parametrize("rule", [(COIN, 0, 10, True), (COIN, 1, 0, True), (0, 1, 10, True)])
def test_invalid_category_rules_are_rejected(registry, admin, rule):
    with brownie.reverts(error("ActivityRegistryInvalidCategoryRule", 7)):
        registry.setCategoryRule(7, *rule, {"from": admin})


def test_revocation_window_is_the_coins_lock_fixed_at_deployment(registry, coin):
    assert registry.revocationWindow() == coin.lockPeriod() == 30 * DAY
    assert not hasattr(registry, "setRevocationWindow")  # no later change can reopen or shorten a window


def test_registry_refuses_a_coin_that_mints_for_another_registry(ActivityRegistry, ServiceCoin, admin, rando):
    coin = ServiceCoin.deploy("C", "C", admin, rando, rando, DAY, DAY, {"from": admin})
    with brownie.reverts(error("ActivityRegistryCoinMismatch", coin, rando)):
        ActivityRegistry.deploy(coin, admin, DAY, 100 * COIN, {"from": admin})


def test_registry_refuses_a_zero_admin_and_a_zero_bound_on_rules(ActivityRegistry, ServiceCoin, admin):
    zero = "0x" + "00" * 20
    registry_at = admin.get_deployment_address(admin.nonce + 1)
    coin = ServiceCoin.deploy("C", "C", admin, registry_at, admin, DAY, DAY, {"from": admin})
    with brownie.reverts(error("AccessControlInvalidDefaultAdmin", zero)):
        ActivityRegistry.deploy(coin, zero, DAY, 100 * COIN, {"from": admin})
    with brownie.reverts(error("ActivityRegistryInvalidMaxReward", 0)):
        ActivityRegistry.deploy(coin, admin, DAY, 0, {"from": admin})


# ------------------------------------------------------------------ attest


def test_attest_mints_the_rule_amount_in_the_same_transaction(bank, registry, coin, residents):
    act, tx = bank.attest(residents[0], units=90)  # 90 minutes at 3 coins per 60
    assert tx.return_value == (9 * COIN // 2)
    assert coin.balanceOf(residents[0]) == (9 * COIN // 2)
    ev = tx.events["ActivityAttested"]
    assert plain(ev.values()) == [act[0], residents[0], VOLUNTEERING, 1, 90, act[4], act[5], (9 * COIN // 2)]
    assert plain(tx.events["Transfer"].values()) == [ZERO, residents[0], (9 * COIN // 2)]
    assert registry.isAttested(act[0]) and not registry.isRevoked(act[0])
    assert plain(registry.volunteerTotals(residents[0])) == [9 * COIN // 2, 0, 1, 0]
    assert registry.remainingCap(1) == 10_000 * COIN - (9 * COIN // 2)


def test_categories_price_by_their_own_unit(bank, coin, residents):
    bank.attest(residents[0], units=2, category=CLASS)
    bank.attest(residents[0], units=30, category=RECYCLING)
    assert coin.balanceOf(residents[0]) == 2 * COIN + 3 * COIN


def test_an_id_is_attested_at_most_once(bank, registry, coin, residents):
    act, _ = bank.attest(residents[0])
    with brownie.reverts(error("ActivityRegistryAlreadyAttested", act[0])):
        registry.attest(act, {"from": bank.coordinator})
    # Same serial with another record hash is the same slot: also refused.
    other = (activity_id(1, 0, os.urandom(32)),) + act[1:]
    with brownie.reverts(error("ActivityRegistryAlreadyAttested", other[0])):
        registry.attest(other, {"from": bank.coordinator})
    assert coin.totalSupply() == 3 * COIN


def test_attest_requires_a_coordinator_of_that_centre(bank, registry, rando, other_coordinator, residents):
    with brownie.reverts(error("ActivityRegistryNotCoordinator", rando, 1)):
        bank.attest(residents[0], sender=rando)
    with brownie.reverts(error("ActivityRegistryNotCoordinator", other_coordinator, 1)):
        bank.attest(residents[0], sender=other_coordinator)
    bank.attest(residents[0], centre=2, sender=other_coordinator)


def test_attest_refuses_unknown_and_closed_centres(bank, registry, admin, residents):
    registry.grantRole(registry.coordinatorRole(7), bank.coordinator, {"from": admin})
    with brownie.reverts(error("ActivityRegistryUnknownCentre", 7)):
        registry.attest((activity_id(7, 0, os.urandom(32)),) + bank.activity(residents[0])[1:], {"from": bank.coordinator})
    tx = registry.setCentreActive(1, False, {"from": admin})
    assert plain(tx.events["CentreActiveSet"].values()) == [1, False]
    with brownie.reverts(error("ActivityRegistryCentreInactive", 1)):
        bank.attest(residents[0])


@pytest.mark.parametrize(
    "field,value,err",
    [
        ("units", 0, lambda a: error("ActivityRegistryInvalidUnits", a[0], 0, 480)),
        ("units", 481, lambda a: error("ActivityRegistryInvalidUnits", a[0], 481, 480)),
        ("volunteer", ZERO, lambda a: error("ActivityRegistryInvalidVolunteer", a[0])),
        ("category", 99, lambda a: error("ActivityRegistryCategoryInactive", 99)),
    ],
)
def test_attest_rejects_bad_activities(bank, registry, coin, residents, field, value, err):
    act = list(bank.activity(residents[0]))
    act[["id", "volunteer", "category", "units", "time", "evidence"].index(field)] = value
    with brownie.reverts(err(act)):
        registry.attest(tuple(act), {"from": bank.coordinator})
    assert coin.totalSupply() == 0


def test_attest_rejects_future_activities(bank, registry, residents, chain):
    future = chain.time() + 3600
    act = bank.activity(residents[0], time=future)
    with brownie.reverts(error("ActivityRegistryTimeInFuture", act[0], future)):
        registry.attest(act, {"from": bank.coordinator})


def test_attest_rejects_rewards_below_one_base_unit(bank, registry, admin, residents):
    registry.setCategoryRule(9, 1, 1000, 500, True, {"from": admin})
    act = bank.activity(residents[0], units=499, category=9)
    with brownie.reverts(error("ActivityRegistryRewardTooSmall", act[0])):
        registry.attest(act, {"from": bank.coordinator})


def test_inactive_categories_cannot_be_attested(bank, registry, admin, residents):
    registry.setCategoryRule(RECYCLING, COIN // 10, 1, 100, False, {"from": admin})
    with brownie.reverts(error("ActivityRegistryCategoryInactive", RECYCLING)):
        bank.attest(residents[0], units=5, category=RECYCLING)


# ------------------------------------------------------------------ caps


def test_centre_cap_bounds_issuance_per_period(bank, registry, admin, coin, residents, chain):
    registry.setCentreCap(1, 10 * COIN, 30 * DAY, {"from": admin})
    bank.attest(residents[0], units=180)  # 9 coins
    act = bank.activity(residents[0], units=60)  # 3 more would exceed 10
    with brownie.reverts(error("ActivityRegistryCentreCapExceeded", 1, 3 * COIN, COIN)):
        registry.attest(act, {"from": bank.coordinator})
    assert registry.remainingCap(1) == COIN
    chain.sleep(30 * DAY)
    chain.mine()
    assert registry.remainingCap(1) == 10 * COIN
    registry.attest(act, {"from": bank.coordinator})
    assert coin.balanceOf(residents[0]) == 12 * COIN


def test_caps_are_per_centre(bank, registry, admin, other_coordinator, residents):
    registry.setCentreCap(1, 3 * COIN, 30 * DAY, {"from": admin})
    bank.attest(residents[0], units=60)
    with brownie.reverts(error("ActivityRegistryCentreCapExceeded", 1, 3 * COIN, 0)):
        bank.attest(residents[0], units=60)
    bank.attest(residents[0], units=60, centre=2, sender=other_coordinator)


def test_changing_the_period_length_restarts_the_count(bank, registry, admin, residents):
    registry.setCentreCap(1, 3 * COIN, 30 * DAY, {"from": admin})
    bank.attest(residents[0], units=60)
    tx = registry.setCentreCap(1, 3 * COIN, 7 * DAY, {"from": admin})
    assert plain(tx.events["CentreCapSet"].values()) == [1, 3 * COIN, 7 * DAY]
    assert registry.remainingCap(1) == 3 * COIN


# ------------------------------------------------------------------ batches


def test_batch_attests_all_and_mints_once_per_volunteer_run(bank, registry, coin, residents):
    batch = [bank.activity(v, units=60) for v in residents[:3] for _ in range(4)]
    tx = registry.attestBatch(batch, {"from": bank.coordinator})
    assert tx.return_value == 12 * 3 * COIN
    assert len(tx.events["ActivityAttested"]) == 12
    assert len(tx.events["Transfer"]) == 3
    for v in residents[:3]:
        assert coin.balanceOf(v) == 12 * COIN
        assert plain(registry.volunteerTotals(v)) == [12 * COIN, 0, 4, 0]
    assert all(registry.isAttested(a[0]) for a in batch)


def test_batch_handles_unsorted_volunteers_and_mixed_categories(bank, registry, coin, residents):
    batch = [
        bank.activity(residents[0], 60),
        bank.activity(residents[1], 2, CLASS),
        bank.activity(residents[0], 10, RECYCLING),
        bank.activity(residents[1], 30),
    ]
    registry.attestBatch(batch, {"from": bank.coordinator})
    assert coin.balanceOf(residents[0]) == 4 * COIN
    assert coin.balanceOf(residents[1]) == (7 * COIN // 2)


def test_batch_is_all_or_nothing(bank, registry, coin, residents):
    good = bank.activity(residents[0])
    dup = bank.activity(residents[1])
    with brownie.reverts(error("ActivityRegistryAlreadyAttested", dup[0])):
        registry.attestBatch([good, dup, dup], {"from": bank.coordinator})
    other_centre = (activity_id(2, 0, os.urandom(32)),) + good[1:]
    with brownie.reverts(error("ActivityRegistryCentreMismatch", other_centre[0], 1)):
        registry.attestBatch([good, other_centre], {"from": bank.coordinator})
    with brownie.reverts(error("ActivityRegistryEmptyBatch")):
        registry.attestBatch([], {"from": bank.coordinator})
    assert coin.totalSupply() == 0 and not registry.isAttested(good[0])


def test_batch_over_the_cap_attests_nothing(bank, registry, admin, coin, residents):
    registry.setCentreCap(1, 5 * COIN, 30 * DAY, {"from": admin})
    batch = [bank.activity(residents[0], 60), bank.activity(residents[1], 60)]
    with brownie.reverts(error("ActivityRegistryCentreCapExceeded", 1, 6 * COIN, 5 * COIN)):
        registry.attestBatch(batch, {"from": bank.coordinator})
    assert coin.totalSupply() == 0


def test_batch_spanning_many_pages(bank, registry, coin, residents):
    batch = [bank.activity(residents[i % 4], 60) for i in range(40)]
    registry.attestBatch(batch, {"from": bank.coordinator})
    assert coin.totalSupply() == 120 * COIN
    for index in range(3):
        bits, revoked, acc = registry.page(1, index)
        assert bits == (0xFFFF if index < 2 else 0xFF) and revoked == 0
        assert int.from_bytes(bytes(acc), "big") == chain_value(r.leaf() for r in bank.records(batch[index * 16][0]))


# ------------------------------------------------------------------ views


def test_python_leaf_and_page_mirror_the_contract(bank, registry, residents):
    act, _ = bank.attest(residents[0])
    rec = bank.record(act[0])
    assert bytes(registry.attestationLeaf(rec.as_tuple())) == rec.leaf()
    assert bytes(registry.activityId(1, 5, b"\xab" * 32)) == activity_id(1, 5, b"\xab" * 32)
    assert plain(registry.verifyAttestation(*bank.proof_args(act[0]))) == [True, False]


def test_verify_attestation_rejects_altered_records(bank, registry, residents):
    act, _ = bank.attest(residents[0])
    att, acc, later = bank.proof_args(act[0])
    forged = list(att)
    forged[7] = att[7] * 2  # amount
    assert plain(registry.verifyAttestation(tuple(forged), acc, later)) == [False, False]
    forged = list(att)
    forged[1] = str(residents[1])
    assert plain(registry.verifyAttestation(tuple(forged), acc, later)) == [False, False]


# ------------------------------------------------------------------ revocation


def test_revocation_claws_back_the_coins(bank, registry, coin, residents):
    act, _ = bank.attest(residents[0], units=120)
    bank.attest(residents[0], units=60)
    tx = bank.revoke(act[0])
    ev = tx.events["ActivityRevoked"]
    assert plain(ev.values()) == [act[0], residents[0], bank.coordinator, 6 * COIN, 6 * COIN, 0, b"\x11" * 32]
    assert coin.balanceOf(residents[0]) == 3 * COIN
    assert registry.isRevoked(act[0])
    assert plain(registry.volunteerTotals(residents[0])) == [3 * COIN, 0, 2, 1]
    assert plain(registry.verifyAttestation(*bank.proof_args(act[0]))) == [True, True]


def test_admin_can_revoke(bank, admin, coin, residents):
    act, _ = bank.attest(residents[0])
    bank.revoke(act[0], sender=admin)
    assert coin.balanceOf(residents[0]) == 0


def test_revocable_coins_cannot_be_spent_so_a_revocation_burns_them_all(bank, registry, coin, residents):
    bank.earn(residents[0], units=60)  # 3 older coins, free
    act, _ = bank.attest(residents[0], units=120)  # 6 coins, locked while revocable
    with brownie.reverts(error("ServiceCoinLockedCoins", residents[0], 3 * COIN, 5 * COIN)):
        coin.transfer(residents[1], 5 * COIN, {"from": residents[0]})
    coin.transfer(residents[1], 3 * COIN, {"from": residents[0]})  # the free ones go
    tx = bank.revoke(act[0])
    assert tx.events["ActivityRevoked"]["clawedBack"] == 6 * COIN
    assert tx.events["ActivityRevoked"]["debtAdded"] == 0
    assert plain(registry.volunteerTotals(residents[0])) == [3 * COIN, 0, 2, 1]
    assert coin.balanceOf(residents[0]) == 0


def test_revocation_uses_the_rule_version_it_was_priced_with(bank, registry, admin, coin, residents):
    act, _ = bank.attest(residents[0], units=60)  # 3 coins under version 1
    registry.setCategoryRule(VOLUNTEERING, 6 * COIN, 60, 480, True, {"from": admin})
    later, _ = bank.attest(residents[0], units=60)  # 6 coins under version 2
    assert bank.record(later[0]).rule_version == 2
    tx = bank.revoke(act[0])
    assert tx.events["ActivityRevoked"]["amount"] == 3 * COIN
    assert coin.balanceOf(residents[0]) == 6 * COIN


def test_revocation_errors(bank, registry, rando, other_coordinator, residents, admin, chain):
    act, _ = bank.attest(residents[0])
    with brownie.reverts(error("ActivityRegistryNotRevoker", rando, 1)):
        bank.revoke(act[0], sender=rando)
    with brownie.reverts(error("ActivityRegistryNotRevoker", other_coordinator, 1)):
        bank.revoke(act[0], sender=other_coordinator)
    att, acc, later = bank.proof_args(act[0])
    forged = list(att)
    forged[7] = att[7] + 1
    with brownie.reverts(error("ActivityRegistryInvalidAttestationProof", act[0])):
        registry.revoke(tuple(forged), acc, later, bytes(32), {"from": bank.coordinator})
    never = list(att)
    never[0] = activity_id(1, 99, os.urandom(32))
    with brownie.reverts(error("ActivityRegistryNotAttested", never[0])):
        registry.revoke(tuple(never), acc, later, bytes(32), {"from": bank.coordinator})
    bank.revoke(act[0])
    with brownie.reverts(error("ActivityRegistryAlreadyRevoked", act[0])):
        bank.revoke(act[0])


def test_revocation_window_closes(bank, registry, residents, chain):
    window = int(registry.revocationWindow())
    act, tx = bank.attest(residents[0])
    attested_at = bank.record(act[0]).attested_at
    chain.sleep(window + HOUR)
    chain.mine()
    with brownie.reverts(error("ActivityRegistryRevocationWindowClosed", act[0], attested_at + window)):
        bank.revoke(act[0])


def test_each_position_in_a_page_can_be_revoked(bank, registry, coin, residents):
    batch = [bank.activity(residents[i % 2], 60) for i in range(16)]
    registry.attestBatch(batch, {"from": bank.coordinator})
    for act in reversed(batch[::5]):
        bank.revoke(act[0])
    assert coin.totalSupply() == (16 - 4) * 3 * COIN
    assert registry.page(1, 0)[1] == sum(1 << i for i in range(0, 16, 5))


def test_overlong_proofs_are_rejected(bank, registry, residents):
    act, _ = bank.attest(residents[0])
    att, acc, _ = bank.proof_args(act[0])
    with brownie.reverts(error("ActivityRegistryInvalidAttestationProof", act[0])):
        registry.revoke(att, acc, [os.urandom(32) for _ in range(16)], bytes(32), {"from": bank.coordinator})
