"""Test databases: every database test runs on SQLite and on PostgreSQL.

PostgreSQL tests use a fresh database per run (dropped at the end) on the server
named by BACKLOT_TEST_PG_URL (default: the local server, database ``test`` for the
admin connection). Without a server they skip, unless BACKLOT_REQUIRE_PG=1 (CI),
which turns the skip into a failure.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

# Tests hammer the API from few keys; the rate-limit tests turn the limit back on.
os.environ.setdefault("BACKLOT_RATE_LIMIT_PER_MINUTE", "0")

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from app.db import make_engine, set_engine
from app.migrate import upgrade
from app.models import DispatchRun, Model, PlanRun

PG_ADMIN_URL = os.environ.get(
    "BACKLOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_PG = os.environ.get("BACKLOT_REQUIRE_PG") == "1"


def _pg_reachable() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:
        return str(exc).splitlines()[0]


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, migrated to head."""
    problem = _pg_reachable()
    if problem is not None:
        message = f"PostgreSQL not reachable at {PG_ADMIN_URL}: {problem}"
        if REQUIRE_PG:
            pytest.fail(message + " (BACKLOT_REQUIRE_PG=1)")
        pytest.skip(message)
    name = f"backlot_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("db") / "backlot.db"
    return f"sqlite:///{path}"


_migrated: dict[str, Engine] = {}


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def engine(backend: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An engine on a migrated, emptied database of the requested backend."""
    url = request.getfixturevalue("pg_url" if backend == "postgres" else "sqlite_url")
    if url not in _migrated:
        upgrade(url)
        _migrated[url] = make_engine(url)
    eng = _migrated[url]
    _truncate(eng)
    set_engine(eng)
    yield eng
    set_engine(None)


def _truncate(engine: Engine) -> None:
    tables = [t.name for t in reversed(Model.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    for eng in _migrated.values():
        eng.dispose()


# --- a real server for races ------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(engine: Engine) -> Iterator[str]:
    """The app under uvicorn on a real port, on this test's database."""
    import uvicorn

    from app.main import create_app

    port = _free_port()
    config = uvicorn.Config(
        create_app(), host="127.0.0.1", port=port, log_level="warning", limit_concurrency=1000
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def client(engine: Engine) -> Iterator[object]:
    """An in-process client on this test's database (one app per test)."""
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app(), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def world(engine: Engine) -> object:
    from tests.factories import make_world

    return make_world()


# --- workers' heartbeats --------------------------------------------------------------------


@pytest.fixture
def quick_heartbeats(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A worker stamps its heartbeat every 0.2 s and is lost after 3 s without one: here, and
    in the worker processes started with the environment this returns."""
    from app.config import get_settings

    values = {"run_heartbeat_seconds": 0.2, "run_dead_after_seconds": 3.0}
    for name, value in values.items():
        monkeypatch.setattr(get_settings(), name, value)
    return {f"BACKLOT_{name.upper()}": str(value) for name, value in values.items()}


def heartbeats_while_running(
    model: type[PlanRun] | type[DispatchRun],
    run_id: int,
    count: int = 3,
    phase: str | None = None,
    timeout: float = 60,
) -> list[datetime]:
    """The run's heartbeat as it advances while it runs (in ``phase``, if given), until it
    has taken ``count`` values: how a page would see it."""
    from app.db import transaction

    seen: list[datetime] = []
    deadline = time.monotonic() + timeout
    while len(seen) < count:
        assert time.monotonic() < deadline, f"the heartbeat did not advance: {seen}"
        with transaction() as s:
            run = s.get(model, run_id)
            assert run is not None
            assert run.status in ("queued", "running"), (run.status, run.message)
            running = run.status == "running" and phase in (None, run.progress.get("phase"))
            beat = run.heartbeat_at
            if running and beat is not None and (not seen or beat > seen[-1]):
                seen.append(beat)
        time.sleep(0.05)
    return seen
