"""A fast constructive plan for one crew: pack scenes into shooting days, order the
days like a talent-scheduling problem, then lay them on the calendar.

CP-SAT alone improves a 30-scene crew only slowly from the first-come plan,
because most of the money is in the cast's idle days, a sequencing question.
This heuristic answers that question first (with the exact sequencer of
:mod:`scheduler.sequencing` on the day groups, cut short by a deadline) and
hands CP-SAT a good starting plan to polish (after the local search of
:mod:`scheduler.local_search`). It only reads a
:class:`~scheduler.scope.CrewScope`, so like the models it is a pure
function of the problem and the location-days other crews hold.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from scheduler.domain import Assignment, Problem, Scene
from scheduler.scope import CrewScope
from scheduler.sequencing import sequence_cast


@dataclass
class _Day:
    """Scenes shot together on one shooting day (or one multi-day scene)."""

    scenes: list[Scene]
    locations: set[str]  # candidate locations fitting every scene here
    minutes: int
    days: int = 1
    cast: set[str] = field(default_factory=set)

    @property
    def night(self) -> bool:
        """Some scene here is shot at night: no day scene may follow on the next date."""
        return any(s.night for s in self.scenes)

    @property
    def by_day(self) -> bool:
        """Some scene here is shot by day: no night may precede it on the date before."""
        return any(not s.night for s in self.scenes)


def crew_heuristic_plans(
    problem: Problem,
    scope: CrewScope,
    rng: random.Random,
    deadline: float,
    tries: int = 3,
    *,
    plain_first: bool = True,
    packing: Sequence[Sequence[str]] | None = None,
) -> list[list[Assignment]]:
    """Candidate valid plans for the crew of ``scope`` (best effort, never invalid).

    The first try packs days by the cast's day costs as they are (or takes
    ``packing``, the single-day scenes grouped into days, when given); the others
    (and all of them when ``plain_first`` is false) perturb those costs and
    break ties at random, so repeated calls explore different packings.
    """
    index = problem.index
    crew = index.crew[scope.crew_id]
    scenes = [s for s in index.scenes_by_crew.get(scope.crew_id, ()) if scope.starts[s.id]]
    if not scenes:
        return [[]]
    plans: list[list[Assignment]] = []
    for attempt in range(tries):
        if attempt and time.monotonic() > deadline:
            break
        if attempt == 0 and packing is not None:
            days = _days_of(problem, scope, scenes, packing)
        else:
            noisy = attempt > 0 or not plain_first
            days = _pack(problem, scope, scenes, crew.max_minutes_per_day, rng, shuffle=noisy)
        order = _order(problem, days, deadline)
        sequences = [order, order[::-1]]
        if any(d.night for d in days) and any(not d.night for d in days):
            # The sequencer ignores the rest after a night: the same order with the night
            # days as one block at the end needs no rest day at all (and, first, one).
            by_day = [i for i in order if not days[i].night]
            by_night = [i for i in order if days[i].night]
            sequences += [by_day + by_night, by_night + by_day]
            # And the best order of that shape, sequenced as such (filtering the free
            # order splits casts that the block's boundary could have joined).
            nights_last = _order_nights_last(problem, days, deadline)
            if nights_last is not None:
                sequences.append(nights_last)
            # And the cheapest of them counting the rest days, moved a day at a time.
            sequences.append(_with_rests_refined(problem, scope.crew_id, days, sequences))
        for sequence in sequences:
            plans += _place_all(problem, scope, days, sequence)
    return plans


def first_fit_packing(problem: Problem, scope: CrewScope) -> list[list[str]]:
    """The first-fit packer's days of single-day scenes (the packing model's start)."""
    index = problem.index
    crew = index.crew[scope.crew_id]
    scenes = [s for s in index.scenes_by_crew.get(scope.crew_id, ()) if scope.starts[s.id]]
    days = _pack(problem, scope, scenes, crew.max_minutes_per_day, random.Random(0), shuffle=False)
    return [[s.id for s in d.scenes] for d in days if d.days == 1]


def _days_of(
    problem: Problem, scope: CrewScope, scenes: Sequence[Scene], packing: Sequence[Sequence[str]]
) -> list[_Day]:
    """Days from a given packing of single-day scenes; multi-day scenes and any scene the
    packing left out get days of their own."""
    index = problem.index
    placeable = {s.id: s for s in scenes}
    days: list[_Day] = []
    packed: set[str] = set()
    for group in packing:
        members = [placeable[x] for x in group if x in placeable and index.scene_days[x] == 1]
        if not members:
            continue
        sets = set.intersection(*(set(scope.fits[s.id]) for s in members))
        if not sets:
            members, sets = members[:1], set(scope.fits[members[0].id])
        day = _Day([], sets, 0)
        for s in members:
            day.scenes.append(s)
            day.minutes += s.minutes
            day.cast |= set(s.cast)
            packed.add(s.id)
        days.append(day)
    for s in scenes:
        if s.id not in packed:
            k = index.scene_days[s.id]
            days.append(_Day([s], set(scope.fits[s.id]), s.minutes, k, set(s.cast)))
    _break_cycles(days)
    return days


def _pack(
    problem: Problem,
    scope: CrewScope,
    scenes: Sequence[Scene],
    cap: int,
    rng: random.Random,
    *,
    shuffle: bool,
) -> list[_Day]:
    """Shooting days: scenes grouped by the sets they fit, packed with like casts together."""
    index = problem.index
    cost = {m.id: float(m.day_cost) for m in index.cast_by_crew.get(scope.crew_id, ())}
    if shuffle:
        cost = {m: c * rng.uniform(0.6, 1.4) for m, c in cost.items()}
    ranked = sorted(cost, key=lambda m: (-cost[m], m))
    related: dict[str, set[str]] = {s.id: set(s.after) for s in scenes}
    for s in scenes:
        for p in s.after:
            related.setdefault(p, set()).add(s.id)

    def signature(s: Scene) -> tuple[int, ...]:
        members = set(s.cast)
        return tuple(0 if m in members else 1 for m in ranked)

    days: list[_Day] = []
    # Night and day scenes are packed apart: a mixed day would bar day scenes the next date.
    groups: dict[tuple[bool, tuple[str, ...]], list[Scene]] = {}
    for s in scenes:
        if index.scene_days[s.id] > 1:
            days.append(
                _Day([s], set(scope.fits[s.id]), s.minutes, index.scene_days[s.id], set(s.cast))
            )
        else:
            groups.setdefault((s.night, tuple(sorted(scope.fits[s.id]))), []).append(s)
    keys = sorted(groups, key=lambda k: (-len(groups[k]), k))
    for key in keys:
        members = groups[key]
        if shuffle:
            rng.shuffle(members)
        members.sort(key=signature)
        open_days: list[_Day] = []
        for s in members:
            target = None
            for d in open_days:
                if d.minutes + s.minutes <= cap and not any(
                    t.id in related.get(s.id, ()) for t in d.scenes
                ):
                    target = d
                    break
            if target is None:
                target = _Day([], set(key[1]), 0)
                open_days.append(target)
            target.scenes.append(s)
            target.minutes += s.minutes
            target.cast |= set(s.cast)
        days += open_days
    _merge_small_days(days, cap, related)
    _break_cycles(days)
    return days


def _break_cycles(days: list[_Day]) -> None:
    """Split days until continuity (``after``) orders the days without a cycle.

    Two days can each hold a scene that must follow one in the other; taking
    such scenes out to days of their own ends that (scenes alone never cycle).
    """
    while True:
        where = {s.id: i for i, d in enumerate(days) for s in d.scenes}
        edges: dict[int, set[int]] = {i: set() for i in range(len(days))}
        for i, d in enumerate(days):
            for s in d.scenes:
                for p in s.after:
                    j = where.get(p)
                    if j is not None and j != i:
                        edges[j].add(i)
        cycle = _find_cycle(edges)
        if cycle is None:
            return
        members = set(cycle)
        split = False
        for i in cycle:
            day = days[i]
            if len(day.scenes) < 2:
                continue
            # A scene tied to another day of the cycle leaves for a day of its own.
            for s in day.scenes:
                tied = {where.get(p) for p in s.after} | {
                    where[t.id] for j in members for t in days[j].scenes if s.id in t.after
                }
                if tied & (members - {i}):
                    day.scenes.remove(s)
                    day.minutes -= s.minutes
                    day.cast = {m for t in day.scenes for m in t.cast}
                    days.append(_Day([s], set(day.locations), s.minutes, 1, set(s.cast)))
                    split = True
                    break
            if split:
                break
        if not split:
            raise AssertionError("a continuity cycle through single scenes")


def _find_cycle(edges: dict[int, set[int]]) -> list[int] | None:
    """Nodes of one directed cycle, or None."""
    colour: dict[int, int] = {}
    stack: list[int] = []

    def visit(node: int) -> list[int] | None:
        colour[node] = 1
        stack.append(node)
        for nxt in edges[node]:
            if colour.get(nxt) == 1:
                return stack[stack.index(nxt) :]
            if nxt not in colour:
                found = visit(nxt)
                if found is not None:
                    return found
        colour[node] = 2
        stack.pop()
        return None

    for node in edges:
        if node not in colour:
            found = visit(node)
            if found is not None:
                return found
    return None


def _merge_small_days(days: list[_Day], cap: int, related: dict[str, set[str]]) -> None:
    """Fold the scenes of nearly empty days into other days at a common set."""
    changed = True
    while changed:
        changed = False
        days.sort(key=lambda d: d.minutes)
        for small in days:
            if small.days > 1 or not small.scenes:
                continue
            for other in days[::-1]:
                if other is small or other.days > 1:
                    continue
                common = small.locations & other.locations
                if (
                    common
                    and small.night == other.night
                    and other.minutes + small.minutes <= cap
                    and not any(
                        t.id in related.get(s.id, ()) for s in small.scenes for t in other.scenes
                    )
                ):
                    other.scenes += small.scenes
                    other.minutes += small.minutes
                    other.cast |= small.cast
                    other.locations = common
                    small.scenes = []
                    changed = True
                    break
            if changed:
                break
        days[:] = [d for d in days if d.scenes]


def _order(problem: Problem, days: Sequence[_Day], deadline: float) -> list[int]:
    """Order the days to keep the cast's spans short (precedence kept)."""
    return _sequence(problem, days, _continuity(days), deadline)


def _order_nights_last(problem: Problem, days: Sequence[_Day], deadline: float) -> list[int] | None:
    """The same with every night day after every day day (one turn to nights, no rest
    day); None when continuity asks for a day day after a night day."""
    preds = _continuity(days)
    by_day = sum(1 << i for i, d in enumerate(days) if not d.night)
    nights = by_day ^ ((1 << len(days)) - 1)
    if any(preds[i] & nights for i, d in enumerate(days) if not d.night):
        return None
    preds = [p | by_day if d.night else p for p, d in zip(preds, days, strict=True)]
    return _sequence(problem, days, preds, deadline)


def _with_rests_refined(
    problem: Problem,
    crew_id: str,
    days: Sequence[_Day],
    orders: Sequence[Sequence[int]],
    max_evaluations: int = 3_000,
) -> list[int]:
    """The cheapest of ``orders`` counting the rest day each turn from nights to days
    costs (rule 10), improved by moving one day at a time to another place in the order.

    The exact sequencer prices an order as if the days followed each other with no
    gap; a night followed by a day scene puts an idle date between them, paid by the
    crew and by every cast member on hold across it.
    """
    index = problem.index
    crew_rate = index.crew[crew_id].day_cost
    rate = {m.id: m.day_cost for m in index.cast_by_crew.get(crew_id, ())}
    preds = _continuity(days)

    def cost(order: Sequence[int]) -> int:
        first: dict[str, int] = {}
        last: dict[str, int] = {}
        at = 0
        after_night = False
        for i in order:
            day = days[i]
            if after_night and day.by_day:
                at += 1
            for m in day.cast:
                first.setdefault(m, at)
                last[m] = at + day.days
            at += day.days
            after_night = day.night
        return crew_rate * at + sum(rate.get(m, 0) * (last[m] - first[m]) for m in first)

    def keeps_continuity(order: Sequence[int]) -> bool:
        seen = 0
        for i in order:
            if preds[i] & ~seen:
                return False
            seen |= 1 << i
        return True

    ranked = sorted((cost(o), k) for k, o in enumerate(orders))
    best_cost, best = ranked[0][0], list(orders[ranked[0][1]])
    evaluations = 0
    improved = True
    while improved and evaluations < max_evaluations:
        improved = False
        for src in range(len(best)):
            for dst in range(len(best)):
                if dst in (src, src + 1):
                    continue
                moved = best[:src] + best[src + 1 :]
                moved.insert(dst if dst < src else dst - 1, best[src])
                evaluations += 1
                value = cost(moved)
                if value < best_cost and keeps_continuity(moved):
                    best, best_cost, improved = moved, value, True
                    break
                if evaluations >= max_evaluations:
                    return best
            if improved:
                break
    return best


def _continuity(days: Sequence[_Day]) -> list[int]:
    """Per day, the bitmask of days holding a scene one of its scenes comes ``after``."""
    where = {s.id: i for i, d in enumerate(days) for s in d.scenes}
    preds = []
    for d in days:
        mask = 0
        for s in d.scenes:
            for p in s.after:
                if p in where and where[p] != where[s.id]:
                    mask |= 1 << where[p]
        preds.append(mask)
    return preds


def _sequence(
    problem: Problem, days: Sequence[_Day], preds: Sequence[int], deadline: float
) -> list[int]:
    result = sequence_cast(
        problem,
        [d.days for d in days],
        [d.cast for d in days],
        preds,
        deadline=deadline,
        max_states=20_000,
    )
    return list(result.order)


def _place_all(
    problem: Problem, scope: CrewScope, days: Sequence[_Day], order: Sequence[int]
) -> list[list[Assignment]]:
    """Lay the ordered days on the calendar from a few start dates."""
    candidates = _start_dates(problem, scope, days)
    start_sets = {s.id: frozenset(scope.starts[s.id]) for d in days for s in d.scenes}
    plans = []
    for start in candidates:
        plan = _place(problem, scope, days, order, start, start_sets)
        if plan is not None:
            plans.append(plan)
    return plans


def _start_dates(problem: Problem, scope: CrewScope, days: Sequence[_Day]) -> list[int]:
    """Dates to lay the days out from: spread over every start that could still fit them
    all, and the edges of the crew's own booked stretches.

    On a date the crew booked itself it shoots at that set or not at all (rule 9), so a
    stretch of own days at a set few scenes fit is a wall in its calendar: the days go
    before it, after it, or across it at the price of its idle dates. Starting only
    near the window's start (as the first-fit layout did) never tried "after".
    """
    earliest = min(min(scope.starts[s.id]) for d in days for s in d.scenes)
    latest_start = max(earliest, scope.last_day - sum(d.days for d in days) + 1)
    steps = 7
    spread = {earliest + (latest_start - earliest) * k // steps for k in range(steps + 1)}
    spread.update(range(earliest, min(latest_start, earliest + 6) + 1, 3))
    own = [
        d for d in problem.index.own_days.get(scope.crew_id, {}) if earliest <= d <= scope.last_day
    ]
    for i, d in enumerate(own):
        if i == 0 or own[i - 1] != d - 1:
            spread.add(d)  # a stretch's first date: to use the sets booked
        if i == len(own) - 1 or own[i + 1] != d + 1:
            spread.add(d + 1)  # and the date after it: to start beyond the wall
    return sorted(d for d in spread if earliest <= d <= latest_start)


def _place(
    problem: Problem,
    scope: CrewScope,
    days: Sequence[_Day],
    order: Sequence[int],
    start: int,
    start_sets: dict[str, frozenset[int]],
) -> list[Assignment] | None:
    """Days in order from ``start``; a day that cannot go on a date yields to the next ones."""
    index = problem.index
    pending = list(order)
    placed_last: dict[str, int] = {}
    plan: list[Assignment] = []
    current = start
    previous: str | None = None
    shot: dict[bool, set[int]] = {True: set(), False: set()}  # night? -> dates
    while pending and current <= scope.last_day:
        chosen = None
        # The next few days in order first; any pending day rather than a gap.
        for pos, i in enumerate(pending):
            day = days[i]
            if any(
                p not in placed_last and _is_pending(p, days, pending)
                for s in day.scenes
                for p in s.after
            ):
                continue
            loc = _fits_on(problem, scope, day, current, previous, placed_last, start_sets, shot)
            if loc is not None:
                chosen = (pos, i, loc)
                break
        if chosen is None:
            current += 1
            continue
        pos, i, loc = chosen
        day = days[i]
        for s in day.scenes:
            plan.append(Assignment(s.id, loc, date.fromordinal(current)))
            placed_last[s.id] = current + index.scene_days[s.id] - 1
            shot[s.night].update(range(current, current + index.scene_days[s.id]))
        pending.pop(pos)
        previous = loc
        current += day.days
    if pending and len(pending) == len(order):
        return None
    return plan


def _is_pending(scene_id: str, days: Sequence[_Day], pending: Sequence[int]) -> bool:
    return any(s.id == scene_id for i in pending for s in days[i].scenes)


def _fits_on(
    problem: Problem,
    scope: CrewScope,
    day: _Day,
    when: int,
    previous: str | None,
    placed_last: dict[str, int],
    start_sets: dict[str, frozenset[int]],
    shot: dict[bool, set[int]],
) -> str | None:
    """The best location for the day on date ``when``, or None if it cannot go there."""
    index = problem.index
    span = range(when, when + day.days)
    # Turnaround (rule 10) against the days already laid: ``shot[True]`` holds nights.
    if day.by_day and any(x - 1 in shot[True] for x in span):
        return None
    if day.night and any(x + 1 in shot[False] for x in span):
        return None
    for s in day.scenes:
        if when not in start_sets[s.id]:
            return None
        if any(p in placed_last and placed_last[p] >= when for p in s.after):
            return None
    options = [loc for loc in day.locations if all(x in scope.usable.get(loc, ()) for x in span)]
    if previous is not None:
        options = [loc for loc in options if index.move_cost(previous, loc) is not None]
    if not options:
        return None
    if previous in options:
        return previous
    crew_id = scope.crew_id
    return min(
        options,
        key=lambda loc: (
            sum(index.day_rate(crew_id, loc, x) for x in span)
            + (index.move_cost(previous, loc) or 0 if previous is not None else 0),
            loc,
        ),
    )
