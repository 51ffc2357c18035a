"""The independent plan checker: every hard rule and the exact cost, on raw JSON.

It deliberately shares no code with the domain model, the cost module or the
solver: it reads the few problem fields it needs straight from the problem
JSON (which the caller has validated) and tolerates any shape of plan JSON,
reporting malformed parts as plan-form violations. Two implementations of the
rules and the cost then cross-check each other in the tests.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any

RULE_CODES: dict[int, str] = {
    1: "scene_at_most_once",
    2: "within_windows",
    3: "location_fits_scene",
    4: "one_crew_per_location_day",
    5: "crew_minutes_per_day",
    6: "cast_available",
    7: "travel_connects_bases",
    8: "after_precedence",
    9: "own_fixed_days",
    10: "night_turnaround",
}
_COST_KEYS = ("rent", "crew", "cast", "moves", "unscheduled", "total")
_STATUSES = ("OPTIMAL", "FEASIBLE")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_Flag = Callable[[int | None, str, str], None]


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: ``rule`` is 1..10 for hard rules, None for plan-form rules."""

    rule: int | None
    code: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class CheckReport:
    """Violations found and the cost recomputed from the plan's assignments."""

    violations: tuple[Violation, ...]
    cost: dict[str, int]
    claimed_cost: object = None

    @property
    def valid(self) -> bool:
        """True when the plan keeps every rule and claims its exact cost."""
        return not self.violations

    def rules_broken(self) -> set[int]:
        return {v.rule for v in self.violations if v.rule is not None}

    def codes(self) -> set[str]:
        return {v.code for v in self.violations}

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "violations": [v.to_dict() for v in self.violations],
            "cost": dict(self.cost),
            "claimed_cost": self.claimed_cost,
        }


def _ordinal(text: object) -> int | None:
    if not isinstance(text, str) or not _ISO.match(text):
        return None
    try:
        return date.fromisoformat(text).toordinal()
    except ValueError:
        return None


def _day(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


@dataclass(slots=True)
class _Facts:
    """The problem fields the checker needs, keyed by id, dates as ordinals."""

    horizon: tuple[int, int]
    same_base: int
    penalty: int
    travel: set[frozenset[str]]
    travel_cost: dict[frozenset[str], int]
    loc_base: dict[str, str] = field(default_factory=dict)
    loc_tags: dict[str, set[str]] = field(default_factory=dict)
    loc_rate: dict[str, int] = field(default_factory=dict)
    loc_off: dict[str, set[int]] = field(default_factory=dict)
    crew_window: dict[str, tuple[int, int]] = field(default_factory=dict)
    crew_cost: dict[str, int] = field(default_factory=dict)
    crew_max: dict[str, int] = field(default_factory=dict)
    actor_cost: dict[str, int] = field(default_factory=dict)
    actor_off: dict[str, set[int]] = field(default_factory=dict)
    scenes: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    fixed: dict[tuple[str, int], str] = field(default_factory=dict)
    # (crew, date) -> the locations that crew booked itself that date (rule 9).
    own_days: dict[tuple[str, int], set[str]] = field(default_factory=dict)


def _window(raw: Mapping[str, Any]) -> tuple[int, int]:
    start, end = _ordinal(raw["start"]), _ordinal(raw["end"])
    assert start is not None and end is not None
    return start, end


def _read_problem(problem: Mapping[str, Any]) -> _Facts:
    pairs = {frozenset((t["from"], t["to"])): int(t["cost"]) for t in problem["travel"]}
    facts = _Facts(
        horizon=_window(problem["horizon"]),
        same_base=int(problem["same_base_move_cost"]),
        penalty=int(problem["unscheduled_penalty"]),
        travel=set(pairs),
        travel_cost=pairs,
    )
    for loc in problem["locations"]:
        facts.loc_base[loc["id"]] = loc["base"]
        facts.loc_tags[loc["id"]] = set(loc["tags"])
        facts.loc_rate[loc["id"]] = int(loc["day_rate"])
        facts.loc_off[loc["id"]] = {o for o in map(_ordinal, loc["unavailable"]) if o is not None}
    for crew in problem["crews"]:
        facts.crew_window[crew["id"]] = _window(crew["window"])
        facts.crew_cost[crew["id"]] = int(crew["day_cost"])
        facts.crew_max[crew["id"]] = int(crew["max_minutes_per_day"])
    for actor in problem["cast"]:
        facts.actor_cost[actor["id"]] = int(actor["day_cost"])
        facts.actor_off[actor["id"]] = {
            o for o in map(_ordinal, actor["unavailable"]) if o is not None
        }
    for scene in problem["scenes"]:
        facts.scenes[scene["id"]] = scene
    for fix in problem["fixed"]:
        day = _ordinal(fix["date"])
        assert day is not None
        facts.fixed[fix["location"], day] = fix["crew"]
        facts.own_days.setdefault((fix["crew"], day), set()).add(fix["location"])
    return facts


@dataclass(frozen=True, slots=True)
class _Placed:
    """One well-formed assignment of a known scene to a known location."""

    index: int
    scene: str
    crew: str
    location: str
    first: int
    last: int


def check_plan(problem: Mapping[str, Any], plan: object) -> CheckReport:
    """Check a plan JSON against a (validated) problem JSON; never raises on the plan."""
    facts = _read_problem(problem)
    found: list[Violation] = []

    def flag(rule: int | None, code: str, message: str) -> None:
        found.append(Violation(rule, code, message))

    if not isinstance(plan, Mapping):
        flag(None, "plan_form", "the plan must be a JSON object")
        plan = {}
    placed, mentioned = _read_assignments(facts, plan, flag)
    _check_rules(facts, placed, flag)
    cost = _recompute_cost(facts, placed)
    claimed = plan.get("cost")
    _check_plan_form(facts, plan, mentioned, cost, flag)
    return CheckReport(tuple(found), cost, claimed)


def _read_assignments(
    facts: _Facts, plan: Mapping[str, Any], flag: _Flag
) -> tuple[list[_Placed], set[str]]:
    """Well-formed assignments, and every known scene an assignment names at all."""
    raw = plan.get("assignments")
    if not isinstance(raw, list):
        flag(None, "plan_form", "'assignments' must be a list")
        return [], set()
    placed: list[_Placed] = []
    mentioned: set[str] = set()
    for i, item in enumerate(raw):
        where = f"assignments[{i}]"
        if not isinstance(item, Mapping):
            flag(None, "plan_form", f"{where} must be an object")
            continue
        scene_id, loc, start = item.get("scene"), item.get("location"), _ordinal(item.get("date"))
        if start is None:
            flag(
                None, "plan_form", f"{where}: 'date' must be an ISO date, got {item.get('date')!r}"
            )
        if not isinstance(scene_id, str) or scene_id not in facts.scenes:
            flag(None, "unknown_scene", f"{where}: scene {scene_id!r} is not in the problem")
            continue
        mentioned.add(scene_id)
        if not isinstance(loc, str) or loc not in facts.loc_base:
            flag(None, "unknown_location", f"{where}: location {loc!r} is not in the problem")
            continue
        if start is None:
            continue
        scene = facts.scenes[scene_id]
        crew = scene["crew"]
        days = -(-scene["minutes"] // facts.crew_max[crew])  # integer ceil, exact for any size
        placed.append(_Placed(i, scene_id, crew, loc, start, start + days - 1))
    return placed, mentioned


def _check_rules(facts: _Facts, placed: list[_Placed], flag: _Flag) -> None:
    # Rule 1: each scene at most once.
    seen: dict[str, int] = {}
    for p in placed:
        if p.scene in seen:
            flag(
                1,
                RULE_CODES[1],
                f"assignments[{p.index}]: scene {p.scene!r} already assigned by "
                f"assignments[{seen[p.scene]}]",
            )
        else:
            seen[p.scene] = p.index

    crew_day_scenes: dict[tuple[str, int], list[_Placed]] = defaultdict(list)
    loc_day_crews: dict[tuple[str, int], set[str]] = defaultdict(set)
    crew_day_locs: dict[tuple[str, int], set[str]] = defaultdict(set)
    for p in placed:
        scene = facts.scenes[p.scene]
        where = f"assignments[{p.index}] (scene {p.scene!r})"
        days = range(p.first, p.last + 1)
        for d in days:
            crew_day_scenes[p.crew, d].append(p)
            loc_day_crews[p.location, d].add(p.crew)
            crew_day_locs[p.crew, d].add(p.location)

        # Rule 2: every date in the horizon, the crew's window, earliest..latest.
        lo = max(facts.horizon[0], facts.crew_window[p.crew][0])
        hi = min(facts.horizon[1], facts.crew_window[p.crew][1]) - 1
        earliest, latest = _ordinal(scene.get("earliest")), _ordinal(scene.get("latest"))
        if earliest is not None:
            lo = max(lo, earliest)
        if latest is not None:
            hi = min(hi, latest)
        outside = [d for d in days if not lo <= d <= hi]
        if outside:
            flag(
                2,
                RULE_CODES[2],
                f"{where}: date {_day(outside[0])} is outside the horizon, the crew's window "
                f"or the scene's earliest/latest",
            )

        # Rule 3: tags, allowed locations, unavailable dates, fixed by another crew.
        missing = set(scene["requires"]) - facts.loc_tags[p.location]
        if missing:
            flag(
                3,
                RULE_CODES[3],
                f"{where}: location {p.location!r} lacks tags {sorted(missing)}",
            )
        allowed = scene.get("locations")
        if allowed is not None and p.location not in allowed:
            flag(3, RULE_CODES[3], f"{where}: location {p.location!r} is not allowed")
        for d in days:
            if d in facts.loc_off[p.location]:
                flag(
                    3,
                    RULE_CODES[3],
                    f"{where}: location {p.location!r} is unavailable on {_day(d)}",
                )
            holder = facts.fixed.get((p.location, d))
            if holder is not None and holder != p.crew:
                flag(
                    3,
                    RULE_CODES[3],
                    f"{where}: location {p.location!r} is fixed for crew {holder!r} on {_day(d)}",
                )

        # Rule 6: no cast member on one of their unavailable dates.
        for actor in scene["cast"]:
            for d in days:
                if d in facts.actor_off[actor]:
                    flag(6, RULE_CODES[6], f"{where}: cast {actor!r} is unavailable on {_day(d)}")

    # Rule 1 (multi-day): the crew shoots nothing else on the dates of a multi-day scene.
    for (crew, d), ps in crew_day_scenes.items():
        if len(ps) > 1 and any(p.last > p.first for p in ps):
            names = sorted(p.scene for p in ps)
            flag(
                1,
                RULE_CODES[1],
                f"crew {crew!r} on {_day(d)}: a multi-day scene shares the date with "
                f"other scenes {names}",
            )

    # Rule 4: one crew per location and date; one location per crew and date.
    for (loc, d), crews in loc_day_crews.items():
        if len(crews) > 1:
            flag(
                4,
                RULE_CODES[4],
                f"location {loc!r} on {_day(d)} hosts crews {sorted(crews)}",
            )
    for (crew, d), locs in crew_day_locs.items():
        if len(locs) > 1:
            flag(
                4,
                RULE_CODES[4],
                f"crew {crew!r} on {_day(d)} shoots at several locations {sorted(locs)}",
            )

    # Rule 5: the single-day scenes of a crew on a date fit in its minutes.
    for (crew, d), ps in crew_day_scenes.items():
        minutes = sum(facts.scenes[p.scene]["minutes"] for p in ps if p.first == p.last)
        if minutes > facts.crew_max[crew]:
            flag(
                5,
                RULE_CODES[5],
                f"crew {crew!r} on {_day(d)}: {minutes} minutes of scenes exceed "
                f"{facts.crew_max[crew]}",
            )

    # Rule 7: consecutive shooting dates at different bases need a travel entry.
    crew_days: dict[str, list[int]] = defaultdict(list)
    for crew, d in crew_day_locs:
        crew_days[crew].append(d)
    for crew, days_list in crew_days.items():
        days_list.sort()
        for prev, nxt in pairwise(days_list):
            for a in sorted(crew_day_locs[crew, prev]):
                for b in sorted(crew_day_locs[crew, nxt]):
                    base_a, base_b = facts.loc_base[a], facts.loc_base[b]
                    if base_a != base_b and frozenset((base_a, base_b)) not in facts.travel:
                        flag(
                            7,
                            RULE_CODES[7],
                            f"crew {crew!r} moves from {a!r} ({base_a}) on {_day(prev)} to "
                            f"{b!r} ({base_b}) on {_day(nxt)} with no travel between the bases",
                        )

    # Rule 9: on a date a crew booked sets itself, it shoots at one of them or nowhere.
    for (crew, d), locs in crew_day_locs.items():
        own = facts.own_days.get((crew, d))
        if own is not None and not locs <= own:
            flag(
                9,
                RULE_CODES[9],
                f"crew {crew!r} on {_day(d)} shoots at {sorted(locs - own)} but has booked "
                f"{sorted(own)} itself that date",
            )

    # Rule 10: no day scene on the calendar date after a night the crew shot.
    night_of: dict[tuple[str, int], list[str]] = defaultdict(list)
    for p in placed:
        if facts.scenes[p.scene].get("night", False) is True:
            for d in range(p.first, p.last + 1):
                night_of[p.crew, d].append(p.scene)
    for p in placed:
        if facts.scenes[p.scene].get("night", False) is True:
            continue
        for d in range(p.first, p.last + 1):
            nights = night_of.get((p.crew, d - 1))
            if nights:
                flag(
                    10,
                    RULE_CODES[10],
                    f"assignments[{p.index}] (scene {p.scene!r}): a day scene on {_day(d)}, "
                    f"the day after crew {p.crew!r} shot {sorted(nights)} at night",
                )
                break

    # Rule 8: a scene starts after the last date of every scheduled scene it lists in `after`.
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    for p in placed:
        first[p.scene] = min(first.get(p.scene, p.first), p.first)
        last[p.scene] = max(last.get(p.scene, p.last), p.last)
    for scene_id in first:
        for pred in facts.scenes[scene_id].get("after") or []:
            if pred in last and not first[scene_id] > last[pred]:
                flag(
                    8,
                    RULE_CODES[8],
                    f"scene {scene_id!r} starts {_day(first[scene_id])}, not after scene "
                    f"{pred!r} ends {_day(last[pred])}",
                )


def _recompute_cost(facts: _Facts, placed: list[_Placed]) -> dict[str, int]:
    rented: set[tuple[str, str, int]] = set()
    crew_loc_on: dict[str, dict[int, str]] = defaultdict(dict)
    actor_first: dict[str, int] = {}
    actor_last: dict[str, int] = {}
    for p in placed:
        for d in range(p.first, p.last + 1):
            rented.add((p.crew, p.location, d))
            crew_loc_on[p.crew].setdefault(d, p.location)
        for actor in facts.scenes[p.scene]["cast"]:
            actor_first[actor] = min(actor_first.get(actor, p.first), p.first)
            actor_last[actor] = max(actor_last.get(actor, p.last), p.last)

    # A location-day the crew booked itself (a fixed entry of that crew) is paid already.
    rent = sum(facts.loc_rate[loc] for crew, loc, d in rented if facts.fixed.get((loc, d)) != crew)
    crew_cost = 0
    moves = 0
    for crew, loc_on in crew_loc_on.items():
        days = sorted(loc_on)
        crew_cost += facts.crew_cost[crew] * (days[-1] - days[0] + 1)
        for prev, nxt in pairwise(days):
            a, b = loc_on[prev], loc_on[nxt]
            if a == b:
                continue
            base_a, base_b = facts.loc_base[a], facts.loc_base[b]
            if base_a == base_b:
                moves += facts.same_base
            else:
                moves += facts.travel_cost.get(frozenset((base_a, base_b)), 0)
    cast = sum(facts.actor_cost[a] * (actor_last[a] - actor_first[a] + 1) for a in actor_first)
    assigned = {p.scene for p in placed}
    unscheduled = facts.penalty * sum(1 for s in facts.scenes if s not in assigned)
    return {
        "rent": rent,
        "crew": crew_cost,
        "cast": cast,
        "moves": moves,
        "unscheduled": unscheduled,
        "total": rent + crew_cost + cast + moves + unscheduled,
    }


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_plan_form(
    facts: _Facts,
    plan: Mapping[str, Any],
    mentioned: set[str],
    cost: dict[str, int],
    flag: _Flag,
) -> None:
    status = plan.get("status")
    if status not in _STATUSES:
        flag(None, "status", f"'status' must be OPTIMAL or FEASIBLE, got {status!r}")

    # `unscheduled` lists exactly the scenes without an assignment.
    raw = plan.get("unscheduled")
    if not isinstance(raw, list) or not all(isinstance(s, str) for s in raw):
        flag(None, "plan_form", "'unscheduled' must be a list of scene ids")
    else:
        listed: set[str] = set()
        for s in raw:
            if s not in facts.scenes:
                flag(None, "unknown_scene", f"unscheduled: {s!r} is not a scene")
            elif s in listed:
                flag(None, "unscheduled_list", f"unscheduled: {s!r} is listed twice")
            listed.add(s)
        for s in facts.scenes:
            if s in mentioned and s in listed:
                flag(None, "unscheduled_list", f"unscheduled: {s!r} has an assignment")
            elif s not in mentioned and s not in listed:
                flag(
                    None,
                    "unscheduled_list",
                    f"unscheduled: {s!r} has no assignment but is not listed",
                )

    # The claimed cost is exactly the recomputed one, term by term.
    claimed = plan.get("cost")
    if not isinstance(claimed, Mapping):
        flag(None, "plan_form", "'cost' must be an object")
    else:
        for key in _COST_KEYS:
            value = claimed.get(key)
            if not _is_int(value):
                flag(None, "plan_form", f"cost.{key} must be an integer, got {value!r}")
            elif value != cost[key]:
                flag(None, "cost_mismatch", f"cost.{key} claims {value}, exact is {cost[key]}")

    # A proven lower bound never exceeds the plan's total; OPTIMAL means they meet.
    if "lower_bound" not in plan:
        flag(None, "plan_form", "missing field 'lower_bound'")
    bound = plan.get("lower_bound")
    if bound is not None and (not _is_int(bound) or bound < 0):
        flag(None, "lower_bound", f"lower_bound must be null or an integer >= 0, got {bound!r}")
    elif bound is not None and bound > cost["total"]:
        flag(None, "lower_bound", f"lower_bound {bound} exceeds the exact total {cost['total']}")
    if status == "OPTIMAL" and bound != cost["total"]:
        flag(
            None,
            "lower_bound",
            f"status OPTIMAL needs lower_bound == total {cost['total']}, got {bound!r}",
        )
    elif status == "FEASIBLE" and bound == cost["total"]:
        # "OPTIMAL means proven: lower_bound == total": a proven plan must say so, or a
        # checker reading the sentence both ways rejects it.
        flag(None, "lower_bound", f"lower_bound == total {bound} is proven: status must be OPTIMAL")

    seconds = plan.get("solve_seconds")
    if (
        not isinstance(seconds, int | float)
        or isinstance(seconds, bool)
        or not math.isfinite(seconds)
        or seconds < 0
    ):
        flag(None, "plan_form", f"'solve_seconds' must be a number >= 0, got {seconds!r}")
