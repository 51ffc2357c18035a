"""The exact optimum of a tiny problem by enumeration, judged by the reference checker.

Independent of the solver, our checker and cost.py: every scene is either
left out or started at some location on some horizon date, and the cheapest
combination the reference checker calls valid wins.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from tests.scheduler.reference_checker import reference_check


def brute_force_optimum(problem: dict[str, Any]) -> int:
    """The least total over every valid plan (leaving all out is always valid)."""
    start = date.fromisoformat(problem["horizon"]["start"])
    end = date.fromisoformat(problem["horizon"]["end"])
    starts = [(start + timedelta(days=k)).isoformat() for k in range((end - start).days)]
    places = [(loc["id"], d) for loc in problem["locations"] for d in starts]
    choices: list[list[tuple[str, str] | None]] = [[None, *places] for _ in problem["scenes"]]
    best: int | None = None
    for combo in itertools.product(*choices):
        plan = {
            "status": "FEASIBLE",
            "assignments": [
                {"scene": s["id"], "location": c[0], "date": c[1]}
                for s, c in zip(problem["scenes"], combo, strict=True)
                if c is not None
            ],
            "unscheduled": [
                s["id"] for s, c in zip(problem["scenes"], combo, strict=True) if c is None
            ],
            "cost": dict.fromkeys(("rent", "crew", "cast", "moves", "unscheduled", "total"), 0),
            "lower_bound": None,
            "solve_seconds": 0.0,
        }
        verdict = reference_check(problem, plan)
        if verdict.rules or verdict.cost is None:
            continue
        total = verdict.cost["total"]
        if best is None or total < best:
            best = total
    assert best is not None, "leaving every scene out is always valid"
    return best
