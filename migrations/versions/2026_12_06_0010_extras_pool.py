"""extras pool: the 横漂 register, crews' extras requests, dispatch runs, pay rules

Adds the extras office's role (``extras_office``) to the users' role rule, and each base's
cut-off hour for extras requests (the day before, Asia/Shanghai; 18 by default).

SQLite cannot alter a CHECK constraint, and rebuilding ``users`` (batch mode) would drop the
table with foreign keys on, cascading into sessions, feeds and scopes. The rule's text is
changed in the schema instead, as SQLite documents for CHECK changes ("ALTER TABLE", §7:
writable_schema, then a new schema_version), which touches no row.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-06 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


OLD_ROLES = "role IN ('admin', 'base_manager', 'coordinator')"
NEW_ROLES = "role IN ('admin', 'base_manager', 'coordinator', 'extras_office')"


def _set_role_rule(old: str, new: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE users DROP CONSTRAINT ck_users_role_known")
        op.execute(f"ALTER TABLE users ADD CONSTRAINT ck_users_role_known CHECK ({new})")
        return
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = 'users'",
        (old, new),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    _set_role_rule(OLD_ROLES, NEW_ROLES)
    op.create_table('performers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('gender', sa.String(length=1), nullable=False),
    sa.Column('birth_year', sa.Integer(), nullable=True),
    sa.Column('height_cm', sa.Integer(), nullable=True),
    sa.Column('card_no', sa.String(length=32), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('looks', sa.JSON(), nullable=False),
    sa.Column('dialects', sa.JSON(), nullable=False),
    sa.Column('wardrobe', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('max_days_per_week', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("category IN ('ordinary', 'group_featured', 'featured_small', 'featured_mid', 'featured_large')", name=op.f('ck_performers_category_known')),
    sa.CheckConstraint("gender IN ('m', 'f')", name=op.f('ck_performers_gender_known')),
    sa.CheckConstraint("status IN ('active', 'inactive')", name=op.f('ck_performers_status_known')),
    sa.CheckConstraint('max_days_per_week BETWEEN 1 AND 7', name=op.f('ck_performers_week_limit_in_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_performers')),
    sa.UniqueConstraint('card_no', name=op.f('uq_performers_card_no'))
    )
    op.create_table('dispatch_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('base_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('inputs_hash', sa.String(length=64), nullable=True),
    sa.Column('slots', sa.Integer(), nullable=True),
    sa.Column('filled', sa.Integer(), nullable=True),
    sa.Column('fairness', sa.JSON(), nullable=False),
    sa.Column('unfilled', sa.JSON(), nullable=False),
    sa.Column('changes', sa.Integer(), nullable=True),
    sa.Column('progress', sa.JSON(), nullable=False),
    sa.Column('cancel_requested', sa.Boolean(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.CheckConstraint("status IN ('queued', 'running', 'succeeded', 'stopped', 'failed')", name=op.f('ck_dispatch_runs_status_known')),
    sa.ForeignKeyConstraint(['base_id'], ['bases.id'], name=op.f('fk_dispatch_runs_base_id_bases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_dispatch_runs_requested_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_runs'))
    )
    with op.batch_alter_table('dispatch_runs', schema=None) as batch_op:
        batch_op.create_index('ix_dispatch_runs_day', ['day'], unique=False)

    op.create_table('extras_pay_rules',
    sa.Column('base_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('base_fee', sa.Integer(), nullable=False),
    sa.Column('standard_hours', sa.Integer(), nullable=False),
    sa.Column('overtime_per_hour', sa.Integer(), nullable=False),
    sa.Column('night_per_hour', sa.Integer(), nullable=False),
    sa.Column('night_start', sa.Integer(), nullable=False),
    sa.Column('night_end', sa.Integer(), nullable=False),
    sa.Column('surcharges', sa.JSON(), nullable=False),
    sa.Column('commission_pct', sa.Integer(), nullable=False),
    sa.CheckConstraint("category IN ('ordinary', 'group_featured', 'featured_small', 'featured_mid', 'featured_large')", name=op.f('ck_extras_pay_rules_category_known')),
    sa.CheckConstraint('base_fee >= 0 AND overtime_per_hour >= 0 AND night_per_hour >= 0', name=op.f('ck_extras_pay_rules_rates_not_negative')),
    sa.CheckConstraint('commission_pct BETWEEN 0 AND 100', name=op.f('ck_extras_pay_rules_commission_in_range')),
    sa.CheckConstraint('night_start BETWEEN 0 AND 23 AND night_end BETWEEN 0 AND 24', name=op.f('ck_extras_pay_rules_night_in_range')),
    sa.CheckConstraint('standard_hours BETWEEN 1 AND 24', name=op.f('ck_extras_pay_rules_standard_hours_in_range')),
    sa.ForeignKeyConstraint(['base_id'], ['bases.id'], name=op.f('fk_extras_pay_rules_base_id_bases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('base_id', 'category', name=op.f('pk_extras_pay_rules'))
    )
    op.create_table('performer_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('performer_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('token_prefix', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_performer_links_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['performer_id'], ['performers.id'], name=op.f('fk_performer_links_performer_id_performers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_performer_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_performer_links_token_hash'))
    )
    with op.batch_alter_table('performer_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_performer_links_performer_id'), ['performer_id'], unique=False)

    op.create_table('performer_unavailable',
    sa.Column('performer_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['performer_id'], ['performers.id'], name=op.f('fk_performer_unavailable_performer_id_performers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('performer_id', 'day', name=op.f('pk_performer_unavailable'))
    )
    op.create_table('extras_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('crew_id', sa.Integer(), nullable=False),
    sa.Column('set_id', sa.Integer(), nullable=False),
    sa.Column('base_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('gender', sa.String(length=1), nullable=True),
    sa.Column('age_min', sa.Integer(), nullable=True),
    sa.Column('age_max', sa.Integer(), nullable=True),
    sa.Column('height_min', sa.Integer(), nullable=True),
    sa.Column('height_max', sa.Integer(), nullable=True),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('call_time', sa.String(length=5), nullable=False),
    sa.Column('hours', sa.Integer(), nullable=False),
    sa.Column('wardrobe_notes', sa.Text(), nullable=False),
    sa.Column('continuity_of_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("gender IS NULL OR gender IN ('m', 'f')", name=op.f('ck_extras_requests_gender_known')),
    sa.CheckConstraint("status IN ('open', 'cancelled')", name=op.f('ck_extras_requests_status_known')),
    sa.CheckConstraint('count BETWEEN 1 AND 2000', name=op.f('ck_extras_requests_count_in_range')),
    sa.CheckConstraint('hours BETWEEN 1 AND 24', name=op.f('ck_extras_requests_hours_in_range')),
    sa.CheckConstraint('priority BETWEEN 0 AND 9', name=op.f('ck_extras_requests_priority_in_range')),
    sa.ForeignKeyConstraint(['base_id'], ['bases.id'], name=op.f('fk_extras_requests_base_id_bases'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['continuity_of_id'], ['extras_requests.id'], name=op.f('fk_extras_requests_continuity_of_id_extras_requests'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_extras_requests_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['crew_id'], ['crews.id'], name=op.f('fk_extras_requests_crew_id_crews'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_id'], ['sets.id'], name=op.f('fk_extras_requests_set_id_sets'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_extras_requests'))
    )
    with op.batch_alter_table('extras_requests', schema=None) as batch_op:
        batch_op.create_index('ix_extras_requests_base_day', ['base_id', 'day'], unique=False)
        batch_op.create_index('ix_extras_requests_crew_day', ['crew_id', 'day'], unique=False)

    op.create_table('extras_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('performer_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('continuity', sa.Boolean(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attendance', sa.String(length=8), nullable=True),
    sa.Column('hours_worked', sa.Integer(), nullable=True),
    sa.Column('tasks', sa.JSON(), nullable=False),
    sa.CheckConstraint("attendance IS NULL OR attendance IN ('present', 'late', 'absent')", name=op.f('ck_extras_assignments_attendance_known')),
    sa.CheckConstraint("status IN ('proposed', 'confirmed')", name=op.f('ck_extras_assignments_status_known')),
    sa.CheckConstraint('hours_worked IS NULL OR hours_worked BETWEEN 0 AND 24', name=op.f('ck_extras_assignments_hours_in_range')),
    sa.ForeignKeyConstraint(['performer_id'], ['performers.id'], name=op.f('fk_extras_assignments_performer_id_performers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['extras_requests.id'], name=op.f('fk_extras_assignments_request_id_extras_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['dispatch_runs.id'], name=op.f('fk_extras_assignments_run_id_dispatch_runs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_extras_assignments')),
    sa.UniqueConstraint('performer_id', 'day', name='uq_extras_assignments_performer_day')
    )
    with op.batch_alter_table('extras_assignments', schema=None) as batch_op:
        batch_op.create_index('ix_extras_assignments_request', ['request_id'], unique=False)

    op.create_table('extras_request_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_extras_request_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['extras_requests.id'], name=op.f('fk_extras_request_events_request_id_extras_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_extras_request_events'))
    )
    with op.batch_alter_table('extras_request_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_extras_request_events_request_id'), ['request_id'], unique=False)

    op.add_column('bases', sa.Column('extras_cutoff_hour', sa.Integer(), server_default='18', nullable=False))



def downgrade() -> None:
    # Native DROP COLUMN (SQLite 3.35+): a batch rebuild of bases would meet its sets' keys.
    op.execute("ALTER TABLE bases DROP COLUMN extras_cutoff_hour")
    op.execute("DELETE FROM users WHERE role = 'extras_office'")
    _set_role_rule(NEW_ROLES, OLD_ROLES)

    with op.batch_alter_table('extras_request_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_extras_request_events_request_id'))

    op.drop_table('extras_request_events')
    with op.batch_alter_table('extras_assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_extras_assignments_request')

    op.drop_table('extras_assignments')
    with op.batch_alter_table('extras_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_extras_requests_crew_day')
        batch_op.drop_index('ix_extras_requests_base_day')

    op.drop_table('extras_requests')
    op.drop_table('performer_unavailable')
    with op.batch_alter_table('performer_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_performer_links_performer_id'))

    op.drop_table('performer_links')
    op.drop_table('extras_pay_rules')
    with op.batch_alter_table('dispatch_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_dispatch_runs_day')

    op.drop_table('dispatch_runs')
    op.drop_table('performers')
