"""Property tests over random small problems: two implementations cross-check.

- cost.py and the checker compute the same cost for any plan over known ids;
- the catalogue and the checker flag the same hard rules for any plan;
- greedy plans always pass the checker;
- an explanation says ``slot_available`` exactly when brute force finds a
  valid place for the scene.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.catalogue import all_violations
from scheduler.checker import check_plan
from scheduler.cost import empty_plan, plan_cost
from scheduler.domain import Assignment, Plan, Problem
from scheduler.explain import REASON_CODES, SLOT_AVAILABLE, explain
from scheduler.greedy import greedy_plan
from scheduler.io import parse_plan, parse_problem, plan_to_dict
from tests.scheduler.strategies import plan_dicts, problem_dicts

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def problem_and_plan(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    problem = draw(problem_dicts())
    return problem, draw(plan_dicts(problem))


@SETTINGS
@given(problem_and_plan())
def test_cost_and_checker_agree_on_any_plan(case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    problem, raw_plan = case
    parsed = parse_problem(problem)
    plan = parse_plan(raw_plan)
    cost = plan_cost(parsed, plan.assignments)
    report = check_plan(problem, raw_plan)
    assert report.cost == {
        "rent": cost.rent,
        "crew": cost.crew,
        "cast": cost.cast,
        "moves": cost.moves,
        "unscheduled": cost.unscheduled,
        "total": cost.total,
    }
    assert report.rules_broken() == {v.rule for v in all_violations(parsed, plan)}


@SETTINGS
@given(problem_dicts())
def test_greedy_plan_always_passes_the_checker(problem: dict[str, Any]) -> None:
    parsed = parse_problem(problem)
    plan = greedy_plan(parsed)
    report = check_plan(problem, plan_to_dict(plan))
    assert report.valid, report.violations
    assert all_violations(parsed, plan) == []
    assert plan.status == "FEASIBLE"
    assert plan.lower_bound is None


def _slots(problem: dict[str, Any], parsed: Problem, plan: Plan, scene: str) -> list[Assignment]:
    """Every (location, start date) that keeps all hard rules when the scene is added."""
    raw_plan = plan_to_dict(plan)
    found: list[Assignment] = []
    start = parsed.horizon.start - timedelta(days=1)
    for offset in range(len(parsed.horizon) + 2):
        day = start + timedelta(days=offset)
        for location in parsed.locations:
            raw_plan["assignments"].append(
                {"scene": scene, "location": location.id, "date": day.isoformat()}
            )
            if not check_plan(problem, raw_plan).rules_broken():
                found.append(Assignment(scene, location.id, day))
            raw_plan["assignments"].pop()
    return found


def _explanation_matches_brute_force(problem: dict[str, Any], plan: Plan) -> None:
    parsed = parse_problem(problem)
    explanation = explain(parsed, plan)
    assert [u.scene for u in explanation.unscheduled] == list(plan.unscheduled)
    assert explanation.total["total"] == plan.cost.total
    for reason in explanation.unscheduled:
        assert reason.code in REASON_CODES
        slots = _slots(problem, parsed, plan, reason.scene)
        if reason.code == SLOT_AVAILABLE:
            assert reason.location is not None and reason.date is not None
            slot = Assignment(reason.scene, reason.location, date.fromisoformat(reason.date))
            assert slot in slots
        else:
            assert slots == [], (reason, slots)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem_dicts(max_scenes=6, max_locations=4, max_days=7))
def test_explanations_of_greedy_plans_match_brute_force(problem: dict[str, Any]) -> None:
    _explanation_matches_brute_force(problem, greedy_plan(parse_problem(problem)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem_dicts(max_scenes=6, max_locations=4, max_days=7))
def test_explanations_of_empty_plans_match_brute_force(problem: dict[str, Any]) -> None:
    _explanation_matches_brute_force(problem, empty_plan(parse_problem(problem)))
