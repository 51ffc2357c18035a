"""revoke the feeds of revoked keys

Until now a feed was only hidden while its creator's key was revoked, and came back when an
administrator rotated the key. Revoking or rotating a key now revokes the creator's feeds
(app.users.service.end_access); this marks the feeds of keys already revoked the same way,
so that a later rotation does not revive them. Data only: nothing to undo on downgrade.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "UPDATE feed_tokens SET revoked_at = CURRENT_TIMESTAMP "
        "WHERE revoked_at IS NULL "
        "AND created_by_id IN (SELECT id FROM users WHERE NOT active)"
    )


def downgrade() -> None:
    pass
