"""The 1365 link: programmes imported, residents' consent and 1365 ids, exports, imported portal hours

Revision ID: 0021_portal_link
Revises: 0020_unmatched_attestations
"""
import sqlalchemy as sa
from alembic import op


revision = "0021_portal_link"
down_revision = "0020_unmatched_attestations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_programmes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("registration_no", sa.String(20), nullable=False, unique=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("status", sa.Integer),
        sa.Column("starts_on", sa.Date, nullable=False, index=True),
        sa.Column("ends_on", sa.Date, nullable=False, index=True),
        sa.Column("begin_hour", sa.Integer),
        sa.Column("end_hour", sa.Integer),
        sa.Column("place", sa.String(300)),
        sa.Column("organisation", sa.String(200)),
        sa.Column("sido_code", sa.String(20)),
        sa.Column("gugun_code", sa.String(20)),
        sa.Column("field", sa.String(40)),
        sa.Column("adults", sa.Boolean),
        sa.Column("youths", sa.Boolean),
        sa.Column("recruits", sa.Integer),
        sa.Column("weekdays", sa.String(40)),
        sa.Column("description", sa.Text),
        sa.Column("area", sa.String(40), sa.ForeignKey("areas.code")),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(100), nullable=False),
    )
    op.create_table(
        "portal_links",
        sa.Column("resident_id", sa.Integer, sa.ForeignKey("residents.id"), primary_key=True),
        sa.Column("portal_id", sa.String(40), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True)),
        sa.Column("consent_by", sa.String(100)),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "portal_exports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("centre_id", sa.Integer, sa.ForeignKey("centres.id"), nullable=False, index=True),
        sa.Column("period_from", sa.Date, nullable=False),
        sa.Column("period_to", sa.Date, nullable=False),
        sa.Column("lines", sa.Integer, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "portal_exported",
        sa.Column("activity_id", sa.Integer, sa.ForeignKey("activities.id"), primary_key=True),
        sa.Column("export_id", sa.Integer, sa.ForeignKey("portal_exports.id"), nullable=False, index=True),
    )
    op.create_table(
        "portal_hours",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("line_key", sa.String(64), nullable=False),
        sa.Column("centre_id", sa.Integer, sa.ForeignKey("centres.id"), nullable=False, index=True),
        sa.Column("resident_id", sa.Integer, sa.ForeignKey("residents.id"), nullable=False, index=True),
        sa.Column("activity_id", sa.Integer, sa.ForeignKey("activities.id"), nullable=False),
        sa.Column("programme_no", sa.String(20)),
        sa.Column("organisation", sa.String(200)),
        sa.Column("imported_by", sa.String(100), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("line_key", name="uq_portal_hours_line_key"),
    )


def downgrade() -> None:
    for table in ("portal_hours", "portal_exported", "portal_exports", "portal_links", "portal_programmes"):
        op.drop_table(table)
