"""Explanations a coordinator can act on: cost per crew and why scenes were left out.

For each unscheduled scene the candidate start dates are run through the hard
rules in a fixed order (window, cast, maintenance and other productions' fixed
bookings, the crew's own fixed days (rule 9), other crews' use in this plan,
continuity, the crew's own shooting days, night turnaround (rule 10), travel). The reason
reported is the first rule that the *best* candidate date fails: if some date
has free cast but no free location, the reason is the location, not the cast.
A scene that could still be placed gets ``slot_available`` with the slot, so
an explanation never hides a missed opportunity.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from scheduler.cost import cost_by_crew
from scheduler.domain import Assignment, Plan, Problem, Scene

NO_LOCATION_WITH_TAGS = "no_location_with_tags"
NO_ALLOWED_LOCATION = "no_allowed_location"
WINDOW_TOO_SHORT = "window_too_short"
CAST_UNAVAILABLE = "cast_unavailable"
LOCATIONS_BLOCKED = "locations_blocked"
OWN_FIXED_DAY = "own_fixed_day"
LOCATIONS_TAKEN = "locations_taken"
AFTER_CONSTRAINT = "after_constraint"
CREW_DAYS_FULL = "crew_days_full"
NIGHT_TURNAROUND = "night_turnaround"
NO_TRAVEL_CONNECTION = "no_travel_connection"
SLOT_AVAILABLE = "slot_available"

REASON_CODES = (
    NO_LOCATION_WITH_TAGS,
    NO_ALLOWED_LOCATION,
    WINDOW_TOO_SHORT,
    CAST_UNAVAILABLE,
    LOCATIONS_BLOCKED,
    OWN_FIXED_DAY,
    LOCATIONS_TAKEN,
    AFTER_CONSTRAINT,
    CREW_DAYS_FULL,
    NIGHT_TURNAROUND,
    NO_TRAVEL_CONNECTION,
    SLOT_AVAILABLE,
)


@dataclass(frozen=True, slots=True)
class CrewCost:
    """One crew's share of each cost term (its cast included) and its shooting dates."""

    crew: str
    rent: int
    crew_days: int
    cast: int
    moves: int
    unscheduled: int
    total: int
    scheduled_scenes: int
    unscheduled_scenes: int
    shooting_days: int
    first_date: str | None
    last_date: str | None


@dataclass(frozen=True, slots=True)
class UnscheduledReason:
    """Why one scene has no assignment: a stable code and a message for people."""

    scene: str
    crew: str
    code: str
    message: str
    # Set only for ``slot_available``: a slot where the scene could still go.
    location: str | None = None
    date: str | None = None


@dataclass(frozen=True, slots=True)
class Explanation:
    """Cost per term and crew, and a reason per unscheduled scene."""

    total: dict[str, int]
    crews: tuple[CrewCost, ...]
    unscheduled: tuple[UnscheduledReason, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        return {
            "total": dict(self.total),
            "crews": [asdict(c) for c in self.crews],
            "unscheduled": [asdict(u) for u in self.unscheduled],
        }


def explain(problem: Problem, plan: Plan) -> Explanation:
    """Explain a plan's cost per crew and each unscheduled scene."""
    index = problem.index
    known = [a for a in plan.assignments if a.scene in index.scene and a.location in index.location]
    per_crew = cost_by_crew(problem, known)
    ctx = _PlanContext(problem, known)
    crews: list[CrewCost] = []
    total = {k: 0 for k in ("rent", "crew", "cast", "moves", "unscheduled", "total")}
    for crew in problem.crews:
        c = per_crew[crew.id]
        days = ctx.days[crew.id]
        scheduled = sum(1 for s in index.scenes_by_crew.get(crew.id, ()) if s.id in ctx.first)
        crews.append(
            CrewCost(
                crew=crew.id,
                rent=c.rent,
                crew_days=c.crew,
                cast=c.cast,
                moves=c.moves,
                unscheduled=c.unscheduled,
                total=c.total,
                scheduled_scenes=scheduled,
                unscheduled_scenes=len(index.scenes_by_crew.get(crew.id, ())) - scheduled,
                shooting_days=len(days),
                first_date=date.fromordinal(days[0]).isoformat() if days else None,
                last_date=date.fromordinal(days[-1]).isoformat() if days else None,
            )
        )
        for key, value in zip(
            total, (c.rent, c.crew, c.cast, c.moves, c.unscheduled, c.total), strict=True
        ):
            total[key] += value
    reasons = tuple(
        _unscheduled_reason(problem, scene, ctx)
        for scene in problem.scenes
        if scene.id not in ctx.first
    )
    return Explanation(total=total, crews=tuple(crews), unscheduled=reasons)


class _PlanContext:
    """What the plan already uses, by date ordinal: per crew and per location."""

    def __init__(self, problem: Problem, assignments: list[Assignment]) -> None:
        index = problem.index
        self.location_on: dict[str, dict[int, str]] = defaultdict(dict)
        self.minutes_on: dict[str, dict[int, int]] = defaultdict(dict)
        self.exclusive: dict[str, set[int]] = defaultdict(set)
        self.users: dict[tuple[str, int], set[str]] = defaultdict(set)
        self.first: dict[str, int] = {}
        self.fixed = {(f.location, f.date.toordinal()): f.crew for f in problem.fixed}
        self.off = {
            loc.id: frozenset(d.toordinal() for d in loc.unavailable) for loc in problem.locations
        }
        self.last: dict[str, int] = {}
        # Dates each crew shoots a night scene, and a day scene (rule 10).
        self.night_on: dict[str, set[int]] = defaultdict(set)
        self.day_on: dict[str, set[int]] = defaultdict(set)
        for a in assignments:
            scene = index.scene[a.scene]
            first = a.date.toordinal()
            k = index.scene_days[scene.id]
            self.first[scene.id] = min(self.first.get(scene.id, first), first)
            self.last[scene.id] = max(self.last.get(scene.id, first + k - 1), first + k - 1)
            shot = self.night_on if scene.night else self.day_on
            for d in range(first, first + k):
                shot[scene.crew].add(d)
                self.location_on[scene.crew].setdefault(d, a.location)
                self.users[a.location, d].add(scene.crew)
                if k == 1:
                    minutes = self.minutes_on[scene.crew]
                    minutes[d] = minutes.get(d, 0) + scene.minutes
                else:
                    self.exclusive[scene.crew].add(d)
        self.days = {c.id: sorted(self.location_on.get(c.id, {})) for c in problem.crews}


def _iso(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


def _window_fact(problem: Problem, scene: Scene, k: int) -> str:
    """Name the bounds that leave too few dates, e.g. 'earliest 2027-03-16 is after the plan
    horizon's last day 2027-02-02', so a coordinator knows which one to move."""
    crew = problem.index.crew[scene.crew]
    day = timedelta(days=1)
    starts = [
        (problem.horizon.start, "the plan horizon's first day"),
        (crew.window.start, "the crew's first day"),
    ]
    ends = [
        (problem.horizon.end - day, "the plan horizon's last day"),
        (crew.window.end - day, "the crew's last day"),
    ]
    if scene.earliest is not None:
        starts.append((scene.earliest, "earliest"))
    if scene.latest is not None:
        ends.append((scene.latest, "latest"))
    first, first_name = max(starts, key=lambda s: s[0])
    last, last_name = min(ends, key=lambda e: e[0])
    if last < first:
        return f"{first_name} {first} is after {last_name} {last}"
    days = (last - first).days + 1
    return (
        f"needs {k} consecutive day(s) but only {days} lie between {first_name} {first} "
        f"and {last_name} {last}"
    )


def _unscheduled_reason(problem: Problem, scene: Scene, ctx: _PlanContext) -> UnscheduledReason:
    """Analyse why ``scene`` is not in the plan (see the module docstring for the order)."""
    index = problem.index
    crew = index.crew[scene.crew]

    def reason(code: str, message: str, slot: tuple[str, int] | None = None) -> UnscheduledReason:
        location, day = (None, None) if slot is None else (slot[0], _iso(slot[1]))
        return UnscheduledReason(
            scene.id, scene.crew, code, f"{scene.id}: {message}", location, day
        )

    tagged = [loc for loc in problem.locations if scene.requires <= loc.tags]
    if not tagged:
        return reason(
            NO_LOCATION_WITH_TAGS,
            f"no location carries all required tags {sorted(scene.requires)}",
        )
    fitting = index.fitting_locations(scene)
    if not fitting:
        if scene.locations is not None and not scene.locations:
            return reason(NO_ALLOWED_LOCATION, "its allowed-locations list is empty")
        return reason(
            NO_ALLOWED_LOCATION,
            f"none of its allowed locations {sorted(scene.locations or ())} carries the "
            f"required tags {sorted(scene.requires)}",
        )

    k = index.scene_days[scene.id]
    lo, hi = index.scene_window(scene)
    if hi - lo + 1 < k:
        return reason(WINDOW_TOO_SHORT, _window_fact(problem, scene, k))

    cast_off = {d.toordinal(): m for m in scene.cast for d in index.cast[m].unavailable}
    off_ordinals = ctx.off
    after_lo = max((ctx.last[p] + 1 for p in scene.after if p in ctx.last), default=lo)
    before_hi = min(
        (ctx.first[s] - 1 for s in index.successors[scene.id] if s in ctx.first), default=hi
    )
    days = ctx.days[crew.id]
    location_on = ctx.location_on.get(crew.id, {})
    minutes_on = ctx.minutes_on.get(crew.id, {})
    exclusive = ctx.exclusive.get(crew.id, set())
    nights, days_shot = ctx.night_on.get(crew.id, set()), ctx.day_on.get(crew.id, set())

    best_stage = 0
    best_detail = ""
    for first in range(lo, hi - k + 2):
        span_days = range(first, first + k)
        busy_cast = sorted({cast_off[d] for d in span_days if d in cast_off})
        if busy_cast:
            stage, detail = 1, f"cast {busy_cast} unavailable"
        else:
            in_order = after_lo <= first and first + k - 1 <= before_hi
            own_ok, detail, only = _own_days(
                scene, crew.max_minutes_per_day, k, first, location_on, minutes_on, exclusive
            )
            if scene.night:
                rested = not any(d + 1 in days_shot for d in span_days)
            else:
                rested = not any(d - 1 in nights for d in span_days)
            # Each fitting location goes through the per-location rules in order; the
            # date's stage is the furthest any location gets.
            stage = 2
            for loc in fitting:
                if any(
                    d in off_ordinals[loc.id] or ctx.fixed.get((loc.id, d), crew.id) != crew.id
                    for d in span_days
                ):
                    continue
                stage = max(stage, 3)
                if not all(index.own_day_allows(crew.id, loc.id, d) for d in span_days):
                    continue
                stage = max(stage, 4)
                if any(
                    user != crew.id for d in span_days for user in ctx.users.get((loc.id, d), ())
                ):
                    continue
                stage = max(stage, 5)
                if not in_order:
                    continue
                stage = max(stage, 6)
                if not own_ok or (only is not None and loc.id != only):
                    continue
                stage = max(stage, 7)
                if not rested:
                    continue
                stage = 8
                if _reachable(problem, days, location_on, loc.id, first, k):
                    return reason(
                        SLOT_AVAILABLE,
                        f"could still be shot at {loc.id} from {_iso(first)}; "
                        f"the plan leaves it out (for example the solve hit its time limit)",
                        (loc.id, first),
                    )
            if stage == 6 and own_ok and only is not None:
                detail = "the crew is at a location that does not fit the scene that day"
        if stage > best_stage:
            best_stage, best_detail = stage, detail

    fitting_ids = [loc.id for loc in fitting]
    shown = ", ".join(fitting_ids[:5]) + (" …" if len(fitting_ids) > 5 else "")
    window = f"{_iso(lo)}..{_iso(hi)}"
    if best_stage == 1:
        names = sorted({m for m in scene.cast if index.cast[m].unavailable})
        return reason(
            CAST_UNAVAILABLE,
            f"on every candidate date in {window} some cast member is unavailable "
            f"(cast with blackout dates: {names})",
        )
    if best_stage == 2:
        return reason(
            LOCATIONS_BLOCKED,
            f"on every candidate date in {window} each fitting location ({shown}) is under "
            f"maintenance or fixed for another production",
        )
    if best_stage == 3:
        return reason(
            OWN_FIXED_DAY,
            f"on every candidate date in {window} where a fitting location ({shown}) is free, "
            f"crew {crew.id} has booked other sets itself and shoots there or nowhere (rule 9)",
        )
    if best_stage == 4:
        return reason(
            LOCATIONS_TAKEN,
            f"on every candidate date in {window} each fitting location ({shown}) is fixed "
            f"for another production or used by another crew in this plan",
        )
    if best_stage == 5:
        preds = [p for p in scene.after if p in ctx.last]
        succs = [s for s in index.successors[scene.id] if s in ctx.first]
        return reason(
            AFTER_CONSTRAINT,
            f"the dates left fall outside its continuity order: after {preds}, before {succs}",
        )
    if best_stage == 6:
        return reason(
            CREW_DAYS_FULL,
            f"crew {crew.id}'s shooting days in {window} are full where a location is free"
            + (f" ({best_detail})" if best_detail else ""),
        )
    if best_stage == 7:
        turnaround = (
            "the day before one of the crew's day scenes"
            if scene.night
            else "the day after one of the crew's night shoots"
        )
        return reason(
            NIGHT_TURNAROUND,
            f"every date in {window} left for it is {turnaround}: the crew rests after a "
            f"night (rule 10)",
        )
    return reason(
        NO_TRAVEL_CONNECTION,
        "every free slot would need a company move between bases with no travel entry "
        "from the crew's neighbouring shooting days",
    )


def _own_days(
    scene: Scene,
    max_minutes: int,
    k: int,
    first: int,
    location_on: dict[int, str],
    minutes_on: dict[int, int],
    exclusive: set[int],
) -> tuple[bool, str, str | None]:
    """Whether the crew's own bookings leave room on the scene's dates.

    Returns (room left, why not, the location the crew is already at that day).
    """
    if k > 1:
        if any(d in location_on for d in range(first, first + k)):
            return False, "a multi-day scene needs dates with nothing else shot", None
        return True, "", None
    if first in exclusive:
        return False, "a multi-day scene occupies the date", None
    if minutes_on.get(first, 0) + scene.minutes > max_minutes:
        return False, "no minutes left in the day", None
    return True, "", location_on.get(first)


def _reachable(
    problem: Problem, days: list[int], location_on: dict[int, str], loc: str, first: int, k: int
) -> bool:
    i = bisect_left(days, first)
    if i > 0 and problem.index.move_cost(location_on[days[i - 1]], loc) is None:
        return False
    j = bisect_left(days, first + k)
    return j >= len(days) or problem.index.move_cost(loc, location_on[days[j]]) is not None
