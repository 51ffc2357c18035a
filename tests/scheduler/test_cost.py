"""Cost against hand-computed plans, through cost.py, the checker and the catalogue."""

from __future__ import annotations

from datetime import date
from typing import Any

from scheduler.catalogue import COST_TERMS
from scheduler.checker import check_plan
from scheduler.cost import cost_by_crew, empty_plan, plan_cost
from scheduler.domain import Assignment, CostBreakdown
from scheduler.io import parse_problem
from tests.scheduler.builders import PENALTY, SAME_BASE, domain_plan, plan_dict, problem_dict

Triples = list[tuple[str, str, int]]


def exact(triples: Triples, problem: dict[str, Any] | None = None) -> CostBreakdown:
    """cost.py's cost, asserted equal to the checker's and the catalogue's."""
    problem = problem or problem_dict()
    parsed = parse_problem(problem)
    plan = domain_plan(problem, triples)
    cost = plan_cost(parsed, plan.assignments)
    report = check_plan(problem, plan_dict(problem, triples))
    assert report.valid, report.violations
    assert report.cost == {
        "rent": cost.rent,
        "crew": cost.crew,
        "cast": cost.cast,
        "moves": cost.moves,
        "unscheduled": cost.unscheduled,
        "total": cost.total,
    }
    for term in COST_TERMS:
        assert term.compute(parsed, plan) == getattr(cost, term.field)
    return cost


def test_every_term_of_a_hand_computed_plan() -> None:
    # C1: S1+S2 at L2 on the 1st (600 min), S3 at L3 on the 3rd-4th, S4 at L2 on the 6th.
    cost = exact([("S1", "L2", 1), ("S2", "L2", 1), ("S3", "L3", 3), ("S4", "L2", 6)])
    # Rent: L2 once on the 1st although two scenes, L3 two days, L2 on the 6th.
    assert cost.rent == 10000 + 2 * 20000 + 10000
    # Crew: shooting dates 1, 3, 4, 6 -> span 6 days, idle 2nd and 5th included.
    assert cost.crew == 6 * 100000
    # Cast: A1 only on the 1st; A2 from the 1st to the 4th (idle 2nd paid).
    assert cost.cast == 1 * 40000 + 4 * 10000
    # Moves: L2 (SHB) -> L3 (QWG) over a calendar gap, L3 -> L3 free, L3 -> L2 again.
    assert cost.moves == 9000 + 0 + 9000
    # S5 of C2 is left out.
    assert cost.unscheduled == PENALTY
    assert cost.total == 60000 + 600000 + 80000 + 18000 + PENALTY


def test_same_base_move_costs_same_base_move_cost() -> None:
    cost = exact([("S1", "L1", 1), ("S2", "L2", 3)])
    assert cost.moves == SAME_BASE
    assert cost.rent == 30000 + 10000
    assert cost.crew == 3 * 100000
    assert cost.cast == 3 * 40000 + 1 * 10000


def test_no_move_when_crew_returns_to_the_same_location() -> None:
    cost = exact([("S1", "L2", 1), ("S2", "L2", 8)])
    assert cost.moves == 0
    assert cost.crew == 8 * 100000


def test_multi_day_scene_counts_every_date() -> None:
    cost = exact([("S3", "L3", 3)])
    assert cost.rent == 2 * 20000
    assert cost.crew == 2 * 100000
    assert cost.cast == 2 * 10000
    assert cost.moves == 0
    assert cost.unscheduled == 4 * PENALTY


def test_own_fixed_day_costs_no_rent_used_or_not() -> None:
    # L4 is fixed for C1 on the 7th: booked and paid already, so no rent that date.
    used = exact([("S3", "L4", 6)])
    assert used.rent == 1 * 5000  # the 6th only; the 7th is the crew's own day
    not_used = exact([("S3", "L4", 4)])
    assert not_used.rent == 2 * 5000  # 4th and 5th
    nothing = exact([])
    assert nothing.rent == 0


def test_another_crews_fixed_day_is_no_discount() -> None:
    problem = problem_dict()
    problem["fixed"][1]["crew"] = "C2"  # L4 on the 7th is now C2's own day
    cost = exact([("S5", "L4", 7)], problem)
    assert cost.rent == 0
    problem["fixed"][1]["date"] = "2027-03-08"
    assert exact([("S5", "L4", 7)], problem).rent == 5000


def test_version_1_problem_keeps_its_cost() -> None:
    # No night scene and no fixed entry of a crew of the problem: the version 1 rent.
    problem = problem_dict()
    problem["fixed"][1]["crew"] = "OTHER"
    cost = exact([("S1", "L2", 1), ("S2", "L2", 1), ("S3", "L3", 3), ("S4", "L2", 6)], problem)
    assert cost.total == 60000 + 600000 + 80000 + 18000 + PENALTY


def test_empty_plan_costs_only_penalties() -> None:
    problem = parse_problem(problem_dict())
    plan = empty_plan(problem)
    assert plan.cost == CostBreakdown.of(0, 0, 0, 0, 5 * PENALTY)
    assert plan.unscheduled == ("S1", "S2", "S3", "S4", "S5")


def test_cost_by_crew_attributes_cast_to_their_crew_and_sums_to_total() -> None:
    problem = parse_problem(problem_dict())
    assignments = [
        Assignment("S1", "L2", date(2027, 3, 1)),
        Assignment("S3", "L3", date(2027, 3, 3)),
        Assignment("S5", "L4", date(2027, 3, 2)),
    ]
    per_crew = cost_by_crew(problem, assignments)
    assert per_crew["C1"].cast == 40000 + 2 * 10000
    assert per_crew["C2"].cast == 20000
    assert per_crew["C2"].crew == 50000
    assert per_crew["C1"].unscheduled == 2 * PENALTY
    assert per_crew["C2"].unscheduled == 0
    total = per_crew["C1"] + per_crew["C2"]
    assert total == plan_cost(problem, assignments)
    assert total.total == total.rent + total.crew + total.cast + total.moves + total.unscheduled


def test_cast_span_runs_across_crews_idle_days() -> None:
    # A2 in S2 on the 1st and S3 on the 5th-6th: paid 6 days.
    cost = exact([("S2", "L2", 1), ("S3", "L3", 5)])
    assert cost.cast == 1 * 40000 + 6 * 10000


def test_cost_terms_are_documented() -> None:
    assert [t.name for t in COST_TERMS] == [
        "rent",
        "crew_days",
        "cast_days",
        "company_moves",
        "unscheduled",
    ]
    for term in COST_TERMS:
        assert term.doc.startswith("Cost term:")
