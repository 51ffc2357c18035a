"""Independent groups of crews solved side by side in processes of their own.

Crews of different :func:`~scheduler.groups.independent_groups` never compete for
a location-day, and every cost term is a sum over crews, so the problem splits
into sub-problems (:func:`sub_problem`: the same sets, fixed days and travel,
only some crews) whose plans put together are a valid plan of the whole, and
whose proven bounds add up. :func:`split_for_processes` deals the groups out to
processes, heaviest first; :func:`solve_in_processes` runs one
:func:`scheduler.solver.solve` per part in a process of its own and assembles
the answer. This is what ``--workers N`` above 2 does: N / 2 processes of two
CP-SAT workers each. Python's heuristics run on one core per process (the
GIL), so processes use cores a single solve cannot.

The parts are plain values (a pickled :class:`~scheduler.domain.Problem` and
:class:`SolveOptions`), so the same split would run on a cluster: one task per
part on any machine, the answers summed by the caller.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING

from scheduler.catalogue import all_violations
from scheduler.cost import make_plan
from scheduler.domain import Assignment, Plan, PlanStatus, Problem
from scheduler.groups import independent_groups

if TYPE_CHECKING:
    from scheduler.solver import Progress, SolveOptions

# A spawned process starts a fresh interpreter and imports OR-Tools: kept back from
# the parts' time limit (measured at about a second on the project's machine).
SPAWN_SECONDS = 1.5


def split_for_processes(problem: Problem, processes: int) -> list[list[str]]:
    """Crews dealt to at most ``processes`` parts, whole groups each, heaviest group first.

    A group weighs its scenes times its crews' window days (what the solve's time
    grows with); each group goes to the lightest part so far.
    """
    index = problem.index
    groups = [g for g in independent_groups(problem) if any(index.scenes_by_crew.get(c) for c in g)]
    if processes < 2 or len(groups) < 2:
        return [[c.id for c in problem.crews]]

    def weight(group: Sequence[str]) -> int:
        total = 0
        for crew_id in group:
            first, last = index.active_window(crew_id)
            total += len(index.scenes_by_crew.get(crew_id, ())) * max(1, last - first + 1)
        return total

    parts: list[list[str]] = [[] for _ in range(min(processes, len(groups)))]
    loads = [0] * len(parts)
    for group in sorted(groups, key=lambda g: (-weight(g), g[0])):
        i = loads.index(min(loads))
        parts[i] += group
        loads[i] += weight(group)
    # Crews without scenes cost nothing; they ride with the first part.
    placed = {c for part in parts for c in part}
    parts[0] += [c.id for c in problem.crews if c.id not in placed]
    return parts


def sub_problem(problem: Problem, crews: Sequence[str]) -> Problem:
    """The problem of some crews only: same sets, travel and fixed days (other crews'
    fixed days stay, as any other production's)."""
    own = set(crews)
    return replace(
        problem,
        crews=tuple(c for c in problem.crews if c.id in own),
        cast=tuple(m for m in problem.cast if m.crew in own),
        scenes=tuple(s for s in problem.scenes if s.crew in own),
    )


def _restrict(problem: Problem, plan: Plan | None) -> Plan | None:
    if plan is None:
        return None
    scenes = {s.id for s in problem.scenes}
    return make_plan(problem, [a for a in plan.assignments if a.scene in scenes])


_stop_flag: multiprocessing.synchronize.Event | None = None


def _init_part(flag: multiprocessing.synchronize.Event) -> None:
    global _stop_flag
    _stop_flag = flag


def _solve_part(problem: Problem, options: SolveOptions) -> Plan:
    """One part, inside its process; the parent's stop flag ends it early."""
    from scheduler.solver import solve

    stop = threading.Event()
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.1):
            if _stop_flag is not None and _stop_flag.is_set():
                stop.set()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        return solve(problem, options, None, stop)
    finally:
        done.set()


def solve_in_processes(
    problem: Problem,
    options: SolveOptions,
    parts: Sequence[Sequence[str]],
    progress: Callable[[Progress], None] | None,
    stop: threading.Event,
) -> Plan:
    """Solve each part in a process of its own and put the plans together.

    Every part gets the time left minus :data:`SPAWN_SECONDS` and ``workers /
    parts`` CP-SAT workers; its baseline and hint are the whole problem's,
    restricted to its crews. A part that fails leaves its crews on the baseline.
    """
    from scheduler.greedy import greedy_plan
    from scheduler.solver import Progress

    started = time.monotonic()
    baseline = options.baseline if options.baseline is not None else greedy_plan(problem)
    per_part = max(1, options.workers // len(parts))
    elapsed = time.monotonic() - started
    limit = max(0.5, options.time_limit - SPAWN_SECONDS - 0.1 - elapsed)
    subs = [sub_problem(problem, part) for part in parts]
    context = multiprocessing.get_context("spawn")
    flag = context.Event()
    if progress is not None:
        progress(Progress(0.0, baseline.cost.total, None, "processes"))
    plans: list[Plan | None] = []
    with ProcessPoolExecutor(
        len(subs), mp_context=context, initializer=_init_part, initargs=(flag,)
    ) as pool:
        futures: list[Future[Plan]] = [
            pool.submit(
                _solve_part,
                sub,
                replace(
                    options,
                    time_limit=limit,
                    workers=per_part,
                    baseline=_restrict(sub, baseline),
                    hint=_restrict(sub, options.hint),
                ),
            )
            for sub in subs
        ]
        while not all(f.done() for f in futures):
            if stop.is_set():
                flag.set()
            time.sleep(0.05)
        for future in futures:
            plans.append(future.result() if future.exception() is None else None)
    assignments: list[Assignment] = []
    bound = 0
    for sub, plan in zip(subs, plans, strict=True):
        if plan is None:
            kept = _restrict(sub, baseline)
            assert kept is not None
            plan = kept
        assignments += plan.assignments
        bound += plan.lower_bound or 0
    plan = make_plan(problem, assignments)
    if all_violations(problem, plan):
        plan = baseline  # never expected: parts never compete for a location-day
    total = plan.cost.total
    bound = min(bound, total)
    status: PlanStatus = "OPTIMAL" if bound == total else "FEASIBLE"
    seconds = round(time.monotonic() - started, 3)
    if progress is not None:
        progress(Progress(seconds, total, bound, "done"))
    return make_plan(
        problem, plan.assignments, status=status, lower_bound=bound, solve_seconds=seconds
    )
