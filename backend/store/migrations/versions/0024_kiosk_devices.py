"""kiosk_devices: kiosks enrolled as devices of their centre (a card session without a desk needs one)

Revision ID: 0024_kiosk_devices
Revises: 0023_custody_graduation
"""
import sqlalchemy as sa
from alembic import op

revision = "0024_kiosk_devices"
down_revision = "0023_custody_graduation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kiosk_devices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("centre_id", sa.Integer, sa.ForeignKey("centres.id"), nullable=False, index=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_digest", sa.String(64), nullable=False, unique=True),
        sa.Column("enrolled_by", sa.String(100), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_by", sa.String(100)),
    )


def downgrade() -> None:
    op.drop_table("kiosk_devices")
