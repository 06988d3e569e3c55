import brownie
import pytest

from tests.contracts.conftest import COIN, DAY, error, sign_typed


def test_metadata_and_wiring(coin, registry, redemption, admin):
    assert coin.name() == "Volunteer Service Coin"
    assert coin.symbol() == "VSC"
    assert coin.decimals() == 18
    assert coin.totalSupply() == 0
    assert coin.registry() == registry.address
    assert coin.redemption() == redemption.address
    assert registry.coin() == coin.address
    assert redemption.coin() == coin.address
    assert coin.hasRole(coin.DEFAULT_ADMIN_ROLE(), admin)


@pytest.mark.parametrize("fn", ["mint", "clawBack", "burn"])
def test_nobody_else_can_mint_or_burn_not_even_admin(coin, admin, rando, fn):
    for who in (admin, rando):
        with brownie.reverts(error("ServiceCoinUnauthorized", who)):
            args = (rando, COIN, 0) if fn == "clawBack" else (rando, COIN)
            getattr(coin, fn)(*args, {"from": who})


def test_nobody_else_can_spend(coin, admin, rando, residents):
    with brownie.reverts(error("ServiceCoinUnauthorized", admin)):
        coin.spend(residents[0], admin, COIN, {"from": admin})


def test_constructor_rejects_zero_addresses_and_a_zero_lock(ServiceCoin, admin, rando):
    zero = "0x" + "00" * 20
    with brownie.reverts(error("AccessControlInvalidDefaultAdmin", zero)):
        ServiceCoin.deploy("C", "C", zero, rando, rando, DAY, DAY, {"from": admin})
    with brownie.reverts(error("ServiceCoinInvalidModule", zero, rando)):
        ServiceCoin.deploy("C", "C", admin, zero, rando, DAY, DAY, {"from": admin})
    with brownie.reverts(error("ServiceCoinInvalidLockPeriod", 0)):
        ServiceCoin.deploy("C", "C", admin, rando, rando, 0, DAY, {"from": admin})


def test_holders_transfer_unlocked_coins_freely(bank, coin, residents):
    bank.earn(residents[0], 60)
    coin.transfer(residents[1], COIN, {"from": residents[0]})
    assert coin.balanceOf(residents[1]) == COIN
    assert coin.balanceOf(residents[0]) == 2 * COIN


def test_pause_stops_transfers_mints_and_resumes(bank, coin, admin, residents, coordinator):
    bank.earn(residents[0], 60)
    tx = coin.pause({"from": admin})
    assert "Paused" in tx.events
    with brownie.reverts(error("EnforcedPause")):
        coin.transfer(residents[1], COIN, {"from": residents[0]})
    with brownie.reverts(error("EnforcedPause")):
        bank.attest(residents[0], 60)
    coin.unpause({"from": admin})
    coin.transfer(residents[1], COIN, {"from": residents[0]})
    bank.attest(residents[0], 60)


def test_only_admin_pauses(coin, rando):
    with brownie.reverts(error("AccessControlUnauthorizedAccount", rando, bytes(32))):
        coin.pause({"from": rando})


def test_permit_sets_allowance_without_gas_from_owner(bank, coin, signer, rando, chain):
    bank.earn(signer, 60)
    deadline = chain.time() + 3600
    fields = [("owner", "address"), ("spender", "address"), ("value", "uint256"), ("nonce", "uint256"), ("deadline", "uint256")]
    message = {"owner": signer.address, "spender": rando.address, "value": COIN, "nonce": 0, "deadline": deadline}
    sig = sign_typed(signer.private_key, coin, coin.name(), "Permit", fields, message)
    coin.permit(signer, rando, COIN, deadline, sig[64], sig[:32], sig[32:64], {"from": rando})
    assert coin.allowance(signer, rando) == COIN
    coin.transferFrom(signer, rando, COIN, {"from": rando})
    assert coin.balanceOf(rando) == COIN


# ------------------------------------------------------------------ locked coins


def test_minted_coins_are_locked_until_they_can_no_longer_be_revoked(bank, coin, registry, residents, chain):
    bank.attest(residents[0], 60)  # 3 coins
    assert coin.balanceOf(residents[0]) == 3 * COIN
    assert coin.lockedOf(residents[0]) == 3 * COIN and coin.availableOf(residents[0]) == 0
    assert coin.lockPeriod() == registry.revocationWindow()
    with brownie.reverts(error("ServiceCoinLockedCoins", residents[0], 0, COIN)):
        coin.transfer(residents[1], COIN, {"from": residents[0]})
    bank.unlock()
    assert coin.lockedOf(residents[0]) == 0 and coin.availableOf(residents[0]) == 3 * COIN
    coin.transfer(residents[1], COIN, {"from": residents[0]})


def test_coins_unlock_between_one_and_two_periods_after_their_mint(bank, coin, residents, chain):
    period = int(coin.lockPeriod())
    # Minted at the very end of a period: locked for one period and a second, no less.
    chain.sleep(period - chain.time() % period - 2)
    chain.mine()
    bank.attest(residents[0], 60)
    minted_at = chain.time()
    chain.sleep(period)
    chain.mine()
    assert chain.time() >= minted_at + period - 5 and coin.lockedOf(residents[0]) == 3 * COIN
    chain.sleep(10)
    chain.mine()
    assert coin.lockedOf(residents[0]) == 0


def test_a_holder_spends_old_coins_while_new_ones_stay_locked(bank, coin, residents):
    bank.earn(residents[0], 60)  # 3 coins, unlocked
    bank.attest(residents[0], 120)  # 6 more, locked
    assert coin.availableOf(residents[0]) == 3 * COIN and coin.lockedOf(residents[0]) == 6 * COIN
    with brownie.reverts(error("ServiceCoinLockedCoins", residents[0], 3 * COIN, 4 * COIN)):
        coin.transfer(residents[1], 4 * COIN, {"from": residents[0]})
    coin.transfer(residents[1], 3 * COIN, {"from": residents[0]})
    assert coin.balanceOf(residents[0]) == 6 * COIN


def test_received_coins_are_not_locked(bank, coin, residents):
    bank.earn(residents[0], 60)
    coin.transfer(residents[1], 2 * COIN, {"from": residents[0]})
    assert coin.availableOf(residents[1]) == 2 * COIN


def test_fake_attestations_cannot_be_turned_into_won(bank, coin, registry, redemption, residents, provider, admin):
    """The attack a review found: attest to a colluder, move the coins to a provider who settles them at once, then
    the revocation finds nothing to burn. With locked coins the move fails, and the revocation burns everything."""
    colluder = residents[3]
    act, _ = bank.attest(colluder, 480)  # 24 coins of a fake activity
    for move in (
        lambda: coin.transfer(provider, 24 * COIN, {"from": colluder}),
        lambda: redemption.payForService(provider, 24 * COIN, bytes(32), {"from": colluder}),
    ):
        with brownie.reverts(error("ServiceCoinLockedCoins", colluder, 0, 24 * COIN)):
            move()
    offer_id = redemption.createOffer(24 * COIN, 1, {"from": provider}).return_value
    with brownie.reverts(error("ServiceCoinLockedCoins", colluder, 0, 24 * COIN)):
        redemption.redeem(offer_id, 24 * COIN, {"from": colluder})
    with brownie.reverts():
        redemption.settle(24 * COIN, 0, {"from": provider})  # the provider holds nothing to settle
    revoked = bank.revoke(act[0]).events["ActivityRevoked"]
    assert revoked["clawedBack"] == 24 * COIN and revoked["debtAdded"] == 0
    assert coin.balanceOf(colluder) == 0 and coin.totalSupply() == 0


def test_a_revocation_releases_only_the_revoked_coins(bank, coin, residents):
    kept, _ = bank.attest(residents[0], 60)
    gone, _ = bank.attest(residents[0], 120)
    bank.revoke(gone[0])
    assert coin.balanceOf(residents[0]) == 3 * COIN and coin.lockedOf(residents[0]) == 3 * COIN


def test_the_pause_stops_movements_but_not_revocations(bank, coin, admin, residents):
    bank.earn(residents[1], 60)
    act, _ = bank.attest(residents[0], 60)
    coin.pause({"from": admin})
    with brownie.reverts(error("EnforcedPause")):
        coin.transfer(residents[2], COIN, {"from": residents[1]})
    with brownie.reverts(error("EnforcedPause")):
        bank.attest(residents[0], 60)
    revoked = bank.revoke(act[0]).events["ActivityRevoked"]  # a wrong record is corrected even while paused
    assert revoked["clawedBack"] == 3 * COIN and coin.balanceOf(residents[0]) == 0
    assert coin.totalSupply() == 3 * COIN and coin.paused()  # residents[1]'s 3 coins remain
