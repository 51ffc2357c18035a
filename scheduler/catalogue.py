"""The constraint catalogue: every hard rule and cost term of the spec, by name.

Each hard rule ``n`` of ``shared/spec/planning-problem.md`` has one function
here, named as in :data:`HARD_CONSTRAINTS`, that lists the plan's violations of
that rule; each cost term has one function that returns its amount. These
names are what documentation, explanations and the solver's model comments
refer to. They work on domain objects; the independent checker
(:mod:`scheduler.checker`) re-implements the same rules on raw JSON, and the
tests compare the two.

Assignments that name an unknown scene or location are skipped here: that is
a plan-form error, reported by the checker.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

from scheduler.cost import plan_cost
from scheduler.domain import Assignment, Plan, Problem, Scene


@dataclass(frozen=True, slots=True)
class RuleViolation:
    """One breach of a hard rule, named by rule number and catalogue name."""

    rule: int
    name: str
    message: str


RuleCheck = Callable[[Problem, Plan], list[RuleViolation]]
TermCost = Callable[[Problem, Plan], int]


@dataclass(frozen=True, slots=True)
class HardConstraint:
    """A catalogue entry for a hard rule."""

    rule: int
    name: str
    check: RuleCheck

    @property
    def doc(self) -> str:
        return (self.check.__doc__ or "").strip()


@dataclass(frozen=True, slots=True)
class CostTerm:
    """A catalogue entry for a cost term; ``field`` is its key in the plan's cost."""

    name: str
    field: str
    compute: TermCost

    @property
    def doc(self) -> str:
        return (self.compute.__doc__ or "").strip()


@dataclass(frozen=True, slots=True)
class _Use:
    """An assignment with its scene and the dates it uses."""

    assignment: Assignment
    scene: Scene
    dates: tuple[date, ...]

    @property
    def first(self) -> date:
        return self.dates[0]

    @property
    def last(self) -> date:
        return self.dates[-1]


def _uses(problem: Problem, plan: Plan) -> list[_Use]:
    index = problem.index
    return [
        _Use(a, index.scene[a.scene], index.scene_dates(a.scene, a.date))
        for a in plan.assignments
        if a.scene in index.scene and a.location in index.location
    ]


def _crew_days(problem: Problem, plan: Plan) -> dict[tuple[str, date], list[_Use]]:
    by_day: dict[tuple[str, date], list[_Use]] = defaultdict(list)
    for use in _uses(problem, plan):
        for d in use.dates:
            by_day[use.scene.crew, d].append(use)
    return by_day


def scene_at_most_once(problem: Problem, plan: Plan) -> list[RuleViolation]:
    """Hard constraint: each scene is assigned at most once; a multi-day scene runs on
    consecutive dates at one location and its crew shoots nothing else on those dates."""
    found: list[RuleViolation] = []
    seen: set[str] = set()
    for use in _uses(problem, plan):
        if use.scene.id in seen:
            found.append(_v(1, f"scene {use.scene.id!r} is assigned more than once"))
        seen.add(use.scene.id)
    for (crew, d), uses in _crew_days(problem, plan).items():
        if len(uses) > 1 and any(len(u.dates) > 1 for u in uses):
            names = sorted(u.scene.id for u in uses)
            found.append(_v(1, f"crew {crew!r} on {d}: multi-day scene shares the date: {names}"))
    return found


def within_windows(problem: Problem, plan: Plan) -> list[RuleViolation]:
    """Hard constraint: every date a scene uses lies in the horizon, in its crew's
    window, and between the scene's earliest and latest dates when given."""
    found: list[RuleViolation] = []
    index = problem.index
    for use in _uses(problem, plan):
        window = index.crew[use.scene.crew].window
        for d in use.dates:
            if (
                d not in problem.horizon
                or d not in window
                or (use.scene.earliest is not None and d < use.scene.earliest)
                or (use.scene.latest is not None and d > use.scene.latest)
            ):
                found.append(_v(2, f"scene {use.scene.id!r} on {d} is outside its dates"))
                break
    return found


def location_fits_scene(problem: Problem, plan: Plan) -> list[RuleViolation]:
    """Hard constraint: the location carries every required tag, is allowed for the
    scene, is not unavailable and is not fixed for another crew on any date used."""
    found: list[RuleViolation] = []
    index = problem.index
    for use in _uses(problem, plan):
        scene, loc = use.scene, index.location[use.assignment.location]
        if not index.location_fits(scene, loc):
            found.append(_v(3, f"scene {scene.id!r} does not fit location {loc.id!r}"))
        for d in use.dates:
            if d in loc.unavailable:
                found.append(_v(3, f"location {loc.id!r} is unavailable on {d}"))
            if index.blocked_for(loc.id, d, scene.crew):
                found.append(_v(3, f"location {loc.id!r} is fixed for another crew on {d}"))
    return found


def one_crew_per_location_day(problem: Problem, plan: Plan) -> list[RuleViolation]:
    """Hard constraint: a location hosts at most one crew on a date, and a crew
    shoots at at most one location on a date."""
    crews_at: dict[tuple[str, date], set[str]] = defaultdict(set)
    locations_of: dict[tuple[str, date], set[str]] = defaultdict(set)
    for use in _uses(problem, plan):
        for d in use.dates:
            crews_at[use.assignment.location, d].add(use.scene.crew)
            locations_of[use.scene.crew, d].add(use.assignment.location)
    found = [
        _v(4, f"location {loc!r} on {d} hosts crews {sorted(crews)}")
        for (loc, d), crews in crews_at.items()
        if len(crews) > 1
    ]
    found += [
        _v(4, f"crew {crew!r} on {d} is at locations {sorted(locs)}")
        for (crew, d), locs in locations_of.items()
        if len(locs) > 1
    ]
    return found


def crew_minutes_per_day(problem: Problem, plan: Plan) -> list[RuleViolation]:
    """Hard constraint: on a date, the minutes of one crew's single-day scenes sum to
    at most its max_minutes_per_day."""
    found: list[RuleViolation] = []
    index = problem.index
    for (crew, d), uses in _crew_days(problem, plan).items():
        minutes = sum(u.scene.minutes for u in uses if len(u.dates) == 1)
        if minutes > index.crew[crew].max_minutes_per_day:
            found.append(_v(5, f"crew {crew!r} on {d}: {minutes} minutes"))
    return found


def cast_available(problem: Problem, plan: Plan) -> list[RuleViolation]:
    """Hard constraint: no cast member works on a date in their unavailable list."""
    found: list[RuleViolation] = []
    index = problem.index
    for use in _uses(problem, plan):
        for member in use.scene.cast:
            off = index.cast[member].unavailable
            found += [
                _v(6, f"cast {member!r} is unavailable on {d}") for d in use.dates if d in off
            ]
    return found


def travel_connects_bases(problem: Problem, plan: Plan) -> list[RuleViolation]:
    """Hard constraint: a crew's consecutive shooting dates (whatever the calendar gap)
    at locations of different bases need a travel entry between those bases."""
    found: list[RuleViolation] = []
    index = problem.index
    locations_on: dict[str, dict[date, set[str]]] = defaultdict(lambda: defaultdict(set))
    for use in _uses(problem, plan):
        for d in use.dates:
            locations_on[use.scene.crew][d].add(use.assignment.location)
    for crew, by_date in locations_on.items():
        for prev, nxt in pairwise(sorted(by_date)):
            for a in by_date[prev]:
                for b in by_date[nxt]:
                    if index.move_cost(a, b) is None:
                        found.append(
                            _v(7, f"crew {crew!r} cannot travel {a!r} ({prev}) -> {b!r} ({nxt})")
                        )
    return found


def after_precedence(problem: Problem, plan: Plan) -> list[RuleViolation]:
    """Hard constraint: when scene B lists scene A in `after` and both are scheduled,
    B's first date is later than A's last date."""
    first: dict[str, date] = {}
    last: dict[str, date] = {}
    for use in _uses(problem, plan):
        sid = use.scene.id
        first[sid] = min(first.get(sid, use.first), use.first)
        last[sid] = max(last.get(sid, use.last), use.last)
    index = problem.index
    return [
        _v(8, f"scene {sid!r} starts {first[sid]}, not after {pred!r} ends {last[pred]}")
        for sid in first
        for pred in index.scene[sid].after
        if pred in last and first[sid] <= last[pred]
    ]


def own_fixed_days(problem: Problem, plan: Plan) -> list[RuleViolation]:
    """Hard constraint: on a date where a crew has fixed entries of its own, every scene
    of that crew that date is at one of those locations (it shoots there or nowhere)."""
    found: list[RuleViolation] = []
    index = problem.index
    for (crew, d), uses in _crew_days(problem, plan).items():
        own = index.own_fixed.get((crew, d.toordinal()))
        if own is None:
            continue
        elsewhere = sorted({u.assignment.location for u in uses} - own)
        if elsewhere:
            found.append(
                _v(9, f"crew {crew!r} on {d} is at {elsewhere}, not at its own {sorted(own)}")
            )
    return found


def night_turnaround(problem: Problem, plan: Plan) -> list[RuleViolation]:
    """Hard constraint: a crew that shoots a night scene on a date shoots no day scene on
    the next calendar date (day and night scenes may share one date)."""
    found: list[RuleViolation] = []
    by_day = _crew_days(problem, plan)
    for (crew, d), uses in by_day.items():
        if not any(u.scene.night for u in uses):
            continue
        following = by_day.get((crew, d + timedelta(days=1)), ())
        day_scenes = sorted({u.scene.id for u in following if not u.scene.night})
        if day_scenes:
            found.append(_v(10, f"crew {crew!r} shoots {day_scenes} by day after a night on {d}"))
    return found


def rent(problem: Problem, plan: Plan) -> int:
    """Cost term: for every (crew, location, date) in use, the location's day_rate, except
    on a fixed entry of that same crew (booked and paid already)."""
    return plan_cost(problem, plan.assignments).rent


def crew_days(problem: Problem, plan: Plan) -> int:
    """Cost term: for every crew, day_cost x span (first to last shooting date)."""
    return plan_cost(problem, plan.assignments).crew


def cast_days(problem: Problem, plan: Plan) -> int:
    """Cost term: for every cast member, day_cost x span of their scenes' dates,
    idle days included."""
    return plan_cost(problem, plan.assignments).cast


def company_moves(problem: Problem, plan: Plan) -> int:
    """Cost term: each change of location between a crew's consecutive shooting dates
    costs the travel between the bases, or same_base_move_cost within one base."""
    return plan_cost(problem, plan.assignments).moves


def unscheduled(problem: Problem, plan: Plan) -> int:
    """Cost term: unscheduled_penalty for each scene without an assignment."""
    return plan_cost(problem, plan.assignments).unscheduled


HARD_CONSTRAINTS: tuple[HardConstraint, ...] = (
    HardConstraint(1, "scene_at_most_once", scene_at_most_once),
    HardConstraint(2, "within_windows", within_windows),
    HardConstraint(3, "location_fits_scene", location_fits_scene),
    HardConstraint(4, "one_crew_per_location_day", one_crew_per_location_day),
    HardConstraint(5, "crew_minutes_per_day", crew_minutes_per_day),
    HardConstraint(6, "cast_available", cast_available),
    HardConstraint(7, "travel_connects_bases", travel_connects_bases),
    HardConstraint(8, "after_precedence", after_precedence),
    HardConstraint(9, "own_fixed_days", own_fixed_days),
    HardConstraint(10, "night_turnaround", night_turnaround),
)

COST_TERMS: tuple[CostTerm, ...] = (
    CostTerm("rent", "rent", rent),
    CostTerm("crew_days", "crew", crew_days),
    CostTerm("cast_days", "cast", cast_days),
    CostTerm("company_moves", "moves", company_moves),
    CostTerm("unscheduled", "unscheduled", unscheduled),
)

_BY_RULE = {c.rule: c for c in HARD_CONSTRAINTS}


def _v(rule: int, message: str) -> RuleViolation:
    return RuleViolation(rule, _BY_RULE[rule].name, message)


def hard_constraint(name_or_rule: str | int) -> HardConstraint:
    """Look up a hard rule by catalogue name or spec rule number."""
    for entry in HARD_CONSTRAINTS:
        if name_or_rule in (entry.name, entry.rule):
            return entry
    raise KeyError(name_or_rule)


def all_violations(problem: Problem, plan: Plan) -> list[RuleViolation]:
    """Every hard-rule violation of a plan, rule by rule."""
    return [v for entry in HARD_CONSTRAINTS for v in entry.check(problem, plan)]
