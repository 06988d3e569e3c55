"""chain_txs.final: a confirmed (or reverted) transaction is re-checked until its block is final

Revision ID: 0019_finality
Revises: 0018_custody
"""
import sqlalchemy as sa
from alembic import op

revision = "0019_finality"
down_revision = "0018_custody"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows settled before this revision were settled under the old rule (at the confirmation depth): final.
    with op.batch_alter_table("chain_txs") as batch:
        batch.add_column(sa.Column("final", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("chain_txs") as batch:
        batch.drop_column("final")
