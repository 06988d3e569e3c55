"""Sign-In with Ethereum (EIP-4361): parsing the message a wallet signs and checking it, and the nonces the service
hands out. No I/O.

A nonce is stateless: 12 random bytes and its issue time (Unix seconds), then an HMAC-SHA256 of both under the
service's key, all as 64 hex digits. Handing one out writes nothing; a sign-in checks the MAC and the age first
(`check_nonce`), and only a successful one records the nonce as used (services.residents), so it is not accepted
twice within its lifetime and is refused as expired after it."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import is_checksum_address, keccak

from backend.domain.errors import Refusal

HEADER = " wants you to sign in with your Ethereum account:"
NONCE = re.compile(r"^[A-Za-z0-9]{8,}$")
CLOCK_SKEW = timedelta(seconds=60)  # a wallet's clock may be a little ahead of ours
NONCE_LENGTH = 64  # hex digits: 24 random, 8 the issue time, 32 the MAC (128 bits)
_SIGNED_NONCE = re.compile(r"^[0-9a-f]{64}$")


def _nonce_mac(key: bytes, body: str) -> str:
    return hmac.new(key, b"vb:siwe-nonce:" + body.encode(), hashlib.sha256).hexdigest()[:32]


def issue_nonce(key: bytes, issued_at: int, random: bytes) -> str:
    """A nonce for an EIP-4361 message: `random` (12 bytes) and `issued_at` (Unix seconds) signed with `key`."""
    body = random.hex() + f"{issued_at:08x}"
    return body + _nonce_mac(key, body)


def check_nonce(key: bytes, nonce: str, now: int, ttl_s: int) -> int:
    """The time a nonce of ours was issued (Unix seconds); 401 siwe_unknown_nonce for one we did not sign (or from
    the future), siwe_nonce_expired once it is `ttl_s` old. Whether it was used already is the caller's to check."""
    if not _SIGNED_NONCE.match(nonce) or not hmac.compare_digest(_nonce_mac(key, nonce[:32]), nonce[32:]):
        raise Refusal(401, "siwe_unknown_nonce", "the nonce was not issued by this service; get one from GET /siwe/nonce")
    issued_at = int(nonce[24:32], 16)
    if issued_at > now + CLOCK_SKEW.total_seconds():
        raise Refusal(401, "siwe_unknown_nonce", "the nonce was not issued by this service; get one from GET /siwe/nonce")
    if now >= issued_at + ttl_s:
        raise Refusal(401, "siwe_nonce_expired", "the nonce has expired; get a new one from GET /siwe/nonce")
    return issued_at


@dataclass(frozen=True)
class SiweMessage:
    domain: str
    address: str
    uri: str
    version: str
    chain_id: int
    nonce: str
    issued_at: datetime
    scheme: str | None = None
    statement: str | None = None
    expiration_time: datetime | None = None
    not_before: datetime | None = None
    request_id: str | None = None
    resources: list[str] = field(default_factory=list)


def bad(detail: str, **params) -> Refusal:
    """A 422 for a malformed message; the catalogue's forms give its Korean from the detail and params."""
    return Refusal(422, "invalid_siwe_message", detail, **params)


def _time(value: str, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise bad(f"{name}: {value!r} is not an RFC 3339 date-time") from None
    if parsed.tzinfo is None:
        raise bad(f"{name}: {value!r} has no time zone")
    return parsed


def parse(message: str) -> SiweMessage:
    """An EIP-4361 message, or a Refusal naming what is malformed."""
    lines = message.split("\n")
    if len(lines) < 7 or not lines[0].endswith(HEADER):
        raise bad(f"the first line must be '<domain>{HEADER}'")
    authority = lines[0][: -len(HEADER)]
    scheme = None
    if "://" in authority:
        scheme, authority = authority.split("://", 1)
    if not authority or " " in authority:
        raise bad("the domain is missing or malformed")
    address = lines[1]
    if not is_checksum_address(address):
        raise bad(f"the address {address!r} is not an EIP-55 checksummed address")
    # address LF LF [statement LF] LF "URI: …"
    i = 2
    if lines[i] != "":
        raise bad("a blank line must follow the address")
    i += 1
    statement = None
    if lines[i] != "":
        statement = lines[i]
        i += 1
    if i >= len(lines) or lines[i] != "":
        raise bad("a blank line must precede 'URI:'")
    i += 1
    fields: dict[str, str] = {}
    resources: list[str] = []
    order = ["URI", "Version", "Chain ID", "Nonce", "Issued At", "Expiration Time", "Not Before", "Request ID"]
    position = 0
    while i < len(lines):
        line = lines[i]
        if line == "Resources:":
            resources = [r[2:] for r in lines[i + 1:] if r.startswith("- ")]
            if len(resources) != len(lines) - i - 1:
                raise bad("each resource must be a line '- <URI>'")
            break
        name, sep, value = line.partition(": ")
        if not sep or name not in order[position:]:
            raise bad(f"unexpected line {line[:60]!r}")
        position = order.index(name) + 1
        fields[name] = value
        i += 1
    for required in order[:5]:
        if required not in fields:
            raise bad(f"the field '{required}:' is missing")
    if fields["Version"] != "1":
        raise bad(f"Version must be 1, not {fields['Version']!r}")
    if not fields["Chain ID"].isdigit():
        raise bad(f"Chain ID: {fields['Chain ID']!r} is not a number")
    if not NONCE.match(fields["Nonce"]):
        raise bad("Nonce must be at least 8 letters or digits")
    uri = urlsplit(fields["URI"])
    if not uri.scheme:
        raise bad(f"URI: {fields['URI']!r} is not an absolute URI")
    return SiweMessage(
        domain=authority, address=address, uri=fields["URI"], version="1", chain_id=int(fields["Chain ID"]),
        nonce=fields["Nonce"], issued_at=_time(fields["Issued At"], "Issued At"), scheme=scheme, statement=statement,
        expiration_time=_time(fields["Expiration Time"], "Expiration Time") if "Expiration Time" in fields else None,
        not_before=_time(fields["Not Before"], "Not Before") if "Not Before" in fields else None,
        request_id=fields.get("Request ID"), resources=resources,
    )


def _origin(uri: str) -> tuple[str, str]:
    parts = urlsplit(uri)
    return parts.scheme.lower(), parts.netloc.lower()


def digest(signable) -> bytes:
    """The EIP-191 hash a wallet signs for an eth-account SignableMessage (what EIP-1271 wallets are asked about)."""
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


def verify(message: str, signature: str, *, domain: str, uri: str, chain_id: int, now: datetime | None = None,
           contract_accepts: Callable[[str, bytes, bytes], bool] | None = None) -> SiweMessage:
    """Checks a signed EIP-4361 message against what this backend expects: the domain, the URI's origin, the chain
    id, the times, and that the address signed it (EIP-191 personal_sign). The nonce is the caller's to check."""
    now = now or datetime.now(UTC)
    m = parse(message)
    if m.domain.lower() != domain.lower():
        raise Refusal(401, "siwe_wrong_domain", got=m.domain, expected=domain)
    if m.scheme is not None and m.scheme.lower() != _origin(uri)[0]:
        raise Refusal(401, "siwe_wrong_domain", scheme=m.scheme)
    if _origin(m.uri) != _origin(uri):
        raise Refusal(401, "siwe_wrong_uri", got=m.uri, expected=uri)
    if m.chain_id != chain_id:
        raise Refusal(401, "siwe_wrong_chain", got=m.chain_id, expected=chain_id)
    if m.issued_at > now + CLOCK_SKEW:
        raise Refusal(401, "siwe_not_yet_valid", "the message's Issued At is in the future")
    if m.not_before is not None and m.not_before > now + CLOCK_SKEW:
        raise Refusal(401, "siwe_not_yet_valid", "the message's Not Before has not come yet")
    if m.expiration_time is not None and m.expiration_time <= now:
        raise Refusal(401, "siwe_expired")
    signable = encode_defunct(text=message)
    try:
        signer = Account.recover_message(signable, signature=signature)
    except Exception:
        signer = None
    if signer == m.address:
        return m
    # A smart-contract wallet (Safe, a smart account) signs through its owners: it says itself whether the signature
    # is its own (EIP-1271), asked by `contract_accepts(address, digest, signature)`.
    raw = _hex_bytes(signature)
    if contract_accepts is not None and raw is not None and contract_accepts(m.address, digest(signable), raw):
        return m
    if signer is None:
        raise Refusal(401, "siwe_bad_signature")
    raise Refusal(401, "siwe_bad_signature", address=m.address)


def _hex_bytes(text: str) -> bytes | None:
    try:
        return bytes.fromhex(text.removeprefix("0x"))
    except (ValueError, AttributeError):
        return None


def build(domain: str, address: str, uri: str, chain_id: int, nonce: str, issued_at: datetime,
          expiration_time: datetime | None = None, statement: str | None = "Sign in to the Volunteer Bank.") -> str:
    """The EIP-4361 text for these fields (what a wallet library such as siwe or viem produces)."""
    lines = [f"{domain}{HEADER}", address, ""]
    if statement:
        lines.append(statement)
    lines += ["", f"URI: {uri}", "Version: 1", f"Chain ID: {chain_id}", f"Nonce: {nonce}",
              f"Issued At: {issued_at.isoformat().replace('+00:00', 'Z')}"]
    if expiration_time is not None:
        lines.append(f"Expiration Time: {expiration_time.isoformat().replace('+00:00', 'Z')}")
    return "\n".join(lines)
