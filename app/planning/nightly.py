"""The nightly optimizer run: build the problem, solve, and swap the proposals atomically.

Only the final swap writes proposals, in one transaction, so a crash or kill at any
point leaves the previous proposals whole. Confirmed bookings enter the problem as
``fixed`` days and are never moved. The previous proposals warm-start the solve, and
unchanged data keeps the previous plan as it is.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.bookings.service import sweep_expired
from app.config import get_settings
from app.db import get_engine, transaction
from app.models import PlanRun, Proposal, User, utcnow
from app.planning.lock import plan_lock
from app.planning.problem import Mapping, build_problem, plan_from_proposals, problem_hash
from app.timeutil import today_local
from scheduler import domain as d
from scheduler.cost import make_plan
from scheduler.explain import explain
from scheduler.greedy import greedy_plan

log = logging.getLogger("backlot.nightly")


@dataclass(frozen=True)
class RunParams:
    horizon_days: int
    time_limit: float
    workers: int
    seed: int | None = None

    @classmethod
    def defaults(cls) -> RunParams:
        s = get_settings()
        return cls(s.plan_horizon_days, s.plan_time_limit, s.plan_workers, None)


def create_run(session: Session, params: RunParams, user: User | None = None) -> PlanRun:
    run = PlanRun(status="queued", params=asdict(params), requested_by_id=user.id if user else None)
    session.add(run)
    session.flush()
    return run


def active_run(session: Session) -> PlanRun | None:
    """A run still queued or running (a queued run that never started lapses after 10 minutes)."""
    stale = utcnow() - timedelta(minutes=10)
    for run in session.scalars(
        select(PlanRun).where(PlanRun.status.in_(("queued", "running"))).order_by(PlanRun.id)
    ):
        if run.status == "running" or run.created_at > stale:
            return run
    return None


class _Monitor:
    """Writes progress every second and turns a cancel request into the solver's stop event."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.stop = threading.Event()
        self.cancelled = False
        self.latest: dict[str, Any] = {}
        self.started = time.monotonic()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> _Monitor:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join(timeout=5)

    def on_progress(self, progress: Any) -> None:
        self.latest = {
            "elapsed": round(float(progress.elapsed), 2),
            "best_total": progress.best_total,
            "best_bound": progress.best_bound,
            "phase": progress.phase,
        }

    def _loop(self) -> None:
        while not self._done.wait(1.0):
            try:
                with transaction() as session:
                    run = session.get(PlanRun, self.run_id)
                    if run is None:
                        continue
                    if run.cancel_requested and not self.cancelled:
                        self.cancelled = True
                        self.stop.set()
                    run.progress = self.latest or {
                        "elapsed": round(time.monotonic() - self.started, 2),
                        "phase": "solving",
                    }
            except Exception:
                log.warning("could not record progress of run %s", self.run_id, exc_info=True)


def execute(run_id: int) -> PlanRun:
    """Run plan ``run_id`` to the end. Raises RunInProgress if another run holds the lock."""
    try:
        with plan_lock(get_engine()):
            return _execute_locked(run_id)
    except Exception as exc:
        with transaction() as session:
            run = session.get(PlanRun, run_id)
            if run is not None and run.status in ("queued", "running"):
                run.status = "failed"
                run.finished_at = utcnow()
                run.message = getattr(exc, "detail", None) or f"{type(exc).__name__}: {exc}"
        raise


def _execute_locked(run_id: int) -> PlanRun:
    from scheduler.solver import SolveOptions, solve

    now = utcnow()
    with transaction() as session:
        # We hold the lock: any other "running" run died without finishing.
        session.execute(
            update(PlanRun)
            .where(PlanRun.status == "running", PlanRun.id != run_id)
            .values(status="failed", finished_at=now, message="abandoned: its process stopped")
        )
        run = session.get(PlanRun, run_id)
        if run is None:
            raise LookupError(f"plan run {run_id} does not exist")
        params = RunParams(**run.params)
        swept = sweep_expired(session, now)
        problem, mapping = build_problem(session, today_local(now), params.horizon_days)
        pending = list(session.scalars(select(Proposal).where(Proposal.accepted_at.is_(None))))
        accepted_scenes = set(
            session.scalars(select(Proposal.scene_id).where(Proposal.accepted_at.is_not(None)))
        )
        phash = problem_hash(problem)
        run.status = "running"
        run.started_at = now
        run.horizon_start = problem.horizon.start
        run.horizon_end = problem.horizon.end
        run.problem_hash = phash
        run.size = {
            "crews": len(problem.crews),
            "scenes": len(problem.scenes),
            "sets": len(problem.locations),
            "cast": len(problem.cast),
            "fixed_days": len(problem.fixed),
            "days": len(problem.horizon),
            "holds_expired": swept,
        }
        previous = session.scalars(
            select(PlanRun)
            .where(PlanRun.status.in_(("succeeded", "stopped")), PlanRun.id != run_id)
            .order_by(PlanRun.id.desc())
        ).first()
        unchanged = (
            previous is not None
            and previous.problem_hash == phash
            and all(p.run_id == previous.id for p in pending)
        )
        if unchanged and previous is not None:
            _keep_previous(session, run, previous)
            return run

    hint_assignments = plan_from_proposals(pending, mapping, problem)
    greedy = greedy_plan(problem)
    hint = _valid_hint(problem, hint_assignments)
    with _Monitor(run_id) as monitor:
        options = SolveOptions(
            time_limit=params.time_limit, workers=params.workers, seed=params.seed, hint=hint
        )
        plan = solve(problem, options, progress=monitor.on_progress, stop=monitor.stop)
        cancelled = monitor.cancelled
    explanation = explain(problem, plan)

    with transaction() as session:
        run = session.get(PlanRun, run_id)
        assert run is not None
        before = {
            (p.scene_id): (p.set_id, p.date)
            for p in session.scalars(select(Proposal).where(Proposal.accepted_at.is_(None)))
        }
        session.execute(delete(Proposal).where(Proposal.accepted_at.is_(None)))
        after = _store_proposals(session, run, plan, problem, mapping, accepted_scenes)
        run.changed_assignments = sum(
            1 for k in set(before) | set(after) if before.get(k) != after.get(k)
        )
        _record_results(run, plan, greedy, explanation, mapping)
        run.status = "stopped" if cancelled else "succeeded"
        run.message = "stopped early on request: best plan so far kept" if cancelled else ""
        run.finished_at = utcnow()
        run.progress = {**run.progress, "phase": "done"}
    return run


def _valid_hint(problem: d.Problem, assignments: list[d.Assignment]) -> d.Plan | None:
    """The previous proposals as a plan, or None if today's data makes them invalid."""
    if not assignments:
        return None
    from scheduler.checker import check_plan
    from scheduler.io import plan_to_dict, problem_to_dict

    plan = make_plan(problem, assignments)
    report = check_plan(problem_to_dict(problem), plan_to_dict(plan))
    return plan if report.valid else None


def _store_proposals(
    session: Session,
    run: PlanRun,
    plan: d.Plan,
    problem: d.Problem,
    mapping: Mapping,
    accepted_scenes: set[int],
) -> dict[int, tuple[int, Any]]:
    stored: dict[int, tuple[int, Any]] = {}
    for a in plan.assignments:
        scene_id = mapping.scene[a.scene]
        if scene_id in accepted_scenes:
            continue  # already turned into holds by its crew
        crew_code = problem.index.scene[a.scene].crew
        set_id = mapping.location[a.location]
        session.add(
            Proposal(
                run_id=run.id,
                crew_id=mapping.crew[crew_code],
                scene_id=scene_id,
                set_id=set_id,
                date=a.date,
                days=problem.scene_days(a.scene),
            )
        )
        stored[scene_id] = (set_id, a.date)
    session.flush()
    return stored


def _record_results(
    run: PlanRun, plan: d.Plan, greedy: d.Plan, explanation: Any, mapping: Mapping
) -> None:
    cost = plan.cost
    run.total = cost.total
    run.cost = {
        "rent": cost.rent,
        "crew": cost.crew,
        "cast": cost.cast,
        "moves": cost.moves,
        "unscheduled": cost.unscheduled,
        "total": cost.total,
    }
    run.greedy_total = greedy.cost.total
    run.lower_bound = plan.lower_bound
    run.savings = greedy.cost.total - cost.total
    as_json = explanation.to_dict()
    crews: dict[str, Any] = {}
    for crew_code, crew_id in mapping.crew.items():
        crews[str(crew_id)] = {"code": crew_code}
    for entry in as_json.get("crews", []):
        known = mapping.crew.get(entry.get("crew"))
        if known is not None:
            crews[str(known)].update(entry)
    run.crews = crews
    run.unscheduled = [
        {**u, "scene_id": mapping.scene.get(u.get("scene"))} for u in as_json.get("unscheduled", [])
    ]
    run.progress = {
        **(run.progress or {}),
        "best_total": cost.total,
        "best_bound": plan.lower_bound,
        "solve_seconds": plan.solve_seconds,
    }


def _keep_previous(session: Session, run: PlanRun, previous: PlanRun) -> None:
    """Unchanged data: the previous plan stands as it is, re-issued under this run."""
    session.execute(
        update(Proposal)
        .where(Proposal.run_id == previous.id, Proposal.accepted_at.is_(None))
        .values(run_id=run.id)
    )
    for name in ("greedy_total", "total", "cost", "lower_bound", "savings", "crews", "unscheduled"):
        setattr(run, name, getattr(previous, name))
    run.changed_assignments = 0
    run.status = "succeeded"
    run.finished_at = utcnow()
    run.message = f"data unchanged since run {previous.id}: its proposals stand"
    run.progress = {
        "phase": "done",
        "best_total": previous.total,
        "best_bound": previous.lower_bound,
    }
