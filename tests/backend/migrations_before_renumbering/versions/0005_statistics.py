"""chain_events.block_time, for open statistics; the index is rebuilt from the chain to fill it

Revision ID: 0005_statistics
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_statistics"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chain_events") as batch:
        batch.add_column(sa.Column("block_time", sa.BigInteger(), nullable=True))
    # Events indexed before this revision have no block time. Everything the indexer wrote is derived from the
    # chain, so drop it and let the indexer read the chain again from the deployment block (balances included:
    # they are the sum of the Transfer events).
    op.execute("DELETE FROM chain_events")
    op.execute("DELETE FROM balances")
    op.execute("DELETE FROM indexed_blocks")
    op.execute("DELETE FROM kv WHERE key = 'indexer.next_block'")


def downgrade() -> None:
    with op.batch_alter_table("chain_events") as batch:
        batch.drop_column("block_time")
