"""scene imports: breakdown and screenplay previews; set description, extras, minutes per page

A crew's breakdown (分场表, Excel or CSV) or screenplay (Fountain, Final Draft) is read into a
preview kept in ``imports`` until the coordinator applies it. Scenes gain the set as the
script names it (场景) and the number of extras (群演); a crew gains its shooting minutes per
page of script, which turns an imported length in eighths of a page into minutes. Episodes
are written into the scene number ("3-12A"), so the natural key stays (crew, number).

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-06 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("crews", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("minutes_per_page", sa.Integer(), nullable=False, server_default="60")
        )
        batch_op.create_check_constraint(
            op.f("ck_crews_minutes_per_page_positive"), "minutes_per_page > 0"
        )
    with op.batch_alter_table("scenes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("set_description", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("extras", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_check_constraint(op.f("ck_scenes_extras_not_negative"), "extras >= 0")
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crew_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("format", sa.String(length=12), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("preview", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "status IN ('previewed', 'applied', 'expired')", name=op.f("ck_imports_status_known")
        ),
        sa.CheckConstraint(
            "format IN ('xlsx', 'csv', 'fountain', 'fdx')", name=op.f("ck_imports_format_known")
        ),
        sa.ForeignKeyConstraint(
            ["crew_id"], ["crews.id"], name=op.f("fk_imports_crew_id_crews"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_imports_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )
    op.create_index("ix_imports_crew_created", "imports", ["crew_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_imports_crew_created", table_name="imports")
    op.drop_table("imports")
    with op.batch_alter_table("scenes", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_scenes_extras_not_negative"), type_="check")
        batch_op.drop_column("extras")
        batch_op.drop_column("set_description")
    with op.batch_alter_table("crews", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_crews_minutes_per_page_positive"), type_="check")
        batch_op.drop_column("minutes_per_page")
