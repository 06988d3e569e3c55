"""The centres' signing keys. From encrypted keystores (Web3 Secret Storage); a plaintext key only on a local chain."""

from __future__ import annotations

import json

from eth_account import Account
from eth_account.signers.local import LocalAccount

from backend.config import LOCAL_CHAIN_IDS, Settings

ANVIL_MNEMONIC = "test test test test test test test test test test test junk"


class KeyError_(RuntimeError):
    """A key cannot be loaded; the message says which and why."""


def dev_key(index: int, mnemonic: str = ANVIL_MNEMONIC) -> LocalAccount:
    """The index-th account of a development mnemonic (Anvil's by default)."""
    Account.enable_unaudited_hdwallet_features()
    return Account.from_mnemonic(mnemonic, account_path=f"m/44'/60'/0'/0/{index}")


def load_centre_signers(settings: Settings, chain_id: int) -> dict[int, LocalAccount]:
    """centre id → signer: <keystore_dir>/centre-<id>.json unlocked with VB_KEYSTORE_PASSWORD, and, on a local dev
    chain only, VB_DEV_CENTRE_KEYS="1=0x…,2=0x…"."""
    signers: dict[int, LocalAccount] = {}
    if settings.dev_centre_keys:
        if chain_id not in LOCAL_CHAIN_IDS:
            raise KeyError_(f"VB_DEV_CENTRE_KEYS holds plaintext keys; they are refused on chain {chain_id}. "
                            f"Use encrypted keystores in {settings.keystore_dir} (centre-<id>.json)")
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
            if settings.keystore_password is None:
                raise KeyError_(f"{path} is encrypted: set VB_KEYSTORE_PASSWORD")
            try:
                key = Account.decrypt(json.loads(path.read_text()), settings.keystore_password)
            except (ValueError, KeyError) as exc:
                raise KeyError_(f"cannot unlock {path}: {exc}") from None
            signers[int(centre)] = Account.from_key(key)
    return signers
