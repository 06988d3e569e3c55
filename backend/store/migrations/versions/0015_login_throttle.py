"""Security review: failed staff sign-ins shared by every API process (login_throttle), a staff account whose
password someone else set must set its own first (staff_users.must_change_password), and the Redemption offers as
the indexer keeps them (indexed_offers; filled from the indexed events already in chain_events)

Revision ID: 0015_login_throttle
Revises: 0014_forgotten_residents
"""
import sqlalchemy as sa
from alembic import op

revision = "0015_login_throttle"
down_revision = "0014_forgotten_residents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locks", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_login_throttle_updated_at", "login_throttle", ["updated_at"])
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default="0"))
    op.create_table(
        "indexed_offers",
        sa.Column("offer_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("provider", sa.String(42), nullable=False),
        sa.Column("price", sa.String(80), nullable=False),
        sa.Column("capacity", sa.BigInteger(), nullable=False),
        sa.Column("sold", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_indexed_offers_provider", "indexed_offers", ["provider"])
    # The offers of the events indexed so far (the indexer keeps the table from here on).
    from backend.domain.offers_index import OFFER_EVENTS, apply_offer_event

    events = sa.table("chain_events", sa.column("id", sa.Integer), sa.column("contract", sa.String),
                      sa.column("event", sa.String), sa.column("args", sa.JSON),
                      sa.column("block_number", sa.BigInteger), sa.column("log_index", sa.Integer))
    bind = op.get_bind()
    offers: dict[int, dict] = {}
    for name, args, block in bind.execute(
            sa.select(events.c.event, events.c.args, events.c.block_number)
            .where(events.c.contract == "Redemption", events.c.event.in_(OFFER_EVENTS))
            .order_by(events.c.block_number, events.c.log_index)).all():
        apply_offer_event(offers, name, args, block)
    if offers:
        table = sa.table("indexed_offers", *(sa.column(c) for c in
                                             ("offer_id", "provider", "price", "capacity", "sold", "active", "block_number")))
        bind.execute(table.insert(), list(offers.values()))


def downgrade() -> None:
    op.drop_index("ix_indexed_offers_provider", table_name="indexed_offers")
    op.drop_table("indexed_offers")
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("must_change_password")
    op.drop_index("ix_login_throttle_updated_at", table_name="login_throttle")
    op.drop_table("login_throttle")
