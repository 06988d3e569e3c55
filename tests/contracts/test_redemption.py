import brownie
import pytest

from tests.contracts.conftest import COIN, DAY, error, plain

ZERO = "0x" + "00" * 20


@pytest.fixture
def funded(bank, residents):
    """residents[0] holds 24 coins, unlocked."""
    bank.earn(residents[0], units=480)
    return residents[0]


@pytest.fixture
def offer(redemption, provider):
    return redemption.createOffer(5 * COIN, 2, {"from": provider}).return_value


# ------------------------------------------------------------------ offers


def test_providers_publish_and_edit_offers(redemption, provider):
    tx = redemption.createOffer(5 * COIN, 10, {"from": provider})
    assert tx.return_value == 1
    assert plain(tx.events["OfferCreated"].values()) == [1, provider.address, 5 * COIN, 10]
    assert plain(redemption.offer(1)) == [provider.address, 5 * COIN, 10, 0, True]
    tx = redemption.updateOffer(1, 4 * COIN, 20, False, {"from": provider})
    assert plain(tx.events["OfferUpdated"].values()) == [1, 4 * COIN, 20, False]
    assert redemption.offerCount() == 1


def test_offer_errors(redemption, provider, rando, admin, offer):
    with brownie.reverts(error("RedemptionNotProvider", rando)):
        redemption.createOffer(COIN, 1, {"from": rando})
    with brownie.reverts(error("RedemptionInvalidOffer", 0, 1)):
        redemption.createOffer(0, 1, {"from": provider})
    with brownie.reverts(error("RedemptionInvalidOffer", COIN, 0)):
        redemption.createOffer(COIN, 0, {"from": provider})
    with brownie.reverts(error("RedemptionUnknownOffer", 77)):
        redemption.updateOffer(77, COIN, 1, True, {"from": provider})
    redemption.grantRole(redemption.PROVIDER_ROLE(), rando, {"from": admin})
    with brownie.reverts(error("RedemptionNotOfferProvider", rando, offer)):
        redemption.updateOffer(offer, COIN, 1, True, {"from": rando})


# ------------------------------------------------------------------ redeem and vouchers


def test_redeem_pays_the_provider_and_issues_a_voucher(redemption, coin, funded, provider, offer):
    tx = redemption.redeem(offer, 5 * COIN, {"from": funded})
    voucher = tx.return_value
    assert voucher == offer << 32
    assert plain(tx.events["VoucherIssued"].values()) == [voucher, funded.address, provider.address, 5 * COIN]
    assert coin.balanceOf(provider) == 5 * COIN
    assert coin.balanceOf(funded) == 19 * COIN
    assert plain(redemption.voucherStatus(voucher)) == [True, provider.address, False]
    assert redemption.redeem(offer, 5 * COIN, {"from": funded}).return_value == (offer << 32) | 1


def test_redeem_errors_change_nothing(redemption, coin, funded, provider, offer, residents):
    with brownie.reverts(error("RedemptionUnknownOffer", 99)):
        redemption.redeem(99, COIN, {"from": funded})
    with brownie.reverts(error("RedemptionPriceAboveMax", offer, 5 * COIN, 4 * COIN)):
        redemption.redeem(offer, 4 * COIN, {"from": funded})
    with brownie.reverts(error("ERC20InsufficientBalance", residents[1], 0, 5 * COIN)):
        redemption.redeem(offer, 5 * COIN, {"from": residents[1]})
    redemption.redeem(offer, 5 * COIN, {"from": funded})
    redemption.redeem(offer, 5 * COIN, {"from": funded})
    with brownie.reverts(error("RedemptionOfferSoldOut", offer, 2)):
        redemption.redeem(offer, 5 * COIN, {"from": funded})
    redemption.updateOffer(offer, 5 * COIN, 3, False, {"from": provider})
    with brownie.reverts(error("RedemptionOfferInactive", offer)):
        redemption.redeem(offer, 5 * COIN, {"from": funded})
    with brownie.reverts(error("RedemptionInvalidOffer", 5 * COIN, 1)):
        redemption.updateOffer(offer, 5 * COIN, 1, True, {"from": provider})  # below what was sold
    assert coin.balanceOf(funded) == 14 * COIN
    assert plain(redemption.offer(offer))[3] == 2


def test_provider_fulfils_each_voucher_once(redemption, funded, provider, offer, admin, rando):
    voucher = redemption.redeem(offer, 5 * COIN, {"from": funded}).return_value
    redemption.grantRole(redemption.PROVIDER_ROLE(), rando, {"from": admin})
    with brownie.reverts(error("RedemptionNotOfferProvider", rando, offer)):
        redemption.fulfill(voucher, {"from": rando})
    with brownie.reverts(error("RedemptionUnknownVoucher", voucher + 1)):
        redemption.fulfill(voucher + 1, {"from": provider})
    tx = redemption.fulfill(voucher, {"from": provider})
    assert plain(tx.events["VoucherFulfilled"].values()) == [voucher, provider.address]
    assert plain(redemption.voucherStatus(voucher)) == [True, provider.address, True]
    with brownie.reverts(error("RedemptionVoucherAlreadyFulfilled", voucher)):
        redemption.fulfill(voucher, {"from": provider})
    assert plain(redemption.voucherStatus(12345 << 32)) == [False, ZERO, False]


# ------------------------------------------------------------------ settlement


def test_settlement_burns_coins_and_records_the_won_owed(redemption, coin, funded, provider, offer):
    redemption.redeem(offer, 5 * COIN, {"from": funded})
    supply = coin.totalSupply()
    tx = redemption.settle(5 * COIN, 1_000, {"from": provider})
    assert plain(tx.events["Settled"].values()) == [1, provider.address, 5 * COIN, 1_000, 200]
    assert coin.balanceOf(provider) == 0
    assert coin.totalSupply() == supply - 5 * COIN


def test_settlement_rate_is_set_by_admin(redemption, admin, rando, funded, provider, offer):
    with brownie.reverts(error("AccessControlUnauthorizedAccount", rando, bytes(32))):
        redemption.setWonPerCoin(300, {"from": rando})
    with brownie.reverts(error("RedemptionInvalidRate")):
        redemption.setWonPerCoin(0, {"from": admin})
    assert redemption.setWonPerCoin(300, {"from": admin}).events["WonPerCoinSet"]["wonPerCoin"] == 300
    redemption.redeem(offer, 5 * COIN, {"from": funded})
    assert redemption.settle(5 * COIN // 2, 750, {"from": provider}).events["Settled"]["wonAmount"] == 750


def test_settlement_errors(redemption, rando, provider):
    with brownie.reverts(error("RedemptionNotProvider", rando)):
        redemption.settle(COIN, 0, {"from": rando})
    with brownie.reverts(error("RedemptionZeroAmount")):
        redemption.settle(0, 0, {"from": provider})
    with brownie.reverts(error("ERC20InsufficientBalance", provider, 0, COIN)):
        redemption.settle(COIN, 0, {"from": provider})


# ------------------------------------------------------------------ donations and payments


def test_donation_to_a_registered_charity_issues_a_receipt(redemption, coin, funded, charity):
    tx = redemption.donate(charity, 2 * COIN, {"from": funded})
    assert plain(tx.events["Donated"].values()) == [1, funded.address, charity.address, 2 * COIN]
    assert redemption.donate(charity, COIN, {"from": funded}).return_value == 2
    assert coin.balanceOf(charity) == 3 * COIN


def test_donation_errors(redemption, funded, rando, charity):
    with brownie.reverts(error("RedemptionNotCharity", rando)):
        redemption.donate(rando, COIN, {"from": funded})
    with brownie.reverts(error("RedemptionZeroAmount")):
        redemption.donate(charity, 0, {"from": funded})


def test_residents_pay_each_other_for_a_service(redemption, coin, funded, residents):
    ref = b"\x07" * 32
    tx = redemption.payForService(residents[1], 3 * COIN, ref, {"from": funded})
    assert plain(tx.events["ServicePaid"].values()) == [funded.address, residents[1].address, ref, 3 * COIN]
    assert coin.balanceOf(residents[1]) == 3 * COIN


def test_payment_errors(redemption, funded, residents):
    with brownie.reverts(error("RedemptionInvalidPayee", funded)):
        redemption.payForService(funded, COIN, bytes(32), {"from": funded})
    with brownie.reverts(error("RedemptionInvalidPayee", ZERO)):
        redemption.payForService(ZERO, COIN, bytes(32), {"from": funded})
    with brownie.reverts(error("RedemptionZeroAmount")):
        redemption.payForService(residents[1], 0, bytes(32), {"from": funded})


def test_spending_stops_while_paused(redemption, coin, admin, funded, offer):
    coin.pause({"from": admin})
    with brownie.reverts(error("EnforcedPause")):
        redemption.redeem(offer, 5 * COIN, {"from": funded})


def test_no_personal_data_fits_in_any_argument_or_event(coin, registry, redemption):
    """Only addresses, hashes and numbers cross the chain: no string or bytes field anywhere but the
    coin's constructor name/symbol and opaque signatures."""
    allowed = {("constructor", "name_"), ("constructor", "symbol_"), ("name", ""), ("symbol", "")}
    for contract in (coin, registry, redemption):
        for item in contract.abi:
            if item["type"] not in ("function", "event", "constructor"):
                continue
            for field in item.get("inputs", []):
                if field["type"] in ("string", "bytes"):
                    label = (item.get("name", item["type"]), field["name"])
                    assert label in allowed or field["name"] == "signature" or item["type"] == "constructor", label


def test_constructor_rejects_a_zero_rate(Redemption, coin, admin):
    with brownie.reverts(error("RedemptionInvalidRate")):
        Redemption.deploy(coin, admin, 0, DAY, {"from": admin})


def test_use_nonce_cancels_a_residents_outstanding_requests(redemption, residents):
    assert redemption.nonces(residents[0]) == 0
    redemption.useNonce({"from": residents[0]})
    assert redemption.nonces(residents[0]) == 1


# ------------------------------------------------------------------ removed providers and the admin's switch


PROVIDER_ROLE = "0x" + __import__("eth_utils").keccak(text="PROVIDER_ROLE").hex()


def test_a_removed_providers_offers_cannot_be_redeemed(redemption, coin, funded, provider, admin, offer):
    second = redemption.createOffer(COIN, 5, {"from": provider}).return_value
    voucher = redemption.redeem(offer, 5 * COIN, {"from": funded}).return_value
    tx = redemption.revokeRole(PROVIDER_ROLE, provider, {"from": admin})
    assert [plain(e.values()) for e in tx.events["OfferActiveSet"]] == [[offer, False], [second, False]]
    for offer_id in (offer, second):
        with brownie.reverts(error("RedemptionProviderRemoved", offer_id, provider)):
            redemption.redeem(offer_id, 5 * COIN, {"from": funded})
    assert plain(redemption.offer(offer)) == [provider.address, 5 * COIN, 2, 1, False]
    assert not redemption.offerSuspended(offer)  # switched off by the removal, not suspended
    # Neither the provider nor the admin can switch the offers back on while the role is gone.
    with brownie.reverts(error("RedemptionNotProvider", provider)):
        redemption.updateOffer(offer, 5 * COIN, 2, True, {"from": provider})
    with brownie.reverts(error("RedemptionNotProvider", provider)):
        redemption.createOffer(COIN, 1, {"from": provider})
    with brownie.reverts(error("RedemptionProviderRemoved", offer, provider)):
        redemption.setOfferActive(offer, True, {"from": admin})
    # Vouchers already sold are still served.
    redemption.fulfill(voucher, {"from": provider})
    assert plain(redemption.voucherStatus(voucher)) == [True, provider.address, True]
    assert coin.balanceOf(funded) == 19 * COIN


def test_a_provider_who_renounces_switches_its_offers_off(redemption, funded, provider, offer):
    redemption.renounceRole(PROVIDER_ROLE, provider, {"from": provider})
    with brownie.reverts(error("RedemptionProviderRemoved", offer, provider)):
        redemption.redeem(offer, 5 * COIN, {"from": funded})


def test_a_provider_granted_again_switches_its_offers_back_on(redemption, funded, provider, admin, offer):
    redemption.revokeRole(PROVIDER_ROLE, provider, {"from": admin})
    redemption.grantRole(PROVIDER_ROLE, provider, {"from": admin})
    with brownie.reverts(error("RedemptionOfferInactive", offer)):
        redemption.redeem(offer, 5 * COIN, {"from": funded})
    redemption.updateOffer(offer, 5 * COIN, 2, True, {"from": provider})
    assert redemption.redeem(offer, 5 * COIN, {"from": funded}).return_value == offer << 32


def test_the_admin_switches_any_offer_off_and_on(redemption, funded, provider, admin, rando, offer):
    with brownie.reverts(error("AccessControlUnauthorizedAccount", rando, bytes(32))):
        redemption.setOfferActive(offer, False, {"from": rando})
    with brownie.reverts(error("RedemptionUnknownOffer", 99)):
        redemption.setOfferActive(99, False, {"from": admin})
    tx = redemption.setOfferActive(offer, False, {"from": admin})
    assert plain(tx.events["OfferActiveSet"].values()) == [offer, False]
    assert redemption.offerSuspended(offer)
    with brownie.reverts(error("RedemptionOfferInactive", offer)):
        redemption.redeem(offer, 5 * COIN, {"from": funded})
    # The provider may still edit the offer, but not switch it back on.
    with brownie.reverts(error("RedemptionOfferSuspended", offer)):
        redemption.updateOffer(offer, 5 * COIN, 2, True, {"from": provider})
    redemption.updateOffer(offer, 4 * COIN, 3, False, {"from": provider})
    tx = redemption.setOfferActive(offer, True, {"from": admin})
    assert plain(tx.events["OfferActiveSet"].values()) == [offer, True]
    assert not redemption.offerSuspended(offer)
    assert redemption.redeem(offer, 4 * COIN, {"from": funded}).return_value == offer << 32


def test_offers_per_provider_are_capped_so_removal_fits_in_a_block(redemption, provider, admin):
    cap = redemption.MAX_OFFERS_PER_PROVIDER()
    assert cap == 256
    for _ in range(cap - 1):  # the fixture's `offer` is not used here
        redemption.createOffer(COIN, 1, {"from": provider})
    redemption.createOffer(COIN, 1, {"from": provider})
    with brownie.reverts(error("RedemptionTooManyOffers", provider, cap)):
        redemption.createOffer(COIN, 1, {"from": provider})
    tx = redemption.revokeRole(PROVIDER_ROLE, provider, {"from": admin})
    assert len(tx.events["OfferActiveSet"]) == cap
    assert tx.gas_used < 3_000_000, tx.gas_used  # far below a block (and EIP-7825's 2^24 per transaction)


# ------------------------------------------------------------------ settlement slippage and rounding


def test_settlement_refuses_less_won_than_the_provider_expects(redemption, admin, funded, provider, offer):
    redemption.redeem(offer, 5 * COIN, {"from": funded})
    expected = 5 * redemption.wonPerCoin()  # what the provider read: 1,000 won
    redemption.setWonPerCoin(150, {"from": admin})  # the rate changes before the settlement is mined
    with brownie.reverts(error("RedemptionWonBelowMinimum", 750, expected)):
        redemption.settle(5 * COIN, expected, {"from": provider})
    assert redemption.settle(5 * COIN, 750, {"from": provider}).events["Settled"]["wonAmount"] == 750


def test_settlement_that_rounds_to_zero_won_is_refused(redemption, coin, funded, provider, offer):
    redemption.redeem(offer, 5 * COIN, {"from": funded})
    dust = COIN // 200 - 1  # worth 0.995 won at 200 won per coin
    with brownie.reverts(error("RedemptionZeroWon", dust, 200)):
        redemption.settle(dust, 0, {"from": provider})
    assert redemption.settle(COIN // 200, 1, {"from": provider}).events["Settled"]["wonAmount"] == 1
    assert coin.balanceOf(provider) == 5 * COIN - COIN // 200


def test_constructor_rejects_a_zero_admin(Redemption, coin, admin):
    with brownie.reverts(error("AccessControlInvalidDefaultAdmin", ZERO)):
        Redemption.deploy(coin, ZERO, 200, DAY, {"from": admin})


# ------------------------------------------------------------------ cancel-all


def test_invalidate_nonces_moves_forward_only(redemption, residents):
    r = residents[0]
    tx = redemption.invalidateNonces(5, {"from": r})
    assert plain(tx.events["NoncesInvalidated"].values()) == [r.address, 5]
    assert redemption.nonces(r) == 5
    for bad in (5, 4, 0):
        with brownie.reverts(error("RedemptionInvalidNonceBound", r, bad, 5)):
            redemption.invalidateNonces(bad, {"from": r})
    too_far = 5 + 2**64 + 1
    with brownie.reverts(error("RedemptionInvalidNonceBound", r, too_far, 5)):
        redemption.invalidateNonces(too_far, {"from": r})
    redemption.invalidateNonces(5 + 2**64, {"from": r})
    assert redemption.nonces(residents[1]) == 0
