"""Per-crew lower bounds by CP-SAT, each crew alone (the other crews ignored).

A crew's cost in any valid plan is at least its optimum when no other crew holds a set,
so the sum over crews of these bounds (or of the separable bounds, whichever is larger)
bounds the problem. It takes many seconds a crew, so the solve itself does not compute
it; this script does, to show where the solver's gap lies (docs/benchmarks.md).

Usage::

    python -m benchmarks.crew_bounds problem.json [--seconds 10] [--plan plan.json]
"""

from __future__ import annotations

import argparse
import json
import threading
from collections import defaultdict
from datetime import date

from scheduler.bounds import separable_bound
from scheduler.cost import crew_cost
from scheduler.domain import Assignment
from scheduler.greedy import greedy_plan
from scheduler.io import parse_problem
from scheduler.solver import SolveOptions, _Run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("problem")
    parser.add_argument("--seconds", type=float, default=10.0, help="CP-SAT time a crew")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--plan", help="a plan of the problem: its crews' costs beside")
    args = parser.parse_args()
    with open(args.problem, encoding="utf-8") as f:
        problem = parse_problem(json.load(f))
    greedy = greedy_plan(problem)
    options = SolveOptions(time_limit=10.0**6, workers=args.workers, baseline=greedy)
    run = _Run(problem, options, None, threading.Event())
    run._set_incumbent(greedy.assignments)
    planned: dict[str, list[Assignment]] = defaultdict(list)
    if args.plan:
        with open(args.plan, encoding="utf-8") as f:
            for a in json.load(f)["assignments"]:
                scene = problem.index.scene[a["scene"]]
                planned[scene.crew].append(
                    Assignment(a["scene"], a["location"], date.fromisoformat(a["date"]))
                )
    print("| crew | separable bound | CP-SAT bound (alone) | proven optimal alone | plan cost |")
    print("|---|---:|---:|---|---:|")
    total_separable = total = 0
    for crew_id in run.crew_ids:
        run.bound_of[crew_id] = separable_bound(problem, crew_id)
    for crew_id in run.crew_ids:
        separable = run.bound_of[crew_id]
        result = run._crew_solve([crew_id], args.seconds, relaxed=True)
        alone = result.bound if result is not None and result.bound is not None else 0
        optimal = result is not None and result.optimal
        cost = crew_cost(problem, crew_id, planned[crew_id]) if args.plan else None
        total_separable += separable
        total += max(separable, alone)
        shown = f"{cost:,}" if cost is not None else ""
        print(f"| {crew_id} | {separable:,} | {alone:,} | {optimal} | {shown} |")
    print(f"\nseparable bounds: {total_separable:,}; with the crews alone: {total:,}")


if __name__ == "__main__":
    main()
