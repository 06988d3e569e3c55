"""Settings that are fine on a development chain and unsafe anywhere else: plaintext keys, a secret made up for one
process, sign-in at localhost. A development chain is a local chain id AND a node on this machine: a remote node can
claim chain id 1337 as easily as any other."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from backend.api.app import create_app
from backend.chain.keys import KeyError_, load_centre_signers, load_sender_keys
from backend.chain.keys import dev_key
from backend.chain.client import ChainClient, ChainUnavailable
from backend.config import Settings, deployment_problems, local_chain, loopback

REMOTE = "https://eth-sepolia.example.org/v2/provider-key"
PUBLIC = {"siwe_domain": "bank.example.org", "siwe_uri": "https://bank.example.org"}


def settings(tmp_path, **overrides) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", keystore_dir=tmp_path / "keys", **overrides)


def test_a_local_chain_id_on_this_machine_is_a_development_chain(tmp_path):
    for url in ("http://127.0.0.1:8545", "http://localhost:8545", "ws://[::1]:8546"):
        assert local_chain(settings(tmp_path, rpc_url=url), 31337)
        assert local_chain(settings(tmp_path, rpc_url=url), 1337)


def test_a_remote_node_claiming_a_local_chain_id_is_not(tmp_path):
    assert not local_chain(settings(tmp_path, rpc_url=REMOTE), 1337)
    assert not local_chain(settings(tmp_path, rpc_url="http://10.0.0.5:8545"), 31337)


def test_a_public_chain_on_this_machine_is_not(tmp_path):
    assert not local_chain(settings(tmp_path, rpc_url="http://127.0.0.1:8545"), 11155111)


def test_plaintext_centre_keys_are_refused_from_a_remote_node_claiming_1337(tmp_path):
    s = settings(tmp_path, rpc_url=REMOTE, dev_centre_keys=f"1={dev_key(1).key.hex()}")
    with pytest.raises(KeyError_, match="VB_DEV_CENTRE_KEYS") as refused:
        load_centre_signers(s, 1337)
    assert "provider-key" not in str(refused.value)  # a hosted node's URL carries its key: never said


def test_plaintext_sender_keys_are_refused_on_a_public_chain(tmp_path):
    s = settings(tmp_path, dev_relayer_key=dev_key(6).key.hex())
    with pytest.raises(KeyError_, match="VB_DEV_RELAYER_KEY"):
        load_sender_keys(s, 11155111)


def test_plaintext_keys_are_taken_on_a_development_chain(tmp_path):
    s = settings(tmp_path, dev_centre_keys=f"1={dev_key(1).key.hex()}")
    assert load_centre_signers(s, 31337)[1].address == dev_key(1).address


def test_a_deployment_without_a_jwt_secret_is_a_problem(tmp_path):
    problems = deployment_problems(settings(tmp_path, rpc_url=REMOTE, **PUBLIC), 11155111)
    assert [p for p in problems if "VB_JWT_SECRET" in p]


def test_a_deployment_signing_in_at_localhost_is_a_problem(tmp_path):
    problems = deployment_problems(settings(tmp_path, rpc_url=REMOTE, jwt_secret="s" * 32), 11155111)
    assert [p for p in problems if "VB_SIWE_DOMAIN" in p]


def test_a_developer_may_sign_in_at_localhost_against_a_testnet_when_they_say_so(tmp_path):
    s = settings(tmp_path, rpc_url=REMOTE, jwt_secret="s" * 32, siwe_localhost_ok=True)
    assert deployment_problems(s, 11155111) == []


def test_a_configured_deployment_has_no_problem(tmp_path):
    assert deployment_problems(settings(tmp_path, rpc_url=REMOTE, jwt_secret="s" * 32, **PUBLIC), 11155111) == []


def test_a_development_chain_needs_neither(tmp_path):
    assert deployment_problems(settings(tmp_path), 31337) == []


def test_the_api_refuses_to_start_against_a_remote_node_with_development_settings(backend, tmp_path):
    """The test chain itself, reached as if by a remote URL: chain id 31337 is not enough to be trusted."""
    s = settings(tmp_path, rpc_url="http://192.0.2.10:8545", deployments_dir=backend.settings.deployments_dir)
    app = create_app(s, chain=backend.chain)
    with pytest.raises(RuntimeError, match="VB_JWT_SECRET.*VB_SIWE_DOMAIN"):
        with TestClient(app):
            pass


def test_the_api_starts_against_a_remote_node_once_configured(backend, tmp_path):
    s = settings(tmp_path, rpc_url="http://192.0.2.10:8545", deployments_dir=backend.settings.deployments_dir,
                 jwt_secret="s" * 32, **PUBLIC)
    with TestClient(create_app(s, chain=backend.chain)) as client:
        assert client.get("/health").status_code in (200, 503)


def test_a_host_name_that_starts_like_a_loopback_address_is_not_this_machine(tmp_path):
    assert not loopback("http://127.evil.example:8545") and not loopback("127.0.0.1.nip.io:8000")
    assert loopback("http://127.0.0.2:8545") and loopback("localhost:8000")
    assert not local_chain(settings(tmp_path, rpc_url="http://127.evil.example:8545"), 1337)


def test_an_unreachable_hosted_node_is_named_without_its_key(tmp_path):
    """The error an API process logs when the node does not answer (a hosted URL carries its provider's key)."""
    s = settings(tmp_path, rpc_url="http://127.0.0.1:9/v3/provider-secret-key", rpc_timeout_s=1)
    with pytest.raises(ChainUnavailable) as refused:
        ChainClient(s)
    assert "provider-secret-key" not in str(refused.value) and "127.0.0.1:9" in str(refused.value)
