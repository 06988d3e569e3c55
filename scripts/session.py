"""Connecting the deploy and admin commands to a network, with the account that signs.

Networks:
  development   Anvil (Brownie's default): attached if one is running at the URL, else launched (and stopped
                when the command ends).
  ganache-cli   Ganache 7, the same way.
  sepolia       The public testnet: RPC URL from SEPOLIA_RPC_URL (or --rpc-url), chain id 11155111.
  live          Any other node: RPC URL from VB_RPC_URL (or --rpc-url), expected chain id from VB_CHAIN_ID.
  (any network registered with `brownie networks add` works too)

On development networks the signer is an unlocked node account (dev:0 unless --account says otherwise). On live
networks it is an encrypted keystore: --account or VB_KEYSTORE names a keystore file or a Brownie account id,
VB_KEYSTORE_PASSWORD or VB_KEYSTORE_PASSWORD_FILE unlocks it (else it is asked for on a terminal). A private key
is never read from the repository or the command line.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scripts.deploy_config import DEV_ACCOUNT

ROOT = Path(__file__).resolve().parents[1]
SEPOLIA_CHAIN_ID = 11155111
LIVE_DEFAULT_CONFIRMATIONS = 2


class CommandError(RuntimeError):
    """A refusal with a message for the person at the terminal; nothing was sent."""


@dataclass
class Session:
    network: str
    chain_id: int
    live: bool
    host: str
    signer: Any  # a Brownie account
    confirmations: int
    fee_params: dict
    project: Any
    assume_yes: bool

    def tx(self, **extra) -> dict:
        """Transaction parameters for Brownie: the signer, fees, confirmations."""
        return {"from": self.signer, "required_confs": self.confirmations, **self.fee_params, **extra}

    @staticmethod
    def quiet():
        """Silences Brownie's narration of transactions; the commands print one line of their own for each."""
        return contextlib.redirect_stdout(io.StringIO())

    def resolve(self, address: str) -> str:
        """A configured address ("0x…" or "dev:N") as an address on this network."""
        m = DEV_ACCOUNT.match(address)
        if not m:
            return address
        if self.live:
            raise CommandError(
                f"{address!r} names an unlocked account of a local development chain; on the live network "
                f"{self.network!r} use real addresses"
            )
        return _unlocked_account(int(m.group(1)), repr(address)).address

    def describe(self) -> str:
        kind = "live network" if self.live else "local development chain"
        return f"network {self.network} ({kind}, chain id {self.chain_id}, {redact(self.host)})"

    def confirm(self, action: str, out=sys.stdout) -> None:
        """On a live network, asks before sending anything unless told not to (--yes / VB_YES=1)."""
        if not self.live or self.assume_yes:
            return
        if not sys.stdin.isatty():
            raise CommandError(f"refusing to {action} on live network {self.network!r} without confirmation; pass --yes")
        print(f"About to {action} on {self.describe()} as {self.signer.address}.", file=out)
        answer = input("Type the network name to go on: ").strip()
        if answer != self.network:
            raise CommandError("not confirmed; nothing was sent")


def redact(url: str) -> str:
    """The RPC URL without its path or query, which often carry an API key."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}{':' + str(parts.port) if parts.port else ''}" if parts.hostname else url


def add_network_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("network and signer")
    g.add_argument("--network", default=os.environ.get("VB_NETWORK", "development"),
                   help="development (Anvil, default), ganache-cli, sepolia, live, or a Brownie network id")
    g.add_argument("--rpc-url", default=None, help="node URL (default: the network's; live: VB_RPC_URL, sepolia: SEPOLIA_RPC_URL)")
    g.add_argument("--account", default=os.environ.get("VB_KEYSTORE"),
                   help="dev:N on a development chain, else a keystore file or Brownie account id (env VB_KEYSTORE)")
    g.add_argument("--confirmations", type=int, default=None,
                   help=f"blocks to wait for each transaction (default 1 on a development chain, {LIVE_DEFAULT_CONFIRMATIONS} live)")
    g.add_argument("--manifest-dir", default=None, help="where deployment manifests live (default deployments/, env VB_DEPLOYMENTS_DIR)")
    g.add_argument("--yes", "-y", action="store_true", default=os.environ.get("VB_YES") == "1",
                   help="do not ask for confirmation on a live network (env VB_YES=1)")


def _register_network(name: str, rpc_url: str | None) -> None:
    """Makes `name` known to Brownie for this process only (the user's ~/.brownie is left alone)."""
    from brownie._config import CONFIG

    if name == "sepolia":
        host = rpc_url or os.environ.get("SEPOLIA_RPC_URL")
        if not host:
            raise CommandError("sepolia needs an RPC URL: set SEPOLIA_RPC_URL (e.g. from Infura or Alchemy) or pass --rpc-url")
        CONFIG.networks["sepolia"] = {"id": "sepolia", "name": "Sepolia", "host": host, "chainid": SEPOLIA_CHAIN_ID}
    elif name == "live":
        host = rpc_url or os.environ.get("VB_RPC_URL")
        chain_id = os.environ.get("VB_CHAIN_ID")
        if not host or not chain_id:
            raise CommandError("the live network needs VB_RPC_URL (or --rpc-url) and VB_CHAIN_ID, the chain id you expect")
        if not chain_id.isdigit():
            raise CommandError(f"VB_CHAIN_ID must be a number, got {chain_id!r}")
        CONFIG.networks["live"] = {"id": "live", "name": "Live", "host": host, "chainid": int(chain_id)}
    elif name not in CONFIG.networks:
        known = ", ".join(sorted({"development", "ganache-cli", "sepolia", "live"}))
        raise CommandError(f"unknown network {name!r} (try {known}, or register one with `brownie networks add`)")
    else:
        net = CONFIG.networks[name]
        if rpc_url:
            net["host"] = rpc_url
            if "cmd" in net:
                port = urlsplit(rpc_url).port
                if port:
                    net.setdefault("cmd_settings", {})["port"] = port
        if net.get("cmd", "").split(" ")[0] in ("anvil", "ganache", "ganache-cli"):
            # A node Brownie launches has the development accounts (Brownie's own ganache-cli entry says "brownie").
            from backend.chain.keys import DEV_ACCOUNTS, DEV_MNEMONIC

            net.setdefault("cmd_settings", {}).update(mnemonic=DEV_MNEMONIC, accounts=DEV_ACCOUNTS)


def _unlocked_account(index: int, label: str):
    """The node's index-th unlocked account (dev:N), or a CommandError naming `label`. It must be dev_key(N), the
    account the backend signs with as dev:N: a node started with another mnemonic is refused here, before anything
    is sent, rather than deployed to with coordinators whose keys the backend does not have."""
    from brownie import accounts

    from backend.chain.keys import DEV_MNEMONIC, dev_key

    if index >= len(accounts):
        raise CommandError(f"{label}: the node has only {len(accounts)} unlocked accounts")
    expected = dev_key(index).address
    if accounts[index].address.lower() != expected.lower():
        raise CommandError(
            f"{label}: the node's account {index} is {accounts[index].address}, not dev:{index} = {expected}; the node "
            f"was not started with the development mnemonic {DEV_MNEMONIC!r} (see backend/chain/keys.py; "
            f"tools/run starts Anvil and Ganache with it)"
        )
    return accounts[index]


def _load_signer(session_live: bool, account: str | None):
    from brownie import accounts

    if account and (m := DEV_ACCOUNT.match(account)):
        if session_live:
            raise CommandError(f"--account {account}: dev accounts exist only on a local development chain")
        return _unlocked_account(int(m.group(1)), f"--account {account}")
    if not account:
        if session_live:
            raise CommandError("a live network needs a signer: set VB_KEYSTORE (keystore file or Brownie account id) or pass --account")
        return _unlocked_account(0, "the default signer dev:0")
    password = os.environ.get("VB_KEYSTORE_PASSWORD")
    password_file = os.environ.get("VB_KEYSTORE_PASSWORD_FILE")
    if password is None and password_file:
        try:
            password = Path(password_file).read_text().rstrip("\n")
        except OSError as exc:
            raise CommandError(f"VB_KEYSTORE_PASSWORD_FILE: cannot read {password_file}: {exc.strerror}") from None
    if password is None and not sys.stdin.isatty():
        raise CommandError("the keystore is locked: set VB_KEYSTORE_PASSWORD or VB_KEYSTORE_PASSWORD_FILE")
    try:
        return accounts.load(account, password=password)
    except FileNotFoundError:
        raise CommandError(f"no keystore {account!r} (neither a file nor a Brownie account id; see `brownie accounts list`)") from None
    except ValueError as exc:
        raise CommandError(f"cannot unlock keystore {account!r}: {exc} (wrong password?)") from None


def _skip_brownie_deployment_artifacts() -> None:
    """Brownie 1.22.2 fails to save its own deployment records on live networks (a mypyc-compiled helper raises
    TypeError in a background thread, and the half-written map.json then breaks the next call). Our manifest is the
    record of a deployment, so Brownie's is switched off for these commands."""
    import brownie.network.contract as contract_module

    contract_module._add_deployment = lambda *args, **kwargs: None
    contract_module.ProjectContract._save_deployment = lambda self: None


def open_session(args: argparse.Namespace) -> Session:
    """Loads the project, connects to the network and unlocks the signer, or raises CommandError."""
    warnings.filterwarnings("ignore", category=FutureWarning)  # Brownie's own deprecated rpc.* calls
    warnings.filterwarnings("ignore", message="Development network has a block height")  # attaching is intended
    from brownie import network, project, web3

    from scripts.anvil_sends import send_once_mined_on_anvil

    os.environ.setdefault("SOLCX_BINARY_PATH", str(ROOT / "tools" / "solc"))
    os.environ.setdefault("NODE_PATH", str(ROOT / "node_modules"))
    _skip_brownie_deployment_artifacts()
    loaded = project.get_loaded_projects()
    if loaded:
        proj = loaded[0]
    else:
        proj = project.load(ROOT, name="VolunteerBankProject")
        proj.load_config()  # brownie-config.yaml: gas price, evm version (`brownie run` does this itself)
    if not network.is_connected():
        _register_network(args.network, args.rpc_url)
        try:
            network.connect(args.network)
        except Exception as exc:  # Brownie raises bare exceptions of many kinds for an unreachable node
            raise CommandError(f"cannot connect to network {args.network!r}: {exc}") from None
    send_once_mined_on_anvil(web3)  # else Brownie may take a mined transaction for a dropped one
    from brownie._config import CONFIG

    live = CONFIG.network_type == "live"
    chain_id = web3.eth.chain_id
    expected = CONFIG.active_network.get("chainid")
    if live and expected is not None and int(expected) != chain_id:
        raise CommandError(f"the node at {redact(CONFIG.active_network['host'])} is chain {chain_id}, not {expected}; check the RPC URL")
    signer = _load_signer(live, args.account)
    confirmations = args.confirmations if args.confirmations is not None else (LIVE_DEFAULT_CONFIRMATIONS if live else 1)
    if confirmations < 1:
        raise CommandError("--confirmations must be at least 1")
    fee_params: dict = {}
    if live:
        # EIP-1559: a tip from the node (or VB_PRIORITY_FEE), max fee = 2 × base fee + tip unless VB_MAX_FEE caps it.
        fee_params["priority_fee"] = os.environ.get("VB_PRIORITY_FEE", "auto")
        if os.environ.get("VB_MAX_FEE"):
            fee_params["max_fee"] = os.environ["VB_MAX_FEE"]
    host = CONFIG.active_network["host"]
    port = (CONFIG.active_network.get("cmd_settings") or {}).get("port")
    if port and ":" not in host.split("//", maxsplit=1)[-1]:
        host += f":{port}"
    return Session(
        network=args.network,
        chain_id=chain_id,
        live=live,
        host=host,
        signer=signer,
        confirmations=confirmations,
        fee_params=fee_params,
        project=proj,
        assume_yes=args.yes,
    )


def close_session() -> None:
    from brownie import network

    if network.is_connected():
        network.disconnect()


def revert_reason(exc: Exception) -> str:
    """The decoded custom error of a failed transaction, e.g. "ActivityRegistryUnknownCentre: 7"."""
    msg = getattr(exc, "revert_msg", None)
    return msg or str(exc).splitlines()[0]
