"""The app survives a PostgreSQL restart: fast 503s during the outage, recovery without restart.

The test runs its own throw-away PostgreSQL cluster (initdb as the postgres user on a free
port), so stopping it disturbs nothing else.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import REQUIRE_PG


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _as_postgres(args: list[str]) -> subprocess.CompletedProcess[str]:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(prefix + args, capture_output=True, text=True, check=False)


@pytest.fixture
def private_pg() -> Iterator[tuple[str, list[str], str]]:
    """(url, start command, data dir) of a private cluster, removed afterwards."""
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl:
        if REQUIRE_PG:
            pytest.fail("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        pytest.skip("PostgreSQL server binaries are not installed")
    root = tempfile.mkdtemp(prefix="backlot-pg-")
    os.chmod(root, 0o777)
    data = os.path.join(root, "data")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    made = _as_postgres([initdb, "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"])
    assert made.returncode == 0, made.stderr
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    start = [pg_ctl, "-D", data, "-o", opts, "-w", "-l", f"{root}/log", "start"]
    started = _as_postgres(start)
    assert started.returncode == 0, started.stderr
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", start, data
    finally:
        _as_postgres([pg_ctl, "-D", data, "-m", "immediate", "stop"])
        shutil.rmtree(root, ignore_errors=True)


def test_requests_fail_fast_during_an_outage_and_recover(
    private_pg: tuple[str, list[str], str],
) -> None:
    import threading

    import uvicorn

    from app.db import make_engine, set_engine
    from app.main import create_app
    from app.migrate import upgrade
    from app.users.service import create_user

    url, start, data = private_pg
    pg_ctl = start[0]
    upgrade(url)
    engine = make_engine(url)
    set_engine(engine)
    from app.db import transaction

    with transaction() as s:
        _, key = create_user(s, "ops", "admin")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    headers = {"Authorization": f"Bearer {key}"}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as c:
            assert c.get("/bases", headers=headers).status_code == 200
            assert c.get("/healthz").status_code == 200

            stopped = _as_postgres([pg_ctl, "-D", data, "-m", "fast", "-w", "stop"])
            assert stopped.returncode == 0, stopped.stderr
            for path in ("/bases", "/healthz"):
                began = time.monotonic()
                r = c.get(path, headers=headers)
                assert r.status_code == 503, (path, r.status_code, r.text)
                assert r.headers["content-type"].startswith("application/problem+json")
                assert time.monotonic() - began < 5

            restarted = _as_postgres(start)
            assert restarted.returncode == 0, restarted.stderr
            deadline = time.monotonic() + 20
            status = 0
            while time.monotonic() < deadline:
                status = c.get("/bases", headers=headers).status_code
                if status == 200:
                    break
                time.sleep(0.2)
            assert status == 200  # recovered without restarting the app
            assert c.get("/healthz").status_code == 200
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        set_engine(None)
        engine.dispose()
