"""The city's audit log filtered by centre: each row's centre (of a centre's change or export) in a column of its
own, filled in for the rows written before from their params

Revision ID: 0011_admin_audit_centre
Revises: 0010_voucher_codes
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_admin_audit_centre"
down_revision = "0010_voucher_codes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("admin_audit", sa.Column("centre_id", sa.Integer(), nullable=True))
    op.create_index("ix_admin_audit_centre_id", "admin_audit", ["centre_id"])
    op.create_index("ix_admin_audit_at", "admin_audit", ["at"])
    audit = sa.table("admin_audit", sa.column("id", sa.Integer), sa.column("params", sa.JSON),
                     sa.column("centre_id", sa.Integer))
    bind = op.get_bind()
    for row_id, params in bind.execute(sa.select(audit.c.id, audit.c.params)).all():
        centre = (params or {}).get("centre_id") if isinstance(params, dict) else None
        if isinstance(centre, int) and not isinstance(centre, bool):
            bind.execute(audit.update().where(audit.c.id == row_id).values(centre_id=centre))


def downgrade() -> None:
    op.drop_index("ix_admin_audit_at", table_name="admin_audit")
    op.drop_index("ix_admin_audit_centre_id", table_name="admin_audit")
    with op.batch_alter_table("admin_audit") as batch:
        batch.drop_column("centre_id")
