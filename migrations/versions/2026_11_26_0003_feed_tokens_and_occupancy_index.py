"""feed tokens (iCalendar subscriptions) and the occupancy index

Feed tokens are calendar subscriptions to a crew's or a set's bookings, revocable;
ix_bookings_live is a partial index over confirmed bookings and holds, by set and
end date, that keeps the occupancy grid of a base to a few milliseconds of SQL.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Occupancy reads only live rows (confirmed or hold); see app/models/booking.py.
LIVE = "status IN ('confirmed', 'hold')"


def upgrade() -> None:
    op.create_table(
        "feed_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("crew_id", sa.Integer(), nullable=True),
        sa.Column("set_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("token_prefix", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('crew', 'set')", name=op.f("ck_feed_tokens_kind_known")),
        sa.CheckConstraint(
            "(kind = 'crew' AND crew_id IS NOT NULL AND set_id IS NULL) OR "
            "(kind = 'set' AND set_id IS NOT NULL AND crew_id IS NULL)",
            name=op.f("ck_feed_tokens_one_subject"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"],
            name=op.f("fk_feed_tokens_created_by_id_users"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["crew_id"], ["crews.id"], name=op.f("fk_feed_tokens_crew_id_crews"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["set_id"], ["sets.id"], name=op.f("fk_feed_tokens_set_id_sets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_feed_tokens_token_hash")),
    )
    with op.batch_alter_table("feed_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feed_tokens_created_by_id"), ["created_by_id"])
        batch_op.create_index(batch_op.f("ix_feed_tokens_crew_id"), ["crew_id"])
        batch_op.create_index(batch_op.f("ix_feed_tokens_set_id"), ["set_id"])
    op.create_index(
        "ix_bookings_live",
        "bookings",
        ["set_id", "end_date", "start_date"],
        postgresql_include=["id", "crew_id", "status", "placed_at", "expires_at", "price"],
        postgresql_where=sa.text(LIVE),
        sqlite_where=sa.text(LIVE),
    )


def downgrade() -> None:
    op.drop_index("ix_bookings_live", table_name="bookings")
    with op.batch_alter_table("feed_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feed_tokens_set_id"))
        batch_op.drop_index(batch_op.f("ix_feed_tokens_crew_id"))
        batch_op.drop_index(batch_op.f("ix_feed_tokens_created_by_id"))
    op.drop_table("feed_tokens")
