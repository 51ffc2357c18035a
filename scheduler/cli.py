"""Command-line commands of the scheduler: check, greedy, explain, solve.

``register(cli)`` adds them to the ``backlot`` Typer app; ``python -m
scheduler.cli`` runs them standalone. Exit status: 0 success, 1 an invalid
plan (or unreadable plan file), 2 an unreadable or invalid problem.

``solve`` is deterministic for a given ``--seed`` and ``--workers`` (the
solver fixes its random seed and worker count from them); leaving
``--seed`` out lets the solver pick its own.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from scheduler.checker import check_plan
from scheduler.cost import empty_plan
from scheduler.domain import Plan, Problem
from scheduler.explain import explain
from scheduler.greedy import greedy_plan
from scheduler.io import (
    PlanError,
    ProblemError,
    dump_plan,
    load_plan,
    parse_plan,
    parse_problem,
    plan_to_dict,
)
from scheduler.solver import Progress, SolveOptions, solve

EXIT_INVALID_PLAN = 1
EXIT_INVALID_PROBLEM = 2

ProblemArg = Annotated[
    Path, typer.Argument(help="Problem JSON in the exchange format.", show_default=False)
]
PlanArg = Annotated[Path, typer.Argument(help="Plan JSON in the exchange format.")]
OutOpt = Annotated[Path, typer.Option("--output", "-o", help="Where to write the plan JSON.")]


def _read_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _load_problem(path: Path) -> tuple[Any, Problem]:
    """The raw problem JSON and its validated Problem; exit 2 when either fails."""
    try:
        raw = _read_json(path)
    except _UNREADABLE as exc:
        typer.echo(f"error: cannot read problem {path}: {exc!r}", err=True)
        raise typer.Exit(EXIT_INVALID_PROBLEM) from None
    try:
        return raw, parse_problem(raw)
    except ProblemError as exc:
        typer.echo(f"error: invalid problem {path}: {exc}", err=True)
    raise typer.Exit(EXIT_INVALID_PROBLEM)


# A missing file, bad JSON, bytes that are not UTF-8, nesting too deep to decode.
_UNREADABLE = (OSError, ValueError, RecursionError)


def _since_process_start() -> float:
    """Seconds since this process started (Linux ``/proc``; 0 where unknown).

    ``backlot solve --time-limit T`` promises a plan within T x 1.1 + 3 s of the
    command's start, and on a loaded machine starting Python and importing the
    solver alone can take seconds: they come out of the solve's limit.
    """
    try:
        with open("/proc/self/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as fh:
            uptime = float(fh.read().split()[0])
        return max(0.0, uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return 0.0


def _cost_line(cost: Any) -> str:
    def get(key: str) -> Any:
        return cost.get(key) if isinstance(cost, dict) else getattr(cost, key)

    return "  ".join(
        f"{k}={get(k):,}" for k in ("total", "rent", "crew", "cast", "moves", "unscheduled")
    )


def check_command(
    problem: ProblemArg,
    plan: PlanArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check a plan against every hard rule and its exact cost (independent checker)."""
    raw_problem, _ = _load_problem(problem)
    try:
        raw_plan = _read_json(plan)
    except _UNREADABLE as exc:
        typer.echo(f"error: cannot read plan {plan}: {exc}", err=True)
        raise typer.Exit(EXIT_INVALID_PLAN) from None
    report = check_plan(raw_problem, raw_plan)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        for v in report.violations:
            label = f"rule {v.rule} {v.code}" if v.rule is not None else v.code
            typer.echo(f"{label}: {v.message}")
        verdict = "valid" if report.valid else f"INVALID ({len(report.violations)} violations)"
        typer.echo(f"{verdict}; exact cost: {_cost_line(report.cost)}")
    if not report.valid:
        raise typer.Exit(EXIT_INVALID_PLAN)


def greedy_command(problem: ProblemArg, output: OutOpt) -> None:
    """Write the first-come baseline plan (what booking by hand would cost)."""
    _, parsed = _load_problem(problem)
    plan = greedy_plan(parsed)
    dump_plan(plan, output)
    typer.echo(
        f"greedy: {len(plan.assignments)} scheduled, {len(plan.unscheduled)} unscheduled; "
        f"{_cost_line(plan.cost)}"
    )


def explain_command(problem: ProblemArg, plan: PlanArg) -> None:
    """Print, as JSON, the cost per term and crew and why each unscheduled scene is out."""
    _, parsed = _load_problem(problem)
    try:
        loaded = parse_plan(_read_json(plan))
    except (*_UNREADABLE, PlanError) as exc:
        typer.echo(f"error: cannot read plan {plan}: {exc}", err=True)
        raise typer.Exit(EXIT_INVALID_PLAN) from None
    typer.echo(json.dumps(explain(parsed, loaded).to_dict(), ensure_ascii=False, indent=2))


class _ProgressView:
    """Shows solver progress: an in-place line on a terminal, JSON lines otherwise.

    The solver calls :meth:`update` from its own thread on each improvement; on a
    terminal :meth:`tick` redraws the line so elapsed time keeps moving.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.started = time.monotonic()
        self.cost: int | None = None
        self.bound: int | None = None
        self.phase = ""
        self.lock = threading.Lock()

    def update(self, progress: Progress) -> None:
        """Take one progress report (the solver's ``progress`` callback)."""
        with self.lock:
            self.cost = progress.best_total
            self.bound = progress.best_bound
            self.phase = progress.phase
            if self.tty:
                self._draw()
            else:
                line = {
                    "event": "improvement",
                    "elapsed": round(time.monotonic() - self.started, 3),
                    "best_total": self.cost,
                    "best_bound": self.bound,
                    "phase": self.phase,
                }
                self.stream.write(json.dumps(line) + "\n")
                self.stream.flush()

    def tick(self) -> None:
        if self.tty:
            with self.lock:
                self._draw()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self) -> None:
        elapsed = time.monotonic() - self.started
        cost = "-" if self.cost is None else f"{self.cost:,}"
        bound = "-" if self.bound is None else f"{self.bound:,}"
        gap = ""
        if self.cost and self.bound is not None:
            gap = f"  gap {100 * (self.cost - self.bound) / self.cost:.2f}%"
        phase = f"  [{self.phase}]" if self.phase else ""
        self.stream.write(f"\r{elapsed:7.1f}s  best {cost}  bound {bound}{gap}{phase}\033[K")
        self.stream.flush()


def solve_command(
    problem: ProblemArg,
    output: OutOpt,
    time_limit: Annotated[
        float,
        typer.Option(help="Seconds from the command's start before the best plan is kept."),
    ] = 60,
    workers: Annotated[int, typer.Option(help="Solver worker threads.")] = 2,
    seed: Annotated[int | None, typer.Option(help="Random seed; fixes the run.")] = None,
    hint: Annotated[
        Path | None, typer.Option(help="A previous plan JSON to warm-start from.")
    ] = None,
    deterministic_time: Annotated[
        float | None,
        typer.Option(
            help="With --workers 1 and --seed: the search budget in CP-SAT deterministic "
            "seconds, for reproducible runs (--time-limit stays a wall-clock limit)."
        ),
    ] = None,
) -> None:
    """Optimize a problem and write the best plan found (Ctrl-C keeps the best so far)."""
    # When this process started, in time.monotonic() terms: the limit counts from there.
    began = time.monotonic() - _since_process_start()
    raw_problem, parsed = _load_problem(problem)
    hint_plan: Plan | None = None
    if hint is not None:
        try:
            hint_plan = load_plan(hint)
        except (*_UNREADABLE, PlanError) as exc:
            typer.echo(f"error: cannot read hint: {exc}", err=True)
            raise typer.Exit(EXIT_INVALID_PLAN) from None
    view = _ProgressView(sys.stderr)
    stop = threading.Event()
    result: list[Plan] = []
    baseline: list[Plan] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            baseline.append(greedy_plan(parsed))
            options = SolveOptions(
                time_limit=max(0.5, time_limit - (time.monotonic() - began)),
                workers=workers,
                seed=seed,
                hint=hint_plan,
                baseline=baseline[0],
                deterministic_time=deterministic_time,
            )
            result.append(solve(parsed, options, view.update, stop))
        except BaseException as exc:  # reported below; the plan falls back
            failure.append(exc)

    worker = threading.Thread(target=run, name="backlot-solve", daemon=True)
    worker.start()
    # The promise is a valid plan within T x 1.1 + 3 s of the start; keep time to write it.
    hard_stop = began + time_limit * 1.1 + 3 - _WRITE_MARGIN
    try:
        while worker.is_alive() and time.monotonic() < hard_stop:
            worker.join(0.25)
            view.tick()
        if worker.is_alive():
            stop.set()
            worker.join(max(0.0, min(1.0, hard_stop + _WRITE_MARGIN / 2 - time.monotonic())))
    except KeyboardInterrupt:
        stop.set()
        worker.join()
    view.close()
    overran = worker.is_alive()
    if result:
        plan = result[0]
    else:
        why = "overran its time" if overran else f"failed: {failure[0]!r}" if failure else "?"
        typer.echo(f"warning: the solver {why}; writing the first-come plan", err=True)
        plan = _fallback(raw_problem, parsed, baseline)
    dump_plan(plan, output)
    report = check_plan(raw_problem, _read_json(output))
    if not report.valid:
        # Never expected: a plan that fails the checker is replaced by one that keeps it.
        for v in report.violations[:20]:
            typer.echo(f"checker: {v.code}: {v.message}", err=True)
        typer.echo("warning: the plan failed the checker; writing the first-come plan", err=True)
        plan = _fallback(raw_problem, parsed, [p for p in baseline if p is not plan])
        dump_plan(plan, output)
    bound = "none" if plan.lower_bound is None else f"{plan.lower_bound:,}"
    typer.echo(
        f"{plan.status}: {len(plan.assignments)} scheduled, {len(plan.unscheduled)} "
        f"unscheduled; bound {bound}; {plan.solve_seconds:.1f}s; {_cost_line(plan.cost)}"
    )
    if overran:
        _leave_now()


def _leave_now() -> None:
    """Exit 0 at once: the overrunning solver thread may sit in native code, and
    interpreter shutdown would wait for it."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


_WRITE_MARGIN = 1.5  # seconds kept to write and check the plan after a forced stop


def _fallback(raw_problem: Any, problem: Problem, candidates: list[Plan]) -> Plan:
    """The greedy plan if it was made and keeps every rule, else the empty plan
    (leaving every scene unscheduled is always valid)."""
    for plan in candidates:
        try:
            if check_plan(raw_problem, plan_to_dict(plan)).valid:
                return plan
        except Exception:
            continue
    return empty_plan(problem)


def register(cli: typer.Typer) -> None:
    """Add the scheduler commands to a Typer app (the ``backlot`` CLI)."""
    cli.command("check")(check_command)
    cli.command("greedy")(greedy_command)
    cli.command("explain")(explain_command)
    cli.command("solve")(solve_command)


def main() -> None:
    """Run the scheduler commands on their own (``python -m scheduler.cli``)."""
    cli = typer.Typer(no_args_is_help=True, add_completion=False)
    register(cli)
    cli()


if __name__ == "__main__":
    main()
