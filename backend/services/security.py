"""Passwords (argon2id), access tokens (JWT, HS256 pinned), API keys (random secret, SHA-256 stored)."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from backend.domain.errors import Refusal

ALGORITHM = "HS256"  # the only algorithm accepted; "none" and any other are refused by PyJWT's allow-list
ROLES = ("admin", "coordinator", "welfare_officer", "provider")
RESIDENT_ROLE = "resident"  # a wallet signed in with SIWE; never a staff role
_hasher = PasswordHasher()  # argon2-cffi's defaults until configure_passwords() applies the settings'
# Verifying against this when the user does not exist keeps the timing the same as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password")


def configure_passwords(memory_kib: int, time_cost: int, parallelism: int) -> None:
    """New hashes (and the dummy one) with these argon2id parameters (VB_ARGON2_*); hashes made with others still
    verify, and password_needs_rehash() says they should be made again."""
    global _hasher, _DUMMY_HASH
    if (_hasher.memory_cost, _hasher.time_cost, _hasher.parallelism) == (memory_kib, time_cost, parallelism):
        return
    _hasher = PasswordHasher(memory_cost=memory_kib, time_cost=time_cost, parallelism=parallelism)
    _DUMMY_HASH = _hasher.hash("not a password")


def password_needs_rehash(password_hash: str) -> bool:
    """Was this hash made with other parameters than the current ones (it is made again at the next sign-in)?"""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@dataclass(frozen=True)
class Principal:
    """Who is asking: a staff user by password (JWT) or a machine client by API key acting as one."""

    user_id: int
    username: str
    role: str
    centre_id: int | None
    via: str  # jwt | api_key | siwe (a resident: username is the wallet address)
    scope: str | None = None  # an API key's: API_KEY_SCOPES (None: signed in otherwise, no scope)

    @property
    def name(self) -> str:
        return f"{self.username}" if self.via == "jwt" else f"{self.username} (api key)"


# At most this many argon2 hashes at once in this process: each holds the memory cost (64 MiB by default), so a
# burst of sign-ins from many addresses (which the throttle counts only after each check) cannot exhaust memory.
# One more waits a little, then is told to try again.
_HASHING = threading.BoundedSemaphore(max(2, os.cpu_count() or 2))
HASHING_WAIT_S = 5.0


@contextmanager
def _hashing_slot():
    if not _HASHING.acquire(timeout=HASHING_WAIT_S):
        raise Refusal(429, "sign_in_busy", wait=5)
    try:
        yield
    finally:
        _HASHING.release()


def hash_password(password: str) -> str:
    with _hashing_slot():
        return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    with _hashing_slot():
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False


def derived_key(secret: str, label: bytes) -> bytes:
    """A key for one purpose (`label`) derived from a deployment secret (VB_JWT_SECRET): every process with the same
    settings derives the same one, and none of them can be turned back into the secret or into another purpose's."""
    return hmac.new(secret.encode(), label, hashlib.sha256).digest()


def password_mark(password_hash: str) -> str:
    """What an access token carries of its account's password: a token issued before the password changed (a reset,
    or its owner setting their own) is refused at once, not when it expires."""
    return hashlib.sha256(b"vb:pwd:" + password_hash.encode()).hexdigest()[:16]


def issue_token(secret: str, issuer: str, ttl_s: int, user_id: int, role: str, centre_id: int | None,
                password_hash: str = "") -> str:
    now = int(time.time())
    # jti: each token its own string, even two issued in the same second (a renewal must not hand back the old one).
    claims = {"sub": str(user_id), "role": role, "centre": centre_id, "iat": now, "exp": now + ttl_s, "iss": issuer,
              "jti": secrets.token_urlsafe(9), "pwd": password_mark(password_hash)}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_token(secret: str, issuer: str, token: str) -> dict:
    """The claims of a valid token; jwt.PyJWTError (expired, bad signature, wrong algorithm, …) otherwise."""
    cached = _verified.get((secret, issuer, token))
    if cached is not None:
        # The same string was verified before: only its expiry can have changed since.
        if cached["exp"] <= time.time():
            raise jwt.ExpiredSignatureError("Signature has expired")
        return cached
    claims = jwt.decode(token, secret, algorithms=[ALGORITHM], issuer=issuer,
                        options={"require": ["exp", "iat", "sub", "iss"]})
    if len(_verified) >= _VERIFIED_MAX:
        _verified.clear()
    _verified[(secret, issuer, token)] = claims
    return claims


# Tokens already verified (each request carries one; verifying the HMAC and claims again costs more than the query
# that follows). Bounded; cleared when full.
_verified: dict[tuple[str, str, str], dict] = {}
_VERIFIED_MAX = 4096


# What an API key may do: "read" GET (and HEAD) requests only; "write" whatever its account may do.
API_KEY_SCOPES = ("read", "write")
READ_METHODS = frozenset({"GET", "HEAD"})


def new_api_key() -> tuple[str, str, str]:
    """(full key shown once, prefix stored in clear, SHA-256 of the secret stored)."""
    prefix = "vbk_" + secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    return f"{prefix}.{secret}", prefix, hashlib.sha256(secret.encode()).hexdigest()


REFRESH_PREFIX = "vbr_"


def new_refresh_token() -> tuple[str, str]:
    """(a staff session's refresh token, shown once to the client; the SHA-256 kept of it)."""
    token = REFRESH_PREFIX + secrets.token_urlsafe(32)
    return token, refresh_digest(token)


def refresh_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def split_api_key(key: str) -> tuple[str, str] | None:
    prefix, dot, secret = key.partition(".")
    return (prefix, secret) if dot and prefix.startswith("vbk_") and secret else None


def api_key_matches(secret: str, stored_sha256: str) -> bool:
    return hmac.compare_digest(hashlib.sha256(secret.encode()).hexdigest(), stored_sha256)


def issue_resident_token(secret: str, issuer: str, ttl_s: int, address: str) -> str:
    """A session for a resident who signed in with their wallet (SIWE): the subject is the address."""
    now = int(time.time())
    claims = {"sub": f"resident:{address}", "role": RESIDENT_ROLE, "iat": now, "exp": now + ttl_s, "iss": issuer,
              "jti": secrets.token_urlsafe(9)}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


CARD_ROLE = "card"  # a member card and its PIN at a kiosk or a provider's desk; never a staff role


def issue_card_token(secret: str, issuer: str, ttl_s: int, card_id: int, pin_hash: str, desk: str | None,
                     kiosk: int | None = None) -> str:
    """A card session: the subject is the card; `desk` the provider whose desk opened it (its offers only), else
    `kiosk` the enrolled kiosk that did (a revoked kiosk's sessions end at once); `pin` ties it to the PIN as it is
    now (a reset ends it at once)."""
    now = int(time.time())
    claims = {"sub": f"card:{card_id}", "role": CARD_ROLE, "iat": now, "exp": now + ttl_s, "iss": issuer,
              "jti": secrets.token_urlsafe(9), "desk": desk, "kiosk": kiosk, "pin": password_mark(pin_hash)}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)
