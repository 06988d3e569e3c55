"""Deploys the volunteer bank and configures it from a reviewed config file; writes deployments/<chainId>.json.

    tools/deploy [--network development|ganache-cli|sepolia|live] [--config FILE] [--fresh] [--sync] [--check] [--yes]
    brownie run scripts/deploy.py [--network …]      (options from env: VB_CONFIG, VB_FRESH=1, VB_SYNC=1, VB_YES=1)

Re-running on a chain whose deployment is in the manifest sends nothing: it checks the contracts are still there
and reports where the chain differs from the config (--sync applies those differences, --fresh deploys anew).
A deployment interrupted while configuring is resumed by the next run. See README, "Deploy to a testnet".
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from backend.chain.deployment import (  # noqa: E402
    CONTRACT_NAMES,
    MANIFEST_SCHEMA,
    ManifestError,
    abi_sha256,
    export_abi,
    manifest_path,
    read_manifest,
    write_json_atomic,
)
from backend.domain.activities import coins  # noqa: E402
from scripts.core import DAY, deploy_core  # noqa: E402
from scripts.deploy_config import ConfigError, DeploymentConfig, load_config  # noqa: E402
from scripts.session import (  # noqa: E402
    CommandError,
    Session,
    add_network_arguments,
    close_session,
    open_session,
    revert_reason,
)

DEFAULT_CONFIG = ROOT / "config" / "deployment.yaml"


def per(count: int, unit: str) -> str:
    """"60 minutes", "1 class", "2 classes"."""
    if count == 1:
        return f"1 {unit}"
    return f"{count} {unit}{'es' if unit.endswith(('s', 'sh', 'ch', 'x')) else 's'}"


@dataclass
class Step:
    """One configuration transaction: what it does, in words, and how to send it."""

    description: str
    send: Callable[[dict], Any]


# ----------------------------------------------------------------------------------------------- planning


def plan_configuration(session: Session, config: DeploymentConfig, coin, registry, redemption) -> list[Step]:
    """The transactions that bring the chain to the config; empty when it already matches. Reads the chain only."""
    steps: list[Step] = []
    admin_role = registry.DEFAULT_ADMIN_ROLE()

    if int(registry.revocationWindow()) != config.revocation_window_seconds:
        # Fixed at deployment (it is the coin's lock period), so no transaction can change it.
        raise CommandError(f"the deployed revocation window is {int(registry.revocationWindow()) // DAY} days and "
                           f"{config.path} says {config.revocation_window_days}: it is fixed at deployment; deploy "
                           "anew (--fresh) or keep the deployed window in the configuration")
    if int(registry.maxRewardPerActivity()) != config.max_reward_per_activity:
        raise CommandError(f"the deployed registry bounds an activity's reward at {coins(int(registry.maxRewardPerActivity()))} "
                           f"and {config.path} says {coins(config.max_reward_per_activity)}: it is fixed at deployment; "
                           "deploy anew (--fresh) or keep the deployed bound in the configuration")
    delay = config.admin_transfer_delay_seconds
    for contract in (coin, registry, redemption):
        pending, effective_at = contract.pendingDefaultAdminDelay()
        if int(contract.defaultAdminDelay()) != delay and not (int(effective_at) != 0 and int(pending) == delay):
            # A change of the delay is scheduled, not immediate (OpenZeppelin's AccessControlDefaultAdminRules).
            steps.append(Step(f"change the admin transfer delay of {contract._name} to {config.admin_transfer_delay_days} "
                              "days (takes effect after a wait)",
                              lambda tx, c=contract: c.changeDefaultAdminDelay(delay, tx)))
    if int(redemption.wonPerCoin()) != config.won_per_coin:
        steps.append(Step(f"set settlement rate to {config.won_per_coin} won per coin",
                          lambda tx: redemption.setWonPerCoin(config.won_per_coin, tx)))

    for cat in config.categories:
        rule = registry.categoryRule(cat.id)
        wanted = (cat.coins_per_block, cat.units_per_block, cat.max_units, cat.active)
        if (int(rule[0]), int(rule[1]), int(rule[2]), bool(rule[4])) != wanted:
            desc = (f"set category {cat.id} ({cat.key}): {coins(cat.coins_per_block)} per {per(cat.units_per_block, cat.unit)}, "
                    f"at most {per(cat.max_units, cat.unit)}{'' if cat.active else ', inactive'}")
            steps.append(Step(desc, lambda tx, c=cat: registry.setCategoryRule(
                c.id, c.coins_per_block, c.units_per_block, c.max_units, c.active, tx)))

    centre_count = int(registry.centreCount())
    for index, centre in enumerate(config.centres):
        centre_id = index + 1
        label = f"centre {centre_id} ({centre.key})"
        if centre_id > centre_count:
            steps.append(Step(f"add {label}: cap {coins(centre.cap)} per {centre.period_days} days",
                              lambda tx, c=centre: registry.addCentre(c.cap, c.period_seconds, tx)))
            on_chain_active = True
            missing = [session.resolve(a) for a in centre.coordinators]
        else:
            cap, _, _, period, on_chain_active = registry.centre(centre_id)
            if (int(cap), int(period)) != (centre.cap, centre.period_seconds):
                steps.append(Step(f"set {label} cap to {coins(centre.cap)} per {centre.period_days} days",
                                  lambda tx, i=centre_id, c=centre: registry.setCentreCap(i, c.cap, c.period_seconds, tx)))
            role = registry.coordinatorRole(centre_id)
            missing = [a for a in map(session.resolve, centre.coordinators) if not registry.hasRole(role, a)]
        if bool(on_chain_active) != centre.active:
            steps.append(Step(f"{'activate' if centre.active else 'deactivate'} {label}",
                              lambda tx, i=centre_id, a=centre.active: registry.setCentreActive(i, a, tx)))
        for address in missing:
            steps.append(Step(f"add coordinator {address} to {label}",
                              lambda tx, i=centre_id, a=address: registry.addCoordinator(i, a, tx)))

    for members, role_name, label in ((config.providers, "PROVIDER_ROLE", "provider"),
                                      (config.charities, "CHARITY_ROLE", "charity")):
        role = getattr(redemption, role_name)()
        for member in members:
            address = session.resolve(member.address)
            if not redemption.hasRole(role, address):
                steps.append(Step(f"add {label} {member.key} {address}",
                                  lambda tx, r=role, a=address: redemption.grantRole(r, a, tx)))

    # The deployer must be able to send all of the above.
    if steps and not all(c.hasRole(admin_role, session.signer) for c in (coin, registry, redemption)):
        raise CommandError(f"{session.signer.address} is not the admin of this deployment, so it cannot configure it; "
                           "sign with the admin account (--account / VB_KEYSTORE)")
    return steps


def run_steps(session: Session, steps: list[Step], out) -> list[dict]:
    done = []
    for step in steps:
        print(f"  {step.description}", file=out, flush=True)
        try:
            with session.quiet():
                receipt = step.send(session.tx())
        except Exception as exc:  # a revert, a dropped connection: say which step, keep what is done
            raise CommandError(f"failed to {step.description}: {revert_reason(exc)}") from None
        print(f"      tx {receipt.txid}  block {receipt.block_number}", file=out)
        done.append({"action": step.description, "tx": receipt.txid, "block": receipt.block_number})
    return done


# ----------------------------------------------------------------------------------------------- manifest


def _resolved_config(session: Session, config: DeploymentConfig) -> dict:
    """The configuration as deployed, with dev:N resolved; off-chain names (English `name`, Korean `name_ko`, null
    when the config gives none) stay here for the backend."""
    return {
        "path": os.path.relpath(config.path, ROOT) if os.path.isabs(config.path) else config.path,
        "sha256": config.sha256,
        "coin": {"name": config.coin_name, "symbol": config.coin_symbol, "decimals": 18},
        "wonPerCoin": config.won_per_coin,
        "revocationWindowSeconds": config.revocation_window_seconds,
        "adminTransferDelaySeconds": config.admin_transfer_delay_seconds,
        "maxRewardPerActivity": str(config.max_reward_per_activity),
        "categories": [
            {"key": c.key, "id": c.id, "unit": c.unit, "name": c.name, "name_ko": c.name_ko,
             "coinsPerBlock": str(c.coins_per_block), "unitsPerBlock": c.units_per_block, "maxUnits": c.max_units,
             "active": c.active}
            for c in config.categories
        ],
        "centres": [
            {"id": i + 1, "key": c.key, "name": c.name, "name_ko": c.name_ko, "cap": str(c.cap), "periodSeconds": c.period_seconds,
             "active": c.active, "coordinators": [session.resolve(a) for a in c.coordinators]}
            for i, c in enumerate(config.centres)
        ],
        "providers": [{"key": m.key, "name": m.name, "name_ko": m.name_ko, "address": session.resolve(m.address)}
                      for m in config.providers],
        "charities": [{"key": m.key, "name": m.name, "name_ko": m.name_ko, "address": session.resolve(m.address)}
                      for m in config.charities],
    }


NAME_FIELDS = ("name", "name_ko")


def sync_names(recorded: dict, wanted: dict, *, write: bool) -> list[str]:
    """The display names (off-chain) in which the manifest's config `recorded` differs from the config file's
    `wanted`, for the centres and categories (by id) and providers and charities (by address) both name; written
    into `recorded` when `write`. Entries only one of them has (e.g. added with tools/admin) are left alone."""
    changed = []
    for listing, ident in (("centres", "id"), ("categories", "id"), ("providers", "address"), ("charities", "address")):
        targets = {entry[ident]: entry for entry in recorded.get(listing, [])}
        for entry in wanted.get(listing, []):
            target = targets.get(entry[ident])
            if target is None:
                continue
            for field in NAME_FIELDS:
                if field in entry and target.get(field) != entry[field]:
                    changed.append(f"{listing} {entry['key']} {field} {target.get(field)!r} → {entry[field]!r}")
                    if write:
                        target[field] = entry[field]
    return changed


def compiled_abi(name: str) -> list[dict]:
    """The ABI exactly as the compiler wrote it (Brownie's in-memory copy has additions, e.g. a constructor name)."""
    return json.loads((ROOT / "build" / "contracts" / f"{name}.json").read_text(encoding="utf-8"))["abi"]


def build_manifest(session: Session, config: DeploymentConfig, core, block_hash: str) -> dict:
    from brownie import web3

    contracts, compiler = {}, None
    for name, contract in zip(CONTRACT_NAMES, (core.coin, core.registry, core.redemption), strict=True):
        build = contract._build
        compiler = compiler or build["compiler"]
        abi = compiled_abi(name)
        abi_file = export_abi(name, abi)
        contracts[name] = {
            "address": contract.address,
            "transaction": contract.tx.txid,
            "block": contract.tx.block_number,
            "abi": os.path.relpath(abi_file, ROOT),
            "abiSha256": abi_sha256(abi),
            "runtimeCodeSha256": _code_hash(web3, contract.address),
        }
    first = contracts["ServiceCoin"]
    return {
        "schema": MANIFEST_SCHEMA,
        "status": "configuring",
        "network": session.network,
        "chainId": session.chain_id,
        "deployer": session.signer.address,
        "admin": session.signer.address,
        "deploymentBlock": first["block"],
        "deploymentBlockHash": block_hash,
        "deployedAt": datetime.now(UTC).isoformat(timespec="seconds"),
        "compiler": {
            "solc": compiler["version"],
            "evmVersion": compiler["evm_version"],
            "optimizer": compiler["optimizer"],
            "viaIR": True,
        },
        "contracts": contracts,
        "config": _resolved_config(session, config),
        "configuration": [],
        "adminLog": [],
    }


def _code_hash(web3, address: str) -> str:
    import hashlib

    return hashlib.sha256(bytes(web3.eth.get_code(address))).hexdigest()


def check_deployment(session: Session, manifest: dict) -> list[str]:
    """Why the manifest does not describe this chain (empty when it does)."""
    from brownie import web3

    problems = []
    if int(manifest.get("chainId", -1)) != session.chain_id:
        return [f"the manifest is for chain {manifest.get('chainId')}, the node is chain {session.chain_id}"]
    block = int(manifest["deploymentBlock"])
    if block > web3.eth.block_number:
        return [f"the chain has no block {block} yet (it was reset?)"]
    if web3.eth.get_block(block)["hash"].hex().removeprefix("0x") != manifest["deploymentBlockHash"].removeprefix("0x"):
        return [f"block {block} is not the one the contracts were deployed in (the chain was reset or reorganised)"]
    for name in CONTRACT_NAMES:
        entry = manifest["contracts"][name]
        if _code_hash(web3, entry["address"]) != entry["runtimeCodeSha256"]:
            problems.append(f"{name} at {entry['address']} has other code than was deployed")
    return problems


def contracts_from_manifest(session: Session, manifest: dict):
    """Brownie contract objects for the manifest's addresses, with the manifest's ABIs."""
    from brownie import Contract

    out = []
    for name in CONTRACT_NAMES:
        entry = manifest["contracts"][name]
        abi = compiled_abi(name)
        if abi_sha256(abi) != entry["abiSha256"]:
            raise CommandError(
                f"the compiled {name} differs from the one deployed at {entry['address']} (the contracts changed "
                "since); deploy anew with --fresh"
            )
        out.append(Contract.from_abi(name, entry["address"], abi))
    return out


# ----------------------------------------------------------------------------------------------- the command


def deploy(args: argparse.Namespace, session: Session, config: DeploymentConfig, out=sys.stdout) -> int:
    path = manifest_path(session.chain_id, args.manifest_dir)
    # Resolve every address before sending anything: a dev:N on a live network is refused here.
    for address in config.addresses():
        session.resolve(address)

    from brownie import web3

    balance = web3.eth.get_balance(session.signer.address)
    print("Volunteer Bank deployment", file=out)
    print(f"  {session.describe()}", file=out)
    print(f"  signer    {session.signer.address} ({Decimal(balance) / 10**18:.4f} ETH)", file=out)
    print(f"  config    {os.path.relpath(config.path, ROOT) if os.path.isabs(config.path) else config.path} "
          f"(sha256 {config.sha256[:12]}…)", file=out)
    print(f"  manifest  {path}", file=out)

    manifest = None if args.fresh else read_manifest(path)
    if manifest is not None:
        problems = check_deployment(session, manifest)
        if problems:
            reasons = "; ".join(problems)
            if session.live or args.check:
                raise CommandError(f"{path} does not describe this chain: {reasons}. Check the RPC URL, or deploy anew with --fresh")
            print(f"\nThe manifest describes a chain that is gone ({reasons}); deploying afresh.", file=out)
            manifest = None

    if manifest is None and args.check:
        raise CommandError(f"no deployment on chain {session.chain_id} (no manifest at {path})")

    if manifest is None:
        if balance == 0:
            raise CommandError(f"the signer {session.signer.address} has no ETH to pay for gas; fund it first (e.g. from a faucet)")
        session.confirm(f"deploy the contracts and configure them from {config.path}", out)
        print("\nDeploying contracts", file=out)
        try:
            with session.quiet():
                core = deploy_core(
                    session.project,
                    session.signer,
                    name=config.coin_name,
                    symbol=config.coin_symbol,
                    revocation_window=config.revocation_window_seconds,
                    won_per_coin=config.won_per_coin,
                    admin_delay=config.admin_transfer_delay_seconds,
                    max_reward_per_activity=config.max_reward_per_activity,
                    tx_params={k: v for k, v in session.tx().items() if k != "from"},
                )
        except Exception as exc:
            raise CommandError(f"deployment failed, nothing usable was left behind: {revert_reason(exc)}") from None
        for name, contract in zip(CONTRACT_NAMES, (core.coin, core.registry, core.redemption), strict=True):
            print(f"  {name:<17} {contract.address}  tx {contract.tx.txid}  block {contract.tx.block_number}", file=out)
        block_hash = web3.eth.get_block(core.coin.tx.block_number)["hash"].hex()
        manifest = build_manifest(session, config, core, block_hash)
        write_json_atomic(path, manifest)  # from here on a crash is resumed by the next run
        coin, registry, redemption = core.coin, core.registry, core.redemption
        apply = True
    else:
        coin, registry, redemption = contracts_from_manifest(session, manifest)
        resuming = manifest.get("status") != "complete"
        apply = (resuming or args.sync) and not args.check
        print(f"\nDeployed on chain {session.chain_id} at block {manifest['deploymentBlock']} "
              f"({manifest.get('deployedAt', '?')}):", file=out)
        for name in CONTRACT_NAMES:
            print(f"  {name:<17} {manifest['contracts'][name]['address']}", file=out)
        if resuming:
            print("The last run stopped while configuring; resuming.", file=out)

    was_complete = manifest.get("status") == "complete"
    if args.check and not was_complete:
        raise CommandError(f"the deployment in {path} was interrupted while configuring; re-run tools/deploy to finish it")
    steps = plan_configuration(session, config, coin, registry, redemption)
    if steps and apply:
        session.confirm(f"send {len(steps)} configuration transaction(s)", out)
        print(f"\nConfiguring ({len(steps)} transactions)", file=out)
        try:
            manifest["configuration"] += run_steps(session, steps, out)
        finally:
            manifest["config"] = _resolved_config(session, config)
            write_json_atomic(path, manifest)
    elif steps:
        print(f"\nThe chain differs from {config.path} in {len(steps)} place(s):", file=out)
        for step in steps:
            print(f"  would {step.description}", file=out)
        print("Apply with --sync (or tools/admin), or deploy anew with --fresh.", file=out)
    elif was_complete:
        print("\nThe chain matches the config.", file=out)
        wanted = _resolved_config(session, config)
        renamed = sync_names(manifest["config"], wanted, write=apply)
        if renamed and apply:
            manifest["config"].update(path=wanted["path"], sha256=wanted["sha256"])  # the file now fully applied
            write_json_atomic(path, manifest)
            print(f"Names written to the manifest (off-chain, no transaction): {'; '.join(renamed)}.", file=out)
            return 0
        if renamed:
            print(f"The manifest's names differ from {config.path}: {'; '.join(renamed)}. --sync writes them.", file=out)

    if was_complete and not (steps and apply):
        print("Nothing changed. (--sync applies the config to this deployment; --fresh deploys anew.)", file=out)
        return 1 if (args.check and steps) else 0
    manifest["status"] = "complete"
    write_json_atomic(path, manifest)
    print(f"\nDone. Manifest: {path}", file=out)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tools/deploy", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default=os.environ.get("VB_CONFIG", str(DEFAULT_CONFIG)),
                        help="the reviewed deployment config (default config/deployment.yaml, env VB_CONFIG)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--fresh", action="store_true", default=os.environ.get("VB_FRESH") == "1",
                      help="deploy anew even if the manifest has a deployment on this chain (env VB_FRESH=1)")
    mode.add_argument("--sync", action="store_true", default=os.environ.get("VB_SYNC") == "1",
                      help="apply where the chain differs from the config to the existing deployment (env VB_SYNC=1)")
    mode.add_argument("--check", action="store_true",
                      help="send nothing: exit 1 unless the chain holds the manifest's deployment, configured as the config says")
    add_network_arguments(parser)
    return parser


def cli(argv: list[str] | None = None, out=sys.stdout) -> int:
    args = build_parser().parse_args(argv)
    started = time.monotonic()
    try:
        config = load_config(args.config)  # a broken config is reported before connecting anywhere
        session = open_session(args)
        try:
            return deploy(args, session, config, out)
        finally:
            close_session()
    except (CommandError, ConfigError, ManifestError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        if os.environ.get("VB_TIMING"):
            print(f"({time.monotonic() - started:.1f} s)", file=sys.stderr)


def main() -> None:
    """Entry point for `brownie run scripts/deploy.py`: options come from the environment."""
    args = build_parser().parse_args([])
    from brownie import network

    args.network = network.show_active()
    try:
        session = open_session(args)
        code = deploy(args, session, load_config(args.config))
    except (CommandError, ConfigError, ManifestError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        code = 1
    if code:
        sys.exit(code)


if __name__ == "__main__":
    sys.exit(cli())
