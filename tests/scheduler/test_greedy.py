"""The first-come baseline: valid plans and first-come choices."""

from __future__ import annotations

from datetime import date
from typing import Any

from benchmarks.generate import generate
from scheduler.checker import check_plan
from scheduler.cost import plan_cost
from scheduler.domain import Plan, Problem
from scheduler.greedy import greedy_plan, precedence_order
from scheduler.io import parse_problem, plan_to_dict
from tests.scheduler.builders import problem_dict


def run(problem: dict[str, Any]) -> tuple[Problem, Plan, dict[str, tuple[str, date]]]:
    parsed = parse_problem(problem)
    plan = greedy_plan(parsed)
    report = check_plan(problem, plan_to_dict(plan))
    assert report.valid, report.violations
    return parsed, plan, {a.scene: (a.location, a.date) for a in plan.assignments}


def d(day_of_month: int) -> date:
    return date(2027, 3, day_of_month)


def test_greedy_plan_on_the_hand_made_problem() -> None:
    parsed, plan, where = run(problem_dict())
    assert plan.status == "FEASIBLE"
    assert plan.lower_bound is None
    assert plan.unscheduled == ()
    # C1 first: the cheapest street location L4 on the 1st, S2 joins it the same day,
    # S3 (two days) right after, S4 not before its earliest date nor on S3's days.
    assert where == {
        "S1": ("L4", d(1)),
        "S2": ("L4", d(1)),
        "S3": ("L4", d(2)),
        "S4": ("L4", d(4)),
        # C2: L4 is taken by C1 on the 1st, so its other allowed location.
        "S5": ("L2", d(1)),
    }
    assert plan.cost == plan_cost(parsed, plan.assignments)
    assert plan.cost.total == 20000 + 10000 + 400000 + 50000 + 40000 + 30000 + 20000


def test_crews_go_by_window_start_not_input_order() -> None:
    problem = problem_dict()
    problem["crews"][0]["window"]["start"] = "2027-03-02"
    _, _, where = run(problem)
    assert where["S5"] == ("L4", d(1))  # C2 starts earlier and books first
    assert where["S1"] == ("L4", d(2))


def test_scene_waits_for_its_predecessors_listed_later_in_input() -> None:
    problem = problem_dict()
    problem["scenes"][0]["after"] = ["S2"]
    parsed = parse_problem(problem)
    order = [s.id for s in precedence_order(parsed.index.scenes_by_crew["C1"])]
    assert order == ["S2", "S1", "S3", "S4"]
    _, _, where = run(problem)
    assert where["S2"][1] == d(1)
    assert where["S1"][1] == d(2)


def test_unplaceable_predecessor_does_not_block_its_successor() -> None:
    problem = problem_dict()
    problem["scenes"][0]["requires"] = ["castle"]  # S1 fits nowhere
    _, plan, where = run(problem)
    assert plan.unscheduled == ("S1",)
    assert "S4" in where


def test_reuses_the_crews_location_of_the_day_only_when_it_fits() -> None:
    problem = problem_dict()
    problem["scenes"][1]["requires"] = ["exterior"]  # only L1 (SHB) carries it
    problem["travel"].append({"from": "XYZ", "to": "SHB", "cost": 100})
    _, _, where = run(problem)
    # S1 at L4 on the 1st; S2 cannot join at L4 (no exterior tag) nor move that day.
    assert where["S1"] == ("L4", d(1))
    assert where["S2"] == ("L1", d(2))


def test_without_travel_the_crew_cannot_leave_its_first_base() -> None:
    problem = problem_dict()
    problem["scenes"][1]["requires"] = ["exterior"]  # only L1 (SHB); XYZ-SHB has no travel
    _, plan, where = run(problem)
    assert where["S1"] == ("L4", d(1))
    assert plan.unscheduled == ("S2",)


def _line_problem() -> dict[str, Any]:
    """One crew; base A has LA (tag a, 100) and LB (50); base X has LX (1), no travel."""
    return {
        "horizon": {"start": "2027-03-01", "end": "2027-03-08"},
        "same_base_move_cost": 7,
        "unscheduled_penalty": 1000,
        "bases": [{"id": "A", "name": "A"}, {"id": "X", "name": "X"}],
        "travel": [],
        "locations": [
            {"id": "LA", "base": "A", "tags": ["a"], "day_rate": 100, "unavailable": []},
            {"id": "LB", "base": "A", "tags": [], "day_rate": 50, "unavailable": []},
            {"id": "LX", "base": "X", "tags": [], "day_rate": 1, "unavailable": []},
        ],
        "crews": [
            {
                "id": "C",
                "window": {"start": "2027-03-01", "end": "2027-03-08"},
                "day_cost": 10,
                "max_minutes_per_day": 600,
            }
        ],
        "cast": [],
        "scenes": [
            {
                "id": "S1",
                "crew": "C",
                "minutes": 400,
                "requires": ["a"],
                "cast": [],
                "earliest": None,
                "latest": None,
                "locations": None,
            },
            {
                "id": "S2",
                "crew": "C",
                "minutes": 400,
                "requires": ["a"],
                "cast": [],
                "earliest": "2027-03-03",
                "latest": None,
                "locations": None,
            },
            {
                "id": "S3",
                "crew": "C",
                "minutes": 400,
                "requires": [],
                "cast": [],
                "earliest": "2027-03-02",
                "latest": "2027-03-02",
                "locations": None,
            },
        ],
        "fixed": [],
    }


def test_inserted_day_must_be_reachable_from_both_neighbours() -> None:
    # S3 goes between S1 (LA, 1st) and S2 (LA, 3rd): LX is cheapest but base X has
    # no travel to A, so the cheapest reachable location LB is chosen.
    _, _, where = run(_line_problem())
    assert where == {"S1": ("LA", d(1)), "S2": ("LA", d(3)), "S3": ("LB", d(2))}


def test_first_shooting_day_can_be_anywhere_then_travel_binds() -> None:
    problem = _line_problem()
    problem["scenes"][2]["earliest"] = None
    problem["scenes"][2]["latest"] = None
    problem["scenes"] = [problem["scenes"][2], problem["scenes"][0], problem["scenes"][1]]
    _, plan, where = run(problem)
    # S3 first takes LX (cheapest, no neighbour yet); S1 then cannot reach base A
    # from X on the next shooting date, so nothing needing tag a fits.
    assert where["S3"] == ("LX", d(1))
    assert set(plan.unscheduled) == {"S1", "S2"}


def test_fixed_booking_of_another_crew_is_skipped_own_day_binds_the_crew() -> None:
    problem = _line_problem()
    problem["scenes"][2]["minutes"] = 200
    problem["fixed"] = [
        {"location": "LA", "crew": "OTHER", "date": "2027-03-01"},
        {"location": "LB", "crew": "C", "date": "2027-03-02"},
    ]
    _, plan, where = run(problem)
    # The 2nd is the crew's own day at LB: S1 (needs LA) waits for the 3rd (rule 9).
    assert where["S1"] == ("LA", d(3))
    assert where["S2"] == ("LA", d(4))
    assert where["S3"] == ("LB", d(2))  # shot at its own set, rent already paid
    assert plan.cost.rent == 2 * 100


def test_night_scene_is_not_followed_by_a_day_scene_the_next_day() -> None:
    problem = _line_problem()
    problem["fixed"] = []
    problem["scenes"][0]["night"] = True  # S1 at night on the 1st
    problem["scenes"][1]["earliest"] = None
    _, _, where = run(problem)
    assert where["S1"] == ("LA", d(1))
    # S2 by day cannot shoot on the 2nd, S3 (the 2nd only) cannot shoot at all.
    assert where["S2"] == ("LA", d(3))
    assert "S3" not in where


def test_multi_day_scene_needs_free_consecutive_dates_and_cast() -> None:
    problem = _line_problem()
    problem["scenes"][0]["minutes"] = 1500  # three days
    problem["cast"] = [{"id": "P", "crew": "C", "day_cost": 1, "unavailable": ["2027-03-02"]}]
    problem["scenes"][0]["cast"] = ["P"]
    _, _, where = run(problem)
    assert where["S1"] == ("LA", d(3))  # 1st-3rd would include P's day off
    assert where["S2"] == ("LA", d(6))
    assert where["S3"] == ("LB", d(2))


def test_version_1_problem_keeps_its_greedy_plan_cost() -> None:
    # small seed 2 has no night scene and no fixed entry of its own crews: its greedy
    # total is the one measured before version 2 (docs/benchmarks.md).
    raw = generate("small", 2)
    crews = {c["id"] for c in raw["crews"]}
    assert not any(f["crew"] in crews for f in raw["fixed"])
    assert not any("night" in s for s in raw["scenes"])
    assert greedy_plan(parse_problem(raw)).cost.total == 13_643_000
