"""Unmatched attestations: what a restored database finds on-chain without a row of its own

Revision ID: 0020_unmatched_attestations
Revises: 0019_finality
"""
import sqlalchemy as sa
from alembic import op

revision = "0020_unmatched_attestations"
down_revision = "0019_finality"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unmatched_attestations",
        sa.Column("chain_id_hex", sa.String(66), primary_key=True),
        sa.Column("centre_id", sa.Integer, nullable=False),
        sa.Column("serial", sa.BigInteger, nullable=False),
        sa.Column("volunteer", sa.String(42), nullable=False),
        sa.Column("category", sa.Integer, nullable=False),
        sa.Column("units", sa.BigInteger, nullable=False),
        sa.Column("chain_time", sa.BigInteger, nullable=False),
        sa.Column("evidence_hash", sa.String(66), nullable=False),
        sa.Column("amount", sa.String(80), nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=False),
        sa.Column("block_number", sa.BigInteger, nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False),
        sa.Column("activity_id", sa.Integer, sa.ForeignKey("activities.id"), unique=True),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_unmatched_attestations_match", "unmatched_attestations",
                    ["centre_id", "volunteer", "category", "units", "chain_time"])


def downgrade() -> None:
    op.drop_index("ix_unmatched_attestations_match", "unmatched_attestations")
    op.drop_table("unmatched_attestations")
