"""SQLAlchemy 2 models. Personal data (names, phone numbers, places, descriptions) lives here and only here; the
chain gets pseudonymous addresses and salted hashes.

Token amounts are uint256 on-chain, so they are stored as decimal strings (exact on SQLite and PostgreSQL alike).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator):
    """A moment, always timezone-aware in Python: SQLite keeps no zone and hands back the naive UTC it was given,
    so values are stored in UTC and read back as UTC (a naive value from our own code is UTC already)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class Centre(Base):
    """A volunteer centre; `id` is its on-chain centre id."""

    __tablename__ = "centres"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    area: Mapped[str | None] = mapped_column(String(100))
    next_serial: Mapped[int] = mapped_column(BigInteger, default=0)  # serials are handed out here, once each


class StaffUser(Base):
    __tablename__ = "staff_users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))  # admin | coordinator | welfare_officer | provider
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id"))
    address: Mapped[str | None] = mapped_column(String(42))  # a provider's address
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # Set when someone else (the admin) set the password: until the account's owner sets their own
    # (POST /auth/password), every other route answers 403 password_change_required.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class LoginThrottle(Base):
    """Failed staff sign-ins, shared by every API process (services.login_throttle). `key` is "account:<username>"
    (consecutive failures, lockouts doubling in length), "client:<address>" (failures in a window over all
    accounts) or "known:<username>:<address>" (an address the account signed in from: not held by the account's
    lockout until `locked_until`)."""

    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locks: Mapped[int] = mapped_column(Integer, default=0)  # lockouts in a row (each twice as long as the one before)
    window_start: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


class ApiKey(Base):
    """A machine client acting as a staff user. Only a SHA-256 of the secret is kept. It works until `expires_at`
    (at most VB_API_KEY_MAX_DAYS after its creation), until it is revoked, or until the account's password changes
    (`password_mark`: services.security.password_mark of the password hash it was created under, as access tokens
    carry); `scope` "read" allows GET requests only, "write" whatever the account may do (api/deps)."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    label: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    scope: Mapped[str] = mapped_column(String(16), default="write")
    password_mark: Mapped[str] = mapped_column(String(16))
    user: Mapped[StaffUser] = relationship()


class StaffSession(Base):
    """A staff member's working day signed in: a refresh token (only its SHA-256 is kept) that gives new access
    tokens until `expires_at` or until it is revoked. Each refresh replaces the token by a new one of the same
    `family` (the sign-in it descends from), which keeps the family's `expires_at`; a replaced token presented
    again was copied, and the whole family is revoked."""

    __tablename__ = "staff_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    family: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # rotated | signed_out | reused | disabled | password_changed
    revoked_reason: Mapped[str | None] = mapped_column(String(20))


class Resident(Base):
    """A resident (volunteer and beneficiary): a wallet address on-chain, personal details here only.

    A resident belongs to the centre that registered them (`centre_id`) and to every centre that recorded an
    activity for them. A coordinator may register one before they have a wallet (`address` linked later)."""

    __tablename__ = "residents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str | None] = mapped_column(String(42), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id"), index=True)
    member_number: Mapped[str | None] = mapped_column(String(20))  # "VB-000123", from the id (domain.residents)
    phone_digits: Mapped[str | None] = mapped_column(String(40))  # the phone's digits, for searching by its end
    consent_terms_version: Mapped[str | None] = mapped_column(String(40))
    consent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    registered_by: Mapped[str | None] = mapped_column(String(100))
    # The one row the records of forgotten residents are kept under (store.erasure): no person, never listed.
    forgotten_pool: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    __table_args__ = (UniqueConstraint("member_number", name="uq_residents_member_number"),)


class ResidentChange(Base):
    """Every change staff make to a resident's record: who, when, which field, before and after."""

    __tablename__ = "resident_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(20))  # address | name | phone | email
    before: Mapped[str | None] = mapped_column(String(200))
    after: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Activity(Base):
    """A volunteer activity from record to chain.

    status: pending_review (a self-report) → recorded (by a coordinator) → approved (queued in the outbox)
            → submitted (in a signed transaction) → confirmed (N confirmations) ; rejected ; revoking → revoked
    """

    __tablename__ = "activities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    category: Mapped[int] = mapped_column(Integer)
    units: Mapped[int] = mapped_column(BigInteger)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    place: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)
    source: Mapped[str] = mapped_column(String(20))  # coordinator | self_report
    recorded_by: Mapped[str] = mapped_column(String(100))
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    review_reason: Mapped[str | None] = mapped_column(Text)
    # Fixed at approval: the serial (once per centre), the salt (off-chain only; erasing it unlinks the chain
    # entry), the on-chain id and evidence hash, and the reward the rules give.
    serial: Mapped[int | None] = mapped_column(BigInteger)
    salt: Mapped[str | None] = mapped_column(String(66))
    chain_id_hex: Mapped[str | None] = mapped_column(String(66), unique=True)
    evidence_hash: Mapped[str | None] = mapped_column(String(66))
    chain_time: Mapped[int | None] = mapped_column(BigInteger)
    reward: Mapped[str | None] = mapped_column(String(80))
    # The reward in gwei rounded up: summed in SQL for the cap check (exact wei do not fit a 64-bit integer).
    reward_gwei_ceil: Mapped[int | None] = mapped_column(BigInteger)
    tx_hash: Mapped[str | None] = mapped_column(String(66))
    block_number: Mapped[int | None] = mapped_column(BigInteger)
    failure: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    resident: Mapped[Resident] = relationship()
    __table_args__ = (UniqueConstraint("centre_id", "serial"), Index("ix_activities_centre_status", "centre_id", "status"),
                      Index("ix_activities_centre_block", "centre_id", "block_number"))


class ActivityAudit(Base):
    """Every change to an activity: who, what, before and after, why."""

    __tablename__ = "activity_audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    principal: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(200))
    request_sha256: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[dict | list | None] = mapped_column(JSON)
    # Records older than VB_IDEMPOTENCY_TTL_S are deleted (services.idempotency.forget_expired, from the worker).
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    __table_args__ = (UniqueConstraint("principal", "key"),)


class OutboxItem(Base):
    """Work for the chain writer, written in the same database transaction as the decision that causes it."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # attest | revoke
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"))
    centre_id: Mapped[int] = mapped_column(Integer)
    # queued | in_tx | done | failed, or awaiting_signature (a sheet its coordinator's wallet is to sign)
    state: Mapped[str] = mapped_column(String(20), index=True)
    # A sheet signed by its coordinator's own wallet is sent whole, as that signature covers it (attestBatchBySig).
    signed_batch_id: Mapped[int | None] = mapped_column(ForeignKey("signed_batches.id"), index=True)
    chain_tx_id: Mapped[int | None] = mapped_column(ForeignKey("chain_txs.id"), index=True)
    reason_hash: Mapped[str | None] = mapped_column(String(66))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    activity: Mapped[Activity] = relationship()
    __table_args__ = (Index("ix_outbox_queue", "state", "centre_id", "id"),)


class ChainTx(Base):
    """One nonce of one sender. Its signed attempts (the original and fee bumps) are recorded before broadcast."""

    __tablename__ = "chain_txs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender: Mapped[str] = mapped_column(String(42))
    nonce: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(20))
    centre_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), index=True)  # signed | broadcast | mined | confirmed | failed | dropped
    tx_hash: Mapped[str | None] = mapped_column(String(66))  # the attempt that was mined
    block_number: Mapped[int | None] = mapped_column(BigInteger)
    block_hash: Mapped[str | None] = mapped_column(String(66))
    gas_used: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Confirmed (or reverted) and no longer re-checked: its block is final (VB_FINALITY). Until then a block that
    # leaves the canonical chain reopens it.
    final: Mapped[bool] = mapped_column(Boolean, default=False, server_default=true())
    attempts: Mapped[list[TxAttempt]] = relationship(order_by="TxAttempt.id", back_populates="chain_tx")
    __table_args__ = (UniqueConstraint("sender", "nonce"),)


class TxAttempt(Base):
    __tablename__ = "tx_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chain_tx_id: Mapped[int] = mapped_column(ForeignKey("chain_txs.id"), index=True)
    tx_hash: Mapped[str] = mapped_column(String(66), unique=True)
    raw_tx: Mapped[str] = mapped_column(Text)
    max_fee: Mapped[str] = mapped_column(String(80))
    priority_fee: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    chain_tx: Mapped[ChainTx] = relationship(back_populates="attempts")


class IndexedBlock(Base):
    """Hashes of recently indexed blocks, to notice a reorganisation."""

    __tablename__ = "indexed_blocks"
    number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(66))


class ChainEvent(Base):
    """A contract event as indexed; `args` holds its decoded arguments (addresses, amounts as strings)."""

    __tablename__ = "chain_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger, index=True)
    block_hash: Mapped[str] = mapped_column(String(66))
    # The block's timestamp (unix seconds): open statistics date redemptions, donations and settlements by it.
    block_time: Mapped[int | None] = mapped_column(BigInteger)
    tx_hash: Mapped[str] = mapped_column(String(66))
    log_index: Mapped[int] = mapped_column(Integer)
    contract: Mapped[str] = mapped_column(String(32))
    event: Mapped[str] = mapped_column(String(40), index=True)
    args: Mapped[dict] = mapped_column(JSON)
    address1: Mapped[str | None] = mapped_column(String(42), index=True)  # the parties, for history queries
    address2: Mapped[str | None] = mapped_column(String(42), index=True)
    __table_args__ = (UniqueConstraint("tx_hash", "log_index"),)


class Balance(Base):
    __tablename__ = "balances"
    address: Mapped[str] = mapped_column(String(42), primary_key=True)
    amount: Mapped[str] = mapped_column(String(80), default="0")


class IndexedOffer(Base):
    """A Redemption offer as its events left it (OfferCreated, OfferUpdated, OfferActiveSet, VoucherIssued), kept by
    the indexer; GET /offers reads these rows instead of asking the node for each offer."""

    __tablename__ = "indexed_offers"
    offer_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    provider: Mapped[str] = mapped_column(String(42), index=True)
    price: Mapped[str] = mapped_column(String(80))  # uint96, as a decimal string
    capacity: Mapped[int] = mapped_column(BigInteger)
    sold: Mapped[int] = mapped_column(BigInteger, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    block_number: Mapped[int] = mapped_column(BigInteger)  # of the last event that changed it


class KeyValue(Base):
    """Small state: the indexer's cursor, the worker's heartbeat."""

    __tablename__ = "kv"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# ---------------------------------------------------------------------------------------------- residents,
# providers, the city. Everything the backend sends on behalf of someone (a resident's signed request it relays, a
# provider's offer, an admin change) is a ChainOp, sent by the generic durable sender (backend/chain/sender.py).


class SiweNonce(Base):
    """A Sign-In with Ethereum nonce: handed out once, accepted once, before it expires."""

    __tablename__ = "siwe_nonces"
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)  # expired ones are deleted
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    address: Mapped[str | None] = mapped_column(String(42))  # who signed in with it


class ChainOp(Base):
    """A transaction the backend sends for someone: recorded (with its checks passed) before anything is signed.

    state: queued → in_tx (its ChainTx is signed, maybe broadcast) → confirmed | failed (refused by the contract's
    estimate, or reverted; `error` says why).
    """

    __tablename__ = "chain_ops"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)  # redeem | donate | pay | create_offer | … | admin_*
    signer_role: Mapped[str] = mapped_column(String(16))  # relayer | provider | admin: whose key sends it
    sender: Mapped[str | None] = mapped_column(String(42))  # the sending key's address (a provider's own address)
    requested_by: Mapped[str] = mapped_column(String(100))  # "resident 0x…" or a staff username
    subject: Mapped[str | None] = mapped_column(String(42), index=True)  # the resident (relays) or the provider
    centre_id: Mapped[int | None] = mapped_column(Integer)  # whose gas budget a relay counts against
    to: Mapped[str] = mapped_column(String(42))
    data: Mapped[str] = mapped_column(Text)  # calldata
    params: Mapped[dict] = mapped_column(JSON)  # what was asked, decoded
    # For the checks of later requests while this one is in flight: coins leaving the subject, the offer it buys
    # from, the voucher it fulfils.
    amount: Mapped[str | None] = mapped_column(String(80))
    offer_id: Mapped[int | None] = mapped_column(BigInteger)
    voucher_id: Mapped[str | None] = mapped_column(String(80))
    # A relayed request: the resident's EIP-712 nonce; `nonce_slot` ("0xresident:nonce") is unique while the
    # request is live (NULL once failed, which frees the nonce), `signature_hash` unique for ever (replays → 409).
    signed_nonce: Mapped[int | None] = mapped_column(BigInteger)
    nonce_slot: Mapped[str | None] = mapped_column(String(80), unique=True)
    signature_hash: Mapped[str | None] = mapped_column(String(66), unique=True)
    gas: Mapped[int | None] = mapped_column(BigInteger)  # reserved at acceptance, the gas used once mined
    # A relay's gas fees in wei, counted against the resident's, the centre's and the global daily budgets: estimated
    # at acceptance, what the receipt paid (gasUsed × effectiveGasPrice) once mined, 0 if nothing was sent.
    fee_wei: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(20), index=True)
    chain_tx_id: Mapped[int | None] = mapped_column(ForeignKey("chain_txs.id"), index=True)
    tx_hash: Mapped[str | None] = mapped_column(String(66))
    block_number: Mapped[int | None] = mapped_column(BigInteger)
    result: Mapped[dict | None] = mapped_column(JSON)  # e.g. the voucher id, the receipt id, the offer id
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    __table_args__ = (Index("ix_chain_ops_queue", "state", "signer_role", "id"),)


class VoucherCode(Base):
    """A voucher's check code: random, made when its resident first shows the voucher, asked for at the desk (the
    voucher's id alone is guessable: ids run in order)."""

    __tablename__ = "voucher_codes"
    voucher_id: Mapped[str] = mapped_column(String(30), primary_key=True)
    resident: Mapped[str] = mapped_column(String(42), index=True)
    code: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class OfferDetails(Base):
    """What an offer is (title, description): off-chain, since the chain holds only price, capacity and state."""

    __tablename__ = "offer_details"
    offer_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    provider: Mapped[str] = mapped_column(String(42), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class AdminAudit(Base):
    """Every change the city makes through the API (who asked, what, and the chain operation that carries it) and
    every export of a centre's data (no operation)."""

    __tablename__ = "admin_audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor: Mapped[str] = mapped_column(String(100))
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON)
    chain_op_id: Mapped[int | None] = mapped_column(ForeignKey("chain_ops.id"))
    centre_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the centre changed or exported, if one
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)

