"""The extras dispatch: performers of the 横漂 register onto one day's requests, fairly.

A pure library on frozen dataclasses (no database, no web, nothing from ``app/``).

Rules, in one place:

- Hard: a performer works for at most one request a day; only when active, not marked
  unavailable that day, and below their own limit of days in the last seven; only for a
  request whose every requirement they meet (tags, category, gender, age, height).
- Hard: confirmed assignments (``Problem.fixed``) stay as they are and fill their slots.
- Objective, lexicographic through the weights: fill as many slots as possible, a slot of a
  higher-priority request first; then share work (fewest days worked in the last 30 days
  first, a convex cost so work spreads, ties broken by a hash of the performer and the day,
  which changes daily: no favourites); continuity ("same people as on day X") beats fairness.

The model is a min-cost flow (source → performer → request → sink, plus a source → request
arc that stands for an unfilled slot at its priority's price). Eligibility is filtered with
vectorised masks before any model is built, and each group of requests with one profile
sees only its cheapest candidates (three times its demand); a request left unfilled while
its group has eligible performers outside the candidates widens them and solves again, so
truncation never costs a fill.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

FAIRNESS_WINDOW_DAYS = 30
WEEK_DAYS = 7
# Weights: any filled slot is worth far more than any fairness or continuity difference.
FILL_WEIGHT = 1_000_000_000
PRIORITY_WEIGHT = 10_000_000  # per priority level (0-9) on top of a fill
CONTINUITY_WEIGHT = 4_000_000  # > the largest fairness cost (31² × 1024 + 1023)
TIE_BREAK = 1024  # fairness cost = (days worked + 1)² × TIE_BREAK + a daily hash below it
CANDIDATE_FACTOR = 3

ReasonCode = Literal["no_match", "none_free", "weekly_limit", "taken"]

Bool = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Performer:
    """One person of the register as the dispatch sees them."""

    id: int
    gender: str  # "m" | "f"
    category: str  # ordinary | group_featured | featured_small | featured_mid | featured_large
    tags: frozenset[str] = frozenset()  # skills, looks, dialects, wardrobe…
    birth_year: int | None = None
    height_cm: int | None = None
    max_days_per_week: int = 7
    active: bool = True
    unavailable: frozenset[date] = frozenset()
    worked: frozenset[date] = frozenset()  # days worked before the dispatched day


@dataclass(frozen=True, slots=True)
class Profile:
    """What every performer of a request must be; ``None``/empty means any."""

    tags: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    gender: str | None = None
    age_min: int | None = None
    age_max: int | None = None
    height_min: int | None = None
    height_max: int | None = None

    def describe(self) -> str:
        parts: list[str] = []
        if self.gender:
            parts.append({"m": "men", "f": "women"}.get(self.gender, self.gender))
        if self.age_min is not None or self.age_max is not None:
            parts.append(f"aged {self.age_min or 0}–{self.age_max or '∞'}")
        if self.height_min is not None or self.height_max is not None:
            parts.append(f"{self.height_min or 0}–{self.height_max or '∞'} cm")
        if self.categories:
            parts.append("/".join(sorted(self.categories)))
        parts.extend(sorted(self.tags))
        return " ".join(parts) or "anyone"


@dataclass(frozen=True, slots=True)
class Request:
    """``count`` slots of one profile for one crew on the dispatched day."""

    id: int
    crew: int
    count: int
    profile: Profile = Profile()
    priority: int = 5  # 0 (lowest) … 9
    continuity: frozenset[int] = frozenset()  # performers preferred: same people as day X


@dataclass(frozen=True, slots=True)
class Fixed:
    """A confirmed assignment: never moved by a later run."""

    request: int
    performer: int


@dataclass(frozen=True, slots=True)
class Problem:
    day: date
    performers: tuple[Performer, ...]
    requests: tuple[Request, ...]
    fixed: tuple[Fixed, ...] = ()


@dataclass(frozen=True, slots=True)
class Assignment:
    request: int
    performer: int
    fixed: bool = False
    continuity: bool = False


@dataclass(frozen=True, slots=True)
class Unfilled:
    request: int
    missing: int
    code: ReasonCode
    reason: str


@dataclass(frozen=True, slots=True)
class Dispatch:
    assignments: tuple[Assignment, ...]
    unfilled: tuple[Unfilled, ...]
    slots: int
    filled: int
    seconds: float = 0.0
    rounds: int = 0
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def fill_rate(self) -> float:
        return self.filled / self.slots if self.slots else 1.0


# --- the register as arrays ---------------------------------------------------------------


@dataclass(frozen=True)
class _Register:
    """Columns of the register, and who is free on the day (before tonight's run)."""

    ids: Ints
    index: dict[int, int]
    gender: npt.NDArray[np.str_]
    category: npt.NDArray[np.str_]
    age: Ints  # -1: unknown
    height: Ints  # -1: unknown
    tag_bits: dict[str, Bool]
    active: Bool
    available: Bool  # active and not marked unavailable that day
    under_limit: Bool  # fewer days in the last six than their weekly limit
    worked_30: Ints
    cost: Ints  # fairness cost (convex in days worked) plus the daily tie-break


def _register(problem: Problem) -> _Register:
    day = problem.day
    people = problem.performers
    n = len(people)
    window_start = day - timedelta(days=FAIRNESS_WINDOW_DAYS)
    week_start = day - timedelta(days=WEEK_DAYS - 1)
    ids = np.fromiter((p.id for p in people), dtype=np.int64, count=n)
    worked_30 = np.zeros(n, dtype=np.int64)
    worked_week = np.zeros(n, dtype=np.int64)
    unavailable = np.zeros(n, dtype=np.bool_)
    tag_rows: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(people):
        if p.worked:
            worked_30[i] = sum(1 for d in p.worked if window_start <= d < day)
            worked_week[i] = sum(1 for d in p.worked if week_start <= d < day)
        if day in p.unavailable:
            unavailable[i] = True
        for tag in p.tags:
            tag_rows[tag].append(i)
    tag_bits: dict[str, Bool] = {}
    for tag, rows in tag_rows.items():
        bits = np.zeros(n, dtype=np.bool_)
        bits[rows] = True
        tag_bits[tag] = bits
    active = np.fromiter((p.active for p in people), dtype=np.bool_, count=n)
    limit = np.fromiter((p.max_days_per_week for p in people), dtype=np.int64, count=n)
    age = np.fromiter(
        (day.year - p.birth_year if p.birth_year else -1 for p in people), np.int64, count=n
    )
    height = np.fromiter((p.height_cm or -1 for p in people), dtype=np.int64, count=n)
    # A hash of (performer, day): equal workloads are ordered differently every day.
    mixed = (ids.astype(np.uint64) * np.uint64(0x9E3779B1)) ^ np.uint64(
        (day.toordinal() * 0x85EBCA77) & 0xFFFFFFFF
    )
    mixed = (mixed ^ (mixed >> np.uint64(15))) * np.uint64(0x2C1B3C6D)
    tie = ((mixed >> np.uint64(7)) % np.uint64(TIE_BREAK)).astype(np.int64)
    return _Register(
        ids=ids,
        index={int(pid): i for i, pid in enumerate(ids)},
        gender=np.array([p.gender for p in people], dtype=np.str_),
        category=np.array([p.category for p in people], dtype=np.str_),
        age=age,
        height=height,
        tag_bits=tag_bits,
        active=active,
        available=active & ~unavailable,
        under_limit=worked_week < np.minimum(limit, WEEK_DAYS),
        worked_30=worked_30,
        cost=(worked_30 + 1) ** 2 * TIE_BREAK + tie,
    )


def _requirements(reg: _Register, profile: Profile) -> list[tuple[str, Bool]]:
    """Each requirement of ``profile`` as a mask over the register, with its name."""
    n = len(reg.ids)
    out: list[tuple[str, Bool]] = []
    for tag in sorted(profile.tags):
        out.append((tag, reg.tag_bits.get(tag, np.zeros(n, dtype=np.bool_))))
    if profile.categories:
        out.append(
            (
                "/".join(sorted(profile.categories)),
                np.isin(reg.category, sorted(profile.categories)),
            )
        )
    if profile.gender:
        out.append(
            (
                {"m": "men", "f": "women"}.get(profile.gender, profile.gender),
                reg.gender == profile.gender,
            )
        )
    if profile.age_min is not None or profile.age_max is not None:
        lo, hi = profile.age_min or 0, profile.age_max if profile.age_max is not None else 200
        out.append((f"aged {lo}–{hi}", (reg.age >= lo) & (reg.age <= hi)))
    if profile.height_min is not None or profile.height_max is not None:
        lo, hi = (
            profile.height_min or 0,
            profile.height_max if profile.height_max is not None else 300,
        )
        out.append((f"{lo}–{hi} cm", (reg.height >= lo) & (reg.height <= hi)))
    return out


def _matches(reg: _Register, profile: Profile) -> Bool:
    mask = reg.active.copy()
    for _, bits in _requirements(reg, profile):
        mask &= bits
    return mask


# --- the solve ----------------------------------------------------------------------------


def dispatch(problem: Problem) -> Dispatch:
    """The day's assignments: most slots filled by priority, then work shared fairly."""
    started = time.monotonic()
    reg = _register(problem)
    requests = {r.id: r for r in problem.requests}
    fixed_by_request: dict[int, list[int]] = defaultdict(list)
    busy = np.zeros(len(reg.ids), dtype=np.bool_)
    assignments: list[Assignment] = []
    for f in problem.fixed:
        i = reg.index.get(f.performer)
        if f.request not in requests or i is None or busy[i]:
            continue  # a confirmed assignment that today's data dropped is not re-placed
        busy[i] = True
        fixed_by_request[f.request].append(f.performer)
        assignments.append(Assignment(f.request, f.performer, fixed=True))
    remaining = {r.id: max(0, r.count - len(fixed_by_request[r.id])) for r in problem.requests}
    free = reg.available & reg.under_limit & ~busy

    # Requests of one profile share one eligibility mask and one candidate list.
    groups: dict[Profile, list[Request]] = defaultdict(list)
    for r in problem.requests:
        if remaining[r.id] > 0:
            groups[r.profile].append(r)
    eligible: dict[Profile, Ints] = {}
    for profile in groups:
        rows = np.flatnonzero(_matches(reg, profile) & free)
        eligible[profile] = rows[np.argsort(reg.cost[rows], kind="stable")]
    limit = {
        profile: min(
            len(eligible[profile]),
            max(CANDIDATE_FACTOR * sum(remaining[r.id] for r in rs), 10),
        )
        for profile, rs in groups.items()
    }

    rounds = 0
    flows: dict[int, list[int]] = {}
    while True:
        rounds += 1
        flows = _solve_flow(reg, groups, eligible, limit, remaining)
        widen = False
        for profile, rs in groups.items():
            short = any(len(flows.get(r.id, [])) < remaining[r.id] for r in rs)
            if short and limit[profile] < len(eligible[profile]):
                limit[profile] = min(len(eligible[profile]), 2 * limit[profile])
                widen = True
        if not widen:
            break

    taken = busy.copy()
    for rid, chosen in flows.items():
        cont = requests[rid].continuity
        for row in chosen:
            taken[row] = True
            pid = int(reg.ids[row])
            assignments.append(Assignment(rid, pid, continuity=pid in cont))
    unfilled = []
    slots = filled = 0
    for r in problem.requests:
        got = len(fixed_by_request[r.id]) + len(flows.get(r.id, []))
        slots += r.count
        filled += min(got, r.count)
        if got < r.count:
            code, reason = _why_unfilled(reg, r.profile, busy, taken, problem.day)
            unfilled.append(Unfilled(r.id, r.count - got, code, reason))
    assignments.sort(key=lambda a: (a.request, a.performer))
    return Dispatch(
        assignments=tuple(assignments),
        unfilled=tuple(unfilled),
        slots=slots,
        filled=filled,
        seconds=time.monotonic() - started,
        rounds=rounds,
        stats={
            "performers": len(reg.ids),
            "free": int(free.sum()),
            "groups": len(groups),
            "candidates": sum(limit.values()),
        },
    )


def _solve_flow(
    reg: _Register,
    groups: dict[Profile, list[Request]],
    eligible: dict[Profile, Ints],
    limit: dict[Profile, int],
    remaining: dict[int, int],
) -> dict[int, list[int]]:
    """One min-cost flow over the current candidates: request id → register rows."""
    # Candidates: the cheapest of each group, plus performers asked for by continuity.
    cand_rows: list[Ints] = []
    for profile, rs in groups.items():
        rows = eligible[profile]
        cand_rows.append(rows[: limit[profile]])
        wanted = set().union(*(r.continuity for r in rs))
        if wanted:
            in_group = rows[np.isin(reg.ids[rows], np.fromiter(wanted, np.int64, len(wanted)))]
            cand_rows.append(in_group)
    if not cand_rows:
        return {}
    people = np.unique(np.concatenate(cand_rows))
    node_of_row = {int(row): k for k, row in enumerate(people)}
    req_list = [r for rs in groups.values() for r in rs]
    source = 0
    first_person = 1
    first_request = first_person + len(people)
    sink = first_request + len(req_list)
    tails: list[Ints] = []
    heads: list[Ints] = []
    caps: list[Ints] = []
    costs: list[Ints] = []

    def arcs(t: Ints, h: Ints, cap: Ints, cost: Ints) -> None:
        tails.append(t)
        heads.append(h)
        caps.append(cap)
        costs.append(cost)

    n_people = len(people)
    arcs(
        np.full(n_people, source, np.int64),
        np.arange(first_person, first_request, dtype=np.int64),
        np.ones(n_people, np.int64),
        reg.cost[people],
    )
    request_arc_start = sum(len(t) for t in tails)
    request_arcs: list[tuple[int, int, Ints]] = []  # (request id, first arc, rows)
    for k, r in enumerate(req_list):
        node = first_request + k
        rows = eligible[r.profile][: limit[r.profile]]
        if r.continuity:
            extra = eligible[r.profile][np.isin(reg.ids[eligible[r.profile]], list(r.continuity))]
            rows = np.unique(np.concatenate([rows, extra]))
        pnodes = np.fromiter(
            (first_person + node_of_row[int(x)] for x in rows), np.int64, len(rows)
        )
        cost = np.zeros(len(rows), np.int64)
        if r.continuity:
            cost += np.where(np.isin(reg.ids[rows], list(r.continuity)), 0, CONTINUITY_WEIGHT)
        request_arcs.append((r.id, request_arc_start, rows))
        request_arc_start += len(rows)
        arcs(pnodes, np.full(len(rows), node, np.int64), np.ones(len(rows), np.int64), cost)
    n_req = len(req_list)
    need = np.array([remaining[r.id] for r in req_list], np.int64)
    unfilled_cost = np.array(
        [FILL_WEIGHT + PRIORITY_WEIGHT * max(0, min(9, r.priority)) for r in req_list], np.int64
    )
    req_nodes = np.arange(first_request, sink, dtype=np.int64)
    arcs(np.full(n_req, source, np.int64), req_nodes, need, unfilled_cost)  # an unfilled slot
    arcs(req_nodes, np.full(n_req, sink, np.int64), need, np.zeros(n_req, np.int64))

    flow = min_cost_flow.SimpleMinCostFlow()
    all_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails), np.concatenate(heads), np.concatenate(caps), np.concatenate(costs)
    )
    total = int(need.sum())
    supplies = np.zeros(sink + 1, np.int64)
    supplies[source] = total
    supplies[sink] = -total
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int64), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow ended with status {status}")
    flows = flow.flows(all_arcs)
    out: dict[int, list[int]] = {}
    for rid, first, rows in request_arcs:
        used = flows[first : first + len(rows)] > 0
        if used.any():
            out[rid] = [int(x) for x in rows[used]]
    return out


def _why_unfilled(
    reg: _Register, profile: Profile, busy: Bool, taken: Bool, day: date
) -> tuple[ReasonCode, str]:
    """The binding fact behind an unfilled slot, in the office's words."""
    what = profile.describe()
    requirements = _requirements(reg, profile)
    matching = reg.active.copy()
    for _, bits in requirements:
        matching &= bits
    if not matching.any():
        for name, bits in requirements:
            if not (reg.active & bits).any():
                return "no_match", f"nobody in the register with {name}"
        return "no_match", f"nobody in the register is {what}"
    free = matching & reg.available & ~busy
    if not free.any():
        return "none_free", (
            f"nobody with {what} free on {day.isoformat()} "
            f"({int(matching.sum())} in the register: unavailable or already working)"
        )
    eligible = free & reg.under_limit
    if not eligible.any():
        return "weekly_limit", (
            f"all {int(free.sum())} performers with {what} free that day reached their weekly limit"
        )
    return "taken", (
        f"the {int(eligible.sum())} eligible performers with {what} "
        "went to higher-priority or earlier-matched requests"
    )


# --- the first-come baseline and a fairness measure ----------------------------------------


def first_come(problem: Problem, answer_order: Sequence[int]) -> Dispatch:
    """How the day goes today: calls in posting order, each taken by the first matching
    free performers who answer (``answer_order``: performer ids, fastest first)."""
    started = time.monotonic()
    reg = _register(problem)
    rank = np.full(len(reg.ids), len(reg.ids) + 1, np.int64)
    for pos, pid in enumerate(answer_order):
        i = reg.index.get(pid)
        if i is not None:
            rank[i] = pos
    order = np.argsort(rank, kind="stable")
    answering = rank[order] <= len(reg.ids)
    order = order[answering]
    taken = ~(reg.available & reg.under_limit)
    assignments: list[Assignment] = []
    unfilled: list[Unfilled] = []
    slots = filled = 0
    for r in problem.requests:
        ok = _matches(reg, r.profile) & ~taken
        rows = order[ok[order]][: r.count]
        taken[rows] = True
        assignments.extend(Assignment(r.id, int(reg.ids[i])) for i in rows)
        slots += r.count
        filled += len(rows)
        if len(rows) < r.count:
            unfilled.append(Unfilled(r.id, r.count - len(rows), "taken", "first come"))
    return Dispatch(
        tuple(assignments), tuple(unfilled), slots, filled, time.monotonic() - started, 1
    )


def gini(values: Iterable[int]) -> float:
    """Gini coefficient of non-negative counts: 0 when everyone got the same."""
    xs = np.sort(np.fromiter(values, dtype=np.float64))
    n = len(xs)
    if n == 0 or xs.sum() == 0:
        return 0.0
    cum = np.cumsum(xs)
    return float((n + 1 - 2 * (cum.sum() / cum[-1])) / n)


def free_by_profile(problem: Problem, profiles: Iterable[Profile]) -> dict[Profile, int]:
    """Supply for the day board: active performers of each profile free that day and under
    their weekly limit (confirmed assignments of the day count as busy)."""
    reg = _register(problem)
    busy = np.zeros(len(reg.ids), dtype=np.bool_)
    for f in problem.fixed:
        i = reg.index.get(f.performer)
        if i is not None:
            busy[i] = True
    free = reg.available & reg.under_limit & ~busy
    return {p: int((_matches(reg, p) & free).sum()) for p in set(profiles)}
