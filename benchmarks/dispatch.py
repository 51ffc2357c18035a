"""Extras dispatch benchmark: Hengdian's scale, a small day, and 30 days against first come.

The register is generated with shares modelled on the 横漂 (mostly ordinary extras, a few
featured; horse riders, martial artists, dancers and stunt performers rare; men with a
period haircut and soldiers common), requests from a menu of typical calls.

- ``large``: 140,000 performers, 60 crews, 600 requests, 8,000 slots (target ≤ 30 s, ≤ 4 GB).
- ``small``: 5,000 performers, 2,000 slots (target ≤ 5 s).
- ``simulate``: 30 days of the small register; each day's calls dispatched by
  :func:`scheduler.dispatch.dispatch` and, separately, by the first-come baseline
  (:func:`scheduler.dispatch.first_come`: a fixed 20 % of fast responders answer first every
  day, then the rest in random order). Fill rate, and the Gini coefficient of days worked
  among equally qualified performers (same gender, category, tags and age decade).

Usage::

    .venv/bin/python -m benchmarks.dispatch                 # all three
    .venv/bin/python -m benchmarks.dispatch --only large --seed 2
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import time
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from scheduler.dispatch import (
    Dispatch,
    Performer,
    Problem,
    Profile,
    Request,
    dispatch,
    first_come,
    gini,
)

DAY = date(2027, 3, 1)
CATEGORIES = [
    ("ordinary", 0.85),
    ("group_featured", 0.10),
    ("featured_small", 0.04),
    ("featured_mid", 0.008),
    ("featured_large", 0.002),
]
SKILLS = [
    ("horse-riding", 0.03),
    ("martial-arts", 0.04),
    ("dance", 0.03),
    ("stunt", 0.01),
    ("instrument", 0.01),
    ("dialect-cantonese", 0.02),
    ("dialect-sichuan", 0.03),
]
LOOKS_MEN = [("period-haircut", 0.25), ("soldier", 0.15), ("scholar", 0.05)]
LOOKS_WOMEN = [("palace-maid", 0.15), ("scholar", 0.03)]

# (share of requests, profile, typical count)
MENU: list[tuple[float, Profile, int]] = [
    (0.28, Profile(), 20),
    (0.18, Profile(gender="m", age_min=20, age_max=40, tags=frozenset({"period-haircut"})), 25),
    (0.14, Profile(gender="f", age_min=18, age_max=35), 15),
    (0.06, Profile(age_min=55), 8),
    (0.09, Profile(gender="m", height_min=175, tags=frozenset({"soldier"})), 20),
    (0.05, Profile(tags=frozenset({"horse-riding"})), 4),
    (0.05, Profile(tags=frozenset({"martial-arts"})), 6),
    (0.04, Profile(gender="f", tags=frozenset({"dance"})), 6),
    (0.04, Profile(categories=frozenset({"featured_small", "featured_mid"})), 2),
    (0.03, Profile(gender="f", tags=frozenset({"palace-maid"})), 12),
    (0.02, Profile(tags=frozenset({"scholar"})), 5),
    (0.02, Profile(tags=frozenset({"stunt"})), 2),
]


def _pick(rng: random.Random, table: list[tuple[str, float]]) -> str:
    x = rng.random()
    for name, share in table:
        if x < share:
            return name
        x -= share
    return table[0][0]


def register(n: int, rng: random.Random, history: bool = True) -> list[Performer]:
    people = []
    for pid in range(1, n + 1):
        gender = "m" if rng.random() < 0.6 else "f"
        age = int(min(75, max(16, rng.gauss(30, 11))))
        tags = {name for name, share in SKILLS if rng.random() < share}
        looks = LOOKS_MEN if gender == "m" else LOOKS_WOMEN
        tags |= {name for name, share in looks if rng.random() < share}
        limit = rng.choices([5, 6, 7], weights=[1, 7, 2])[0]
        worked: frozenset[date] = frozenset()
        if history:  # about 8,000 of 140,000 work each day: most worked few of the last 30
            k = min(30, int(rng.expovariate(1 / 2.0)))
            worked = frozenset(DAY - timedelta(days=d) for d in rng.sample(range(1, 31), k))
        people.append(
            Performer(
                id=pid,
                gender=gender,
                category=_pick(rng, CATEGORIES),
                tags=frozenset(tags),
                birth_year=DAY.year - age,
                height_cm=int(rng.gauss(172 if gender == "m" else 161, 6)),
                max_days_per_week=limit,
                unavailable=frozenset({DAY}) if rng.random() < 0.1 else frozenset(),
                worked=worked,
            )
        )
    return people


def requests(
    crews: int, n: int, slots: int, rng: random.Random, first_id: int = 1
) -> list[Request]:
    shares = [m[0] for m in MENU]
    drawn = [rng.choices(range(len(MENU)), weights=shares)[0] for _ in range(n)]
    raw = [max(1, int(rng.expovariate(1 / MENU[k][2]))) for k in drawn]
    scale = slots / sum(raw)
    counts = [max(1, round(c * scale)) for c in raw]
    counts[-1] += slots - sum(counts)
    while counts[-1] < 1:  # rounding pushed the last one under: take from the largest
        big = counts.index(max(counts))
        counts[big] -= 1
        counts[-1] += 1
    return [
        Request(
            id=first_id + i,
            crew=1 + i % crews,
            count=counts[i],
            profile=MENU[k][1],
            priority=rng.choice([3, 5, 5, 5, 7]),
        )
        for i, k in enumerate(drawn)
    ]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_day(name: str, people: int, crews: int, n_requests: int, slots: int, seed: int) -> None:
    rng = random.Random(seed)
    t0 = time.monotonic()
    reg = register(people, rng)
    reqs = requests(crews, n_requests, slots, rng)
    built = time.monotonic() - t0
    problem = Problem(DAY, tuple(reg), tuple(reqs))
    t1 = time.monotonic()
    result = dispatch(problem)
    seconds = time.monotonic() - t1
    reasons = Counter(u.code for u in result.unfilled)
    print(
        json.dumps(
            {
                "case": name,
                "seed": seed,
                "performers": people,
                "crews": crews,
                "requests": n_requests,
                "slots": result.slots,
                "filled": result.filled,
                "fill_rate": round(result.fill_rate, 4),
                "dispatch_seconds": round(seconds, 2),
                "generate_seconds": round(built, 2),
                "rounds": result.rounds,
                "stats": result.stats,
                "unfilled_reasons": dict(reasons),
                "peak_rss_mb": round(_rss_mb()),
            }
        ),
        flush=True,
    )


def _classes(people: list[Performer]) -> dict[tuple[Any, ...], list[int]]:
    """Equally qualified performers: same gender, category, tags and age decade."""
    out: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for p in people:
        age = DAY.year - (p.birth_year or DAY.year)
        out[(p.gender, p.category, p.tags, age // 10)].append(p.id)
    return out


def simulate(days: int, people: int, per_day: int, slots: int, seed: int, fast: float) -> None:
    rng = random.Random(seed)
    base = register(people, rng, history=False)
    ids = [p.id for p in base]
    fast_ids = rng.sample(ids, int(fast * len(ids)))
    slow_ids = [i for i in ids if i not in set(fast_ids)]
    off = {d: {i for i in ids if rng.random() < 0.1} for d in range(days)}
    calls = [requests(40, per_day, slots, rng, first_id=1 + d * per_day) for d in range(days)]
    totals: dict[str, dict[str, Any]] = {}
    for method in ("dispatch", "first_come"):
        work: dict[int, set[date]] = defaultdict(set)
        filled = total = 0
        seconds = 0.0
        order_rng = random.Random(seed + 1)
        for d in range(days):
            day = DAY + timedelta(days=d)
            roster = tuple(
                replace(
                    p,
                    unavailable=frozenset({day}) if p.id in off[d] else frozenset(),
                    worked=frozenset(work[p.id]),
                )
                for p in base
            )
            problem = Problem(day, roster, tuple(calls[d]))
            result: Dispatch
            if method == "dispatch":
                result = dispatch(problem)
            else:
                first = fast_ids[:]
                order_rng.shuffle(first)
                rest = slow_ids[:]
                order_rng.shuffle(rest)
                result = first_come(problem, first + rest)
            seconds += result.seconds
            filled += result.filled
            total += result.slots
            for a in result.assignments:
                work[a.performer].add(day)
        ginis = []
        for members in _classes(base).values():
            if len(members) >= 30:
                ginis.append((len(members), gini(len(work[i]) for i in members)))
        weight = sum(n for n, _ in ginis)
        largest = max(ginis)
        totals[method] = {
            "fill_rate": round(filled / total, 4),
            "gini_equally_qualified": round(sum(n * g for n, g in ginis) / weight, 4),
            "gini_largest_class": round(largest[1], 4),
            "largest_class_size": largest[0],
            "classes": len(ginis),
            "gini_all": round(gini(len(work[i]) for i in ids), 4),
            "mean_seconds_per_day": round(seconds / days, 3),
        }
    print(
        json.dumps(
            {
                "case": "simulate",
                "seed": seed,
                "days": days,
                "performers": people,
                "requests_per_day": per_day,
                "slots_per_day": slots,
                "fast_responders": fast,
                **totals,
            }
        ),
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["large", "small", "simulate"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    if args.only in (None, "small"):
        one_day("small", 5_000, 20, 150, 2_000, args.seed)
    if args.only in (None, "large"):
        one_day("large", 140_000, 60, 600, 8_000, args.seed)
    if args.only in (None, "simulate"):
        simulate(args.days, 5_000, 150, 2_000, args.seed, fast=0.2)


if __name__ == "__main__":
    main()
