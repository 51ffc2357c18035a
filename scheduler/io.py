"""JSON exchange format: parse and validate problems, read and write plans.

A problem that breaks any validity rule of the spec is refused with a
:class:`ProblemError` naming the offending entry (``scenes[12] (id 'C01-12A'):
...``); it is never solved half-read. Unknown extra keys are ignored so that
producers may carry annotations (names, notes) alongside the required fields.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from scheduler.domain import (
    PLAN_STATUSES,
    Assignment,
    Base,
    CastMember,
    CostBreakdown,
    Crew,
    DateRange,
    Fixed,
    Location,
    Plan,
    PlanStatus,
    Problem,
    Scene,
    Travel,
)

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
COST_FIELDS = ("rent", "crew", "cast", "moves", "unscheduled", "total")


class ProblemError(ValueError):
    """The problem JSON breaks a validity rule of the spec."""


class PlanError(ValueError):
    """The plan JSON is not in the spec's form."""


class _Reader:
    """Typed field access that reports errors with the entry's path and id."""

    def __init__(self, error: type[ValueError]) -> None:
        self.error = error

    def fail(self, where: str, message: str) -> ValueError:
        return self.error(f"{where}: {message}")

    def obj(self, value: object, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(where, f"must be an object, got {_kind(value)}")
        return value

    def field(self, entry: Mapping[str, Any], key: str, where: str) -> Any:
        if key not in entry:
            raise self.fail(where, f"missing field '{key}'")
        return entry[key]

    def int_(self, entry: Mapping[str, Any], key: str, where: str, *, minimum: int) -> int:
        value = self.field(entry, key, where)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(where, f"'{key}' must be an integer, got {_kind(value)}")
        if value < minimum:
            op = "> 0" if minimum == 1 else f">= {minimum}"
            raise self.fail(where, f"'{key}' must be {op}, got {value}")
        return value

    def str_(self, entry: Mapping[str, Any], key: str, where: str, *, nonempty: bool) -> str:
        value = self.field(entry, key, where)
        if not isinstance(value, str):
            raise self.fail(where, f"'{key}' must be a string, got {_kind(value)}")
        if nonempty and not value:
            raise self.fail(where, f"'{key}' must be a non-empty string")
        return value

    def date_(self, value: object, where: str, what: str) -> date:
        if not isinstance(value, str) or not _DATE_RE.match(value):
            raise self.fail(where, f"{what} must be an ISO date YYYY-MM-DD, got {value!r}")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self.fail(where, f"{what} is not a valid date: {value!r}") from None

    def opt_date(self, entry: Mapping[str, Any], key: str, where: str) -> date | None:
        value = self.field(entry, key, where)
        return None if value is None else self.date_(value, where, f"'{key}'")

    def list_(self, value: object, where: str, what: str) -> Sequence[Any]:
        if not isinstance(value, list | tuple):
            raise self.fail(where, f"{what} must be a list, got {_kind(value)}")
        return value

    def str_list(self, value: object, where: str, what: str) -> list[str]:
        items = self.list_(value, where, what)
        for item in items:
            if not isinstance(item, str):
                raise self.fail(where, f"{what} must hold strings, got {_kind(item)}")
        return list(items)

    def date_list(self, entry: Mapping[str, Any], key: str, where: str) -> frozenset[date]:
        items = self.list_(self.field(entry, key, where), where, f"'{key}'")
        return frozenset(self.date_(v, where, f"'{key}' entry") for v in items)

    def range_(self, entry: Mapping[str, Any], key: str, where: str) -> DateRange:
        raw = self.obj(self.field(entry, key, where), f"{where} '{key}'")
        start = self.date_(self.field(raw, "start", f"{where} '{key}'"), where, f"'{key}.start'")
        end = self.date_(self.field(raw, "end", f"{where} '{key}'"), where, f"'{key}.end'")
        # A half-open range whose end is its start holds no date (a crew with no shooting
        # window, say): read, not refused. An end before the start is a mistake.
        if end < start:
            raise self.fail(where, f"'{key}' end {end} is before its start {start}")
        return DateRange(start, end)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return type(value).__name__


def _where(section: str, i: int, entry: Mapping[str, Any]) -> str:
    ident = entry.get("id")
    return f"{section}[{i}] (id {ident!r})" if isinstance(ident, str) else f"{section}[{i}]"


def _entries(r: _Reader, data: Mapping[str, Any], section: str) -> list[Mapping[str, Any]]:
    items = r.list_(r.field(data, section, "problem"), "problem", f"'{section}'")
    return [r.obj(item, f"{section}[{i}]") for i, item in enumerate(items)]


def _ids(r: _Reader, entries: list[Mapping[str, Any]], section: str) -> list[str]:
    """Check every entry has a non-empty id unique within its list."""
    seen: dict[str, int] = {}
    ids: list[str] = []
    for i, entry in enumerate(entries):
        where = _where(section, i, entry)
        ident = r.str_(entry, "id", where, nonempty=True)
        if ident in seen:
            raise r.fail(where, f"duplicate id, already used by {section}[{seen[ident]}]")
        seen[ident] = i
        ids.append(ident)
    return ids


def parse_problem(data: object) -> Problem:
    """Validate a problem JSON object and build the :class:`Problem`."""
    r = _Reader(ProblemError)
    top = r.obj(data, "problem")
    horizon = r.range_(top, "horizon", "problem")
    same_base_move_cost = r.int_(top, "same_base_move_cost", "problem", minimum=0)
    unscheduled_penalty = r.int_(top, "unscheduled_penalty", "problem", minimum=0)

    raw_bases = _entries(r, top, "bases")
    raw_travel = _entries(r, top, "travel")
    raw_locations = _entries(r, top, "locations")
    raw_crews = _entries(r, top, "crews")
    raw_cast = _entries(r, top, "cast")
    raw_scenes = _entries(r, top, "scenes")
    raw_fixed = _entries(r, top, "fixed")

    base_ids = set(_ids(r, raw_bases, "bases"))
    location_ids = set(_ids(r, raw_locations, "locations"))
    crew_ids = set(_ids(r, raw_crews, "crews"))
    _ids(r, raw_cast, "cast")
    _ids(r, raw_scenes, "scenes")

    bases = tuple(
        Base(e["id"], r.str_(e, "name", _where("bases", i, e), nonempty=False))
        for i, e in enumerate(raw_bases)
    )
    travel = _parse_travel(r, raw_travel, base_ids)

    locations: list[Location] = []
    for i, e in enumerate(raw_locations):
        where = _where("locations", i, e)
        base = r.str_(e, "base", where, nonempty=True)
        if base not in base_ids:
            raise r.fail(where, f"base {base!r} is not a base")
        tags = frozenset(r.str_list(r.field(e, "tags", where), where, "'tags'"))
        day_rate = r.int_(e, "day_rate", where, minimum=0)
        unavailable = r.date_list(e, "unavailable", where)
        locations.append(Location(e["id"], base, tags, day_rate, unavailable))

    crews: list[Crew] = []
    for i, e in enumerate(raw_crews):
        where = _where("crews", i, e)
        window = r.range_(e, "window", where)
        day_cost = r.int_(e, "day_cost", where, minimum=0)
        max_minutes = r.int_(e, "max_minutes_per_day", where, minimum=1)
        crews.append(Crew(e["id"], window, day_cost, max_minutes))

    cast: list[CastMember] = []
    for i, e in enumerate(raw_cast):
        where = _where("cast", i, e)
        crew = r.str_(e, "crew", where, nonempty=True)
        if crew not in crew_ids:
            raise r.fail(where, f"crew {crew!r} is not a crew")
        day_cost = r.int_(e, "day_cost", where, minimum=0)
        unavailable = r.date_list(e, "unavailable", where)
        cast.append(CastMember(e["id"], crew, day_cost, unavailable))
    cast_crew = {m.id: m.crew for m in cast}

    scenes = _parse_scenes(r, raw_scenes, crew_ids, cast_crew, location_ids)

    fixed: list[Fixed] = []
    fixed_seen: dict[tuple[str, date], int] = {}
    for i, e in enumerate(raw_fixed):
        where = f"fixed[{i}]"
        location = r.str_(e, "location", where, nonempty=True)
        if location not in location_ids:
            raise r.fail(where, f"location {location!r} is not a location")
        # The crew of a confirmed booking may be another production, not in `crews`.
        crew = r.str_(e, "crew", where, nonempty=True)
        day = r.date_(r.field(e, "date", where), where, "'date'")
        if (location, day) in fixed_seen:
            raise r.fail(
                where,
                f"second fixed entry for location {location!r} on {day}, "
                f"already fixed by fixed[{fixed_seen[location, day]}]",
            )
        fixed_seen[location, day] = i
        fixed.append(Fixed(location, crew, day))

    return Problem(
        horizon=horizon,
        same_base_move_cost=same_base_move_cost,
        unscheduled_penalty=unscheduled_penalty,
        bases=bases,
        travel=travel,
        locations=tuple(locations),
        crews=tuple(crews),
        cast=tuple(cast),
        scenes=scenes,
        fixed=tuple(fixed),
    )


def validate_problem(problem: Problem) -> Problem:
    """Apply the validity rules to a Problem built in code (e.g. from the database).

    Returns the problem re-read from its JSON form; raises ProblemError naming
    the offending entry, exactly as for a problem file.
    """
    return parse_problem(problem_to_dict(problem))


def _parse_travel(
    r: _Reader, raw_travel: list[Mapping[str, Any]], base_ids: set[str]
) -> tuple[Travel, ...]:
    travel: list[Travel] = []
    pairs: dict[frozenset[str], int] = {}
    for i, e in enumerate(raw_travel):
        where = f"travel[{i}]"
        a = r.str_(e, "from", where, nonempty=True)
        b = r.str_(e, "to", where, nonempty=True)
        for end in (a, b):
            if end not in base_ids:
                raise r.fail(where, f"base {end!r} is not a base")
        if a == b:
            raise r.fail(where, f"travel from base {a!r} to itself")
        cost = r.int_(e, "cost", where, minimum=0)
        pair = frozenset((a, b))
        if pair in pairs:
            raise r.fail(
                where,
                f"second travel entry between {a!r} and {b!r}, "
                f"already given by travel[{pairs[pair]}]",
            )
        pairs[pair] = i
        travel.append(Travel(a, b, cost))
    return tuple(travel)


def _parse_scenes(
    r: _Reader,
    raw_scenes: list[Mapping[str, Any]],
    crew_ids: set[str],
    cast_crew: dict[str, str],
    location_ids: set[str],
) -> tuple[Scene, ...]:
    scene_crew = {e["id"]: e.get("crew") for e in raw_scenes}
    scenes: list[Scene] = []
    for i, e in enumerate(raw_scenes):
        where = _where("scenes", i, e)
        crew = r.str_(e, "crew", where, nonempty=True)
        if crew not in crew_ids:
            raise r.fail(where, f"crew {crew!r} is not a crew")
        minutes = r.int_(e, "minutes", where, minimum=1)
        requires = frozenset(r.str_list(r.field(e, "requires", where), where, "'requires'"))
        members: list[str] = []
        for member in r.str_list(r.field(e, "cast", where), where, "'cast'"):
            if member not in cast_crew:
                raise r.fail(where, f"cast {member!r} is not a cast member")
            if cast_crew[member] != crew:
                raise r.fail(
                    where,
                    f"cast {member!r} belongs to crew {cast_crew[member]!r}, not the "
                    f"scene's crew {crew!r}",
                )
            if member not in members:
                members.append(member)
        earliest = r.opt_date(e, "earliest", where)
        latest = r.opt_date(e, "latest", where)
        raw_locs = r.field(e, "locations", where)
        allowed: frozenset[str] | None = None
        if raw_locs is not None:
            allowed = frozenset(r.str_list(raw_locs, where, "'locations'"))
            for loc in sorted(allowed):
                if loc not in location_ids:
                    raise r.fail(where, f"location {loc!r} is not a location")
        after: list[str] = []
        raw_after = e.get("after")
        for pred in [] if raw_after is None else r.str_list(raw_after, where, "'after'"):
            if pred == e["id"]:
                raise r.fail(where, "lists itself in 'after'")
            if pred not in scene_crew:
                raise r.fail(where, f"after {pred!r} is not a scene")
            if scene_crew[pred] != crew:
                raise r.fail(
                    where, f"after {pred!r} is a scene of crew {scene_crew[pred]!r}, not {crew!r}"
                )
            if pred not in after:
                after.append(pred)
        # Version 2: a JSON boolean when present (not 1, not "true"); missing means false.
        night = e.get("night", False)
        if not isinstance(night, bool):
            raise r.fail(where, f"'night' must be a boolean, got {_kind(night)} {night!r}")
        scenes.append(
            Scene(
                e["id"],
                crew,
                minutes,
                requires,
                tuple(members),
                earliest,
                latest,
                allowed,
                tuple(after),
                night,
            )
        )
    _check_acyclic(r, scenes)
    return tuple(scenes)


def _check_acyclic(r: _Reader, scenes: list[Scene]) -> None:
    """Refuse an `after` cycle, naming a scene on it (iterative DFS, O(scenes + edges))."""
    position = {s.id: i for i, s in enumerate(scenes)}
    state = [0] * len(scenes)  # 0 new, 1 on stack, 2 done
    for root in range(len(scenes)):
        if state[root]:
            continue
        stack: list[tuple[int, int]] = [(root, 0)]
        state[root] = 1
        while stack:
            node, k = stack[-1]
            preds = scenes[node].after
            if k == len(preds):
                state[node] = 2
                stack.pop()
                continue
            stack[-1] = (node, k + 1)
            nxt = position[preds[k]]
            if state[nxt] == 1:
                cycle = [scenes[n].id for n, _ in stack[[n for n, _ in stack].index(nxt) :]]
                where = _where("scenes", nxt, {"id": scenes[nxt].id})
                raise r.fail(where, "'after' has a cycle: " + " -> ".join([*cycle, cycle[0]]))
            if state[nxt] == 0:
                state[nxt] = 1
                stack.append((nxt, 0))


def _read_json(path: str | Path, error: type[ValueError]) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except json.JSONDecodeError as exc:
        raise error(f"{path}: not valid JSON: {exc}") from exc


def load_problem(path: str | Path) -> Problem:
    """Read and validate a problem file."""
    return parse_problem(_read_json(path, ProblemError))


def problem_to_dict(problem: Problem) -> dict[str, Any]:
    """The problem in the spec's JSON form (lists sorted where the spec has sets)."""
    return {
        "horizon": _range_json(problem.horizon),
        "same_base_move_cost": problem.same_base_move_cost,
        "unscheduled_penalty": problem.unscheduled_penalty,
        "bases": [{"id": b.id, "name": b.name} for b in problem.bases],
        "travel": [{"from": t.from_base, "to": t.to_base, "cost": t.cost} for t in problem.travel],
        "locations": [
            {
                "id": loc.id,
                "base": loc.base,
                "tags": sorted(loc.tags),
                "day_rate": loc.day_rate,
                "unavailable": sorted(d.isoformat() for d in loc.unavailable),
            }
            for loc in problem.locations
        ],
        "crews": [
            {
                "id": c.id,
                "window": _range_json(c.window),
                "day_cost": c.day_cost,
                "max_minutes_per_day": c.max_minutes_per_day,
            }
            for c in problem.crews
        ],
        "cast": [
            {
                "id": m.id,
                "crew": m.crew,
                "day_cost": m.day_cost,
                "unavailable": sorted(d.isoformat() for d in m.unavailable),
            }
            for m in problem.cast
        ],
        "scenes": [
            {
                "id": s.id,
                "crew": s.crew,
                "minutes": s.minutes,
                "requires": sorted(s.requires),
                "cast": list(s.cast),
                "earliest": None if s.earliest is None else s.earliest.isoformat(),
                "latest": None if s.latest is None else s.latest.isoformat(),
                "locations": None if s.locations is None else sorted(s.locations),
                "after": list(s.after),
                # Only when true, so that a version 1 problem keeps its exact JSON.
                **({"night": True} if s.night else {}),
            }
            for s in problem.scenes
        ],
        "fixed": [
            {"location": f.location, "crew": f.crew, "date": f.date.isoformat()}
            for f in problem.fixed
        ],
    }


def _range_json(r: DateRange) -> dict[str, str]:
    return {"start": r.start.isoformat(), "end": r.end.isoformat()}


def parse_plan(data: object) -> Plan:
    """Read a plan JSON object in the spec's form (structure only, no rule checks)."""
    r = _Reader(PlanError)
    top = r.obj(data, "plan")
    status = r.field(top, "status", "plan")
    if status not in PLAN_STATUSES:
        raise r.fail("plan", f"'status' must be one of {', '.join(PLAN_STATUSES)}, got {status!r}")
    plan_status: PlanStatus = "OPTIMAL" if status == "OPTIMAL" else "FEASIBLE"
    assignments: list[Assignment] = []
    raw = r.list_(r.field(top, "assignments", "plan"), "plan", "'assignments'")
    for i, item in enumerate(raw):
        where = f"assignments[{i}]"
        e = r.obj(item, where)
        assignments.append(
            Assignment(
                r.str_(e, "scene", where, nonempty=True),
                r.str_(e, "location", where, nonempty=True),
                r.date_(r.field(e, "date", where), where, "'date'"),
            )
        )
    unscheduled = r.str_list(r.field(top, "unscheduled", "plan"), "plan", "'unscheduled'")
    raw_cost = r.obj(r.field(top, "cost", "plan"), "plan 'cost'")
    terms = [r.int_(raw_cost, k, "plan 'cost'", minimum=0) for k in COST_FIELDS]
    lower_bound: int | None = None
    if r.field(top, "lower_bound", "plan") is not None:
        lower_bound = r.int_(top, "lower_bound", "plan", minimum=0)
    seconds = r.field(top, "solve_seconds", "plan")
    if (
        not isinstance(seconds, int | float)
        or isinstance(seconds, bool)
        or not math.isfinite(seconds)
        or seconds < 0
    ):
        raise r.fail("plan", f"'solve_seconds' must be a number >= 0, got {seconds!r}")
    return Plan(
        status=plan_status,
        assignments=tuple(assignments),
        unscheduled=tuple(unscheduled),
        cost=CostBreakdown(*terms),
        lower_bound=lower_bound,
        solve_seconds=float(seconds),
    )


def load_plan(path: str | Path) -> Plan:
    """Read a plan file in the spec's form."""
    return parse_plan(_read_json(path, PlanError))


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The plan in the spec's JSON form."""
    return {
        "status": plan.status,
        "assignments": [
            {"scene": a.scene, "location": a.location, "date": a.date.isoformat()}
            for a in plan.assignments
        ],
        "unscheduled": list(plan.unscheduled),
        "cost": {k: getattr(plan.cost, k) for k in COST_FIELDS},
        "lower_bound": plan.lower_bound,
        "solve_seconds": plan.solve_seconds,
    }


def dump_plan(plan: Plan, path: str | Path) -> None:
    """Write a plan file (UTF-8, indented, trailing newline)."""
    text = json.dumps(plan_to_dict(plan), ensure_ascii=False, indent=2)
    Path(path).write_text(text + "\n", encoding="utf-8")


def dump_problem(problem: Problem, path: str | Path) -> None:
    """Write a problem file (UTF-8, indented, trailing newline)."""
    text = json.dumps(problem_to_dict(problem), ensure_ascii=False, indent=2)
    Path(path).write_text(text + "\n", encoding="utf-8")
