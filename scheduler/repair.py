"""Making a plan valid: keep the assignments that break no hard rule.

Used to accept a warm-start hint that may be stale (sets taken since, scenes
removed) and, by the crew local search, as an exact validity test.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date

from scheduler.domain import Assignment, Problem, Scene


def repair_plan(
    problem: Problem,
    assignments: Iterable[Assignment],
    blocked: Collection[tuple[str, int]] = frozenset(),
) -> list[Assignment]:
    """The largest prefix-greedy valid subset of ``assignments`` (a hint made valid).

    Assignments are taken in date order and each kept only if the plan built
    so far stays valid with it; an assignment naming unknown ids, or a
    (location, date ordinal) in ``blocked`` (held by crews not in the list),
    is dropped. So a plan is valid exactly when nothing is dropped.
    """
    index = problem.index
    kept: list[Assignment] = []
    holder: dict[tuple[str, int], str] = {}
    location_on: dict[tuple[str, int], str] = {}
    minutes_on: dict[tuple[str, int], int] = {}
    exclusive: set[tuple[str, int]] = set()
    span_of: dict[str, tuple[int, int]] = {}
    days_of_crew: dict[str, set[int]] = {}
    night_shot: set[tuple[str, int]] = set()  # (crew, date) with a night scene
    day_shot: set[tuple[str, int]] = set()  # (crew, date) with a day scene
    ordered = sorted(
        (a for a in assignments if a.scene in index.scene and a.location in index.location),
        key=lambda a: (a.date, index.scene_position[a.scene]),
    )
    for a in ordered:
        scene = index.scene[a.scene]
        if scene.id in span_of:
            continue
        crew = index.crew[scene.crew]
        loc = index.location[a.location]
        k = index.scene_days[scene.id]
        first = a.date.toordinal()
        days = range(first, first + k)
        dates = [date.fromordinal(d) for d in days]
        if not index.location_fits(scene, loc):
            continue
        ok = all(
            d in problem.horizon
            and d in crew.window
            and (scene.earliest is None or d >= scene.earliest)
            and (scene.latest is None or d <= scene.latest)
            and d not in loc.unavailable
            and not index.blocked_for(loc.id, d, crew.id)
            and all(d not in index.cast[m].unavailable for m in scene.cast)
            for d in dates
        )
        if not ok or not all(index.own_day_allows(crew.id, loc.id, d) for d in days):
            continue
        # Turnaround: no day scene the date after a night, no night before a day scene.
        if scene.night:
            if any((crew.id, d + 1) in day_shot for d in days):
                continue
        elif any((crew.id, d - 1) in night_shot for d in days):
            continue
        if any(holder.get((loc.id, d), crew.id) != crew.id for d in days):
            continue
        if blocked and any((loc.id, d) in blocked for d in days):
            continue
        if any(location_on.get((crew.id, d), loc.id) != loc.id for d in days):
            continue
        if k > 1 and any((crew.id, d) in location_on for d in days):
            continue
        if k == 1 and (
            (crew.id, first) in exclusive
            or minutes_on.get((crew.id, first), 0) + scene.minutes > crew.max_minutes_per_day
        ):
            continue
        if not _precedence_ok(problem, scene, first, first + k - 1, span_of):
            continue
        crew_days = days_of_crew.setdefault(crew.id, set())
        new_days = [d for d in days if d not in crew_days]
        if new_days and not _travel_ok(problem, crew.id, loc.id, new_days, crew_days, location_on):
            continue
        for d in days:
            holder[loc.id, d] = crew.id
            location_on[crew.id, d] = loc.id
            crew_days.add(d)
            if k == 1:
                minutes_on[crew.id, d] = minutes_on.get((crew.id, d), 0) + scene.minutes
            else:
                exclusive.add((crew.id, d))
            (night_shot if scene.night else day_shot).add((crew.id, d))
        span_of[scene.id] = (first, first + k - 1)
        kept.append(a)
    return kept


def _precedence_ok(
    problem: Problem, scene: Scene, first: int, last: int, span_of: Mapping[str, tuple[int, int]]
) -> bool:
    for pred in scene.after:
        if pred in span_of and span_of[pred][1] >= first:
            return False
    for succ in problem.index.successors.get(scene.id, ()):
        if succ in span_of and span_of[succ][0] <= last:
            return False
    return True


def _travel_ok(
    problem: Problem,
    crew_id: str,
    location_id: str,
    new_days: Sequence[int],
    crew_days: set[int],
    location_on: Mapping[tuple[str, int], str],
) -> bool:
    index = problem.index
    before = [d for d in crew_days if d < new_days[0]]
    after = [d for d in crew_days if d > new_days[-1]]
    if any(new_days[0] < d < new_days[-1] for d in crew_days):
        return False
    if before and index.move_cost(location_on[crew_id, max(before)], location_id) is None:
        return False
    return not (after and index.move_cost(location_id, location_on[crew_id, min(after)]) is None)
