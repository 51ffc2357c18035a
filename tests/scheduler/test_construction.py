"""The constructive heuristic lays a crew's days where its calendar lets them stay together."""

from __future__ import annotations

import random
import time
from functools import partial
from typing import Any

from scheduler.checker import check_plan
from scheduler.construction import _Day, _with_rests_refined, crew_heuristic_plans
from scheduler.cost import crew_cost, make_plan
from scheduler.io import parse_problem, plan_to_dict
from scheduler.scope import crew_scope


def _scene(sid: str, cast: list[str], earliest: str | None = None) -> dict[str, Any]:
    return {
        "id": sid,
        "crew": "C",
        "minutes": 500,
        "requires": ["street"],
        "cast": cast,
        "earliest": earliest,
        "latest": None,
        "locations": None,
    }


def test_days_go_after_a_wall_of_the_crews_own_booked_days() -> None:
    # The crew booked a stage (no scene fits it) from 20 to 24 March: on those dates it
    # shoots there or nowhere (rule 9). Z may only be shot from the 25th, so X, which
    # shares the star with Z, belongs beside it after the wall, not on the 1st.
    own = [{"location": "STAGE", "crew": "C", "date": f"2027-03-{d}"} for d in range(20, 25)]
    raw = {
        "horizon": {"start": "2027-03-01", "end": "2027-04-30"},
        "same_base_move_cost": 1000,
        "unscheduled_penalty": 10_000_000,
        "bases": [{"id": "B", "name": "B"}],
        "travel": [],
        "locations": [
            {"id": "ST", "base": "B", "tags": ["street"], "day_rate": 0, "unavailable": []},
            {"id": "STAGE", "base": "B", "tags": ["stage"], "day_rate": 0, "unavailable": []},
        ],
        "crews": [
            {
                "id": "C",
                "window": {"start": "2027-03-01", "end": "2027-04-10"},
                "day_cost": 1000,
                "max_minutes_per_day": 600,
            }
        ],
        "cast": [{"id": "STAR", "crew": "C", "day_cost": 100_000, "unavailable": []}],
        "scenes": [_scene("X", ["STAR"]), _scene("Z", ["STAR"], earliest="2027-03-25")],
        "fixed": own,
    }
    problem = parse_problem(raw)
    plans = crew_heuristic_plans(
        problem, crew_scope(problem, "C"), random.Random(1), time.monotonic() + 5
    )
    best = min(plans, key=partial(crew_cost, problem, "C"))
    days = sorted(a.date.day for a in best)
    assert days == [25, 26] and {a.date.month for a in best} == {3}
    assert check_plan(raw, plan_to_dict(make_plan(problem, best))).valid


def test_the_rest_day_after_a_night_is_counted_when_ordering_days() -> None:
    # Days: D1 (star), N (night, star), D2 (star). In any order with N between the day
    # days the crew and the star rest a date after the night; with N last they do not.
    raw = {
        "horizon": {"start": "2027-03-01", "end": "2027-03-20"},
        "same_base_move_cost": 0,
        "unscheduled_penalty": 10_000_000,
        "bases": [{"id": "B", "name": "B"}],
        "travel": [],
        "locations": [
            {"id": "ST", "base": "B", "tags": ["street"], "day_rate": 0, "unavailable": []}
        ],
        "crews": [
            {
                "id": "C",
                "window": {"start": "2027-03-01", "end": "2027-03-20"},
                "day_cost": 1000,
                "max_minutes_per_day": 600,
            }
        ],
        "cast": [{"id": "STAR", "crew": "C", "day_cost": 100_000, "unavailable": []}],
        "scenes": [
            _scene("D1", ["STAR"]),
            {**_scene("N", ["STAR"]), "night": True},
            _scene("D2", ["STAR"]),
        ],
        "fixed": [],
    }
    problem = parse_problem(raw)
    days = {s.id: _Day([s], {"ST"}, s.minutes, 1, set(s.cast)) for s in problem.scenes}
    ordered = [days["D1"], days["N"], days["D2"]]
    refined = _with_rests_refined(problem, "C", ordered, [[0, 1, 2]])
    assert [ordered[i].scenes[0].id for i in refined][-1] == "N"
