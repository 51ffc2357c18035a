"""Talent scheduling: the exact sequencer and the published instances' proven optima."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.checker import check_plan
from scheduler.io import parse_problem, plan_to_dict
from scheduler.sequencing import (
    _INF,
    _Reduced,
    _Search,
    sequence_cost,
    sequence_scenes,
    talent_shape,
)
from scheduler.solver import SolveOptions, solve
from scheduler.talent import talent_problem_dict

_HERE = Path(__file__).resolve()
_CANDIDATES = [_HERE.parents[3] / "shared" / "benchmarks" / "talent"]
_CANDIDATES.append(Path("/work/shared/benchmarks/talent"))
TALENT_DIR = next((p for p in _CANDIDATES if p.is_dir()), None)
INSTANCES = sorted(TALENT_DIR.glob("*.json")) if TALENT_DIR is not None else []


@pytest.mark.skipif(not INSTANCES, reason="shared/benchmarks/talent not found")
@pytest.mark.parametrize("path", INSTANCES, ids=lambda p: p.stem)
def test_published_instance_reaches_its_proven_optimum(path: Path) -> None:
    instance = json.loads(path.read_text(encoding="utf-8"))
    raw = talent_problem_dict(instance)
    problem = parse_problem(raw)
    assert talent_shape(problem, problem.crews[0].id) is not None
    plan = solve(problem, SolveOptions(time_limit=30.0))
    optimum = instance["optimum_by_convention"]["total"]
    assert plan.cost.total == optimum
    assert plan.lower_bound == optimum
    assert plan.status == "OPTIMAL"
    assert check_plan(raw, plan_to_dict(plan)).valid
    assert plan.solve_seconds < 20.0


def _brute(durations: list[int], masks: list[int], costs: list[int], preds: list[int]) -> int:
    best = None
    for order in itertools.permutations(range(len(durations))):
        done = 0
        ok = True
        for s in order:
            if preds[s] & ~done:
                ok = False
                break
            done |= 1 << s
        if ok:
            cost = sequence_cost(order, durations, masks, costs)
            best = cost if best is None else min(best, cost)
    assert best is not None
    return best


@st.composite
def _instances(draw: st.DrawFn) -> tuple[list[int], list[int], list[int], list[int]]:
    n = draw(st.integers(1, 6))
    actors = draw(st.integers(1, 5))
    durations = draw(st.lists(st.integers(1, 3), min_size=n, max_size=n))
    masks = draw(st.lists(st.integers(0, (1 << actors) - 1), min_size=n, max_size=n))
    costs = draw(st.lists(st.integers(0, 30), min_size=actors, max_size=actors))
    preds = [
        draw(st.integers(0, (1 << s) - 1)) if s and draw(st.booleans()) else 0 for s in range(n)
    ]
    return durations, masks, costs, preds


@settings(max_examples=60, deadline=None)
@given(_instances())
def test_sequencer_matches_brute_force(
    case: tuple[list[int], list[int], list[int], list[int]],
) -> None:
    durations, masks, costs, preds = case
    result = sequence_scenes(durations, masks, costs, preds)
    assert result.optimal
    assert result.cost == result.lower_bound == _brute(durations, masks, costs, preds)
    assert sorted(result.order) == list(range(len(durations)))
    assert result.cost == sequence_cost(result.order, durations, masks, costs)


def _keeps_preds(r: _Reduced, q: int, order: tuple[int, ...]) -> bool:
    """Whether ``order`` of the scenes in ``q``, after all the others, keeps the precedence."""
    placed = ((1 << len(r.durations)) - 1) ^ q
    for s in order:
        if r.preds[s] & ~placed:
            return False
        placed |= 1 << s
    return True


def _rest_cost(r: _Reduced, q: int, keep_preds: bool = False) -> int:
    """Least cost of shooting the reduced scenes in ``q`` after all the others, in any
    order or (``keep_preds``) any order that keeps the precedence."""
    n = len(r.durations)
    done_actors = 0
    for s in range(n):
        if not q >> s & 1:
            done_actors |= r.masks[s]
    scenes = [s for s in range(n) if q >> s & 1]
    best = _INF
    for order in itertools.permutations(scenes):
        if keep_preds and not _keeps_preds(r, q, order):
            continue
        cost = 0
        seen = done_actors
        for i, s in enumerate(order):
            later = 0
            for t in order[i + 1 :]:
                later |= r.masks[t]
            on = r.masks[s] | (seen & later)
            cost += r.durations[s] * sum(c for a, c in enumerate(r.costs) if on >> a & 1)
            seen |= r.masks[s]
        best = min(best, cost)
    return best


@settings(max_examples=80, deadline=None)
@given(_instances(), st.data())
def test_holding_bound_never_exceeds_the_rest_of_any_order(
    case: tuple[list[int], list[int], list[int], list[int]], data: st.DataObject
) -> None:
    """Both parts of the bound (split by day cost, then by day cost over load) stay at
    or below the least cost of the scenes left, whatever was shot before them."""
    state = _random_rest(case, data)
    if state is None:
        return
    r, q, scenes, present, working, exact = state
    cheap = _Search(r, None, None)._bound(q, present, working, 0, scenes, -1)
    assert cheap <= exact
    full = _Search(r, None, None)._bound(q, present, working, _INF, scenes, -1)
    assert cheap <= full <= exact


_Rest = tuple[_Reduced, int, list[int], int, int, int]


def _random_rest(
    case: tuple[list[int], list[int], list[int], list[int]], data: st.DataObject
) -> _Rest | None:
    """A random set of scenes left (after the others were shot): the reduced instance,
    the set, its scenes, the actors on location, their working cost, its least cost."""
    r = _Reduced.build(*case)
    n = len(r.durations)
    if n == 0:
        return None
    q = data.draw(st.integers(1, (1 << n) - 1))
    done_actors = rest_actors = 0
    for s in range(n):
        if q >> s & 1:
            rest_actors |= r.masks[s]
        else:
            done_actors |= r.masks[s]
    scenes = [s for s in range(n) if q >> s & 1]
    working = sum(_Search(r, None, None).working[s] for s in scenes)
    return r, q, scenes, done_actors & rest_actors, working, _rest_cost(r, q)


@st.composite
def _dense(draw: st.DrawFn) -> tuple[list[int], list[int], list[int], list[int]]:
    """Instances whose actors play in nearly every scene: most states then have actors
    on location that miss no scene, or one scene, of those left."""
    n = draw(st.integers(2, 7))
    actors = draw(st.integers(1, 5))
    full = (1 << actors) - 1
    durations = draw(st.lists(st.integers(1, 4), min_size=n, max_size=n))
    masks = []
    for _ in range(n):
        gone = draw(st.lists(st.integers(0, actors - 1), max_size=2))
        masks.append(full & ~sum(1 << a for a in set(gone)))
    costs = draw(st.lists(st.integers(1, 30), min_size=actors, max_size=actors))
    preds = [
        draw(st.integers(0, (1 << s) - 1)) if s and draw(st.integers(0, 4)) == 0 else 0
        for s in range(n)
    ]
    return durations, masks, costs, preds


@settings(max_examples=150, deadline=None)
@given(_dense(), st.data())
def test_holding_bound_with_actors_in_nearly_every_scene_left(
    case: tuple[list[int], list[int], list[int], list[int]], data: st.DataObject
) -> None:
    """Actors on location in every scene left, or in all but one, are bounded on their
    own (none, and all the missed scenes but the last one's) and the split goes to the
    others: the bound stays at or below the least cost of the scenes left, and the
    sequencer still meets brute force."""
    durations, masks, costs, preds = case
    result = sequence_scenes(durations, masks, costs, preds)
    assert result.optimal
    assert result.cost == _brute(durations, masks, costs, preds)
    state = _random_rest(case, data)
    if state is None:
        return
    r, q, scenes, present, working, exact = state
    assert _Search(r, None, None)._bound(q, present, working, 0, scenes, -1) <= exact
    assert _Search(r, None, None)._bound(q, present, working, _INF, scenes, -1) <= exact
    # The same state seen from a parent that just shot one more scene (skip).
    extra = data.draw(st.integers(0, len(r.durations) - 1))
    if not q >> extra & 1:
        with_extra = [*scenes, extra]
        search = _Search(r, None, None)
        assert search._bound(q, present, working, _INF, with_extra, extra) <= exact


@st.composite
def _swappable(draw: st.DrawFn) -> tuple[list[int], list[int], list[int], list[int]]:
    """Instances where scenes of equal days and nested casts abound."""
    n = draw(st.integers(2, 7))
    actors = draw(st.integers(1, 4))
    durations = draw(st.lists(st.integers(1, 2), min_size=n, max_size=n))
    masks = draw(st.lists(st.integers(0, (1 << actors) - 1), min_size=n, max_size=n))
    costs = draw(st.lists(st.sampled_from([0, 1, 2, 5]), min_size=actors, max_size=actors))
    preds = [
        draw(st.integers(0, (1 << s) - 1)) if s and draw(st.integers(0, 3)) == 0 else 0
        for s in range(n)
    ]
    return durations, masks, costs, preds


@settings(max_examples=150, deadline=None)
@given(_swappable(), st.data())
def test_swap_dominance_keeps_an_optimal_next_scene(
    case: tuple[list[int], list[int], list[int], list[int]], data: st.DataObject
) -> None:
    """From any state, the scenes the swap rule leaves as next scene still reach the
    least cost of the scenes left (precedence kept)."""
    durations, masks, costs, preds = case
    r = _Reduced.build(durations, masks, costs, preds)
    n = len(r.durations)
    if n == 0:
        return
    q = data.draw(st.integers(1, (1 << n) - 1))
    done = ((1 << n) - 1) ^ q
    done_actors = rest_actors = 0
    for s in range(n):
        if q >> s & 1:
            rest_actors |= r.masks[s]
        else:
            done_actors |= r.masks[s]
    if any(r.preds[s] & q for s in range(n) if done >> s & 1):
        return  # no order reaches this state
    search = _Search(r, None, None)
    present = done_actors & rest_actors
    best = _INF
    for s in range(n):
        if not q >> s & 1 or r.preds[s] & ~done or search._replaceable(s, q, present):
            continue
        later = 0
        for t in range(n):
            if q >> t & 1 and t != s:
                later |= r.masks[t]
        step = r.durations[s] * sum(
            c for a, c in enumerate(r.costs) if (r.masks[s] | (done_actors & later)) >> a & 1
        )
        rest = _rest_cost(r, q & ~(1 << s), keep_preds=True) if q != 1 << s else 0
        best = min(best, step + rest)
    assert best == _rest_cost(r, q, keep_preds=True)


def test_state_limit_still_gives_a_sound_bound() -> None:
    durations = [1, 2, 1, 1, 3, 1, 2, 1]
    masks = [0b0111, 0b1010, 0b0011, 0b1100, 0b0101, 0b1001, 0b0110, 0b1111]
    costs = [5, 7, 3, 11]
    exact = sequence_scenes(durations, masks, costs)
    cut = sequence_scenes(durations, masks, costs, max_states=1)
    assert cut.lower_bound <= exact.cost <= cut.cost


@settings(max_examples=40, deadline=None)
@given(_instances())
def test_stopped_search_returns_the_best_order_it_completed(
    case: tuple[list[int], list[int], list[int], list[int]],
) -> None:
    """Cut after k states, the sequencer returns a full order that keeps the precedence,
    priced right, no dearer for a larger k, with a bound at or below the optimum."""
    durations, masks, costs, preds = case
    n = len(durations)
    optimum = _brute(durations, masks, costs, preds)
    previous = None
    for limit in (1, 2, 3, 5, 8, 13, 10_000):
        cut = sequence_scenes(durations, masks, costs, preds, max_states=limit)
        assert sorted(cut.order) == list(range(n))
        done = 0
        for s in cut.order:
            assert not preds[s] & ~done
            done |= 1 << s
        assert cut.cost == sequence_cost(cut.order, durations, masks, costs)
        assert cut.lower_bound <= optimum <= cut.cost
        assert previous is None or cut.cost <= previous
        previous = cut.cost
    assert previous == optimum


def test_stopped_search_keeps_a_better_order_than_its_start() -> None:
    """The insertion heuristic starts this instance at 847; the search finds the optimum
    835 before it can prove it, and a search stopped one state short returns that order
    (it used to fall back to the starting order) with a bound from the root's next
    scenes (it used to be the cast's own days)."""
    durations = [3, 2, 3, 2, 3, 3, 3, 3]
    masks = [1, 29, 15, 3, 10, 7, 23, 30]
    costs = [8, 13, 18, 4, 19]
    full = sequence_scenes(durations, masks, costs)
    assert full.optimal and full.cost == 835
    cut = sequence_scenes(durations, masks, costs, max_states=full.states - 1)
    assert not cut.optimal
    assert cut.cost == sequence_cost(cut.order, durations, masks, costs) == 835
    # The bound looks two scenes ahead of the root: above the cast's own days (797).
    own_days = sum(
        d * sum(c for a, c in enumerate(costs) if m >> a & 1)
        for d, m in zip(durations, masks, strict=True)
    )
    assert own_days == 797
    assert own_days < cut.lower_bound <= 835


def _inline_instance() -> dict[str, Any]:
    actors = [("a1", 20), ("a2", 5), ("a3", 4), ("a4", 10)]
    scenes = [
        ("s1", 1, ["a1", "a2", "a4"]),
        ("s2", 1, ["a2", "a3"]),
        ("s3", 2, ["a1", "a2"]),
        ("s4", 1, ["a3", "a4"]),
        ("s5", 1, ["a1"]),
        ("s6", 2, []),
    ]
    return {
        "name": "inline",
        "actors": [{"name": a, "cost_per_day": c} for a, c in actors],
        "scenes": [{"name": s, "duration_days": d, "actors": a} for s, d, a in scenes],
    }


def test_inline_instance_matches_brute_force_through_the_planning_problem() -> None:
    instance = _inline_instance()
    raw = talent_problem_dict(instance)
    plan = solve(parse_problem(raw), SolveOptions(time_limit=10.0))
    names = [a["name"] for a in instance["actors"]]
    expected = _brute(
        [s["duration_days"] for s in instance["scenes"]],
        [sum(1 << names.index(a) for a in s["actors"]) for s in instance["scenes"]],
        [a["cost_per_day"] for a in instance["actors"]],
        [0] * len(instance["scenes"]),
    )
    assert plan.cost.total == expected
    assert plan.status == "OPTIMAL"
    assert check_plan(raw, plan_to_dict(plan)).valid


def test_short_scenes_are_not_talent_scheduling_but_still_solved() -> None:
    raw = talent_problem_dict(_inline_instance())
    raw["scenes"][1]["minutes"] = 200  # can share a day now
    problem = parse_problem(raw)
    assert talent_shape(problem, problem.crews[0].id) is None
    plan = solve(problem, SolveOptions(time_limit=5.0, workers=1, seed=3))
    assert check_plan(raw, plan_to_dict(plan)).valid
    assert plan.lower_bound is not None and plan.lower_bound <= plan.cost.total
