"""One nightly run at a time, on either backend, released even if the process is killed.

PostgreSQL: a session-level advisory lock held on a dedicated connection for the whole
run (the server drops it when the connection dies). SQLite: an exclusive ``flock`` on a
file beside the database (the kernel drops it when the process dies).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from app.errors import Conflict

# An arbitrary constant naming "the nightly plan" among advisory locks.
ADVISORY_KEY = 0x6261636B6C6F74  # "backlot"


class RunInProgress(Conflict):
    def __init__(self) -> None:
        super().__init__("Another optimizer run is in progress; wait for it or cancel it.")


@contextmanager
def plan_lock(engine: Engine) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            got = conn.execute(
                text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}
            ).scalar()
            conn.commit()
            if not got:
                raise RunInProgress()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
                conn.commit()
        return
    database = make_url(str(engine.url)).database or "memory"
    path = f"{database}.plan.lock"
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise RunInProgress() from exc
        yield
    finally:
        os.close(fd)
