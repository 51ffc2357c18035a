"""Optimizer benchmark: greedy vs optimized plans on generated Hengdian-like problems.

For each (size, seed, spec version) the parent generates the problem, writes it to a
file and runs the command-line tools on it exactly as a user would, each in a
process of its own: ``backlot solve`` (``python -m app.cli solve``), timed from
the process start to its exit (``wall``, what the time-limit promise is about:
T x 1.1 + 3 s) with its peak memory (max RSS, from ``wait4``), then ``backlot
check`` on the plan it wrote (exit 0 only for a valid plan with its exact cost).
The first-come greedy plan is computed and checked in the parent. One markdown
table per version is printed.

Usage::

    python -m benchmarks.run_optimizer                      # every size, seeds 1-3, v1 and v2
    python -m benchmarks.run_optimizer --sizes small,large --seeds 1,2 --versions 2
    python -m benchmarks.run_optimizer --sizes solo --seeds 1 --time-limit 10  # one big crew
    python -m benchmarks.run_optimizer --sizes small,medium --seeds 1,2 \
        --deterministic 3 --time-limit 600        # reproducible figures

Default time limits follow the issue's targets: 60 s (small, medium, large, solo)
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
import tempfile
import time
from pathlib import Path
from typing import Any

DEFAULT_LIMITS = {"small": 60.0, "medium": 60.0, "large": 60.0, "xl": 300.0, "solo": 60.0}
TARGETS = {
    "large": "<= 0.55 x greedy in 60 s, <= 2 GB",
    "xl": "<= 0.6 x greedy in 300 s, <= 4 GB",
}


def promised_seconds(time_limit: float) -> float:
    """The wall time ``backlot solve --time-limit T`` promises: T x 1.1 + 3 s."""
    return time_limit * 1.1 + 3.0


def _tool(*args: str) -> list[str]:
    return [sys.executable, "-m", "app.cli", *args]


def run_one(
    size: str,
    seed: int,
    version: int,
    time_limit: float,
    workers: int,
    deterministic: float | None = None,
) -> dict[str, Any]:
    """Generate, greedy, then ``backlot solve`` and ``backlot check`` in processes of their own."""
    from benchmarks.generate import generate
    from scheduler.checker import check_plan
    from scheduler.greedy import greedy_plan
    from scheduler.io import parse_problem, plan_to_dict

    raw = generate(size, seed, version)
    problem = parse_problem(raw)
    greedy = greedy_plan(problem)
    greedy_valid = check_plan(raw, plan_to_dict(greedy)).valid
    with tempfile.TemporaryDirectory(prefix="backlot-bench-") as tmp:
        problem_file, plan_file = Path(tmp, "problem.json"), Path(tmp, "plan.json")
        problem_file.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
        options = ["--time-limit", str(time_limit), "--workers", str(workers)]
        if deterministic is not None:
            options = ["--time-limit", str(time_limit), "--workers", "1", "--seed", str(seed)]
            options += ["--deterministic-time", str(deterministic)]
        started = time.monotonic()
        proc = subprocess.Popen(
            _tool("solve", str(problem_file), "-o", str(plan_file), *options),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        checked = subprocess.run(
            _tool("check", str(problem_file), str(plan_file), "--json"),
            capture_output=True,
            text=True,
        )
        if not plan_file.exists():
            raise RuntimeError(f"{size} seed {seed}: solve exited {proc.returncode}, no plan")
        plan = json.loads(plan_file.read_text(encoding="utf-8"))
    report = json.loads(checked.stdout) if checked.stdout.strip() else {"violations": []}
    crews = {c["id"] for c in raw["crews"]}
    total, bound = plan["cost"]["total"], plan["lower_bound"]
    return {
        "size": size,
        "seed": seed,
        "version": version,
        "crews": len(problem.crews),
        "scenes": len(problem.scenes),
        "locations": len(problem.locations),
        "night_scenes": sum(1 for s in problem.scenes if s.night),
        "own_fixed_days": sum(1 for f in problem.fixed if f.crew in crews),
        "greedy": greedy.cost.total,
        "greedy_unscheduled": len(greedy.unscheduled),
        "total": total,
        "bound": bound,
        "gap": None if bound is None or total == 0 else (total - bound) / total,
        "status": plan["status"],
        "scheduled": len(plan["assignments"]),
        "seconds": plan["solve_seconds"],
        "wall_seconds": wall,
        "time_limit": time_limit,
        "within_limit": wall <= promised_seconds(time_limit),
        "peak_mb": usage.ru_maxrss / 1024,  # Linux reports KiB
        "valid": proc.returncode == 0 and checked.returncode == 0 and greedy_valid,
        "violations": [v["message"] for v in report.get("violations", [])[:5]],
        # Identical plans have identical fingerprints (comparing two solver versions).
        "plan_sha256": hashlib.sha256(
            json.dumps(plan["assignments"], sort_keys=True).encode()
        ).hexdigest(),
        "cost": {k: plan["cost"][k] for k in ("rent", "crew", "cast", "moves", "unscheduled")},
    }


def table(rows: list[dict[str, Any]]) -> str:
    """The benchmark rows as a markdown table."""
    head = (
        "| size | seed | crews / scenes / sets | night / own days | greedy total "
        "| optimized total | opt / greedy | proven bound | gap | scheduled "
        "| wall (s) ≤ T×1.1+3 | peak RSS (MB) | backlot check |\n"
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
    )
    lines = []
    for r in rows:
        gap = "—" if r["gap"] is None else f"{100 * r['gap']:.1f} %"
        bound = "—" if r["bound"] is None else f"{r['bound']:,}"
        within = "yes" if r["within_limit"] else "NO"
        lines.append(
            f"| {r['size']} | {r['seed']} | {r['crews']} / {r['scenes']} / {r['locations']} "
            f"| {r['night_scenes']} / {r['own_fixed_days']} "
            f"| {r['greedy']:,} | {r['total']:,} | {r['total'] / r['greedy']:.3f} | {bound} "
            f"| {gap}{' (optimal)' if r['status'] == 'OPTIMAL' else ''} "
            f"| {r['scheduled']} / {r['scenes']} "
            f"| {r['wall_seconds']:.1f} of {promised_seconds(r['time_limit']):.0f}: {within} "
            f"| {r['peak_mb']:.0f} | {'valid' if r['valid'] else 'INVALID'} |"
        )
    return head + "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the optimizer against greedy.")
    parser.add_argument("--sizes", default="small,medium,large,xl")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--versions", default="1,2", help="spec versions of the problems")
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
    args = parser.parse_args(argv)
    rows = []
    for version in (int(v) for v in args.versions.split(",")):
        for size in args.sizes.split(","):
            limit = args.time_limit or DEFAULT_LIMITS[size]
            for seed in (int(s) for s in args.seeds.split(",")):
                row = run_one(size, seed, version, limit, args.workers, args.deterministic)
                rows.append(row)
                gap = "-" if row["gap"] is None else f"{100 * row['gap']:.1f} %"
                print(
                    f"v{version} {size} seed {seed}: {row['total'] / row['greedy']:.3f} x greedy, "
                    f"gap {gap}, "
                    f"{row['wall_seconds']:.1f} s wall "
                    f"(limit {limit:g} s: {'within' if row['within_limit'] else 'OVER'} "
                    f"{promised_seconds(limit):.1f} s), {row['peak_mb']:.0f} MB, "
                    f"{'valid' if row['valid'] else 'INVALID'}",
                    file=sys.stderr,
                    flush=True,
                )
                if args.json:
                    with open(args.json, "w", encoding="utf-8") as fh:
                        json.dump(rows, fh, indent=1)
    for version in sorted({r["version"] for r in rows}):
        print(f"\nSpec version {version}\n")
        print(table([r for r in rows if r["version"] == version]))
    return 0 if all(r["valid"] and r["within_limit"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
