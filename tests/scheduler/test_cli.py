"""The scheduler commands through Typer: exit codes, files written, progress lines."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

import scheduler.cli
from scheduler.checker import check_plan
from scheduler.cli import _ProgressView, register
from scheduler.cost import make_plan
from scheduler.domain import Plan, Problem
from scheduler.greedy import greedy_plan
from scheduler.io import load_plan, parse_problem
from tests.scheduler.builders import plan_dict, problem_dict

runner = CliRunner()


def make_app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def problem_file(tmp_path: Path) -> Path:
    return write(tmp_path / "problem.json", problem_dict())


def test_commands_are_registered() -> None:
    result = runner.invoke(make_app(), ["--help"])
    assert result.exit_code == 0
    for name in ("check", "greedy", "explain", "solve"):
        assert name in result.output


def test_check_valid_plan_exits_0(problem_file: Path, tmp_path: Path) -> None:
    plan = write(tmp_path / "plan.json", plan_dict(problem_dict(), [("S1", "L2", 1)]))
    result = runner.invoke(make_app(), ["check", str(problem_file), str(plan)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_check_rule_violation_exits_1(problem_file: Path, tmp_path: Path) -> None:
    plan = write(tmp_path / "plan.json", plan_dict(problem_dict(), [("S1", "L2", 4)]))
    result = runner.invoke(make_app(), ["check", str(problem_file), str(plan)])
    assert result.exit_code == 1
    assert "rule 6 cast_available" in result.output


def test_check_wrong_claimed_cost_exits_1(problem_file: Path, tmp_path: Path) -> None:
    raw = plan_dict(problem_dict(), [("S1", "L2", 1)])
    raw["cost"]["total"] -= 1
    plan = write(tmp_path / "plan.json", raw)
    result = runner.invoke(make_app(), ["check", "--json", str(problem_file), str(plan)])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["valid"] is False
    assert [v["code"] for v in report["violations"]] == ["cost_mismatch"]


def test_check_unreadable_plan_exits_1(problem_file: Path, tmp_path: Path) -> None:
    (tmp_path / "plan.json").write_text("not json", encoding="utf-8")
    result = runner.invoke(make_app(), ["check", str(problem_file), str(tmp_path / "plan.json")])
    assert result.exit_code == 1


def test_invalid_or_unreadable_problem_exits_2(tmp_path: Path) -> None:
    bad = problem_dict()
    bad["scenes"][0]["cast"] = ["A99"]
    problem = write(tmp_path / "bad.json", bad)
    plan = write(tmp_path / "plan.json", plan_dict(problem_dict(), []))
    result = runner.invoke(make_app(), ["check", str(problem), str(plan)])
    assert result.exit_code == 2
    assert "scenes[0] (id 'S1')" in result.output
    result = runner.invoke(make_app(), ["greedy", str(tmp_path / "none.json"), "-o", "x.json"])
    assert result.exit_code == 2


def test_greedy_writes_a_valid_plan(problem_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "greedy.json"
    result = runner.invoke(make_app(), ["greedy", str(problem_file), "-o", str(out)])
    assert result.exit_code == 0, result.output
    written = load_plan(out)
    expected = greedy_plan(parse_problem(problem_dict()))
    assert (written.assignments, written.cost) == (expected.assignments, expected.cost)
    check = runner.invoke(make_app(), ["check", str(problem_file), str(out)])
    assert check.exit_code == 0


def test_explain_prints_json(problem_file: Path, tmp_path: Path) -> None:
    plan = write(tmp_path / "plan.json", plan_dict(problem_dict(), [("S1", "L2", 1)]))
    result = runner.invoke(make_app(), ["explain", str(problem_file), str(plan)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [c["crew"] for c in data["crews"]] == ["C1", "C2"]
    assert {u["scene"] for u in data["unscheduled"]} == {"S2", "S3", "S4", "S5"}


@dataclass
class FakeOptions:
    time_limit: float = 60
    workers: int = 2
    seed: int | None = None
    hint: Plan | None = None
    baseline: Plan | None = None
    deterministic_time: float | None = None


@dataclass
class FakeProgress:
    elapsed: float
    best_total: int | None
    best_bound: int | None
    phase: str


def fake_solver(
    monkeypatch: pytest.MonkeyPatch,
    seen: dict[str, Any],
    plan_of: Callable[[Problem], Plan] | None = None,
) -> None:
    """Replace the solver the solve command calls."""

    def solve(
        problem: Problem,
        options: FakeOptions,
        progress: Callable[[FakeProgress], None] | None = None,
        stop: threading.Event | None = None,
    ) -> Plan:
        seen["options"] = options
        seen["stop"] = stop
        plan = plan_of(problem) if plan_of else greedy_plan(problem)
        if progress is not None:
            progress(FakeProgress(0.1, plan.cost.total + 5, None, "greedy"))
            progress(FakeProgress(0.2, plan.cost.total, plan.cost.total - 3, "crew"))
        return Plan(
            "FEASIBLE", plan.assignments, plan.unscheduled, plan.cost, plan.cost.total - 3, 0.2
        )

    monkeypatch.setattr(scheduler.cli, "solve", solve)
    monkeypatch.setattr(scheduler.cli, "SolveOptions", FakeOptions)


def test_solve_writes_plan_and_logs_json_lines_off_a_terminal(
    problem_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}
    fake_solver(monkeypatch, seen)
    # The command's own start-up comes out of the limit (here: 1.5 s so far).
    monkeypatch.setattr("scheduler.cli._since_process_start", lambda: 1.5)
    hint = write(tmp_path / "hint.json", plan_dict(problem_dict(), [("S1", "L2", 1)]))
    out = tmp_path / "plan.json"
    args = ["solve", str(problem_file), "-o", str(out), "--time-limit", "5", "--workers", "1"]
    result = runner.invoke(make_app(), [*args, "--seed", "7", "--hint", str(hint)])
    assert result.exit_code == 0, result.output
    options = seen["options"]
    assert (options.workers, options.seed) == (1, 7)
    assert 3.0 < options.time_limit <= 3.5  # less the greedy baseline's time
    assert options.baseline is not None
    assert options.hint is not None and options.hint.assignments[0].scene == "S1"
    assert isinstance(seen["stop"], threading.Event)
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert [line["event"] for line in lines] == ["improvement", "improvement"]
    assert lines[0]["best_bound"] is None
    assert lines[1]["best_bound"] == lines[1]["best_total"] - 3
    assert lines[1]["phase"] == "crew"
    assert load_plan(out).lower_bound == load_plan(out).cost.total - 3


def test_solve_replaces_an_invalid_plan_by_the_greedy_one(
    problem_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plan that fails the checker is never the answer: the first-come plan is."""

    def broken(problem: Problem) -> Plan:
        plan = make_plan(problem, greedy_plan(problem).assignments)
        return Plan(plan.status, plan.assignments, ("S1",), plan.cost)

    fake_solver(monkeypatch, {}, broken)
    out = tmp_path / "plan.json"
    result = runner.invoke(make_app(), ["solve", str(problem_file), "-o", str(out)])
    assert result.exit_code == 0
    assert "unscheduled_list" in result.stderr and "first-come plan" in result.stderr
    assert check_plan(json.loads(problem_file.read_text()), json.loads(out.read_text())).valid


def test_solve_writes_the_greedy_plan_when_the_solver_raises(
    problem_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(problem: Problem) -> Plan:
        raise RuntimeError("boom")

    fake_solver(monkeypatch, {}, crash)
    out = tmp_path / "plan.json"
    result = runner.invoke(make_app(), ["solve", str(problem_file), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "RuntimeError('boom')" in result.stderr and "Traceback" not in result.stderr
    plan = json.loads(out.read_text())
    assert check_plan(json.loads(problem_file.read_text()), plan).valid
    assert plan["assignments"]


def test_solve_keeps_its_time_limit_when_the_solver_hangs(
    problem_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """T x 1.1 + 3 s from the process start, whatever the solver does."""
    release = threading.Event()

    def hang(problem: Problem) -> Plan:
        release.wait(30)
        return greedy_plan(problem)

    fake_solver(monkeypatch, {}, hang)
    monkeypatch.setattr("scheduler.cli._since_process_start", lambda: 0.0)
    left: list[bool] = []
    monkeypatch.setattr("scheduler.cli._leave_now", lambda: left.append(True))
    out = tmp_path / "plan.json"
    started = time.monotonic()
    args = ["solve", str(problem_file), "-o", str(out), "--time-limit", "0"]
    result = runner.invoke(make_app(), args)
    release.set()
    assert time.monotonic() - started < 3.0
    assert result.exit_code == 0 and left == [True]
    assert "overran" in result.stderr
    assert check_plan(json.loads(problem_file.read_text()), json.loads(out.read_text())).valid


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_line_updates_in_place_on_a_terminal() -> None:
    stream = FakeTerminal()
    view = _ProgressView(stream)
    view.update(FakeProgress(1.0, 2_000_000, 1_900_000, "lns"))
    view.tick()
    view.close()
    text = stream.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n")
    assert "best 2,000,000" in text and "bound 1,900,000" in text and "gap 5.00%" in text
    assert "[lns]" in text


def test_time_since_process_start_is_known_on_linux() -> None:
    from scheduler.cli import _since_process_start

    assert 0.0 < _since_process_start() < 24 * 3600


@pytest.mark.parametrize(
    "content", [b"\xff\xfe{", b"[" * 100_000 + b"]" * 100_000, b""], ids=["latin", "deep", "empty"]
)
def test_an_unreadable_problem_file_exits_2_without_a_traceback(
    content: bytes, tmp_path: Path
) -> None:
    """Bytes that are not UTF-8 and nesting too deep for the decoder were tracebacks."""
    path = tmp_path / "problem.json"
    path.write_bytes(content)
    result = runner.invoke(make_app(), ["solve", str(path), "-o", str(tmp_path / "plan.json")])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "cannot read problem" in result.stderr
