"""Residents, providers and the city: SIWE nonces, chain operations (relayed requests, offers, admin changes),
offer details, the admin audit

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "siwe_nonces",
        sa.Column("nonce", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("address", sa.String(42), nullable=True),
    )
    op.create_index("ix_siwe_nonces_expires_at", "siwe_nonces", ["expires_at"])
    op.create_table(
        "chain_ops",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("signer_role", sa.String(16), nullable=False),
        sa.Column("sender", sa.String(42), nullable=True),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("subject", sa.String(42), nullable=True),
        sa.Column("centre_id", sa.Integer, nullable=True),
        sa.Column("to", sa.String(42), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("amount", sa.String(80), nullable=True),
        sa.Column("offer_id", sa.BigInteger, nullable=True),
        sa.Column("voucher_id", sa.String(80), nullable=True),
        sa.Column("signed_nonce", sa.BigInteger, nullable=True),
        sa.Column("nonce_slot", sa.String(80), nullable=True, unique=True),
        sa.Column("signature_hash", sa.String(66), nullable=True, unique=True),
        sa.Column("gas", sa.BigInteger, nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("chain_tx_id", sa.Integer, sa.ForeignKey("chain_txs.id"), nullable=True),
        sa.Column("tx_hash", sa.String(66), nullable=True),
        sa.Column("block_number", sa.BigInteger, nullable=True),
        sa.Column("result", sa.JSON, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_chain_ops_kind", "chain_ops", ["kind"])
    op.create_index("ix_chain_ops_subject", "chain_ops", ["subject"])
    op.create_index("ix_chain_ops_state", "chain_ops", ["state"])
    op.create_index("ix_chain_ops_chain_tx_id", "chain_ops", ["chain_tx_id"])
    op.create_index("ix_chain_ops_created_at", "chain_ops", ["created_at"])
    op.create_index("ix_chain_ops_queue", "chain_ops", ["state", "signer_role", "id"])
    op.create_table(
        "offer_details",
        sa.Column("offer_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("provider", sa.String(42), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_offer_details_provider", "offer_details", ["provider"])
    op.create_table(
        "admin_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("actor_user_id", sa.Integer, nullable=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("chain_op_id", sa.Integer, sa.ForeignKey("chain_ops.id"), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("admin_audit")
    op.drop_table("offer_details")
    op.drop_table("chain_ops")
    op.drop_table("siwe_nonces")
