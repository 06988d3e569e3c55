"""An index on activities (centre_id, block_number): the cap check sums what was mined after the block its
remaining cap was read at, which without it scanned every confirmed activity of the centre (slower with each one)

Revision ID: 0006_activity_block_index
Revises: 0003b
"""
from alembic import op

revision = "0006_activity_block_index"
down_revision = "0003b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_activities_centre_block", "activities", ["centre_id", "block_number"])


def downgrade() -> None:
    op.drop_index("ix_activities_centre_block", table_name="activities")
