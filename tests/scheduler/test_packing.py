"""Scenes share shooting days by what the days cost: the packing model beats first fit."""

from __future__ import annotations

import random
import time
from functools import partial
from typing import Any

from scheduler.checker import check_plan
from scheduler.construction import crew_heuristic_plans, first_fit_packing
from scheduler.cost import crew_cost, make_plan
from scheduler.io import parse_problem, plan_to_dict
from scheduler.packing import PackingBudget, pack_days
from scheduler.scope import crew_scope


def _scene(sid: str, tags: list[str], cast: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "id": sid,
        "crew": "C",
        "minutes": 300,
        "requires": tags,
        "cast": cast,
        "earliest": None,
        "latest": None,
        "locations": None,
        **extra,
    }


def _problem(scenes: list[dict[str, Any]]) -> dict[str, Any]:
    """One crew, 600 minutes a day; the palace and the garden are both free."""
    return {
        "horizon": {"start": "2027-03-01", "end": "2027-03-15"},
        "same_base_move_cost": 1000,
        "unscheduled_penalty": 10_000_000,
        "bases": [{"id": "B", "name": "B"}],
        "travel": [],
        "locations": [
            {
                "id": "PALACE",
                "base": "B",
                "tags": ["palace", "hall"],
                "day_rate": 0,
                "unavailable": [],
            },
            {
                "id": "GARDEN",
                "base": "B",
                "tags": ["garden", "hall"],
                "day_rate": 0,
                "unavailable": [],
            },
        ],
        "crews": [
            {
                "id": "C",
                "window": {"start": "2027-03-01", "end": "2027-03-15"},
                "day_cost": 10_000,
                "max_minutes_per_day": 600,
            }
        ],
        "cast": [
            {"id": "EMPRESS", "crew": "C", "day_cost": 80_000, "unavailable": []},
            {"id": "GENERAL", "crew": "C", "day_cost": 60_000, "unavailable": []},
        ],
        "scenes": scenes,
        "fixed": [],
    }


def _days(packing: tuple[tuple[str, ...], ...]) -> set[frozenset[str]]:
    return {frozenset(day) for day in packing}


def test_scenes_of_one_star_share_a_day_across_groups_of_fitting_sets() -> None:
    # E1 needs the palace, G1 the garden, E2 and G2 a hall (either set). First fit packs
    # E2 with G2 (same fitting sets) and leaves E1 and G1 alone: three days, each star on
    # two. Two days, each star on one, are cheaper by a crew day and two star days.
    raw = _problem(
        [
            _scene("E1", ["palace"], ["EMPRESS"]),
            _scene("E2", ["hall"], ["EMPRESS"]),
            _scene("G1", ["garden"], ["GENERAL"]),
            _scene("G2", ["hall"], ["GENERAL"]),
        ]
    )
    problem = parse_problem(raw)
    scope = crew_scope(problem, "C")
    first = first_fit_packing(problem, scope)
    assert len(first) == 3
    packed = pack_days(problem, scope, first, PackingBudget(seconds=5.0, workers=1))
    assert packed is not None
    assert _days(packed.days) == {frozenset({"E1", "E2"}), frozenset({"G1", "G2"})}

    cost = partial(crew_cost, problem, "C")
    rng = random.Random(1)
    deadline = time.monotonic() + 5
    plain = min(map(cost, crew_heuristic_plans(problem, scope, rng, deadline, tries=1)))
    plans = crew_heuristic_plans(problem, scope, rng, deadline, tries=1, packing=packed.days)
    best = min(plans, key=cost)
    assert cost(best) == plain - 10_000 - 80_000 - 60_000
    assert check_plan(raw, plan_to_dict(make_plan(problem, best))).valid


def test_what_can_never_share_a_date_is_kept_apart() -> None:
    # Same-cast scenes that would share a day if they could: continuity (E2 after E1),
    # no common date (G1 only on the 2nd, G2 only on the 5th), and night beside day.
    raw = _problem(
        [
            _scene("E1", ["hall"], ["EMPRESS"]),
            _scene("E2", ["hall"], ["EMPRESS"], after=["E1"]),
            _scene("G1", ["hall"], ["GENERAL"], earliest="2027-03-02", latest="2027-03-02"),
            _scene("G2", ["hall"], ["GENERAL"], earliest="2027-03-05", latest="2027-03-05"),
            _scene("N1", ["hall"], ["EMPRESS", "GENERAL"], night=True),
        ]
    )
    problem = parse_problem(raw)
    scope = crew_scope(problem, "C")
    apart = [{"E1"}, {"E2"}, {"G1"}, {"G2"}, {"N1"}]
    packed = pack_days(
        problem, scope, [sorted(d) for d in apart], PackingBudget(seconds=5.0, workers=1)
    )
    assert packed is not None
    for day in packed.days:
        assert not {"E1", "E2"} <= set(day)
        assert not {"G1", "G2"} <= set(day)
        assert "N1" not in day or len(day) == 1
    # Yet what may share a day does: E1 with a G, E2 with the other, N1 alone.
    assert len(packed.days) == 3
