"""api_keys: an expiry, a scope and the mark of the password they were created under; idempotency_keys: an index
on created_at (expired records are deleted)

Keys made before this revision keep working as before: scope "write" (what they could do), an expiry 90 days
(VB_API_KEY_MAX_DAYS's default) after the migration, and the mark of their account's password now (a later
password change ends them).

Revision ID: 0025_api_key_scopes
Revises: 0024_kiosk_devices
"""
import hashlib
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0025_api_key_scopes"
down_revision = "0024_kiosk_devices"
branch_labels = None
depends_on = None

EXISTING_KEYS_DAYS = 90


def _password_mark(password_hash: str) -> str:
    # services.security.password_mark as it is at this revision
    return hashlib.sha256(b"vb:pwd:" + password_hash.encode()).hexdigest()[:16]


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("scope", sa.String(16), nullable=False, server_default="write"))
        batch.add_column(sa.Column("password_mark", sa.String(16), nullable=True))
    bind = op.get_bind()
    keys = sa.table("api_keys", sa.column("id", sa.Integer), sa.column("expires_at", sa.DateTime(timezone=True)),
                    sa.column("password_mark", sa.String(16)), sa.column("user_id", sa.Integer))
    users = sa.table("staff_users", sa.column("id", sa.Integer), sa.column("password_hash", sa.String))
    expires_at = datetime.now(UTC) + timedelta(days=EXISTING_KEYS_DAYS)
    if bind.dialect.name == "sqlite":
        expires_at = expires_at.replace(tzinfo=None)  # SQLite keeps no zone: UTC, as models.UtcDateTime stores it
    rows = bind.execute(sa.select(keys.c.id, users.c.password_hash).join(users, users.c.id == keys.c.user_id)).all()
    for key_id, password_hash in rows:
        bind.execute(sa.update(keys).where(keys.c.id == key_id)
                     .values(expires_at=expires_at, password_mark=_password_mark(password_hash or "")))
    with op.batch_alter_table("api_keys") as batch:
        batch.alter_column("expires_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch.alter_column("password_mark", existing_type=sa.String(16), nullable=False)
        batch.alter_column("scope", existing_type=sa.String(16), server_default=None)
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.create_index("ix_idempotency_keys_created_at", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_index("ix_idempotency_keys_created_at")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("password_mark")
        batch.drop_column("scope")
        batch.drop_column("expires_at")
