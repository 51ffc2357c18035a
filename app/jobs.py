"""Batch runs (plans, extras dispatch) in worker processes of their own: a request only
records a run and spawns its worker, so a solve never runs inside a request."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

from app.db import get_engine


def worker_database_url() -> str:
    """The database the worker process is to use: this process's own."""
    return get_engine().url.render_as_string(hide_password=False)


def spawn_worker(module: str, run_id: int, database_url: str) -> None:
    """Start ``python -m module RUN_ID`` detached from the request; a thread reaps it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", module, str(run_id)],
        env={**os.environ, "DATABASE_URL": database_url},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    threading.Thread(target=proc.wait, daemon=True).start()


def worker_main(execute: Callable[[int], Any], what: str, argv: list[str]) -> int:
    """A worker's entry point: run ``argv[1]``; a failure is printed and exits 1."""
    try:
        execute(int(argv[1]))
    except Exception as exc:
        print(f"{what} {argv[1]} failed: {exc}", file=sys.stderr)
        return 1
    return 0
