"""staff sessions: a refresh token per signed-in working day (its SHA-256 only), rotated at each refresh, revoked
at sign-out, when reused, and when the account is disabled or its password changed

Revision ID: 0007_staff_sessions
Revises: 0006_community
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_staff_sessions"
down_revision = "0006_community"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("family", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["staff_users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_sha256"),
    )
    with op.batch_alter_table("staff_sessions") as batch:
        batch.create_index("ix_staff_sessions_family", ["family"])
        batch.create_index("ix_staff_sessions_user_id", ["user_id"])
        batch.create_index("ix_staff_sessions_expires_at", ["expires_at"])


def downgrade() -> None:
    op.drop_table("staff_sessions")
