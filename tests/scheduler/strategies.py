"""Hypothesis strategies for small random planning problems and plans.

Problems come out in the spec's JSON form (valid by construction) so that the
checker, which reads raw JSON, and the domain code, which reads
``parse_problem(...)``, can be fed the same input. Sizes are tiny on purpose:
few dates, tags and locations make rules collide often. The solver's
property tests reuse ``problem_dicts``.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

START = date(2027, 3, 1)
TAGS = ("street", "palace", "night", "interior")


def day(offset: int) -> str:
    """ISO date ``offset`` days after 2027-03-01."""
    return (START + timedelta(days=offset)).isoformat()


@st.composite
def problem_dicts(
    draw: st.DrawFn,
    *,
    max_crews: int = 3,
    max_scenes: int = 9,
    max_locations: int = 5,
    max_days: int = 10,
) -> dict[str, Any]:
    """A valid problem JSON with up to the given sizes."""
    n_days = draw(st.integers(3, max_days))
    n_bases = draw(st.integers(1, 3))
    bases = [{"id": f"B{i}", "name": f"Base {i}"} for i in range(n_bases)]
    travel = []
    for i in range(n_bases):
        for j in range(i + 1, n_bases):
            if draw(st.booleans()):
                a, b = (f"B{i}", f"B{j}") if draw(st.booleans()) else (f"B{j}", f"B{i}")
                travel.append({"from": a, "to": b, "cost": draw(st.integers(0, 9000))})

    def dates_off(limit: int) -> list[str]:
        offs = draw(st.lists(st.integers(-1, n_days), max_size=limit, unique=True))
        return [day(o) for o in offs]

    n_locations = draw(st.integers(1, max_locations))
    locations = [
        {
            "id": f"L{i}",
            "base": f"B{draw(st.integers(0, n_bases - 1))}",
            "tags": draw(st.lists(st.sampled_from(TAGS), max_size=4, unique=True)),
            "day_rate": draw(st.integers(0, 50000)),
            "unavailable": dates_off(2),
        }
        for i in range(n_locations)
    ]

    n_crews = draw(st.integers(1, max_crews))
    crews = []
    for i in range(n_crews):
        start = draw(st.integers(-2, n_days // 2))
        end = draw(st.integers(start + 1, n_days + 2))
        crews.append(
            {
                "id": f"C{i}",
                "window": {"start": day(start), "end": day(end)},
                "day_cost": draw(st.integers(0, 200000)),
                "max_minutes_per_day": draw(st.sampled_from([120, 240, 480])),
            }
        )

    cast = []
    for c in crews:
        for k in range(draw(st.integers(0, 3))):
            cast.append(
                {
                    "id": f"{c['id']}-A{k}",
                    "crew": c["id"],
                    "day_cost": draw(st.integers(0, 60000)),
                    "unavailable": dates_off(2),
                }
            )

    scenes: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, max_scenes))):
        crew = crews[draw(st.integers(0, n_crews - 1))]
        crew_id = crew["id"]
        members = [m["id"] for m in cast if m["crew"] == crew_id]
        same_crew = [s["id"] for s in scenes if s["crew"] == crew_id]
        # Mostly unconstrained, so that rules between scenes get exercised too.
        earliest = draw(st.integers(-1, n_days)) if draw(st.integers(0, 3)) == 0 else None
        latest = draw(st.integers(-1, n_days)) if draw(st.integers(0, 3)) == 0 else None
        allowed = None
        if draw(st.integers(0, 3)) == 0:
            allowed = draw(st.lists(st.sampled_from([loc["id"] for loc in locations]), unique=True))
        scenes.append(
            {
                "id": f"S{i}",
                "crew": crew_id,
                "minutes": draw(st.sampled_from([30, 60, 90, 120, 200, 300, 500])),
                "requires": draw(st.lists(st.sampled_from(TAGS), max_size=1, unique=True)),
                "cast": draw(st.lists(st.sampled_from(members), unique=True)) if members else [],
                "earliest": None if earliest is None else day(earliest),
                "latest": None if latest is None else day(latest),
                "locations": allowed,
                # Version 2: about a third at night; the key is sometimes left out.
                **(
                    {"night": draw(st.sampled_from([False, True, True]))}
                    if draw(st.booleans())
                    else {}
                ),
                # Only earlier scenes of the crew, so `after` never has a cycle.
                "after": (
                    draw(st.lists(st.sampled_from(same_crew), max_size=2, unique=True))
                    if same_crew
                    else []
                ),
            }
        )

    # Fixed days of other productions and of the crews themselves (rule 9, free rent),
    # sometimes several sets booked by one crew on one date.
    # Some fall just outside the horizon, where they must change nothing.
    fixed = []
    holders = [c["id"] for c in crews] + ["OTHER"]
    taken: set[tuple[str, int]] = set()
    for loc in locations:
        for off in draw(st.lists(st.integers(-1, n_days), max_size=2, unique=True)):
            taken.add((loc["id"], off))
            fixed.append(
                {"location": loc["id"], "crew": draw(st.sampled_from(holders)), "date": day(off)}
            )
    if len(locations) > 1 and draw(st.integers(0, 3)) == 0:
        # One crew books two sets on one date: it then uses one of them (rule 9).
        holder = draw(st.sampled_from(crews))["id"]
        off = draw(st.integers(0, n_days - 1))
        ids = [loc["id"] for loc in locations]
        for loc_id in draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True)):
            if (loc_id, off) not in taken:
                fixed.append({"location": loc_id, "crew": holder, "date": day(off)})

    return {
        "horizon": {"start": day(0), "end": day(n_days)},
        "same_base_move_cost": draw(st.integers(0, 3000)),
        "unscheduled_penalty": draw(st.integers(0, 10_000_000)),
        "bases": bases,
        "travel": travel,
        "locations": locations,
        "crews": crews,
        "cast": cast,
        "scenes": scenes,
        "fixed": fixed,
    }


@st.composite
def plan_dicts(draw: st.DrawFn, problem: dict[str, Any]) -> dict[str, Any]:
    """An arbitrary (often invalid) plan over the problem's ids, with placeholder cost."""
    n_days = (
        date.fromisoformat(problem["horizon"]["end"])
        - date.fromisoformat(problem["horizon"]["start"])
    ).days
    location_ids = [loc["id"] for loc in problem["locations"]]
    assignments = []
    for scene in problem["scenes"]:
        if draw(st.booleans()):
            assignments.append(
                {
                    "scene": scene["id"],
                    "location": draw(st.sampled_from(location_ids)),
                    "date": day(draw(st.integers(-1, n_days))),
                }
            )
    assigned = {a["scene"] for a in assignments}
    return {
        "status": "FEASIBLE",
        "assignments": assignments,
        "unscheduled": [s["id"] for s in problem["scenes"] if s["id"] not in assigned],
        "cost": dict.fromkeys(("rent", "crew", "cast", "moves", "unscheduled", "total"), 0),
        "lower_bound": None,
        "solve_seconds": 0.0,
    }


def big_problem_dict(
    seed: int = 0,
    *,
    crews: int = 100,
    scenes: int = 4000,
    locations: int = 300,
    days: int = 120,
) -> dict[str, Any]:
    """A large valid problem for local speed checks (not used in timed tests)."""
    rng = random.Random(seed)
    tags = [f"t{i}" for i in range(20)]
    bases = [{"id": f"B{i}", "name": f"Base {i}"} for i in range(12)]
    travel = [
        {"from": f"B{i}", "to": f"B{j}", "cost": rng.randint(2000, 20000)}
        for i in range(12)
        for j in range(i + 1, 12)
        if rng.random() < 0.8
    ]
    locs = [
        {
            "id": f"L{i}",
            "base": f"B{rng.randrange(12)}",
            "tags": rng.sample(tags, 5),
            "day_rate": rng.randint(5000, 80000),
            "unavailable": [day(rng.randrange(days)) for _ in range(rng.randint(0, 4))],
        }
        for i in range(locations)
    ]
    crew_list = []
    cast_list = []
    for c in range(crews):
        start = rng.randrange(days // 2)
        crew_list.append(
            {
                "id": f"C{c}",
                "window": {"start": day(start), "end": day(min(days, start + rng.randint(30, 90)))},
                "day_cost": rng.randint(50000, 300000),
                "max_minutes_per_day": 720,
            }
        )
        for a in range(8):
            cast_list.append(
                {
                    "id": f"C{c}-A{a}",
                    "crew": f"C{c}",
                    "day_cost": rng.randint(2000, 100000),
                    "unavailable": [day(rng.randrange(days)) for _ in range(rng.randint(0, 3))],
                }
            )
    scene_list: list[dict[str, Any]] = []
    for s in range(scenes):
        c = s % crews
        prior = [x["id"] for x in scene_list[-crews * 3 :] if x["crew"] == f"C{c}"]
        scene_list.append(
            {
                "id": f"S{s}",
                "crew": f"C{c}",
                "minutes": rng.choice([60, 120, 180, 240, 360, 1000]),
                "requires": rng.sample(tags, rng.randint(0, 2)),
                "cast": rng.sample([f"C{c}-A{a}" for a in range(8)], rng.randint(1, 4)),
                "earliest": None,
                "latest": None,
                "locations": None,
                "after": prior[-1:] if prior and rng.random() < 0.05 else [],
            }
        )
    fixed = []
    seen: set[tuple[str, str]] = set()
    for _ in range(locations * 5):
        key = (f"L{rng.randrange(locations)}", day(rng.randrange(days)))
        if key not in seen:
            seen.add(key)
            fixed.append({"location": key[0], "crew": "OTHER", "date": key[1]})
    return {
        "horizon": {"start": day(0), "end": day(days)},
        "same_base_move_cost": 2000,
        "unscheduled_penalty": 10_000_000,
        "bases": bases,
        "travel": travel,
        "locations": locs,
        "crews": crew_list,
        "cast": cast_list,
        "scenes": scene_list,
        "fixed": fixed,
    }


@st.composite
def tiny_v2_problem_dicts(draw: st.DrawFn, *, max_scenes: int = 3) -> dict[str, Any]:
    """A problem small enough to enumerate, with every version-2 feature in play.

    The first scene is shot at night, the second spans several days, some scene
    has cast, and the first scene's crew has booked one or two sets itself on
    a date of the horizon, so that rules 9 and 10 and the rent exemption bind.
    """
    problem = draw(
        problem_dicts(max_crews=2, max_scenes=max_scenes, max_locations=2, max_days=4).filter(
            lambda p: len(p["scenes"]) >= 2
        )
    )
    scenes, crews = problem["scenes"], {c["id"]: c for c in problem["crews"]}
    scenes[0]["night"] = True
    scenes[1]["minutes"] = crews[scenes[1]["crew"]]["max_minutes_per_day"] + draw(
        st.sampled_from([1, 60])
    )
    members = [m["id"] for m in problem["cast"] if m["crew"] == scenes[-1]["crew"]]
    if members and not scenes[-1]["cast"]:
        scenes[-1]["cast"] = members[:1]
    n_days = (
        date.fromisoformat(problem["horizon"]["end"])
        - date.fromisoformat(problem["horizon"]["start"])
    ).days
    when = day(draw(st.integers(0, n_days - 1)))
    taken = {(f["location"], f["date"]) for f in problem["fixed"]}
    ids = [loc["id"] for loc in problem["locations"]]
    for loc_id in draw(st.lists(st.sampled_from(ids), min_size=1, max_size=2, unique=True)):
        if (loc_id, when) not in taken:
            problem["fixed"].append({"location": loc_id, "crew": scenes[0]["crew"], "date": when})
    return problem
