"""Batch runs (plans, extras dispatch) in worker processes of their own: a request only
records a run and spawns its worker, so a solve never runs inside a request.

A worker can die without a word (out of memory, a restart, ``kill -9``). While it runs it
stamps its run's ``heartbeat_at`` (:class:`Heartbeat`); wherever a run's being active is
decided or shown, :func:`settle_lost_runs` records failed the runs whose worker is gone, in
that transaction, so the next run may start.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from app.config import get_settings
from app.db import get_engine, transaction
from app.models import DispatchRun, PlanRun, utcnow
from app.timeutil import base_zone

log = logging.getLogger("backlot.jobs")

Run = TypeVar("Run", PlanRun, DispatchRun)

_ACTIVE = ("queued", "running")

# A queued run whose worker never took it (a spawn that crashed) lapses after this long.
UNSTARTED_LAPSES = timedelta(minutes=10)


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


def settle_lost_runs(session: Session, model: type[Run], *where: ColumnElement[bool]) -> list[Run]:
    """Record failed, in the caller's transaction, the runs (of ``model``, among ``where``)
    whose worker is gone: queued ten minutes and never taken, or running without a heartbeat
    for ``run_dead_after_seconds``. Their rows are locked and read again, so a worker's
    heartbeat or final write that commits meanwhile keeps its run."""
    now = utcnow()
    dead_after = timedelta(seconds=get_settings().run_dead_after_seconds)
    last_sign = func.coalesce(model.heartbeat_at, model.started_at, model.created_at)
    lost = ((model.status == "queued") & (model.created_at < now - UNSTARTED_LAPSES)) | (
        (model.status == "running") & (last_sign < now - dead_after)
    )
    runs = list(
        session.scalars(
            select(model)
            .where(lost, *where)
            .order_by(model.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    for run in runs:
        if run.status == "queued":
            run.message = "its worker never started it"
        else:
            seen = run.heartbeat_at or run.started_at or run.created_at
            run.message = f"the worker stopped answering at {_hhmm(seen)}; start the run again"
        run.status = "failed"
        run.finished_at = now
    session.flush()
    return runs


def settle_every_lost_run(session: Session) -> int:
    """Settle the lost runs of both kinds (``backlot sweep``); how many there were."""
    return len(settle_lost_runs(session, PlanRun)) + len(settle_lost_runs(session, DispatchRun))


def _hhmm(instant: datetime) -> str:
    return instant.astimezone(base_zone()).strftime("%H:%M")


class Heartbeat:
    """Shows that a run's worker is alive, for as long as the worker holds it: ``heartbeat_at``
    is stamped at least every ``run_heartbeat_seconds`` and at most every half of it.

    A thread of its own stamps it, since a phase of a solve may stay silent for long; the
    worker's own progress writes stamp it on the way when they come first (:meth:`stamp`),
    so the thread then writes nothing. A run found ended while its worker still goes was
    settled as lost (the worker answered too late) or cancelled before it started:
    :attr:`lost` is set, and the worker must stop without writing its result.
    """

    def __init__(self, model: type[PlanRun] | type[DispatchRun], run_id: int) -> None:
        self.model = model
        self.run_id = run_id
        self.every = get_settings().run_heartbeat_seconds
        self.lost = threading.Event()
        self._last = time.monotonic()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"heartbeat-{run_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._last = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join(timeout=5)

    def stamp(self, run: PlanRun | DispatchRun) -> None:
        """Stamp ``run`` within a write the worker makes anyway, if a stamp is due."""
        if run.status not in _ACTIVE:
            self._lose()
        elif self._due():
            run.heartbeat_at = utcnow()
            self._last = time.monotonic()

    def _due(self) -> bool:
        return time.monotonic() - self._last >= self.every / 2

    def _loop(self) -> None:
        while not self._done.wait(self.every / 2):
            if not self._due():
                continue
            try:
                with transaction() as session:
                    alive = session.scalar(
                        update(self.model)
                        .where(self.model.id == self.run_id, self.model.status.in_(_ACTIVE))
                        .values(heartbeat_at=utcnow())
                        .returning(self.model.id)
                    )
            except Exception:
                log.warning("could not stamp the heartbeat of run %s", self.run_id, exc_info=True)
                continue
            self._last = time.monotonic()
            if alive is None and not self._done.is_set():
                self._lose()

    def _lose(self) -> None:
        if not self.lost.is_set():
            log.warning("run %s has ended while its worker still goes", self.run_id)
            self.lost.set()
