"""Local search on one crew's valid plan: move or swap scenes between shooting days,
close idle gaps; every step keeps the plan valid and lowers its exact cost.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from scheduler.domain import Assignment, Problem
from scheduler.repair import repair_plan
from scheduler.scope import CrewScope


def improve_plan(
    problem: Problem,
    scope: CrewScope,
    plan: Sequence[Assignment],
    cost: Callable[[Sequence[Assignment]], int],
    deadline: float,
    max_evaluations: int = 20_000,
    blocked: Collection[tuple[str, int]] = frozenset(),
) -> list[Assignment]:
    """Local search on a valid crew plan: move a scene to another shooting day, or swap
    two scenes between days, whenever the exact cost drops (first improvement).

    Only single-day scenes move, only onto dates the crew already shoots whose
    location fits them; capacity, dates, cast leave, continuity and the travel
    between the neighbours of a date that empties are all checked, so the
    result stays valid. A third move closes an idle gap inside the crew's
    span by shifting every shooting day after it (or before it) by one date,
    and a fourth swaps two whole shooting days (scenes and set) on the calendar,
    which reorders the days the way the talent sequencer would; both are kept
    only if :func:`~scheduler.repair.repair_plan` finds the plan valid around
    ``blocked`` (other crews' location-days). It stops at ``deadline`` or after
    ``max_evaluations`` cost evaluations.
    """
    index = problem.index
    limits = _Limits(
        cap=index.crew[scope.crew_id].max_minutes_per_day,
        start_sets={s: frozenset(v) for s, v in scope.starts.items()},
        fits={
            s.id: {loc.id for loc in index.fitting_locations(s)}
            for s in index.scenes_by_crew.get(scope.crew_id, ())
        },
    )
    current = list(plan)
    best = cost(current)
    evaluations = 0
    improved = True
    while improved and time.monotonic() < deadline and evaluations < max_evaluations:
        improved = False
        state = _DayState(problem, current, limits)
        # The three neighbourhoods in turn, each (plan, known valid); the first cheaper
        # valid plan is taken.
        neighbourhoods: tuple[Iterable[tuple[list[Assignment], bool]], ...] = (
            state.moves(deadline),
            _gap_shifts(problem, current),
            state.swaps(deadline),
            state.day_swaps(scope, deadline),
            state.day_moves(scope, deadline),
        )
        for neighbours in neighbourhoods:
            for candidate, known_valid in neighbours:
                if time.monotonic() > deadline:
                    return current
                evaluations += 1
                value = cost(candidate)
                if value < best and (
                    known_valid or len(repair_plan(problem, candidate, blocked)) == len(candidate)
                ):
                    current, best, improved = candidate, value, True
                    break
            if improved:
                break
    return current


def _gap_shifts(
    problem: Problem, plan: Sequence[Assignment]
) -> Iterator[tuple[list[Assignment], bool]]:
    """Plans with one idle date inside the span closed by shifting one side by a date.

    They may clash with other crews or break travel: each is to be checked.
    """
    index = problem.index
    used = sorted({a.date.toordinal() + i for a in plan for i in range(index.scene_days[a.scene])})
    if not used:
        return
    busy = set(used)
    gaps = [d for d in range(used[0], used[-1] + 1) if d not in busy]
    one = timedelta(days=1)
    for gap in gaps:
        yield (
            [
                Assignment(a.scene, a.location, a.date - one) if a.date.toordinal() > gap else a
                for a in plan
            ],
            False,
        )
        yield (
            [
                Assignment(a.scene, a.location, a.date + one) if a.date.toordinal() < gap else a
                for a in plan
            ],
            False,
        )


@dataclass(frozen=True)
class _Limits:
    """Where the crew's single-day scenes may go: minutes a day, start dates, fitting sets."""

    cap: int
    start_sets: dict[str, frozenset[int]]
    fits: dict[str, set[str]]


class _DayState:
    """Per-date facts of one crew's plan: its neighbours and their feasibility checks."""

    def __init__(self, problem: Problem, plan: list[Assignment], limits: _Limits) -> None:
        self.problem = problem
        self.plan = plan
        self.limits = limits
        index = problem.index
        self.singles = [a for a in plan if index.scene_days[a.scene] == 1]
        self.location_on: dict[int, str] = {}
        self.minutes_on: dict[int, int] = {}
        self.count_on: dict[int, int] = {}
        self.exclusive: set[int] = set()
        self.first: dict[str, int] = {}
        self.last: dict[str, int] = {}
        # Scenes by night and by day on each date (rule 10, turnaround).
        self.nights_on: dict[int, int] = {}
        self.days_on: dict[int, int] = {}
        for a in plan:
            d0 = a.date.toordinal()
            k = index.scene_days[a.scene]
            shot = self.nights_on if index.scene[a.scene].night else self.days_on
            for d in range(d0, d0 + k):
                self.location_on[d] = a.location
                self.count_on[d] = self.count_on.get(d, 0) + 1
                shot[d] = shot.get(d, 0) + 1
                if k > 1:
                    self.exclusive.add(d)
            if k == 1:
                self.minutes_on[d0] = self.minutes_on.get(d0, 0) + index.scene[a.scene].minutes
            self.first[a.scene] = d0
            self.last[a.scene] = d0 + k - 1
        self.days = sorted(self.location_on)
        # Single-day scenes by date: what a whole shooting day moves or trades.
        self.singles_on: dict[int, list[Assignment]] = {}
        for a in self.singles:
            self.singles_on.setdefault(a.date.toordinal(), []).append(a)

    def moves(self, deadline: float) -> Iterator[tuple[list[Assignment], bool]]:
        """Plans with one single-day scene moved to another shooting date (valid)."""
        for a in self.singles:
            if time.monotonic() > deadline:
                return
            for d, loc in self.location_on.items():
                if d == a.date.toordinal() or d in self.exclusive:
                    continue
                if not self.can_take(a.scene, d, loc, leaving=a):
                    continue
                moved = Assignment(a.scene, loc, date.fromordinal(d))
                yield [moved if x is a else x for x in self.plan], True

    def swaps(self, deadline: float) -> Iterator[tuple[list[Assignment], bool]]:
        """Plans with two single-day scenes of different dates swapped (valid)."""
        singles = self.singles
        for i, a in enumerate(singles):
            if time.monotonic() > deadline:
                return
            da = a.date.toordinal()
            for b in singles[i + 1 :]:
                db = b.date.toordinal()
                if da == db:
                    continue
                if not self.can_swap(a, b):
                    continue
                a2 = Assignment(a.scene, b.location, b.date)
                b2 = Assignment(b.scene, a.location, a.date)
                yield [a2 if x is a else b2 if x is b else x for x in self.plan], True

    def day_swaps(
        self, scope: CrewScope, deadline: float
    ) -> Iterator[tuple[list[Assignment], bool]]:
        """Plans with two shooting dates of single-day scenes traded whole, each day
        keeping its set (to be checked: travel, continuity and turnaround may break)."""
        by_date = self.singles_on
        dates = sorted(d for d in by_date if d not in self.exclusive)
        start_sets = self.limits.start_sets
        for i, d1 in enumerate(dates):
            if time.monotonic() > deadline:
                return
            day1 = by_date[d1]
            loc1 = self.location_on[d1]
            for d2 in dates[i + 1 :]:
                day2 = by_date[d2]
                loc2 = self.location_on[d2]
                if not all(d2 in start_sets[a.scene] for a in day1) or not all(
                    d1 in start_sets[a.scene] for a in day2
                ):
                    continue
                if d2 not in scope.usable.get(loc1, (d2,)) or d1 not in scope.usable.get(
                    loc2, (d1,)
                ):
                    continue
                one, two = date.fromordinal(d1), date.fromordinal(d2)
                swapped = {id(a): Assignment(a.scene, a.location, two) for a in day1}
                swapped.update({id(a): Assignment(a.scene, a.location, one) for a in day2})
                yield [swapped.get(id(x), x) for x in self.plan], False

    def day_moves(
        self, scope: CrewScope, deadline: float
    ) -> Iterator[tuple[list[Assignment], bool]]:
        """Plans with one shooting date of single-day scenes moved whole to a date the crew
        does not shoot, at its set or else the cheapest set free then that fits them all
        (to be checked: travel, continuity and turnaround may break).

        Moves and swaps only use dates already shot; this one lets a costly actor's days
        come together across an idle stretch (a crew's own booked days elsewhere, say).
        """
        index = self.problem.index
        by_date = self.singles_on
        start_sets, fits = self.limits.start_sets, self.limits.fits
        for d1 in sorted(d for d in by_date if d not in self.exclusive):
            if time.monotonic() > deadline:
                return
            day = by_date[d1]
            sets = set.intersection(*(fits[a.scene] for a in day))
            sets.add(self.location_on[d1])
            ranked = sorted(
                (loc for loc in sets if loc in scope.usable),
                key=lambda loc: (loc != self.location_on[d1], index.location[loc].day_rate, loc),
            )
            for d2 in scope.days:
                if d2 in self.location_on or not all(d2 in start_sets[a.scene] for a in day):
                    continue
                loc = next((x for x in ranked if d2 in scope.usable[x]), None)
                if loc is None:
                    continue
                when = date.fromordinal(d2)
                moved = {id(a): Assignment(a.scene, loc, when) for a in day}
                yield [moved.get(id(x), x) for x in self.plan], False

    def _order_ok(self, scene_id: str, d: int, ignore: str | None = None) -> bool:
        index = self.problem.index
        for p in index.scene[scene_id].after:
            if p != ignore and p in self.last and self.last[p] >= d:
                return False
        for s in index.successors.get(scene_id, ()):
            if s != ignore and s in self.first and self.first[s] <= d:
                return False
        return True

    def _empties_ok(self, d: int) -> bool:
        """The date ``d`` stops being a shooting date: its neighbours must connect."""
        i = self.days.index(d)
        if i == 0 or i == len(self.days) - 1:
            return True
        prev, nxt = self.location_on[self.days[i - 1]], self.location_on[self.days[i + 1]]
        return self.problem.index.move_cost(prev, nxt) is not None

    def can_take(self, scene_id: str, d: int, loc: str, leaving: Assignment) -> bool:
        limits = self.limits
        scene = self.problem.index.scene[scene_id]
        if d not in limits.start_sets[scene_id] or loc not in limits.fits[scene_id]:
            return False
        if self.minutes_on.get(d, 0) + scene.minutes > limits.cap:
            return False
        if not self._order_ok(scene_id, d):
            return False
        # Leaving a date never breaks the turnaround; arriving may.
        if scene.night and self.days_on.get(d + 1, 0):
            return False
        if not scene.night and self.nights_on.get(d - 1, 0):
            return False
        old = leaving.date.toordinal()
        return not (self.count_on.get(old, 0) == 1 and not self._empties_ok(old))

    def can_swap(self, a: Assignment, b: Assignment) -> bool:
        index = self.problem.index
        start_sets, fits, cap = self.limits.start_sets, self.limits.fits, self.limits.cap
        da, db = a.date.toordinal(), b.date.toordinal()
        if da not in start_sets[b.scene] or db not in start_sets[a.scene]:
            return False
        if a.location not in fits[b.scene] or b.location not in fits[a.scene]:
            return False
        ma, mb = index.scene[a.scene].minutes, index.scene[b.scene].minutes
        if self.minutes_on[da] - ma + mb > cap or self.minutes_on[db] - mb + ma > cap:
            return False
        return (
            self._order_ok(a.scene, db, ignore=b.scene)
            and self._order_ok(b.scene, da, ignore=a.scene)
            and (b.scene not in index.scene[a.scene].after or db > da)
            and (a.scene not in index.scene[b.scene].after or da > db)
            and self._turnaround_ok_after_swap(a, b)
        )

    def _turnaround_ok_after_swap(self, a: Assignment, b: Assignment) -> bool:
        """Rule 10 around both dates once a night scene and a day scene trade dates."""
        index = self.problem.index
        a_night, b_night = index.scene[a.scene].night, index.scene[b.scene].night
        if a_night == b_night:
            return True  # the dates keep their nights and days
        da, db = a.date.toordinal(), b.date.toordinal()
        nights, days = dict(self.nights_on), dict(self.days_on)
        for scene_night, old, new in ((a_night, da, db), (b_night, db, da)):
            shot = nights if scene_night else days
            shot[old] -= 1
            shot[new] = shot.get(new, 0) + 1
        return not any(nights.get(x, 0) and days.get(x + 1, 0) for x in (da - 1, da, db - 1, db))
