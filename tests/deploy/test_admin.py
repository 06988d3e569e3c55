"""tools/admin against a deployment on Anvil: each command's effect on the chain and the manifest, and its
refusal of bad arguments with a clear message and nothing sent."""

from __future__ import annotations

import pytest
from deploy_helpers import ANVIL_CHAIN_ID, contracts, dev_args, ok, read_manifest, refused, run, start_node

COIN = 10**18
DAY = 86400
ZERO = "0x" + "00" * 20


@pytest.fixture(scope="module")
def deployed(anvil, tmp_path_factory):
    manifest_dir = tmp_path_factory.mktemp("deployments")
    ok(run("deploy", *dev_args(anvil, manifest_dir)))
    return manifest_dir


@pytest.fixture(scope="module")
def chain(anvil, deployed):
    c = contracts(anvil, read_manifest(deployed, ANVIL_CHAIN_ID))
    return c["ServiceCoin"].functions, c["ActivityRegistry"].functions, c["Redemption"].functions


@pytest.fixture
def admin(anvil, deployed):
    def call(*args: str, **kw):
        return run("admin", *args, *dev_args(anvil, deployed), **kw)

    return call


def account(anvil, index: int) -> str:
    return anvil.web3.eth.accounts[index]


def admin_log(deployed) -> list[dict]:
    return read_manifest(deployed, ANVIL_CHAIN_ID)["adminLog"]


def test_add_centre_with_a_coordinator(anvil, deployed, chain, admin):
    _, registry, _ = chain
    count = registry.centreCount().call()
    out = ok(admin("add-centre", "--cap", "1500.5", "--period-days", "7", "--coordinator", "dev:6",
                   "--key", "yangjae-centre", "--name", "Yangjae Volunteer Camp", "--name-ko", "양재 자원봉사 캠프"))
    new_id = count + 1
    assert f"network development (local development chain, chain id {ANVIL_CHAIN_ID}" in out
    assert f"centre id: {new_id}" in out and "tx 0x" in out
    cap, _, _, period, active = registry.centre(new_id).call()
    assert (cap, period, active) == (15005 * COIN // 10, 7 * DAY, True)
    assert registry.hasRole(registry.coordinatorRole(new_id).call(), account(anvil, 6)).call()
    entry = read_manifest(deployed, ANVIL_CHAIN_ID)["config"]["centres"][-1]
    assert entry["id"] == new_id and entry["coordinators"] == [account(anvil, 6)]
    assert (entry["name"], entry["name_ko"]) == ("Yangjae Volunteer Camp", "양재 자원봉사 캠프")
    assert admin_log(deployed)[-1]["action"] == f"add coordinator {account(anvil, 6)} to centre {new_id}"


def test_grant_and_revoke_coordinator(anvil, chain, admin, deployed):
    _, registry, _ = chain
    who = account(anvil, 7)
    role = registry.coordinatorRole(2).call()
    out = ok(admin("grant-coordinator", "2", who))
    assert f"add coordinator {who} to centre 2" in out and registry.hasRole(role, who).call()
    block = anvil.block
    assert "nothing to do" in ok(admin("grant-coordinator", "2", who.lower()))
    assert anvil.block == block
    ok(admin("revoke-coordinator", "2", who))
    assert not registry.hasRole(role, who).call()
    assert "is not a coordinator of centre 2" in ok(admin("revoke-coordinator", "2", who))
    assert who not in read_manifest(deployed, ANVIL_CHAIN_ID)["config"]["centres"][1]["coordinators"]


@pytest.mark.parametrize("kind", ["provider", "charity"])
def test_add_and_remove_provider_or_charity(anvil, chain, admin, deployed, kind):
    _, _, redemption = chain
    who = account(anvil, 8)
    role = (redemption.PROVIDER_ROLE if kind == "provider" else redemption.CHARITY_ROLE)().call()
    ok(admin(f"add-{kind}", who, "--key", f"new-{kind}", "--name", "Banpo Welfare Centre", "--name-ko", "반포 복지관"))
    assert redemption.hasRole(role, who).call()
    listing = read_manifest(deployed, ANVIL_CHAIN_ID)["config"]["providers" if kind == "provider" else "charities"]
    assert {"key": f"new-{kind}", "name": "Banpo Welfare Centre", "name_ko": "반포 복지관", "address": who} in listing
    ok(admin(f"remove-{kind}", who))
    assert not redemption.hasRole(role, who).call()


def test_set_rule_by_name_versions_the_rule(chain, admin):
    _, registry, _ = chain
    version = registry.categoryRule(3).call()[3]
    out = ok(admin("set-rule", "recycling", "--coins", "0.2", "--units-per-block", "1", "--max-units", "50"))
    assert "set category 3: 0.2 coins per 1 item, at most 50 items" in out and f"rule version: {version + 1}" in out
    assert tuple(registry.categoryRule(3).call()) == (2 * COIN // 10, 1, 50, version + 1, True)
    assert "already has this rule" in ok(admin("set-rule", "3", "--coins", "0.2", "--units-per-block", "1", "--max-units", "50"))
    ok(admin("set-rule", "9", "--coins", "1", "--units-per-block", "1", "--max-units", "1"))  # a new category by id
    assert registry.categoryRule(9).call()[4] is True


def test_set_cap(chain, admin):
    _, registry, _ = chain
    ok(admin("set-cap", "1", "75000"))
    assert registry.centre(1).call()[0] == 75000 * COIN and registry.centre(1).call()[3] == 30 * DAY
    ok(admin("set-cap", "1", "75000", "--period-days", "14"))
    assert registry.centre(1).call()[3] == 14 * DAY
    assert registry.remainingCap(1).call() == 75000 * COIN


def test_pause_and_unpause(anvil, chain, admin):
    coin, _, _ = chain
    out = ok(admin("pause"))
    assert "pause the coin" in out and coin.paused().call()
    block = anvil.block
    assert "already paused" in ok(admin("pause"))
    assert anvil.block == block
    ok(admin("unpause"))
    assert not coin.paused().call()


def test_accept_or_cancel_without_a_transfer_sends_nothing(anvil, admin):
    block = anvil.block
    assert "is already the admin of all three contracts" in ok(admin("accept-admin"))
    assert "nothing to do: no transfer of the admin role is under way" in ok(admin("cancel-admin-transfer"))
    assert anvil.block == block


def test_status(admin):
    out = ok(admin("status"))
    assert "signer is admin   True" in out and "category 1   volunteering" in out and "seocho-volunteer-centre" in out


# ------------------------------------------------------------------------------------------ refusals


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["grant-coordinator", "9", "dev:6"], 1, "centre 9 does not exist (the registry has"),
        (["set-cap", "99", "10"], 1, "centre 99 does not exist"),
        (["grant-coordinator", "1", "0x1234"], 2, "argument ADDRESS: '0x1234' is not an address"),
        (["grant-coordinator", "1", "0x70997970c51812dc3a010c7d01b50e0d17dc79C8"], 2, "wrong checksum"),
        (["add-provider", "0x0000000000000000000000000000000000000000"], 2, "the zero address cannot hold a role"),
        (["grant-coordinator", "0", "dev:6"], 2, "centre id must be a whole number from 1"),
        (["grant-coordinator", "one", "dev:6"], 2, "centre id must be a whole number from 1"),
        (["set-cap", "1", "-5"], 2, "must be zero coins or more"),
        (["set-cap", "1", "lots"], 2, "expected a number of coins"),
        (["add-centre", "--cap", "10", "--period-days", "0"], 2, "period days must be a whole number from 1"),
        (["set-rule", "volunteering", "--coins", "0", "--units-per-block", "60", "--max-units", "480"], 1,
         "an active rule must give more than 0 coins"),
        (["set-rule", "gardening", "--coins", "1", "--units-per-block", "1", "--max-units", "1"], 1,
         "unknown category 'gardening'"),
        (["grant-coordinator", "1", "dev:6", "--account", "dev:9"], 1, "is not an admin of ActivityRegistry"),
        (["pause", "--account", "dev:9"], 1, "is not an admin of ServiceCoin"),
        (["add-charity", "dev:6", "--account", "dev:9"], 1, "is not an admin of Redemption"),
        (["transfer-admin", "dev:7"], 1, "has no code, so it is not a multisig"),
        (["transfer-admin", "dev:0"], 1, "is already the admin"),
        (["set-rule", "volunteering", "--coins", "7", "--units-per-block", "60", "--max-units", "480"], 1,
         "one activity could earn 56 coins under this rule (480 minutes), above the bound fixed at deployment (50 coins"),
        (["grant-coordinator", "1", "dev:99"], 1, "the node has only 10 unlocked accounts"),
        (["frobnicate"], 2, "invalid choice: 'frobnicate'"),
    ],
)
def test_bad_arguments_are_refused_and_nothing_is_sent(anvil, deployed, admin, args, code, message):
    block, log = anvil.block, admin_log(deployed)
    err = refused(admin(*args), code)
    assert message in err
    assert anvil.block == block and admin_log(deployed) == log


def test_no_deployment_on_this_chain(anvil, tmp_path):
    err = refused(run("admin", "status", *dev_args(anvil, tmp_path)))
    assert "no deployment on chain 31337" in err and "run tools/deploy first" in err


def _later(node, seconds: int) -> None:
    node.web3.provider.make_request("evm_increaseTime", [seconds])
    node.web3.provider.make_request("evm_mine", [])


def test_transfer_admin_to_a_multisig_takes_two_steps_and_the_delay(tmp_path):
    """On its own chain: transfer-admin only starts the transfer; the new admin accepts after the delay fixed at
    deployment (2 days in config/deployment.yaml); then the old admin can do nothing, the new one everything."""
    node = start_node("anvil")
    try:
        manifest_dir = tmp_path / "deployments"
        ok(run("deploy", *dev_args(node, manifest_dir)))
        manifest = read_manifest(manifest_dir, ANVIL_CHAIN_ID)
        assert manifest["config"]["adminTransferDelaySeconds"] == 2 * DAY
        c = contracts(node, manifest)
        web3 = node.web3
        # Stand-in for a multisig: an address with code. Anvil can put code anywhere.
        multisig = web3.to_checksum_address("0x00000000000000000000000000000000005afe00")
        web3.provider.make_request("anvil_setCode", [multisig, "0x00"])
        web3.provider.make_request("anvil_impersonateAccount", [multisig])
        web3.provider.make_request("anvil_setBalance", [multisig, hex(10**18)])
        old = web3.eth.accounts[0]
        role = c["ServiceCoin"].functions.DEFAULT_ADMIN_ROLE().call()

        out = ok(run("admin", "transfer-admin", multisig, *dev_args(node, manifest_dir)))
        assert f"{multisig} may accept after" in out and f"{old} stays admin" in out
        for contract in c.values():
            assert contract.functions.defaultAdmin().call() == old
            assert contract.functions.pendingDefaultAdmin().call()[0] == multisig
            assert contract.functions.defaultAdminDelay().call() == 2 * DAY
        after = read_manifest(manifest_dir, ANVIL_CHAIN_ID)
        assert after["admin"] == old and after["pendingAdmin"]["address"] == multisig
        assert len(after["adminLog"]) == 3  # three transfers started, nothing granted or renounced
        ok(run("admin", "pause", *dev_args(node, manifest_dir)))  # the old admin still acts during the wait
        too_early = web3.keccak(text="AccessControlEnforcedDefaultAdminDelay(uint48)")[:4].hex().removeprefix("0x")
        with pytest.raises(Exception, match=too_early):  # web3 shows the custom error as its raw data
            c["Redemption"].functions.acceptDefaultAdminTransfer().transact({"from": multisig})

        _later(node, 2 * DAY + 1)
        for contract in c.values():  # the multisig's own transactions
            node.web3.eth.wait_for_transaction_receipt(
                contract.functions.acceptDefaultAdminTransfer().transact({"from": multisig}))
            assert contract.functions.hasRole(role, multisig).call() and not contract.functions.hasRole(role, old).call()
        err = refused(run("admin", "unpause", *dev_args(node, manifest_dir)))
        assert "is not an admin of ServiceCoin" in err

        # Back to an EOA, only when asked for explicitly, accepted with tools/admin accept-admin.
        for contract in c.values():
            node.web3.eth.wait_for_transaction_receipt(
                contract.functions.beginDefaultAdminTransfer(old).transact({"from": multisig}))
        err = refused(run("admin", "accept-admin", *dev_args(node, manifest_dir)))
        assert "can be accepted only after" in err
        _later(node, 2 * DAY + 1)
        out = ok(run("admin", "accept-admin", *dev_args(node, manifest_dir)))
        assert f"admin is now {old}" in out and read_manifest(manifest_dir, ANVIL_CHAIN_ID)["admin"] == old
        eoa = web3.eth.accounts[3]
        ok(run("admin", "transfer-admin", "--allow-eoa", eoa, *dev_args(node, manifest_dir)))
        assert "nothing to do: no transfer" not in ok(run("admin", "cancel-admin-transfer", *dev_args(node, manifest_dir)))
        assert c["Redemption"].functions.pendingDefaultAdmin().call() == [ZERO, 0]
        err = refused(run("admin", "accept-admin", "--account", "dev:3", *dev_args(node, manifest_dir)))
        assert "no transfer of the admin of ServiceCoin" in err
        ok(run("admin", "transfer-admin", "--allow-eoa", eoa, *dev_args(node, manifest_dir)))
        _later(node, 2 * DAY + 1)
        ok(run("admin", "accept-admin", "--account", "dev:3", *dev_args(node, manifest_dir)))
        assert all(ct.functions.defaultAdmin().call() == eoa for ct in c.values())
        assert "max per activity  50 coins" in ok(run("admin", "status", "--account", "dev:3", *dev_args(node, manifest_dir)))
    finally:
        node.stop()
