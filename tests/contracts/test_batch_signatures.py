"""Signed sheets (attestBatchBySig) and smart-contract-wallet coordinators (EIP-1271) in the registry.

A coordinator signs EIP-712 `AttestBatch(uint32 centreId,bytes32 itemsHash,uint256 nonce,uint256 deadline)` with
their own wallet; anyone relays it; `BatchAttested` names the coordinator.
"""

import brownie
import pytest
from eth_account import Account

from backend.chain.attestation_pages import batch_items_hash
from tests.contracts.conftest import (
    COIN,
    error,
    high_s,
    plain,
    sign_attest,
    sign_attest_batch,
)


@pytest.fixture
def signing_coordinator(registry, admin, signer):
    registry.addCoordinator(1, signer, {"from": admin})
    return signer


def _sheet(bank, residents, centre=1):
    """Three activities of `centre`, sorted by volunteer: 3 + 1.5 coins for residents[0], 6 coins for residents[1]."""
    return [
        bank.activity(residents[0], 60, centre=centre),
        bank.activity(residents[0], 30, centre=centre),
        bank.activity(residents[1], 120, centre=centre),
    ]


def _next_block_at(web3, timestamp):
    """Makes the next block's timestamp exactly `timestamp` (Anvil; Ganache 7 has no such call: skip there)."""
    answer = web3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])
    if "error" in answer:
        pytest.skip(f"the node cannot fix the next block's timestamp: {answer['error']}")


# ------------------------------------------------------------------ attestBatchBySig


def test_signed_sheet_is_relayed_and_names_its_coordinator(bank, registry, coin, signing_coordinator, rando, residents,
                                                           chain):
    sheet = _sheet(bank, residents)
    assert plain(registry.batchItemsHash(sheet)) == batch_items_hash(sheet)
    deadline = chain.time() + 3600
    sig = sign_attest_batch(signing_coordinator.private_key, registry, 1, sheet, 0, deadline)
    tx = registry.attestBatchBySig(sheet, signing_coordinator, deadline, sig, {"from": rando})

    assert tx.return_value == 10.5 * COIN
    assert coin.balanceOf(residents[0]) == 4.5 * COIN and coin.balanceOf(residents[1]) == 6 * COIN
    assert all(registry.isAttested(a[0]) for a in sheet)
    assert registry.nonces(signing_coordinator) == 1
    assert plain(tx.events["BatchAttested"].values()) == [1, signing_coordinator.address, 3, 10.5 * COIN]
    assert len(tx.events["ActivityAttested"]) == 3
    assert registry.remainingCap(1) == 10_000 * COIN - 10.5 * COIN
    # The signed path records the same pages as attestBatch: every attestation proves and can be revoked.
    att, acc, later = bank.proof_args(sheet[1][0])
    assert registry.verifyAttestation(att, acc, later) == (True, False)


def test_plain_batch_emits_no_batch_event(bank, registry, coordinator, residents):
    tx = registry.attestBatch(_sheet(bank, residents), {"from": coordinator})
    assert "BatchAttested" not in tx.events  # the sender is the coordinator: the transaction names them already
    assert tx.return_value == 10.5 * COIN


def test_signed_sheet_cannot_be_replayed(bank, registry, coin, signing_coordinator, rando, residents, chain):
    sheet = _sheet(bank, residents)
    deadline = chain.time() + 3600
    sig = sign_attest_batch(signing_coordinator.private_key, registry, 1, sheet, 0, deadline)
    registry.attestBatchBySig(sheet, signing_coordinator, deadline, sig, {"from": rando})
    with brownie.reverts(error("ActivityRegistryInvalidSignature", signing_coordinator)):
        registry.attestBatchBySig(sheet, signing_coordinator, deadline, sig, {"from": rando})
    assert coin.totalSupply() == 10.5 * COIN


def test_use_nonce_cancels_an_outstanding_sheet(bank, registry, signing_coordinator, rando, residents, chain):
    sheet = _sheet(bank, residents)
    deadline = chain.time() + 3600
    sig = sign_attest_batch(signing_coordinator.private_key, registry, 1, sheet, 0, deadline)
    registry.useNonce({"from": signing_coordinator})
    with brownie.reverts(error("ActivityRegistryInvalidSignature", signing_coordinator)):
        registry.attestBatchBySig(sheet, signing_coordinator, deadline, sig, {"from": rando})


@pytest.mark.parametrize("where", ["chain", "contract"])
def test_signed_sheet_for_another_domain_is_refused(bank, registry, signing_coordinator, rando, residents, chain, where):
    sheet = _sheet(bank, residents)
    deadline = chain.time() + 3600
    kw = {"chain_id": chain.id + 1} if where == "chain" else {"verifying_contract": "0x" + "11" * 20}
    sig = sign_attest_batch(signing_coordinator.private_key, registry, 1, sheet, 0, deadline, **kw)
    with brownie.reverts(error("ActivityRegistryInvalidSignature", signing_coordinator)):
        registry.attestBatchBySig(sheet, signing_coordinator, deadline, sig, {"from": rando})
    assert not any(registry.isAttested(a[0]) for a in sheet)


@pytest.mark.parametrize("late", [0, 1])
def test_signed_sheet_deadline_is_inclusive(bank, registry, signing_coordinator, rando, residents, web3, late):
    sheet = _sheet(bank, residents)
    deadline = web3.eth.get_block("latest")["timestamp"] + 100
    sig = sign_attest_batch(signing_coordinator.private_key, registry, 1, sheet, 0, deadline)
    _next_block_at(web3, deadline + late)
    if late:
        with brownie.reverts(error("ActivityRegistryExpiredSignature", deadline)):
            registry.attestBatchBySig(sheet, signing_coordinator, deadline, sig, {"from": rando})
    else:
        tx = registry.attestBatchBySig(sheet, signing_coordinator, deadline, sig, {"from": rando})
        assert web3.eth.get_block(tx.block_number)["timestamp"] == deadline


def test_expired_sheet_is_refused(bank, registry, signing_coordinator, rando, residents, web3):
    """Without setting the clock (runs on Ganache too): a deadline already behind the chain."""
    sheet = _sheet(bank, residents)
    deadline = web3.eth.get_block("latest")["timestamp"] - 1
    sig = sign_attest_batch(signing_coordinator.private_key, registry, 1, sheet, 0, deadline)
    with brownie.reverts(error("ActivityRegistryExpiredSignature", deadline)):
        registry.attestBatchBySig(sheet, signing_coordinator, deadline, sig, {"from": rando})


def test_signed_sheet_high_s_and_bad_lengths_are_refused(bank, registry, signing_coordinator, rando, residents, chain):
    sheet = _sheet(bank, residents)
    deadline = chain.time() + 3600
    sig = sign_attest_batch(signing_coordinator.private_key, registry, 1, sheet, 0, deadline)
    for bad in (high_s(sig), sig[:64], sig + b"\x00"):
        with brownie.reverts(error("ActivityRegistryInvalidSignature", signing_coordinator)):
            registry.attestBatchBySig(sheet, signing_coordinator, deadline, bad, {"from": rando})
    registry.attestBatchBySig(sheet, signing_coordinator, deadline, sig, {"from": rando})


def test_sheet_signed_by_someone_else_is_refused(bank, registry, signing_coordinator, rando, residents, chain):
    sheet = _sheet(bank, residents)
    deadline = chain.time() + 3600
    sig = sign_attest_batch(Account.create().key, registry, 1, sheet, 0, deadline)
    with brownie.reverts(error("ActivityRegistryInvalidSignature", signing_coordinator)):
        registry.attestBatchBySig(sheet, signing_coordinator, deadline, sig, {"from": rando})


def test_signer_must_coordinate_the_sheets_centre(bank, registry, admin, signer, rando, residents, chain):
    registry.addCoordinator(2, signer, {"from": admin})  # a coordinator, but of centre 2
    sheet = _sheet(bank, residents, centre=1)
    deadline = chain.time() + 3600
    sig = sign_attest_batch(signer.private_key, registry, 1, sheet, 0, deadline)
    with brownie.reverts(error("ActivityRegistryNotCoordinator", signer, 1)):
        registry.attestBatchBySig(sheet, signer, deadline, sig, {"from": rando})


def test_sheet_with_an_activity_of_another_centre_is_refused(bank, registry, signing_coordinator, rando, residents,
                                                             chain):
    sheet = _sheet(bank, residents) + [bank.activity(residents[2], centre=2)]
    deadline = chain.time() + 3600
    sig = sign_attest_batch(signing_coordinator.private_key, registry, 1, sheet, 0, deadline)
    with brownie.reverts(error("ActivityRegistryCentreMismatch", sheet[3][0], 1)):
        registry.attestBatchBySig(sheet, signing_coordinator, deadline, sig, {"from": rando})
    assert not registry.isAttested(sheet[0][0])


@pytest.mark.parametrize("change", ["units", "volunteer", "dropped", "reordered"])
def test_sheet_changed_after_signing_is_refused(bank, registry, signing_coordinator, rando, residents, chain, change):
    sheet = _sheet(bank, residents)
    deadline = chain.time() + 3600
    sig = sign_attest_batch(signing_coordinator.private_key, registry, 1, sheet, 0, deadline)
    if change == "units":
        sent = [sheet[0], sheet[1][:3] + (31,) + sheet[1][4:], sheet[2]]
    elif change == "volunteer":
        sent = [sheet[0], sheet[1][:1] + (str(rando),) + sheet[1][2:], sheet[2]]
    elif change == "dropped":
        sent = sheet[:2]
    else:
        sent = [sheet[1], sheet[0], sheet[2]]
    with brownie.reverts(error("ActivityRegistryInvalidSignature", signing_coordinator)):
        registry.attestBatchBySig(sent, signing_coordinator, deadline, sig, {"from": rando})
    registry.attestBatchBySig(sheet, signing_coordinator, deadline, sig, {"from": rando})


def test_empty_signed_sheet_is_refused(registry, signing_coordinator, rando, chain):
    deadline = chain.time() + 3600
    with brownie.reverts(error("ActivityRegistryEmptyBatch")):
        registry.attestBatchBySig([], signing_coordinator, deadline, b"\x00" * 65, {"from": rando})


# ------------------------------------------------------------------ smart-contract wallets as coordinators


@pytest.fixture
def wallet_owner(accounts):
    return accounts.add()  # holds no ETH: it only signs


@pytest.fixture
def coordinator_wallet(TestSmartWallet, registry, wallet_owner, admin):
    w = TestSmartWallet.deploy(wallet_owner, {"from": admin})
    registry.addCoordinator(1, w, {"from": admin})
    return w


def test_smart_wallet_coordinator_attests_one_activity(bank, registry, coin, coordinator_wallet, wallet_owner, rando,
                                                       residents, chain):
    act = bank.activity(residents[0])
    deadline = chain.time() + 3600
    sig = sign_attest(wallet_owner.private_key, registry, act, 0, deadline)
    tx = registry.attestBySig(act, coordinator_wallet, deadline, sig, {"from": rando})
    assert tx.return_value == 3 * COIN
    assert coin.balanceOf(residents[0]) == 3 * COIN
    assert registry.nonces(coordinator_wallet) == 1


def test_smart_wallet_coordinator_attests_a_sheet(bank, registry, coin, coordinator_wallet, wallet_owner, rando,
                                                  residents, chain):
    sheet = _sheet(bank, residents)
    deadline = chain.time() + 3600
    sig = sign_attest_batch(wallet_owner.private_key, registry, 1, sheet, 0, deadline)
    tx = registry.attestBatchBySig(sheet, coordinator_wallet, deadline, sig, {"from": rando})
    assert plain(tx.events["BatchAttested"].values()) == [1, coordinator_wallet.address, 3, 10.5 * COIN]
    assert coin.balanceOf(residents[1]) == 6 * COIN
    assert registry.nonces(coordinator_wallet) == 1
    with brownie.reverts(error("ActivityRegistryInvalidSignature", coordinator_wallet)):
        registry.attestBatchBySig(sheet, coordinator_wallet, deadline, sig, {"from": rando})


@pytest.mark.parametrize("kind", ["single", "sheet"])
def test_smart_wallet_refuses_a_signature_not_by_its_owner(bank, registry, coordinator_wallet, accounts, rando,
                                                           residents, chain, kind):
    stranger = accounts.add()
    deadline = chain.time() + 3600
    with brownie.reverts(error("ActivityRegistryInvalidSignature", coordinator_wallet)):
        if kind == "single":
            act = bank.activity(residents[0])
            sig = sign_attest(stranger.private_key, registry, act, 0, deadline)
            registry.attestBySig(act, coordinator_wallet, deadline, sig, {"from": rando})
        else:
            sheet = _sheet(bank, residents)
            sig = sign_attest_batch(stranger.private_key, registry, 1, sheet, 0, deadline)
            registry.attestBatchBySig(sheet, coordinator_wallet, deadline, sig, {"from": rando})


def test_wallet_owner_signing_for_itself_is_not_the_wallet(bank, registry, coordinator_wallet, wallet_owner, rando,
                                                           residents, chain):
    """The owner's key makes the wallet's signatures, but the owner itself is no coordinator."""
    sheet = _sheet(bank, residents)
    deadline = chain.time() + 3600
    sig = sign_attest_batch(wallet_owner.private_key, registry, 1, sheet, 0, deadline)
    with brownie.reverts(error("ActivityRegistryNotCoordinator", wallet_owner, 1)):
        registry.attestBatchBySig(sheet, wallet_owner, deadline, sig, {"from": rando})


# ------------------------------------------------------------------ malformed calldata


@pytest.mark.parametrize("field", [1, 2, 3, 4])  # volunteer, category, units, time
def test_dirty_high_bits_of_an_activity_field_are_refused(bank, registry, coordinator, residents, field):
    """The leaf and the event are built from a raw copy of the activity: a field word with bits above its type's
    width is refused (without error data, as the ABI decoder refuses it), never hashed or logged as sent."""
    act = bank.activity(residents[0])
    clean = bytes.fromhex(registry.attestBatch.encode_input([act])[2:])
    at = 4 + 64 + 32 * field  # selector, array offset, array length, then the activity's words
    assert clean[at] == 0
    dirty = clean[:at] + b"\x01" + clean[at + 1:]
    with pytest.raises(brownie.exceptions.VirtualMachineError) as refused:
        coordinator.transfer(registry, 0, data="0x" + dirty.hex(), gas_limit=1_000_000)
    assert not refused.value.revert_msg or "Activity" not in refused.value.revert_msg, refused.value.revert_msg
    assert not registry.isAttested(act[0])
    coordinator.transfer(registry, 0, data="0x" + clean.hex(), gas_limit=1_000_000)
    assert registry.isAttested(act[0])
