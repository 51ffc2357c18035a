"""CP-SAT model of one or more crews' plans: scenes to dates, dates to locations.

The formulation is compact because a crew shoots at one location a date: a
scene needs only a start date (``start[scene, day]``), and the location is a
per-date choice (``use[day, location]``) shared by every scene of that date.
Spans (crew and cast) are contiguous intervals written as two monotone
indicator chains, which keeps the linear relaxation honest; company moves are
priced on a per-date "where the crew last shot" state so that gaps between
shooting dates are handled exactly.

Each catalogue rule the model states has one ``add_<rule>`` function, and
:data:`CREW_RULES` lists them in one place, as Timefold's constraint provider
lists its constraints; :func:`add_crew` runs the list. Everything the model
may use is decided by a :class:`~scheduler.scope.CrewScope`, a pure function
of the problem and the location-days other crews hold. Sub-problems are
therefore independent values: a distributed engine can build and solve them
side by side.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from ortools.sat.python import cp_model

from scheduler.bounds import days_needed
from scheduler.domain import Assignment, Problem, Scene
from scheduler.scope import CrewScope

LinearTerms = list[tuple[int, cp_model.IntVar]]


@dataclass
class CrewVars:
    """The CP-SAT variables of one crew, keyed by domain ids and date ordinals."""

    scope: CrewScope
    start: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    use: dict[tuple[int, str], cp_model.IntVar] = field(default_factory=dict)
    crew_began: dict[int, cp_model.IntVar] = field(default_factory=dict)
    crew_ended: dict[int, cp_model.IntVar] = field(default_factory=dict)
    cast_began: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    cast_ended: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    last_at: dict[tuple[int, str], cp_model.IntVar] = field(default_factory=dict)
    works: dict[int, cp_model.IntVar] = field(default_factory=dict)
    base_move: dict[tuple[int, str, str], cp_model.IntVar] = field(default_factory=dict)
    local_move: dict[tuple[int, str], cp_model.IntVar] = field(default_factory=dict)
    use_on: dict[int, list[cp_model.IntVar]] = field(default_factory=dict)  # date -> use vars
    night: dict[int, cp_model.IntVar] = field(default_factory=dict)  # shoots a night scene
    terms: dict[str, LinearTerms] = field(default_factory=dict)  # cost field -> terms
    constant: dict[str, int] = field(default_factory=dict)

    def shooting_days(self) -> list[int]:
        """Dates on which the crew may shoot (some location-day is in reach)."""
        return [d for d in self.scope.days if self.use_on[d]]

    def objective_terms(self) -> LinearTerms:
        return [t for part in self.terms.values() for t in part]

    def objective_constant(self) -> int:
        return sum(self.constant.values())


class BuildTimeout(Exception):
    """The model was not finished by its deadline (building a big crew takes seconds)."""


def add_crew(
    model: cp_model.CpModel, problem: Problem, scope: CrewScope, deadline: float | None = None
) -> CrewVars:
    """Add one crew's decisions, then each rule of :data:`CREW_RULES` in turn, to ``model``.

    Raises :class:`BuildTimeout` between rules once ``deadline`` (monotonic) has passed.
    """
    v = _add_decisions(model, problem, scope)
    for add_rule in CREW_RULES:
        if deadline is not None and time.monotonic() > deadline:
            raise BuildTimeout(scope.crew_id)
        add_rule(model, problem, scope, v)
    return v


def model_size(scopes: Iterable[CrewScope]) -> int:
    """Start variables the crews' model would have: what its build time grows with."""
    return sum(len(starts) for scope in scopes for starts in scope.starts.values())


def _scenes(problem: Problem, scope: CrewScope) -> tuple[Scene, ...]:
    return problem.index.scenes_by_crew.get(scope.crew_id, ())


def _add_decisions(model: cp_model.CpModel, problem: Problem, scope: CrewScope) -> CrewVars:
    """The crew's choices: a start date per scene, a location per date."""
    index = problem.index
    scenes = _scenes(problem, scope)
    v = CrewVars(scope)
    cid = scope.crew_id
    for scene in scenes:
        for d in scope.starts[scene.id]:
            v.start[scene.id, d] = model.new_bool_var(f"start[{scene.id},{_iso(d)}]")
    # Only location-days some scene could use get a variable.
    needed: set[tuple[int, str]] = set()
    for scene in scenes:
        k = index.scene_days[scene.id]
        for d in scope.starts[scene.id]:
            for loc in scope.fits[scene.id]:
                if all(x in scope.usable[loc] for x in range(d, d + k)):
                    needed.update((x, loc) for x in range(d, d + k))
    for d in scope.days:
        for loc in scope.locations:
            if (d, loc) in needed:
                v.use[d, loc] = model.new_bool_var(f"use[{cid},{_iso(d)},{loc}]")
    v.use_on = {d: [] for d in scope.days}
    for (d, _loc), var in v.use.items():
        v.use_on[d].append(var)
    return v


def add_scene_at_most_once(
    model: cp_model.CpModel, problem: Problem, scope: CrewScope, v: CrewVars
) -> None:
    """Hard constraint: each scene starts on at most one date."""
    for scene in _scenes(problem, scope):
        starts = [v.start[scene.id, d] for d in scope.starts[scene.id]]
        if len(starts) > 1:
            model.add_at_most_one(starts)


def add_one_crew_per_location_day(
    model: cp_model.CpModel, problem: Problem, scope: CrewScope, v: CrewVars
) -> None:
    """Hard constraint: the crew is at one location a date, only on a date it shoots."""
    # Crew side only (the location side across crews is link_location_days). A location
    # in use on a date without a scene would fake a shooting date for moves.
    index = problem.index
    covering: dict[int, list[cp_model.IntVar]] = {d: [] for d in scope.days}
    for scene in _scenes(problem, scope):
        k = index.scene_days[scene.id]
        for d in scope.starts[scene.id]:
            for x in range(d, d + k):
                covering[x].append(v.start[scene.id, d])
    for d in scope.days:
        if v.use_on[d]:
            works = model.new_bool_var(f"works[{scope.crew_id},{_iso(d)}]")
            v.works[d] = works
            model.add_exactly_one([*v.use_on[d], works.Not()])
            model.add(works <= sum(covering[d]))


def add_location_fits_scene(
    model: cp_model.CpModel, problem: Problem, scope: CrewScope, v: CrewVars
) -> None:
    """Hard constraint: a date's location fits every scene of that date, and a multi-day
    scene keeps its location on all its dates."""
    # Tags, allowed sets, maintenance and other productions' days are the scope's.
    index = problem.index
    for scene in _scenes(problem, scope):
        k = index.scene_days[scene.id]
        for d in scope.starts[scene.id]:
            s_var = v.start[scene.id, d]
            for x in range(d, d + k):
                fitting_use = [
                    v.use[x, loc]
                    for loc in scope.fits[scene.id]
                    if (x, loc) in v.use and all(y in scope.usable[loc] for y in range(d, d + k))
                ]
                model.add(sum(fitting_use) >= s_var)
            if k > 1:
                for loc in scope.fits[scene.id]:
                    if (d, loc) not in v.use:
                        continue
                    for x in range(d + 1, d + k):
                        if (x, loc) in v.use:
                            model.add_bool_or([s_var.Not(), v.use[d, loc].Not(), v.use[x, loc]])
                        else:
                            model.add_bool_or([s_var.Not(), v.use[d, loc].Not()])


def add_crew_minutes_per_day(
    model: cp_model.CpModel, problem: Problem, scope: CrewScope, v: CrewVars
) -> None:
    """Hard constraint: single-day scenes share a date's minutes; a multi-day scene takes
    its dates whole."""
    index = problem.index
    cap = index.crew[scope.crew_id].max_minutes_per_day
    scenes = _scenes(problem, scope)
    for d in scope.days:
        load: list[tuple[int, cp_model.IntVar]] = []
        for scene in scenes:
            k = index.scene_days[scene.id]
            if k == 1:
                if (scene.id, d) in v.start:
                    load.append((scene.minutes, v.start[scene.id, d]))
            elif scope.starts[scene.id]:
                # From its first possible start at most: k may be astronomically large.
                first = max(d - k + 1, min(scope.starts[scene.id]))
                for s0 in range(first, d + 1):
                    if (scene.id, s0) in v.start:
                        load.append((cap, v.start[scene.id, s0]))
        if sum(c for c, _ in load) > cap:
            model.add(sum(c * var for c, var in load) <= cap)


def add_after_precedence(
    model: cp_model.CpModel, problem: Problem, scope: CrewScope, v: CrewVars
) -> None:
    """Hard constraint: a scheduled scene starts after the last date of each scheduled
    scene it lists in ``after``."""
    index = problem.index
    for scene in _scenes(problem, scope):
        for pred_id in scene.after:
            pred_starts = scope.starts.get(pred_id, ())
            own_starts = scope.starts[scene.id]
            if not pred_starts or not own_starts:
                continue
            k = index.scene_days[pred_id]
            # Pairwise conflicts are few (dates x dates) and propagate better than sums.
            last_pred_end = {d: d + k - 1 for d in pred_starts}
            for d in own_starts:
                clash = [v.start[pred_id, p] for p in pred_starts if last_pred_end[p] >= d]
                if clash:
                    model.add(sum(clash) + v.start[scene.id, d] <= 1)


def add_unscheduled(
    model: cp_model.CpModel, problem: Problem, scope: CrewScope, v: CrewVars
) -> None:
    """Cost term: the penalty for each scene not placed."""
    unscheduled: LinearTerms = []
    constant_unscheduled = 0
    for scene in _scenes(problem, scope):
        starts = [v.start[scene.id, d] for d in scope.starts[scene.id]]
        constant_unscheduled += problem.unscheduled_penalty
        for var in starts:
            unscheduled.append((-problem.unscheduled_penalty, var))
    v.terms["unscheduled"] = unscheduled
    v.constant["unscheduled"] = constant_unscheduled


def add_night_turnaround(
    model: cp_model.CpModel, problem: Problem, scope: CrewScope, v: CrewVars
) -> None:
    """Hard constraint: no day scene on the calendar date after a date the crew shoots a
    night scene."""
    # night[d] is forced up by every night scene covering d and down by every day scene
    # covering d + 1: one variable per date instead of a clause per pair of starts.
    index = problem.index
    night_cover: dict[int, list[cp_model.IntVar]] = {}
    day_cover: dict[int, list[cp_model.IntVar]] = {}
    for scene in _scenes(problem, scope):
        cover = night_cover if scene.night else day_cover
        k = index.scene_days[scene.id]
        for d in scope.starts[scene.id]:
            for x in range(d, d + k):
                cover.setdefault(x, []).append(v.start[scene.id, d])
    for d, nights in sorted(night_cover.items()):
        days_after = day_cover.get(d + 1)
        if not days_after:
            continue
        night = model.new_bool_var(f"night[{scope.crew_id},{_iso(d)}]")
        v.night[d] = night
        for var in nights:
            model.add_implication(var, night)
        for var in days_after:
            model.add_implication(var, night.Not())


def add_rent(model: cp_model.CpModel, problem: Problem, scope: CrewScope, v: CrewVars) -> None:
    """Cost term: the day rate of every location-day in use, except the crew's own fixed
    days (paid already)."""
    index = problem.index
    v.terms["rent"] = [
        (index.location[loc].day_rate, var)
        for (d, loc), var in v.use.items()
        if index.location[loc].day_rate and (scope.crew_id, loc, d) not in index.paid
    ]


def add_crew_days(model: cp_model.CpModel, problem: Problem, scope: CrewScope, v: CrewVars) -> None:
    """Cost term: the crew's day cost times the span of its shooting dates."""
    crew = problem.index.crew[scope.crew_id]
    shooting = v.shooting_days()
    if shooting and crew.day_cost:
        span = _add_span(model, f"crew[{crew.id}]", shooting, v.crew_began, v.crew_ended)
        for d in shooting:
            model.add(v.works[d] <= span[d])
        _add_days_needed(model, problem, _scenes(problem, scope), v, span)
        v.terms["crew"] = _span_cost(crew.day_cost, v.crew_began, v.crew_ended)


def add_cast_days(model: cp_model.CpModel, problem: Problem, scope: CrewScope, v: CrewVars) -> None:
    """Cost term: each cast member's day cost times the span of their scenes' dates."""
    index = problem.index
    scenes = _scenes(problem, scope)
    cast_terms: LinearTerms = []
    for member in index.cast_by_crew.get(scope.crew_id, ()):
        theirs = [s for s in scenes if member.id in s.cast]
        if not member.day_cost or not theirs:
            continue
        their_days = sorted(
            {
                x
                for s in theirs
                for d in scope.starts[s.id]
                for x in range(d, d + index.scene_days[s.id])
            }
        )
        if not their_days:
            continue
        began: dict[int, cp_model.IntVar] = {}
        ended: dict[int, cp_model.IntVar] = {}
        span = _add_span(model, f"cast[{member.id}]", their_days, began, ended)
        for s in theirs:
            k = index.scene_days[s.id]
            for d in scope.starts[s.id]:
                for x in range(d, d + k):
                    model.add(span[x] >= v.start[s.id, d])
        _add_days_needed(model, problem, theirs, v, span)
        for d, var in began.items():
            v.cast_began[member.id, d] = var
        for d, var in ended.items():
            v.cast_ended[member.id, d] = var
        cast_terms += _span_cost(member.day_cost, began, ended)
    v.terms["cast"] = cast_terms


def add_company_moves(
    model: cp_model.CpModel, problem: Problem, scope: CrewScope, v: CrewVars
) -> None:
    """Cost term and hard constraint: a change of location between consecutive shooting
    dates costs the travel between their bases (or the same-base cost), and is forbidden
    between bases with no travel entry (travel_connects_bases)."""
    # Both read one per-date "where the crew last shot" state (so gaps between shooting
    # dates are handled exactly) and are added date by date; apart, they would build
    # that state twice or reorder the model, and CP-SAT's search with it.
    index = problem.index
    cid = scope.crew_id
    shooting = v.shooting_days()
    locs = [loc for loc in scope.locations if any((d, loc) in v.use for d in shooting)]
    if len(locs) < 2 or len(shooting) < 2:
        v.terms["moves"] = []
        return
    base_of = {loc: index.location[loc].base for loc in locs}
    bases = sorted(set(base_of.values()))
    terms: LinearTerms = []
    prev: dict[str, cp_model.IntVar] | None = None
    for d in shooting:
        works = v.works[d]
        here: dict[str, cp_model.IntVar] = {}
        for loc in locs:
            # last_at[d, loc]: the crew's latest shooting date on or before d was at loc.
            var = model.new_bool_var(f"last_at[{cid},{_iso(d)},{loc}]")
            v.last_at[d, loc] = var
            today = v.use.get((d, loc))
            model.add(var == (today if today is not None else 0)).only_enforce_if(works)
            before = prev[loc] if prev is not None else None
            model.add(var == (before if before is not None else 0)).only_enforce_if(works.Not())
            here[loc] = var
        if prev is not None:
            prev_base = {b: sum(prev[loc] for loc in locs if base_of[loc] == b) for b in bases}
            today_base = {
                b: sum(v.use[d, loc] for loc in locs if (d, loc) in v.use and base_of[loc] == b)
                for b in bases
            }
            # Between bases: the travel cost, and no move at all without a travel entry.
            for b1 in bases:
                for b2 in bases:
                    if b1 == b2:
                        continue
                    cost = index.travel_cost.get(frozenset((b1, b2)))
                    if cost is None:
                        model.add(prev_base[b1] + today_base[b2] <= 1)
                    elif cost > 0:
                        pair = model.new_bool_var(f"move[{cid},{_iso(d)},{b1}->{b2}]")
                        v.base_move[d, b1, b2] = pair
                        model.add(pair >= prev_base[b1] + today_base[b2] - 1)
                        terms.append((cost, pair))
            # Within a base: shooting at another location of the base last shot at.
            if problem.same_base_move_cost > 0:
                for b in bases:
                    in_base = [loc for loc in locs if base_of[loc] == b]
                    if len(in_base) < 2:
                        continue
                    local = model.new_bool_var(f"move[{cid},{_iso(d)},{b}]")
                    v.local_move[d, b] = local
                    for loc in in_base:
                        if (d, loc) in v.use:
                            model.add(local >= v.use[d, loc] - prev[loc] + prev_base[b] - 1)
                    terms.append((problem.same_base_move_cost, local))
        prev = here
    v.terms["moves"] = terms


AddRule = Callable[[cp_model.CpModel, Problem, CrewScope, CrewVars], None]

# The catalogue rules the model states, one function each, in the order they are added
# (later rules read variables that earlier ones make: ``works``, the spans). Together
# with SCOPE_RULES and STATED_WITH they cover the catalogue (scheduler.catalogue).
CREW_RULES: tuple[AddRule, ...] = (
    add_scene_at_most_once,
    add_one_crew_per_location_day,
    add_location_fits_scene,
    add_crew_minutes_per_day,
    add_after_precedence,
    add_night_turnaround,
    add_unscheduled,
    add_rent,
    add_crew_days,
    add_cast_days,
    add_company_moves,
)
# Kept by the crew scope alone: no start date that breaks them is ever offered.
SCOPE_RULES: tuple[str, ...] = ("within_windows", "cast_available", "own_fixed_days")
# Stated inside another rule's function (see add_company_moves).
STATED_WITH: Mapping[str, str] = {"travel_connects_bases": "company_moves"}


def _span_cost(
    day_cost: int, began: Mapping[int, cp_model.IntVar], ended: Mapping[int, cp_model.IntVar]
) -> LinearTerms:
    """Day cost times span, the span being sum(began) - sum(ended)."""
    return [(day_cost, var) for var in began.values()] + [
        (-day_cost, var) for var in ended.values()
    ]


def _add_span(
    model: cp_model.CpModel,
    name: str,
    active_days: Sequence[int],
    began: dict[int, cp_model.IntVar],
    ended: dict[int, cp_model.IntVar],
) -> dict[int, cp_model.LinearExpr]:
    """A contiguous interval over ``active_days[0]..active_days[-1]``; returns in-span exprs.

    ``began[d]`` is 1 once the interval has started (on or before d) and
    ``ended[d]`` once it has finished (before d); both only rise, so
    ``began - ended`` is 1 exactly on one block of dates. The span length is
    ``sum(began) - sum(ended)``, priced by :func:`_span_cost`.
    """
    lo, hi = active_days[0], active_days[-1]
    prev_b: cp_model.IntVar | None = None
    prev_e: cp_model.IntVar | None = None
    inside: dict[int, cp_model.LinearExpr] = {}
    for d in range(lo, hi + 1):
        b = model.new_bool_var(f"{name}.began[{_iso(d)}]")
        began[d] = b
        if prev_b is not None:
            model.add_implication(prev_b, b)
        if d > lo:
            e = model.new_bool_var(f"{name}.ended[{_iso(d)}]")
            ended[d] = e
            model.add_implication(e, b)
            if prev_e is not None:
                model.add_implication(prev_e, e)
            prev_e = e
            inside[d] = b - e
        else:
            inside[d] = 1 * b
        prev_b = b
    return inside


def _add_days_needed(
    model: cp_model.CpModel,
    problem: Problem,
    scenes: Sequence[Scene],
    v: CrewVars,
    inside: Mapping[int, cp_model.LinearExpr],
) -> None:
    """Redundant: a span holds at least the shooting days its scheduled scenes need.

    Single-day scenes count minutes / max minutes, multi-day scenes their
    dates; scaled by max minutes to stay integral. Tightens the relaxation.
    """
    index = problem.index
    cap = index.crew[v.scope.crew_id].max_minutes_per_day
    need: list[tuple[int, cp_model.IntVar]] = []
    for s in scenes:
        k = index.scene_days[s.id]
        weight = s.minutes if k == 1 else k * cap
        need += [(weight, v.start[s.id, d]) for d in v.scope.starts[s.id]]
    if need:
        model.add(cap * sum(inside.values()) >= sum(w * var for w, var in need))
    # Whole shooting days: scenes that share no candidate set never share a date.
    placed = [s for s in scenes if v.scope.starts[s.id]]
    need_days = days_needed(problem, v.scope, placed)
    if need_days > 1:
        scheduled = [v.start[s.id, d] for s in placed for d in v.scope.starts[s.id]]
        # Binding only when all of them are scheduled (each one left out frees the cut).
        model.add(
            sum(inside.values()) - need_days * sum(scheduled) >= need_days * (1 - len(placed))
        )


def link_location_days(model: cp_model.CpModel, crews: Iterable[CrewVars]) -> None:
    """Hard constraint: a location hosts one crew a date (one_crew_per_location_day,
    between the crews of one model; crews outside it are the scope's ``blocked``)."""
    by_key: dict[tuple[int, str], list[cp_model.IntVar]] = {}
    for v in crews:
        for key, var in v.use.items():
            by_key.setdefault(key, []).append(var)
    for group in by_key.values():
        if len(group) > 1:
            model.add_at_most_one(group)


def _iso(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


def crew_assignments(solver: cp_model.CpSolver, problem: Problem, v: CrewVars) -> list[Assignment]:
    """Read the crew's assignments from a solved model."""
    result: list[Assignment] = []
    for (scene_id, d), var in v.start.items():
        if solver.boolean_value(var):
            loc = next(
                loc
                for loc in v.scope.locations
                if (d, loc) in v.use and solver.boolean_value(v.use[d, loc])
            )
            result.append(Assignment(scene_id, loc, date.fromordinal(d)))
    return result


def hint_crew(
    model: cp_model.CpModel, problem: Problem, v: CrewVars, assignments: Sequence[Assignment]
) -> bool:
    """Hint the model with a plan of this crew; False if the plan is outside the scope."""
    index = problem.index
    placed: dict[tuple[str, int], int] = {}
    location_on: dict[int, str] = {}
    for a in assignments:
        d = a.date.toordinal()
        if (a.scene, d) not in v.start:
            return False
        placed[a.scene, d] = 1
        loc = v.scope.replaced_by.get(a.location, a.location)
        for x in range(d, d + index.scene_days[a.scene]):
            if (x, loc) not in v.use:
                return False
            location_on[x] = loc
    for key, var in v.start.items():
        model.add_hint(var, placed.get(key, 0))
    for (d, loc), var in v.use.items():
        model.add_hint(var, 1 if location_on.get(d) == loc else 0)
    dates = sorted(location_on)
    for d, var in v.crew_began.items():
        model.add_hint(var, 1 if dates and d >= dates[0] else 0)
    for d, var in v.crew_ended.items():
        model.add_hint(var, 1 if dates and d > dates[-1] else 0)
    cast_days: dict[str, list[int]] = {}
    for a in assignments:
        d = a.date.toordinal()
        for member in index.scene[a.scene].cast:
            cast_days.setdefault(member, []).extend(range(d, d + index.scene_days[a.scene]))
    for (member, d), var in v.cast_began.items():
        theirs = cast_days.get(member)
        model.add_hint(var, 1 if theirs and d >= min(theirs) else 0)
    for (member, d), var in v.cast_ended.items():
        theirs = cast_days.get(member)
        model.add_hint(var, 1 if theirs and d > max(theirs) else 0)
    for d, var in v.works.items():
        model.add_hint(var, 1 if d in location_on else 0)
    night_dates = {
        x
        for a in assignments
        if index.scene[a.scene].night
        for x in range(a.date.toordinal(), a.date.toordinal() + index.scene_days[a.scene])
    }
    for d, var in v.night.items():
        model.add_hint(var, 1 if d in night_dates else 0)
    base_of = {loc.id: loc.base for loc in problem.locations}
    moved: dict[int, tuple[str, str]] = {}  # date -> (base left, base reached)
    last: str | None = None
    for d in range(v.scope.first_day, v.scope.last_day + 1):
        here = location_on.get(d)
        if here is not None:
            if last is not None and last != here:
                moved[d] = (base_of[last], base_of[here])
            last = here
        for loc in v.scope.locations:
            at = v.last_at.get((d, loc))
            if at is not None:
                model.add_hint(at, 1 if last == loc else 0)
    for (d, b1, b2), pair in v.base_move.items():
        model.add_hint(pair, 1 if moved.get(d) == (b1, b2) else 0)
    for (d, b), local in v.local_move.items():
        model.add_hint(local, 1 if moved.get(d) == (b, b) else 0)
    return True


class ObjectiveReporter(cp_model.CpSolverSolutionCallback):
    """Calls ``report`` with each new solution's objective value (for progress)."""

    def __init__(self, report: Callable[[int], None]) -> None:
        super().__init__()
        self.report = report

    def on_solution_callback(self) -> None:
        self.report(int(self.objective_value))


def exact_objective_bound(solver: cp_model.CpSolver, constant: int) -> int:
    """The solver's proven lower bound on an objective whose constant part is ``constant``.

    ``best_objective_bound`` is a double, and the model keeps its constant as one too:
    above 2**53 yuan (day rates of 10**12, penalties of 10**15) both round, and a bound
    rounded up is no bound. The response's inner bound is the exact int64 bound of the
    objective's linear part; the constant is added back in Python integers.
    """
    return int(solver.response_proto.inner_objective_lower_bound) + constant


def stop_on(stop: threading.Event, done: threading.Event, solver: cp_model.CpSolver) -> None:
    """Stop ``solver`` when ``stop`` is set (run in a thread until ``done``)."""
    while not done.wait(0.05):
        if stop.is_set():
            solver.stop_search()
            return
