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
    # What is already on-chain stays there; off-chain, nothing may link a reward to its report any more: the rows lose
    # their label, their link to the chain (as erase-link does), their audit snapshots (which named the officer) and
    # their exact time (the report's), kept to the month.
    bind = op.get_bind()
    activities = sa.table("activities", sa.column("id", sa.Integer), sa.column("source", sa.String),
                          sa.column("recorded_by", sa.String), sa.column("reviewed_by", sa.String),
                          sa.column("description", sa.Text), sa.column("place", sa.String),
                          sa.column("occurred_at", sa.DateTime(timezone=True)), sa.column("salt", sa.String),
                          sa.column("chain_id_hex", sa.String), sa.column("evidence_hash", sa.String),
                          sa.column("serial", sa.BigInteger), sa.column("chain_time", sa.BigInteger),
                          sa.column("tx_hash", sa.String), sa.column("block_number", sa.BigInteger))
    audit = sa.table("activity_audit", sa.column("activity_id", sa.Integer), sa.column("actor", sa.String),
                     sa.column("before", sa.JSON), sa.column("after", sa.JSON), sa.column("reason", sa.Text))
    outbox = sa.table("outbox", sa.column("activity_id", sa.Integer))
    rows = bind.execute(sa.select(activities.c.id, activities.c.occurred_at).where(activities.c.source == "report")).all()
    for activity_id, occurred in rows:
        month = occurred.replace(day=1, hour=0, minute=0, second=0, microsecond=0) if occurred else None
        bind.execute(activities.update().where(activities.c.id == activity_id).values(
            source="community", recorded_by="community rewards", reviewed_by="community rewards",
            description="community reward", place=None, occurred_at=month, salt=None, chain_id_hex=None,
            evidence_hash=None, serial=None, chain_time=None, tx_hash=None, block_number=None))
        bind.execute(audit.update().where(audit.c.activity_id == activity_id).values(
            actor="community rewards", before=sa.null(), after=sa.null(), reason=None))
        bind.execute(outbox.delete().where(outbox.c.activity_id == activity_id))


def downgrade() -> None:
    op.drop_index("ix_community_credits_unsettled", table_name="community_credits")
    op.drop_table("community_credits")
