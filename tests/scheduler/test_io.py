"""Problem validation (one rejection per validity rule) and plan JSON round trips."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from scheduler.domain import DateRange
from scheduler.io import (
    PlanError,
    ProblemError,
    dump_plan,
    dump_problem,
    load_plan,
    load_problem,
    parse_plan,
    parse_problem,
    plan_to_dict,
    problem_to_dict,
    validate_problem,
)
from tests.scheduler.builders import plan_dict, problem_dict

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    """A mutation that sets a dotted path (list indexes as numbers) to a value."""

    def apply(p: dict[str, Any]) -> None:
        *head, last = path.split(".")
        target: Any = p
        for key in head:
            target = target[int(key)] if key.isdigit() else target[key]
        target[int(last) if last.isdigit() else last] = value

    return apply


def _del(path: str) -> Mutation:
    def apply(p: dict[str, Any]) -> None:
        *head, last = path.split(".")
        target: Any = p
        for key in head:
            target = target[int(key)] if key.isdigit() else target[key]
        del target[last]

    return apply


def _append(section: str, entry: dict[str, Any]) -> Mutation:
    return lambda p: p[section].append(entry)


REJECTIONS: list[tuple[str, Mutation, list[str]]] = [
    ("missing top-level field", _del("horizon"), ["problem", "missing field 'horizon'"]),
    ("horizon end before start", _set("horizon.end", "2027-02-28"), ["'horizon' end"]),
    ("date not ISO form", _set("horizon.start", "2027-3-1"), ["'horizon.start'", "2027-3-1"]),
    ("date not a calendar date", _set("horizon.end", "2027-02-30"), ["not a valid date"]),
    ("negative move cost", _set("same_base_move_cost", -1), ["'same_base_move_cost'", ">= 0"]),
    ("boolean is not an integer", _set("unscheduled_penalty", True), ["must be an integer"]),
    ("float is not an integer", _set("same_base_move_cost", 2.5), ["must be an integer"]),
    ("section not a list", _set("bases", {}), ["'bases' must be a list"]),
    ("entry not an object", _set("crews.0", "C1"), ["crews[0]", "must be an object"]),
    ("empty id", _set("bases.0.id", ""), ["bases[0]", "non-empty"]),
    ("missing id", _del("cast.0.id"), ["cast[0]", "missing field 'id'"]),
    ("duplicate id", _set("scenes.1.id", "S1"), ["scenes[1] (id 'S1')", "duplicate id"]),
    ("base name not a string", _set("bases.1.name", 3), ["bases[1] (id 'QWG')", "'name'"]),
    ("travel to unknown base", _set("travel.0.to", "NOPE"), ["travel[0]", "'NOPE'"]),
    (
        "travel from a base to itself",
        _set("travel.0.to", "SHB"),
        ["travel[0]", "to itself"],
    ),
    (
        "second travel entry for the same unordered pair",
        _append("travel", {"from": "QWG", "to": "SHB", "cost": 1}),
        ["travel[1]", "already given by travel[0]"],
    ),
    ("negative travel cost", _set("travel.0.cost", -5), ["travel[0]", "'cost'"]),
    ("location of unknown base", _set("locations.2.base", "ZZZ"), ["locations[2] (id 'L3')"]),
    ("negative day rate", _set("locations.0.day_rate", -1), ["locations[0] (id 'L1')"]),
    ("tags not a list", _set("locations.1.tags", "street"), ["locations[1] (id 'L2')", "'tags'"]),
    ("tag not a string", _set("locations.1.tags", [1]), ["locations[1] (id 'L2')", "'tags'"]),
    (
        "bad unavailable date",
        _set("locations.0.unavailable", ["2027-13-01"]),
        ["locations[0] (id 'L1')", "'unavailable'"],
    ),
    (
        "window end before start",
        _set("crews.0.window.end", "2027-02-01"),
        ["crews[0] (id 'C1')", "'window'"],
    ),
    ("zero minutes per day", _set("crews.1.max_minutes_per_day", 0), ["crews[1] (id 'C2')", "> 0"]),
    ("crew cost boolean", _set("crews.0.day_cost", False), ["crews[0] (id 'C1')", "integer"]),
    ("cast of unknown crew", _set("cast.2.crew", "C9"), ["cast[2] (id 'B1')", "'C9'"]),
    ("negative cast cost", _set("cast.0.day_cost", -1), ["cast[0] (id 'A1')"]),
    ("scene of unknown crew", _set("scenes.0.crew", "C9"), ["scenes[0] (id 'S1')", "'C9'"]),
    ("zero minutes", _set("scenes.0.minutes", 0), ["scenes[0] (id 'S1')", "'minutes'", "> 0"]),
    (
        "unknown cast member",
        _set("scenes.0.cast", ["A99"]),
        ["scenes[0] (id 'S1')", "cast 'A99' is not a cast member"],
    ),
    (
        "cast member of another crew",
        _set("scenes.0.cast", ["B1"]),
        ["scenes[0] (id 'S1')", "'B1'", "crew 'C2'"],
    ),
    (
        "unknown allowed location",
        _set("scenes.4.locations", ["L2", "L9"]),
        ["scenes[4] (id 'S5')", "'L9'"],
    ),
    ("requires not a list", _set("scenes.0.requires", None), ["scenes[0] (id 'S1')", "'requires'"]),
    (
        "bad earliest",
        _set("scenes.3.earliest", "03/03/2027"),
        ["scenes[3] (id 'S4')", "'earliest'"],
    ),
    ("missing latest", _del("scenes.3.latest"), ["scenes[3] (id 'S4')", "missing field 'latest'"]),
    ("missing locations", _del("scenes.3.locations"), ["scenes[3] (id 'S4')", "'locations'"]),
    ("after unknown scene", _set("scenes.3.after", ["S9"]), ["scenes[3] (id 'S4')", "'S9'"]),
    (
        "after a scene of another crew",
        _set("scenes.3.after", ["S5"]),
        ["scenes[3] (id 'S4')", "'S5'", "crew 'C2'"],
    ),
    ("after itself", _set("scenes.3.after", ["S4"]), ["scenes[3] (id 'S4')", "itself"]),
    ("after cycle", _set("scenes.0.after", ["S4"]), ["'after' has a cycle", "S1", "S4"]),
    (
        "fixed at unknown location",
        _set("fixed.0.location", "L9"),
        ["fixed[0]", "'L9' is not a location"],
    ),
    (
        "two fixed entries for one location-day",
        _append("fixed", {"location": "L2", "crew": "X", "date": "2027-03-02"}),
        ["fixed[2]", "already fixed by fixed[0]"],
    ),
    ("fixed with empty crew", _set("fixed.0.crew", ""), ["fixed[0]", "'crew'"]),
    ("fixed bad date", _set("fixed.0.date", "tomorrow"), ["fixed[0]", "'date'"]),
    ("night as a number", _set("scenes.2.night", 1), ["scenes[2] (id 'S3')", "'night'", "boolean"]),
    (
        "night as a string",
        _set("scenes.2.night", "true"),
        ["scenes[2] (id 'S3')", "'night'", "boolean"],
    ),
    ("night null", _set("scenes.2.night", None), ["scenes[2] (id 'S3')", "'night'", "boolean"]),
]


@pytest.mark.parametrize(
    ("mutate", "fragments"), [(m, f) for _, m, f in REJECTIONS], ids=[n for n, _, _ in REJECTIONS]
)
def test_invalid_problem_is_refused_naming_the_entry(
    mutate: Mutation, fragments: list[str]
) -> None:
    problem = problem_dict()
    mutate(problem)
    with pytest.raises(ProblemError) as caught:
        parse_problem(problem)
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_not_an_object_is_refused() -> None:
    with pytest.raises(ProblemError, match="must be an object"):
        parse_problem([])


def test_longer_cycle_is_refused() -> None:
    problem = problem_dict()
    problem["scenes"][0]["after"] = ["S2"]
    problem["scenes"][1]["after"] = ["S3"]
    problem["scenes"][2]["after"] = ["S1"]
    with pytest.raises(ProblemError, match="cycle"):
        parse_problem(problem)


def test_accepted_variants() -> None:
    problem = problem_dict()
    problem["scenes"][0]["after"] = None  # missing or null: no predecessors
    problem["fixed"][0]["crew"] = "NOT-A-CREW"  # another production
    problem["scenes"][4]["locations"] = []  # allows none: valid, just unschedulable
    problem["scenes"][0]["earliest"] = "2027-03-09"  # earliest after latest is allowed
    problem["scenes"][0]["latest"] = "2027-03-02"
    problem["bases"][0]["extra"] = "ignored"
    parsed = parse_problem(problem)
    assert parsed.scenes[0].after == ()
    assert parsed.scenes[1].after == ()  # S2 has no 'after' key at all
    assert parsed.scenes[4].locations == frozenset()
    assert not parsed.scenes[0].night  # version 1: no 'night' key means a day scene


def test_night_is_read_and_written_only_when_true() -> None:
    problem = problem_dict()
    problem["scenes"][2]["night"] = True
    problem["scenes"][1]["night"] = False
    parsed = parse_problem(problem)
    assert [s.night for s in parsed.scenes] == [False, False, True, False, False]
    written = problem_to_dict(parsed)
    assert [s.get("night") for s in written["scenes"]] == [None, None, True, None, None]
    assert parse_problem(written) == parsed


def test_parsed_problem_fields() -> None:
    parsed = parse_problem(problem_dict())
    assert parsed.horizon == DateRange(date(2027, 3, 1), date(2027, 3, 11))
    assert len(parsed.horizon) == 10
    assert parsed.scene_days("S3") == 2  # ceil(1000 / 600)
    assert parsed.scene_days(parsed.scenes[0]) == 1
    index = parsed.index
    assert index.move_cost("L1", "L2") == 2000
    assert index.move_cost("L2", "L3") == 9000
    assert index.move_cost("L3", "L2") == 9000
    assert index.move_cost("L2", "L4") is None
    assert index.move_cost("L4", "L4") == 0
    assert [loc.id for loc in index.fitting_locations(parsed.scenes[0])] == ["L4", "L2", "L1"]
    assert index.successors["S1"] == ("S4",)
    assert index.blocked_for("L2", date(2027, 3, 2), "C1")
    assert not index.blocked_for("L4", date(2027, 3, 7), "C1")


def test_problem_round_trip(tmp_path: Path) -> None:
    parsed = parse_problem(problem_dict())
    assert parse_problem(problem_to_dict(parsed)) == parsed
    dump_problem(parsed, tmp_path / "p.json")
    assert load_problem(tmp_path / "p.json") == parsed


def test_load_problem_errors(tmp_path: Path) -> None:
    with pytest.raises(ProblemError, match="cannot read"):
        load_problem(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(ProblemError, match="not valid JSON"):
        load_problem(tmp_path / "bad.json")


def test_plan_round_trip(tmp_path: Path) -> None:
    problem = problem_dict()
    raw = plan_dict(problem, [("S1", "L2", 1), ("S3", "L3", 3)], lower_bound=5)
    plan = parse_plan(raw)
    assert plan_to_dict(plan) == raw
    assert list(raw) == [
        "status",
        "assignments",
        "unscheduled",
        "cost",
        "lower_bound",
        "solve_seconds",
    ]
    dump_plan(plan, tmp_path / "plan.json")
    assert load_plan(tmp_path / "plan.json") == plan
    assert json.loads((tmp_path / "plan.json").read_text(encoding="utf-8")) == raw


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("status", "DONE", "'status'"),
        ("assignments", {}, "'assignments'"),
        ("unscheduled", [1], "'unscheduled'"),
        ("lower_bound", -1, "'lower_bound'"),
        ("solve_seconds", "fast", "'solve_seconds'"),
        ("cost", {"rent": 0}, "missing field 'crew'"),
    ],
)
def test_malformed_plan_is_refused(key: str, value: Any, fragment: str) -> None:
    raw = plan_dict(problem_dict(), [])
    raw[key] = value
    with pytest.raises(PlanError, match=fragment):
        parse_plan(raw)


def test_problem_pickles_without_its_index_cache() -> None:
    import pickle

    parsed = parse_problem(problem_dict())
    assert parsed.index.scene_days["S3"] == 2  # builds the cache
    copy = pickle.loads(pickle.dumps(parsed))
    assert copy == parsed
    assert copy._index is None
    assert copy.scene_days("S3") == 2


def test_validate_problem_built_in_code() -> None:
    import dataclasses

    parsed = parse_problem(problem_dict())
    assert validate_problem(parsed) == parsed
    broken = dataclasses.replace(parsed, fixed=(*parsed.fixed, parsed.fixed[0]))
    with pytest.raises(ProblemError, match=r"fixed\[2\]"):
        validate_problem(broken)


def test_a_window_whose_end_is_its_start_holds_no_date() -> None:
    """A half-open range [d, d) is empty, not malformed: such a crew is read, and its
    scenes can only be left out (the solve says so, and proves it)."""
    from scheduler.solver import SolveOptions, solve

    raw = problem_dict()
    crew = raw["crews"][0]
    crew["window"]["end"] = crew["window"]["start"]
    problem = parse_problem(raw)
    assert len(problem.crews[0].window) == 0
    plan = solve(problem, SolveOptions(time_limit=2.0, workers=1))
    mine = {s.id for s in problem.scenes if s.crew == crew["id"]}
    assert mine and mine <= set(plan.unscheduled)
    assert plan.status == "OPTIMAL"
