"""A resident's request to be forgotten: the pool row that keeps forgotten residents' records, aggregated

Revision ID: 0014_forgotten_residents
Revises: 0013_community_credits
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_forgotten_residents"
down_revision = "0013_community_credits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("residents") as batch:
        batch.add_column(sa.Column("forgotten_pool", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("residents") as batch:
        batch.drop_column("forgotten_pool")
