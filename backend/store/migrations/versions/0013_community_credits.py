"""Community rewards collected per period: a confirmed neighbour report earns the reporter points that wait for the
period's community batch instead of an activity of its own; the activities of reports rewarded before lose their
"report" label for coordinators

Revision ID: 0013_community_credits
Revises: 0012_signed_batches
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_community_credits"
down_revision = "0012_signed_batches"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "community_credits",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("resident_id", sa.Integer(), sa.ForeignKey("residents.id"), nullable=False, index=True),
        sa.Column("centre_id", sa.Integer(), sa.ForeignKey("centres.id"), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("neighbour_reports.id"), nullable=True, unique=True),
        sa.Column("granted_by", sa.String(100), nullable=False),
        sa.Column("reason", sa.String(300), nullable=True),
        sa.Column("activity_id", sa.Integer(), sa.ForeignKey("activities.id"), nullable=True, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_community_credits_unsettled", "community_credits", ["centre_id", "activity_id"])
    # What is already on-chain stays there; off-chain, coordinators no longer see which activity rewarded a report.
    activities = sa.table("activities", sa.column("source", sa.String), sa.column("recorded_by", sa.String),
                          sa.column("reviewed_by", sa.String), sa.column("description", sa.Text))
    op.execute(activities.update().where(activities.c.source == "report").values(
        source="community", recorded_by="community rewards", reviewed_by="community rewards",
        description="community reward"))


def downgrade() -> None:
    op.drop_index("ix_community_credits_unsettled", table_name="community_credits")
    op.drop_table("community_credits")
