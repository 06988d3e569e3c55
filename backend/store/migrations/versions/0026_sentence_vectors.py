"""needs, portal_programmes: the sentence vector of the text the matcher ranks them by (computed by the worker,
kept so no process computes it again)

Rows made before this revision have none: the worker fills those of open needs and current programmes.

Revision ID: 0026_sentence_vectors
Revises: 0025_api_key_scopes
"""
import sqlalchemy as sa
from alembic import op

revision = "0026_sentence_vectors"
down_revision = "0025_api_key_scopes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("needs", "portal_programmes"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("sentence", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    for table in ("needs", "portal_programmes"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("sentence")
