"""Sheets a coordinator signs with their own wallet: the signed batch (coordinator, nonce, deadline, signature)
and each outbox item's link to it

Revision ID: 0012_signed_batches
Revises: 0011_admin_audit_centre
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_signed_batches"
down_revision = "0011_admin_audit_centre"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signed_batches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sheet_id", sa.Integer(), sa.ForeignKey("attendance_sheets.id"), nullable=False, unique=True),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("coordinator", sa.String(42), nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("nonce", sa.BigInteger(), nullable=True),
        sa.Column("deadline", sa.BigInteger(), nullable=True),
        sa.Column("signature", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
    )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("signed_batch_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_outbox_signed_batch", "signed_batches", ["signed_batch_id"], ["id"])
        batch.create_index("ix_outbox_signed_batch_id", ["signed_batch_id"])


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_signed_batch_id")
        batch.drop_constraint("fk_outbox_signed_batch", type_="foreignkey")
        batch.drop_column("signed_batch_id")
    op.drop_table("signed_batches")
