"""A small hand-made problem and helpers to write plans for it by hand.

The problem (dates are March 2027, the horizon is the 1st to the 10th):

- bases SHB and QWG are connected by travel (9000); XYZ is connected to none;
- L1 (SHB, street+exterior, 30000, closed on the 5th), L2 (SHB, street, 10000),
  L3 (QWG, palace, 20000), L4 (XYZ, street+palace, 5000);
- crew C1 (window 1st-8th, 100000/day, 600 min/day) with A1 (40000, off on
  the 4th) and A2 (10000); crew C2 (window 1st-10th, 50000/day, 480 min/day)
  with B1 (20000);
- scenes S1 (C1, 300 min, street, A1), S2 (C1, 300, street, A1+A2),
  S3 (C1, 1000 min = 2 days, palace, A2), S4 (C1, 120, earliest 3rd,
  latest 6th, after S1), S5 (C2, 200, street, B1, only L2 or L4);
- fixed: L2 on the 2nd for another production, L4 on the 7th for C1 itself.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from scheduler.cost import make_plan
from scheduler.domain import Assignment, Plan, PlanStatus
from scheduler.io import parse_problem, plan_to_dict

PENALTY = 1_000_000
SAME_BASE = 2000

_PROBLEM: dict[str, Any] = {
    "horizon": {"start": "2027-03-01", "end": "2027-03-11"},
    "same_base_move_cost": SAME_BASE,
    "unscheduled_penalty": PENALTY,
    "bases": [
        {"id": "SHB", "name": "上海滩 Shanghai Bund"},
        {"id": "QWG", "name": "秦王宫 Qin Palace"},
        {"id": "XYZ", "name": "Remote lot"},
    ],
    "travel": [{"from": "SHB", "to": "QWG", "cost": 9000}],
    "locations": [
        {
            "id": "L1",
            "base": "SHB",
            "tags": ["street", "exterior"],
            "day_rate": 30000,
            "unavailable": ["2027-03-05"],
        },
        {"id": "L2", "base": "SHB", "tags": ["street"], "day_rate": 10000, "unavailable": []},
        {"id": "L3", "base": "QWG", "tags": ["palace"], "day_rate": 20000, "unavailable": []},
        {
            "id": "L4",
            "base": "XYZ",
            "tags": ["street", "palace"],
            "day_rate": 5000,
            "unavailable": [],
        },
    ],
    "crews": [
        {
            "id": "C1",
            "window": {"start": "2027-03-01", "end": "2027-03-09"},
            "day_cost": 100000,
            "max_minutes_per_day": 600,
        },
        {
            "id": "C2",
            "window": {"start": "2027-03-01", "end": "2027-03-11"},
            "day_cost": 50000,
            "max_minutes_per_day": 480,
        },
    ],
    "cast": [
        {"id": "A1", "crew": "C1", "day_cost": 40000, "unavailable": ["2027-03-04"]},
        {"id": "A2", "crew": "C1", "day_cost": 10000, "unavailable": []},
        {"id": "B1", "crew": "C2", "day_cost": 20000, "unavailable": []},
    ],
    "scenes": [
        {
            "id": "S1",
            "crew": "C1",
            "minutes": 300,
            "requires": ["street"],
            "cast": ["A1"],
            "earliest": None,
            "latest": None,
            "locations": None,
            "after": [],
        },
        {
            "id": "S2",
            "crew": "C1",
            "minutes": 300,
            "requires": ["street"],
            "cast": ["A1", "A2"],
            "earliest": None,
            "latest": None,
            "locations": None,
        },
        {
            "id": "S3",
            "crew": "C1",
            "minutes": 1000,
            "requires": ["palace"],
            "cast": ["A2"],
            "earliest": None,
            "latest": None,
            "locations": None,
            "after": [],
        },
        {
            "id": "S4",
            "crew": "C1",
            "minutes": 120,
            "requires": [],
            "cast": [],
            "earliest": "2027-03-03",
            "latest": "2027-03-06",
            "locations": None,
            "after": ["S1"],
        },
        {
            "id": "S5",
            "crew": "C2",
            "minutes": 200,
            "requires": ["street"],
            "cast": ["B1"],
            "earliest": None,
            "latest": None,
            "locations": ["L2", "L4"],
            "after": [],
        },
    ],
    "fixed": [
        {"location": "L2", "crew": "OTHER", "date": "2027-03-02"},
        {"location": "L4", "crew": "C1", "date": "2027-03-07"},
    ],
}


def problem_dict() -> dict[str, Any]:
    """A fresh deep copy of the hand-made problem, free to mutate."""
    return copy.deepcopy(_PROBLEM)


def march(day_of_month: int) -> str:
    return f"2027-03-{day_of_month:02d}"


def plan_dict(
    problem: dict[str, Any],
    triples: Iterable[tuple[str, str, int]],
    *,
    status: PlanStatus = "FEASIBLE",
    lower_bound: int | None = None,
) -> dict[str, Any]:
    """Plan JSON for (scene, location, day of March), cost filled in by cost.py."""
    from datetime import date

    parsed = parse_problem(problem)
    assignments = [Assignment(s, loc, date(2027, 3, d)) for s, loc, d in triples]
    return plan_to_dict(make_plan(parsed, assignments, status=status, lower_bound=lower_bound))


def domain_plan(problem: dict[str, Any], triples: Iterable[tuple[str, str, int]]) -> Plan:
    """The same plan as domain objects (assignment order kept)."""
    from datetime import date

    parsed = parse_problem(problem)
    assignments = tuple(Assignment(s, loc, date(2027, 3, d)) for s, loc, d in triples)
    plan = make_plan(parsed, assignments)
    return Plan(plan.status, assignments, plan.unscheduled, plan.cost)
