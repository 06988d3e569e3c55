"""Leases: one process at a time does a singleton's work (the chain writer, the sender); another waits as a standby

Revision ID: 0017_leases
Revises: 0016_relay_budgets
"""
import sqlalchemy as sa
from alembic import op

revision = "0017_leases"
down_revision = "0016_relay_budgets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("leases")
