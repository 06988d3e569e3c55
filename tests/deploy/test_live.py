"""The live-network path (what Sepolia takes) against a local node registered as a non-development network:
a signer from an encrypted keystore, EIP-1559 fees, waiting for confirmations on a chain that mines on its own."""

from __future__ import annotations

import json

import pytest
from deploy_helpers import command_env, copy_config, ok, read_manifest, refused, run, start_node
from eth_account import Account

LIVE_CHAIN_ID = 424242
PASSWORD = "correct horse battery staple"
ADDRESSES = [f"0x{i:040x}" for i in range(0x1001, 0x1008)]


@pytest.fixture(scope="module")
def live_node():
    # Interval mining, as on a real network: confirmations come from new blocks, not from our own transactions.
    node = start_node("anvil", "--chain-id", str(LIVE_CHAIN_ID), "--block-time", "0.25")
    yield node
    node.stop()


@pytest.fixture(scope="module")
def keystore(live_node, tmp_path_factory):
    """A deployer key that exists only encrypted on disk (Web3 Secret Storage, scrypt), funded from the node."""
    account = Account.create()
    path = tmp_path_factory.mktemp("keys") / "deployer.json"
    path.write_text(json.dumps(Account.encrypt(account.key, PASSWORD)))
    tx = live_node.web3.eth.send_transaction({"from": live_node.web3.eth.accounts[0], "to": account.address, "value": 10**19})
    live_node.web3.eth.wait_for_transaction_receipt(tx)
    return path, account.address


@pytest.fixture(scope="module")
def live_config(tmp_path_factory):
    """The default config with real addresses in place of dev:N, as one would write config/sepolia.yaml."""
    addresses = iter(ADDRESSES)

    def edit(data):
        for centre in data["centres"]:
            centre["coordinators"] = [next(addresses)]
        for member in data["providers"] + data["charities"]:
            member["address"] = next(addresses)

    return copy_config(tmp_path_factory.mktemp("config"), edit)


@pytest.fixture(scope="module")
def live_env(live_node, keystore):
    def env(**overrides):
        values = dict(VB_RPC_URL=live_node.url, VB_CHAIN_ID=str(LIVE_CHAIN_ID), VB_KEYSTORE=str(keystore[0]),
                      VB_KEYSTORE_PASSWORD=PASSWORD)
        values.update(overrides)
        return command_env(**{k: v for k, v in values.items() if v is not None})

    return env


@pytest.fixture(scope="module")
def live_deployment(live_node, keystore, live_config, live_env, tmp_path_factory):
    manifest_dir = tmp_path_factory.mktemp("deployments")
    out = ok(run("deploy", "--network", "live", "--config", str(live_config), "--manifest-dir", str(manifest_dir),
                 "--yes", env=live_env()))
    return manifest_dir, out


def test_live_deploy_signs_from_the_keystore_with_eip1559_and_waits_for_confirmations(live_node, keystore, live_deployment):
    manifest_dir, out = live_deployment
    assert "live network, chain id 424242" in out and keystore[1] in out
    manifest = read_manifest(manifest_dir, LIVE_CHAIN_ID)
    assert manifest["status"] == "complete" and manifest["network"] == "live"
    assert manifest["deployer"] == manifest["admin"] == keystore[1]
    hashes = [c["transaction"] for c in manifest["contracts"].values()] + [s["tx"] for s in manifest["configuration"]]
    assert len(hashes) == 14
    blocks = []
    for tx_hash in hashes:
        tx = live_node.web3.eth.get_transaction(tx_hash)
        assert tx["type"] == 2 and tx["from"] == keystore[1]  # EIP-1559, signed locally by the keystore key
        assert tx["maxPriorityFeePerGas"] > 0 and tx["maxFeePerGas"] >= tx["maxPriorityFeePerGas"]
        blocks.append(tx["blockNumber"])
    # Each transaction was sent only after the previous one had 2 confirmations: they sit in different blocks,
    # at least one block apart.
    assert all(b - a >= 1 for a, b in zip(blocks, blocks[1:], strict=False))
    registry = live_node.web3.eth.contract(address=manifest["contracts"]["ActivityRegistry"]["address"], abi=_abi("ActivityRegistry"))
    assert registry.functions.hasRole(registry.functions.coordinatorRole(1).call(), ADDRESSES[0]).call()


def _abi(name: str):
    from backend.chain.deployment import ABI_DIR

    return json.loads((ABI_DIR / f"{name}.json").read_text())


def test_live_rerun_sends_nothing(live_node, keystore, live_config, live_env, live_deployment):
    manifest_dir, _ = live_deployment
    nonce = live_node.web3.eth.get_transaction_count(keystore[1])
    out = ok(run("deploy", "--network", "live", "--config", str(live_config), "--manifest-dir", str(manifest_dir), env=live_env()))
    assert "Nothing changed." in out
    assert live_node.web3.eth.get_transaction_count(keystore[1]) == nonce


def test_live_admin_command(live_node, keystore, live_env, live_deployment):
    manifest_dir, _ = live_deployment
    out = ok(run("admin", "set-cap", "2", "25000", "--network", "live", "--manifest-dir", str(manifest_dir), "--yes", env=live_env()))
    assert "set centre 2 cap to 25,000 coins per 30 days" in out and "tx 0x" in out
    registry = live_node.web3.eth.contract(address=read_manifest(manifest_dir, LIVE_CHAIN_ID)["contracts"]["ActivityRegistry"]["address"],
                                           abi=_abi("ActivityRegistry"))
    assert registry.functions.centre(2).call()[0] == 25000 * 10**18


@pytest.mark.parametrize(
    ("overrides", "extra", "message"),
    [
        ({}, [], "without confirmation; pass --yes"),  # stdin is not a terminal and no --yes
        ({"VB_KEYSTORE_PASSWORD": "wrong"}, ["--yes"], "cannot unlock keystore"),
        ({"VB_KEYSTORE": None}, ["--yes"], "a live network needs a signer"),
        ({"VB_KEYSTORE_PASSWORD": None}, ["--yes"], "the keystore is locked"),
        ({"VB_KEYSTORE": "/nonexistent/key.json"}, ["--yes"], "no keystore"),
        ({"VB_CHAIN_ID": "11155111"}, ["--yes"], "is chain 424242, not 11155111"),
        ({}, ["--yes", "--account", "dev:0"], "dev accounts exist only on a local development chain"),
    ],
)
def test_live_refusals_send_nothing(live_node, keystore, live_config, live_env, tmp_path, overrides, extra, message):
    nonce = live_node.web3.eth.get_transaction_count(keystore[1])
    err = refused(run("deploy", "--network", "live", "--config", str(live_config), "--manifest-dir", str(tmp_path), *extra,
                      env=live_env(**overrides)))
    assert message in err
    assert live_node.web3.eth.get_transaction_count(keystore[1]) == nonce and not list(tmp_path.glob("*.json"))


def test_dev_accounts_in_the_config_are_refused_on_a_live_network(live_node, keystore, live_env, tmp_path):
    nonce = live_node.web3.eth.get_transaction_count(keystore[1])
    err = refused(run("deploy", "--network", "live", "--manifest-dir", str(tmp_path), "--yes", env=live_env()))
    assert "'dev:1' names an unlocked account of a local development chain" in err
    assert live_node.web3.eth.get_transaction_count(keystore[1]) == nonce


def test_an_unfunded_signer_is_told_to_use_a_faucet(live_node, live_config, live_env, tmp_path):
    poor = tmp_path / "poor.json"
    poor.write_text(json.dumps(Account.encrypt(Account.create().key, PASSWORD)))
    err = refused(run("deploy", "--network", "live", "--config", str(live_config), "--manifest-dir", str(tmp_path), "--yes",
                      env=live_env(VB_KEYSTORE=str(poor))))
    assert "has no ETH to pay for gas" in err and "faucet" in err


def test_a_brownie_account_id_names_the_keystore(live_node, keystore, live_env, live_deployment, tmp_path):
    """`brownie accounts new vb-deployer` stores the key encrypted in ~/.brownie/accounts; VB_KEYSTORE=vb-deployer."""
    home = tmp_path / "home"
    (home / ".brownie" / "accounts").mkdir(parents=True)
    (home / ".brownie" / "accounts" / "vb-deployer.json").write_text(keystore[0].read_text())
    manifest_dir, _ = live_deployment
    out = ok(run("admin", "status", "--network", "live", "--manifest-dir", str(manifest_dir),
                 env=live_env(VB_KEYSTORE="vb-deployer", HOME=str(home))))
    assert f"as {keystore[1]}" in out and "signer is admin   True" in out
