"""run heartbeats: a plan or dispatch run's worker shows it is alive

A worker killed while running (out of memory, a restart, kill -9) left its run "running"
for ever: no new plan run could start, and the day of a dispatch run stayed held by the
one-active-run-a-day index. The worker now stamps ``heartbeat_at`` while it runs; a run
whose stamp is too old is recorded failed where runs are read (app.jobs.settle_lost_runs).
Runs already running before this revision have no stamp: their start stands for it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("plan_runs", "dispatch_runs")


def upgrade() -> None:
    # A plain ADD COLUMN on both backends (SQLite: no copy of a table others refer to).
    for table in TABLES:
        op.add_column(table, sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "heartbeat_at")
