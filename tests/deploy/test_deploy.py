"""tools/deploy on real local chains: what it deploys and configures, the manifest, and re-run safety."""

from __future__ import annotations

import hashlib
import json
import shutil
from decimal import Decimal

import pytest
import yaml
from deploy_helpers import (
    ANVIL_CHAIN_ID,
    GANACHE_CHAIN_ID,
    ROOT,
    contracts,
    copy_config,
    dev_args,
    ok,
    read_manifest,
    refused,
    run,
    start_node,
)

from backend.chain.deployment import ABI_DIR, abi_sha256, load_deployment, manifest_path

COIN = 10**18
DAY = 86400
CONFIG = yaml.safe_load((ROOT / "config" / "deployment.yaml").read_text())


def dev_account(node, index: int) -> str:
    return node.web3.eth.accounts[index]


def assert_configured_as_default(node, manifest: dict) -> None:
    """The chain holds exactly what config/deployment.yaml asks for."""
    c = contracts(node, manifest)
    coin, registry, redemption = c["ServiceCoin"].functions, c["ActivityRegistry"].functions, c["Redemption"].functions
    assert coin.name().call() == CONFIG["coin"]["name"] and coin.symbol().call() == CONFIG["coin"]["symbol"]
    assert coin.registry().call() == manifest["contracts"]["ActivityRegistry"]["address"]
    assert coin.redemption().call() == manifest["contracts"]["Redemption"]["address"]
    assert redemption.wonPerCoin().call() == CONFIG["won_per_coin"] == 200
    assert registry.revocationWindow().call() == CONFIG["revocation_window_days"] * DAY
    assert registry.maxRewardPerActivity().call() == CONFIG["max_coins_per_activity"] * COIN == 50 * COIN
    for contract in (coin, registry, redemption):
        assert contract.defaultAdminDelay().call() == CONFIG["admin_transfer_delay_days"] * DAY == 2 * DAY
        assert contract.defaultAdmin().call() == dev_account(node, 0)
    for key, cat in CONFIG["categories"].items():
        coins_per_block, units, max_units, version, active = registry.categoryRule(cat["id"]).call()
        assert (coins_per_block, units, max_units, version, active) == (
            int(Decimal(str(cat["coins"])) * COIN),
            cat["units_per_block"], cat["max_units"], 1, True,
        ), key
    assert registry.rewardFor(1, 60).call() == 3 * COIN  # Seocho: an hour of volunteering is 3 coins
    assert registry.centreCount().call() == len(CONFIG["centres"])
    for i, centre in enumerate(CONFIG["centres"]):
        cap, _, _, period, active = registry.centre(i + 1).call()
        assert (cap, period, active) == (centre["cap"] * COIN, centre["period_days"] * DAY, True)
        role = registry.coordinatorRole(i + 1).call()
        for ref in centre["coordinators"]:
            assert registry.hasRole(role, dev_account(node, int(ref.split(":")[1]))).call()
    # Centre 1's coordinator is not centre 2's.
    assert not registry.hasRole(registry.coordinatorRole(2).call(), dev_account(node, 1)).call()
    for listing, role_fn in (("providers", redemption.PROVIDER_ROLE), ("charities", redemption.CHARITY_ROLE)):
        for member in CONFIG[listing]:
            assert redemption.hasRole(role_fn().call(), dev_account(node, int(member["address"].split(":")[1]))).call()


@pytest.mark.parametrize("node_name", ["anvil", "ganache"])
def test_deploy_configures_the_chain_and_writes_the_manifest(request, node_name, manifest_dir):
    node = request.getfixturevalue(node_name)
    chain_id = ANVIL_CHAIN_ID if node_name == "anvil" else GANACHE_CHAIN_ID
    out = ok(run("deploy", *dev_args(node, manifest_dir)))
    assert f"chain id {chain_id}" in out and "Done. Manifest:" in out

    manifest = read_manifest(manifest_dir, chain_id)
    assert manifest["schema"] == 1 and manifest["status"] == "complete" and manifest["chainId"] == chain_id
    assert manifest["deployer"] == manifest["admin"] == dev_account(node, 0)
    assert manifest["compiler"]["solc"].startswith("0.8.28") and manifest["compiler"]["evmVersion"] == "shanghai"
    assert manifest["compiler"]["optimizer"] == {"enabled": True, "runs": 100000}
    coin_tx = node.web3.eth.get_transaction_receipt(manifest["contracts"]["ServiceCoin"]["transaction"])
    assert coin_tx["blockNumber"] == manifest["deploymentBlock"]
    assert node.web3.eth.get_block(manifest["deploymentBlock"])["hash"].hex().removeprefix("0x") == \
        manifest["deploymentBlockHash"].removeprefix("0x")
    for name, entry in manifest["contracts"].items():
        receipt = node.web3.eth.get_transaction_receipt(entry["transaction"])
        assert receipt["contractAddress"] == entry["address"] and receipt["blockNumber"] == entry["block"]
        code = bytes(node.web3.eth.get_code(entry["address"]))
        assert code and hashlib.sha256(code).hexdigest() == entry["runtimeCodeSha256"]
        build_abi = json.loads((ROOT / "build" / "contracts" / f"{name}.json").read_text())["abi"]
        assert entry["abiSha256"] == abi_sha256(build_abi) == abi_sha256(json.loads((ABI_DIR / f"{name}.json").read_text()))
        assert entry["abi"] == f"backend/chain/abi/{name}.json"
    assert [c["key"] for c in manifest["config"]["centres"]] == [c["key"] for c in CONFIG["centres"]]
    # The display names in Korean (and the categories' in English) stay off-chain, in the manifest.
    assert [c["name_ko"] for c in manifest["config"]["centres"]] == ["서초구 자원봉사센터", "반포 주민센터 봉사단"]
    assert [(c["name"], c["name_ko"]) for c in manifest["config"]["categories"]] == [
        ("Volunteering", "자원봉사"), ("Class", "강좌 수강"), ("Recycling", "재활용"),
        ("Community reward", "공동체 기여")]
    assert [m["name_ko"] for m in manifest["config"]["providers"]] == ["복지관 체력단련실", "복지관 구내식당"]
    assert manifest["config"]["charities"][0]["name_ko"] == "이웃사랑 푸드뱅크"
    assert manifest["config"]["centres"][0]["coordinators"] == [dev_account(node, 1)]
    assert len(manifest["configuration"]) == 11  # one recorded transaction per configuration step
    assert_configured_as_default(node, manifest)

    # The backend's loader accepts it.
    deployment = load_deployment(manifest_dir / f"{chain_id}.json")
    assert deployment.chain_id == chain_id and deployment.registry.address == manifest["contracts"]["ActivityRegistry"]["address"]


def test_rerun_changes_nothing_and_says_so(anvil, manifest_dir):
    ok(run("deploy", *dev_args(anvil, manifest_dir)))
    path = manifest_dir / f"{ANVIL_CHAIN_ID}.json"
    before, block = path.read_bytes(), anvil.block
    out = ok(run("deploy", *dev_args(anvil, manifest_dir)))
    assert "The chain matches the config." in out and "Nothing changed." in out
    assert anvil.block == block and path.read_bytes() == before
    ok(run("deploy", *dev_args(anvil, manifest_dir), "--check"))


def test_rerun_reports_drift_and_sync_applies_it(anvil, manifest_dir, tmp_path):
    ok(run("deploy", *dev_args(anvil, manifest_dir)))
    config = copy_config(tmp_path, lambda d: (d["centres"][0].update(cap=60000), d["centres"][1]["coordinators"].append("dev:7")))
    block = anvil.block
    out = ok(run("deploy", *dev_args(anvil, manifest_dir), "--config", str(config)))
    assert "differs from" in out and "would set centre 1 (seocho-volunteer-centre) cap to 60,000 coins" in out
    assert f"would add coordinator {dev_account(anvil, 7)} to centre 2" in out and "Nothing changed." in out
    assert anvil.block == block
    refused(run("deploy", *dev_args(anvil, manifest_dir), "--config", str(config), "--check"))

    out = ok(run("deploy", *dev_args(anvil, manifest_dir), "--config", str(config), "--sync"))
    assert anvil.block == block + 2
    registry = contracts(anvil, read_manifest(manifest_dir, ANVIL_CHAIN_ID))["ActivityRegistry"].functions
    assert registry.centre(1).call()[0] == 60000 * COIN
    assert registry.hasRole(registry.coordinatorRole(2).call(), dev_account(anvil, 7)).call()
    assert "The chain matches the config." in ok(run("deploy", *dev_args(anvil, manifest_dir), "--config", str(config)))


def test_changed_names_are_reported_and_sync_writes_them_without_a_transaction(anvil, manifest_dir, tmp_path):
    ok(run("deploy", *dev_args(anvil, manifest_dir)))
    config = copy_config(tmp_path, lambda d: (d["centres"][1].update(name_ko="반포 봉사단"),
                                              d["categories"]["class"].update(name="Classes")))
    block = anvil.block
    out = ok(run("deploy", *dev_args(anvil, manifest_dir), "--config", str(config)))
    assert "The chain matches the config." in out and "--sync writes them" in out
    assert "centres banpo-community-centre name_ko '반포 주민센터 봉사단' → '반포 봉사단'" in out
    assert "categories class name 'Class' → 'Classes'" in out
    assert read_manifest(manifest_dir, ANVIL_CHAIN_ID)["config"]["centres"][1]["name_ko"] == "반포 주민센터 봉사단"

    out = ok(run("deploy", *dev_args(anvil, manifest_dir), "--config", str(config), "--sync"))
    assert "Names written to the manifest (off-chain, no transaction)" in out and anvil.block == block
    manifest = read_manifest(manifest_dir, ANVIL_CHAIN_ID)
    assert manifest["config"]["centres"][1]["name_ko"] == "반포 봉사단"
    assert manifest["config"]["categories"][1]["name"] == "Classes"
    assert manifest["config"]["sha256"] == hashlib.sha256(config.read_bytes()).hexdigest()
    assert "--sync writes them" not in ok(run("deploy", *dev_args(anvil, manifest_dir), "--config", str(config)))


def test_the_bound_on_rules_is_fixed_and_the_admin_delay_changes_only_after_a_wait(anvil, manifest_dir, tmp_path):
    ok(run("deploy", *dev_args(anvil, manifest_dir)))
    block = anvil.block
    config = copy_config(tmp_path, lambda d: d.update(max_coins_per_activity=80))
    err = refused(run("deploy", *dev_args(anvil, manifest_dir), "--config", str(config), "--sync"))
    assert "bounds an activity's reward at 50 coins" in err and "it is fixed at deployment" in err
    assert anvil.block == block

    config = copy_config(tmp_path, lambda d: d.update(admin_transfer_delay_days=3))
    out = ok(run("deploy", *dev_args(anvil, manifest_dir), "--config", str(config), "--sync"))
    assert "change the admin transfer delay of ServiceCoin to 3 days" in out and anvil.block == block + 3
    for contract in contracts(anvil, read_manifest(manifest_dir, ANVIL_CHAIN_ID)).values():
        assert contract.functions.defaultAdminDelay().call() == 2 * DAY  # not yet: a longer delay waits its own length
        assert contract.functions.pendingDefaultAdminDelay().call()[0] == 3 * DAY
    # Scheduled is what the config asks for: nothing more to send.
    assert "The chain matches the config." in ok(run("deploy", *dev_args(anvil, manifest_dir), "--config", str(config)))


def test_fresh_deploys_anew(anvil, manifest_dir):
    ok(run("deploy", *dev_args(anvil, manifest_dir)))
    first = read_manifest(manifest_dir, ANVIL_CHAIN_ID)
    ok(run("deploy", *dev_args(anvil, manifest_dir), "--fresh"))
    second = read_manifest(manifest_dir, ANVIL_CHAIN_ID)
    for name in first["contracts"]:
        assert second["contracts"][name]["address"] != first["contracts"][name]["address"]
        assert anvil.web3.eth.get_code(first["contracts"][name]["address"])  # the old deployment is left as it was
    assert second["deploymentBlock"] > first["deploymentBlock"]
    assert_configured_as_default(anvil, second)


def test_a_manifest_of_a_reset_chain_is_replaced(manifest_dir):
    """Anvil restarted: the manifest's block and contracts are gone (or are other ones at the same addresses)."""
    node = start_node("anvil")
    try:
        ok(run("deploy", *dev_args(node, manifest_dir)))
    finally:
        node.stop()
    old = read_manifest(manifest_dir, ANVIL_CHAIN_ID)
    node = start_node("anvil")
    try:
        node.web3.provider.make_request("anvil_mine", [3])  # a different history
        refused(run("deploy", *dev_args(node, manifest_dir), "--check"))
        out = ok(run("deploy", *dev_args(node, manifest_dir)))
        assert "describes a chain that is gone" in out
        new = read_manifest(manifest_dir, ANVIL_CHAIN_ID)
        assert new["deploymentBlockHash"] != old["deploymentBlockHash"]
        assert_configured_as_default(node, new)
    finally:
        node.stop()


def test_an_interrupted_configuration_is_resumed(anvil, manifest_dir):
    """A crash after the contracts were deployed leaves status "configuring" and part of the roles; the next run
    sends only what is missing."""
    ok(run("deploy", *dev_args(anvil, manifest_dir)))
    path = manifest_dir / f"{ANVIL_CHAIN_ID}.json"
    manifest = json.loads(path.read_text())
    manifest["status"] = "configuring"
    path.write_text(json.dumps(manifest))
    redemption = contracts(anvil, manifest)["Redemption"]
    charity = dev_account(anvil, 5)
    tx = redemption.functions.revokeRole(redemption.functions.CHARITY_ROLE().call(), charity).transact({"from": dev_account(anvil, 0)})
    anvil.web3.eth.wait_for_transaction_receipt(tx)
    refused(run("deploy", *dev_args(anvil, manifest_dir), "--check"))

    block = anvil.block
    out = ok(run("deploy", *dev_args(anvil, manifest_dir)))
    assert "resuming" in out and f"add charity neighbour-love-food-bank {charity}" in out
    assert anvil.block == block + 1  # the missing role only
    assert read_manifest(manifest_dir, ANVIL_CHAIN_ID)["status"] == "complete"
    assert_configured_as_default(anvil, read_manifest(manifest_dir, ANVIL_CHAIN_ID))


@pytest.mark.brownie_port
def test_brownie_run_entry_point(anvil, manifest_dir, tmp_path):
    """`brownie run scripts/deploy.py` works too, with its options from the environment.

    Brownie 1.22 imports a script by the dotted form of its absolute path, so it fails in any checkout below a
    directory whose name has a dot (e.g. bash's `mktemp -d` gives /tmp/tmp.XXXX). The test therefore runs it in a
    copy of the project under pytest's dot-free temporary directory; docs/deployment.md says so for users."""
    import subprocess

    from deploy_helpers import command_env

    project = tmp_path / "project"
    for name in ("contracts", "interfaces", "scripts", "backend", "config", "build"):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__", "deployments"))
    shutil.copy(ROOT / "brownie-config.yaml", project)
    (project / "node_modules").symlink_to(ROOT / "node_modules")
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "brownie"), "run", "scripts/deploy.py", "--network", "development"],
        cwd=project, capture_output=True, text=True, timeout=600,
        env=command_env(VB_DEPLOYMENTS_DIR=str(manifest_dir)),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = read_manifest(manifest_dir, ANVIL_CHAIN_ID)
    assert manifest["status"] == "complete" and manifest["network"] == "development"


# ------------------------------------------------------------------------------------------ bad configs


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["centres"][0].update(coordinators=["0x1234"]), "centres[0].coordinators[0]: '0x1234' is not an address"),
        (lambda d: d["centres"][0].update(coordinators=["0x" + "0" * 40]), "the zero address cannot hold a role"),
        (lambda d: d["providers"][0].update(address="0x70997970c51812dc3a010c7d01b50e0d17dc79C8"), "wrong checksum"),
        (lambda d: d["centres"][1].update(cap=-5), "centres[1].cap: must be zero coins or more"),
        (lambda d: d["centres"][0].update(capp=5), "centres[0]: unknown key capp"),
        (lambda d: d["categories"]["class"].update(id=1), "categories.class.id: 1 is also the id of volunteering"),
        (lambda d: d["categories"]["recycling"].update(coins="0.0000000000000000001"), "more than 18 decimals"),
        (lambda d: d["centres"][0].update(period_days=0), "centres[0].period_days: must be between 1"),
        (lambda d: d.pop("centres"), "missing centres"),
        (lambda d: d["centres"][1].update(key="seocho-volunteer-centre"), "'seocho-volunteer-centre' appears twice"),
        (lambda d: d["centres"][0].update(name_ko=""), "centres[0].name_ko: expected a non-empty text"),
        (lambda d: d["charities"][0].update(name_kr="푸드뱅크"), "charities[0]: unknown key name_kr"),
        (lambda d: d["categories"]["class"].update(name_ko=7), "categories.class.name_ko: expected a non-empty text"),


        (lambda d: d["categories"]["volunteering"].update(max_units=1200),
         "categories.volunteering: one activity could earn 60 coins (1200 units), above max_coins_per_activity (50)"),
        (lambda d: d.pop("admin_transfer_delay_days"), "missing admin_transfer_delay_days"),
        (lambda d: d.update(admin_transfer_delay_days=-1), "admin_transfer_delay_days: must be between 0 and 365"),
        (lambda d: d.update(max_coins_per_activity=0), "max_coins_per_activity: must be more than zero coins"),
    ],
)
def test_a_bad_config_is_refused_before_anything_is_sent(anvil, manifest_dir, tmp_path, edit, message):
    config = copy_config(tmp_path, edit)
    block = anvil.block
    err = refused(run("deploy", *dev_args(anvil, manifest_dir), "--config", str(config)))
    assert message in err
    assert anvil.block == block and not list(manifest_dir.iterdir())


def test_no_config_file(anvil, manifest_dir, tmp_path):
    err = refused(run("deploy", *dev_args(anvil, manifest_dir), "--config", str(tmp_path / "missing.yaml")))
    assert "cannot read the deployment config" in err


def test_unknown_network_and_unreachable_node(manifest_dir):
    assert "unknown network 'mainnet-typo'" in refused(run("deploy", "--network", "mainnet-typo", "--manifest-dir", str(manifest_dir)))
    err = refused(run("deploy", "--network", "sepolia", "--manifest-dir", str(manifest_dir)))
    assert "SEPOLIA_RPC_URL" in err


def test_manifest_path_and_loader_refuse_a_foreign_abi(anvil, manifest_dir, tmp_path):
    ok(run("deploy", *dev_args(anvil, manifest_dir)))
    abi_dir = tmp_path / "abi"
    shutil.copytree(ABI_DIR, abi_dir)
    abi = json.loads((abi_dir / "Redemption.json").read_text())
    (abi_dir / "Redemption.json").write_text(json.dumps(abi[:-1]))
    from backend.chain.deployment import ManifestError

    with pytest.raises(ManifestError, match="ABI of Redemption .* is not the one deployed"):
        load_deployment(manifest_path(ANVIL_CHAIN_ID, manifest_dir), abi_dir)
    with pytest.raises(ManifestError, match="no deployment manifest"):
        load_deployment(manifest_path(5, manifest_dir))


def test_admin_commands_on_ganache(ganache, manifest_dir):
    ok(run("deploy", *dev_args(ganache, manifest_dir)))
    out = ok(run("admin", "set-cap", "2", "12345", *dev_args(ganache, manifest_dir)))
    assert f"chain id {GANACHE_CHAIN_ID}" in out and "tx 0x" in out
    ok(run("admin", "grant-coordinator", "2", "dev:6", *dev_args(ganache, manifest_dir)))
    registry = contracts(ganache, read_manifest(manifest_dir, GANACHE_CHAIN_ID))["ActivityRegistry"].functions
    assert registry.centre(2).call()[0] == 12345 * COIN
    assert registry.hasRole(registry.coordinatorRole(2).call(), dev_account(ganache, 6)).call()
    err = refused(run("admin", "grant-coordinator", "3", "dev:6", *dev_args(ganache, manifest_dir)))
    assert "centre 3 does not exist" in err
