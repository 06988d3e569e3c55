"""Custodial accounts: the key the centre holds for a resident without a wallet (sealed, never in clear), the PIN
the resident chose, their member cards, and what the member is told about them (services.custody)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.store.models.core import Base, UtcDateTime, utcnow


class CustodialAccount(Base):
    """A resident's key held by the centre, in an envelope: the private key sealed (AES-256-GCM) with a random data
    key of its own, the data key sealed with the master key `master_key_id` names. The PIN's argon2id hash; its
    failures are counted per card (MemberCard)."""

    __tablename__ = "custodial_accounts"
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), primary_key=True, autoincrement=False)
    address: Mapped[str] = mapped_column(String(42), unique=True)
    master_key_id: Mapped[str] = mapped_column(String(16))
    # Both None once the resident moved to a wallet of their own and the key was destroyed (`key_destroyed_at`).
    sealed_data_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    sealed_private_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    pin_hash: Mapped[str] = mapped_column(String(200))
    # Coins (base units) the account may spend per Korean day; None: VB_CUSTODY_DAILY_LIMIT.
    daily_limit: Mapped[str | None] = mapped_column(String(80))
    consent_terms_version: Mapped[str] = mapped_column(String(40))
    consent_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    key_destroyed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class MemberCard(Base):
    """A printed member card. Its QR code holds only `token` (random); the row keeps the token's SHA-256 to find the
    card and the token sealed with the account's data key to print the card again.

    status: active → blocked (lost, or replaced by a card with the next serial). `pin_failures` counts wrong PINs
    since the last right one or reset; at the threshold the card is locked (`locked_at`) until a coordinator resets
    the PIN."""

    __tablename__ = "member_cards"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    serial: Mapped[int] = mapped_column(Integer)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    sealed_token: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16))
    pin_failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    issued_by: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    blocked_by: Mapped[str | None] = mapped_column(String(100))
    blocked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    __table_args__ = (UniqueConstraint("resident_id", "serial", name="uq_member_cards_serial"),)


class MemberNotice(Base):
    """What the member is told at their next card session: their PIN reset, a card blocked or issued, a card locked
    after wrong PINs. `actor` names the staff member who did it (None: the system)."""

    __tablename__ = "member_notices"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    # pin_set | pin_reset | card_issued | card_blocked | card_locked | move_requested | move_declined | custody_moved |
    # move_failed | move_done
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str | None] = mapped_column(String(100))
    card_serial: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    __table_args__ = (Index("ix_member_notices_resident", "resident_id", "id"),)


class Guardianship(Base):
    """A guardian or proxy — a family member, a social worker — registered by a coordinator, with the member's
    recorded consent, to act for a member whose account the centre holds: they sign in with their own wallet
    (`address`) and spend from the member's account under its daily limit (services.guardians). Revoked, never
    deleted while the member is kept (the history and the audit log name it); deleted when the member is forgotten."""

    __tablename__ = "guardianships"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    address: Mapped[str] = mapped_column(String(42), index=True)  # the guardian's own wallet, checksummed
    name: Mapped[str] = mapped_column(String(100))
    relation: Mapped[str] = mapped_column(String(16))  # family | social_worker | other
    consent_terms_version: Mapped[str] = mapped_column(String(40))
    consent_at: Mapped[datetime] = mapped_column(UtcDateTime())
    registered_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(100))
    revoke_reason: Mapped[str | None] = mapped_column(String(200))
    __table_args__ = (Index("uq_guardianships_active", "resident_id", "address", unique=True,
                            postgresql_where=text("revoked_at IS NULL"), sqlite_where=text("revoked_at IS NULL")),)


class GuardianOp(Base):
    """A chain operation a guardian asked for on a member's behalf: the member's history names the guardian on it."""

    __tablename__ = "guardian_ops"
    chain_op_id: Mapped[int] = mapped_column(ForeignKey("chain_ops.id"), primary_key=True, autoincrement=False)
    guardianship_id: Mapped[int] = mapped_column(ForeignKey("guardianships.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # redeem | donate


class CustodyMove(Base):
    """A custodial resident moving to a wallet of their own (services.graduation, docs/access.md).

    state: requested (the resident asked, signed in with the new wallet, with their card and PIN) → declined (a
    coordinator said no, `reason`) | confirmed (a coordinator of their centre confirmed in person: the record's
    address is the new one, the cards blocked) → paying (the whole available balance relayed to the new address in
    one signed payment, `op_id`; again for coins that arrive later, `payments` counts them) → done (the payment final,
    the old address empty, the key destroyed) | failed (a payment failed, `reason`; a retry pays again)."""

    __tablename__ = "custody_moves"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    old_address: Mapped[str] = mapped_column(String(42))
    new_address: Mapped[str] = mapped_column(String(42), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    op_id: Mapped[int | None] = mapped_column(ForeignKey("chain_ops.id"))
    payments: Mapped[int] = mapped_column(Integer, default=0)
    moved: Mapped[str] = mapped_column(String(80), default="0")  # coins (base units) the payments carried
    reason: Mapped[str | None] = mapped_column(String(300))
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class KioskDevice(Base):
    """A kiosk enrolled as a device of its centre (services.kiosks): a card session without a provider's desk
    sign-in is opened only by an enrolled, unrevoked kiosk. The device's secret (`vbk_…`) is shown once at
    enrolment; only its SHA-256 digest is kept."""

    __tablename__ = "kiosk_devices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))  # where it stands: "1층 로비"
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    enrolled_by: Mapped[str] = mapped_column(String(100))
    enrolled_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(100))
