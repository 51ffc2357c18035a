"""register import rows: a register import's performers one row each, paged in SQL

The extras office imports its whole register (up to 20,000 performers a file). The preview
kept every performer row in the import's JSON, read whole for each look at the preview page;
``register_import_rows`` keeps one row per performer (what the file gives, what applying it
would do), filtered by action and paged in SQL. Previews made before this revision have their
rows moved into the table (and back on downgrade).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 20:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENTRY = ("at", "card_no", "name", "action", "performer_id", "changes", "before", "fields")

imports = sa.table("register_imports", sa.column("id", sa.Integer), sa.column("preview", sa.JSON))
entries = sa.table(
    "register_import_rows",
    sa.column("import_id", sa.Integer),
    sa.column("at", sa.Integer),
    sa.column("card_no", sa.String),
    sa.column("name", sa.String),
    sa.column("action", sa.String),
    sa.column("performer_id", sa.Integer),
    sa.column("changes", sa.JSON),
    sa.column("before", sa.JSON),
    sa.column("fields", sa.JSON),
)


def upgrade() -> None:
    op.create_table(
        "register_import_rows",
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.Integer(), nullable=False),
        sa.Column("card_no", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("performer_id", sa.Integer(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "action IN ('create', 'update', 'unchanged')",
            name=op.f("ck_register_import_rows_action_known"),
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["register_imports.id"],
            name=op.f("fk_register_import_rows_import_id_register_imports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("import_id", "at", name=op.f("pk_register_import_rows")),
    )
    op.create_index(
        "ix_register_import_rows_action", "register_import_rows", ["import_id", "action", "at"]
    )
    conn = op.get_bind()
    for import_id, preview in conn.execute(sa.select(imports.c.id, imports.c.preview)).all():
        rows: list[dict[str, Any]] = (preview or {}).get("rows") or []
        if rows:
            conn.execute(
                sa.insert(entries),
                [{"import_id": import_id, **{k: row[k] for k in ENTRY}} for row in rows],
            )
        kept = {k: v for k, v in (preview or {}).items() if k != "rows"}
        conn.execute(sa.update(imports).where(imports.c.id == import_id).values(preview=kept))


def downgrade() -> None:
    conn = op.get_bind()
    for import_id, preview in conn.execute(sa.select(imports.c.id, imports.c.preview)).all():
        found = conn.execute(
            sa.select(*(entries.c[k] for k in ENTRY))
            .where(entries.c.import_id == import_id)
            .order_by(entries.c.at)
        ).all()
        rows = [dict(zip(ENTRY, row, strict=True)) for row in found]
        back = {**(preview or {}), "rows": rows}
        conn.execute(sa.update(imports).where(imports.c.id == import_id).values(preview=back))
    op.drop_index("ix_register_import_rows_action", table_name="register_import_rows")
    op.drop_table("register_import_rows")
