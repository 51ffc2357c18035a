"""A dispatch run: the day's open requests and the register into :mod:`scheduler.dispatch`,
and the result back as the day's proposed assignments, swapped in one transaction.

Like plan runs: recorded first (``queued``), executed in a process of its own
(``python -m app.extras.worker RUN_ID``, or ``backlot extras dispatch``), with progress,
cancellation before the swap, the inputs' hash (unchanged inputs keep the previous run's
proposals) and the number of changes since the last run. Confirmed assignments enter as
``fixed``; performers working for another base's crew that day are busy. A crash or a
cancel before the swap leaves the previous proposals whole.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session

from app.access import require_dispatches
from app.db import transaction
from app.errors import Conflict
from app.extras.schemas import DispatchRunOut
from app.extras.service import profile_of
from app.jobs import Heartbeat, settle_lost_runs, spawn_worker, worker_database_url
from app.lookup import get_or_404, taken
from app.models import (
    DISPATCH_ACTIVE,
    DispatchRun,
    ExtrasAssignment,
    ExtrasRequest,
    Performer,
    PerformerUnavailable,
    User,
    utcnow,
)
from scheduler import dispatch as dp

FAIRNESS_DAYS = dp.FAIRNESS_WINDOW_DAYS


def active_run(session: Session, day: date) -> DispatchRun | None:
    """The day's run still queued or running, whatever its base (one at a time); the day's
    runs whose worker is gone are settled first (app.jobs.settle_lost_runs)."""
    settle_lost_runs(session, DispatchRun, DispatchRun.day == day)
    return session.scalars(
        select(DispatchRun).where(DispatchRun.day == day, DispatchRun.status.in_(DISPATCH_ACTIVE))
    ).first()


def create_run(session: Session, user: User | None, day: date, base_id: int | None) -> DispatchRun:
    """Record a day's run, unless one of that day is already queued or running: the office's
    button and the cron command meet here. The check is the friendly answer; two racing past
    it meet the database's rule (``uq_dispatch_runs_one_active_per_day``), whose refusal the
    API answers as a 409 with the same words (``errors.UNIQUE_CLASHES``). A run whose worker
    is gone (never started, or stopped answering) is settled first: it holds the day no more."""
    settle_lost_runs(session, DispatchRun, DispatchRun.day == day)
    if taken(session, DispatchRun.day == day, DispatchRun.status.in_(DISPATCH_ACTIVE)):
        raise Conflict(
            f"A dispatch for {day} is already running; wait for it to finish or cancel it."
        )
    run = DispatchRun(
        day=day, base_id=base_id, status="queued", requested_by_id=user.id if user else None
    )
    session.add(run)
    session.flush()
    return run


def start_run(session: Session, user: User, day: date, base_id: int | None) -> DispatchRun:
    """The office starts a day's run (API and page): recorded, committed, then its worker."""
    require_dispatches(user, base_id)
    run = create_run(session, user, day, base_id)
    session.commit()
    spawn(run.id, worker_database_url())
    return run


def cancel_run(session: Session, user: User, run: DispatchRun) -> bool:
    """Stop a run before it swaps the day's proposals (API and page); False if it has ended.

    A queued run stops at once (the day is free for another); a running one is asked to, and
    its worker stops before the swap; one whose worker is gone was already ended, failed, by
    :func:`get_run`. The row is locked, so the worker's start and swap see
    the cancel or come before it, never half of it.
    """
    require_dispatches(user, run.base_id)
    session.refresh(run, with_for_update=True)
    if run.status not in DISPATCH_ACTIVE:
        return False
    run.cancel_requested = True
    if run.status == "queued":
        run.status = "stopped"
        run.finished_at = utcnow()
        run.progress = {"phase": "done"}
        run.message = "cancelled before it started: the previous proposals stand"
    session.flush()
    return True


def publish_day(session: Session, user: User, day: date, base_id: int | None, now: datetime) -> int:
    """Confirm the day's proposed assignments (in the office's scope); later runs keep them."""
    require_dispatches(user, base_id)
    ids = select(ExtrasRequest.id).where(*_scope(base_id, day))
    n = 0
    for a in session.scalars(
        select(ExtrasAssignment).where(
            ExtrasAssignment.request_id.in_(ids), ExtrasAssignment.status == "proposed"
        )
    ):
        a.status = "confirmed"
        a.confirmed_at = now
        n += 1
    session.flush()
    return n


def unfilled_reasons(session: Session, day: date) -> dict[int, str]:
    """Why slots stay empty, per request, from the day's latest runs."""
    out: dict[int, str] = {}
    for run in session.scalars(
        select(DispatchRun)
        .where(DispatchRun.day == day, DispatchRun.status == "succeeded")
        .order_by(DispatchRun.id)
    ):
        for u in run.unfilled or []:
            out[int(u["request_id"])] = f"{u['missing']} unfilled: {u['reason']}"
    return out


def run_out(run: DispatchRun) -> DispatchRunOut:
    out = DispatchRunOut.model_validate(run, from_attributes=True)
    out.fill_rate = (run.filled or 0) / run.slots if run.slots else None
    return out


def get_run(session: Session, run_id: int) -> DispatchRun:
    """The run as it stands: if its worker is gone, it is settled first (and so its cancel
    ends it at once rather than wait for a worker that will never read the flag)."""
    settle_lost_runs(session, DispatchRun, DispatchRun.id == run_id)
    return get_or_404(session, DispatchRun, run_id, f"Dispatch run {run_id} not found.")


def spawn(run_id: int, database_url: str) -> None:
    """Start the dispatch run's worker process (``app.extras.worker``)."""
    spawn_worker("app.extras.worker", run_id, database_url)


def _scope(base_id: int | None, day: date) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [ExtrasRequest.day == day, ExtrasRequest.status == "open"]
    if base_id is not None:
        where.append(ExtrasRequest.base_id == base_id)
    return where


def build_problem(session: Session, day: date, base_id: int | None) -> dp.Problem:
    """The register, the day's open requests in scope, and what is already fixed."""
    requests = list(
        session.scalars(
            select(ExtrasRequest).where(*_scope(base_id, day)).order_by(ExtrasRequest.id)
        )
    )
    in_scope = {r.id for r in requests}
    off: dict[int, set[date]] = defaultdict(set)
    for pid in session.scalars(
        select(PerformerUnavailable.performer_id).where(PerformerUnavailable.day == day)
    ):
        off[pid].add(day)
    fixed: list[dp.Fixed] = []
    continuity_of = {r.continuity_of_id for r in requests if r.continuity_of_id}
    earlier: dict[int, set[int]] = defaultdict(set)
    for a in session.scalars(
        select(ExtrasAssignment).where(
            (ExtrasAssignment.day == day) | ExtrasAssignment.request_id.in_(continuity_of)
        )
    ):
        if a.request_id in continuity_of:
            earlier[a.request_id].add(a.performer_id)
        if a.day != day:
            continue
        if a.request_id not in in_scope:
            off[a.performer_id].add(day)  # working for a crew outside this run
        elif a.status == "confirmed":
            fixed.append(dp.Fixed(a.request_id, a.performer_id))
    worked: dict[int, set[date]] = defaultdict(set)
    for pid, d in session.execute(
        select(ExtrasAssignment.performer_id, ExtrasAssignment.day).where(
            ExtrasAssignment.day >= day - timedelta(days=FAIRNESS_DAYS),
            ExtrasAssignment.day < day,
            ExtrasAssignment.status == "confirmed",
            (ExtrasAssignment.attendance.is_(None)) | (ExtrasAssignment.attendance != "absent"),
        )
    ):
        worked[pid].add(d)
    performers = tuple(
        dp.Performer(
            id=pid,
            gender=gender,
            category=category,
            tags=frozenset((skills or []) + (looks or []) + (dialects or [])),
            birth_year=birth_year,
            height_cm=height,
            max_days_per_week=limit,
            active=status == "active",
            unavailable=frozenset(off.get(pid, ())),
            worked=frozenset(worked.get(pid, ())),
        )
        for pid, gender, category, skills, looks, dialects, birth_year, height, limit, status in (
            session.execute(
                select(
                    Performer.id,
                    Performer.gender,
                    Performer.category,
                    Performer.skills,
                    Performer.looks,
                    Performer.dialects,
                    Performer.birth_year,
                    Performer.height_cm,
                    Performer.max_days_per_week,
                    Performer.status,
                ).order_by(Performer.id)
            )
        )
    )
    return dp.Problem(
        day=day,
        performers=performers,
        requests=tuple(
            dp.Request(
                id=r.id,
                crew=r.crew_id,
                count=r.count,
                profile=profile_of(r),
                priority=r.priority,
                continuity=frozenset(earlier.get(r.continuity_of_id or 0, ())),
            )
            for r in requests
        ),
        fixed=tuple(sorted(fixed, key=lambda f: (f.request, f.performer))),
    )


def inputs_hash(problem: dp.Problem) -> str:
    def pro(p: dp.Profile) -> list[object]:
        return [sorted(p.tags), sorted(p.categories), p.gender, p.age_min, p.age_max,
                p.height_min, p.height_max]  # fmt: skip

    body = {
        "day": problem.day.isoformat(),
        "performers": [
            [
                p.id,
                p.gender,
                p.category,
                sorted(p.tags),
                p.birth_year,
                p.height_cm,
                p.max_days_per_week,
                p.active,
                sorted(d.isoformat() for d in p.unavailable),
                sorted(d.isoformat() for d in p.worked),
            ]
            for p in problem.performers
        ],
        "requests": [
            [r.id, r.crew, r.count, pro(r.profile), r.priority, sorted(r.continuity)]
            for r in problem.requests
        ],
        "fixed": [[f.request, f.performer] for f in problem.fixed],
    }
    return hashlib.sha256(json.dumps(body, separators=(",", ":")).encode()).hexdigest()


def execute(run_id: int) -> DispatchRun:
    """Run dispatch ``run_id`` to the end (a failure is recorded on the run)."""
    try:
        with Heartbeat(DispatchRun, run_id) as heartbeat:
            return _execute(run_id, heartbeat)
    except Exception as exc:
        with transaction() as session:
            run = session.get(DispatchRun, run_id)
            if run is not None and run.status in DISPATCH_ACTIVE:
                run.status = "failed"
                run.finished_at = utcnow()
                run.message = getattr(exc, "detail", None) or f"{type(exc).__name__}: {exc}"
        raise


def _proposed(session: Session, request_ids: set[int]) -> set[tuple[int, int]]:
    return {
        (r, p)
        for r, p in session.execute(
            select(ExtrasAssignment.request_id, ExtrasAssignment.performer_id).where(
                ExtrasAssignment.request_id.in_(request_ids),
                ExtrasAssignment.status == "proposed",
            )
        )
    }


def _locked(session: Session, run_id: int) -> DispatchRun:
    """The run, locked against a cancel or a settlement as lost coming at the same time."""
    run = get_run(session, run_id)
    session.refresh(run, with_for_update=True)
    return run


def _execute(run_id: int, heartbeat: Heartbeat) -> DispatchRun:
    with transaction() as session:
        run = _locked(session, run_id)
        if run.status != "queued":  # cancelled (or lapsed) before its worker took it
            return run
        run.status = "running"
        run.started_at = run.heartbeat_at = utcnow()
        run.progress = {"phase": "loading"}
        day, base_id = run.day, run.base_id
    with transaction() as session:
        problem = build_problem(session, day, base_id)
        digest = inputs_hash(problem)
        previous = session.scalars(
            select(DispatchRun)
            .where(
                DispatchRun.day == day,
                DispatchRun.base_id.is_(None)
                if base_id is None
                else DispatchRun.base_id == base_id,
                DispatchRun.status == "succeeded",
                DispatchRun.id != run_id,
            )
            .order_by(DispatchRun.id.desc())
        ).first()
        if previous is not None and previous.inputs_hash == digest:
            run = _locked(session, run_id)
            if run.status != "running":  # settled as lost meanwhile
                return run
            for name in ("slots", "filled", "fairness", "unfilled"):
                setattr(run, name, getattr(previous, name))
            run.inputs_hash = digest
            run.changes = 0
            run.status = "succeeded"
            run.finished_at = utcnow()
            run.progress = {"phase": "done"}
            run.message = f"inputs unchanged since run {previous.id}: its proposals stand"
            return run
        run = get_run(session, run_id)
        run.progress = {"phase": "solving"}
        heartbeat.stamp(run)
    result = dp.dispatch(problem)
    with transaction() as session:
        run = _locked(session, run_id)
        if run.status != "running":  # settled as lost: another run of the day may be going
            return run
        if run.cancel_requested:
            run.status = "stopped"
            run.finished_at = utcnow()
            run.message = "cancelled before the swap: the previous proposals stand"
            run.progress = {"phase": "done"}
            return run
        ids = {r.id for r in problem.requests}
        before = _proposed(session, ids)
        session.execute(
            delete(ExtrasAssignment).where(
                ExtrasAssignment.request_id.in_(ids), ExtrasAssignment.status == "proposed"
            )
        )
        session.flush()
        session.add_all(
            ExtrasAssignment(
                request_id=a.request,
                performer_id=a.performer,
                day=day,
                run_id=run.id,
                status="proposed",
                continuity=a.continuity,
                tasks=[],
            )
            for a in result.assignments
            if not a.fixed
        )
        session.flush()
        after = _proposed(session, ids)
        run.inputs_hash = digest
        run.slots = result.slots
        run.filled = result.filled
        run.changes = len(before ^ after)
        run.unfilled = [
            {
                "request_id": u.request,
                "missing": u.missing,
                "code": u.code,
                "reason": u.reason,
            }
            for u in result.unfilled
        ]
        run.fairness = _fairness(problem, result)
        run.status = "succeeded"
        run.finished_at = utcnow()
        run.progress = {"phase": "done", "seconds": round(result.seconds, 3)}
        return run


def _fairness(problem: dp.Problem, result: dp.Dispatch) -> dict[str, float | int]:
    """Days worked in the last 30 days, today's assignments included."""
    since = problem.day - timedelta(days=FAIRNESS_DAYS)
    today = {a.performer for a in result.assignments}
    counts = {
        p.id: sum(1 for d in p.worked if d >= since) + (p.id in today)
        for p in problem.performers
        if p.active
    }
    assigned = [counts[pid] for pid in today if pid in counts]
    return {
        "gini_days_30_active": round(dp.gini(counts.values()), 4),
        "assigned_mean_days_30": round(sum(assigned) / len(assigned), 2) if assigned else 0,
        "assigned_max_days_30": max(assigned, default=0),
        "continuity_kept": sum(1 for a in result.assignments if a.continuity),
        "rounds": result.rounds,
    }
