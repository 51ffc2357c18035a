"""What one crew may use in a sub-problem: dates, scenes' start dates, location-days.

A :class:`CrewScope` is a pure function of the problem and the location-days
other crews hold (:func:`crew_scope`), so sub-problems are independent values
that a distributed engine could build and solve side by side. The CP-SAT crew
model (:mod:`scheduler.crew_model`), the constructive heuristic and the bounds
all read one. The rules that only decide which dates and locations exist
(window, cast leave, maintenance, other productions' fixed days) are kept
here, and so is rule 9 (on a date the crew booked sets itself, only those
sets are usable): nothing outside the scope is ever representable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from scheduler.domain import Location, Problem, Scene


@dataclass(frozen=True)
class CrewScope:
    """The dates, scenes and location-days one crew may use in a sub-problem."""

    crew_id: str
    first_day: int  # date ordinal, inclusive
    last_day: int  # date ordinal, inclusive
    locations: tuple[str, ...]  # candidates left after dominance, cheapest first
    usable: Mapping[str, frozenset[int]]  # location -> date ordinals the crew may use it
    starts: Mapping[str, tuple[int, ...]]  # scene -> feasible start ordinals
    fits: Mapping[str, tuple[str, ...]]  # scene -> candidate locations that fit it
    replaced_by: Mapping[str, str]  # dominated location -> the kept one that beats it

    @property
    def days(self) -> range:
        """The scope's dates, as ordinals."""
        return range(self.first_day, self.last_day + 1)


def _ordinals(days: Iterable[date]) -> frozenset[int]:
    return frozenset(d.toordinal() for d in days)


def crew_scope(
    problem: Problem,
    crew_id: str,
    blocked: frozenset[tuple[str, int]] = frozenset(),
    date_range: tuple[int, int] | None = None,
    *,
    prune_dominated: bool = True,
) -> CrewScope:
    """What ``crew_id`` may use when the location-days in ``blocked`` are taken.

    ``blocked`` holds (location id, date ordinal) pairs held by other crews of
    the problem (``fixed`` entries of other crews are always respected, and on
    a date with fixed entries of the crew itself only those locations are
    usable: rule 9);
    ``date_range`` optionally narrows the dates (inclusive ordinals). With no
    blocked days and no narrowing, every plan of this crew that keeps the hard
    rules is representable, which is what makes the crew's model a relaxation
    of the whole problem. ``prune_dominated`` drops locations another one beats
    for this crew alone; models of several crews sharing sets must keep them.
    """
    index = problem.index
    lo, hi = index.active_window(crew_id)
    if date_range is not None:
        lo, hi = max(lo, date_range[0]), min(hi, date_range[1])
    scenes = index.scenes_by_crew.get(crew_id, ())

    # Dates each candidate location is free for this crew.
    candidates: dict[str, Location] = {}
    for scene in scenes:
        for loc in index.fitting_locations(scene):
            candidates.setdefault(loc.id, loc)
    usable: dict[str, frozenset[int]] = {}
    for loc in candidates.values():
        off = _ordinals(loc.unavailable)
        free = frozenset(
            d
            for d in range(lo, hi + 1)
            if d not in off
            and (loc.id, d) not in blocked
            and not index.blocked_for(loc.id, date.fromordinal(d), crew_id)
            and index.own_day_allows(crew_id, loc.id, d)
        )
        if free:
            usable[loc.id] = free

    fitting: dict[str, frozenset[str]] = {
        s.id: frozenset(loc.id for loc in index.fitting_locations(s) if loc.id in usable)
        for s in scenes
    }
    kept, replaced_by = _undominated(problem, scenes, fitting, usable, prune=prune_dominated)

    starts: dict[str, tuple[int, ...]] = {}
    fits: dict[str, tuple[str, ...]] = {}
    for scene in scenes:
        k = index.scene_days[scene.id]
        first, last = index.scene_window(scene)
        first, last = max(first, lo), min(last, hi)
        cast_off: set[int] = set()
        for member in scene.cast:
            cast_off |= _ordinals(index.cast[member].unavailable)
        locs = tuple(loc for loc in kept if loc in fitting[scene.id])
        ok: list[int] = []
        for d in range(first, last - k + 2):
            span = range(d, d + k)
            if any(x in cast_off for x in span):
                continue
            if any(all(x in usable[loc] for x in span) for loc in locs):
                ok.append(d)
        starts[scene.id] = tuple(ok)
        fits[scene.id] = locs
    return CrewScope(
        crew_id=crew_id,
        first_day=lo,
        last_day=hi,
        locations=tuple(kept),
        usable={loc: usable[loc] for loc in kept},
        starts=starts,
        fits=fits,
        replaced_by=replaced_by,
    )


def _undominated(
    problem: Problem,
    scenes: Sequence[Scene],
    fitting: Mapping[str, frozenset[str]],
    usable: Mapping[str, frozenset[int]],
    *,
    prune: bool,
) -> tuple[list[str], dict[str, str]]:
    """Candidate locations no other candidate beats, cheapest first.

    A location is dropped when another one of the same base, no dearer, free
    on every date it is free and fitting every scene it fits exists: any plan
    using the first can use the second instead at no higher cost (moves
    between them, if any, only disappear).
    """
    index = problem.index
    fit_sets: dict[str, set[str]] = {loc: set() for loc in usable}
    for scene in scenes:
        for loc in fitting[scene.id]:
            fit_sets[loc].add(scene.id)
    order = sorted(
        (loc for loc in usable if fit_sets[loc]),
        key=lambda loc: (index.location[loc].day_rate, index.location_position[loc]),
    )
    kept: list[str] = []
    replaced_by: dict[str, str] = {}
    for loc in order:
        here = index.location[loc]
        dominated = False
        for other in kept if prune else ():
            there = index.location[other]
            if (
                there.base == here.base
                and there.day_rate <= here.day_rate
                and fit_sets[loc] <= fit_sets[other]
                and usable[loc] <= usable[other]
            ):
                dominated = True
                replaced_by[loc] = other
                break
        if not dominated:
            kept.append(loc)
    return kept, replaced_by
