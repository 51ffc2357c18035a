"""Talent-scheduling benchmark: published instances solved by ``backlot solve``, timed
from process start, checked by ``backlot check``.

Each instance (``shared/benchmarks/talent/*.json``, or a file in the text format of
Stuckey's instances: name; number of scenes and of actors; one 0/1 row per actor
followed by its daily cost; the scene durations) is converted to the planning
exchange format (:mod:`scheduler.talent`) and written to a file; then ``python -m
app.cli solve --workers 1 --seed 1`` runs in a process of its own, timed from its
start to its exit, and ``backlot check`` checks the plan. A row is proven optimal
when the plan says OPTIMAL (its bound equals its total).

``--random N`` runs N random instances of the family instead (seeds ``--seed`` to
``--seed + N - 1``, one instance per seed, so any one can be rerun alone), made by
:func:`random_instance`, and prints how many were proven optimal and the maximum and
median seconds from process start.

Usage::

    python -m benchmarks.run_talent                        # the shared instances
    python -m benchmarks.run_talent --extra DIR --optima film116=541,Shaw2020=877
    python -m benchmarks.run_talent --random 10 --scenes 20 --actors 20 --seed 1
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from scheduler.talent import talent_problem_dict

SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "talent"


def read_stuckey(path: Path) -> dict[str, Any]:
    """An instance in Stuckey's text format, as the shared JSON form (without optimum)."""
    numbers = path.read_text(encoding="utf-8").split()
    name, rest = numbers[0], [int(x) for x in numbers[1:]]
    n_scenes, n_actors = rest[0], rest[1]
    rows = rest[2 : 2 + n_actors * (n_scenes + 1)]
    durations = rest[2 + n_actors * (n_scenes + 1) :][:n_scenes]
    actors = [
        {"name": f"A{a + 1}", "cost_per_day": rows[a * (n_scenes + 1) + n_scenes]}
        for a in range(n_actors)
    ]
    scenes = [
        {
            "name": f"S{s + 1}",
            "duration_days": durations[s],
            "actors": [f"A{a + 1}" for a in range(n_actors) if rows[a * (n_scenes + 1) + s]],
        }
        for s in range(n_scenes)
    ]
    return {"name": name.removesuffix(".dat"), "actors": actors, "scenes": scenes}


def random_instance(n_scenes: int, n_actors: int, seed: int) -> dict[str, Any]:
    """A random instance of the family of de la Banda, Stuckey & Chu (2011), reproducible
    from its seed.

    Their generation rule is not in the copies we could read, so this one follows the
    published 20 x 20 instances (Shaw2020): each actor plays in a uniform random number
    of scenes from 2 to ``n_scenes`` (a uniform random subset of that size), each scene
    lasts 1 to 4 days and each actor costs 1 to 100 a day, all uniform.
    """
    rng = random.Random(f"talent-{n_scenes}x{n_actors}-{seed}")
    durations = [rng.randint(1, 4) for _ in range(n_scenes)]
    casts: list[list[str]] = [[] for _ in range(n_scenes)]
    actors = []
    for a in range(n_actors):
        name = f"A{a + 1}"
        actors.append({"name": name, "cost_per_day": rng.randint(1, 100)})
        for s in rng.sample(range(n_scenes), rng.randint(min(2, n_scenes), n_scenes)):
            casts[s].append(name)
    scenes = [
        {"name": f"S{s + 1}", "duration_days": durations[s], "actors": sorted(casts[s])}
        for s in range(n_scenes)
    ]
    name = f"random-{n_scenes}x{n_actors}-s{seed}"
    return {"name": name, "actors": actors, "scenes": scenes}


def run_instance(instance: dict[str, Any], published: int | None, limit: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="backlot-talent-") as tmp:
        problem_file, plan_file = Path(tmp, "problem.json"), Path(tmp, "plan.json")
        problem_file.write_text(json.dumps(talent_problem_dict(instance)), encoding="utf-8")
        started = time.monotonic()
        options = ["--time-limit", str(limit), "--workers", "1", "--seed", "1"]
        solve = [sys.executable, "-m", "app.cli", "solve", str(problem_file)]
        solved = subprocess.run([*solve, "-o", str(plan_file), *options], capture_output=True)
        wall = time.monotonic() - started
        checked = subprocess.run(
            [sys.executable, "-m", "app.cli", "check", str(problem_file), str(plan_file)],
            capture_output=True,
        )
        plan = json.loads(plan_file.read_text(encoding="utf-8"))
    return {
        "name": instance["name"],
        "actors": len(instance["actors"]),
        "scenes": len(instance["scenes"]),
        "published": published,
        "total": plan["cost"]["total"],
        "bound": plan["lower_bound"],
        "status": plan["status"],
        "solve_seconds": plan["solve_seconds"],
        "wall_seconds": wall,
        "valid": solved.returncode == 0 and checked.returncode == 0,
    }


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| instance | actors | scenes | published optimum | total | bound | status "
        "| solve (s) | wall incl. process start (s) | backlot check |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---|",
    ]
    for r in rows:
        published = "—" if r["published"] is None else str(r["published"])
        lines.append(
            f"| {r['name']} | {r['actors']} | {r['scenes']} | {published} | {r['total']} "
            f"| {r['bound']} | {r['status']} | {r['solve_seconds']:.2f} "
            f"| {r['wall_seconds']:.2f} | {'valid' if r['valid'] else 'INVALID'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Solve published talent-scheduling instances.")
    parser.add_argument("--extra", type=Path, help="a folder of instances in Stuckey's format")
    parser.add_argument("--optima", default="", help="published optima: name=total,...")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--random", type=int, default=0, help="run N random instances instead")
    parser.add_argument("--scenes", type=int, default=20, help="scenes of a random instance")
    parser.add_argument("--actors", type=int, default=20, help="actors of a random instance")
    parser.add_argument("--seed", type=int, default=1, help="seed of the first random instance")
    args = parser.parse_args(argv)
    optima = dict(item.split("=") for item in args.optima.split(",") if item)
    cases: list[tuple[dict[str, Any], int | None]] = []
    if args.random:
        seeds = range(args.seed, args.seed + args.random)
        cases = [(random_instance(args.scenes, args.actors, s), None) for s in seeds]
    for path in sorted(SHARED.glob("*.json")) if not args.random else []:
        data = json.loads(path.read_text(encoding="utf-8"))
        cases.append((data, int(data["optimum_by_convention"]["total"])))
    if args.extra is not None:
        for path in sorted(p for p in args.extra.iterdir() if p.is_file()):
            instance = read_stuckey(path)
            known = optima.get(instance["name"])
            cases.append((instance, None if known is None else int(known)))
    rows = []
    for instance, published in cases:
        row = run_instance(instance, published, args.time_limit)
        rows.append(row)
        print(
            f"{row['name']}: {row['status']} {row['total']} in {row['wall_seconds']:.2f} s",
            file=sys.stderr,
            flush=True,
        )
    print(table(rows))
    walls = [r["wall_seconds"] for r in rows]
    proven = sum(r["status"] == "OPTIMAL" for r in rows)
    print(
        f"\nproven optimal {proven}/{len(rows)}; seconds from process start: "
        f"max {max(walls):.2f}, median {statistics.median(walls):.2f}"
    )
    ok = all(
        r["valid"] and r["status"] == "OPTIMAL" and r["published"] in (None, r["total"])
        for r in rows
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
