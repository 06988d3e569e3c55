"""attendance sheets: a coordinator's upload of one event's participants, kept as a draft line by line until it is
approved into activities

Revision ID: 0009_attendance_sheets
Revises: 0008_resident_records
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_attendance_sheets"
down_revision = "0008_resident_records"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attendance_sheets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.Integer(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by", sa.String(length=100), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("attendance_sheets") as batch:
        batch.create_index("ix_attendance_sheets_centre_id", ["centre_id"])
    op.create_table(
        "attendance_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("member_number", sa.String(length=40), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("address", sa.String(length=60), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("units_text", sa.String(length=40), nullable=True),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("lookup_problem", sa.String(length=30), nullable=True),
        sa.Column("units", sa.BigInteger(), nullable=True),
        sa.Column("dropped", sa.Boolean(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["sheet_id"], ["attendance_sheets.id"]),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"]),
        sa.ForeignKeyConstraint(["activity_id"], ["activities.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sheet_id", "n", name="uq_attendance_lines_sheet_n"),
    )
    with op.batch_alter_table("attendance_lines") as batch:
        batch.create_index("ix_attendance_lines_sheet_id", ["sheet_id"])


def downgrade() -> None:
    op.drop_table("attendance_lines")
    op.drop_table("attendance_sheets")
