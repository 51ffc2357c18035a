"""Local search on one crew: each neighbourhood finds the cheaper plan it exists for."""

from __future__ import annotations

import time
from datetime import date
from functools import partial
from typing import Any

from scheduler.checker import check_plan
from scheduler.cost import crew_cost, make_plan
from scheduler.domain import Assignment
from scheduler.io import parse_problem, plan_to_dict
from scheduler.local_search import improve_plan
from scheduler.scope import crew_scope
from tests.scheduler.builders import march


def _scene(sid: str, tag: str, cast: list[str]) -> dict[str, Any]:
    return {
        "id": sid,
        "crew": "C",
        "minutes": 400,
        "requires": [tag],
        "cast": cast,
        "earliest": None,
        "latest": None,
        "locations": None,
    }


def _problem() -> dict[str, Any]:
    """One crew; X and Z need set L1 and the star A, Y needs set L2 and nobody."""
    return {
        "horizon": {"start": "2027-03-01", "end": "2027-03-06"},
        "same_base_move_cost": 1000,
        "unscheduled_penalty": 10_000_000,
        "bases": [{"id": "B", "name": "B"}],
        "travel": [],
        "locations": [
            {"id": "L1", "base": "B", "tags": ["one"], "day_rate": 0, "unavailable": []},
            {"id": "L2", "base": "B", "tags": ["two"], "day_rate": 0, "unavailable": []},
        ],
        "crews": [
            {
                "id": "C",
                "window": {"start": "2027-03-01", "end": "2027-03-06"},
                "day_cost": 100,
                "max_minutes_per_day": 600,
            }
        ],
        "cast": [{"id": "A", "crew": "C", "day_cost": 50_000, "unavailable": []}],
        "scenes": [_scene("X", "one", ["A"]), _scene("Y", "two", []), _scene("Z", "one", ["A"])],
        "fixed": [],
    }


def test_two_shooting_days_trade_places_with_their_sets() -> None:
    raw = _problem()
    problem = parse_problem(raw)
    # X (L1), Y (L2), Z (L1) on the 1st, 2nd, 3rd: A waits a day, the crew moves twice.
    start = [
        Assignment("X", "L1", date(2027, 3, 1)),
        Assignment("Y", "L2", date(2027, 3, 2)),
        Assignment("Z", "L1", date(2027, 3, 3)),
    ]
    cost = partial(crew_cost, problem, "C")
    better = improve_plan(problem, crew_scope(problem, "C"), start, cost, time.monotonic() + 10)
    where = {a.scene: (a.location, a.date.day) for a in better}
    # Y's day traded places whole with one of A's days: A works two days in a row.
    assert abs(where["X"][1] - where["Z"][1]) == 1 and where["Y"][0] == "L2"
    assert cost(better) == cost(start) - 50_000 - 1000
    assert check_plan(raw, plan_to_dict(make_plan(problem, better))).valid


def test_a_shooting_day_moves_whole_into_an_idle_date_between_pinned_days() -> None:
    raw = _problem()
    raw["scenes"] = [
        _scene("X", "one", ["A"]),
        {**_scene("Y", "two", []), "earliest": march(2), "latest": march(2)},
        _scene("Z", "one", ["A"]),
        {**_scene("V", "two", []), "earliest": march(5), "latest": march(5)},
    ]
    problem = parse_problem(raw)
    # A works the 1st and the 4th; Y and V are pinned on the 2nd and 5th, the 3rd idle.
    # No scene fits beside another (400 + 400 > 600 minutes) and closing the gap would
    # shift a pinned day: only moving X's day into the 3rd brings A's days together.
    start = [
        Assignment("X", "L1", date(2027, 3, 1)),
        Assignment("Y", "L2", date(2027, 3, 2)),
        Assignment("Z", "L1", date(2027, 3, 4)),
        Assignment("V", "L2", date(2027, 3, 5)),
    ]
    cost = partial(crew_cost, problem, "C")
    better = improve_plan(problem, crew_scope(problem, "C"), start, cost, time.monotonic() + 10)
    days = {a.scene: a.date.day for a in better}
    assert days == {"X": 3, "Y": 2, "Z": 4, "V": 5}
    # Two days of A, a day of the crew and a move (L1 L2 L1 L2 became L2 L1 L1 L2).
    assert cost(better) == cost(start) - 2 * 50_000 - 100 - 1000
    assert check_plan(raw, plan_to_dict(make_plan(problem, better))).valid
