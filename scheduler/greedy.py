"""The first-come baseline: how a coordinator books without an optimizer.

Crews go by window start (ties keep input order). Each crew's scenes go in
input order, each at the earliest feasible date, on the crew's location of
that date when it fits, otherwise on the cheapest fitting location (ties keep
input order) that is free on every date the scene uses and reachable from
the crew's neighbouring shooting dates. On a date where the crew booked sets
itself it only uses those (rule 9); a day scene never follows a night the
crew shot the date before, nor a night scene precedes a day scene already
booked (rule 10). A scene that fits nowhere is left unscheduled. Every
report compares the optimizer against this plan.

Continuity (`after`): a scene is held back until every scene it lists has
been tried, so the order is the stable topological order of the input order
(among ready scenes the earliest in input order goes first). A predecessor
that could not be placed constrains nothing, as rule 8 binds scheduled pairs
only.
"""

from __future__ import annotations

import heapq
import time
from bisect import bisect_left, insort
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from scheduler.cost import make_plan
from scheduler.domain import Assignment, Crew, Location, Plan, Problem, Scene


def precedence_order(scenes: Sequence[Scene]) -> list[Scene]:
    """Stable topological order of one crew's scenes under `after` (input order first)."""
    position = {s.id: i for i, s in enumerate(scenes)}
    waiting = [sum(1 for p in s.after if p in position) for s in scenes]
    followers: list[list[int]] = [[] for _ in scenes]
    for i, s in enumerate(scenes):
        for p in s.after:
            if p in position:
                followers[position[p]].append(i)
    ready = [i for i, n in enumerate(waiting) if n == 0]
    heapq.heapify(ready)
    order: list[Scene] = []
    while ready:
        i = heapq.heappop(ready)
        order.append(scenes[i])
        for j in followers[i]:
            waiting[j] -= 1
            if waiting[j] == 0:
                heapq.heappush(ready, j)
    return order


@dataclass(slots=True)
class _CrewDays:
    """One crew's bookings so far, by date ordinal."""

    crew: Crew
    location_on: dict[int, str] = field(default_factory=dict)
    minutes_on: dict[int, int] = field(default_factory=dict)
    exclusive: set[int] = field(default_factory=set)
    days: list[int] = field(default_factory=list)
    last_day: dict[str, int] = field(default_factory=dict)
    night_on: set[int] = field(default_factory=set)  # dates with a night scene
    day_on: set[int] = field(default_factory=set)  # dates with a day scene

    def neighbours(self, first: int, last: int) -> tuple[int | None, int | None]:
        """The shooting dates just before ``first`` and just after ``last``."""
        i = bisect_left(self.days, first)
        prev = self.days[i - 1] if i > 0 else None
        j = bisect_left(self.days, last + 1)
        nxt = self.days[j] if j < len(self.days) else None
        return prev, nxt


class _Greedy:
    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.index = problem.index
        self.holder: dict[tuple[str, int], str] = {
            (f.location, f.date.toordinal()): f.crew for f in problem.fixed
        }
        self.off: dict[str, frozenset[int]] = {
            loc.id: frozenset(d.toordinal() for d in loc.unavailable) for loc in problem.locations
        }
        self.assignments: list[Assignment] = []

    def run(self) -> list[Assignment]:
        for crew in sorted(self.problem.crews, key=lambda c: c.window.start):
            booked = _CrewDays(crew)
            for scene in precedence_order(self.index.scenes_by_crew.get(crew.id, ())):
                self._place(scene, booked)
        return self.assignments

    def _free(self, location: Location, first: int, last: int, crew_id: str) -> bool:
        for d in range(first, last + 1):
            holder = self.holder.get((location.id, d))
            if holder is not None and holder != crew_id:
                return False
            if not self.index.own_day_allows(crew_id, location.id, d):
                return False
        off = self.off[location.id]
        return not off or all(d not in off for d in range(first, last + 1))

    def _reachable(self, booked: _CrewDays, location_id: str, first: int, last: int) -> bool:
        prev, nxt = booked.neighbours(first, last)
        move = self.index.move_cost
        if prev is not None and move(booked.location_on[prev], location_id) is None:
            return False
        return nxt is None or move(location_id, booked.location_on[nxt]) is not None

    def _place(self, scene: Scene, booked: _CrewDays) -> None:
        index, crew = self.index, booked.crew
        fitting = index.fitting_locations(scene)
        if not fitting:
            return
        days = index.scene_days[scene.id]
        lo, hi = index.scene_window(scene)
        for pred in scene.after:
            if pred in booked.last_day:
                lo = max(lo, booked.last_day[pred] + 1)
        cast_off = {d.toordinal() for member in scene.cast for d in index.cast[member].unavailable}

        for first in range(lo, hi - days + 2):
            last = first + days - 1
            if any(d in cast_off for d in range(first, last + 1)):
                continue
            if scene.night:
                if any(d + 1 in booked.day_on for d in range(first, last + 1)):
                    continue
            elif any(d - 1 in booked.night_on for d in range(first, last + 1)):
                continue
            chosen: str | None = None
            if days == 1:
                if first in booked.exclusive:
                    continue
                if booked.minutes_on.get(first, 0) + scene.minutes > crew.max_minutes_per_day:
                    continue
                current = booked.location_on.get(first)
                if current is not None:
                    # The crew is already at a location that day: it stays there or not at all.
                    if index.location_fits(scene, index.location[current]):
                        chosen = current
                    else:
                        continue
            elif any(d in booked.location_on for d in range(first, last + 1)):
                continue
            if chosen is None:
                for location in fitting:
                    if self._free(location, first, last, crew.id) and self._reachable(
                        booked, location.id, first, last
                    ):
                        chosen = location.id
                        break
            if chosen is not None:
                self._book(scene, booked, chosen, first, last)
                return

    def _book(
        self, scene: Scene, booked: _CrewDays, location_id: str, first: int, last: int
    ) -> None:
        crew_id = booked.crew.id
        for d in range(first, last + 1):
            self.holder[location_id, d] = crew_id
            if d not in booked.location_on:
                booked.location_on[d] = location_id
                insort(booked.days, d)
            if first == last:
                booked.minutes_on[d] = booked.minutes_on.get(d, 0) + scene.minutes
            else:
                booked.exclusive.add(d)
            (booked.night_on if scene.night else booked.day_on).add(d)
        booked.last_day[scene.id] = last
        self.assignments.append(Assignment(scene.id, location_id, _date(first)))


def _date(ordinal: int) -> date:
    return date.fromordinal(ordinal)


def greedy_plan(problem: Problem) -> Plan:
    """The first-come baseline plan: valid, exact cost, status FEASIBLE, no bound."""
    started = time.perf_counter()
    assignments = _Greedy(problem).run()
    return make_plan(
        problem,
        assignments,
        status="FEASIBLE",
        lower_bound=None,
        solve_seconds=round(time.perf_counter() - started, 3),
    )
