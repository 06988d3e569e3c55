"""Voucher check codes: a short random code per voucher, shown only to the resident who holds it and asked for by
the provider's desk, so a voucher's number alone (numbers run in order) cannot be used by someone else

Revision ID: 0010_voucher_codes
Revises: 0009_attendance_sheets
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_voucher_codes"
down_revision = "0009_attendance_sheets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "voucher_codes",
        sa.Column("voucher_id", sa.String(30), primary_key=True),
        sa.Column("resident", sa.String(42), nullable=False, index=True),
        sa.Column("code", sa.String(12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("voucher_codes")
