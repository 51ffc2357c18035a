"""Plan-form rules of the checker: unscheduled list, ids, claimed cost, bound, status."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scheduler.checker import check_plan
from tests.scheduler.builders import plan_dict, problem_dict

GOOD = [("S1", "L2", 1), ("S2", "L2", 1), ("S3", "L3", 3), ("S4", "L2", 6)]


def good_plan() -> tuple[dict[str, Any], dict[str, Any]]:
    problem = problem_dict()
    return problem, plan_dict(problem, GOOD)


def codes(problem: dict[str, Any], plan: object) -> set[str]:
    return check_plan(problem, plan).codes()


def test_good_plan_is_valid_and_report_is_json() -> None:
    problem, plan = good_plan()
    report = check_plan(problem, plan)
    assert report.valid
    assert report.cost["total"] == plan["cost"]["total"]
    json.dumps(report.to_dict())


def test_unscheduled_must_list_exactly_the_unassigned_scenes() -> None:
    problem, plan = good_plan()
    plan["unscheduled"] = []
    assert codes(problem, plan) == {"unscheduled_list"}
    plan["unscheduled"] = ["S5", "S1"]
    assert codes(problem, plan) == {"unscheduled_list"}
    plan["unscheduled"] = ["S5", "S5"]
    assert codes(problem, plan) == {"unscheduled_list"}


def test_unknown_ids_are_reported() -> None:
    problem, plan = good_plan()
    plan["assignments"].append({"scene": "NOPE", "location": "L2", "date": "2027-03-07"})
    assert codes(problem, plan) == {"unknown_scene"}
    problem, plan = good_plan()
    plan["assignments"][0]["location"] = "L99"
    assert "unknown_location" in codes(problem, plan)
    problem, plan = good_plan()
    plan["unscheduled"].append("GHOST")
    assert codes(problem, plan) == {"unknown_scene"}


@pytest.mark.parametrize("term", ["rent", "crew", "cast", "moves", "unscheduled", "total"])
def test_each_claimed_cost_term_must_be_exact(term: str) -> None:
    problem, plan = good_plan()
    plan["cost"][term] += 1
    report = check_plan(problem, plan)
    assert report.codes() == {"cost_mismatch"}
    assert any(f"cost.{term}" in v.message for v in report.violations)


def test_cost_fields_must_be_integers() -> None:
    problem, plan = good_plan()
    plan["cost"]["rent"] = float(plan["cost"]["rent"])
    assert codes(problem, plan) == {"plan_form"}
    del plan["cost"]["moves"]
    assert codes(problem, plan) == {"plan_form"}


def test_lower_bound_null_or_integer_at_most_total() -> None:
    problem, plan = good_plan()
    total = plan["cost"]["total"]
    for ok in (None, 0, total - 1):
        plan["lower_bound"] = ok
        assert check_plan(problem, plan).valid
    for bad in (-1, total + 1, 1.5, True, "0"):
        plan["lower_bound"] = bad
        assert codes(problem, plan) == {"lower_bound"}, bad


def test_optimal_requires_lower_bound_equal_total() -> None:
    problem, plan = good_plan()
    plan["status"] = "OPTIMAL"
    plan["lower_bound"] = plan["cost"]["total"]
    assert check_plan(problem, plan).valid
    plan["lower_bound"] = plan["cost"]["total"] - 1
    assert codes(problem, plan) == {"lower_bound"}
    plan["lower_bound"] = None
    assert codes(problem, plan) == {"lower_bound"}


def test_a_proven_plan_must_say_optimal() -> None:
    """The spec's "OPTIMAL means proven: lower_bound == total", read both ways."""
    problem, plan = good_plan()
    plan["lower_bound"] = plan["cost"]["total"]
    assert codes(problem, plan) == {"lower_bound"}
    plan["status"] = "OPTIMAL"
    assert check_plan(problem, plan).valid


def test_status_must_be_optimal_or_feasible() -> None:
    problem, plan = good_plan()
    plan["status"] = "INFEASIBLE"
    assert codes(problem, plan) == {"status"}


def test_malformed_plans_never_raise() -> None:
    problem = problem_dict()
    malformed: list[object] = [
        None,
        [],
        {"assignments": "x"},
        {"assignments": [1, {"scene": "S1"}]},
    ]
    for bad in malformed:
        assert not check_plan(problem, bad).valid
    _, plan = good_plan()
    plan["assignments"][0]["date"] = "2027-02-30"
    assert "plan_form" in codes(problem, plan)
    _, plan = good_plan()
    plan["solve_seconds"] = -1
    assert codes(problem, plan) == {"plan_form"}


def test_scene_with_unknown_location_is_not_double_reported_as_unlisted() -> None:
    problem, plan = good_plan()
    plan["assignments"][0]["location"] = "L99"
    report = check_plan(problem, plan)
    assert "unscheduled_list" not in report.codes()
