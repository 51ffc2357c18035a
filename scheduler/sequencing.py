"""Exact sequencing for the talent-scheduling special case.

A crew whose scenes each fill whole days and must run back to back at one
location is the talent-scheduling problem of the film literature: choose the
order of the scenes so that the cast, paid from their first to their last day,
cost least. General constraint models are slow on it, so this module solves it
with the dynamic programme of Garcia de la Banda, Stuckey & Chu (2011): a
memoised depth-first branch and bound over the set of scenes still to shoot,
with their preprocessing (identical scenes merged, constant-cost actors and
empty scenes set aside) and a weighted-completion-time lower bound on the
holding cost of the actors already on location, here with shared scenes split
by load as well as by day cost (a stronger bound for the same relaxation), and
a swap dominance between scenes of equal days and nested casts.

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
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from scheduler.domain import Assignment, Problem, Scene

# Above any cost: actor rates are unbounded integers (10**17 a day over a few weeks
# passes 2**62, where the search then lost its best order).
_INF = 1 << 256


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


def _cost_function(costs: Sequence[int]) -> Callable[[int], int]:
    """Sum of the day costs of a bitmask of actors, by table look-ups of 12 bits.

    The search asks this for every child of every state, so it is a bound list
    look-up (up to 12 actors) or a lambda of a few look-ups, not a loop.
    """
    tables: list[list[int]] = []
    for base in range(0, max(1, len(costs)), 12):
        table = [0]
        for c in costs[base : base + 12]:
            table += [x + c for x in table]
        tables.append(table)
    if len(tables) == 1:
        return tables[0].__getitem__
    if len(tables) == 2:
        low, high = tables
        return lambda mask: low[mask & 4095] + high[mask >> 12]
    if len(tables) == 3:
        low, mid, high = tables
        return lambda mask: low[mask & 4095] + mid[mask >> 12 & 4095] + high[mask >> 24]

    def cost(mask: int) -> int:
        total = 0
        for table in tables:
            total += table[mask & 4095]
            mask >>= 12
        return total

    return cost


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
        # Actors who cost nothing change no order's cost: leave them out of the casts.
        paid = sum(1 << a for a, c in enumerate(cast_costs) if c)
        cast_masks = [m & paid for m in cast_masks]
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
    table = _cost_function(r.costs)
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
    """Move single scenes to their best position until no move helps (first improvement).

    The cost of every position for the scene taken out follows from the unions of
    the casts before and after each place in the rest of the order, so a sweep over
    the positions costs what a single cost evaluation used to.
    """
    n = len(order)
    masks, durations, preds = r.masks, r.durations, r.preds
    cost_of = _cost_function(r.costs)
    later = [0] * n  # scenes that must come after each scene
    for s in range(n):
        p = preds[s]
        while p:
            low = p & -p
            later[low.bit_length() - 1] |= 1 << s
            p ^= low
    best = list(order)
    best_cost = r.cost(best)
    improved = True
    while improved:
        improved = False
        for i in range(n):
            if deadline is not None and time.monotonic() > deadline:
                return best
            s = best[i]
            ms, ds = masks[s], durations[s]
            rest = best[:i] + best[i + 1 :]
            # Cast up to (before) and from each place of the rest.
            before = [0] * n
            for k, x in enumerate(rest):
                before[k + 1] = before[k] | masks[x]
            after = [0] * n
            for k in range(n - 2, -1, -1):
                after[k] = after[k + 1] | masks[rest[k]]
            # Cost of the rest's scenes before s (s still to come) and after it.
            head = [0] * n
            for k, x in enumerate(rest):
                head[k + 1] = head[k] + durations[x] * cost_of(before[k + 1] & (after[k] | ms))
            tail = [0] * n
            for k in range(n - 2, -1, -1):
                x = rest[k]
                tail[k] = tail[k + 1] + durations[x] * cost_of((before[k + 1] | ms) & after[k])
            # Places that keep the precedence: after every predecessor, before every successor.
            first, last = 0, n - 1
            for k, x in enumerate(rest):
                if preds[s] >> x & 1:
                    first = k + 1
                if later[s] >> x & 1 and k < last:
                    last = k
            for j in range(first, last + 1):
                if j == i:
                    continue
                c = head[j] + ds * cost_of(ms | (before[j] & after[j])) + tail[j]
                if c < best_cost:
                    best = [*rest[:j], s, *rest[j:]]
                    best_cost = c
                    improved = True
                    break
            if improved:
                break
    return best


def _swap_dominance(r: _Reduced) -> list[list[tuple[int, int]]]:
    """Per scene ``i``, the scenes ``j`` that may replace it as the next scene.

    Shooting ``i`` now and ``j`` later (same days, ``j``'s cast a superset of
    ``i``'s) costs no less than the swap, ``j`` now and ``i`` in its place,
    when every actor of ``j`` not in ``i`` is already on location: actors of
    both scenes keep their span, the others of ``j`` are on location from now
    to at least ``j``'s old place anyway, and no other scene moves. So ``i``
    need not go next while such a ``j`` is available; the swap keeps the
    precedence when nothing must follow ``i``. Between scenes of equal cast
    the lower index goes first. Each entry is ``j`` and the actors of ``j``
    not in ``i`` (to check against those on location).
    """
    n = len(r.durations)
    masks, durations = r.masks, r.durations
    followed = 0  # scenes that some scene must follow
    for p in r.preds:
        followed |= p
    swaps: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for i in range(n):
        if followed >> i & 1:
            continue
        for j in range(n):
            if j == i or durations[j] != durations[i] or masks[i] & ~masks[j]:
                continue
            if masks[j] == masks[i] and j > i:
                continue
            swaps[i].append((j, masks[j] & ~masks[i]))
    return swaps


# A scene with some of its actors on location: those actors, its days per unit of
# their day cost, their own cost of it, what they at least wait for one another in it
# when it is split among them by day cost, and its days.
_Share = tuple[list[int], float, float, float, float]


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
        self.cost_of = _cost_function(r.costs)
        self.deadline = deadline
        self.stop = stop
        self.exact: dict[int, int] = {}
        self.failed: dict[int, int] = {}
        self.bound_cache: dict[int, int] = {}
        self.best_next: dict[int, int] = {}
        # The scenes shot on the way to the current state and their cost, and the best
        # full order seen: a state solved below its budget completes the path to one.
        self.path: list[int] = []
        self.path_cost = 0
        self.incumbent: list[int] = []
        self.incumbent_cost = _INF
        self.states = 0
        self.working = [r.durations[s] * self.cost_of(r.masks[s]) for s in range(self.n)]
        self.actors_of = [
            [a for a in range(len(r.costs)) if r.masks[s] >> a & 1] for s in range(self.n)
        ]
        self.fdur = [float(d) for d in r.durations]
        self.fcosts = [float(c) for c in r.costs]
        self.square_of = _cost_function([c * c for c in r.costs])
        self.weak_bound: dict[int, int] = {}
        self.present_list: dict[int, list[int]] = {}
        self.n_actors = len(r.costs)
        self.split: list[dict[int, _Share]] = [{} for _ in range(self.n)]
        self.swaps = _swap_dominance(r)

    def run(self, start_order: list[int]) -> tuple[list[int], int, int, bool]:
        """Best order, its cost, a proven bound and whether it is optimal. Stopped
        early, the order is the best the search completed (the start order at worst)."""
        ub = self.r.cost(start_order) + 1
        self.incumbent, self.incumbent_cost = list(start_order), ub - 1
        all_actors = 0
        for m in self.r.masks:
            all_actors |= m
        working = sum(self.working)
        try:
            value = self._f(self.full, 0, all_actors, working, ub)
        except _Timeout:
            root = max(working, self.failed.get(self.full, 0))
            if self.n <= 24:  # two levels cost n * n bounds: some ms here, too many above
                root = max(root, self._proven(self.full, 2))
            root = min(root, self.incumbent_cost)
            return self.incumbent, self.incumbent_cost, root + self.r.constant, False
        if value >= ub:
            # Nothing beats the starting order: it is optimal.
            cost = self.r.cost(start_order)
            return start_order, cost, cost, True
        return self._rebuild(), value, value, True

    def _rebuild(self, q: int | None = None) -> list[int]:
        """The best order of the solved state ``q`` (all scenes by default)."""
        order: list[int] = []
        if q is None:
            q = self.full
        while q:
            s = self.best_next[q]
            order.append(s)
            q &= ~(1 << s)
        return order

    def _proven(self, q: int, depth: int) -> int:
        """A lower bound on shooting ``q`` from here, from what the search has cached
        and, ``depth`` scenes ahead, the least over the next scenes it would try.

        For a stopped search: the root's own bound knows nothing of holding, while its
        children's bounds and failed values do. The next scenes are those the search
        itself takes (precedence, swap and forced-scene rules keep an optimum among
        them), so the least over them of step plus bound is a bound.
        """
        known = self.exact.get(q)
        if known is not None:
            return known
        r = self.r
        masks = r.masks
        members = [s for s in range(self.n) if q >> s & 1]
        done = self.full ^ q
        done_actors = rest_actors = 0
        for s in range(self.n):
            if done >> s & 1:
                done_actors |= masks[s]
            else:
                rest_actors |= masks[s]
        present = done_actors & rest_actors
        working = sum(self.working[s] for s in members)
        settled = max(self.bound_cache.get(q, 0), self.weak_bound.get(q, 0), self.failed.get(q, 0))
        if self.bound_cache.get(q) is None:
            settled = max(settled, self._bound(q, present, working, _INF, members, -1))
        if depth == 0 or len(members) < 2:
            return settled
        candidates = [s for s in members if not r.preds[s] & ~done]
        forced = [s for s in candidates if masks[s] == present]
        if forced:
            candidates = forced[:1]
        lowest = _INF
        for s in candidates:
            if len(candidates) > 1 and self.swaps[s] and self._replaceable(s, q, present):
                continue
            others = 0
            for t in members:
                if t != s:
                    others |= masks[t]
            step = r.durations[s] * self.cost_of(masks[s] | (done_actors & others))
            lowest = min(lowest, step + self._proven(q ^ (1 << s), depth - 1))
        return max(settled, lowest)

    def _replaceable(self, s: int, q: int, present: int) -> bool:
        """Whether a scene of ``q`` that may go next makes ``s`` needless as the next
        scene (:func:`_swap_dominance`); ``present``: the actors on location."""
        preds = self.r.preds
        done = self.full ^ q
        return any(
            q >> j & 1 and not preds[j] & ~done and not extra & ~present
            for j, extra in self.swaps[s]
        )

    def _split(self, s: int, on: int) -> _Share:
        """Scene ``s`` with the actors ``on`` of it on location: the part of it they
        share, split by day cost, and what they wait for one another inside it."""
        w = self.cost_of(on)  # not 0: only paid actors are left in the casts
        d = self.fdur[s]
        actors = [a for a in self.actors_of[s] if on >> a & 1]
        entry = (actors, d / w, d * w, d * (w + self.square_of(on) / w) / 2.0, d)
        self.split[s][on] = entry
        return entry

    def _bound(
        self, q: int, present: int, working: int, need: int, scenes: list[int], skip: int
    ) -> int:
        """Working cost of the scenes left plus a bound on holding the actors on location.

        The holding bound relaxes the actors already on location (``present``)
        to jobs of one machine: an actor's job takes a share of each scene left
        in which it plays, and Smith's rule orders the jobs exactly. Any split of
        the scenes gives a valid bound, with a term for what the actors of a
        scene at least wait for one another inside it. De la Banda et al. split
        by day cost; when that is not already ``need`` (the search has no use for
        more), each shared scene is split again by day cost over the actor's load
        under the first split. The lightly loaded actors, which Smith's rule puts
        first, then take more of the scenes they share, and the holding bound
        rises by a fifth or more on 20x20 instances (Shaw2020: 81,000 states to
        24,000). Values below ``need`` are the stronger bound and are cached.
        ``scenes`` less ``skip`` are the scenes of ``q``.

        The relaxation holds for any subset of the actors on location, and leaving
        out those in every scene left, or in all but one, is stronger where casts are
        large: they hold for nothing, or for their one missed scene unless it goes
        last (a term of its own), while in the split they take shares of nearly every
        scene from the others (random 20x20 instances: a third to half fewer states).
        """
        cached = self.bound_cache.get(q)
        if cached is not None:
            return cached
        if not present:
            self.bound_cache[q] = working
            return working
        weak = self.weak_bound.get(q)
        if weak is not None and weak >= need:
            return weak
        masks = self.r.masks
        # An actor in every scene left works every day until the end and holds for
        # none; one in all but one holds for that scene unless it is the last. Left out
        # of the split, the others take whole shares of their scenes, and those that
        # miss one scene hold for all their missed scenes but the last one's.
        miss1 = miss2 = 0
        for s in scenes:
            if s != skip:
                nm = ~masks[s]
                miss2 |= miss1 & nm
                miss1 |= nm
        once = present & miss1 & ~miss2
        present &= miss2
        if once:
            durations = self.r.durations
            cost_of = self.cost_of
            top = 0
            for s in scenes:
                if s != skip:
                    held = durations[s] * cost_of(once & ~masks[s])
                    working += held
                    if held > top:
                        top = held
            working -= top
        if not present:
            self.bound_cache[q] = working
            return working
        split = self.split
        load = [0.0] * self.n_actors
        entries: list[_Share] = []
        inside = 0.0
        for s in scenes:
            if s == skip:
                continue
            on = masks[s] & present
            if not on:
                continue
            entry = split[s].get(on)
            if entry is None:
                entry = self._split(s, on)
            entries.append(entry)
            share = entry[1]
            for a in entry[0]:
                load[a] += share
            inside += entry[3]
        acts = self.present_list.get(present)
        if acts is None:
            acts = [a for a in range(self.n_actors) if present >> a & 1]
            self.present_list[present] = acts
        costs = self.fcosts
        if weak is None:
            value = working + max(0, math.ceil(_smith(acts, load, costs) - inside - 1e-6))
            if value >= need:
                self.weak_bound[q] = value
                return value
        else:
            value = weak
        # Split each shared scene again, by day cost over load.
        ratio = [0.0] * self.n_actors
        own = 0.0
        wait = 0.0
        by_load = load.__getitem__
        for on_actors, share, own_cost, _, d in entries:
            own += own_cost
            if len(on_actors) == 1:
                ratio[on_actors[0]] += share
                continue
            ordered = sorted(on_actors, key=by_load)
            total = 0.0
            for a in ordered:
                total += costs[a] / load[a]
            k = d / total
            acc = 0.0
            for a in ordered:
                x = k / load[a]
                ratio[a] += x
                wait += x * costs[a] * acc
                acc += costs[a]
        smith = _smith(acts, ratio, costs)
        value = max(value, working + max(0, math.ceil(smith + wait - own - 1e-6)))
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
        failed_at = self.failed
        failed = failed_at.get(q)
        if failed is not None and failed >= budget:
            return failed
        r = self.r
        masks = r.masks
        members: list[int] = []
        seen = twice = 0
        m = q
        while m:
            low = m & -m
            s = low.bit_length() - 1
            members.append(s)
            ms = masks[s]
            twice |= seen & ms
            seen |= ms
            m ^= low
        present_all = done_actors & rest_actors
        bound_cache = self.bound_cache
        bound = self._bound
        lb = bound_cache.get(q)
        if lb is None:
            lb = bound(q, present_all, working, budget, members, -1)
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
        preds = r.preds
        durations = r.durations
        work = self.working
        done = self.full ^ q
        # Actors needed after each candidate: every actor of q, less the candidate's
        # actors that no other scene of q has.
        once = seen & ~twice
        children: list[tuple[int, int, int, int, int]] = []
        cheap_lowest = _INF
        cost_of = self.cost_of
        weak_bound = self.weak_bound
        swaps = self.swaps
        for s in members:
            if preds[s] & ~done:
                continue
            ms = masks[s]
            others = seen & ~(ms & once)
            step = durations[s] * cost_of(ms | (done_actors & others))
            child_working = working - work[s]
            if ms == present_all:
                # Every actor on location is in this scene: shooting it now is optimal.
                children = [(0, step, s, others, child_working)]
                cheap_lowest = _INF
                break
            if swaps[s] and self._replaceable(s, q, present_all):
                continue
            child_need = budget - step
            if child_working >= child_need:
                # Even the working cost alone is over budget: no need for the full bound.
                if step + child_working < cheap_lowest:
                    cheap_lowest = step + child_working
                continue
            child = q ^ (1 << s)
            child_bound = bound_cache.get(child)
            if child_bound is None:
                # A bound from an earlier visit may do: the cheap part of the bound, or
                # what a failed search below the child proved.
                child_bound = weak_bound.get(child, 0)
                known = failed_at.get(child)
                if known is not None and known > child_bound:
                    child_bound = known
                if child_bound < child_need:
                    child_bound = bound(
                        child, (done_actors | ms) & others, child_working, child_need, members, s
                    )
            if child_bound >= child_need:
                if step + child_bound < cheap_lowest:
                    cheap_lowest = step + child_bound
                continue
            children.append((step + child_bound, step, s, others, child_working))
        best = _INF
        best_s = -1
        lowest = cheap_lowest
        if len(children) > 1:
            children.sort()
        for est, step, s, others, child_working in children:
            limit = best if best < budget else budget
            if est >= limit:
                if est < lowest:
                    lowest = est
                continue
            self.path.append(s)
            self.path_cost += step
            v = self._f(q ^ (1 << s), done_actors | masks[s], others, child_working, limit - step)
            self.path.pop()
            self.path_cost -= step
            total = step + v
            if total < best and v < limit - step:
                best, best_s = total, s
            if total < lowest:
                lowest = total
        if best < budget and best_s >= 0:
            self.exact[q] = best
            self.best_next[q] = best_s
            if self.path_cost + best < self.incumbent_cost:
                self.incumbent_cost = self.path_cost + best
                self.incumbent = self.path + self._rebuild(q)
            failed_at.pop(q, None)
            return best
        fail = max(lowest, lb, failed or 0)
        failed_at[q] = fail
        return fail


def _smith(actors: list[int], days: list[float], costs: list[float]) -> float:
    """Smith's rule, as both parts of the holding bound use it: the actors taken in order
    of their shares of days, each one's day cost times the cost-weighted days done by
    the end of its share."""
    done = 0.0
    total = 0.0
    for a in sorted(actors, key=days.__getitem__):
        c = costs[a]
        done += days[a] * c
        total += c * done
    return total
