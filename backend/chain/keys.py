"""The centres' signing keys. From encrypted keystores (Web3 Secret Storage); a plaintext key only on a local chain."""

from __future__ import annotations

import json
from functools import lru_cache

from eth_account import Account
from eth_account.signers.local import LocalAccount

from backend.config import Settings, local_chain

# The development accounts: the one definition of `dev:N` for every local chain. tools/run and the test suites start
# Anvil and Ganache with this mnemonic (Anvil's default), so the node's N-th unlocked account, which the deployment
# config's "dev:N" names, is dev_key(N), the key the backend and the seed sign with or name.
DEV_MNEMONIC = "test test test test test test test test test test test junk"
ANVIL_MNEMONIC = DEV_MNEMONIC  # the former name
DEV_ACCOUNTS = 10  # unlocked accounts a development node is started with (dev:0 … dev:9)


class KeyError_(RuntimeError):
    """A key cannot be loaded; the message says which and why."""


@lru_cache(maxsize=256)
def dev_key(index: int, mnemonic: str = DEV_MNEMONIC) -> LocalAccount:
    """The index-th development account (dev:N): BIP-44 path m/44'/60'/0'/0/N of the development mnemonic."""
    Account.enable_unaudited_hdwallet_features()
    return Account.from_mnemonic(mnemonic, account_path=f"m/44'/60'/0'/0/{index}")


def dev_accounts_mismatch(node_accounts: list[str], count: int = DEV_ACCOUNTS) -> str | None:
    """None if the node's first `count` unlocked accounts are dev:0 … dev:count-1, else why not (for a refusal)."""
    for index in range(count):
        expected = dev_key(index).address
        if index >= len(node_accounts):
            return (f"the node has {len(node_accounts)} unlocked accounts; dev:{index} ({expected}) is not among them "
                    f"(start it with {count} accounts)")
        if node_accounts[index].lower() != expected.lower():
            return (f"the node's account {index} is {node_accounts[index]}, but dev:{index} is {expected}: the node was "
                    f"not started with the development mnemonic {DEV_MNEMONIC!r} (anvil --mnemonic …, "
                    f"ganache --wallet.mnemonic …)")
    return None


def load_centre_signers(settings: Settings, chain_id: int) -> dict[int, LocalAccount]:
    """centre id → signer: <keystore_dir>/centre-<id>.json unlocked with VB_KEYSTORE_PASSWORD, and, on a local dev
    chain only, VB_DEV_CENTRE_KEYS="1=0x…,2=0x…"."""
    signers: dict[int, LocalAccount] = {}
    if settings.dev_centre_keys:
        if not local_chain(settings, chain_id):
            # The node's URL is not named: a hosted one carries a provider's key.
            raise KeyError_(f"VB_DEV_CENTRE_KEYS holds plaintext keys; they are refused on chain {chain_id} unless "
                            f"its node is on this machine. Use encrypted keystores in {settings.keystore_dir} "
                            "(centre-<id>.json)")
        for part in settings.dev_centre_keys.split(","):
            centre, _, key = part.strip().partition("=")
            if not centre.isdigit() or not key:
                raise KeyError_(f"VB_DEV_CENTRE_KEYS: expected centre=0xkey pairs, got {part.strip()[:12]!r}…")
            signers[int(centre)] = Account.from_key(key)
    if settings.keystore_dir.is_dir():
        for path in sorted(settings.keystore_dir.glob("centre-*.json")):
            centre = path.stem.removeprefix("centre-")
            if not centre.isdigit():
                continue
            signers[int(centre)] = _keystore(path, settings)
    return signers


def _keystore(path, settings: Settings) -> LocalAccount:
    if settings.keystore_password is None:
        raise KeyError_(f"{path} is encrypted: set VB_KEYSTORE_PASSWORD")
    try:
        return Account.from_key(Account.decrypt(json.loads(path.read_text()), settings.keystore_password))
    except (ValueError, KeyError) as exc:
        raise KeyError_(f"cannot unlock {path}: {exc}") from None


def _keystore_address(path) -> str | None:
    from eth_utils import to_checksum_address

    try:
        address = json.loads(path.read_text()).get("address")
    except (ValueError, OSError):
        return None
    return to_checksum_address(address if address.startswith("0x") else "0x" + address) if address else None


def _dev_keys(settings: Settings, chain_id: int) -> dict[str, list[str]]:
    """role → plaintext keys from VB_DEV_RELAYER_KEY / VB_DEV_ADMIN_KEY / VB_DEV_PROVIDER_KEYS (local chains only)."""
    found = {"relayer": [settings.dev_relayer_key] if settings.dev_relayer_key else [],
             "admin": [settings.dev_admin_key] if settings.dev_admin_key else [],
             "provider": [k.strip() for k in (settings.dev_provider_keys or "").split(",") if k.strip()]}
    if any(found.values()) and not local_chain(settings, chain_id):
        raise KeyError_(f"VB_DEV_RELAYER_KEY / VB_DEV_ADMIN_KEY / VB_DEV_PROVIDER_KEYS hold plaintext keys; they are "
                        f"refused on chain {chain_id} unless its node is on this machine. Use keystores in "
                        f"{settings.keystore_dir} (relayer.json, admin.json, provider-<name>.json)")
    return found


def _keystore_paths(settings: Settings) -> dict[str, list]:
    d = settings.keystore_dir
    if not d.is_dir():
        return {"relayer": [], "admin": [], "provider": []}
    return {"relayer": [p for p in [d / "relayer.json"] if p.is_file()],
            "admin": [p for p in [d / "admin.json"] if p.is_file()],
            "provider": sorted(d.glob("provider-*.json"))}


def load_sender_keys(settings: Settings, chain_id: int) -> dict[str, dict[str, LocalAccount]]:
    """The keys the generic sender signs with: {"relayer": {address: key}, "admin": {…}, "provider": {…}}.
    The relayer pays the gas of residents' signed requests; the admin key makes the city's changes; each
    provider's key publishes its offers and fulfils its vouchers."""
    out: dict[str, dict[str, LocalAccount]] = {"relayer": {}, "admin": {}, "provider": {}}
    for role, keys in _dev_keys(settings, chain_id).items():
        for key in keys:
            try:
                account = Account.from_key(key)
            except (ValueError, TypeError) as exc:
                raise KeyError_(f"a dev {role} key is malformed: {exc}") from None
            out[role][account.address] = account
    for role, paths in _keystore_paths(settings).items():
        for path in paths:
            account = _keystore(path, settings)
            out[role][account.address] = account
    return out


def sender_addresses(settings: Settings, chain_id: int) -> dict[str, set[str]]:
    """The addresses of load_sender_keys without unlocking anything (the API only needs to know who can send)."""
    out: dict[str, set[str]] = {"relayer": set(), "admin": set(), "provider": set()}
    for role, keys in _dev_keys(settings, chain_id).items():
        for key in keys:
            try:
                out[role].add(Account.from_key(key).address)
            except (ValueError, TypeError):
                pass
    for role, paths in _keystore_paths(settings).items():
        for path in paths:
            if (address := _keystore_address(path)) is not None:
                out[role].add(address)
    return out
