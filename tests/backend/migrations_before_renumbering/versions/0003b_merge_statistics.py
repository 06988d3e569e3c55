"""Merge point: residents/providers/city (0003) and open statistics (0005_statistics) both follow 0002

Revision ID: 0003b
Revises: 0003, 0005_statistics
"""

revision = "0003b"
down_revision = ("0003", "0005_statistics")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
