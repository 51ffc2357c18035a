"""extras rules: one dispatch run of a day at a time, versions of extras requests,
performers' links revoked with their creator's key

A day's dispatch run was checked for before a new one was recorded, so two starting at the
same moment (the office's button and cron) could both pass. A partial unique index on the
day of the queued and running runs makes the database refuse the second, on both backends.
Runs that already raced are settled first: the latest active run of a day stays, the others
are recorded failed.

Extras requests can now be changed (PATCH, the crew's page): ``version`` counts the changes
and is the ETag that refuses an edit made from a stale copy (If-Match), as for bookings.

A performer's private link now dies with its creator's access, as calendar feeds do (0006):
revoking or rotating the key revokes the links they made (app.users.service.end_access).
This marks the links of keys already revoked, and of creators since deleted, the same way,
so that a later rotation does not revive them (data only: the downgrade leaves it).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = "status IN ('queued', 'running')"


def upgrade() -> None:
    op.execute(
        "UPDATE dispatch_runs SET status = 'failed', finished_at = CURRENT_TIMESTAMP, "
        "message = 'another run of the day was going at the same time' "
        f"WHERE {ACTIVE} AND id NOT IN "
        f"(SELECT MAX(id) FROM dispatch_runs WHERE {ACTIVE} GROUP BY day)"
    )
    op.create_index(
        "uq_dispatch_runs_one_active_per_day",
        "dispatch_runs",
        ["day"],
        unique=True,
        postgresql_where=sa.text(ACTIVE),
        sqlite_where=sa.text(ACTIVE),
    )
    # A plain ADD COLUMN on both backends (SQLite: no copy of a table others refer to).
    op.add_column(
        "extras_requests",
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
    )
    op.execute(
        "UPDATE performer_links SET revoked_at = CURRENT_TIMESTAMP "
        "WHERE revoked_at IS NULL AND (created_by_id IS NULL "
        "OR created_by_id IN (SELECT id FROM users WHERE NOT active))"
    )


def downgrade() -> None:
    op.drop_column("extras_requests", "version")
    op.drop_index("uq_dispatch_runs_one_active_per_day", table_name="dispatch_runs")
