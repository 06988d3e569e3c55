import brownie
import pytest

from tests.contracts.conftest import COIN, error, sign_typed


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
            getattr(coin, fn)(rando, COIN, {"from": who})


def test_nobody_else_can_spend(coin, admin, rando, residents):
    with brownie.reverts(error("ServiceCoinUnauthorized", admin)):
        coin.spend(residents[0], admin, COIN, {"from": admin})


def test_constructor_rejects_zero_addresses(ServiceCoin, admin, rando):
    zero = "0x" + "00" * 20
    with brownie.reverts(error("ServiceCoinInvalidAdmin", zero)):
        ServiceCoin.deploy("C", "C", zero, rando, rando, {"from": admin})
    with brownie.reverts(error("ServiceCoinInvalidModule", zero, rando)):
        ServiceCoin.deploy("C", "C", admin, zero, rando, {"from": admin})


def test_holders_transfer_freely(bank, coin, residents):
    bank.attest(residents[0], 60)
    coin.transfer(residents[1], COIN, {"from": residents[0]})
    assert coin.balanceOf(residents[1]) == COIN
    assert coin.balanceOf(residents[0]) == 2 * COIN


def test_pause_stops_transfers_mints_and_resumes(bank, coin, admin, residents, coordinator):
    bank.attest(residents[0], 60)
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
    bank.attest(signer, 60)
    deadline = chain.time() + 3600
    fields = [("owner", "address"), ("spender", "address"), ("value", "uint256"), ("nonce", "uint256"), ("deadline", "uint256")]
    message = {"owner": signer.address, "spender": rando.address, "value": COIN, "nonce": 0, "deadline": deadline}
    sig = sign_typed(signer.private_key, coin, coin.name(), "Permit", fields, message)
    coin.permit(signer, rando, COIN, deadline, sig[64], sig[:32], sig[32:64], {"from": rando})
    assert coin.allowance(signer, rando) == COIN
    coin.transferFrom(signer, rando, COIN, {"from": rando})
    assert coin.balanceOf(rando) == COIN
