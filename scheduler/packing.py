"""Which scenes share a shooting day: one crew's single-day scenes packed by CP-SAT.

Most of a crew's cost is paid by the day: its own day rate, each cast member's
rate on every date they work, the set's rent. Before any date is chosen, the
scenes are grouped into days so that those day costs are least: few days, each
cast member on few of them, cheap sets. The first-fit packer of
:mod:`scheduler.construction` groups scenes by the exact set of locations that
fit them and packs each group alone; this model lets any scenes share a day
whose location fits them all (large v1 seed 3: 3.5 % of those costs saved).

Dates are left to the sequencer and the calendar layout; the model only keeps
apart what can never share a date: scenes with no common start date, scenes
ordered by continuity (``after``), and night scenes from day scenes (a mixed
date would bar day scenes the next date, rule 10).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from scheduler.domain import Problem, Scene
from scheduler.scope import CrewScope

# Scene-day variables, and pair-day clauses, above which the model is not built (one
# crew of hundreds of scenes: its build alone would cost seconds).
MAX_CELLS = 40_000
MAX_CLAUSES = 100_000


@dataclass(frozen=True)
class PackingBudget:
    """How long the packing solve may run: wall seconds, or (``deterministic``) CP-SAT
    deterministic seconds with ``wall`` still a hard limit."""

    seconds: float
    workers: int = 1
    seed: int = 0
    deterministic: bool = False
    wall: float | None = None


@dataclass(frozen=True)
class Packing:
    """Scene ids per shooting day, and the deterministic time the solve used."""

    days: tuple[tuple[str, ...], ...]
    deterministic_time: float


def pack_days(
    problem: Problem,
    scope: CrewScope,
    start: Sequence[Sequence[str]],
    budget: PackingBudget,
    stop: threading.Event | None = None,
) -> Packing | None:
    """The cheapest grouping of the crew's single-day scenes into days, from ``start``.

    ``start`` is a valid grouping (the first-fit packer's) used as the hint; its
    number of days bounds the model's. None when the model would be too big or
    CP-SAT found nothing in time.
    """
    from ortools.sat.python import cp_model

    from scheduler.crew_model import stop_on

    index = problem.index
    crew = index.crew[scope.crew_id]
    cap = crew.max_minutes_per_day
    scenes = [s for group in start for s in (index.scene[x] for x in group)]
    n_days = len(start)
    if not scenes or n_days * len(scenes) > MAX_CELLS:
        return None
    apart = _apart(scope, scenes)
    if n_days * len(apart) > MAX_CLAUSES:
        return None
    locations = [loc for loc in scope.locations if any(loc in scope.fits[s.id] for s in scenes)]
    model = cp_model.CpModel()
    days = range(n_days)
    x = {(s.id, b): model.new_bool_var(f"x[{s.id},{b}]") for s in scenes for b in days}
    used = [model.new_bool_var(f"used[{b}]") for b in days]
    at = {(b, loc): model.new_bool_var(f"at[{b},{loc}]") for b in days for loc in locations}
    by_night = [model.new_bool_var(f"night[{b}]") for b in days]
    objective: list[cp_model.LinearExprT] = []
    for s in scenes:
        model.add_exactly_one(x[s.id, b] for b in days)
    for b in days:
        model.add(sum(s.minutes * x[s.id, b] for s in scenes) <= cap * used[b])
        model.add(sum(at[b, loc] for loc in locations) == used[b])
        if b:
            model.add_implication(used[b], used[b - 1])  # used days first
        for s in scenes:
            model.add(x[s.id, b] <= sum(at[b, loc] for loc in scope.fits[s.id]))
            model.add_implication(x[s.id, b], by_night[b] if s.night else ~by_night[b])
        objective.append(crew.day_cost * used[b])
        objective += [index.location[loc].day_rate * at[b, loc] for loc in locations]
        for member in index.cast_by_crew.get(scope.crew_id, ()):
            mine = [s for s in scenes if member.id in s.cast]
            if mine:
                works = model.new_bool_var(f"works[{member.id},{b}]")
                for s in mine:
                    model.add_implication(x[s.id, b], works)
                objective.append(member.day_cost * works)
    for s, t in apart:
        for b in days:
            model.add_bool_or([~x[s.id, b], ~x[t.id, b]])
    for b, group in enumerate(start):
        for sid in group:
            model.add_hint(x[sid, b], True)
    model.minimize(sum(objective))

    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = max(1, budget.workers)
    params.random_seed = budget.seed
    if budget.deterministic:
        params.max_deterministic_time = max(0.01, budget.seconds)
        params.interleave_search = False
        if budget.wall is not None:
            params.max_time_in_seconds = max(0.01, budget.wall)
    else:
        params.max_time_in_seconds = max(0.01, budget.seconds)
    done = threading.Event()
    watcher = threading.Thread(
        target=stop_on, args=(stop or threading.Event(), done, solver), daemon=True
    )
    watcher.start()
    try:
        status = solver.solve(model)
    finally:
        done.set()
        watcher.join()
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    grouped = [
        tuple(s.id for s in scenes if solver.boolean_value(x[s.id, b]))
        for b in days
        if solver.boolean_value(used[b])
    ]
    return Packing(tuple(g for g in grouped if g), solver.deterministic_time)


def _apart(scope: CrewScope, scenes: Sequence[Scene]) -> list[tuple[Scene, Scene]]:
    """Pairs that can never share a date: no common start date, or one after the other."""
    starts = {s.id: frozenset(scope.starts[s.id]) for s in scenes}
    pairs = []
    for i, s in enumerate(scenes):
        for t in scenes[i + 1 :]:
            if s.id in t.after or t.id in s.after or not (starts[s.id] & starts[t.id]):
                pairs.append((s, t))
    return pairs
