"""Encryption at rest: AES-256-GCM for the sensitive fields of neighbour-in-need reports and for the envelope of
custodial keys (services.custody). For reports: AES-256-GCM (pycryptodome, already a
dependency of eth-keyfile), a 32-byte key from the environment, a random 96-bit nonce per message, the report's
random `ref` and area as associated data (a sealed blob moved to another row does not open).

VB_REPORTS_KEY holds the key (base64 or 64 hex digits); VB_REPORTS_OLD_KEYS, comma-separated, keys that still open
older reports after a rotation. Without a key the report endpoints refuse to work (503), except on a local
development chain, where a key is generated for the process and logged as such.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import secrets

from Crypto.Cipher import AES

log = logging.getLogger("backend")
NONCE_BYTES, TAG_BYTES = 12, 16


class SealingError(RuntimeError):
    """A key is missing or malformed, or a blob does not open with any key (tampered, or another key)."""


def parse_key(text: str, name: str = "VB_REPORTS_KEY") -> bytes:
    text = text.strip()
    try:
        key = bytes.fromhex(text.removeprefix("0x")) if len(text.removeprefix("0x")) == 64 else \
            base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, binascii.Error):
        raise SealingError(f"{name} must be 32 bytes as 64 hex digits or base64") from None
    if len(key) != 32:
        raise SealingError(f"{name} must be 32 bytes (AES-256), got {len(key)}")
    return key


def seal_bytes(key: bytes, plain: bytes, associated: str) -> bytes:
    """nonce ‖ ciphertext ‖ tag: AES-256-GCM under `key`, a random 96-bit nonce, `associated` authenticated."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    cipher = AES.new(key, AES.MODE_GCM, nonce=nonce, mac_len=TAG_BYTES)
    cipher.update(associated.encode())
    body, tag = cipher.encrypt_and_digest(plain)
    return nonce + body + tag


def open_bytes(key: bytes, blob: bytes, associated: str) -> bytes:
    """What seal_bytes sealed; SealingError when the blob was altered, moved, or sealed with another key."""
    nonce, body, tag = blob[:NONCE_BYTES], blob[NONCE_BYTES:-TAG_BYTES], blob[-TAG_BYTES:]
    cipher = AES.new(key, AES.MODE_GCM, nonce=nonce, mac_len=TAG_BYTES)
    cipher.update(associated.encode())
    try:
        return cipher.decrypt_and_verify(body, tag)
    except ValueError:
        raise SealingError("the sealed data does not verify: altered, moved, or sealed with another key") from None


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"vb:reports-key:" + key).hexdigest()[:16]


def new_key_text() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


class Sealer:
    """Seals with the current key; opens with the key the blob names."""

    def __init__(self, key: bytes, old_keys: list[bytes] = (), dev: bool = False):
        self.key_id, self.dev = key_id(key), dev
        self._keys = {key_id(k): k for k in (*old_keys, key)}

    @classmethod
    def from_settings(cls, current: str | None, old: str | None, local_chain: bool) -> Sealer | None:
        """The sealer of the configured keys; a generated one on a local chain; None (reports refused) otherwise."""
        old_keys = [parse_key(k) for k in (old or "").split(",") if k.strip()]
        if current:
            return cls(parse_key(current), old_keys)
        if local_chain:
            log.warning("VB_REPORTS_KEY is not set: neighbour reports are sealed with a key generated for this "
                        "process (local development chain only); they cannot be opened after a restart")
            return cls(secrets.token_bytes(32), old_keys, dev=True)
        log.error("VB_REPORTS_KEY is not set: the neighbour-report endpoints answer 503 until it is")
        return None

    def seal(self, data: dict, associated: str) -> tuple[str, bytes]:
        return self.key_id, seal_bytes(self._keys[self.key_id], json.dumps(data, ensure_ascii=False).encode(),
                                       associated)

    def open(self, kid: str, blob: bytes, associated: str) -> dict:
        key = self._keys.get(kid)
        if key is None:
            raise SealingError(f"the key {kid} that sealed this report is not configured (VB_REPORTS_OLD_KEYS)")
        try:
            return json.loads(open_bytes(key, blob, associated))
        except SealingError:
            raise SealingError("the sealed report does not verify: altered, or moved from another report") from None
