"""residents for the staff console: the registering centre, a member number, the phone's digits (searching by its
last digits), the consent to the terms (version and time), who registered them; a wallet address may be linked
later (nullable); resident_changes audits every change staff make to a record

Revision ID: 0008_resident_records
Revises: 0007_staff_sessions
"""
import re

import sqlalchemy as sa
from alembic import op

revision = "0008_resident_records"
down_revision = "0007_staff_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("residents") as batch:
        batch.alter_column("address", existing_type=sa.String(length=42), nullable=True)
        batch.add_column(sa.Column("centre_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("member_number", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("phone_digits", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("consent_terms_version", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("registered_by", sa.String(length=100), nullable=True))
        batch.create_foreign_key("fk_residents_centre_id", "centres", ["centre_id"], ["id"])
        batch.create_index("ix_residents_centre_id", ["centre_id"])
        batch.create_unique_constraint("uq_residents_member_number", ["member_number"])
    # Residents registered before: their member number from their id (as backend.domain.residents makes it), the
    # digits of their phone.
    connection = op.get_bind()
    residents = sa.table("residents", sa.column("id", sa.Integer), sa.column("phone", sa.String),
                         sa.column("member_number", sa.String), sa.column("phone_digits", sa.String))
    for rid, phone in connection.execute(sa.select(residents.c.id, residents.c.phone)).all():
        digits = re.sub(r"\D", "", phone or "") or None
        connection.execute(residents.update().where(residents.c.id == rid)
                           .values(member_number=f"VB-{rid:06d}", phone_digits=digits))
    op.create_table(
        "resident_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=20), nullable=False),
        sa.Column("before", sa.String(length=200), nullable=True),
        sa.Column("after", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("resident_changes") as batch:
        batch.create_index("ix_resident_changes_resident_id", ["resident_id"])


def downgrade() -> None:
    op.drop_table("resident_changes")
    with op.batch_alter_table("residents") as batch:
        batch.drop_constraint("uq_residents_member_number", type_="unique")
        batch.drop_index("ix_residents_centre_id")
        batch.drop_constraint("fk_residents_centre_id", type_="foreignkey")
        for column in ("registered_by", "consent_at", "consent_terms_version", "phone_digits", "member_number",
                       "centre_id"):
            batch.drop_column(column)
        batch.alter_column("address", existing_type=sa.String(length=42), nullable=False)
