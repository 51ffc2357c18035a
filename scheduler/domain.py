"""The planning problem and plan as plain frozen dataclasses.

These mirror the exchange format of ``shared/spec/planning-problem.md`` one to
one; :mod:`scheduler.io` converts between them and JSON. Nothing here knows
about databases or web frameworks, so the solver, the greedy baseline and the
explanations can all run on the same objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from typing import Literal

PlanStatus = Literal["OPTIMAL", "FEASIBLE"]
PLAN_STATUSES: tuple[PlanStatus, ...] = ("OPTIMAL", "FEASIBLE")


@dataclass(frozen=True, slots=True)
class DateRange:
    """A half-open range of calendar dates: ``start`` included, ``end`` excluded."""

    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day < self.end

    def __len__(self) -> int:
        return max(0, (self.end - self.start).days)

    def __iter__(self) -> Iterator[date]:
        for offset in range(len(self)):
            yield self.start + timedelta(days=offset)


@dataclass(frozen=True, slots=True)
class Base:
    """A film base (a themed lot such as the Shanghai Bund) holding locations."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Travel:
    """Cost of a company move between two different bases; symmetric."""

    from_base: str
    to_base: str
    cost: int


@dataclass(frozen=True, slots=True)
class Location:
    """A set or stage that one crew can rent per day."""

    id: str
    base: str
    tags: frozenset[str]
    day_rate: int
    unavailable: frozenset[date]


@dataclass(frozen=True, slots=True)
class Crew:
    """A shooting unit; it shoots at one location per date inside its window."""

    id: str
    window: DateRange
    day_cost: int
    max_minutes_per_day: int


@dataclass(frozen=True, slots=True)
class CastMember:
    """An actor of one crew, paid every day from their first to last scene date."""

    id: str
    crew: str
    day_cost: int
    unavailable: frozenset[date]


@dataclass(frozen=True, slots=True)
class Scene:
    """A unit of shooting work; ``locations`` None means any fitting location.

    ``night`` marks a scene shot at night: its crew rests the next calendar day
    from day scenes (rule 10).
    """

    id: str
    crew: str
    minutes: int
    requires: frozenset[str]
    cast: tuple[str, ...]
    earliest: date | None
    latest: date | None
    locations: frozenset[str] | None
    after: tuple[str, ...] = ()
    night: bool = False


@dataclass(frozen=True, slots=True)
class Fixed:
    """A confirmed location-day booking that the optimizer never moves.

    It blocks the location for every other crew; for its own crew (when in the
    problem) it is a day already paid for, where the crew shoots or stays idle
    (rule 9).
    """

    location: str
    crew: str
    date: date


@dataclass(frozen=True, slots=True)
class Problem:
    """One planning problem, exactly the spec's problem JSON."""

    horizon: DateRange
    same_base_move_cost: int
    unscheduled_penalty: int
    bases: tuple[Base, ...]
    travel: tuple[Travel, ...]
    locations: tuple[Location, ...]
    crews: tuple[Crew, ...]
    cast: tuple[CastMember, ...]
    scenes: tuple[Scene, ...]
    fixed: tuple[Fixed, ...]
    # Built on first use; excluded from eq/hash/repr so it never changes identity.
    _index: ProblemIndex | None = field(
        default=None, init=False, repr=False, compare=False, hash=False
    )

    @property
    def index(self) -> ProblemIndex:
        """Lookup tables by id, built once per problem (O(size))."""
        if self._index is None:
            object.__setattr__(self, "_index", ProblemIndex(self))
        assert self._index is not None
        return self._index

    def __getstate__(self) -> tuple[object, ...]:
        # Pickled problems (sent to solve workers) travel without the index cache.
        return tuple(getattr(self, f.name) for f in fields(self) if f.name != "_index")

    def __setstate__(self, state: tuple[object, ...]) -> None:
        names = [f.name for f in fields(self) if f.name != "_index"]
        for name, value in zip(names, state, strict=True):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_index", None)

    def scene_days(self, scene: Scene | str) -> int:
        """Number of consecutive dates a scene uses: ceil(minutes / crew max)."""
        scene_id = scene if isinstance(scene, str) else scene.id
        return self.index.scene_days[scene_id]


class ProblemIndex:
    """Derived lookups for a :class:`Problem`; assumes the problem is valid."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.base = {b.id: b for b in problem.bases}
        self.location = {loc.id: loc for loc in problem.locations}
        self.crew = {c.id: c for c in problem.crews}
        self.cast = {m.id: m for m in problem.cast}
        self.scene = {s.id: s for s in problem.scenes}
        self.scene_position = {s.id: i for i, s in enumerate(problem.scenes)}
        self.location_position = {loc.id: i for i, loc in enumerate(problem.locations)}

        scenes_by_crew: dict[str, list[Scene]] = {c.id: [] for c in problem.crews}
        for s in problem.scenes:
            scenes_by_crew.setdefault(s.crew, []).append(s)
        self.scenes_by_crew = {k: tuple(v) for k, v in scenes_by_crew.items()}

        cast_by_crew: dict[str, list[CastMember]] = {c.id: [] for c in problem.crews}
        for m in problem.cast:
            cast_by_crew.setdefault(m.crew, []).append(m)
        self.cast_by_crew = {k: tuple(v) for k, v in cast_by_crew.items()}

        self.scene_days: dict[str, int] = {}
        for s in problem.scenes:
            per_day = self.crew[s.crew].max_minutes_per_day
            self.scene_days[s.id] = -(-s.minutes // per_day)

        successors: dict[str, list[str]] = {s.id: [] for s in problem.scenes}
        for s in problem.scenes:
            for pred in s.after:
                successors[pred].append(s.id)
        self.successors = {k: tuple(v) for k, v in successors.items()}

        self.travel_cost: dict[frozenset[str], int] = {
            frozenset((t.from_base, t.to_base)): t.cost for t in problem.travel
        }
        self.fixed_crew: dict[tuple[str, date], str] = {
            (f.location, f.date): f.crew for f in problem.fixed
        }
        own: dict[tuple[str, int], set[str]] = {}
        for f in problem.fixed:
            own.setdefault((f.crew, f.date.toordinal()), set()).add(f.location)
        # (crew, date ordinal) -> the locations the crew has booked itself that date.
        self.own_fixed: dict[tuple[str, int], frozenset[str]] = {
            key: frozenset(locs) for key, locs in own.items()
        }
        # crew -> its own booked dates (ordinals, sorted) and the sets booked on them.
        self.own_days: dict[str, dict[int, frozenset[str]]] = {}
        for (crew, day), locs in sorted(self.own_fixed.items()):
            self.own_days.setdefault(crew, {})[day] = locs
        # (crew, location, date ordinal) of every fixed entry: rent already paid.
        self.paid: frozenset[tuple[str, str, int]] = frozenset(
            (f.crew, f.location, f.date.toordinal()) for f in problem.fixed
        )
        self._fitting: dict[tuple[frozenset[str], frozenset[str] | None], tuple[Location, ...]] = {}

    def active_window(self, crew_id: str) -> tuple[int, int]:
        """The crew's window cut to the horizon, as first and last date ordinals (inclusive).

        Empty (last < first) when the window and the horizon do not meet.
        """
        crew, horizon = self.crew[crew_id], self.problem.horizon
        first = max(horizon.start, crew.window.start).toordinal()
        last = min(horizon.end, crew.window.end).toordinal() - 1
        return first, last

    def scene_window(self, scene: Scene) -> tuple[int, int]:
        """The dates a scene may use: its crew's active window cut by earliest and latest."""
        first, last = self.active_window(scene.crew)
        if scene.earliest is not None:
            first = max(first, scene.earliest.toordinal())
        if scene.latest is not None:
            last = min(last, scene.latest.toordinal())
        return first, last

    def scene_dates(self, scene_id: str, start: date) -> tuple[date, ...]:
        """Every date a scene uses when it starts on ``start``."""
        return tuple(start + timedelta(days=i) for i in range(self.scene_days[scene_id]))

    def move_cost(self, from_location: str, to_location: str) -> int | None:
        """Cost of a crew changing location between shooting dates; None if no travel."""
        if from_location == to_location:
            return 0
        a = self.location[from_location].base
        b = self.location[to_location].base
        if a == b:
            return self.problem.same_base_move_cost
        return self.travel_cost.get(frozenset((a, b)))

    def location_fits(self, scene: Scene, location: Location) -> bool:
        """Static fit of rule 3: required tags carried and location allowed."""
        return scene.requires <= location.tags and (
            scene.locations is None or location.id in scene.locations
        )

    def fitting_locations(self, scene: Scene) -> tuple[Location, ...]:
        """Locations that statically fit a scene, cheapest first (ties: input order)."""
        key = (scene.requires, scene.locations)
        cached = self._fitting.get(key)
        if cached is None:
            fits = [loc for loc in self.problem.locations if self.location_fits(scene, loc)]
            fits.sort(key=lambda loc: (loc.day_rate, self.location_position[loc.id]))
            cached = tuple(fits)
            self._fitting[key] = cached
        return cached

    def blocked_for(self, location_id: str, day: date, crew_id: str) -> bool:
        """True when a fixed booking of another crew holds the location that date."""
        holder = self.fixed_crew.get((location_id, day))
        return holder is not None and holder != crew_id

    def own_day_allows(self, crew_id: str, location_id: str, day: int) -> bool:
        """Rule 9: on a date the crew booked sets itself, only those sets (``day`` an ordinal)."""
        own = self.own_fixed.get((crew_id, day))
        return own is None or location_id in own

    def paid_for(self, crew_id: str, location_id: str, day: int) -> bool:
        """The location-day is a fixed entry of the crew itself: its rent is already paid."""
        return (crew_id, location_id, day) in self.paid

    def day_rate(self, crew_id: str, location_id: str, day: int) -> int:
        """The rent the crew pays for a location on a date (0 on its own fixed days)."""
        if self.paid_for(crew_id, location_id, day):
            return 0
        return self.location[location_id].day_rate


@dataclass(frozen=True, slots=True)
class Assignment:
    """A scene shot at a location starting on a date (multi-day scenes run on)."""

    scene: str
    location: str
    date: date


@dataclass(frozen=True, slots=True)
class CostBreakdown:
    """The five cost terms of the spec and their sum, in yuan."""

    rent: int = 0
    crew: int = 0
    cast: int = 0
    moves: int = 0
    unscheduled: int = 0
    total: int = 0

    @classmethod
    def of(cls, rent: int, crew: int, cast: int, moves: int, unscheduled: int) -> CostBreakdown:
        """Build a breakdown whose total is the sum of the terms."""
        return cls(rent, crew, cast, moves, unscheduled, rent + crew + cast + moves + unscheduled)

    def __add__(self, other: CostBreakdown) -> CostBreakdown:
        return CostBreakdown(
            self.rent + other.rent,
            self.crew + other.crew,
            self.cast + other.cast,
            self.moves + other.moves,
            self.unscheduled + other.unscheduled,
            self.total + other.total,
        )


@dataclass(frozen=True, slots=True)
class Plan:
    """A plan in the spec's form; ``lower_bound`` None when no bound is known."""

    status: PlanStatus
    assignments: tuple[Assignment, ...]
    unscheduled: tuple[str, ...]
    cost: CostBreakdown
    lower_bound: int | None = None
    solve_seconds: float = 0.0
