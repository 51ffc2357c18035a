"""Races over real connections: many clients confirm overlapping days of one set at once."""

from __future__ import annotations

import threading
import time
from collections import Counter

import httpx
import pytest
from sqlalchemy import Engine, func, select

from app.db import transaction
from app.models import Booking, Crew
from app.users.service import create_user
from tests.factories import World, auth, iso, make_crew

CLIENTS = 50
ROUNDS = 3


def _crews_with_keys(n: int) -> list[tuple[int, str]]:
    out = []
    with transaction() as s:
        for i in range(n):
            crew: Crew = make_crew(s, f"R{i:03d}")
            out.append((crew.id, create_user(s, f"racer {i}", "coordinator", crews=[crew.code])[1]))
    return out


def _race(url: str, calls: list[tuple[str, dict[str, object], str]]) -> list[int]:
    """Fire every call at once (a barrier releases them together); return status codes."""
    barrier = threading.Barrier(len(calls))
    codes: list[int] = [0] * len(calls)

    def run(i: int, path: str, body: dict[str, object], key: str) -> None:
        with httpx.Client(base_url=url, timeout=60) as c:
            barrier.wait()
            codes[i] = c.post(path, json=body, headers=auth(key)).status_code

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return codes


def test_direct_bookings_race_exactly_one_wins(
    live_server: str, world: World, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    racers = _crews_with_keys(CLIENTS)
    for rnd in range(ROUNDS):
        base = 10 + rnd * 20
        calls = [
            (
                "/bookings",
                {
                    "set_id": world.set_a1,
                    "crew_id": crew,
                    "status": "confirmed",
                    "start": iso(base + i % 5),
                    "end": iso(base + 6 + i % 3),
                },
                key,
            )
            for i, (crew, key) in enumerate(racers)
        ]
        started = time.perf_counter()
        codes = _race(live_server, calls)
        elapsed = time.perf_counter() - started
        tally = Counter(codes)
        with capsys.disabled():
            print(
                f"\n[race {engine.dialect.name} round {rnd}] {CLIENTS} clients: {dict(tally)} "
                f"in {elapsed:.2f}s"
            )
        assert tally[201] == 1, tally
        assert tally[409] == CLIENTS - 1, tally
    with transaction() as s:
        confirmed = s.scalar(
            select(func.count()).select_from(Booking).where(Booking.status == "confirmed")
        )
    assert confirmed == ROUNDS


def test_confirming_competing_holds_race(live_server: str, world: World, engine: Engine) -> None:
    """Every racer holds overlapping days, the earlier holds are released; all confirm at once."""
    racers = _crews_with_keys(CLIENTS)
    ids = []
    with httpx.Client(base_url=live_server, timeout=60) as c:
        for i, (crew, key) in enumerate(racers):
            r = c.post(
                "/bookings",
                headers=auth(key),
                json={
                    "set_id": world.set_a2,
                    "crew_id": crew,
                    "start": iso(30 + i % 4),
                    "end": iso(36),
                },
            )
            assert r.status_code == 201
            ids.append(r.json()["id"])
    calls = [
        (f"/bookings/{bid}/confirm", {}, key) for bid, (_, key) in zip(ids, racers, strict=True)
    ]
    codes = Counter(_race(live_server, calls))
    assert codes[200] == 1 and codes[409] == CLIENTS - 1, codes
    with transaction() as s:
        winner = s.scalars(select(Booking).where(Booking.status == "confirmed")).one()
    assert winner.id == ids[0]  # the 1st hold is the only one allowed to confirm
