"""Exact sequencing for the talent-scheduling special case.

A crew whose scenes each fill whole days and must run back to back at one
location is the talent-scheduling problem of the film literature: choose the
order of the scenes so that the cast, paid from their first to their last day,
cost least. General constraint models are slow on it, so this module solves it
with the dynamic programme of Garcia de la Banda, Stuckey & Chu (2011): a
memoised depth-first branch and bound over the set of scenes still to shoot,
with their preprocessing (identical scenes merged, constant-cost actors and
empty scenes set aside) and a weighted-completion-time lower bound on the
holding cost of the actors already on location.

The core, :func:`sequence_scenes`, works on plain integers so it can be tested
and reused without a :class:`~scheduler.domain.Problem`; :func:`sequence_cast`
feeds it cast ids (the constructive heuristic orders its shooting days with
it), and :func:`talent_shape` and :func:`talent_plan` recognise a crew of the
talent-scheduling form and sequence it.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from scheduler.domain import Assignment, Problem, Scene

_INF = 1 << 62


@dataclass(frozen=True)
class SequenceResult:
    """Best order found (indices into the input), its cast cost, and a proven bound."""

    order: tuple[int, ...]
    cost: int
    lower_bound: int
    optimal: bool
    states: int


class _Timeout(Exception):
    """Raised inside the search when the deadline passes or stop is set."""


def sequence_cost(
    order: Sequence[int],
    durations: Sequence[int],
    cast_masks: Sequence[int],
    cast_costs: Sequence[int],
) -> int:
    """Cast cost of shooting the scenes back to back in ``order``."""
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    day = 0
    for s in order:
        mask = cast_masks[s]
        while mask:
            low = mask & -mask
            a = low.bit_length() - 1
            first.setdefault(a, day)
            last[a] = day + durations[s]
            mask ^= low
        day += durations[s]
    return sum(cast_costs[a] * (last[a] - first[a]) for a in first)


class _CostTable:
    """Sum of actor day costs of a bitmask, by 8-bit chunks (fast in pure Python)."""

    def __init__(self, costs: Sequence[int]) -> None:
        self.chunks: list[list[int]] = []
        for base in range(0, max(1, len(costs)), 8):
            part = costs[base : base + 8]
            table = [0] * 256
            for m in range(1, 256):
                low = m & -m
                bit = low.bit_length() - 1
                table[m] = table[m ^ low] + (part[bit] if bit < len(part) else 0)
            self.chunks.append(table)

    def __call__(self, mask: int) -> int:
        total = 0
        for table in self.chunks:
            total += table[mask & 255]
            mask >>= 8
            if not mask:
                break
        return total


def sequence_scenes(
    durations: Sequence[int],
    cast_masks: Sequence[int],
    cast_costs: Sequence[int],
    predecessors: Sequence[int] | None = None,
    *,
    deadline: float | None = None,
    stop: threading.Event | None = None,
    upper_bound_order: Sequence[int] | None = None,
    max_states: int | None = None,
) -> SequenceResult:
    """Order scenes (shot back to back) to minimise the cast cost, exactly when time allows.

    ``cast_masks[s]`` is the bitmask of actors in scene ``s``; ``predecessors[s]``
    the bitmask of scenes that must come before ``s``. The search stops at
    ``deadline`` (monotonic clock), when ``stop`` is set or after ``max_states``
    expansions (a limit that, unlike time, is reproducible). The result's
    ``lower_bound`` is always a proven bound; ``optimal`` says it meets ``cost``.
    """
    n = len(durations)
    preds = list(predecessors) if predecessors is not None else [0] * n
    if n == 0:
        return SequenceResult((), 0, 0, True, 0)
    reduced = _Reduced.build(durations, cast_masks, cast_costs, preds)
    start_order = _initial_order(reduced)
    if upper_bound_order is not None:
        hinted = reduced.reduce_order(upper_bound_order)
        if hinted is not None and reduced.cost(hinted) < reduced.cost(start_order):
            start_order = hinted
    start_order = _improve_by_insertion(reduced, start_order, deadline)
    _break_reversal_symmetry(reduced, start_order)
    search = _Search(reduced, deadline, stop, max_states)
    best_order, _, bound, optimal = search.run(start_order)
    order = reduced.expand(best_order)
    cost = sequence_cost(order, durations, cast_masks, cast_costs)
    if optimal:
        bound = cost
    return SequenceResult(tuple(order), cost, min(bound, cost), optimal, search.states)


def sequence_cast(
    problem: Problem,
    durations: Sequence[int],
    casts: Sequence[Collection[str]],
    predecessors: Sequence[int],
    *,
    deadline: float | None = None,
    stop: threading.Event | None = None,
    upper_bound_order: Sequence[int] | None = None,
    max_states: int | None = None,
) -> SequenceResult:
    """:func:`sequence_scenes` on units that name their cast by id (scenes, shooting days)."""
    members = sorted({m for cast in casts for m in cast})
    bit = {m: i for i, m in enumerate(members)}
    return sequence_scenes(
        durations,
        [sum(1 << bit[m] for m in cast) for cast in casts],
        [problem.index.cast[m].day_cost for m in members],
        predecessors,
        deadline=deadline,
        stop=stop,
        upper_bound_order=upper_bound_order,
        max_states=max_states,
    )


class TalentShape(NamedTuple):
    """A crew of the talent-scheduling form: its scenes go back to back at one location."""

    scenes: list[Scene]
    location: str
    first_day: int  # date ordinal of the first scene
    fixed_cost: int  # the crew's and the rent's days, the same in any order


def talent_shape(problem: Problem, crew_id: str) -> TalentShape | None:
    """The talent-scheduling form of a crew, if it has it.

    Every scene fills its dates alone (more than half a day of minutes), one
    location fits every scene at the lowest rate any of them could pay and is
    free on the first dates of the window that the scenes fill back to back,
    and nothing (cast leave, earliest/latest) forbids any order there. Then
    shooting the scenes back to back there in the best order is optimal among
    plans that shoot them all.

    Version 2 adds two ways out. Night and day scenes together: a night may not
    be followed by a day scene the next date (rule 10), so back to back is no
    longer free in its order (and a rest day can beat it). The crew's own fixed
    days: on them it may shoot only there (rule 9) and pays no rent, so the form
    holds only when every own day in the window lies in the block at the chosen
    location, or the rate is 0 and the own days outside the block are never needed.
    """
    index = problem.index
    crew = index.crew[crew_id]
    scenes = list(index.scenes_by_crew.get(crew_id, ()))
    if not scenes or len(scenes) > 64:
        return None
    if any(s.night for s in scenes) and not all(s.night for s in scenes):
        return None
    cap = crew.max_minutes_per_day
    if any(2 * s.minutes <= cap for s in scenes):
        return None
    lo, hi = index.active_window(crew_id)
    n_days = sum(index.scene_days[s.id] for s in scenes)
    last = lo + n_days - 1
    if last > hi:
        return None
    fitting = [index.fitting_locations(s) for s in scenes]
    if any(not f for f in fitting):
        return None
    cheapest = max(f[0].day_rate for f in fitting)
    if any(f[0].day_rate < cheapest for f in fitting):
        return None
    common = set.intersection(*({loc.id for loc in f} for f in fitting))
    block = [date.fromordinal(d) for d in range(lo, last + 1)]
    location: str | None = None
    for loc in fitting[0]:
        if loc.id not in common or loc.day_rate != cheapest:
            continue
        if any(d in loc.unavailable or index.blocked_for(loc.id, d, crew_id) for d in block):
            continue
        location = loc.id
        break
    if location is None:
        return None
    # Own fixed days in the window: inside the block they must include the location;
    # outside it they could only save rent, which is impossible at rate 0.
    paid_days = 0
    for d in range(lo, hi + 1):
        own = index.own_fixed.get((crew_id, d))
        if own is None:
            continue
        if d <= last:
            if location not in own:
                return None
            paid_days += 1
        elif cheapest > 0:
            return None
    first_day, last_day = block[0], block[-1]
    for s in scenes:
        if s.earliest is not None and s.earliest > first_day:
            return None
        if s.latest is not None and s.latest < last_day:
            return None
        for m in s.cast:
            if any(first_day <= d <= last_day for d in index.cast[m].unavailable):
                return None
    return TalentShape(
        scenes, location, lo, n_days * crew.day_cost + (n_days - paid_days) * cheapest
    )


def talent_plan(
    problem: Problem,
    shape: TalentShape,
    current: Sequence[Assignment],
    *,
    deadline: float,
    stop: threading.Event | None = None,
) -> tuple[list[Assignment], int]:
    """The crew's scenes in the best order found by ``deadline``, and a proven bound.

    ``current`` (the crew's plan so far) seeds the search when it shoots every
    scene. The bound holds for every plan of the crew, shooting all its scenes
    or not.
    """
    index = problem.index
    scenes = shape.scenes
    position = {s.id: i for i, s in enumerate(scenes)}
    preds = [sum(1 << position[p] for p in s.after if p in position) for s in scenes]
    hint_order = [position[a.scene] for a in sorted(current, key=lambda a: a.date)]
    result = sequence_cast(
        problem,
        [index.scene_days[s.id] for s in scenes],
        [s.cast for s in scenes],
        preds,
        deadline=deadline,
        stop=stop,
        upper_bound_order=hint_order if len(hint_order) == len(scenes) else None,
    )
    plan: list[Assignment] = []
    day = shape.first_day
    for i in result.order:
        plan.append(Assignment(scenes[i].id, shape.location, date.fromordinal(day)))
        day += index.scene_days[scenes[i].id]
    # Any plan that shoots every scene costs at least the sequence bound plus the
    # fixed days; one that leaves a scene out costs at least the penalty.
    bound = min(result.lower_bound + shape.fixed_cost, problem.unscheduled_penalty)
    return plan, bound


@dataclass
class _Reduced:
    """The instance after preprocessing, with the way back to original scenes."""

    durations: list[int]
    masks: list[int]
    costs: list[int]
    preds: list[int]
    groups: list[list[int]]  # reduced scene -> original scenes, shot in this order
    tail: list[int]  # original scenes with no cost that go last
    constant: int  # cost that no order changes

    @classmethod
    def build(
        cls,
        durations: Sequence[int],
        cast_masks: Sequence[int],
        cast_costs: Sequence[int],
        preds: Sequence[int],
    ) -> _Reduced:
        n = len(durations)
        tied = [preds[s] != 0 for s in range(n)]
        for s in range(n):
            p = preds[s]
            while p:
                low = p & -p
                tied[low.bit_length() - 1] = True
                p ^= low
        # Scenes without cast and without precedence cost nothing when shot last.
        tail = [s for s in range(n) if cast_masks[s] == 0 and not tied[s]]
        keep = [s for s in range(n) if not (cast_masks[s] == 0 and not tied[s])]
        # Scenes with identical cast and no precedence are shot together in an optimum.
        groups: list[list[int]] = []
        by_mask: dict[int, int] = {}
        for s in keep:
            if not tied[s] and cast_masks[s] in by_mask:
                groups[by_mask[cast_masks[s]]].append(s)
                continue
            if not tied[s]:
                by_mask[cast_masks[s]] = len(groups)
            groups.append([s])
        g_durations = [sum(durations[s] for s in g) for g in groups]
        g_masks = [cast_masks[g[0]] for g in groups]
        total_days = sum(g_durations)
        # An actor in one group only, or in every group, costs the same in any order.
        constant = 0
        n_actors = len(cast_costs)
        variable_actors: list[int] = []
        for a in range(n_actors):
            bit = 1 << a
            where = [i for i, m in enumerate(g_masks) if m & bit]
            if not where:
                continue
            if len(where) == 1:
                constant += cast_costs[a] * g_durations[where[0]]
            elif len(where) == len(groups):
                constant += cast_costs[a] * total_days
            else:
                variable_actors.append(a)
        remap = {a: i for i, a in enumerate(variable_actors)}
        new_masks = []
        for m in g_masks:
            nm = 0
            for a, i in remap.items():
                if m >> a & 1:
                    nm |= 1 << i
            new_masks.append(nm)
        group_of = {s: i for i, g in enumerate(groups) for s in g}
        g_preds = []
        for g in groups:
            pm = 0
            for s in g:
                p = preds[s]
                while p:
                    low = p & -p
                    pm |= 1 << group_of[low.bit_length() - 1]
                    p ^= low
            g_preds.append(pm)
        return cls(
            durations=g_durations,
            masks=new_masks,
            costs=[cast_costs[a] for a in variable_actors],
            preds=g_preds,
            groups=groups,
            tail=tail,
            constant=constant,
        )

    def expand(self, order: Sequence[int]) -> list[int]:
        return [s for g in order for s in self.groups[g]] + self.tail

    def reduce_order(self, original: Sequence[int]) -> list[int] | None:
        """Reduced order following the first appearance of each group in ``original``."""
        group_of = {s: i for i, g in enumerate(self.groups) for s in g}
        seen: list[int] = []
        taken: set[int] = set()
        for s in original:
            g = group_of.get(s)
            if g is not None and g not in taken:
                taken.add(g)
                seen.append(g)
        if len(seen) != len(self.groups) or not self.respects_preds(seen):
            return None
        return seen

    def respects_preds(self, order: Sequence[int]) -> bool:
        done = 0
        for g in order:
            if self.preds[g] & ~done:
                return False
            done |= 1 << g
        return True

    def cost(self, order: Sequence[int]) -> int:
        return sequence_cost(order, self.durations, self.masks, self.costs)


def _initial_order(r: _Reduced) -> list[int]:
    """Greedy: repeatedly shoot the available scene that adds least to the cost so far."""
    n = len(r.durations)
    table = _CostTable(r.costs)
    remaining = (1 << n) - 1
    done_actors = 0
    order: list[int] = []
    while remaining:
        rest_actors = 0
        m = remaining
        while m:
            low = m & -m
            rest_actors |= r.masks[low.bit_length() - 1]
            m ^= low
        best = -1
        best_key: tuple[int, int] = (_INF, 0)
        m = remaining
        done = ((1 << n) - 1) ^ remaining
        while m:
            low = m & -m
            s = low.bit_length() - 1
            m ^= low
            if r.preds[s] & ~done:
                continue
            # Prefer scenes that keep the fewest idle actors per day and open few new ones.
            new_actors = r.masks[s] & ~done_actors
            idle = done_actors & rest_actors & ~r.masks[s]
            key = (table(idle) * r.durations[s] + table(new_actors), s)
            if key < best_key:
                best_key, best = key, s
        if best < 0:
            raise ValueError("the precedence among scenes has a cycle")
        order.append(best)
        remaining &= ~(1 << best)
        done_actors |= r.masks[best]
    return order


def _break_reversal_symmetry(r: _Reduced, start_order: Sequence[int]) -> None:
    """Without precedence, an order and its reverse cost the same (every actor's span
    is kept): searching only orders with the starting order's first scene before its
    last one loses no optimum and spares the search about a third of its states."""
    if len(start_order) < 2 or any(r.preds):
        return
    r.preds[start_order[-1]] |= 1 << start_order[0]


def _improve_by_insertion(r: _Reduced, order: list[int], deadline: float | None) -> list[int]:
    """Move single scenes to their best position until no move helps (first improvement)."""
    best = list(order)
    best_cost = r.cost(best)
    improved = True
    while improved:
        improved = False
        for i in range(len(best)):
            if deadline is not None and time.monotonic() > deadline:
                return best
            s = best[i]
            rest = best[:i] + best[i + 1 :]
            for j in range(len(best)):
                if j == i:
                    continue
                if j & 31 == 0 and deadline is not None and time.monotonic() > deadline:
                    return best
                cand = [*rest[:j], s, *rest[j:]]
                if not r.respects_preds(cand):
                    continue
                c = r.cost(cand)
                if c < best_cost:
                    best, best_cost, improved = cand, c, True
                    break
            if improved:
                break
    return best


class _Search:
    """Memoised depth-first branch and bound over the set of scenes still to shoot."""

    def __init__(
        self,
        r: _Reduced,
        deadline: float | None,
        stop: threading.Event | None,
        max_states: int | None = None,
    ) -> None:
        self.r = r
        self.max_states = max_states
        self.n = len(r.durations)
        self.full = (1 << self.n) - 1
        self.cost_of = _CostTable(r.costs)
        self.square_of = _CostTable([c * c for c in r.costs])
        self.deadline = deadline
        self.stop = stop
        self.exact: dict[int, int] = {}
        self.failed: dict[int, int] = {}
        self.bound_cache: dict[int, int] = {}
        self.best_next: dict[int, int] = {}
        self.states = 0
        self.working = [r.durations[s] * self.cost_of(r.masks[s]) for s in range(self.n)]
        self.actors_of = [
            [a for a in range(len(r.costs)) if r.masks[s] >> a & 1] for s in range(self.n)
        ]
        self.fdur = [float(d) for d in r.durations]
        self.split: list[dict[int, tuple[list[int], float, float]]] = [{} for _ in range(self.n)]

    def run(self, start_order: list[int]) -> tuple[list[int], int, int, bool]:
        ub = self.r.cost(start_order) + 1
        all_actors = 0
        for m in self.r.masks:
            all_actors |= m
        working = sum(self.working)
        try:
            value = self._f(self.full, 0, all_actors, working, ub)
        except _Timeout:
            root = max(working, self.failed.get(self.full, 0))
            return start_order, self.r.cost(start_order), root + self.r.constant, False
        if value >= ub:
            # Nothing beats the starting order: it is optimal.
            cost = self.r.cost(start_order)
            return start_order, cost, cost, True
        return self._rebuild(), value, value, True

    def _rebuild(self) -> list[int]:
        order: list[int] = []
        q = self.full
        while q:
            s = self.best_next[q]
            order.append(s)
            q &= ~(1 << s)
        return order

    def _split(self, s: int, on: int) -> tuple[list[int], float, float]:
        """Scene ``s`` shared by the actors ``on``: their indices, each one's share of
        the scene per unit of day cost, and the split's correction term."""
        w = self.cost_of(on)
        d = self.fdur[s]
        if w == 0:
            entry: tuple[list[int], float, float] = ([], 0.0, 0.0)
        else:
            actors = [a for a in self.actors_of[s] if on >> a & 1]
            entry = (actors, d / w, d * (w + self.square_of(on) / w) / 2.0)
        self.split[s][on] = entry
        return entry

    def _bound(self, q: int, present: int, working: int) -> int:
        """Working cost of the scenes left plus a bound on holding the actors on location.

        The holding bound relaxes the actors already on location (``present``)
        to jobs of one machine, each shared scene split among its actors in
        proportion to their day cost; Smith's rule solves that weighted
        completion time problem exactly, and a per-scene term corrects for the
        split. It is the bound of de la Banda et al.'s DP (also used by ddo).
        """
        cached = self.bound_cache.get(q)
        if cached is not None:
            return cached
        if not present:
            self.bound_cache[q] = working
            return working
        masks = self.r.masks
        split = self.split
        ratio = [0.0] * len(self.r.costs)
        correction = 0.0
        m = q
        while m:
            low = m & -m
            s = low.bit_length() - 1
            m ^= low
            on = masks[s] & present
            if not on:
                continue
            cached_split = split[s].get(on)
            if cached_split is None:
                cached_split = self._split(s, on)
            on_actors, share, corr = cached_split
            for a in on_actors:
                ratio[a] += share
            correction += corr
        ordered = []
        m = present
        while m:
            low = m & -m
            a = low.bit_length() - 1
            m ^= low
            ordered.append((ratio[a], a))
        ordered.sort()
        costs = self.r.costs
        acc = 0.0
        smith = 0.0
        for ra, a in ordered:
            c = costs[a]
            acc += ra * c
            smith += c * acc
        hold = smith - correction
        value = working + max(0, math.ceil(hold - 1e-6))
        self.bound_cache[q] = value
        return value

    def _f(self, q: int, done_actors: int, rest_actors: int, working: int, budget: int) -> int:
        """Cost of shooting the scenes in ``q`` from here, or a bound >= budget if not below it.

        ``rest_actors`` is the union of the casts of ``q`` and ``working`` the
        sum of their own days; both follow from ``q`` and are passed for speed.
        """
        if q == 0:
            return 0
        exact = self.exact.get(q)
        if exact is not None:
            return exact
        failed = self.failed.get(q)
        if failed is not None and failed >= budget:
            return failed
        present_all = done_actors & rest_actors
        lb = self._bound(q, present_all, working)
        if lb >= budget:
            return lb
        self.states += 1
        if self.max_states is not None and self.states > self.max_states:
            raise _Timeout
        # A state of a long sequence costs milliseconds (a bound per child): look at the
        # clock every few states, not every thousand, so that deadlines hold.
        if self.states & 15 == 0 and (
            (self.deadline is not None and time.monotonic() > self.deadline)
            or (self.stop is not None and self.stop.is_set())
        ):
            raise _Timeout
        r = self.r
        masks = r.masks
        preds = r.preds
        durations = r.durations
        work = self.working
        done = self.full ^ q
        # Actors needed after each candidate: every actor of q, less the candidate's
        # actors that no other scene of q has.
        seen = twice = 0
        members: list[int] = []
        m = q
        while m:
            low = m & -m
            s = low.bit_length() - 1
            members.append(s)
            ms = masks[s]
            twice |= seen & ms
            seen |= ms
            m ^= low
        once = seen & ~twice
        children: list[tuple[int, int, int, int, int]] = []
        forced: tuple[int, int, int, int] | None = None
        cheap_lowest = _INF
        cost_of = self.cost_of
        bound = self._bound
        bound_cache = self.bound_cache
        for s in members:
            if preds[s] & ~done:
                continue
            ms = masks[s]
            others = seen & ~(ms & once)
            step = durations[s] * cost_of(ms | (done_actors & others))
            if ms == present_all:
                # Every actor on location is in this scene: shooting it now is optimal.
                forced = (step, s, others, working - work[s])
                break
            child_working = working - work[s]
            if step + child_working >= budget:
                # Even the working cost alone is over budget: no need for the full bound.
                if step + child_working < cheap_lowest:
                    cheap_lowest = step + child_working
                continue
            child = q & ~(1 << s)
            child_bound = bound_cache.get(child)
            if child_bound is None:
                child_bound = bound(child, (done_actors | ms) & others, child_working)
            est = step + child_bound
            children.append((est, step, s, others, child_working))
        best = _INF
        best_s = -1
        lowest = cheap_lowest
        if forced is not None:
            step, s, others, child_working = forced
            v = self._f(q & ~(1 << s), done_actors | masks[s], others, child_working, budget - step)
            best, best_s, lowest = step + v, s, step + v
        else:
            children.sort()
            for est, step, s, others, child_working in children:
                limit = min(best, budget)
                if est >= limit:
                    lowest = min(lowest, est)
                    continue
                v = self._f(
                    q & ~(1 << s), done_actors | masks[s], others, child_working, limit - step
                )
                total = step + v
                if total < best and v < limit - step:
                    best, best_s = total, s
                lowest = min(lowest, total)
        if best < budget and best_s >= 0:
            self.exact[q] = best
            self.best_next[q] = best_s
            self.failed.pop(q, None)
            return best
        fail = max(lowest, lb, self.failed.get(q, 0))
        self.failed[q] = fail
        return fail
