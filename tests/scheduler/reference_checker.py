"""A second, independent reading of the planning spec (version 2), for tests only.

Written from /work/shared/spec/planning-problem.md alone, without looking at
``scheduler.checker``, ``scheduler.cost`` or ``scheduler.catalogue``: when the
two readings disagree on a plan, one of them has misread the spec. It trusts
the problem to be valid (the spec's problem rules) and distrusts the plan
entirely: anything in the plan may be malformed and is reported, never raised.

``reference_check(problem, plan)`` returns a :class:`Verdict` with the hard
rules broken (1-10), the plan-form faults (ids, ``unscheduled`` list, claimed
cost, bound, status) and the exact cost. The cost is ``None`` where the spec
leaves it undefined: an assignment the cost cannot read (unknown id, bad
date), a scene assigned twice, a crew at two locations on one date, or a move
between bases with no travel entry.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

COST_TERMS = ("rent", "crew", "cast", "moves", "unscheduled", "total")
STATUSES = ("OPTIMAL", "FEASIBLE")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class Verdict:
    """What the spec says about one plan."""

    rules: set[int] = field(default_factory=set)
    form: list[str] = field(default_factory=list)
    cost: dict[str, int] | None = None

    @property
    def valid(self) -> bool:
        """A plan is valid when it keeps every hard rule and its form is right."""
        return not self.rules and not self.form


def parse_iso(value: object) -> date | None:
    """A strict ``YYYY-MM-DD`` calendar date, else None (the spec allows only ISO dates)."""
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def is_int(value: object) -> bool:
    """A JSON integer: not a bool, not a float."""
    return isinstance(value, int) and not isinstance(value, bool)


def span(dates: set[date]) -> int:
    """``last - first + 1`` calendar days, 0 for no dates."""
    return (max(dates) - min(dates)).days + 1 if dates else 0


def in_range(day: date, rng: dict[str, str]) -> bool:
    """``start`` included, ``end`` excluded."""
    return date.fromisoformat(rng["start"]) <= day < date.fromisoformat(rng["end"])


@dataclass(frozen=True)
class Placed:
    """One readable assignment: the scene, its location and every date it uses."""

    scene: dict[str, Any]
    location: dict[str, Any]
    dates: tuple[date, ...]

    @property
    def crew(self) -> str:
        return str(self.scene["crew"])


class Problem:
    """Index of a (valid) raw problem by id."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.scenes = {s["id"]: s for s in raw["scenes"]}
        self.locations = {loc["id"]: loc for loc in raw["locations"]}
        self.crews = {c["id"]: c for c in raw["crews"]}
        self.cast = {m["id"]: m for m in raw["cast"]}
        self.travel: dict[frozenset[str], int] = {
            frozenset((t["from"], t["to"])): t["cost"] for t in raw["travel"]
        }
        self.fixed: dict[tuple[str, date], str] = {
            (f["location"], date.fromisoformat(f["date"])): f["crew"] for f in raw["fixed"]
        }
        self.own_fixed: dict[tuple[str, date], set[str]] = {}
        for (location, day), crew in self.fixed.items():
            self.own_fixed.setdefault((crew, day), set()).add(location)

    def days_of(self, scene: dict[str, Any]) -> int:
        """Rule 1: ``ceil(minutes / max_minutes_per_day)`` dates (1 for a single-day scene)."""
        limit = self.crews[scene["crew"]]["max_minutes_per_day"]
        return max(1, math.ceil(scene["minutes"] / limit))

    def is_multi_day(self, scene: dict[str, Any]) -> bool:
        return bool(scene["minutes"] > self.crews[scene["crew"]]["max_minutes_per_day"])

    def base_of(self, location: str) -> str:
        return str(self.locations[location]["base"])


def reference_check(problem: dict[str, Any], plan: object) -> Verdict:
    """Every hard rule, the plan's form and the exact cost, read from the spec."""
    prob = Problem(problem)
    verdict = Verdict()
    if not isinstance(plan, dict):
        verdict.form.append("plan is not an object")
        return verdict
    placed, readable = read_assignments(prob, plan, verdict)
    check_form(prob, plan, placed, verdict)
    rule1_each_scene_once_and_multi_day_alone(prob, placed, verdict)
    rule2_dates_in_horizon_window_and_bounds(prob, placed, verdict)
    rule3_location_fits_scene_and_date(prob, placed, verdict)
    rule4_one_crew_per_location_one_location_per_crew(placed, verdict)
    rule5_daily_minutes(prob, placed, verdict)
    rule6_cast_available(prob, placed, verdict)
    rule7_travel_between_bases(prob, placed, verdict)
    rule8_after(placed, verdict)
    rule9_own_fixed_days(prob, placed, verdict)
    rule10_night_turnaround(placed, verdict)
    if readable:
        verdict.cost = cost_of(prob, placed)
    check_claims(plan, verdict)
    return verdict


def read_assignments(
    prob: Problem, plan: dict[str, Any], verdict: Verdict
) -> tuple[list[Placed], bool]:
    """The assignments that name a known scene, a known location and an ISO date."""
    raw = plan.get("assignments")
    if not isinstance(raw, list):
        verdict.form.append("assignments is not a list")
        return [], False
    placed: list[Placed] = []
    readable = True
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict):
            verdict.form.append(f"assignments[{i}] is not an object")
            readable = False
            continue
        scene_id, location_id = entry.get("scene"), entry.get("location")
        start = parse_iso(entry.get("date"))
        if not isinstance(scene_id, str) or scene_id not in prob.scenes:
            verdict.form.append(f"assignments[{i}]: unknown scene {scene_id!r}")
            readable = False
            continue
        if not isinstance(location_id, str) or location_id not in prob.locations:
            verdict.form.append(f"assignments[{i}]: unknown location {location_id!r}")
            readable = False
            continue
        if start is None:
            verdict.form.append(f"assignments[{i}]: bad date {entry.get('date')!r}")
            readable = False
            continue
        scene = prob.scenes[scene_id]
        dates = tuple(start + timedelta(days=k) for k in range(prob.days_of(scene)))
        placed.append(Placed(scene, prob.locations[location_id], dates))
    return placed, readable


def check_form(prob: Problem, plan: dict[str, Any], placed: list[Placed], verdict: Verdict) -> None:
    """``unscheduled`` lists exactly the unassigned scenes; status and bound are well typed."""
    if plan.get("status") not in STATUSES:
        verdict.form.append(f"status {plan.get('status')!r}")
    unscheduled = plan.get("unscheduled")
    if not isinstance(unscheduled, list):
        verdict.form.append("unscheduled is not a list")
    else:
        assigned = {p.scene["id"] for p in placed}
        # Scenes whose assignment could not be read are assigned all the same.
        raw = plan.get("assignments")
        if isinstance(raw, list):
            named = (e.get("scene") for e in raw if isinstance(e, dict))
            assigned |= {s for s in named if isinstance(s, str)}
        expected = sorted(s for s in prob.scenes if s not in assigned)
        if not all(isinstance(s, str) for s in unscheduled) or sorted(unscheduled) != expected:
            verdict.form.append("unscheduled does not list exactly the unassigned scenes")
    bound = plan.get("lower_bound")
    if "lower_bound" not in plan or (bound is not None and (not is_int(bound) or bound < 0)):
        verdict.form.append(f"lower_bound {bound!r}")
    seconds = plan.get("solve_seconds")
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, (int, float))
        or not math.isfinite(seconds)
        or seconds < 0
    ):
        verdict.form.append(f"solve_seconds {seconds!r}")
    claimed = plan.get("cost")
    if not isinstance(claimed, dict) or not all(is_int(claimed.get(t)) for t in COST_TERMS):
        verdict.form.append("cost is not six integers")


def check_claims(plan: dict[str, Any], verdict: Verdict) -> None:
    """The claimed cost is exact; ``lower_bound <= total``; OPTIMAL iff proven."""
    claimed = plan.get("cost")
    if verdict.cost is None or not isinstance(claimed, dict):
        return
    for term in COST_TERMS:
        if is_int(claimed.get(term)) and claimed[term] != verdict.cost[term]:
            verdict.form.append(f"cost.{term} {claimed[term]} != {verdict.cost[term]}")
    total = verdict.cost["total"]
    bound = plan.get("lower_bound")
    if is_int(bound) and bound > total:
        verdict.form.append(f"lower_bound {bound} > total {total}")
    # "OPTIMAL means proven: lower_bound == total", read both ways.
    if (plan.get("status") == "OPTIMAL") != (bound == total):
        status = plan.get("status")
        verdict.form.append(f"status {status!r} with lower_bound {bound!r}, total {total}")


def crew_days(placed: list[Placed]) -> dict[tuple[str, date], list[Placed]]:
    """Assignments by (crew, date), every date of a multi-day scene included."""
    by: dict[tuple[str, date], list[Placed]] = {}
    for p in placed:
        for day in p.dates:
            by.setdefault((p.crew, day), []).append(p)
    return by


def rule1_each_scene_once_and_multi_day_alone(
    prob: Problem, placed: list[Placed], verdict: Verdict
) -> None:
    """Each scene at most once; a multi-day scene's crew shoots nothing else on its dates."""
    seen: set[str] = set()
    for p in placed:
        if p.scene["id"] in seen:
            verdict.rules.add(1)
        seen.add(p.scene["id"])
    for group in crew_days(placed).values():
        if len(group) > 1 and any(prob.is_multi_day(p.scene) for p in group):
            verdict.rules.add(1)


def rule2_dates_in_horizon_window_and_bounds(
    prob: Problem, placed: list[Placed], verdict: Verdict
) -> None:
    """Every date a scene uses: in the horizon, the crew's window, earliest..latest."""
    for p in placed:
        earliest = p.scene["earliest"] and date.fromisoformat(p.scene["earliest"])
        latest = p.scene["latest"] and date.fromisoformat(p.scene["latest"])
        window = prob.crews[p.crew]["window"]
        for day in p.dates:
            if (
                not in_range(day, prob.raw["horizon"])
                or not in_range(day, window)
                or (earliest and day < earliest)
                or (latest and day > latest)
            ):
                verdict.rules.add(2)


def rule3_location_fits_scene_and_date(
    prob: Problem, placed: list[Placed], verdict: Verdict
) -> None:
    """Tags, allowed locations, unavailable dates, fixed for another crew."""
    for p in placed:
        loc = p.location
        if not set(p.scene["requires"]) <= set(loc["tags"]):
            verdict.rules.add(3)
        if p.scene["locations"] is not None and loc["id"] not in p.scene["locations"]:
            verdict.rules.add(3)
        closed = {date.fromisoformat(d) for d in loc["unavailable"]}
        for day in p.dates:
            holder = prob.fixed.get((loc["id"], day))
            if day in closed or (holder is not None and holder != p.crew):
                verdict.rules.add(3)


def rule4_one_crew_per_location_one_location_per_crew(
    placed: list[Placed], verdict: Verdict
) -> None:
    """A location hosts one crew a date; a crew is at one location a date."""
    crews_at: dict[tuple[str, date], set[str]] = {}
    locations_of: dict[tuple[str, date], set[str]] = {}
    for p in placed:
        for day in p.dates:
            crews_at.setdefault((p.location["id"], day), set()).add(p.crew)
            locations_of.setdefault((p.crew, day), set()).add(p.location["id"])
    if any(len(v) > 1 for v in crews_at.values()) or any(len(v) > 1 for v in locations_of.values()):
        verdict.rules.add(4)


def rule5_daily_minutes(prob: Problem, placed: list[Placed], verdict: Verdict) -> None:
    """Single-day scenes of one crew on one date fit its ``max_minutes_per_day``."""
    minutes: dict[tuple[str, date], int] = {}
    for p in placed:
        if not prob.is_multi_day(p.scene):
            key = (p.crew, p.dates[0])
            minutes[key] = minutes.get(key, 0) + p.scene["minutes"]
    for (crew, _), total in minutes.items():
        if total > prob.crews[crew]["max_minutes_per_day"]:
            verdict.rules.add(5)


def rule6_cast_available(prob: Problem, placed: list[Placed], verdict: Verdict) -> None:
    """No cast member works on one of their unavailable dates."""
    for p in placed:
        for member in p.scene["cast"]:
            off = {date.fromisoformat(d) for d in prob.cast[member]["unavailable"]}
            if off & set(p.dates):
                verdict.rules.add(6)


def rule7_travel_between_bases(prob: Problem, placed: list[Placed], verdict: Verdict) -> None:
    """Consecutive shooting dates of a crew at different bases need a travel entry."""
    for days in shooting_days(placed).values():
        for d1, d2 in itertools.pairwise(sorted(days)):
            for l1 in days[d1]:
                for l2 in days[d2]:
                    b1, b2 = prob.base_of(l1), prob.base_of(l2)
                    if b1 != b2 and frozenset((b1, b2)) not in prob.travel:
                        verdict.rules.add(7)


def rule8_after(placed: list[Placed], verdict: Verdict) -> None:
    """B after A, both scheduled: B's first date later than A's last date."""
    by_id: dict[str, list[Placed]] = {}
    for p in placed:
        by_id.setdefault(p.scene["id"], []).append(p)
    for b_list in by_id.values():
        for b in b_list:
            for a_id in b.scene.get("after", []):
                for a in by_id.get(a_id, []):
                    if not b.dates[0] > a.dates[-1]:
                        verdict.rules.add(8)


def rule9_own_fixed_days(prob: Problem, placed: list[Placed], verdict: Verdict) -> None:
    """On a date the crew has booked sets itself, it shoots only at one of them."""
    for p in placed:
        for day in p.dates:
            own = prob.own_fixed.get((p.crew, day))
            if own is not None and p.location["id"] not in own:
                verdict.rules.add(9)


def rule10_night_turnaround(placed: list[Placed], verdict: Verdict) -> None:
    """After a night scene on D, the crew shoots no day scene on D + 1."""
    days = {(p.crew, d) for p in placed if not p.scene.get("night", False) for d in p.dates}
    for p in placed:
        if p.scene.get("night", False):
            for day in p.dates:
                if day < date.max and (p.crew, day + timedelta(days=1)) in days:
                    verdict.rules.add(10)


def shooting_days(placed: list[Placed]) -> dict[str, dict[date, set[str]]]:
    """crew -> shooting date -> the locations it uses that date."""
    out: dict[str, dict[date, set[str]]] = {}
    for p in placed:
        for day in p.dates:
            out.setdefault(p.crew, {}).setdefault(day, set()).add(p.location["id"])
    return out


def cost_of(prob: Problem, placed: list[Placed]) -> dict[str, int] | None:
    """The five cost terms and their total, or None where the spec leaves it undefined."""
    if len({p.scene["id"] for p in placed}) != len(placed):
        return None
    days = shooting_days(placed)
    if any(len(locs) > 1 for per_crew in days.values() for locs in per_crew.values()):
        return None
    rent = 0
    for crew, per_crew in days.items():
        for day, locs in per_crew.items():
            for loc in locs:
                if prob.fixed.get((loc, day)) != crew:
                    rent += prob.locations[loc]["day_rate"]
    crew_cost = sum(
        prob.crews[crew]["day_cost"] * span(set(per_crew)) for crew, per_crew in days.items()
    )
    cast_days: dict[str, set[date]] = {}
    for p in placed:
        for member in p.scene["cast"]:
            cast_days.setdefault(member, set()).update(p.dates)
    cast_cost = sum(prob.cast[m]["day_cost"] * span(d) for m, d in cast_days.items())
    moves = 0
    for per_crew in days.values():
        ordered = [next(iter(per_crew[d])) for d in sorted(per_crew)]
        for l1, l2 in itertools.pairwise(ordered):
            if l1 == l2:
                continue
            b1, b2 = prob.base_of(l1), prob.base_of(l2)
            if b1 == b2:
                moves += prob.raw["same_base_move_cost"]
            elif frozenset((b1, b2)) in prob.travel:
                moves += prob.travel[frozenset((b1, b2))]
            else:
                return None
    unscheduled = prob.raw["unscheduled_penalty"] * (len(prob.scenes) - len(placed))
    cost = {
        "rent": rent,
        "crew": crew_cost,
        "cast": cast_cost,
        "moves": moves,
        "unscheduled": unscheduled,
    }
    cost["total"] = sum(cost.values())
    return cost
