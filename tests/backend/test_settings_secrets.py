"""The settings never show a secret in repr() or str() (a log line, a traceback's locals, a debugger): the keys,
passwords and secrets are left out, the database's password and a hosted node's API key are cut out of their URLs,
while the code reads every value as given. Pure: no chain, no app."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.config import Settings, redacted_url

PLANTED = {
    "keystore_password": "planted-keystore-pass",
    "dev_centre_keys": "1=0xplanted0centre0key",
    "jwt_secret": "planted-jwt-secret-" + "j" * 32,
    "siwe_nonce_secret": "planted-nonce-secret-" + "n" * 32,
    "dev_relayer_key": "0xplanted0relayer0key",
    "dev_admin_key": "0xplanted0admin0key",
    "dev_provider_keys": "0xplanted0provider0key",
    "custody_master_key": "planted-custody-master",
    "custody_old_master_keys": "planted-custody-old",
    "reports_key": "planted-reports-key",
    "reports_old_keys": "planted-reports-old",
    "portal_service_key": "planted-portal-service-key",
}
URLS = {
    "database_url": ("postgresql://vb:planted-db-pass@db.example.org:5432/vb?sslpassword=planted-ssl-pass",
                     ["planted-db-pass", "planted-ssl-pass"]),
    "rpc_url": ("https://eth-mainnet.g.alchemy.com/v2/planted-rpc-key", ["planted-rpc-key"]),
    "public_rpc_url": ("https://planted-user-key@rpc.example.org/?apikey=planted-public-key",
                       ["planted-user-key", "planted-public-key"]),
}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(**PLANTED, **{name: url for name, (url, _) in URLS.items()}, keystore_dir=tmp_path)


@pytest.mark.parametrize("show", [repr, str], ids=["repr", "str"])
def test_no_planted_secret_appears_in_the_settings_repr_or_str(settings, show):
    shown = show(settings)
    secrets = [*PLANTED.values(), *(s for _, hidden in URLS.values() for s in hidden)]
    assert not [s for s in secrets if s in shown], shown
    # What is not secret is still there to read: where the database and the node are.
    assert "db.example.org:5432/vb" in shown and "vb:***@" in shown
    assert "eth-mainnet.g.alchemy.com" in shown and "rpc.example.org" in shown


def test_the_code_still_reads_every_value_as_given(settings):
    for name, value in PLANTED.items():
        assert getattr(settings, name) == value, name
    assert settings.database_url == "postgresql+psycopg://" + URLS["database_url"][0].removeprefix("postgresql://")
    assert settings.rpc_url == URLS["rpc_url"][0] and settings.public_rpc_url == URLS["public_rpc_url"][0]


@pytest.mark.parametrize("url,shown", [
    ("sqlite:////tmp/bank.db", "sqlite:////tmp/bank.db"),
    ("postgresql+psycopg://vb@db:5432/vb", "postgresql+psycopg://vb@db:5432/vb"),
    ("http://127.0.0.1:8545", "http://127.0.0.1:8545"),
])
def test_a_url_without_a_secret_is_shown_whole(url, shown):
    assert redacted_url(url, database=url.startswith(("sqlite", "postgres"))) == shown
