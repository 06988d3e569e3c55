"""EIP-712 signed requests: coordinator attestations and residents' gasless spending.

Every signed path must reject: the same signature twice, another chain id, another contract,
an expired deadline, and the malleable (high-s) twin of a valid signature.
"""

import brownie
import pytest
from eth_account import Account

from tests.contracts.conftest import COIN, DONATE, PAY, REDEEM, error, high_s, plain, sign_attest, sign_typed


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
    with brownie.reverts(error("ActivityRegistryInvalidSignature", signing_coordinator)):
        registry.attestBySig(act, signing_coordinator, deadline, sig, {"from": rando})
    assert coin.totalSupply() == 3 * COIN


@pytest.mark.parametrize("where", ["chain", "contract"])
def test_attestation_signature_for_another_domain_is_rejected(bank, registry, signing_coordinator, rando, residents, chain, where):
    act = bank.activity(residents[0])
    deadline = chain.time() + 3600
    kw = {"chain_id": chain.id + 1} if where == "chain" else {"verifying_contract": "0x" + "11" * 20}
    sig = sign_attest(signing_coordinator.private_key, registry, act, 0, deadline, **kw)
    with brownie.reverts(error("ActivityRegistryInvalidSignature", signing_coordinator)):
        registry.attestBySig(act, signing_coordinator, deadline, sig, {"from": rando})
    assert not registry.isAttested(act[0])


def test_expired_attestation_signature_is_rejected(bank, registry, signing_coordinator, rando, residents, web3):
    act = bank.activity(residents[0])
    deadline = web3.eth.get_block("latest")["timestamp"] - 1
    sig = sign_attest(signing_coordinator.private_key, registry, act, 0, deadline)
    with brownie.reverts(error("ActivityRegistryExpiredSignature", deadline)):
        registry.attestBySig(act, signing_coordinator, deadline, sig, {"from": rando})


def test_malleable_attestation_signature_is_rejected(bank, registry, signing_coordinator, rando, residents, chain):
    act = bank.activity(residents[0])
    deadline = chain.time() + 3600
    sig = high_s(sign_attest(signing_coordinator.private_key, registry, act, 0, deadline))
    # ECDSA.tryRecover refuses it, and an EOA has no EIP-1271 to fall back on.
    with brownie.reverts(error("ActivityRegistryInvalidSignature", signing_coordinator)):
        registry.attestBySig(act, signing_coordinator, deadline, sig, {"from": rando})


def test_signature_by_someone_else_is_rejected(bank, registry, signing_coordinator, rando, residents, chain):
    act = bank.activity(residents[0])
    deadline = chain.time() + 3600
    stranger = Account.create()
    sig = sign_attest(stranger.key, registry, act, 0, deadline)
    with brownie.reverts(error("ActivityRegistryInvalidSignature", signing_coordinator)):
        registry.attestBySig(act, signing_coordinator, deadline, sig, {"from": rando})


def test_signer_must_coordinate_the_centre(bank, registry, signer, rando, residents, chain):
    act = bank.activity(residents[0])  # signer is not a coordinator here
    deadline = chain.time() + 3600
    sig = sign_attest(signer.private_key, registry, act, 0, deadline)
    with brownie.reverts(error("ActivityRegistryNotCoordinator", signer, 1)):
        registry.attestBySig(act, signer, deadline, sig, {"from": rando})


def test_use_nonce_cancels_outstanding_signatures(bank, registry, signing_coordinator, rando, residents, chain):
    act = bank.activity(residents[0])
    deadline = chain.time() + 3600
    sig = sign_attest(signing_coordinator.private_key, registry, act, 0, deadline)
    registry.useNonce({"from": signing_coordinator})
    with brownie.reverts(error("ActivityRegistryInvalidSignature", signing_coordinator)):
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
    with brownie.reverts(error("RedemptionInvalidSignature", r)):
        redemption.redeemBySig(r, offer, 2 * COIN, deadline, sig, {"from": rando})
    assert coin.balanceOf(r) == 22 * COIN


@pytest.mark.parametrize("where", ["chain", "contract"])
def test_relayed_redemption_for_another_domain_is_rejected(redemption, gasless_resident, offer, rando, chain, where):
    r, deadline = gasless_resident, chain.time() + 3600
    kw = {"chain_id": chain.id + 1} if where == "chain" else {"verifying_contract": "0x" + "22" * 20}
    sig = _redeem_sig(r.private_key, redemption, r.address, offer, 2 * COIN, 0, deadline, **kw)
    with brownie.reverts(error("RedemptionInvalidSignature", r)):
        redemption.redeemBySig(r, offer, 2 * COIN, deadline, sig, {"from": rando})


def test_expired_and_malleable_relayed_requests_are_rejected(redemption, gasless_resident, offer, rando, chain, web3):
    r = gasless_resident
    past = web3.eth.get_block("latest")["timestamp"] - 1
    sig = _redeem_sig(r.private_key, redemption, r.address, offer, 2 * COIN, 0, past)
    with brownie.reverts(error("RedemptionExpiredSignature", past)):
        redemption.redeemBySig(r, offer, 2 * COIN, past, sig, {"from": rando})
    deadline = chain.time() + 3600
    sig = high_s(_redeem_sig(r.private_key, redemption, r.address, offer, 2 * COIN, 0, deadline))
    # EOAs keep refusing the malleable twin (SignatureChecker: ECDSA.tryRecover fails, the EOA has no EIP-1271).
    with brownie.reverts(error("RedemptionInvalidSignature", r)):
        redemption.redeemBySig(r, offer, 2 * COIN, deadline, sig, {"from": rando})


def test_relayer_cannot_change_what_was_signed(redemption, gasless_resident, offer, rando, chain, charity):
    r, deadline = gasless_resident, chain.time() + 3600
    msg = {"donor": r.address, "charity": charity.address, "amount": COIN, "nonce": 0, "deadline": deadline}
    sig = sign_typed(r.private_key, redemption, "VolunteerBank Redemption", "Donate", DONATE, msg)
    with brownie.reverts(error("RedemptionInvalidSignature", r)):
        redemption.donateBySig(r, charity, 10 * COIN, deadline, sig, {"from": rando})


# ------------------------------------------------------------------ every signed path of Redemption alike

INVALIDATE = [("owner", "address"), ("upTo", "uint256"), ("nonce", "uint256"), ("deadline", "uint256")]


class Requests:
    """Signs and submits each kind of Redemption request for `resident` (its key signs, `rando` relays)."""

    def __init__(self, redemption, offer, charity, payee, relayer):
        self.redemption, self.offer, self.charity, self.payee, self.relayer = redemption, offer, charity, payee, relayer

    def sign(self, kind, key, resident, nonce, deadline, **kw):
        r = str(resident)
        name = "VolunteerBank Redemption"
        if kind == "redeem":
            return _redeem_sig(key, self.redemption, r, self.offer, 2 * COIN, nonce, deadline, **kw)
        if kind == "donate":
            msg = {"donor": r, "charity": self.charity.address, "amount": COIN, "nonce": nonce, "deadline": deadline}
            return sign_typed(key, self.redemption, name, "Donate", DONATE, msg, **kw)
        if kind == "pay":
            msg = {"payer": r, "payee": self.payee.address, "amount": COIN, "requestRef": b"\x42" * 32, "nonce": nonce,
                   "deadline": deadline}
            return sign_typed(key, self.redemption, name, "PayForService", PAY, msg, **kw)
        msg = {"owner": r, "upTo": nonce + 10, "nonce": nonce, "deadline": deadline}
        return sign_typed(key, self.redemption, name, "InvalidateNonces", INVALIDATE, msg, **kw)

    def submit(self, kind, resident, deadline, sig, nonce=None):
        red, tx = self.redemption, {"from": self.relayer}
        if kind == "redeem":
            return red.redeemBySig(resident, self.offer, 2 * COIN, deadline, sig, tx)
        if kind == "donate":
            return red.donateBySig(resident, self.charity, COIN, deadline, sig, tx)
        if kind == "pay":
            return red.payForServiceBySig(resident, self.payee, COIN, b"\x42" * 32, deadline, sig, tx)
        return red.invalidateNoncesBySig(resident, nonce + 10, deadline, sig, tx)


KINDS = ["redeem", "donate", "pay", "invalidate"]


@pytest.fixture
def requests(redemption, offer, charity, residents, rando):
    return Requests(redemption, offer, charity, residents[0], rando)


@pytest.mark.parametrize("kind", KINDS)
def test_signed_request_cannot_be_replayed(requests, redemption, gasless_resident, chain, kind):
    r, deadline = gasless_resident, chain.time() + 3600
    sig = requests.sign(kind, r.private_key, r, 0, deadline)
    requests.submit(kind, r, deadline, sig, nonce=0)
    with brownie.reverts(error("RedemptionInvalidSignature", r)):
        requests.submit(kind, r, deadline, sig, nonce=0)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("where", ["chain", "contract"])
def test_signed_request_for_another_domain_is_refused(requests, gasless_resident, chain, kind, where):
    r, deadline = gasless_resident, chain.time() + 3600
    kw = {"chain_id": chain.id + 1} if where == "chain" else {"verifying_contract": "0x" + "22" * 20}
    sig = requests.sign(kind, r.private_key, r, 0, deadline, **kw)
    with brownie.reverts(error("RedemptionInvalidSignature", r)):
        requests.submit(kind, r, deadline, sig, nonce=0)


@pytest.mark.parametrize("kind", KINDS)
def test_signed_request_high_s_is_refused(requests, gasless_resident, chain, kind):
    r, deadline = gasless_resident, chain.time() + 3600
    sig = requests.sign(kind, r.private_key, r, 0, deadline)
    for bad in (high_s(sig), sig[:64], sig + b"\x00"):  # the malleable twin, too short, too long
        with brownie.reverts(error("RedemptionInvalidSignature", r)):
            requests.submit(kind, r, deadline, bad, nonce=0)
    requests.submit(kind, r, deadline, sig, nonce=0)


def _next_block_at(web3, timestamp):
    """Makes the next block's timestamp exactly `timestamp` (Anvil; Ganache 7 has no such call: skip there)."""
    answer = web3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])
    if "error" in answer:
        pytest.skip(f"the node cannot fix the next block's timestamp: {answer['error']}")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("late", [0, 1])
def test_signed_request_deadline_is_inclusive(requests, gasless_resident, web3, kind, late):
    r = gasless_resident
    deadline = web3.eth.get_block("latest")["timestamp"] + 100
    sig = requests.sign(kind, r.private_key, r, 0, deadline)
    _next_block_at(web3, deadline + late)
    if late:
        with brownie.reverts(error("RedemptionExpiredSignature", deadline)):
            requests.submit(kind, r, deadline, sig, nonce=0)
    else:
        tx = requests.submit(kind, r, deadline, sig, nonce=0)
        assert web3.eth.get_block(tx.block_number)["timestamp"] == deadline


@pytest.mark.parametrize("kind", ["redeem", "donate", "pay"])
def test_dirty_high_bits_of_an_address_argument_are_refused(requests, redemption, gasless_resident, rando, chain, kind):
    """The ABI decoder refuses an address word with bits above the 160th: the signer cannot be aliased."""
    r, deadline = gasless_resident, chain.time() + 3600
    sig = requests.sign(kind, r.private_key, r, 0, deadline)
    fn = {"redeem": redemption.redeemBySig, "donate": redemption.donateBySig, "pay": redemption.payForServiceBySig}[kind]
    args = {"redeem": (r, requests.offer, 2 * COIN, deadline, sig),
            "donate": (r, requests.charity, COIN, deadline, sig),
            "pay": (r, requests.payee, COIN, b"\x42" * 32, deadline, sig)}[kind]
    clean = bytes.fromhex(fn.encode_input(*args)[2:])
    word = clean[4:36]
    assert word[:12] == bytes(12)
    dirty = clean[:4] + b"\x01" + word[1:] + clean[36:]
    with pytest.raises(brownie.exceptions.VirtualMachineError) as refused:
        rando.transfer(redemption, 0, data="0x" + dirty.hex(), gas_limit=500_000)
    # Refused by the decoder itself (no error data), before any signature check could name the signer.
    assert not refused.value.revert_msg or "Redemption" not in refused.value.revert_msg, refused.value.revert_msg
    rando.transfer(redemption, 0, data="0x" + clean.hex(), gas_limit=500_000)
    assert redemption.nonces(r) == 1


# ------------------------------------------------------------------ cancel-all


@pytest.mark.parametrize("by_sig", [False, True])
def test_one_cancel_all_refuses_every_outstanding_signature(requests, redemption, signer, bank, rando, chain, by_sig):
    """Three requests signed ahead (nonces 0, 1, 2): after one cancel-all none of them goes through."""
    r, deadline = signer, chain.time() + 3600  # a resident with a key and some ETH
    bank.attest(r, units=480)
    outstanding = [(kind, requests.sign(kind, r.private_key, r, n, deadline)) for n, kind in
                   enumerate(["redeem", "donate", "pay"])]
    if by_sig:
        msg = {"owner": r.address, "upTo": 3, "nonce": 0, "deadline": deadline}
        sig = sign_typed(r.private_key, redemption, "VolunteerBank Redemption", "InvalidateNonces", INVALIDATE, msg)
        tx = redemption.invalidateNoncesBySig(r, 3, deadline, sig, {"from": rando})
    else:
        tx = redemption.invalidateNonces(3, {"from": r})
    assert plain(tx.events["NoncesInvalidated"].values()) == [r.address, 3]
    assert redemption.nonces(r) == 3
    for kind, sig in outstanding:
        with brownie.reverts(error("RedemptionInvalidSignature", r)):
            requests.submit(kind, r, deadline, sig)
    # useNonce, by contrast, cancels only the first one.


def test_use_nonce_cancels_only_the_next_request(requests, redemption, signer, bank, chain):
    r = signer
    bank.earn(r, units=480)
    deadline = chain.time() + 3600
    first, second = (requests.sign("donate", r.private_key, r, n, deadline) for n in (0, 1))
    redemption.useNonce({"from": r})
    with brownie.reverts(error("RedemptionInvalidSignature", r)):
        requests.submit("donate", r, deadline, first)
    requests.submit("donate", r, deadline, second)


def test_cancel_all_by_sig_refuses_going_backwards(redemption, signer, rando, chain):
    r, deadline = signer, chain.time() + 3600
    redemption.invalidateNonces(5, {"from": r})
    msg = {"owner": r.address, "upTo": 5, "nonce": 5, "deadline": deadline}
    sig = sign_typed(r.private_key, redemption, "VolunteerBank Redemption", "InvalidateNonces", INVALIDATE, msg)
    with brownie.reverts(error("RedemptionInvalidNonceBound", r, 5, 5)):
        redemption.invalidateNoncesBySig(r, 5, deadline, sig, {"from": rando})


# ------------------------------------------------------------------ smart-contract wallets (EIP-1271)


@pytest.fixture
def wallet_owner(accounts):
    return accounts.add()  # holds no ETH: it only signs


@pytest.fixture
def wallet(TestSmartWallet, wallet_owner, bank, admin):
    w = TestSmartWallet.deploy(wallet_owner, {"from": admin})
    bank.earn(w.address, units=480)  # 24 coins, unlocked
    return w


def test_smart_wallet_redeems_donates_and_pays_through_a_relayer(
    requests, redemption, coin, wallet, wallet_owner, provider, charity, residents, chain
):
    w, deadline = wallet.address, chain.time() + 3600
    key = wallet_owner.private_key
    tx = requests.submit("redeem", w, deadline, requests.sign("redeem", key, w, 0, deadline))
    assert plain(tx.events["VoucherIssued"].values()) == [requests.offer << 32, w, provider.address, 2 * COIN]
    tx = requests.submit("donate", w, deadline, requests.sign("donate", key, w, 1, deadline))
    assert plain(tx.events["Donated"].values()) == [1, w, charity.address, COIN]
    tx = requests.submit("pay", w, deadline, requests.sign("pay", key, w, 2, deadline))
    assert plain(tx.events["ServicePaid"].values()) == [w, residents[0].address, b"\x42" * 32, COIN]
    assert coin.balanceOf(w) == (24 - 2 - 1 - 1) * COIN
    assert redemption.nonces(w) == 3


@pytest.mark.parametrize("kind", KINDS)
def test_smart_wallet_refuses_a_signature_not_by_its_owner(requests, wallet, accounts, chain, kind):
    w, deadline = wallet.address, chain.time() + 3600
    stranger = accounts.add()
    with brownie.reverts(error("RedemptionInvalidSignature", w)):
        requests.submit(kind, w, deadline, requests.sign(kind, stranger.private_key, w, 0, deadline), nonce=0)


def test_smart_wallet_cancels_all_by_sig(requests, redemption, wallet, wallet_owner, chain):
    w, deadline = wallet.address, chain.time() + 3600
    key = wallet_owner.private_key
    pending = requests.sign("redeem", key, w, 0, deadline)
    requests.submit("invalidate", w, deadline, requests.sign("invalidate", key, w, 0, deadline), nonce=0)
    assert redemption.nonces(w) == 10
    with brownie.reverts(error("RedemptionInvalidSignature", w)):
        requests.submit("redeem", w, deadline, pending)
