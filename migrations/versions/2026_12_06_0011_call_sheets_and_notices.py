"""call sheets and notices

Call sheets need where a base is (coordinates for sunrise and sunset, an address), a set"s
address and notes, a crew"s call time, each cast member"s makeup time and each scene"s
extras. Notices are an outbox: ``notices`` is written in the transaction of the change that
causes it, ``notice_deliveries`` carries it to webhooks and e-mail (attempts, backoff, a
log), ``webhook_subscriptions`` and ``notice_preferences`` say where and in which language.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Rules on columns added to tables that other tables reference. PostgreSQL takes them as
# check constraints; SQLite could only add one by copying the table, which its children's
# foreign keys forbid inside a migration, so there a trigger refuses the same rows.
RULES = (
    ("bases", "ck_bases_latitude_range", "latitude IS NULL OR latitude BETWEEN -90 AND 90"),
    ("bases", "ck_bases_longitude_range", "longitude IS NULL OR longitude BETWEEN -180 AND 180"),
    ("cast_members", "ck_cast_members_makeup_minutes_range", "makeup_minutes BETWEEN 0 AND 600"),
)


def _add_rules() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, name, condition in RULES:
        if not sqlite:
            op.create_check_constraint(op.f(name), table, condition)
            continue
        for event in ("INSERT", "UPDATE"):
            op.execute(
                f"CREATE TRIGGER {name}_{event.lower()} BEFORE {event} ON {table} "
                f"FOR EACH ROW WHEN NOT ({_new(condition)}) "
                f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {name}'); END"
            )


def _drop_rules() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, name, _ in RULES:
        if not sqlite:
            op.drop_constraint(op.f(name), table, type_="check")
            continue
        for event in ("insert", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}_{event}")


def _new(condition: str) -> str:
    """The condition on the row being written (NEW.column)."""
    for column in ("latitude", "longitude", "makeup_minutes"):
        condition = condition.replace(column, f"NEW.{column}")
    return condition


def upgrade() -> None:
    op.create_table(
        "notice_preferences",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("email_enabled", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.CheckConstraint(
            "language IN ('zh', 'en')", name=op.f("ck_notice_preferences_language_known")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notice_preferences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notice_preferences")),
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notices_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("user_id", "dedupe_key", name="uq_notices_user_dedupe"),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index("ix_notices_user_created", ["user_id", "created_at"], unique=False)
        batch_op.create_index("ix_notices_user_unread", ["user_id", "read_at"], unique=False)

    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_webhook_subscriptions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
    )
    with op.batch_alter_table("webhook_subscriptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_subscriptions_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "notice_deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("notice_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "channel <> 'webhook' OR subscription_id IS NOT NULL",
            name=op.f("ck_notice_deliveries_webhook_has_subscription"),
        ),
        sa.CheckConstraint(
            "channel IN ('webhook', 'email')", name=op.f("ck_notice_deliveries_channel_known")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'failed', 'cancelled')",
            name=op.f("ck_notice_deliveries_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notices.id"],
            name=op.f("fk_notice_deliveries_notice_id_notices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscriptions.id"],
            name=op.f("fk_notice_deliveries_subscription_id_webhook_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_deliveries")),
    )
    with op.batch_alter_table("notice_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notice_deliveries_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_notice_deliveries_notice_id"), ["notice_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_notice_deliveries_subscription_id"), ["subscription_id"], unique=False
        )

    with op.batch_alter_table("bases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("longitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("address", sa.Text(), server_default="", nullable=False))

    with op.batch_alter_table("cast_members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("makeup_minutes", sa.Integer(), server_default="90", nullable=False)
        )

    with op.batch_alter_table("crews", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("call_time", sa.Time(), server_default="07:00:00", nullable=False)
        )

    with op.batch_alter_table("sets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("notes", sa.Text(), server_default="", nullable=False))
    _add_rules()


def downgrade() -> None:
    _drop_rules()
    with op.batch_alter_table("sets", schema=None) as batch_op:
        batch_op.drop_column("notes")
        batch_op.drop_column("address")

    with op.batch_alter_table("crews", schema=None) as batch_op:
        batch_op.drop_column("call_time")

    with op.batch_alter_table("cast_members", schema=None) as batch_op:
        batch_op.drop_column("makeup_minutes")

    with op.batch_alter_table("bases", schema=None) as batch_op:
        batch_op.drop_column("address")
        batch_op.drop_column("longitude")
        batch_op.drop_column("latitude")

    with op.batch_alter_table("notice_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_deliveries_subscription_id"))
        batch_op.drop_index(batch_op.f("ix_notice_deliveries_notice_id"))
        batch_op.drop_index("ix_notice_deliveries_due")

    op.drop_table("notice_deliveries")
    with op.batch_alter_table("webhook_subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_subscriptions_user_id"))

    op.drop_table("webhook_subscriptions")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index("ix_notices_user_unread")
        batch_op.drop_index("ix_notices_user_created")

    op.drop_table("notices")
    op.drop_table("notice_preferences")
