"""EIP-712 signed requests: coordinator attestations and residents' gasless spending.

Every signed path must reject: the same signature twice, another chain id, another contract,
an expired deadline, and the malleable (high-s) twin of a valid signature.
"""

import brownie
import pytest
from eth_account import Account

from tests.contracts.conftest import COIN, error, high_s, plain, sign_attest, sign_typed

REDEEM = [("resident", "address"), ("offerId", "uint256"), ("maxPrice", "uint256"), ("nonce", "uint256"), ("deadline", "uint256")]
DONATE = [("donor", "address"), ("charity", "address"), ("amount", "uint256"), ("nonce", "uint256"), ("deadline", "uint256")]
PAY = [
    ("payer", "address"),
    ("payee", "address"),
    ("amount", "uint256"),
    ("requestRef", "bytes32"),
    ("nonce", "uint256"),
    ("deadline", "uint256"),
]


@pytest.fixture
def signing_coordinator(registry, admin, signer):
    registry.addCoordinator(1, signer, {"from": admin})
    return signer


# ------------------------------------------------------------------ coordinator attestations


def test_signed_attestation_can_be_relayed_by_anyone(bank, registry, coin, signing_coordinator, rando, residents, chain):
    act = bank.activity(residents[0])
    deadline = chain.time() + 3600
    sig = sign_attest(signing_coordinator.private_key, registry, act, 0, deadline)
    tx = registry.attestBySig(act, signing_coordinator, deadline, sig, {"from": rando})
    assert tx.return_value == 3 * COIN
    assert coin.balanceOf(residents[0]) == 3 * COIN
    assert registry.nonces(signing_coordinator) == 1


def test_the_same_attestation_signature_cannot_be_used_twice(bank, registry, coin, signing_coordinator, rando, residents, chain):
    act = bank.activity(residents[0])
    deadline = chain.time() + 3600
    sig = sign_attest(signing_coordinator.private_key, registry, act, 0, deadline)
    registry.attestBySig(act, signing_coordinator, deadline, sig, {"from": rando})
    with brownie.reverts(revert_pattern=r"InvalidSigner: .*"):
        registry.attestBySig(act, signing_coordinator, deadline, sig, {"from": rando})
    assert coin.totalSupply() == 3 * COIN


@pytest.mark.parametrize("where", ["chain", "contract"])
def test_attestation_signature_for_another_domain_is_rejected(bank, registry, signing_coordinator, rando, residents, chain, where):
    act = bank.activity(residents[0])
    deadline = chain.time() + 3600
    kw = {"chain_id": chain.id + 1} if where == "chain" else {"verifying_contract": "0x" + "11" * 20}
    sig = sign_attest(signing_coordinator.private_key, registry, act, 0, deadline, **kw)
    with brownie.reverts(revert_pattern=r"InvalidSigner: .*"):
        registry.attestBySig(act, signing_coordinator, deadline, sig, {"from": rando})
    assert not registry.isAttested(act[0])


def test_expired_attestation_signature_is_rejected(bank, registry, signing_coordinator, rando, residents, web3):
    act = bank.activity(residents[0])
    deadline = web3.eth.get_block("latest")["timestamp"] - 1
    sig = sign_attest(signing_coordinator.private_key, registry, act, 0, deadline)
    with brownie.reverts(error("ExpiredSignature", deadline)):
        registry.attestBySig(act, signing_coordinator, deadline, sig, {"from": rando})


def test_malleable_attestation_signature_is_rejected(bank, registry, signing_coordinator, rando, residents, chain):
    act = bank.activity(residents[0])
    deadline = chain.time() + 3600
    sig = high_s(sign_attest(signing_coordinator.private_key, registry, act, 0, deadline))
    with brownie.reverts(error("ECDSAInvalidSignatureS", sig[32:64])):
        registry.attestBySig(act, signing_coordinator, deadline, sig, {"from": rando})


def test_signature_by_someone_else_is_rejected(bank, registry, signing_coordinator, rando, residents, chain):
    act = bank.activity(residents[0])
    deadline = chain.time() + 3600
    stranger = Account.create()
    sig = sign_attest(stranger.key, registry, act, 0, deadline)
    with brownie.reverts(error("InvalidSigner", stranger.address, signing_coordinator)):
        registry.attestBySig(act, signing_coordinator, deadline, sig, {"from": rando})


def test_signer_must_coordinate_the_centre(bank, registry, signer, rando, residents, chain):
    act = bank.activity(residents[0])  # signer is not a coordinator here
    deadline = chain.time() + 3600
    sig = sign_attest(signer.private_key, registry, act, 0, deadline)
    with brownie.reverts(error("NotCoordinator", signer, 1)):
        registry.attestBySig(act, signer, deadline, sig, {"from": rando})


def test_use_nonce_cancels_outstanding_signatures(bank, registry, signing_coordinator, rando, residents, chain):
    act = bank.activity(residents[0])
    deadline = chain.time() + 3600
    sig = sign_attest(signing_coordinator.private_key, registry, act, 0, deadline)
    registry.useNonce({"from": signing_coordinator})
    with brownie.reverts(revert_pattern=r"InvalidSigner: .*"):
        registry.attestBySig(act, signing_coordinator, deadline, sig, {"from": rando})


# ------------------------------------------------------------------ residents without ETH


@pytest.fixture
def gasless_resident(bank, accounts, web3):
    """A resident with a key and coins but not one wei of ETH."""
    resident = accounts.add()
    assert web3.eth.get_balance(resident.address) == 0
    bank.earn(resident, units=480)  # 24 coins, unlocked
    return resident


@pytest.fixture
def offer(redemption, provider):
    return redemption.createOffer(2 * COIN, 10, {"from": provider}).return_value


def _redeem_sig(key, redemption, resident, offer_id, max_price, nonce, deadline, **kw):
    msg = {"resident": resident, "offerId": offer_id, "maxPrice": max_price, "nonce": nonce, "deadline": deadline}
    return sign_typed(key, redemption, "VolunteerBank Redemption", "Redeem", REDEEM, msg, **kw)


def test_gasless_resident_redeems_donates_and_pays_through_a_relayer(
    redemption, coin, gasless_resident, offer, provider, charity, residents, rando, chain, web3
):
    r, deadline = gasless_resident, chain.time() + 3600
    sig = _redeem_sig(r.private_key, redemption, r.address, offer, 2 * COIN, 0, deadline)
    tx = redemption.redeemBySig(r, offer, 2 * COIN, deadline, sig, {"from": rando})
    assert plain(tx.events["VoucherIssued"].values()) == [offer << 32, r.address, provider.address, 2 * COIN]

    msg = {"donor": r.address, "charity": charity.address, "amount": COIN, "nonce": 1, "deadline": deadline}
    sig = sign_typed(r.private_key, redemption, "VolunteerBank Redemption", "Donate", DONATE, msg)
    tx = redemption.donateBySig(r, charity, COIN, deadline, sig, {"from": rando})
    assert plain(tx.events["Donated"].values()) == [1, r.address, charity.address, COIN]

    ref = b"\x42" * 32
    msg = {"payer": r.address, "payee": residents[0].address, "amount": 3 * COIN, "requestRef": ref, "nonce": 2, "deadline": deadline}
    sig = sign_typed(r.private_key, redemption, "VolunteerBank Redemption", "PayForService", PAY, msg)
    tx = redemption.payForServiceBySig(r, residents[0], 3 * COIN, ref, deadline, sig, {"from": rando})
    assert plain(tx.events["ServicePaid"].values()) == [r.address, residents[0].address, ref, 3 * COIN]

    assert coin.balanceOf(r) == (24 - 2 - 1 - 3) * COIN
    assert web3.eth.get_balance(r.address) == 0


def test_relayed_redemption_cannot_be_replayed(redemption, coin, gasless_resident, offer, rando, chain):
    r, deadline = gasless_resident, chain.time() + 3600
    sig = _redeem_sig(r.private_key, redemption, r.address, offer, 2 * COIN, 0, deadline)
    redemption.redeemBySig(r, offer, 2 * COIN, deadline, sig, {"from": rando})
    with brownie.reverts(revert_pattern=r"InvalidSigner: .*"):
        redemption.redeemBySig(r, offer, 2 * COIN, deadline, sig, {"from": rando})
    assert coin.balanceOf(r) == 22 * COIN


@pytest.mark.parametrize("where", ["chain", "contract"])
def test_relayed_redemption_for_another_domain_is_rejected(redemption, gasless_resident, offer, rando, chain, where):
    r, deadline = gasless_resident, chain.time() + 3600
    kw = {"chain_id": chain.id + 1} if where == "chain" else {"verifying_contract": "0x" + "22" * 20}
    sig = _redeem_sig(r.private_key, redemption, r.address, offer, 2 * COIN, 0, deadline, **kw)
    with brownie.reverts(revert_pattern=r"InvalidSigner: .*"):
        redemption.redeemBySig(r, offer, 2 * COIN, deadline, sig, {"from": rando})


def test_expired_and_malleable_relayed_requests_are_rejected(redemption, gasless_resident, offer, rando, chain, web3):
    r = gasless_resident
    past = web3.eth.get_block("latest")["timestamp"] - 1
    sig = _redeem_sig(r.private_key, redemption, r.address, offer, 2 * COIN, 0, past)
    with brownie.reverts(error("ExpiredSignature", past)):
        redemption.redeemBySig(r, offer, 2 * COIN, past, sig, {"from": rando})
    deadline = chain.time() + 3600
    sig = high_s(_redeem_sig(r.private_key, redemption, r.address, offer, 2 * COIN, 0, deadline))
    with brownie.reverts(error("ECDSAInvalidSignatureS", sig[32:64])):
        redemption.redeemBySig(r, offer, 2 * COIN, deadline, sig, {"from": rando})


def test_relayer_cannot_change_what_was_signed(redemption, gasless_resident, offer, rando, chain, charity):
    r, deadline = gasless_resident, chain.time() + 3600
    msg = {"donor": r.address, "charity": charity.address, "amount": COIN, "nonce": 0, "deadline": deadline}
    sig = sign_typed(r.private_key, redemption, "VolunteerBank Redemption", "Donate", DONATE, msg)
    with brownie.reverts(revert_pattern=r"InvalidSigner: .*"):
        redemption.donateBySig(r, charity, 10 * COIN, deadline, sig, {"from": rando})
