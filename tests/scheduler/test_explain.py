"""Explanations: cost per crew, and one test per unscheduled-reason code."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from scheduler.cost import empty_plan
from scheduler.explain import (
    AFTER_CONSTRAINT,
    CAST_UNAVAILABLE,
    CREW_DAYS_FULL,
    LOCATIONS_BLOCKED,
    LOCATIONS_TAKEN,
    NIGHT_TURNAROUND,
    NO_ALLOWED_LOCATION,
    NO_LOCATION_WITH_TAGS,
    NO_TRAVEL_CONNECTION,
    OWN_FIXED_DAY,
    SLOT_AVAILABLE,
    WINDOW_TOO_SHORT,
    UnscheduledReason,
    explain,
)
from scheduler.io import parse_problem
from tests.scheduler.builders import PENALTY, domain_plan, problem_dict

Triples = list[tuple[str, str, int]]


def reason_for(
    scene: str, problem: dict[str, Any], triples: Triples | None = None
) -> UnscheduledReason:
    parsed = parse_problem(problem)
    plan = domain_plan(problem, triples) if triples else empty_plan(parsed)
    reasons = {u.scene: u for u in explain(parsed, plan).unscheduled}
    return reasons[scene]


def test_cost_per_crew_and_totals() -> None:
    problem = problem_dict()
    parsed = parse_problem(problem)
    plan = domain_plan(problem, [("S1", "L2", 1), ("S2", "L2", 1), ("S3", "L3", 3)])
    explanation = explain(parsed, plan)
    c1, c2 = explanation.crews
    assert (c1.crew, c1.rent, c1.crew_days, c1.cast, c1.moves) == (
        "C1",
        10000 + 40000,
        4 * 100000,
        40000 + 4 * 10000,
        9000,
    )
    assert (c1.scheduled_scenes, c1.unscheduled_scenes, c1.unscheduled) == (3, 1, PENALTY)
    assert (c1.shooting_days, c1.first_date, c1.last_date) == (3, "2027-03-01", "2027-03-04")
    assert (c2.total, c2.shooting_days, c2.first_date) == (PENALTY, 0, None)
    assert explanation.total["total"] == plan.cost.total == c1.total + c2.total
    data = explanation.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert [u["scene"] for u in data["unscheduled"]] == ["S4", "S5"]


def test_no_location_with_tags() -> None:
    problem = problem_dict()
    problem["scenes"][0]["requires"] = ["castle"]
    r = reason_for("S1", problem)
    assert r.code == NO_LOCATION_WITH_TAGS
    assert "castle" in r.message and r.message.startswith("S1:")


def test_no_allowed_location_when_list_empty_or_excludes_tagged() -> None:
    problem = problem_dict()
    problem["scenes"][4]["locations"] = []
    assert reason_for("S5", problem).code == NO_ALLOWED_LOCATION
    problem["scenes"][4]["locations"] = ["L3"]  # L3 has no street tag
    r = reason_for("S5", problem)
    assert r.code == NO_ALLOWED_LOCATION and "L3" in r.message


def test_window_too_short() -> None:
    problem = problem_dict()
    problem["scenes"][2]["earliest"] = "2027-03-08"  # S3 needs 2 days; window ends the 8th
    r = reason_for("S3", problem)
    assert r.code == WINDOW_TOO_SHORT and "2 consecutive" in r.message
    assert "earliest 2027-03-08" in r.message and "last day 2027-03-08" in r.message


def test_window_reason_names_the_binding_dates() -> None:
    """'earliest … is after the plan horizon's last day …': the fact to change, not a list
    of every bound that might matter."""
    problem = problem_dict()
    last = (date.fromisoformat(problem["horizon"]["end"]) - timedelta(days=1)).isoformat()
    problem["scenes"][0]["earliest"] = "2027-06-01"
    r = reason_for("S1", problem)
    assert r.code == WINDOW_TOO_SHORT
    assert r.message == "S1: earliest 2027-06-01 is after the crew's last day 2027-03-08"
    for crew in problem["crews"]:
        crew["window"]["end"] = "2027-12-31"
    r = reason_for("S1", problem)
    assert r.message == f"S1: earliest 2027-06-01 is after the plan horizon's last day {last}"


def test_cast_unavailable() -> None:
    problem = problem_dict()
    problem["scenes"][0]["earliest"] = problem["scenes"][0]["latest"] = "2027-03-04"
    r = reason_for("S1", problem)
    assert r.code == CAST_UNAVAILABLE and "A1" in r.message


def test_locations_blocked_by_fixed_or_maintenance() -> None:
    problem = problem_dict()
    problem["scenes"][4]["locations"] = ["L2"]
    problem["scenes"][4]["earliest"] = problem["scenes"][4]["latest"] = "2027-03-02"
    assert reason_for("S5", problem).code == LOCATIONS_BLOCKED
    problem = problem_dict()
    problem["scenes"][0]["requires"] = ["exterior"]  # only L1, closed on the 5th
    problem["scenes"][0]["earliest"] = problem["scenes"][0]["latest"] = "2027-03-05"
    assert reason_for("S1", problem).code == LOCATIONS_BLOCKED


def test_locations_taken_by_another_crew() -> None:
    problem = problem_dict()
    problem["scenes"][4]["locations"] = ["L2"]
    problem["scenes"][4]["earliest"] = problem["scenes"][4]["latest"] = "2027-03-03"
    r = reason_for("S5", problem, [("S1", "L2", 3)])
    assert r.code == LOCATIONS_TAKEN and "L2" in r.message


def test_after_constraint() -> None:
    # S4 must follow S1, which is shot on the 6th, S4's latest date.
    r = reason_for("S4", problem_dict(), [("S1", "L2", 6)])
    assert r.code == AFTER_CONSTRAINT and "S1" in r.message


def test_after_constraint_from_a_scheduled_successor() -> None:
    problem = problem_dict()
    problem["scenes"][3]["after"] = []
    problem["scenes"][0]["after"] = ["S4"]  # S1 after S4
    r = reason_for("S4", problem, [("S1", "L2", 3)])
    assert r.code == AFTER_CONSTRAINT


def test_crew_days_full() -> None:
    problem = problem_dict()
    problem["scenes"][3]["after"] = []
    problem["scenes"][3]["latest"] = "2027-03-03"
    r = reason_for("S4", problem, [("S1", "L2", 3), ("S2", "L2", 3)])
    assert r.code == CREW_DAYS_FULL and "minutes" in r.message


def test_crew_days_full_when_crew_is_at_a_location_that_does_not_fit() -> None:
    problem = problem_dict()
    problem["scenes"][3]["after"] = []
    problem["scenes"][3]["requires"] = ["palace"]
    problem["scenes"][3]["latest"] = "2027-03-03"
    r = reason_for("S4", problem, [("S1", "L2", 3)])
    assert r.code == CREW_DAYS_FULL and "does not fit" in r.message


def test_no_travel_connection() -> None:
    problem = problem_dict()
    problem["scenes"][3]["after"] = []
    problem["scenes"][3]["requires"] = ["exterior"]  # only L1 at SHB
    problem["scenes"][3]["earliest"] = "2027-03-02"
    problem["scenes"][3]["latest"] = "2027-03-02"
    r = reason_for("S4", problem, [("S1", "L4", 1), ("S2", "L4", 3)])
    assert r.code == NO_TRAVEL_CONNECTION


def test_slot_available_names_the_slot() -> None:
    r = reason_for("S1", problem_dict())
    assert r.code == SLOT_AVAILABLE
    assert (r.location, r.date) == ("L4", "2027-03-01")


def test_own_fixed_day_keeps_the_crew_at_its_own_set() -> None:
    # S1 needs an exterior street (L1 only) on the 7th, the day C1 booked L4 itself.
    problem = problem_dict()
    problem["scenes"][0]["requires"] = ["exterior"]
    problem["scenes"][0]["earliest"] = problem["scenes"][0]["latest"] = "2027-03-07"
    r = reason_for("S1", problem)
    assert r.code == OWN_FIXED_DAY and "C1" in r.message and "rule 9" in r.message
    # The same day booked by another production instead: the slot is open.
    problem["fixed"][1]["crew"] = "OTHER"
    assert reason_for("S1", problem).code == SLOT_AVAILABLE


def test_night_turnaround_after_a_night_shoot() -> None:
    # S2 by day can only go on the 3rd; the crew shot S1 at night on the 2nd.
    problem = problem_dict()
    problem["scenes"][0]["night"] = True
    problem["scenes"][1]["earliest"] = problem["scenes"][1]["latest"] = "2027-03-03"
    r = reason_for("S2", problem, [("S1", "L1", 2)])
    assert r.code == NIGHT_TURNAROUND and "night" in r.message
    # A night scene the day before a day scene, the other way round.
    problem["scenes"][1]["night"] = False
    problem["scenes"][0]["earliest"] = problem["scenes"][0]["latest"] = "2027-03-02"
    problem["scenes"][1]["earliest"] = problem["scenes"][1]["latest"] = None
    r = reason_for("S1", problem, [("S2", "L1", 3)])
    assert r.code == NIGHT_TURNAROUND and "day scenes" in r.message
    problem["scenes"][0]["night"] = False
    assert reason_for("S1", problem, [("S2", "L1", 3)]).code == SLOT_AVAILABLE
