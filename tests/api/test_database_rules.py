"""Rules the database itself enforces, whatever the client: raw SQL cannot double-book."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from app.db import transaction
from tests.factories import World, day

INSERT = text(
    "INSERT INTO bookings (set_id, crew_id, start_date, end_date, status, placed_at, price, "
    "note, version) VALUES (:s, :c, :a, :b, :st, CURRENT_TIMESTAMP, 0, '', 1)"
)


def _insert(engine: Engine, w: World, crew: int, a: int, b: int, status: str = "confirmed") -> None:
    with engine.begin() as conn:
        conn.execute(INSERT, {"s": w.set_a1, "c": crew, "a": day(a), "b": day(b), "st": status})


def test_raw_overlapping_confirmed_insert_fails(engine: Engine, world: World) -> None:
    _insert(engine, world, world.crew1, 10, 15)
    with pytest.raises(IntegrityError, match="bookings_no_double_booking"):
        _insert(engine, world, world.crew2, 14, 16)


def test_raw_adjacent_and_other_states_allowed(engine: Engine, world: World) -> None:
    _insert(engine, world, world.crew1, 10, 15)
    _insert(engine, world, world.crew2, 15, 16)  # half-open: touching is fine
    _insert(engine, world, world.crew3, 11, 12, status="cancelled")


def test_raw_update_into_overlap_fails(engine: Engine, world: World) -> None:
    _insert(engine, world, world.crew1, 10, 15)
    _insert(engine, world, world.crew2, 12, 14, status="released")
    with pytest.raises(IntegrityError, match="bookings_no_double_booking"), engine.begin() as conn:
        conn.execute(
            text("UPDATE bookings SET status = 'confirmed' WHERE crew_id = :c"), {"c": world.crew2}
        )


def test_empty_or_inverted_range_refused(engine: Engine, world: World) -> None:
    with pytest.raises(IntegrityError):
        _insert(engine, world, world.crew1, 10, 10)


def test_unknown_status_refused(engine: Engine, world: World) -> None:
    with pytest.raises(IntegrityError):
        _insert(engine, world, world.crew1, 10, 12, status="maybe")


def test_travel_pair_stored_once(engine: Engine, world: World) -> None:
    with transaction() as s:
        s.execute(
            text("INSERT INTO travel (base_a_id, base_b_id, cost) VALUES (:a, :b, 100)"),
            {"a": world.base_a, "b": world.base_b},
        )
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(
            text("INSERT INTO travel (base_a_id, base_b_id, cost) VALUES (:b, :a, 100)"),
            {"a": world.base_a, "b": world.base_b},
        )


def test_schema_has_the_no_double_booking_rule(engine: Engine) -> None:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            found = conn.scalar(
                text(
                    "SELECT count(*) FROM pg_constraint "
                    "WHERE conname = 'bookings_no_double_booking' AND contype = 'x'"
                )
            )
            assert found == 1
        else:
            names = {
                r[0]
                for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='trigger'"))
            }
            assert {
                "bookings_no_double_booking_insert",
                "bookings_no_double_booking_update",
            } <= names
    assert "bookings" in inspect(engine).get_table_names()
