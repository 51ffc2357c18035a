"""Proven lower bounds that need no search: a crew's cost in any valid plan.

:func:`separable_bound` is the floor every crew starts from; :func:`days_needed`
(the fewest shooting dates some scenes need) also tightens the CP-SAT crew
model (:mod:`scheduler.crew_model`) as a redundant cut.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from scheduler.domain import Problem, Scene
from scheduler.groups import components
from scheduler.scope import CrewScope, crew_scope


def separable_bound(problem: Problem, crew_id: str) -> int:
    """A quick proven lower bound on one crew's cost in any valid plan.

    Scenes with no feasible date always pay the penalty. For the others, two
    bounds hold and the larger is kept:

    - per scene: a scheduled scene takes at least ``minutes / max_minutes`` of
      a shooting day (a multi-day scene its whole dates) and every day in the
      crew's span, a cast member's span or a rented day is shared by scenes
      whose fractions sum to at most one; so each scene costs at least that
      fraction of (crew + its cast + cheapest fitting rate) a day, or the
      penalty if left out;
    - whole days: if every scene is shot, the crew's span and each cast
      member's span hold at least the shooting dates their scenes need
      (:func:`days_needed`), each group of scenes
      sharing no set with the others pays its days at its cheapest rate, and
      the crew changes location at least once between such groups; if a
      scene is left out, the penalty plus the other scenes' shares is a bound.
    """
    index = problem.index
    crew = index.crew[crew_id]
    cap = crew.max_minutes_per_day
    scope = crew_scope(problem, crew_id, prune_dominated=False)
    penalty = problem.unscheduled_penalty
    scenes = index.scenes_by_crew.get(crew_id, ())
    placeable = [s for s in scenes if scope.starts[s.id]]
    certain = penalty * (len(scenes) - len(placeable))
    # A set the crew booked itself costs it nothing on those days: count it as free.
    own = {loc for locs in index.own_days.get(crew_id, {}).values() for loc in locs}
    rate = {
        s.id: min(0 if loc in own else index.location[loc].day_rate for loc in scope.fits[s.id])
        for s in placeable
    }

    scaled = 0  # per scene, in units of 1 / cap yuan
    largest = 0
    for scene in placeable:
        k = index.scene_days[scene.id]
        share = k * cap if k > 1 else scene.minutes
        per_day = crew.day_cost + rate[scene.id] + sum(index.cast[m].day_cost for m in scene.cast)
        part = min(penalty * cap, share * per_day)
        scaled += part
        largest = max(largest, part)
    per_scene = scaled // cap
    # A plan that leaves a placeable scene out pays the penalty and still the other
    # scenes' shares.
    left_out = penalty + (scaled - largest) // cap

    # Every placeable scene is shot here, so continuity chains may run through any of them.
    shot = {s.id for s in placeable}
    whole = crew.day_cost * days_needed(problem, scope, placeable, shot)
    for member in index.cast_by_crew.get(crew_id, ()):
        theirs = [s for s in placeable if member.id in s.cast]
        whole += member.day_cost * days_needed(problem, scope, theirs, shot)
    groups = components(problem, scope, placeable)
    for group in groups:
        group_days = days_needed(problem, scope, group, shot)
        fractional = sum(
            rate[s.id] * (index.scene_days[s.id] * cap if index.scene_days[s.id] > 1 else s.minutes)
            for s in group
        )
        whole += max(group_days * min(rate[s.id] for s in group), fractional // cap)
    if len(groups) > 1:
        whole += (len(groups) - 1) * _cheapest_move(problem, scope)
    return certain + max(per_scene, min(left_out, whole) if placeable else 0)


def _cheapest_move(problem: Problem, scope: CrewScope) -> int:
    """Least a change between two of the crew's candidate locations can cost."""
    index = problem.index
    bases = [index.location[loc].base for loc in scope.locations]
    costs: list[int] = []
    if len(bases) > len(set(bases)):
        costs.append(problem.same_base_move_cost)
    distinct = sorted(set(bases))
    for i, a in enumerate(distinct):
        for b in distinct[i + 1 :]:
            cost = index.travel_cost.get(frozenset((a, b)))
            if cost is not None:
                costs.append(cost)
    return min(costs) if costs else 0


def days_needed(
    problem: Problem,
    scope: CrewScope,
    scenes: Sequence[Scene],
    scheduled: Collection[str] | None = None,
) -> int:
    """Fewest shooting dates on which the given scenes can all be shot.

    Scenes of different :func:`~scheduler.groups.components` never share a date and a
    multi-day scene has its dates to itself; within a component single-day
    scenes need at least their minutes over the daily maximum, no two scenes
    over half a day share one, and scenes on one continuity chain (``after``
    links between scenes of ``scheduled``, default ``scenes``, all assumed
    shot) need a date each.
    """
    index = problem.index
    cap = index.crew[scope.crew_id].max_minutes_per_day
    chained = {s.id for s in scenes} if scheduled is None else set(scheduled)
    total = 0
    for group in components(problem, scope, scenes):
        singles = [s.minutes for s in group if index.scene_days[s.id] == 1]
        total += sum(index.scene_days[s.id] for s in group if index.scene_days[s.id] > 1)
        if singles:
            chain = _longest_chain(problem, {s.id for s in group}, chained)
            total += max(-(-sum(singles) // cap), sum(1 for m in singles if 2 * m > cap), chain)
    return total


def _longest_chain(problem: Problem, members: set[str], chained: Collection[str]) -> int:
    """Most single-day scenes of ``members`` on one ``after`` path through ``chained``."""
    index = problem.index
    depth: dict[str, int] = {}

    def visit(scene_id: str) -> int:
        if scene_id in depth:
            return depth[scene_id]
        own = 1 if scene_id in members and index.scene_days[scene_id] == 1 else 0
        best = 0
        for pred in index.scene[scene_id].after:
            if pred in chained:
                best = max(best, visit(pred))
        depth[scene_id] = best + own
        return depth[scene_id]

    return max((visit(s) for s in chained if s in index.scene), default=0)
