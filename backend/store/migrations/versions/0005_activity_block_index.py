"""An index on activities (centre_id, block_number): the cap check sums what was mined after the block its
remaining cap was read at, which without it scanned every confirmed activity of the centre (slower with each one)

Revision ID: 0005_activity_block_index (0006_activity_block_index before the chain was made linear)
Revises: 0004_statistics
"""
from alembic import op

revision = "0005_activity_block_index"
down_revision = "0004_statistics"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_activities_centre_block", "activities", ["centre_id", "block_number"])


def downgrade() -> None:
    op.drop_index("ix_activities_centre_block", table_name="activities")
