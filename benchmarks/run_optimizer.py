"""Optimizer benchmark: greedy vs optimized plans on generated Hengdian-like problems.

Each (size, seed) runs in its own child process so that its peak memory (max
RSS, from ``wait4``) is measured alone. The child generates the problem,
computes the first-come greedy plan, solves, and checks the plan with the
independent checker (:mod:`scheduler.checker`); the parent prints one
markdown table.

Usage::

    python -m benchmarks.run_optimizer                      # every size, seeds 1-3
    python -m benchmarks.run_optimizer --sizes small,large --seeds 1,2 --workers 2
    python -m benchmarks.run_optimizer --sizes xl --time-limit 300
    python -m benchmarks.run_optimizer --sizes small,medium --seeds 1,2 \
        --deterministic 3 --time-limit 600        # reproducible figures

Default time limits follow the issue's targets: 60 s (small, medium, large)
and 300 s (xl). Run one benchmark at a time on a shared machine.

``--deterministic SECONDS`` makes the figures reproducible (for comparing two
versions of the solver): one worker, the problem's seed as the solver's seed,
and a search budget of that many CP-SAT deterministic seconds. The time limit
stays a hard wall-clock limit, so give one the run will not reach.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from typing import Any

DEFAULT_LIMITS = {"small": 60.0, "medium": 60.0, "large": 60.0, "xl": 300.0}
TARGETS = {
    "small": "proven optimal or gap <= 2% in 60 s",
    "large": "<= 0.6 x greedy in 60 s, <= 2 GB",
    "xl": "<= 0.7 x greedy in 300 s, <= 4 GB",
}


def run_one(
    size: str, seed: int, time_limit: float, workers: int, deterministic: float | None = None
) -> dict[str, Any]:
    """Generate, greedy, solve and check one problem (runs inside the child process)."""
    from benchmarks.generate import generate
    from scheduler.checker import check_plan
    from scheduler.greedy import greedy_plan
    from scheduler.io import parse_problem, plan_to_dict
    from scheduler.solver import SolveOptions, solve

    raw = generate(size, seed)
    problem = parse_problem(raw)
    greedy = greedy_plan(problem)
    started = time.monotonic()
    if deterministic is None:
        options = SolveOptions(time_limit=time_limit, workers=workers, baseline=greedy)
    else:
        options = SolveOptions(
            time_limit=time_limit,
            workers=1,
            seed=seed,
            deterministic_time=deterministic,
            baseline=greedy,
        )
    plan = solve(problem, options)
    seconds = time.monotonic() - started
    report = check_plan(raw, plan_to_dict(plan))
    greedy_report = check_plan(raw, plan_to_dict(greedy))
    total = plan.cost.total
    bound = plan.lower_bound
    return {
        "size": size,
        "seed": seed,
        "crews": len(problem.crews),
        "scenes": len(problem.scenes),
        "locations": len(problem.locations),
        "greedy": greedy.cost.total,
        "greedy_unscheduled": len(greedy.unscheduled),
        "total": total,
        "bound": bound,
        "gap": None if bound is None or total == 0 else (total - bound) / total,
        "status": plan.status,
        "scheduled": len(plan.assignments),
        "seconds": seconds,
        "valid": report.valid and greedy_report.valid,
        "violations": [v.message for v in report.violations[:5]],
        # Identical plans have identical fingerprints (comparing two solver versions).
        "plan_sha256": hashlib.sha256(
            json.dumps(plan_to_dict(plan)["assignments"], sort_keys=True).encode()
        ).hexdigest(),
        "cost": {
            "rent": plan.cost.rent,
            "crew": plan.cost.crew,
            "cast": plan.cost.cast,
            "moves": plan.cost.moves,
            "unscheduled": plan.cost.unscheduled,
        },
    }


def _child(
    size: str, seed: int, time_limit: float, workers: int, deterministic: float | None
) -> dict[str, Any]:
    """Run one benchmark in a fresh interpreter; add its peak RSS in MB."""
    dt = "" if deterministic is None else str(deterministic)
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.run_optimizer",
        "--child",
        f"{size}:{seed}:{time_limit}:{workers}:{dt}",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{size} seed {seed}: child exited with {proc.returncode}")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result["peak_mb"] = usage.ru_maxrss / 1024  # Linux reports KiB
    return result


def table(rows: list[dict[str, Any]]) -> str:
    """The benchmark rows as a markdown table."""
    head = (
        "| size | seed | crews / scenes / sets | greedy total | optimized total | "
        "opt / greedy | proven bound | gap | scheduled | time (s) | peak RSS (MB) | checker |\n"
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
    )
    lines = []
    for r in rows:
        gap = "—" if r["gap"] is None else f"{100 * r['gap']:.1f} %"
        bound = "—" if r["bound"] is None else f"{r['bound']:,}"
        lines.append(
            f"| {r['size']} | {r['seed']} | {r['crews']} / {r['scenes']} / {r['locations']} "
            f"| {r['greedy']:,} | {r['total']:,} | {r['total'] / r['greedy']:.3f} | {bound} "
            f"| {gap}{' (optimal)' if r['status'] == 'OPTIMAL' else ''} "
            f"| {r['scheduled']} / {r['scenes']} | {r['seconds']:.1f} | {r['peak_mb']:.0f} "
            f"| {'valid' if r['valid'] else 'INVALID'} |"
        )
    return head + "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the optimizer against greedy.")
    parser.add_argument("--sizes", default="small,medium,large,xl")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--time-limit", type=float, default=None, help="override per size")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--deterministic",
        type=float,
        default=None,
        metavar="SECONDS",
        help="reproducible run: 1 worker, seed = problem seed, this CP-SAT deterministic budget",
    )
    parser.add_argument("--json", help="also write the rows to this file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        size, seed, limit, workers, dt = args.child.split(":")
        result = run_one(size, int(seed), float(limit), int(workers), float(dt) if dt else None)
        print(json.dumps(result))
        return 0
    rows = []
    for size in args.sizes.split(","):
        limit = args.time_limit or DEFAULT_LIMITS[size]
        for seed in (int(s) for s in args.seeds.split(",")):
            row = _child(size, seed, limit, args.workers, args.deterministic)
            rows.append(row)
            print(
                f"{size} seed {seed}: {row['total'] / row['greedy']:.3f} x greedy, "
                f"{row['seconds']:.1f} s, {row['peak_mb']:.0f} MB, "
                f"{'valid' if row['valid'] else 'INVALID'}",
                file=sys.stderr,
                flush=True,
            )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=1)
    print(table(rows))
    return 0 if all(r["valid"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
