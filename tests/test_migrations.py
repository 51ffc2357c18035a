"""Migrations upgrade from empty, downgrade cleanly, and match the models."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import make_url

from app.migrate import downgrade, upgrade
from app.models import Model


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/m.db"
        return
    from tests.conftest import PG_ADMIN_URL

    request.getfixturevalue("pg_url")  # skips or fails exactly like the other PG tests
    name = f"backlot_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_matches_models_and_downgrades(empty_url: str) -> None:
    upgrade(empty_url)
    engine = create_engine(empty_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Model.metadata)
        assert diff == [], diff
        downgrade(empty_url, "base")
        left = set(inspect(engine).get_table_names()) - {"alembic_version"}
        assert left == set()
        upgrade(empty_url)  # and up again from there
        assert "bookings" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def _users(conn: Connection, role: str) -> None:
    """User 1 with an active key, user 2 with a revoked one."""
    for user_id, active in ((1, True), (2, False)):
        conn.execute(
            text(
                "INSERT INTO users (id, name, role, api_key_hash, api_key_prefix, active,"
                " created_at) VALUES (:id, 'u', :role, :hash, 'bl_', :active, CURRENT_TIMESTAMP)"
            ),
            {"id": user_id, "role": role, "hash": f"{user_id:064d}", "active": active},
        )


def test_feeds_of_keys_already_revoked_are_revoked_by_the_upgrade(empty_url: str) -> None:
    """0006: a rotation after the upgrade must not bring back a feed whose key was revoked."""
    upgrade(empty_url, "0005")
    engine = create_engine(empty_url)
    try:
        with engine.begin() as conn:
            _users(conn, "admin")
            conn.execute(
                text(
                    "INSERT INTO bases (id, code, name_zh, name_en, hold_ttl_hours,"
                    " challenge_hours) VALUES (1, 'B', 'b', 'b', 168, 48)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO sets (id, base_id, code, name_zh, name_en, kind, day_rate)"
                    " VALUES (1, 1, 'B-1', 's', 's', 'stage', 0)"
                )
            )
            for feed_id, creator in ((1, 1), (2, 2)):
                conn.execute(
                    text(
                        "INSERT INTO feed_tokens (id, kind, set_id, token_hash, token_prefix,"
                        " created_by_id, created_at) VALUES (:id, 'set', 1, :hash, 'blf_',"
                        " :creator, CURRENT_TIMESTAMP)"
                    ),
                    {"id": feed_id, "hash": f"{feed_id:064d}", "creator": creator},
                )
        upgrade(empty_url)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, revoked_at FROM feed_tokens ORDER BY id")).all()
        assert [(i, revoked is not None) for i, revoked in rows] == [(1, False), (2, True)]
    finally:
        engine.dispose()


def test_runs_that_already_raced_are_settled_by_the_upgrade(empty_url: str) -> None:
    """0013: of two runs of a day both going (an old race), the latest stays; the rule holds."""
    upgrade(empty_url, "0012")
    engine = create_engine(empty_url)
    try:
        with engine.begin() as conn:
            for run_id, day, status in (
                (1, "2026-12-20", "running"),
                (2, "2026-12-20", "queued"),
                (3, "2026-12-21", "queued"),
                (4, "2026-12-20", "succeeded"),
            ):
                conn.execute(
                    text(
                        "INSERT INTO dispatch_runs (id, day, status, created_at, fairness,"
                        " unfilled, progress, cancel_requested, message) VALUES (:id, :day,"
                        " :status, CURRENT_TIMESTAMP, '{}', '[]', '{}', false, '')"
                    ),
                    {"id": run_id, "day": day, "status": status},
                )
        upgrade(empty_url)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, status FROM dispatch_runs ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [
            (1, "failed"),
            (2, "queued"),
            (3, "queued"),
            (4, "succeeded"),
        ]
    finally:
        engine.dispose()


def test_links_of_keys_already_revoked_are_revoked_by_the_upgrade(empty_url: str) -> None:
    """0013: a performer's link made by a key since revoked, or by a creator since deleted,
    stays dead after a later rotation, as feeds do (0006)."""
    upgrade(empty_url, "0012")
    engine = create_engine(empty_url)
    try:
        with engine.begin() as conn:
            _users(conn, "extras_office")
            conn.execute(
                text(
                    "INSERT INTO performers (id, name, gender, card_no, phone, category, skills,"
                    " looks, dialects, wardrobe, status, max_days_per_week, created_at) VALUES"
                    " (1, 'p', 'm', 'HD-1', '', 'ordinary', '[]', '[]', '[]', '', 'active', 6,"
                    " CURRENT_TIMESTAMP)"
                )
            )
            for link_id, creator in ((1, 1), (2, 2), (3, None)):
                conn.execute(
                    text(
                        "INSERT INTO performer_links (id, performer_id, token_hash, token_prefix,"
                        " created_by_id, created_at) VALUES (:id, 1, :hash, 'blp_', :creator,"
                        " CURRENT_TIMESTAMP)"
                    ),
                    {"id": link_id, "hash": f"{link_id:064d}", "creator": creator},
                )
        upgrade(empty_url)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, revoked_at FROM performer_links ORDER BY id"))
            revoked = [(i, at is not None) for i, at in rows]
        assert revoked == [(1, False), (2, True), (3, True)]
    finally:
        engine.dispose()


def test_register_previews_keep_their_rows_through_0015(empty_url: str) -> None:
    """0015: a register import previewed before the upgrade (rows in its JSON) lists the same
    rows from register_import_rows after it, and has them in its JSON again after a downgrade."""
    import sqlalchemy as sa

    upgrade(empty_url, "0014")
    imports = sa.table(
        "register_imports",
        *(sa.column(c) for c in ("id", "user_id", "status", "format", "filename")),
        *(sa.column(c) for c in ("content_hash", "created_at")),
        sa.column("rows", sa.JSON),
        sa.column("preview", sa.JSON),
    )
    shown = [
        {"at": 2, "card_no": "HD-1", "name": "王小明", "performer_id": 7, "action": "update",
         "changes": ["phone"], "before": {"phone": ""}, "fields": {"name": "王小明",
         "gender": "m", "card_no": "HD-1", "phone": "138"}},
        {"at": 3, "card_no": "HD-2", "name": "李芳", "performer_id": None, "action": "create",
         "changes": [], "before": {}, "fields": {"name": "李芳", "gender": "f", "card_no": "HD-2"}},
    ]  # fmt: skip
    counts = {"create": 1, "update": 1, "unchanged": 0, "error_rows": 0}
    preview = {"unit": "row", "rows": shown, "counts": counts, "errors": [], "warnings": []}
    engine = create_engine(empty_url)
    try:
        with engine.begin() as conn:
            _users(conn, "extras_office")
            conn.execute(
                sa.insert(imports).values(
                    id=1, user_id=1, status="previewed", format="csv", filename="r.csv",
                    content_hash="0" * 64, created_at=sa.func.current_timestamp(),
                    rows=[], preview=preview,
                )
            )  # fmt: skip
        upgrade(empty_url)
        with engine.connect() as conn:
            moved = conn.execute(
                text("SELECT at, card_no, action, performer_id FROM register_import_rows")
            ).all()
            kept = conn.execute(sa.select(imports.c.preview)).scalar_one()
        assert [tuple(r) for r in moved] == [(2, "HD-1", "update", 7), (3, "HD-2", "create", None)]
        assert kept == {k: v for k, v in preview.items() if k != "rows"}
        downgrade(empty_url, "0014")
        with engine.connect() as conn:
            assert conn.execute(sa.select(imports.c.preview)).scalar_one() == preview
    finally:
        engine.dispose()
