"""Relay budgets in wei: each relayed request's gas fees (estimated at acceptance, then what its receipt paid) in a
column of its own, summed per resident, per centre and over all centres for the day; and the row whose lock
serialises the budget checks of concurrent API processes

Revision ID: 0016_relay_budgets
Revises: 0015_login_throttle
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_relay_budgets"
down_revision = "0015_login_throttle"
branch_labels = None
depends_on = None

LOCK_KEY = "relay.budgets"  # backend/store/ops.py: lock_relay_budgets


def upgrade() -> None:
    op.add_column("chain_ops", sa.Column("fee_wei", sa.BigInteger(), nullable=True))
    kv = sa.table("kv", sa.column("key", sa.String), sa.column("value", sa.Text))
    op.bulk_insert(kv, [{"key": LOCK_KEY, "value": "lock row of the relay budgets"}])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM kv WHERE key = :key").bindparams(key=LOCK_KEY))
    with op.batch_alter_table("chain_ops") as batch:
        batch.drop_column("fee_wei")
