"""The CP-SAT crew model, rule by rule: a binding / not-binding pair per catalogue rule.

A plan written by hand is fixed in the model of every crew of the small problem
of ``builders.py`` (each start it makes set to 1, every other start to 0, each
location-day it uses set to 1). A plan that breaks a hard rule must leave the
model infeasible, or, for the rules the scope keeps, need a variable the scope
never made; its near twin must be feasible. Under a fixed plan each cost term
of the model must equal the catalogue's amount, on a plan that pays it and on
one that does not (or pays less).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from ortools.sat.python import cp_model

from scheduler.catalogue import COST_TERMS, HARD_CONSTRAINTS, all_violations
from scheduler.cost import make_plan, plan_cost
from scheduler.crew_model import (
    CREW_RULES,
    SCOPE_RULES,
    STATED_WITH,
    CrewVars,
    add_crew,
    link_location_days,
)
from scheduler.domain import Assignment, Problem
from scheduler.io import parse_problem
from scheduler.scope import crew_scope
from tests.scheduler.builders import SAME_BASE, problem_dict

Triples = list[tuple[str, str, int]]
OUTSIDE_SCOPE = "outside the scope"
INFEASIBLE = "infeasible"
FEASIBLE = "feasible"

# Every scene of the problem placed, keeping every rule.
EVERY_SCENE: Triples = [
    ("S1", "L2", 1),
    ("S2", "L2", 1),
    ("S3", "L3", 2),
    ("S4", "L3", 4),
    ("S5", "L2", 3),
]


def _assignments(triples: Triples) -> list[Assignment]:
    return [Assignment(s, loc, date(2027, 3, d)) for s, loc, d in triples]


def _fixed_model(
    problem: Problem, triples: Triples
) -> tuple[cp_model.CpModel, dict[str, CrewVars]] | None:
    """Every crew's model, linked, with the plan fixed; None if the scope cannot hold it."""
    index = problem.index
    model = cp_model.CpModel()
    crews = {
        c.id: add_crew(model, problem, crew_scope(problem, c.id, prune_dominated=False))
        for c in problem.crews
    }
    link_location_days(model, crews.values())
    starts: set[tuple[str, int]] = set()
    for a in _assignments(triples):
        v = crews[index.scene[a.scene].crew]
        first = a.date.toordinal()
        if (a.scene, first) not in v.start:
            return None
        starts.add((a.scene, first))
        for x in range(first, first + index.scene_days[a.scene]):
            if (x, a.location) not in v.use:
                return None
            model.add(v.use[x, a.location] == 1)
    for v in crews.values():
        for key, var in v.start.items():
            model.add(var == (1 if key in starts else 0))
    return model, crews


def model_verdict(triples: Triples, raw: dict[str, Any] | None = None) -> str:
    fixed = _fixed_model(parse_problem(raw or problem_dict()), triples)
    if fixed is None:
        return OUTSIDE_SCOPE
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    status = solver.solve(fixed[0])
    assert status in (cp_model.OPTIMAL, cp_model.INFEASIBLE)
    return FEASIBLE if status == cp_model.OPTIMAL else INFEASIBLE


def model_terms(triples: Triples, raw: dict[str, Any] | None = None) -> dict[str, int]:
    """Each cost field of the model (all crews) under the fixed plan, at the optimum."""
    problem = parse_problem(raw or problem_dict())
    assert all_violations(problem, make_plan(problem, _assignments(triples))) == []
    fixed = _fixed_model(problem, triples)
    assert fixed is not None
    model, crews = fixed
    model.minimize(
        sum(c * x for v in crews.values() for c, x in v.objective_terms())
        + sum(v.objective_constant() for v in crews.values())
    )
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(model) == cp_model.OPTIMAL
    return {
        term.field: sum(
            sum(c * solver.value(x) for c, x in v.terms.get(term.field, ()))
            + v.constant.get(term.field, 0)
            for v in crews.values()
        )
        for term in COST_TERMS
    }


def catalogue_terms(triples: Triples, raw: dict[str, Any] | None = None) -> dict[str, int]:
    problem = parse_problem(raw or problem_dict())
    cost = plan_cost(problem, _assignments(triples))
    return {term.field: getattr(cost, term.field) for term in COST_TERMS}


def test_crew_rules_cover_the_catalogue_once_each() -> None:
    stated = [add.__name__.removeprefix("add_") for add in CREW_RULES]
    covered = stated + list(SCOPE_RULES) + list(STATED_WITH)
    catalogue = [c.name for c in HARD_CONSTRAINTS] + [t.name for t in COST_TERMS]
    assert sorted(covered) == sorted(catalogue)
    assert set(STATED_WITH.values()) <= set(stated)


@pytest.mark.parametrize("add", CREW_RULES, ids=lambda add: add.__name__)
def test_each_crew_rule_states_its_rule_in_one_sentence(add: Any) -> None:
    doc = " ".join((add.__doc__ or "").split())
    assert doc.startswith(("Hard constraint:", "Cost term:", "Cost term and hard constraint:"))
    assert doc.count(". ") == 0 and doc.endswith(".")


def test_the_plan_with_every_scene_is_feasible() -> None:
    assert model_verdict(EVERY_SCENE) == FEASIBLE


# scene_at_most_once


def test_scene_at_most_once_binding_scene_started_twice() -> None:
    assert model_verdict([("S1", "L2", 1), ("S1", "L2", 3)]) == INFEASIBLE


def test_scene_at_most_once_not_binding_scene_started_once() -> None:
    assert model_verdict([("S1", "L2", 1), ("S2", "L2", 3)]) == FEASIBLE


# within_windows (the scope's)


def test_within_windows_binding_after_crew_window() -> None:
    assert model_verdict([("S1", "L2", 9)]) == OUTSIDE_SCOPE


def test_within_windows_not_binding_last_window_day() -> None:
    assert model_verdict([("S1", "L2", 8)]) == FEASIBLE


def test_within_windows_binding_before_earliest() -> None:
    assert model_verdict([("S1", "L1", 1), ("S4", "L1", 2)]) == OUTSIDE_SCOPE


def test_within_windows_not_binding_on_earliest() -> None:
    assert model_verdict([("S1", "L1", 1), ("S4", "L1", 3)]) == FEASIBLE


# location_fits_scene


def test_location_fits_scene_binding_crew_at_a_set_the_scene_does_not_fit() -> None:
    # L3 (palace) is in reach on the 1st for S3; S1 needs a street.
    assert model_verdict([("S1", "L3", 1)]) == INFEASIBLE


def test_location_fits_scene_not_binding_set_with_the_tags() -> None:
    assert model_verdict([("S1", "L1", 1)]) == FEASIBLE


def test_location_fits_scene_binding_set_under_maintenance() -> None:
    assert model_verdict([("S1", "L1", 5)]) == OUTSIDE_SCOPE


def test_location_fits_scene_not_binding_set_open_again() -> None:
    assert model_verdict([("S1", "L1", 6)]) == FEASIBLE


# one_crew_per_location_day


def test_one_crew_per_location_day_binding_two_crews_at_one_set() -> None:
    assert model_verdict([("S1", "L2", 3), ("S5", "L2", 3)]) == INFEASIBLE


def test_one_crew_per_location_day_not_binding_two_crews_on_different_days() -> None:
    assert model_verdict([("S1", "L2", 3), ("S5", "L2", 4)]) == FEASIBLE


def test_one_crew_per_location_day_binding_crew_at_two_sets() -> None:
    assert model_verdict([("S1", "L1", 3), ("S2", "L2", 3)]) == INFEASIBLE


def test_one_crew_per_location_day_not_binding_crew_keeps_one_set() -> None:
    assert model_verdict([("S1", "L2", 3), ("S2", "L2", 3)]) == FEASIBLE


# crew_minutes_per_day


def test_crew_minutes_per_day_binding_day_over_minutes() -> None:
    raw = problem_dict()
    raw["scenes"][3]["after"] = []
    assert model_verdict([("S1", "L2", 3), ("S2", "L2", 3), ("S4", "L2", 3)], raw) == INFEASIBLE


def test_crew_minutes_per_day_not_binding_day_exactly_full() -> None:
    raw = problem_dict()
    raw["scenes"][3]["after"] = []
    assert model_verdict([("S1", "L2", 3), ("S2", "L2", 3), ("S4", "L2", 4)], raw) == FEASIBLE


def test_crew_minutes_per_day_binding_scene_on_a_date_of_a_multi_day_scene() -> None:
    raw = problem_dict()
    raw["scenes"][3]["requires"] = ["palace"]
    assert model_verdict([("S1", "L2", 1), ("S3", "L3", 3), ("S4", "L3", 4)], raw) == INFEASIBLE


def test_crew_minutes_per_day_not_binding_scene_the_day_after_a_multi_day_scene() -> None:
    raw = problem_dict()
    raw["scenes"][3]["requires"] = ["palace"]
    assert model_verdict([("S1", "L2", 1), ("S3", "L3", 3), ("S4", "L3", 5)], raw) == FEASIBLE


# cast_available (the scope's)


def test_cast_available_binding_cast_member_off() -> None:
    assert model_verdict([("S1", "L2", 4)]) == OUTSIDE_SCOPE


def test_cast_available_not_binding_cast_member_free() -> None:
    assert model_verdict([("S1", "L2", 3)]) == FEASIBLE


# travel_connects_bases (stated with company_moves)


def test_travel_connects_bases_binding_no_travel_between_bases() -> None:
    assert model_verdict([("S1", "L2", 1), ("S3", "L4", 2)]) == INFEASIBLE


def test_travel_connects_bases_not_binding_travel_exists() -> None:
    assert model_verdict([("S1", "L2", 1), ("S3", "L3", 2)]) == FEASIBLE


def test_travel_connects_bases_binding_whatever_the_calendar_gap() -> None:
    assert model_verdict([("S1", "L2", 1), ("S3", "L4", 6)]) == INFEASIBLE


def test_travel_connects_bases_not_binding_whatever_the_calendar_gap() -> None:
    assert model_verdict([("S1", "L2", 1), ("S3", "L3", 5)]) == FEASIBLE


# after_precedence


def test_after_precedence_binding_successor_on_the_predecessors_day() -> None:
    assert model_verdict([("S1", "L2", 3), ("S4", "L2", 3)]) == INFEASIBLE


def test_after_precedence_not_binding_successor_the_next_day() -> None:
    assert model_verdict([("S1", "L2", 3), ("S4", "L2", 4)]) == FEASIBLE


def test_after_precedence_binding_successor_before_a_multi_day_predecessor() -> None:
    raw = problem_dict()
    raw["scenes"][3]["after"] = ["S3"]
    assert model_verdict([("S4", "L3", 3), ("S3", "L3", 4)], raw) == INFEASIBLE


def test_after_precedence_not_binding_successor_after_the_last_day() -> None:
    raw = problem_dict()
    raw["scenes"][3]["after"] = ["S3"]
    assert model_verdict([("S3", "L3", 3), ("S4", "L3", 5)], raw) == FEASIBLE


# own_fixed_days (the scope's): C1 booked L4 itself on the 7th.


def test_own_fixed_days_binding_crew_at_another_set_on_its_own_day() -> None:
    assert model_verdict([("S1", "L2", 7)]) == OUTSIDE_SCOPE


def test_own_fixed_days_not_binding_crew_at_its_own_set() -> None:
    assert model_verdict([("S1", "L4", 7)]) == FEASIBLE


def test_own_fixed_days_not_binding_for_another_production() -> None:
    raw = problem_dict()
    raw["fixed"][1]["crew"] = "OTHER"
    assert model_verdict([("S1", "L2", 7)], raw) == FEASIBLE


# night_turnaround


def _night(*scenes: int) -> dict[str, Any]:
    raw = problem_dict()
    for i in scenes:
        raw["scenes"][i]["night"] = True
    return raw


def test_night_turnaround_binding_day_scene_after_a_night() -> None:
    assert model_verdict([("S1", "L1", 2), ("S2", "L1", 3)], _night(0)) == INFEASIBLE


def test_night_turnaround_not_binding_rest_day_between() -> None:
    assert model_verdict([("S1", "L1", 1), ("S2", "L1", 3)], _night(0)) == FEASIBLE


def test_night_turnaround_not_binding_night_and_day_on_one_date() -> None:
    assert model_verdict([("S1", "L1", 2), ("S2", "L1", 2)], _night(0)) == FEASIBLE


def test_night_turnaround_binding_after_a_multi_day_night_scene() -> None:
    assert model_verdict([("S3", "L3", 2), ("S4", "L3", 4)], _night(2)) == INFEASIBLE


def test_night_turnaround_not_binding_night_after_night() -> None:
    assert model_verdict([("S1", "L1", 2), ("S2", "L1", 3)], _night(0, 1)) == FEASIBLE


# Cost terms: the model's amount is the catalogue's, whether the term is paid or not.


@pytest.mark.parametrize(
    ("field", "paid", "unpaid"),
    [
        # every scene left out but one, against every scene placed
        ("unscheduled", [("S1", "L2", 1)], EVERY_SCENE),
        # two location-days, against one location-day shared by two scenes
        ("rent", [("S1", "L2", 1), ("S2", "L2", 3)], [("S1", "L2", 3), ("S2", "L2", 3)]),
        # an idle day inside the crew's span, against consecutive dates
        ("crew", [("S1", "L2", 1), ("S2", "L2", 3)], [("S1", "L2", 5), ("S2", "L2", 6)]),
        # A1 held over the idle 2nd, against A1 on one date
        ("cast", [("S1", "L2", 1), ("S2", "L2", 3)], [("S1", "L2", 1), ("S2", "L2", 1)]),
        # two rented days, against one rented day and the crew's own (paid) 7th at L4
        ("rent", [("S3", "L4", 5)], [("S3", "L4", 6)]),
        # a move within the base, against staying at one set
        ("moves", [("S1", "L1", 6), ("S2", "L2", 8)], [("S1", "L2", 6), ("S2", "L2", 8)]),
        # a move between bases (travel), against none
        ("moves", [("S1", "L2", 1), ("S3", "L3", 2)], [("S1", "L3", 6), ("S3", "L3", 2)]),
    ],
)
def test_cost_term_equals_the_catalogue_paid_or_not(
    field: str, paid: Triples, unpaid: Triples
) -> None:
    raw = problem_dict()
    raw["locations"][2]["tags"] = ["palace", "street"]  # so that S1 may shoot at L3
    for triples in (paid, unpaid):
        assert model_terms(triples, raw) == catalogue_terms(triples, raw)
    assert model_terms(paid, raw)[field] > model_terms(unpaid, raw)[field]


def test_same_base_move_is_priced_as_in_the_problem() -> None:
    terms = model_terms([("S1", "L1", 6), ("S2", "L2", 8)])
    assert terms["moves"] == SAME_BASE


def test_the_bound_is_exact_beyond_the_doubles_of_cp_sat() -> None:
    """Past 2**53 yuan, CP-SAT's double bound rounds, here up past the optimum (it was
    the solver's bound until then); the bound the solver uses now is exact."""
    import math

    from ortools.sat.python import cp_model

    from scheduler.crew_model import exact_objective_bound

    model = cp_model.CpModel()
    x, y = model.new_bool_var("x"), model.new_bool_var("y")
    model.add(x + y >= 1)
    constant = 2**57  # doubles are 32 apart here
    model.minimize(31 * x + 33 * y + constant)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(model) == cp_model.OPTIMAL
    optimum = constant + 31
    assert math.ceil(solver.best_objective_bound - 1e-6) > optimum
    assert exact_objective_bound(solver, constant) == optimum
