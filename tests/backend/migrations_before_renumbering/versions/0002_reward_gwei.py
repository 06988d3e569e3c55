"""activities.reward_gwei_ceil and an index on (centre_id, status), for the cap check in SQL

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("reward_gwei_ceil", sa.BigInteger(), nullable=True))
        batch.create_index("ix_activities_centre_status", ["centre_id", "status"])
    # Rows approved before this revision: derive it from the exact reward.
    op.execute("UPDATE activities SET reward_gwei_ceil = (CAST(substr(reward, 1, length(reward) - 9) AS BIGINT) + 1) "
               "WHERE reward IS NOT NULL AND length(reward) > 9")
    op.execute("UPDATE activities SET reward_gwei_ceil = 1 WHERE reward IS NOT NULL AND length(reward) <= 9")


def downgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.drop_index("ix_activities_centre_status")
        batch.drop_column("reward_gwei_ceil")
