"""The optimizer: valid plans, sound bounds, greedy beaten, stop/hint/determinism.

Pure and fast: random problems stay tiny and time limits short. Bounds are
checked against brute force on problems small enough to enumerate.
"""

from __future__ import annotations

import itertools
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from benchmarks.generate import generate
from scheduler.bounds import separable_bound
from scheduler.catalogue import all_violations
from scheduler.checker import check_plan
from scheduler.cost import crew_cost, make_plan
from scheduler.domain import Assignment, CostBreakdown, Plan, Problem
from scheduler.greedy import greedy_plan
from scheduler.io import parse_problem, plan_to_dict
from scheduler.parallel import split_for_processes, sub_problem
from scheduler.repair import repair_plan
from scheduler.solver import Progress, SolveOptions, _Run, solve
from scheduler.talent import talent_problem_dict
from tests.scheduler.brute_force import brute_force_optimum
from tests.scheduler.builders import problem_dict
from tests.scheduler.reference_checker import reference_check
from tests.scheduler.strategies import day, problem_dicts, tiny_v2_problem_dicts

FAST = SolveOptions(time_limit=3.0, workers=1, seed=1)


def _checked(raw: dict[str, Any], plan: Plan) -> None:
    report = check_plan(raw, plan_to_dict(plan))
    assert report.valid, report.violations
    assert plan.lower_bound is not None and 0 <= plan.lower_bound <= plan.cost.total
    assert (plan.status == "OPTIMAL") == (plan.lower_bound == plan.cost.total)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(problem_dicts())
def test_plans_pass_the_independent_checker_and_beat_greedy(raw: dict[str, Any]) -> None:
    problem = parse_problem(raw)
    plan = solve(problem, FAST)
    _checked(raw, plan)
    assert plan.cost.total <= greedy_plan(problem).cost.total


def _brute_force_optimum(problem: Problem) -> int:
    """Cheapest valid plan by enumerating every assignment (tiny problems only)."""
    options: list[list[Assignment | None]] = []
    for scene in problem.scenes:
        choices: list[Assignment | None] = [None]
        for loc in problem.locations:
            for d in problem.horizon:
                choices.append(Assignment(scene.id, loc.id, d))
        options.append(choices)
    best: int | None = None
    for combo in itertools.product(*options):
        assignments = [a for a in combo if a is not None]
        plan = make_plan(problem, assignments)
        if best is not None and plan.cost.total >= best:
            continue
        if not all_violations(problem, plan):
            best = plan.cost.total
    assert best is not None
    return best


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(problem_dicts(max_crews=2, max_scenes=3, max_locations=2, max_days=3))
def test_bounds_are_sound_and_optimal_means_optimal(raw: dict[str, Any]) -> None:
    problem = parse_problem(raw)
    optimum = _brute_force_optimum(problem)
    plan = solve(problem, FAST)
    assert plan.lower_bound is not None
    assert plan.lower_bound <= optimum <= plan.cost.total
    for crew in problem.crews:
        assert separable_bound(problem, crew.id) <= crew_cost(
            problem,
            crew.id,
            [a for a in plan.assignments if problem.index.scene[a.scene].crew == crew.id],
        )
    if plan.status == "OPTIMAL":
        assert plan.cost.total == optimum


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(tiny_v2_problem_dicts())
def test_tiny_v2_bound_never_exceeds_the_reference_optimum(raw: dict[str, Any]) -> None:
    """Night, own fixed days, multi-day scenes and cast: the bound and OPTIMAL are
    judged against an optimum enumerated with the independent reference checker."""
    optimum = brute_force_optimum(raw)
    plan = plan_to_dict(solve(parse_problem(raw), FAST))
    verdict = reference_check(raw, plan)
    assert verdict.valid, verdict
    assert plan["lower_bound"] is not None
    assert plan["lower_bound"] <= optimum <= plan["cost"]["total"]
    if plan["status"] == "OPTIMAL":
        assert plan["cost"]["total"] == optimum


def test_small_generated_problem_improves_on_greedy_and_reports_progress() -> None:
    raw = generate("small", 11)
    problem = parse_problem(raw)
    seen: list[Progress] = []
    plan = solve(problem, SolveOptions(time_limit=8.0), progress=seen.append)
    _checked(raw, plan)
    assert plan.cost.total < 0.8 * greedy_plan(problem).cost.total
    assert seen and seen[-1].phase == "done"
    assert seen[-1].best_total == plan.cost.total
    assert all(p.best_bound is None or p.best_bound <= plan.cost.total for p in seen)


def test_stop_event_returns_the_best_plan_promptly() -> None:
    raw = generate("medium", 5)
    problem = parse_problem(raw)
    stop = threading.Event()
    threading.Timer(1.0, stop.set).start()
    started = time.monotonic()
    plan = solve(problem, SolveOptions(time_limit=60.0), stop=stop)
    assert time.monotonic() - started < 6.0
    _checked(raw, plan)
    assert plan.cost.total <= greedy_plan(problem).cost.total


def test_time_limit_is_wall_clock_for_the_whole_call() -> None:
    raw = generate("medium", 6)
    started = time.monotonic()
    plan = solve(parse_problem(raw), SolveOptions(time_limit=2.0))
    assert time.monotonic() - started < 5.0
    _checked(raw, plan)


def test_hint_warm_start_is_never_worse_than_the_hint() -> None:
    raw = generate("small", 12)
    problem = parse_problem(raw)
    first = solve(problem, SolveOptions(time_limit=3.0))
    again = solve(problem, SolveOptions(time_limit=0.5, hint=first))
    _checked(raw, again)
    assert again.cost.total <= first.cost.total


def test_an_invalid_hint_is_repaired_not_trusted() -> None:
    raw = generate("small", 13)
    problem = parse_problem(raw)
    good = greedy_plan(problem)
    first = good.assignments[0]
    clash = Assignment(good.assignments[1].scene, first.location, first.date)
    broken = [first, clash, Assignment("no-such-scene", first.location, first.date)]
    kept = repair_plan(problem, broken)
    assert not all_violations(problem, make_plan(problem, kept))
    hint = Plan("FEASIBLE", tuple(broken), (), CostBreakdown())
    plan = solve(problem, SolveOptions(time_limit=1.0, hint=hint))
    _checked(raw, plan)


def test_seed_and_one_worker_make_the_solve_reproducible() -> None:
    problem = parse_problem(generate("small", 14))
    # A fixed deterministic budget and a wall limit far beyond it: reproducible under load.
    options = SolveOptions(time_limit=120.0, workers=1, seed=7, deterministic_time=0.3)
    a = solve(problem, options)
    b = solve(problem, options)
    assert a.assignments == b.assignments
    assert a.lower_bound == b.lower_bound


def _tiny(crews: int = 1) -> dict[str, Any]:
    """Two sets at one base, a crew with a star; hand-checkable."""
    return {
        "horizon": {"start": day(0), "end": day(4)},
        "same_base_move_cost": 1000,
        "unscheduled_penalty": 1_000_000,
        "bases": [{"id": "B", "name": "Base"}],
        "travel": [],
        "locations": [
            {"id": "CHEAP", "base": "B", "tags": ["street"], "day_rate": 100, "unavailable": []},
            {"id": "DEAR", "base": "B", "tags": ["street"], "day_rate": 900, "unavailable": []},
        ],
        "crews": [
            {
                "id": f"C{c}",
                "window": {"start": day(0), "end": day(4)},
                "day_cost": 5000,
                "max_minutes_per_day": 600,
            }
            for c in range(crews)
        ],
        "cast": [
            {"id": f"STAR{c}", "crew": f"C{c}", "day_cost": 20000, "unavailable": []}
            for c in range(crews)
        ],
        "scenes": [
            {
                "id": f"C{c}-{i}",
                "crew": f"C{c}",
                "minutes": 300,
                "requires": ["street"],
                "cast": [f"STAR{c}"] if i in (0, 3) else [],
                "earliest": None,
                "latest": None,
                "locations": None,
            }
            for c in range(crews)
            for i in range(4)
        ],
        "fixed": [],
    }


def test_hand_made_problem_is_solved_to_its_known_optimum() -> None:
    # Two days at the cheap set, both star scenes on one of them:
    # rent 2 x 100, crew 2 x 5000, star 1 x 20000.
    raw = _tiny()
    plan = solve(parse_problem(raw), FAST)
    _checked(raw, plan)
    assert plan.cost.total == 200 + 10000 + 20000
    assert plan.status == "OPTIMAL"


def test_two_crews_share_the_sets_without_clashing() -> None:
    raw = _tiny(crews=2)
    plan = solve(parse_problem(raw), FAST)
    _checked(raw, plan)
    # Both crews need two days; the cheap set hosts one crew a day.
    assert plan.cost.total == 2 * (10000 + 20000) + 4 * 100
    assert plan.status == "OPTIMAL"


def test_a_scene_that_cannot_be_placed_is_left_out_and_counted_in_the_bound() -> None:
    raw = _tiny()
    raw["scenes"][1]["requires"] = ["palace"]
    plan = solve(parse_problem(raw), FAST)
    _checked(raw, plan)
    assert plan.unscheduled == ("C0-1",)
    assert plan.status == "OPTIMAL"


@pytest.mark.parametrize("seed", [3])
def test_medium_problem_keeps_every_rule(seed: int) -> None:
    raw = generate("medium", seed)
    problem = parse_problem(raw)
    plan = solve(problem, SolveOptions(time_limit=6.0))
    _checked(raw, plan)
    assert plan.cost.total < greedy_plan(problem).cost.total


def test_multi_day_scene_and_continuity_are_kept() -> None:
    raw = _tiny()
    raw["horizon"]["end"] = day(6)
    raw["crews"][0]["window"]["end"] = day(6)
    raw["scenes"][2]["minutes"] = 1100  # two whole days
    raw["scenes"][3]["after"] = ["C0-2"]
    plan = solve(parse_problem(raw), FAST)
    _checked(raw, plan)
    by_scene = {a.scene: a for a in plan.assignments}
    assert by_scene["C0-3"].date > by_scene["C0-2"].date + timedelta(days=1)


def test_workers_above_two_solve_independent_groups_in_processes() -> None:
    raw = generate("small", 2, 2)
    problem = parse_problem(raw)
    parts = split_for_processes(problem, 2)
    assert len(parts) == 2
    assert sorted(c for part in parts for c in part) == sorted(c.id for c in problem.crews)
    seen: list[Progress] = []
    started = time.monotonic()
    plan = solve(problem, SolveOptions(time_limit=6.0, workers=4, seed=1), progress=seen.append)
    assert time.monotonic() - started < 6.0 * 1.1 + 3
    _checked(raw, plan)
    assert plan.cost.total <= greedy_plan(problem).cost.total
    assert [p.phase for p in seen] == ["processes", "done"]


def test_a_part_of_the_problem_keeps_the_other_crews_fixed_days() -> None:
    raw = generate("small", 1, 2)
    problem = parse_problem(raw)
    part = sub_problem(problem, [problem.crews[0].id])
    assert [c.id for c in part.crews] == [problem.crews[0].id]
    assert part.fixed == problem.fixed and part.locations == problem.locations
    assert {s.crew for s in part.scenes} == {problem.crews[0].id}


def test_a_crew_that_leaves_a_placeable_scene_out_gets_it_placed() -> None:
    """The large-problem path: a scene left out at the penalty (here: dropped from the
    greedy plan) is placed by the crew's whole-window solve before any polishing."""
    raw = generate("small", 2, version=2)
    problem = parse_problem(raw)
    start = greedy_plan(problem)
    crew_id = problem.crews[0].id
    dropped = next(a for a in start.assignments if problem.index.scene[a.scene].crew == crew_id)
    kept = [a for a in start.assignments if a is not dropped]
    run = _Run(problem, SolveOptions(time_limit=10.0, workers=1), None, threading.Event())
    run._set_incumbent(kept)
    for c in run.crew_ids:
        run.bound_of[c] = separable_bound(problem, c)
    before = run.cost_of[crew_id]
    assert before >= problem.unscheduled_penalty

    run._place_left_out([crew_id], run.clock.elapsed() + 5.0)

    placed = {a.scene for a in run.plan_of[crew_id]}
    assert dropped.scene in placed
    assert run.cost_of[crew_id] < before - problem.unscheduled_penalty // 2
    plan = make_plan(problem, [a for c in run.crew_ids for a in run.plan_of[c]])
    assert not all_violations(problem, plan)


@pytest.mark.parametrize(("penalty", "placed"), [(10_000_000, True), (0, False)])
def test_a_scene_left_out_while_a_slot_is_free_is_put_back_at_the_end(
    penalty: int, placed: bool
) -> None:
    """Whatever the phases did, a scene a slot is still free for is not left out at the
    penalty; unless the penalty is below what the slot costs."""
    raw = generate("small", 3, version=2)
    raw["unscheduled_penalty"] = penalty
    problem = parse_problem(raw)
    start = greedy_plan(problem)
    dropped = start.assignments[len(start.assignments) // 2]
    crew_id = problem.index.scene[dropped.scene].crew
    run = _Run(problem, SolveOptions(time_limit=10.0, workers=1), None, threading.Event())
    run._set_incumbent([a for a in start.assignments if a is not dropped])
    before = run.cost_of[crew_id]

    run._fill_left_out(run.crew_ids, time.monotonic() + 5.0)

    assert (dropped.scene in {a.scene for a in run.plan_of[crew_id]}) is placed
    assert (run.cost_of[crew_id] < before) is placed
    plan = make_plan(problem, [a for c in run.crew_ids for a in run.plan_of[c]])
    assert not all_violations(problem, plan)


def test_a_talent_shaped_crew_leaves_scenes_out_when_the_penalty_is_cheaper() -> None:
    """The exact sequencer assumes every scene is shot; with a penalty below the cost
    of shooting, leaving the scene out is optimal (found by the brute-force sweep)."""
    raw = _tiny()
    raw["scenes"] = raw["scenes"][:1]
    raw["scenes"][0]["minutes"] = 600  # fills its day alone: the talent form
    raw["unscheduled_penalty"] = 3
    assert brute_force_optimum(raw) == 3
    plan = solve(parse_problem(raw), FAST)
    _checked(raw, plan)
    assert plan.unscheduled == ("C0-0",)
    assert plan.status == "OPTIMAL"


def test_a_scene_of_astronomical_minutes_is_left_out_promptly() -> None:
    """10**30 minutes is 10**27 days: the crew model once looped over them all."""
    raw = problem_dict()
    raw["scenes"][0]["minutes"] = 10**30
    started = time.monotonic()
    plan = solve(parse_problem(raw), FAST)
    assert time.monotonic() - started < FAST.time_limit * 1.1 + 3
    _checked(raw, plan)
    assert "S1" in plan.unscheduled


@pytest.mark.parametrize(
    ("section", "field", "value"),
    [("locations", "day_rate", 10**30 + 1), ("cast", "day_cost", 10**20 + 1)],
)
def test_costs_beyond_int64_leave_the_dear_crews_out(section: str, field: str, value: int) -> None:
    """CP-SAT cannot take such costs (it once raised TypeError out of the solver); the
    heuristics' plan stands, less any crew that costs more than leaving its scenes out."""
    raw = problem_dict()
    for entry in raw[section]:
        entry[field] = value
    plan = solve(parse_problem(raw), FAST)
    _checked(raw, plan)
    # No dearer than leaving every scene out (a scene without cast may still be shot).
    assert plan.cost.total <= 5 * raw["unscheduled_penalty"]
    assert plan.cost.total < 10**20


def test_talent_sequencing_is_exact_beyond_2_to_the_62() -> None:
    """Actor rates of 10**17 a day: the sequencer's 'infinity' was 2**62."""
    instance = {
        "name": "dear",
        "actors": [{"name": f"A{i}", "cost_per_day": 10**17 * (i + 1) + 1} for i in range(4)],
        "scenes": [
            {
                "name": f"S{i}",
                "duration_days": 1 + i % 2,
                "actors": [f"A{i % 4}", f"A{(i + 1) % 4}"],
            }
            for i in range(8)
        ],
    }
    raw = talent_problem_dict(instance)
    plan = solve(parse_problem(raw), FAST)
    _checked(raw, plan)
    assert plan.status == "OPTIMAL" and not plan.unscheduled
