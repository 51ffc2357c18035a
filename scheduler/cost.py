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
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise

from scheduler.domain import Assignment, CostBreakdown, Plan, PlanStatus, Problem


@dataclass(slots=True)
class _CrewUse:
    """What one crew uses under a plan: date ordinals, locations, rented location-days."""

    location_on: dict[int, str] = field(default_factory=dict)
    rented: set[tuple[str, int]] = field(default_factory=set)


def cost_by_crew(problem: Problem, assignments: Iterable[Assignment]) -> dict[str, CostBreakdown]:
    """Cost per crew, every crew of the problem included (cast counted in their crew)."""
    index = problem.index
    use: dict[str, _CrewUse] = {c.id: _CrewUse() for c in problem.crews}
    cast_first: dict[str, int] = {}
    cast_last: dict[str, int] = {}
    assigned: set[str] = set()

    for a in assignments:
        scene = index.scene[a.scene]
        assigned.add(scene.id)
        crew_use = use[scene.crew]
        first = a.date.toordinal()
        last = first + index.scene_days[scene.id] - 1
        for day in range(first, last + 1):
            crew_use.location_on.setdefault(day, a.location)
            crew_use.rented.add((a.location, day))
        for member_id in scene.cast:
            if member_id not in cast_first or first < cast_first[member_id]:
                cast_first[member_id] = first
            if member_id not in cast_last or last > cast_last[member_id]:
                cast_last[member_id] = last

    cast_cost: dict[str, int] = dict.fromkeys(use, 0)
    for member_id, first in cast_first.items():
        member = index.cast[member_id]
        cast_cost[member.crew] += member.day_cost * (cast_last[member_id] - first + 1)

    unscheduled: dict[str, int] = dict.fromkeys(use, 0)
    for scene in problem.scenes:
        if scene.id not in assigned:
            unscheduled[scene.crew] += problem.unscheduled_penalty

    result: dict[str, CostBreakdown] = {}
    for crew in problem.crews:
        crew_use = use[crew.id]
        rent = sum(index.location[loc].day_rate for loc, _ in crew_use.rented)
        days = sorted(crew_use.location_on)
        span = days[-1] - days[0] + 1 if days else 0
        moves = 0
        for prev, nxt in pairwise(days):
            moves += _move_cost(problem, crew_use.location_on[prev], crew_use.location_on[nxt])
        result[crew.id] = CostBreakdown.of(
            rent=rent,
            crew=crew.day_cost * span,
            cast=cast_cost[crew.id],
            moves=moves,
            unscheduled=unscheduled[crew.id],
        )
    return result


def _move_cost(problem: Problem, from_location: str, to_location: str) -> int:
    cost = problem.index.move_cost(from_location, to_location)
    # A move without a travel entry breaks rule 7; it still needs a number here.
    return 0 if cost is None else cost


def plan_cost(problem: Problem, assignments: Iterable[Assignment]) -> CostBreakdown:
    """Exact cost of the assignments under the spec's five terms."""
    total = CostBreakdown()
    for crew_cost in cost_by_crew(problem, assignments).values():
        total = total + crew_cost
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
