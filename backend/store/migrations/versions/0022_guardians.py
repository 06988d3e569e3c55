"""Guardians and proxies: who may act for a member whose account the centre holds, and the operations they asked for

Revision ID: 0022_guardians
Revises: 0021_portal_link
"""
import sqlalchemy as sa
from alembic import op

revision = "0022_guardians"
down_revision = "0021_portal_link"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "guardianships",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("resident_id", sa.Integer, sa.ForeignKey("residents.id"), nullable=False, index=True),
        sa.Column("address", sa.String(42), nullable=False, index=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("relation", sa.String(16), nullable=False),
        sa.Column("consent_terms_version", sa.String(40), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("registered_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_by", sa.String(100)),
        sa.Column("revoke_reason", sa.String(200)),
    )
    op.create_index("uq_guardianships_active", "guardianships", ["resident_id", "address"], unique=True,
                    postgresql_where=sa.text("revoked_at IS NULL"), sqlite_where=sa.text("revoked_at IS NULL"))
    op.create_table(
        "guardian_ops",
        sa.Column("chain_op_id", sa.Integer, sa.ForeignKey("chain_ops.id"), primary_key=True, autoincrement=False),
        sa.Column("guardianship_id", sa.Integer, sa.ForeignKey("guardianships.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("guardian_ops")
    op.drop_index("uq_guardianships_active", "guardianships")
    op.drop_table("guardianships")
