"""Settings of the backend, from environment variables prefixed VB_ (pydantic-settings).

Defaults are the embedded local setup of `tools/run`: a SQLite file under .run/, Anvil at 127.0.0.1:8545, the
manifest in deployments/. Everything else is set per deployment through the environment.
"""

from __future__ import annotations

import ipaddress
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[1]
LOCAL_CHAIN_IDS = frozenset({31337, 1337})  # Anvil, Ganache (a development chain is also on this machine: local_chain)
EIP7825_TX_GAS_CAP = 2**24  # 16,777,216: the per-transaction gas cap from Osaka on
MAX_BUDGET_WEI = 9 * 10**18  # the relay budgets are summed in 64-bit integer columns
# Blocks on top of a transaction's before it counts as confirmed, per chain id, when VB_CONFIRMATIONS is not set
# (docs/operations.md): local chains do not reorganise; Ethereum's mainnet and testnets reorganise 1-2 blocks at
# times; L2 sequencers' blocks are not reorganised short of a sequencer fault. Any other chain: DEFAULT_CONFIRMATIONS.
CONFIRMATIONS_BY_CHAIN = {31337: 1, 1337: 1, 1: 3, 11155111: 3, 17000: 3, 560048: 3,
                          10: 1, 8453: 1, 42161: 1, 11155420: 1, 84532: 1, 421614: 1}
DEFAULT_CONFIRMATIONS = 3


def redacted_url(url: str, *, database: bool) -> str:
    """A URL as logs and reprs may show it: no password, no query or fragment; the path and the user name only of a
    `database`'s (a hosted node's URL carries its provider's API key in the path, /v3/<key>, or as the user name)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<not a URL>"
    if not parts.scheme:
        return "<not a URL>"
    if ":" in host:  # IPv6
        host = f"[{host}]"
    user = ""
    if parts.username is not None or parts.password is not None:
        shown = f"{parts.username}{':***' if parts.password is not None else ''}" if database and parts.username else "***"
        user = shown + "@"
    path = parts.path if database else ("/…" if parts.path.strip("/") else parts.path)
    return f"{parts.scheme}://{user}{host}{port}{path}{'?…' if parts.query else ''}{'#…' if parts.fragment else ''}"


class Settings(BaseSettings):
    """repr(settings) and str(settings) show no secret: the keys, passwords and secrets are left out (repr=False),
    and the URLs that may hold one (the database's password, a hosted node's API key) are shown redacted."""

    model_config = SettingsConfigDict(env_prefix="VB_", extra="ignore")

    # storage
    database_url: str = Field(default=f"sqlite:///{ROOT / '.run' / 'volunteer-bank.db'}", validation_alias="DATABASE_URL")

    # chain
    rpc_url: str = "http://127.0.0.1:8545"
    deployments_dir: Path = ROOT / "deployments"
    # Unset: CONFIRMATIONS_BY_CHAIN for the node's chain id.
    confirmations: int | None = Field(default=None, ge=1, le=64)
    # When a confirmed transaction stops being re-checked: "finalized" — once its block is at or below the node's
    # `finalized` block (a node without the tag: at confirmation); "depth" — at confirmation. Until then, a
    # transaction whose block left the canonical chain is followed and sent again (same nonce, same signature).
    finality: Literal["finalized", "depth"] = "finalized"
    rpc_timeout_s: float = Field(default=10.0, gt=0)  # one JSON-RPC call; a slower answer is a transient error
    # Reading logs through a provider (backend/chain/logs.py): `logs_results_cap` is a provider's known silent cap
    # on eth_getLogs results (answers with that many are split and read again); `logs_verify` checks every answer
    # against its halves when the cap is unknown (None: on for any chain but a local one).
    logs_results_cap: int | None = Field(default=None, ge=1)
    logs_verify: bool | None = None
    # Per-centre signing keys: <keystore_dir>/centre-<id>.json (Web3 Secret Storage), unlocked with
    # VB_KEYSTORE_PASSWORD. On a local dev chain, VB_DEV_CENTRE_KEYS="1=0xkey,2=0xkey" is accepted instead.
    keystore_dir: Path = ROOT / ".run" / "keys"
    # The matcher's trained model, one file per database (backend/store/matching_model.py): an API process that
    # starts on unchanged offers and outcomes loads it instead of training again.
    matching_model_dir: Path = ROOT / ".run" / "matching"
    keystore_password: str | None = Field(default=None, repr=False)
    dev_centre_keys: str | None = Field(default=None, repr=False)

    # What wallets are told about the network (GET /token): the RPC URL residents' wallets should add (never the
    # backend's own VB_RPC_URL unless it is on this machine: a hosted one carries a provider's API key), the
    # network's name, and a block explorer whose /tx/<hash> pages the web app links to.
    public_rpc_url: str | None = None
    network_name: str | None = None
    explorer_url: str | None = None

    # chain writer
    batch_max_size: int = Field(default=100, ge=1, le=1400)
    batch_max_wait_s: float = Field(default=0.5, ge=0)
    batch_gas_budget: int = Field(default=15_000_000, ge=100_000, le=EIP7825_TX_GAS_CAP)
    stuck_after_s: float = Field(default=30.0, gt=0)
    fee_bump_percent: int = Field(default=13, ge=11, le=200)  # geth needs +10%, web3.py's nodes +12.5%
    # The most any transaction of the backend may pay per gas (its max fee), in gwei: per chain id
    # (VB_MAX_FEE_GWEI='{"1": 60, "11155111": 200}'), else max_fee_gwei_default. Nothing is signed above it and a
    # stuck transaction is not bumped past it (it then waits, and /health says so).
    max_fee_gwei: dict[int, float] = Field(default_factory=dict)
    max_fee_gwei_default: float = Field(default=200.0, gt=0, le=1_000_000)
    poll_interval_s: float = Field(default=0.2, gt=0)
    # The single-writer lease (backend/store/leases.py): a second worker waits as a standby while the first renews
    # it; it takes over this long after the first stopped renewing. 0: no lease (tests stepping writers by hand).
    lease_s: float = Field(default=15.0, ge=0)
    # /health answers 503 `degraded` (with a code in `problems`) when: the indexer is more than
    # `health_indexer_lag_blocks` behind the head and has not reached the head for `health_indexer_behind_s`
    # ("indexer_behind"); the worker's heartbeat is older than `health_worker_stale_s` ("worker_stale"); the oldest
    # queued activity waits longer than `health_queue_age_s` ("queue_stale").
    health_indexer_lag_blocks: int = Field(default=20, ge=1)
    health_indexer_behind_s: float = Field(default=120.0, gt=0)
    health_worker_stale_s: float = Field(default=60.0, gt=0)
    health_queue_age_s: float = Field(default=900.0, gt=0)

    # auth
    jwt_secret: str = Field(default="", repr=False)
    jwt_ttl_s: int = Field(default=900, ge=30, le=86400)
    jwt_issuer: str = "volunteer-bank"
    # A staff member's working day: how long a sign-in's refresh token gives new access tokens (not extended by
    # refreshing; revoked at sign-out, on reuse, when the account is disabled or its password changed).
    staff_session_ttl_s: int = Field(default=10 * 3600, ge=300, le=7 * 86400)
    # The longest an API key may live (its creator picks up to this many days; the default is this).
    api_key_max_days: int = Field(default=90, ge=1, le=3650)
    # Password hashing (argon2id). The defaults are argon2-cffi's (RFC 9106 "low memory": 64 MiB, 3 passes, 4 lanes),
    # stronger than OWASP's minimum (19 MiB, 2 passes, 1 lane), which the bounds allow. Raise them until a sign-in
    # takes about half a second on the server (docs/backend.md); hashes made with other parameters still verify and
    # are rehashed with these at their next successful sign-in.
    argon2_memory_kib: int = Field(default=65536, ge=19456, le=4 * 1024 * 1024)
    argon2_time_cost: int = Field(default=3, ge=2, le=20)
    argon2_parallelism: int = Field(default=4, ge=1, le=16)
    # Staff sign-in throttle (services.login_throttle, kept in the database so every API process shares it): after
    # `login_max_failures` failures in a row an account is locked for `login_lockout_s`, doubling with each further
    # lock up to `login_lockout_max_s`; a client address gets `login_client_max_failures` failures per
    # `login_client_window_s` over all accounts.
    login_max_failures: int = Field(default=5, ge=1, le=100)
    login_lockout_s: int = Field(default=60, ge=1, le=3600)
    login_lockout_max_s: int = Field(default=900, ge=1, le=86400)
    login_client_max_failures: int = Field(default=30, ge=1, le=10_000)
    login_client_window_s: int = Field(default=900, ge=1, le=86400)

    # HTTP
    # The built web app (web/dist, from `npm run build` in web/; tools/run and tools/test build it).
    web_dir: Path = ROOT / "web" / "dist"
    # How long a stored answer of an Idempotency-Key is kept (the worker deletes older ones; a key retried later is a
    # new request): longer than any client's retries.
    idempotency_ttl_s: int = Field(default=24 * 3600, ge=3600, le=90 * 86400)
    # The largest request body any route takes (413 request_too_large above it; the attendance sheet upload has its
    # own bound, routes/sheets.py).
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024, le=64 * 1024 * 1024)

    # residents: Sign-In with Ethereum (EIP-4361). The domain and URI the signed message must name: the
    # resident app's origin (e.g. bank.example.org and https://bank.example.org).
    siwe_domain: str = "localhost:8000"
    siwe_uri: str = "http://localhost:8000"
    # A developer's own machine against a testnet: sign-in at localhost accepted off a development chain (never on
    # a server: any page on the resident's own machine could then ask for a sign-in that works here).
    siwe_localhost_ok: bool = False
    siwe_nonce_ttl_s: int = Field(default=600, ge=30, le=86400)
    # Sign-ins whose signature is refused, per client address: each asks the node (a contract wallet's check, an
    # EIP-6492 simulation), so a client gets this many per window, then 429 until the window ends.
    siwe_client_max_failures: int = Field(default=20, ge=1, le=10_000)
    siwe_client_window_s: int = Field(default=600, ge=1, le=86400)
    # The key the SIWE nonces are signed with (HMAC-SHA256; at least 32 bytes, the same in every API process). Unset:
    # derived from VB_JWT_SECRET.
    siwe_nonce_secret: str = Field(default="", repr=False)
    resident_token_ttl_s: int = Field(default=3600, ge=60, le=7 * 86400)
    # Relayed requests (the backend pays the gas): per resident at most `relay_rate_limit` accepted requests per
    # `relay_rate_window_s`; and per UTC day at most so many wei of gas fees for one resident, for the residents of
    # one centre, and for all centres together (reserved at acceptance, settled with what the receipt paid).
    # Payments and donations below `relay_min_amount` (base units; 10**17 = 0.1 coin) are not relayed.
    relay_rate_limit: int = Field(default=20, ge=1)
    relay_rate_window_s: int = Field(default=3600, ge=1)
    relay_resident_budget_wei_per_day: int = Field(default=5 * 10**15, ge=0, le=MAX_BUDGET_WEI)  # 0.005 ETH
    relay_centre_budget_wei_per_day: int = Field(default=10**17, ge=0, le=MAX_BUDGET_WEI)  # 0.1 ETH
    relay_global_budget_wei_per_day: int = Field(default=5 * 10**17, ge=0, le=MAX_BUDGET_WEI)  # 0.5 ETH
    relay_min_amount: int = Field(default=10**17, ge=1)
    relay_max_deadline_s: int = Field(default=7 * 86400, ge=60)  # a signed request may be valid at most this long
    # Sending keys besides the centres': keystores relayer.json, admin.json, provider-<name>.json in keystore_dir;
    # on a local dev chain VB_DEV_RELAYER_KEY, VB_DEV_ADMIN_KEY, VB_DEV_PROVIDER_KEYS="0xkey,0xkey" instead.
    dev_relayer_key: str | None = Field(default=None, repr=False)
    dev_admin_key: str | None = Field(default=None, repr=False)
    dev_provider_keys: str | None = Field(default=None, repr=False)

    # Custodial accounts (services.custody, docs/access.md): the master key that seals each account's data key
    # (32 bytes, base64 or 64 hex digits), older master keys that still open accounts not yet re-sealed after a
    # rotation (comma-separated). Unset on a local development chain: a fixed development key (never on another
    # chain: the custodial endpoints answer 503 until it is set). A custodial account spends at most
    # `custody_daily_limit` (base units; an account's own limit may be lower or higher) per Korean day. A card session
    # (the kiosk's, the provider's desk's) lasts `card_session_ttl_s`; a card is locked after `card_pin_max_failures`
    # wrong PINs until a coordinator resets the PIN; a client address gets `card_client_max_failures` failed card
    # sign-ins per `card_client_window_s`.
    custody_master_key: str = Field(default="", repr=False)
    custody_old_master_keys: str = Field(default="", repr=False)
    custody_daily_limit: int = Field(default=20 * 10**18, ge=0)
    card_session_ttl_s: int = Field(default=600, ge=60, le=3600)
    card_pin_max_failures: int = Field(default=5, ge=1, le=20)
    card_client_max_failures: int = Field(default=20, ge=1, le=10_000)
    card_client_window_s: int = Field(default=900, ge=1, le=86400)
    # How often an API process looks at custodial residents' moves to their own wallets (services.graduation:
    # sweeps late coins, destroys the key once all is final); 0: never (the tests step it by hand).
    custody_move_finish_s: float = Field(default=15.0, ge=0, le=3600)
    # A move is confirmed by a coordinator who has not, in this many days, opened the account, set its PIN, printed
    # or issued its card or registered a guardian for it (any of which gives them the card's token and PIN).
    custody_move_separation_days: int = Field(default=30, ge=0, le=3650)

    # the residents' app: the city's names, logo and colours (docs/branding.md)
    branding_file: Path = ROOT / "config" / "branding.yaml"

    # community layer: the key sealing neighbour reports (32 bytes, base64 or hex), older keys still opening them
    reports_key: str = Field(default="", repr=False)
    reports_old_keys: str = Field(default="", repr=False)
    # Community rewards (a confirmed neighbour report's, a coordinator's grant of points) are not attested one by one:
    # they are collected and attested once per period, dated at the period's start, in the generic category
    # `community_reward`, so nothing on-chain says that, or when, a wallet reported someone. A period's batch waits
    # (rolls over) until at least `community_reward_min_residents` residents of the centre are in it.
    community_reward_period_s: int = Field(default=7 * 86400, ge=1)
    community_reward_min_residents: int = Field(default=3, ge=1)
    report_reward_points: int = Field(default=5, ge=1)
    # Posting limits per resident (services.posting): at most so many new talents, needs, proposals, comments and
    # neighbour reports of each kind in any 24 hours (429 posting_limited, with when to try again), and at most
    # `community_open_per_resident` of each kind open at once (active talents, open needs and proposals, reports not
    # yet decided; 409 too_many_open). Staff posts are not limited.
    community_talents_per_day: int = Field(default=20, ge=1, le=10_000)
    community_needs_per_day: int = Field(default=20, ge=1, le=10_000)
    community_proposals_per_day: int = Field(default=20, ge=1, le=10_000)
    community_comments_per_day: int = Field(default=20, ge=1, le=10_000)
    community_reports_per_day: int = Field(default=5, ge=1, le=10_000)
    community_open_per_resident: int = Field(default=100, ge=1, le=100_000)
    # New texts a talent search may have the sentence encoder read (about 20 ms of CPU each; services.sentences.
    # TextAllowance), per minute, per actor and in all, in each API process: past either, a search is ranked by its
    # words alone that time.
    search_texts_per_actor_per_minute: int = Field(default=20, ge=0, le=10_000)
    search_texts_per_minute: int = Field(default=600, ge=0, le=100_000)

    # The national volunteer portal 1365 (docs/portal.md): the public data portal's volunteer-participation service
    # (its end point, and the account's service key, which stays out of logs and answers), asked at most
    # `portal_max_pages` pages of `portal_page_rows` per import.
    portal_api_url: str = "https://apis.data.go.kr/1741000/VolunteerPartcptnService"
    portal_service_key: str = Field(default="", repr=False)
    portal_timeout_s: float = Field(default=15.0, gt=0)
    portal_page_rows: int = Field(default=100, ge=1, le=1000)
    portal_max_pages: int = Field(default=20, ge=1, le=500)

    def __repr_args__(self) -> Any:
        for name, value in super().__repr_args__():
            if name in REDACTED_URLS and isinstance(value, str):
                value = redacted_url(value, database=REDACTED_URLS[name])
            yield name, value

    def confirmations_on(self, chain_id: int) -> int:
        """Blocks on top of a transaction's (its own included) before it counts as confirmed on `chain_id`."""
        if self.confirmations is not None:
            return self.confirmations
        return CONFIRMATIONS_BY_CHAIN.get(chain_id, DEFAULT_CONFIRMATIONS)

    def max_fee_wei(self, chain_id: int) -> int:
        """The fee ceiling per gas on `chain_id`, in wei."""
        gwei = self.max_fee_gwei.get(chain_id, self.max_fee_gwei_default)
        return int(Decimal(str(gwei)) * 10**9)

    @field_validator("max_fee_gwei")
    @classmethod
    def _positive_ceilings(cls, value: dict[int, float]) -> dict[int, float]:
        if any(v <= 0 for v in value.values()):
            raise ValueError("VB_MAX_FEE_GWEI: every chain's ceiling must be above 0 gwei")
        return value

    @field_validator("jwt_secret", "siwe_nonce_secret")
    @classmethod
    def _long_secret(cls, value: str) -> str:
        if value and len(value.encode()) < 32:
            raise ValueError("VB_JWT_SECRET and VB_SIWE_NONCE_SECRET must be at least 32 bytes (e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')")
        return value

    @field_validator("database_url")
    @classmethod
    def _sqlalchemy_url(cls, value: str) -> str:
        # Heroku-style URLs name the driver "postgres"; SQLAlchemy wants postgresql+psycopg.
        if value.startswith("postgres://"):
            value = "postgresql://" + value[len("postgres://"):]
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value[len("postgresql://"):]
        return value


# The settings holding a URL that may carry a secret, and whether it is a database's (its name and user are shown).
REDACTED_URLS = {"database_url": True, "rpc_url": False, "public_rpc_url": False}


@lru_cache
def get_settings() -> Settings:
    return Settings()


# ------------------------------------------------------------------------------------ development or deployment


def loopback(url: str) -> bool:
    """Does the URL (or a bare host[:port]) name this machine: localhost or a loopback address (127.x, ::1; not a
    name that merely starts with "127.")?"""
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    except ValueError:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def local_chain(settings: Settings, chain_id: int | None) -> bool:
    """A development chain: the only place plaintext keys, development secrets and a localhost sign-in are
    accepted. A local chain id (Anvil, Ganache) is not enough — any remote node can claim 1337 — so the node must also
    be on this machine. `chain_id` None (the node not reached yet): its URL decides."""
    return loopback(settings.rpc_url) and (chain_id is None or chain_id in LOCAL_CHAIN_IDS)


def deployment_problems(settings: Settings, chain_id: int | None) -> list[str]:
    """What makes these settings unsafe for a real deployment (nothing on a development chain): the API refuses to
    start with any of them. A node on this machine not reached at start (`chain_id` None) passes: the process then
    never reaches a chain (it does not reconnect: no sign-in with a wallet, no key used), and a secret made up for
    it is as unguessable as a configured one, only not shared with other processes."""
    if local_chain(settings, chain_id):
        return []
    problems = []
    if not settings.jwt_secret:
        problems.append("VB_JWT_SECRET is not set: sessions would be signed with a secret of this process only")
    if (loopback(settings.siwe_domain) or loopback(settings.siwe_uri)) and not settings.siwe_localhost_ok:
        problems.append(f"VB_SIWE_DOMAIN ({settings.siwe_domain}) / VB_SIWE_URI ({settings.siwe_uri}) name this "
                        "machine: residents sign in at the site's public address (https://bank.example.org); on a developer's "
                        "own machine against a testnet, VB_SIWE_LOCALHOST_OK=true")
    return problems
