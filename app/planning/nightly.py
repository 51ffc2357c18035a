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
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.bookings.service import sweep_expired
from app.db import get_engine, transaction
from app.jobs import Heartbeat
from app.models import Crew, PlanRun, Proposal, utcnow
from app.notices import service as notices
from app.planning.lock import plan_lock
from app.planning.problem import (
    Mapping,
    build_problem,
    plan_from_proposals,
    problem_hash,
    proposals_from_plan,
)
from app.planning.service import RunParams
from app.timeutil import today_local
from scheduler import domain as d
from scheduler.cost import cost_by_crew, unscheduled_scenes
from scheduler.explain import Explanation, explain
from scheduler.greedy import greedy_plan
from scheduler.io import COST_FIELDS
from scheduler.solver import Progress, SolveOptions, solve

log = logging.getLogger("backlot.nightly")


class _Monitor:
    """Writes progress every second (with the heartbeat when due) and turns a cancel request,
    or the run being settled as lost, into the solver's stop event."""

    def __init__(self, run_id: int, heartbeat: Heartbeat) -> None:
        self.run_id = run_id
        self.heartbeat = heartbeat
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

    def on_progress(self, progress: Progress) -> None:
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
                    self.heartbeat.stamp(run)
                if self.heartbeat.lost.is_set():
                    self.stop.set()
            except Exception:
                log.warning("could not record progress of run %s", self.run_id, exc_info=True)


def execute(run_id: int) -> PlanRun:
    """Run plan ``run_id`` to the end. Raises RunInProgress if another run holds the lock."""
    try:
        with plan_lock(get_engine()), Heartbeat(PlanRun, run_id) as heartbeat:
            return _execute_locked(run_id, heartbeat)
    except Exception as exc:
        with transaction() as session:
            run = session.get(PlanRun, run_id)
            if run is not None and run.status in ("queued", "running"):
                run.status = "failed"
                run.finished_at = utcnow()
                run.message = getattr(exc, "detail", None) or f"{type(exc).__name__}: {exc}"
        raise


def _execute_locked(run_id: int, heartbeat: Heartbeat) -> PlanRun:
    # The run's time limit counts from here: reading the data and the first-come plan
    # come out of it, so that the whole run ends within the limit (plus the final write).
    started = time.monotonic()
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
        if run.status != "queued":  # settled as lost before its worker took it
            return run
        params = RunParams(**run.params)
        swept = sweep_expired(session, now)
        problem, mapping = build_problem(session, today_local(now), params.horizon_days)
        pending = list(session.scalars(select(Proposal).where(Proposal.accepted_at.is_(None))))
        accepted_scenes = set(
            session.scalars(select(Proposal.scene_id).where(Proposal.accepted_at.is_not(None)))
        )
        phash = problem_hash(problem)
        run.status = "running"
        run.started_at = run.heartbeat_at = now
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

    # The previous proposals warm-start the solve, which repairs them if today's data
    # broke them; the first-come plan is computed once, for the solve and the savings.
    hint = plan_from_proposals(pending, mapping, problem)
    greedy = greedy_plan(problem)
    with _Monitor(run_id, heartbeat) as monitor:
        options = SolveOptions(
            time_limit=max(0.5, params.time_limit - (time.monotonic() - started)),
            workers=params.workers,
            seed=params.seed,
            hint=hint,
            baseline=greedy,
        )
        plan = solve(problem, options, progress=monitor.on_progress, stop=monitor.stop)
        cancelled = monitor.cancelled
    explanation = explain(problem, plan)

    with transaction() as session:
        run = session.get(PlanRun, run_id)
        assert run is not None
        session.refresh(run, with_for_update=True)
        if run.status != "running":
            # Settled as lost while this worker was silent too long: it was told to start
            # again, so this result is not written over what it was told.
            log.warning("plan run %s was settled as lost: its plan is not kept", run_id)
            return run
        old = list(session.scalars(select(Proposal).where(Proposal.accepted_at.is_(None))))
        before = {p.scene_id: (p.set_id, p.date) for p in old}
        session.execute(delete(Proposal).where(Proposal.accepted_at.is_(None)))
        # Scenes already accepted were turned into holds by their crew: not proposed again.
        rows = proposals_from_plan(plan, problem, mapping, run.id, accepted_scenes)
        session.add_all(rows)
        session.flush()
        after = {p.scene_id: (p.set_id, p.date) for p in rows}
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        run.changed_assignments = len(changed)
        _tell_crews(session, run.id, [*old, *rows], rows, changed)
        _record_results(run, problem, plan, greedy, explanation, mapping)
        run.status = "stopped" if cancelled else "succeeded"
        run.message = "stopped early on request: best plan so far kept" if cancelled else ""
        run.finished_at = utcnow()
        run.progress = {**run.progress, "phase": "done"}
    return run


def _tell_crews(
    session: Session,
    run_id: int,
    seen: list[Proposal],
    rows: list[Proposal],
    changed: set[int],
) -> None:
    """Crews whose proposal changed (and still propose something) hear of the new one, in
    the transaction that swaps the proposals."""
    crews = {p.crew_id for p in seen if p.scene_id in changed}
    offered: dict[int, list[Proposal]] = {}
    for p in rows:
        offered.setdefault(p.crew_id, []).append(p)
    names = {
        crew_id: name
        for crew_id, name in session.execute(
            select(Crew.id, Crew.name).where(Crew.id.in_(crews & set(offered)))
        )
    }
    notices.plan_proposals(
        session,
        run_id,
        {
            crew_id: (
                names[crew_id],
                len(offered[crew_id]),
                len({p.date + timedelta(days=i) for p in offered[crew_id] for i in range(p.days)}),
            )
            for crew_id in names
        },
        utcnow(),
    )


def _record_results(
    run: PlanRun,
    problem: d.Problem,
    plan: d.Plan,
    greedy: d.Plan,
    explanation: Explanation,
    mapping: Mapping,
) -> None:
    cost = plan.cost
    run.total = cost.total
    run.cost = {k: getattr(cost, k) for k in COST_FIELDS}
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
    # Each crew's own first-come baseline: its page compares like with like, and shows
    # money apart from scenes left out (the penalty is a weight, not yuan anyone pays).
    left_out = Counter(
        problem.index.scene[s].crew for s in unscheduled_scenes(problem, greedy.assignments)
    )
    for crew_code, breakdown in cost_by_crew(problem, greedy.assignments).items():
        known = mapping.crew.get(crew_code)
        if known is not None:
            crews[str(known)]["baseline"] = {
                "total": breakdown.total,
                "money": breakdown.total - breakdown.unscheduled,
                "unscheduled_scenes": left_out[crew_code],
            }
    for info in crews.values():
        if "total" in info:
            info["money"] = info["total"] - info.get("unscheduled", 0)
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
