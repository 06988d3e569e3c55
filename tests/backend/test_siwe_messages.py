"""EIP-4361 messages as wallets and libraries write them (the spec's ABNF: optional scheme, optional statement,
optional fields in order, resources), parsed and checked without a chain or database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from backend.domain import siwe
from backend.domain.errors import Refusal

WALLET = Account.from_key("0x" + "42" * 32)
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def message(*, scheme: str = "", statement: str | None = "I accept the terms.", extra: list[str] = (),
            address: str = WALLET.address, domain: str = "bank.example.org", uri: str = "https://bank.example.org/login",
            chain_id: int = 31337, nonce: str = "32891756abc") -> str:
    lines = [f"{scheme}{domain} wants you to sign in with your Ethereum account:", address, ""]
    if statement is not None:
        lines += [statement]
    lines += ["", f"URI: {uri}", "Version: 1", f"Chain ID: {chain_id}", f"Nonce: {nonce}",
              "Issued At: 2026-11-23T11:59:00Z", *extra]
    return "\n".join(lines)


def check(text: str, signer=WALLET, **expect):
    signature = signer.sign_message(encode_defunct(text=text)).signature
    options = {"domain": "bank.example.org", "uri": "https://bank.example.org", "chain_id": 31337, "now": NOW} | expect
    return siwe.verify(text, "0x" + bytes(signature).hex(), **options)


def test_full_message_with_every_optional_field():
    text = message(scheme="https://", extra=["Expiration Time: 2026-11-23T12:10:00.000Z", "Not Before: 2026-11-23T11:59:00Z",
                                             "Request ID: abc-1", "Resources:", "- ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6",
                                             "- https://example.com/my-web2-claim.json"])
    m = check(text)
    assert (m.scheme, m.domain, m.address, m.chain_id, m.nonce, m.request_id) == (
        "https", "bank.example.org", WALLET.address, 31337, "32891756abc", "abc-1")
    assert m.statement == "I accept the terms." and len(m.resources) == 2
    assert m.expiration_time == datetime(2026, 11, 23, 12, 10, tzinfo=UTC)


def test_message_without_statement():
    assert check(message(statement=None)).statement is None


@pytest.mark.parametrize("text, code", [
    (message(address=WALLET.address.lower()), "invalid_siwe_message"),  # not EIP-55
    (message(nonce="short"), "invalid_siwe_message"),
    (message().replace("Version: 1", "Version: 2"), "invalid_siwe_message"),
    (message().replace("Chain ID: 31337\n", ""), "invalid_siwe_message"),
    (message(extra=["Not Before: 2026-11-23T11:59:00Z", "Expiration Time: 2026-11-23T12:10:00Z"]), "invalid_siwe_message"),
    (message(extra=["Issued At: 2026-11-23T11:59:00Z"]), "invalid_siwe_message"),  # a field twice
    (message(scheme="http://"), "siwe_wrong_domain"),
    (message(domain="bank.example.org.evil.com"), "siwe_wrong_domain"),
    (message(uri="https://evil.example/login"), "siwe_wrong_uri"),
    (message(uri="http://bank.example.org/login"), "siwe_wrong_uri"),
    (message(chain_id=1), "siwe_wrong_chain"),
    (message(extra=["Expiration Time: 2026-11-23T11:59:59Z"]), "siwe_expired"),
    (message(extra=["Not Before: 2026-11-23T13:00:00Z"]), "siwe_not_yet_valid"),
])
def test_refusals(text, code):
    with pytest.raises(Refusal) as e:
        check(text)
    assert e.value.code == code and e.value.status in (401, 422)


def test_signature_by_another_key_or_of_another_text():
    with pytest.raises(Refusal) as e:
        check(message(), signer=Account.create())
    assert e.value.code == "siwe_bad_signature"
    signature = WALLET.sign_message(encode_defunct(text=message())).signature
    with pytest.raises(Refusal) as e:
        siwe.verify(message(nonce="anotherNonce1"), "0x" + bytes(signature).hex(), domain="bank.example.org",
                    uri="https://bank.example.org", chain_id=31337, now=NOW)
    assert e.value.code == "siwe_bad_signature"


def test_issued_in_the_future_beyond_clock_skew():
    later = NOW - timedelta(minutes=5)
    with pytest.raises(Refusal) as e:
        check(message(), now=later)
    assert e.value.code == "siwe_not_yet_valid"


def test_payment_reference_is_salted_so_the_same_memo_gives_two_refs():
    import os

    from eth_utils import keccak

    from backend.domain import relay

    memo = "garden work, 2 hours"
    a, b = os.urandom(16), os.urandom(16)
    assert relay.request_ref(memo, a) != relay.request_ref(memo, b)
    assert relay.request_ref(memo, a) == "0x" + keccak(a + memo.encode()).hex()  # the payee can check it
    assert relay.request_ref(memo, a) != "0x" + keccak(text=memo).hex()  # not the unsalted hash any more
    with pytest.raises(ValueError):
        relay.request_ref(memo, b"short")
