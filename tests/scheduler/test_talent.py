"""Published talent-scheduling instances in the exchange format.

For the instances small enough for a subset dynamic program in pure Python
(at most 12 scenes), the DP's optimal order, laid out by ``plan_for_order``,
must pass the checker with exactly the published optimal total: this pins the
conversion and the cost definitions to the literature.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from scheduler.checker import check_plan
from scheduler.greedy import greedy_plan
from scheduler.io import parse_problem, plan_to_dict
from scheduler.sequencing import TalentShape, talent_shape
from scheduler.solver import SolveOptions, solve
from scheduler.talent import (
    CREW_ID,
    LOCATION_ID,
    MINUTES_PER_DAY,
    load_talent,
    plan_for_order,
    talent_problem_dict,
)

TALENT_DIR = Path("/work/shared/benchmarks/talent")
INSTANCES = sorted(TALENT_DIR.glob("*.json")) if TALENT_DIR.is_dir() else []
needs_instances = pytest.mark.skipif(not INSTANCES, reason="talent benchmarks not present")


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def optimal_order(instance: dict[str, Any]) -> tuple[int, list[str]]:
    """Exact optimum by DP over the set of scenes already shot (front to back).

    While scene s is shot after the set S, an actor is paid if they appear both
    in S or s (they have started) and in s or a scene not yet shot (not done).
    """
    scenes = instance["scenes"]
    actors = {a["name"]: i for i, a in enumerate(instance["actors"])}
    cost = [a["cost_per_day"] for a in instance["actors"]]
    masks = [sum(1 << actors[a] for a in s["actors"]) for s in scenes]
    days = [s["duration_days"] for s in scenes]
    n = len(scenes)
    full = (1 << n) - 1

    def actors_of(subset: int) -> int:
        m = 0
        for i in range(n):
            if subset >> i & 1:
                m |= masks[i]
        return m

    @cache
    def best(done: int) -> tuple[int, tuple[int, ...]]:
        if done == full:
            return 0, ()
        started = actors_of(done)
        result: tuple[int, tuple[int, ...]] | None = None
        for s in range(n):
            if done >> s & 1:
                continue
            on_site = (started | masks[s]) & actors_of(full & ~done)
            here = days[s] * sum(cost[a] for a in range(len(cost)) if on_site >> a & 1)
            rest, order = best(done | 1 << s)
            if result is None or here + rest < result[0]:
                result = (here + rest, (s, *order))
        assert result is not None
        return result

    total, order = best(0)
    return total, [scenes[i]["name"] for i in order]


@needs_instances
@pytest.mark.parametrize("path", INSTANCES, ids=[p.stem for p in INSTANCES])
def test_conversion_shape(path: Path) -> None:
    instance = _load(path)
    problem = load_talent(path)
    assert len(problem.scenes) == instance["n_scenes"]
    assert len(problem.cast) == instance["n_actors"]
    assert len(problem.horizon) == instance["total_duration_days"]
    assert [loc.id for loc in problem.locations] == [LOCATION_ID]
    assert problem.locations[0].day_rate == 0
    (crew,) = problem.crews
    assert crew.id == CREW_ID and crew.day_cost == 0 and crew.window == problem.horizon
    for scene, raw in zip(problem.scenes, instance["scenes"], strict=True):
        assert scene.minutes == MINUTES_PER_DAY * raw["duration_days"]
        assert problem.scene_days(scene) == raw["duration_days"]
        assert set(scene.cast) == set(raw["actors"])
    # Round trip through the validated exchange format.
    assert parse_problem(talent_problem_dict(instance)) == problem


@needs_instances
@pytest.mark.parametrize("path", INSTANCES, ids=[p.stem for p in INSTANCES])
def test_greedy_plan_is_valid_and_schedules_everything(path: Path) -> None:
    problem = load_talent(path)
    raw = talent_problem_dict(_load(path))
    plan = greedy_plan(problem)
    assert plan.unscheduled == ()
    assert check_plan(raw, plan_to_dict(plan)).valid
    # Input order back to back is what greedy does here; never below the optimum.
    assert plan.cost.total >= _load(path)["optimum_by_convention"]["total"]


SMALL = [p for p in INSTANCES if _load(p)["n_scenes"] <= 12]


@needs_instances
@pytest.mark.parametrize("path", SMALL, ids=[p.stem for p in SMALL])
def test_optimal_order_reaches_the_published_optimum(path: Path) -> None:
    instance = _load(path)
    published = instance["optimum_by_convention"]["total"]
    total, order = optimal_order(instance)
    assert total == published
    problem = load_talent(path)
    plan = plan_for_order(problem, order)
    report = check_plan(talent_problem_dict(instance), plan_to_dict(plan))
    assert report.valid, report.violations
    assert plan.cost.total == published
    assert plan.cost.cast == published
    assert plan.unscheduled == ()


def test_small_inline_instance() -> None:
    # Two actors; shooting s1, s3, s2 keeps the expensive actor A from idling.
    instance = {
        "name": "tiny",
        "actors": [{"name": "A", "cost_per_day": 10}, {"name": "B", "cost_per_day": 1}],
        "scenes": [
            {"name": "s1", "duration_days": 1, "actors": ["A"]},
            {"name": "s2", "duration_days": 2, "actors": ["B"]},
            {"name": "s3", "duration_days": 1, "actors": ["A", "B"]},
        ],
    }
    total, order = optimal_order(instance)
    assert total == 2 * 10 + 3 * 1
    assert abs(order.index("s1") - order.index("s3")) == 1
    problem = parse_problem(talent_problem_dict(instance))
    plan = plan_for_order(problem, order)
    assert plan.cost.total == total


def _tiny_with(**changes: Any) -> dict[str, Any]:
    """The tiny instance in the exchange format, with an extra set and version 2 edits."""
    instance = {
        "name": "tiny",
        "actors": [{"name": "A", "cost_per_day": 10}, {"name": "B", "cost_per_day": 1}],
        "scenes": [
            {"name": "s1", "duration_days": 1, "actors": ["A"]},
            {"name": "s2", "duration_days": 2, "actors": ["B"]},
            {"name": "s3", "duration_days": 1, "actors": ["A", "B"]},
        ],
    }
    raw = talent_problem_dict(instance)
    raw["locations"].append(
        {
            "id": "OTHER-SET",
            "base": raw["bases"][0]["id"],
            "tags": [],
            "day_rate": 0,
            "unavailable": [],
        }
    )
    for night_scene in changes.get("night", ()):
        next(s for s in raw["scenes"] if s["id"] == night_scene)["night"] = True
    raw["fixed"] = changes.get("fixed", [])
    return raw


def _shape(raw: dict[str, Any]) -> TalentShape | None:
    return talent_shape(parse_problem(raw), CREW_ID)


def test_talent_form_holds_for_all_night_or_all_day_crews() -> None:
    assert _shape(_tiny_with()) is not None
    assert _shape(_tiny_with(night=["s1", "s2", "s3"])) is not None


def test_talent_form_does_not_hold_when_a_night_may_be_followed_by_a_day_scene() -> None:
    assert _shape(_tiny_with(night=["s2"])) is None


def test_talent_form_with_own_fixed_days() -> None:
    # An own day inside the block at the set: the form holds (and the rent is paid).
    inside = [{"location": LOCATION_ID, "crew": CREW_ID, "date": "2027-03-02"}]
    assert _shape(_tiny_with(fixed=inside)) is not None
    # An own day inside the block at another set: the crew must shoot there (rule 9).
    elsewhere = [{"location": "OTHER-SET", "crew": CREW_ID, "date": "2027-03-02"}]
    assert _shape(_tiny_with(fixed=elsewhere)) is None
    # Another production's day on the set inside the block: the block goes to the other set.
    other = [{"location": LOCATION_ID, "crew": "ELSE", "date": "2027-03-02"}]
    shape = _shape(_tiny_with(fixed=other))
    assert shape is not None and shape.location == "OTHER-SET"


def test_talent_solve_with_a_night_and_day_crew_keeps_the_turnaround() -> None:
    raw = _tiny_with(night=["s1"])
    plan = solve(parse_problem(raw), SolveOptions(time_limit=5, workers=1, seed=1))
    report = check_plan(raw, plan_to_dict(plan))
    assert report.valid, report.violations
    assert plan.unscheduled == ()
