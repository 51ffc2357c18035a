"""Exact cost of a plan on domain objects, in total and per crew.

This is the cost the solver, the greedy baseline and the explanations report.
The independent checker (:mod:`scheduler.checker`) recomputes it on raw JSON
along a separate code path; tests cross-check the two.

Every function here assumes the assignments name existing scenes and
locations; a plan that breaks a hard rule still gets a deterministic cost
(the first assignment of a crew on a date decides its location for moves).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from itertools import pairwise

from scheduler.domain import Assignment, CostBreakdown, Plan, PlanStatus, Problem


def crew_breakdown(
    problem: Problem, crew_id: str, assignments: Iterable[Assignment]
) -> CostBreakdown:
    """One crew's five cost terms under its own assignments (scenes of this crew only)."""
    index = problem.index
    location_on: dict[int, str] = {}
    rented: set[tuple[str, int]] = set()
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    placed: set[str] = set()
    for a in assignments:
        placed.add(a.scene)
        d0 = a.date.toordinal()
        d1 = d0 + index.scene_days[a.scene] - 1
        for d in range(d0, d1 + 1):
            location_on.setdefault(d, a.location)
            rented.add((a.location, d))
        for m in index.scene[a.scene].cast:
            first[m] = min(first.get(m, d0), d0)
            last[m] = max(last.get(m, d1), d1)
    days = sorted(location_on)
    moves = 0
    for prev, nxt in pairwise(days):
        moves += _move_cost(problem, location_on[prev], location_on[nxt])
    missing = sum(1 for s in index.scenes_by_crew.get(crew_id, ()) if s.id not in placed)
    return CostBreakdown.of(
        # A crew's own fixed day is paid for already: its rent does not depend on the plan.
        rent=sum(
            index.location[loc].day_rate for loc, d in rented if (crew_id, loc, d) not in index.paid
        ),
        crew=index.crew[crew_id].day_cost * (days[-1] - days[0] + 1) if days else 0,
        cast=sum(index.cast[m].day_cost * (last[m] - first[m] + 1) for m in first),
        moves=moves,
        unscheduled=missing * problem.unscheduled_penalty,
    )


def crew_cost(problem: Problem, crew_id: str, assignments: Iterable[Assignment]) -> int:
    """Exact total cost of one crew's plan: what the solver compares, many times a second."""
    return crew_breakdown(problem, crew_id, assignments).total


def cost_by_crew(problem: Problem, assignments: Iterable[Assignment]) -> dict[str, CostBreakdown]:
    """Cost per crew, every crew of the problem included (cast counted in their crew)."""
    index = problem.index
    by_crew: dict[str, list[Assignment]] = {c.id: [] for c in problem.crews}
    for a in assignments:
        by_crew[index.scene[a.scene].crew].append(a)
    return {crew_id: crew_breakdown(problem, crew_id, own) for crew_id, own in by_crew.items()}


def _move_cost(problem: Problem, from_location: str, to_location: str) -> int:
    cost = problem.index.move_cost(from_location, to_location)
    # A move without a travel entry breaks rule 7; it still needs a number here.
    return 0 if cost is None else cost


def plan_cost(problem: Problem, assignments: Iterable[Assignment]) -> CostBreakdown:
    """Exact cost of the assignments under the spec's five terms."""
    total = CostBreakdown()
    for part in cost_by_crew(problem, assignments).values():
        total = total + part
    return total


def unscheduled_scenes(problem: Problem, assignments: Iterable[Assignment]) -> tuple[str, ...]:
    """Scenes with no assignment, in problem order."""
    assigned = {a.scene for a in assignments}
    return tuple(s.id for s in problem.scenes if s.id not in assigned)


def make_plan(
    problem: Problem,
    assignments: Iterable[Assignment],
    *,
    status: PlanStatus = "FEASIBLE",
    lower_bound: int | None = None,
    solve_seconds: float = 0.0,
) -> Plan:
    """A plan with its unscheduled list and exact cost filled in from the assignments.

    Assignments are ordered by (date, crew position, scene position) so that
    plan files diff cleanly between runs.
    """
    index = problem.index
    crew_position = {c.id: i for i, c in enumerate(problem.crews)}
    ordered = sorted(
        assignments,
        key=lambda a: (
            a.date,
            crew_position[index.scene[a.scene].crew],
            index.scene_position[a.scene],
        ),
    )
    return Plan(
        status=status,
        assignments=tuple(ordered),
        unscheduled=unscheduled_scenes(problem, ordered),
        cost=plan_cost(problem, ordered),
        lower_bound=lower_bound,
        solve_seconds=solve_seconds,
    )


def empty_plan(problem: Problem) -> Plan:
    """The always-valid plan that schedules nothing."""
    return make_plan(problem, ())


def shooting_dates(problem: Problem, assignments: Iterable[Assignment]) -> dict[str, list[date]]:
    """Sorted shooting dates per crew (every date of a multi-day scene counted)."""
    index = problem.index
    per_crew: dict[str, set[date]] = {c.id: set() for c in problem.crews}
    for a in assignments:
        per_crew[index.scene[a.scene].crew].update(index.scene_dates(a.scene, a.date))
    return {crew: sorted(days) for crew, days in per_crew.items()}
