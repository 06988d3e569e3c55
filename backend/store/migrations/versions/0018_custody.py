"""Custodial accounts (a resident's key held by the centre, sealed), member cards and the notices members get

Revision ID: 0018_custody
Revises: 0017_leases
"""
import sqlalchemy as sa
from alembic import op

revision = "0018_custody"
down_revision = "0017_leases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "custodial_accounts",
        sa.Column("resident_id", sa.Integer, sa.ForeignKey("residents.id"), primary_key=True, autoincrement=False),
        sa.Column("address", sa.String(42), nullable=False, unique=True),
        sa.Column("master_key_id", sa.String(16), nullable=False),
        sa.Column("sealed_data_key", sa.LargeBinary, nullable=False),
        sa.Column("sealed_private_key", sa.LargeBinary, nullable=False),
        sa.Column("pin_hash", sa.String(200), nullable=False),
        sa.Column("daily_limit", sa.String(80)),
        sa.Column("consent_terms_version", sa.String(40), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "member_cards",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("resident_id", sa.Integer, sa.ForeignKey("residents.id"), nullable=False, index=True),
        sa.Column("serial", sa.Integer, nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("sealed_token", sa.LargeBinary, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("pin_failures", sa.Integer, nullable=False),
        sa.Column("locked_at", sa.DateTime(timezone=True)),
        sa.Column("issued_by", sa.String(100), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_by", sa.String(100)),
        sa.Column("blocked_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("resident_id", "serial", name="uq_member_cards_serial"),
    )
    op.create_table(
        "member_notices",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("resident_id", sa.Integer, sa.ForeignKey("residents.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(100)),
        sa.Column("card_serial", sa.Integer),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_member_notices_resident", "member_notices", ["resident_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_member_notices_resident", "member_notices")
    op.drop_table("member_notices")
    op.drop_table("member_cards")
    op.drop_table("custodial_accounts")
