"""custody_moves: a custodial resident moving to a wallet of their own; the held key destroyed afterwards

Revision ID: 0023_custody_graduation
Revises: 0022_guardians
"""
import sqlalchemy as sa
from alembic import op

revision = "0023_custody_graduation"
down_revision = "0022_guardians"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "custody_moves",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("resident_id", sa.Integer, sa.ForeignKey("residents.id"), nullable=False, index=True),
        sa.Column("old_address", sa.String(42), nullable=False),
        sa.Column("new_address", sa.String(42), nullable=False, index=True),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("op_id", sa.Integer, sa.ForeignKey("chain_ops.id")),
        sa.Column("payments", sa.Integer, nullable=False, server_default="0"),
        sa.Column("moved", sa.String(80), nullable=False, server_default="0"),
        sa.Column("reason", sa.String(300)),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(100)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("custodial_accounts") as batch:
        batch.alter_column("sealed_data_key", existing_type=sa.LargeBinary, nullable=True)
        batch.alter_column("sealed_private_key", existing_type=sa.LargeBinary, nullable=True)
        batch.add_column(sa.Column("key_destroyed_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("custodial_accounts") as batch:
        batch.drop_column("key_destroyed_at")
    op.drop_table("custody_moves")
