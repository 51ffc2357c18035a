"""register imports: the extras office's sheet of performers, previewed before it is applied

The office uploads its register (Excel or CSV); ``register_imports`` keeps what applying it
would do (register new performers, update those whose guild card number the register knows)
until its uploader applies it, once, all or nothing.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "register_imports",
        sa.Column("id", sa.Integer(), nullable=False),
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
            "status IN ('previewed', 'applied', 'expired')",
            name=op.f("ck_register_imports_status_known"),
        ),
        sa.CheckConstraint(
            "format IN ('xlsx', 'csv')", name=op.f("ck_register_imports_format_known")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_register_imports_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_imports")),
    )
    op.create_index(
        "ix_register_imports_user_created", "register_imports", ["user_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_register_imports_user_created", table_name="register_imports")
    op.drop_table("register_imports")
