"""A binding / not-binding pair per hard rule, through the checker and the catalogue.

Each binding plan breaks exactly one rule; its near-identical twin keeps it.
Both the independent checker (raw JSON) and the catalogue (domain objects)
must agree on both.
"""

from __future__ import annotations

from typing import Any

import pytest

from scheduler.catalogue import HARD_CONSTRAINTS, all_violations, hard_constraint
from scheduler.checker import RULE_CODES, check_plan
from scheduler.io import parse_problem
from tests.scheduler.builders import domain_plan, plan_dict, problem_dict

Triples = list[tuple[str, str, int]]


def assert_breaks(rule: int, triples: Triples, problem: dict[str, Any] | None = None) -> None:
    problem = problem or problem_dict()
    report = check_plan(problem, plan_dict(problem, triples))
    assert report.rules_broken() == {rule}, report.violations
    assert report.codes() == {RULE_CODES[rule]}
    entry = hard_constraint(rule)
    assert entry.check(parse_problem(problem), domain_plan(problem, triples))
    caught = {v.rule for v in all_violations(parse_problem(problem), domain_plan(problem, triples))}
    assert caught == {rule}


def assert_keeps(triples: Triples, problem: dict[str, Any] | None = None) -> None:
    problem = problem or problem_dict()
    report = check_plan(problem, plan_dict(problem, triples))
    assert report.valid, report.violations
    assert all_violations(parse_problem(problem), domain_plan(problem, triples)) == []


def test_catalogue_lists_every_rule_once_with_a_hard_constraint_docstring() -> None:
    assert [c.rule for c in HARD_CONSTRAINTS] == list(range(1, 11))
    assert {c.rule: c.name for c in HARD_CONSTRAINTS} == RULE_CODES
    for entry in HARD_CONSTRAINTS:
        assert entry.doc.startswith("Hard constraint:")


# Rule 1: each scene at most once; a multi-day scene has its crew's dates to itself.


def test_rule1_binding_scene_assigned_twice() -> None:
    assert_breaks(1, [("S1", "L2", 1), ("S1", "L2", 3)])


def test_rule1_not_binding_scene_assigned_once() -> None:
    assert_keeps([("S1", "L2", 1), ("S2", "L2", 3)])


def test_rule1_binding_scene_shares_a_date_of_a_multi_day_scene() -> None:
    problem = problem_dict()
    problem["scenes"][3]["requires"] = ["palace"]  # S4 can then shoot at L3 too
    assert_breaks(1, [("S1", "L2", 1), ("S3", "L3", 3), ("S4", "L3", 4)], problem)


def test_rule1_not_binding_scene_on_the_day_after_a_multi_day_scene() -> None:
    problem = problem_dict()
    problem["scenes"][3]["requires"] = ["palace"]
    assert_keeps([("S1", "L2", 1), ("S3", "L3", 3), ("S4", "L3", 5)], problem)


# Rule 2: every date in the horizon, the crew window and earliest..latest.


def test_rule2_binding_after_crew_window() -> None:
    assert_breaks(2, [("S1", "L2", 9)])


def test_rule2_not_binding_last_window_day() -> None:
    assert_keeps([("S1", "L2", 8)])


def test_rule2_binding_multi_day_scene_runs_past_window() -> None:
    assert_breaks(2, [("S3", "L3", 8)])


def test_rule2_not_binding_multi_day_scene_ends_on_last_window_day() -> None:
    assert_keeps([("S3", "L4", 7)])


def test_rule2_binding_after_horizon() -> None:
    problem = problem_dict()
    problem["crews"][1]["window"]["end"] = "2027-03-20"  # window beyond the horizon
    assert_breaks(2, [("S5", "L2", 11)], problem)


def test_rule2_not_binding_last_horizon_day() -> None:
    assert_keeps([("S5", "L2", 10)])


def test_rule2_binding_before_earliest() -> None:
    assert_breaks(2, [("S1", "L1", 1), ("S4", "L1", 2)])


def test_rule2_binding_after_latest() -> None:
    assert_breaks(2, [("S1", "L2", 1), ("S4", "L2", 8)])


def test_rule2_not_binding_earliest_and_latest_inclusive() -> None:
    assert_keeps([("S1", "L2", 1), ("S4", "L2", 3)])
    assert_keeps([("S1", "L2", 1), ("S4", "L2", 6)])


# Rule 3: tags, allowed locations, unavailable dates, fixed for another crew.


def test_rule3_binding_missing_tag() -> None:
    assert_breaks(3, [("S1", "L3", 1)])


def test_rule3_not_binding_tags_carried() -> None:
    assert_keeps([("S1", "L1", 1)])


def test_rule3_binding_location_not_allowed() -> None:
    assert_breaks(3, [("S5", "L1", 1)])


def test_rule3_not_binding_allowed_location() -> None:
    assert_keeps([("S5", "L4", 1)])


def test_rule3_binding_location_unavailable() -> None:
    assert_breaks(3, [("S1", "L1", 5)])


def test_rule3_not_binding_location_available_next_day() -> None:
    assert_keeps([("S1", "L1", 6)])


def test_rule3_binding_fixed_for_another_production() -> None:
    assert_breaks(3, [("S1", "L2", 2)])


def test_rule3_not_binding_fixed_day_over() -> None:
    assert_keeps([("S1", "L2", 3)])


def test_rule3_binding_fixed_for_another_crew_on_a_later_day_of_a_multi_day_scene() -> None:
    problem = problem_dict()
    problem["fixed"][1]["crew"] = "C2"  # L4 on the 7th now belongs to C2
    assert_breaks(3, [("S3", "L4", 6)], problem)


def test_rule3_not_binding_fixed_for_own_crew() -> None:
    assert_keeps([("S3", "L4", 6)])


# Rule 4: one crew per location and date; one location per crew and date.


def test_rule4_binding_two_crews_share_a_location_day() -> None:
    assert_breaks(4, [("S1", "L2", 3), ("S5", "L2", 3)])


def test_rule4_not_binding_two_crews_on_different_days() -> None:
    assert_keeps([("S1", "L2", 3), ("S5", "L2", 4)])


def test_rule4_binding_crew_at_two_locations_on_a_date() -> None:
    assert_breaks(4, [("S1", "L1", 3), ("S2", "L2", 3)])


def test_rule4_not_binding_crew_keeps_one_location_for_the_day() -> None:
    assert_keeps([("S1", "L2", 3), ("S2", "L2", 3)])


# Rule 5: single-day minutes of a crew on a date within max_minutes_per_day.


def test_rule5_binding_day_over_minutes() -> None:
    problem = problem_dict()
    problem["scenes"][3]["after"] = []
    assert_breaks(5, [("S1", "L2", 3), ("S2", "L2", 3), ("S4", "L2", 3)], problem)


def test_rule5_not_binding_day_exactly_full() -> None:
    problem = problem_dict()
    problem["scenes"][3]["after"] = []
    assert_keeps([("S1", "L2", 3), ("S2", "L2", 3), ("S4", "L2", 4)], problem)


def test_rule5_not_binding_multi_day_minutes_are_not_summed() -> None:
    # 1000 minutes over two 600-minute days is rule 1's business, not rule 5's.
    assert_keeps([("S3", "L3", 3)])


# Rule 6: cast available.


def test_rule6_binding_cast_member_unavailable() -> None:
    assert_breaks(6, [("S1", "L2", 4)])


def test_rule6_not_binding_cast_member_available() -> None:
    assert_keeps([("S1", "L2", 3)])


def test_rule6_binding_unavailable_on_second_day_of_multi_day_scene() -> None:
    problem = problem_dict()
    problem["cast"][1]["unavailable"] = ["2027-03-04"]
    assert_breaks(6, [("S3", "L3", 3)], problem)


# Rule 7: consecutive shooting dates at different bases need travel.


def test_rule7_binding_no_travel_between_bases() -> None:
    assert_breaks(7, [("S1", "L2", 1), ("S3", "L4", 2)])


def test_rule7_not_binding_travel_exists() -> None:
    assert_keeps([("S1", "L2", 1), ("S3", "L3", 2)])


def test_rule7_binding_whatever_the_calendar_gap() -> None:
    assert_breaks(7, [("S1", "L2", 1), ("S3", "L4", 6)])


def test_rule7_not_binding_whatever_the_calendar_gap() -> None:
    assert_keeps([("S1", "L2", 1), ("S3", "L3", 5)])
    assert_keeps([("S1", "L4", 1), ("S3", "L4", 5)])


def test_rule7_binding_only_consecutive_shooting_dates_count() -> None:
    # SHB -> QWG -> XYZ: the second move has no travel even though SHB-QWG has.
    problem = problem_dict()
    problem["scenes"][3]["after"] = []
    assert_breaks(7, [("S1", "L2", 1), ("S3", "L3", 2), ("S4", "L4", 5)], problem)


# Rule 8: after precedence.


def test_rule8_binding_successor_on_same_day_as_predecessor() -> None:
    assert_breaks(8, [("S1", "L2", 3), ("S4", "L2", 3)])


def test_rule8_not_binding_successor_on_next_day() -> None:
    assert_keeps([("S1", "L2", 3), ("S4", "L2", 4)])


def test_rule8_binding_successor_before_multi_day_predecessor() -> None:
    problem = problem_dict()
    problem["scenes"][3]["after"] = ["S3"]
    assert_breaks(8, [("S4", "L3", 3), ("S3", "L3", 4)], problem)


def test_rule8_not_binding_successor_after_last_day_of_multi_day_predecessor() -> None:
    problem = problem_dict()
    problem["scenes"][3]["after"] = ["S3"]
    assert_keeps([("S3", "L3", 3), ("S4", "L3", 5)], problem)


def test_rule8_not_binding_when_predecessor_unscheduled() -> None:
    assert_keeps([("S4", "L2", 3)])


# Rule 9: on a date the crew booked sets itself (L4 for C1 on the 7th), there or nowhere.


def test_rule9_binding_crew_sent_to_another_set_on_its_own_day() -> None:
    assert_breaks(9, [("S1", "L2", 7)])


def test_rule9_not_binding_crew_shoots_at_its_own_set() -> None:
    assert_keeps([("S1", "L4", 7)])


def test_rule9_not_binding_own_day_left_unused() -> None:
    assert_keeps([("S1", "L2", 6), ("S2", "L2", 8)])


def test_rule9_binding_multi_day_scene_runs_into_the_own_day_elsewhere() -> None:
    assert_breaks(9, [("S3", "L3", 6)])


def test_rule9_not_binding_multi_day_scene_runs_into_the_own_day_there() -> None:
    assert_keeps([("S3", "L4", 6)])


def test_rule9_several_own_sets_on_one_date_any_one_of_them() -> None:
    problem = problem_dict()
    problem["fixed"].append({"location": "L1", "crew": "C1", "date": "2027-03-07"})
    assert_keeps([("S1", "L1", 7)], problem)
    assert_keeps([("S1", "L4", 7)], problem)
    assert_breaks(9, [("S1", "L2", 7)], problem)


def test_rule9_not_binding_for_a_crew_without_own_days() -> None:
    problem = problem_dict()
    problem["fixed"][1]["crew"] = "OTHER"  # a version 1 problem: no own-crew fixed entry
    assert_keeps([("S1", "L2", 7)], problem)


# Rule 10: after a night the crew shoots no day scene the next calendar date.


def _night(*scenes: int) -> dict[str, Any]:
    problem = problem_dict()
    for i in scenes:
        problem["scenes"][i]["night"] = True
    return problem


def test_rule10_binding_day_scene_the_day_after_a_night() -> None:
    assert_breaks(10, [("S1", "L1", 2), ("S2", "L1", 3)], _night(0))


def test_rule10_not_binding_a_rest_day_between() -> None:
    assert_keeps([("S1", "L1", 1), ("S2", "L1", 3)], _night(0))


def test_rule10_not_binding_day_and_night_share_a_date() -> None:
    assert_keeps([("S1", "L1", 2), ("S2", "L1", 2)], _night(0))


def test_rule10_not_binding_night_after_a_day() -> None:
    assert_keeps([("S2", "L1", 2), ("S1", "L1", 3)], _night(0))


def test_rule10_not_binding_night_after_a_night() -> None:
    assert_keeps([("S1", "L1", 2), ("S2", "L1", 3)], _night(0, 1))


def test_rule10_binding_day_scene_after_the_last_night_of_a_multi_day_scene() -> None:
    assert_breaks(10, [("S3", "L3", 2), ("S4", "L3", 4)], _night(2))


def test_rule10_not_binding_day_scene_two_days_after() -> None:
    assert_keeps([("S3", "L3", 2), ("S4", "L3", 5)], _night(2))


def test_rule10_not_binding_between_crews() -> None:
    problem = _night(0)
    assert_keeps([("S1", "L1", 2), ("S5", "L2", 3)], problem)


@pytest.mark.parametrize("rule", range(1, 11))
def test_rule_entries_are_documented(rule: int) -> None:
    entry = hard_constraint(rule)
    assert entry is hard_constraint(entry.name)
    assert len(entry.doc) > 40
