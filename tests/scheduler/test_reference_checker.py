"""Our checker against a second, independent reading of the spec.

``reference_checker`` was written from the spec text alone. On random
problems and on plans of every kind (the solver's, greedy's, random ones and
small perturbations of each, mostly invalid) both must reach the same verdict,
flag the same hard rules and compute the same exact cost, term by term.
Claims (cost, bound, status) are filled in from the reference's cost, so that
the verdict turns on the hard rules rather than on a placeholder cost.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.checker import check_plan
from scheduler.greedy import greedy_plan
from scheduler.io import parse_problem, plan_to_dict
from scheduler.solver import SolveOptions, solve
from tests.scheduler.builders import plan_dict, problem_dict
from tests.scheduler.reference_checker import reference_check
from tests.scheduler.strategies import plan_dicts, problem_dicts

FAST = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
SOLVER = settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
GOOD = [("S1", "L2", 1), ("S2", "L2", 1), ("S3", "L3", 3), ("S4", "L2", 6)]


def with_exact_claims(problem: dict[str, Any], plan: dict[str, Any]) -> dict[str, Any]:
    """The plan claiming the reference's exact cost, its bound and status coherent."""
    cost = reference_check(problem, plan).cost
    if cost is None:
        return plan
    plan = copy.deepcopy(plan)
    plan["cost"] = dict(cost)
    bound = plan.get("lower_bound")
    if bound is not None:
        plan["lower_bound"] = min(bound, cost["total"])
    plan["status"] = "OPTIMAL" if plan.get("lower_bound") == cost["total"] else "FEASIBLE"
    return plan


def assert_agree(problem: dict[str, Any], plan: dict[str, Any]) -> None:
    """Same verdict, same hard rules broken, same cost wherever the spec defines one."""
    ref = reference_check(problem, plan)
    ours = check_plan(problem, plan)
    assert ours.valid == ref.valid, (ours.violations, ref)
    assert ours.rules_broken() == ref.rules, (ours.violations, ref)
    if ref.cost is not None:
        assert ours.cost == ref.cost


@st.composite
def perturbed(draw: st.DrawFn, problem: dict[str, Any], plan: dict[str, Any]) -> dict[str, Any]:
    """The plan with one or two small edits: a date shifted, a location changed, a
    scene dropped, added, or two scenes' dates swapped (usually breaking a rule)."""
    plan = copy.deepcopy(plan)
    assignments: list[dict[str, Any]] = plan["assignments"]
    locations = [loc["id"] for loc in problem["locations"]]
    for _ in range(draw(st.integers(1, 2))):
        edit = draw(st.sampled_from(["shift", "move", "drop", "add", "swap"]))
        if edit == "shift" and assignments:
            a = draw(st.sampled_from(assignments))
            delta = draw(st.sampled_from([-2, -1, 1, 2]))
            a["date"] = (date.fromisoformat(a["date"]) + timedelta(days=delta)).isoformat()
        elif edit == "move" and assignments:
            draw(st.sampled_from(assignments))["location"] = draw(st.sampled_from(locations))
        elif edit == "drop" and assignments:
            gone = assignments.pop(draw(st.integers(0, len(assignments) - 1)))
            plan["unscheduled"].append(gone["scene"])
        elif edit == "add" and plan["unscheduled"]:
            scene = plan["unscheduled"].pop(draw(st.integers(0, len(plan["unscheduled"]) - 1)))
            start = date.fromisoformat(problem["horizon"]["start"])
            when = start + timedelta(days=draw(st.integers(-1, 10)))
            location = draw(st.sampled_from(locations))
            assignments.append({"scene": scene, "location": location, "date": when.isoformat()})
        elif edit == "swap" and len(assignments) > 1:
            i, j = draw(
                st.lists(st.integers(0, len(assignments) - 1), min_size=2, max_size=2, unique=True)
            )
            assignments[i]["date"], assignments[j]["date"] = (
                assignments[j]["date"],
                assignments[i]["date"],
            )
    return plan


@FAST
@given(st.data())
def test_agree_on_random_plans_and_their_perturbations(data: st.DataObject) -> None:
    problem = data.draw(problem_dicts())
    plan = data.draw(plan_dicts(problem))
    assert_agree(problem, plan)
    plan = with_exact_claims(problem, plan)
    assert_agree(problem, plan)
    assert_agree(problem, with_exact_claims(problem, data.draw(perturbed(problem, plan))))


@FAST
@given(st.data())
def test_agree_on_greedy_plans_and_their_perturbations(data: st.DataObject) -> None:
    problem = data.draw(problem_dicts())
    plan = plan_to_dict(greedy_plan(parse_problem(problem)))
    assert reference_check(problem, plan).valid
    assert_agree(problem, plan)
    for _ in range(2):
        assert_agree(problem, with_exact_claims(problem, data.draw(perturbed(problem, plan))))


@SOLVER
@given(st.data())
def test_agree_on_solver_plans_and_their_perturbations(data: st.DataObject) -> None:
    problem = data.draw(problem_dicts(max_scenes=6, max_days=6))
    plan = plan_to_dict(solve(parse_problem(problem), SolveOptions(time_limit=1.0, workers=1)))
    verdict = reference_check(problem, plan)
    assert verdict.valid, verdict
    assert_agree(problem, plan)
    for _ in range(3):
        assert_agree(problem, with_exact_claims(problem, data.draw(perturbed(problem, plan))))


def good_plan() -> tuple[dict[str, Any], dict[str, Any]]:
    problem = problem_dict()
    return problem, plan_dict(problem, GOOD)


@pytest.mark.parametrize(
    "text", ["20270301", "2027-3-1", "2027-03-01T00:00", " 2027-03-01", "2027-02-30", "2027-W09-1"]
)
def test_only_iso_calendar_dates_are_read(text: str) -> None:
    """Python's ``fromisoformat`` takes ``20270301``; the spec's dates are ``YYYY-MM-DD``."""
    problem, plan = good_plan()
    plan["assignments"][0]["date"] = text
    assert not reference_check(problem, plan).valid
    assert not check_plan(problem, plan).valid


@pytest.mark.parametrize(
    "edit",
    [
        lambda p: p.update(unscheduled=p["unscheduled"] * 2),
        lambda p: p.update(lower_bound=True),
        lambda p: p.pop("lower_bound"),
        lambda p: p.update(solve_seconds=float("nan")),
        lambda p: p.update(lower_bound=p["cost"]["total"]),  # proven, yet FEASIBLE
        lambda p: p["assignments"].append(dict(p["assignments"][0])),
    ],
)
def test_both_refuse_malformed_claims(edit: Any) -> None:
    problem, plan = good_plan()
    assert reference_check(problem, plan).valid
    edit(plan)
    assert not reference_check(problem, plan).valid
    assert not check_plan(problem, plan).valid
