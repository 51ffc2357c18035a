"""Published talent-scheduling instances in the planning exchange format.

The classic problem (one crew, one set, whole-day scenes shot back to back,
actors paid from their first to their last day) is the single-crew,
single-location special case of the planning problem. The mapping follows
``shared/benchmarks/README.md``: one base, one location with day_rate 0, one
crew with day_cost 0 and 720 minutes a day whose window is the horizon, the
horizon as long as the sum of durations, each scene ``720 x duration_days``
minutes, nothing unavailable. The optimal plan's total then equals the
instance's ``optimum_by_convention.total``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from scheduler.cost import make_plan
from scheduler.domain import Assignment, Plan, Problem
from scheduler.io import parse_problem

MINUTES_PER_DAY = 720
BASE_ID = "BASE"
LOCATION_ID = "SET"
CREW_ID = "CREW"
DEFAULT_START = date(2027, 3, 1)


def talent_problem_dict(instance: Mapping[str, Any], start: date = DEFAULT_START) -> dict[str, Any]:
    """The exchange-format JSON of a talent-scheduling instance."""
    days = sum(int(s["duration_days"]) for s in instance["scenes"])
    end = (start + timedelta(days=days)).isoformat()
    actor_costs = [int(a["cost_per_day"]) for a in instance["actors"]]
    # Above what any full-horizon schedule can cost, so scheduling every scene is optimal.
    penalty = sum(actor_costs) * days + 1
    return {
        "horizon": {"start": start.isoformat(), "end": end},
        "same_base_move_cost": 0,
        "unscheduled_penalty": penalty,
        "bases": [{"id": BASE_ID, "name": str(instance.get("name", "talent"))}],
        "travel": [],
        "locations": [
            {"id": LOCATION_ID, "base": BASE_ID, "tags": [], "day_rate": 0, "unavailable": []}
        ],
        "crews": [
            {
                "id": CREW_ID,
                "window": {"start": start.isoformat(), "end": end},
                "day_cost": 0,
                "max_minutes_per_day": MINUTES_PER_DAY,
            }
        ],
        "cast": [
            {
                "id": a["name"],
                "crew": CREW_ID,
                "day_cost": int(a["cost_per_day"]),
                "unavailable": [],
            }
            for a in instance["actors"]
        ],
        "scenes": [
            {
                "id": s["name"],
                "crew": CREW_ID,
                "minutes": MINUTES_PER_DAY * int(s["duration_days"]),
                "requires": [],
                "cast": list(s["actors"]),
                "earliest": None,
                "latest": None,
                "locations": None,
                "after": [],
            }
            for s in instance["scenes"]
        ],
        "fixed": [],
    }


def talent_problem(instance: Mapping[str, Any], start: date = DEFAULT_START) -> Problem:
    """The validated Problem of a talent-scheduling instance."""
    return parse_problem(talent_problem_dict(instance, start))


def load_talent(path: str | Path, start: date = DEFAULT_START) -> Problem:
    """Read a ``shared/benchmarks/talent/*.json`` instance as a Problem."""
    with open(path, encoding="utf-8") as fh:
        return talent_problem(json.load(fh), start)


def plan_for_order(problem: Problem, order: Sequence[str]) -> Plan:
    """Shoot the given scenes back to back from the horizon start, at the one location.

    Meant for single-crew, single-location problems such as the talent instances.
    """
    location = problem.locations[0].id
    day = problem.horizon.start
    assignments: list[Assignment] = []
    for scene_id in order:
        assignments.append(Assignment(scene_id, location, day))
        day += timedelta(days=problem.scene_days(scene_id))
    return make_plan(problem, assignments)
