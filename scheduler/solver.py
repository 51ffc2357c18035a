"""The optimizer: the cheapest plan it can find in the time given, and a proven bound.

Crews interact only through location-days (and every cost term is a sum over
crews), so the solve is decomposed:

1. Start from the first-come greedy plan, or from the hint when it is better
   (repaired to validity first). The incumbent is always a valid plan.
2. Split the crews into independent groups (no common candidate location in
   overlapping windows). A group's bounds add up to the problem's bound.
3. Per group:
   - one crew shooting whole-day scenes back to back at one cheapest set is
     the talent-scheduling problem: solved exactly by :mod:`scheduler.sequencing`;
   - a small group is one CP-SAT model of all its crews (the bound is CP-SAT's);
   - in a large group every crew's scenes are grouped into shooting days by CP-SAT
     (:mod:`scheduler.packing`: few days, each cast member on few of them), and the
     constructive heuristic lays those days out again;
   - a large group then runs large-neighbourhood search: each crew is re-optimised
     with CP-SAT while every other crew's location-days stay fixed, then a
     few crews that compete for sets together; improvements are kept. One
     CP-SAT solve per crew with the other crews ignored gives that crew's
     lower bound (its optimum can only get worse when sets are shared).
4. Every bound is checked against a cheap separable bound (each scheduled
   scene pays at least its share of crew, cast and rent days) and the larger
   kept; the plan's bound is the sum over crews or groups.

This module is the driver (the incumbent, the clock, the time shared out);
the parts, by role: :mod:`scheduler.groups` (independent groups),
:mod:`scheduler.scope` (what a crew may use), :mod:`scheduler.bounds`,
:mod:`scheduler.crew_model` (CP-SAT), :mod:`scheduler.packing` (days by CP-SAT),
:mod:`scheduler.construction` and :mod:`scheduler.local_search` (the heuristics),
:mod:`scheduler.sequencing` (talent scheduling) and :mod:`scheduler.repair` (a hint made valid).

Sub-problems are built by pure functions of (problem, other crews' occupied
location-days) in :mod:`scheduler.scope`, so a distributed engine could
solve them side by side. Memory stays bounded: no model ever spans more than a
few crews of a large problem.

Determinism: with ``workers=1`` and a ``seed`` the solve is reproducible. Every
budget is then counted in CP-SAT deterministic time (``deterministic_time``,
by default a fifth of ``time_limit``) and the heuristics are bounded by work
counts, not the clock; ``time_limit`` stays a hard wall-clock limit, so a run
is reproducible as long as that limit is not what stops it (on a heavily
loaded machine, give ``deterministic_time`` explicitly and a generous
``time_limit``). With more workers CP-SAT itself is not deterministic.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import TYPE_CHECKING

from scheduler.bounds import separable_bound
from scheduler.catalogue import all_violations
from scheduler.construction import crew_heuristic_plans, first_fit_packing
from scheduler.cost import crew_cost, make_plan
from scheduler.domain import Assignment, Plan, PlanStatus, Problem
from scheduler.greedy import greedy_plan
from scheduler.groups import independent_groups
from scheduler.local_search import improve_plan
from scheduler.packing import PackingBudget, pack_days
from scheduler.parallel import solve_in_processes, split_for_processes
from scheduler.repair import repair_plan
from scheduler.scope import CrewScope, crew_scope
from scheduler.sequencing import talent_plan, talent_shape

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

    from scheduler.crew_model import CrewVars

# Start variables the crew model builds a second in Python on the project's (loaded)
# machine: a model is only started when it can be built in half the time left.
_BUILD_RATE = 20_000


@dataclass(frozen=True)
class SolveOptions:
    """How long and how to solve, and the plans to start from.

    ``hint`` is a previous plan to warm-start from (repaired to validity first);
    ``baseline`` the first-come plan of :func:`scheduler.greedy.greedy_plan`,
    when the caller has it already (it is computed otherwise).
    """

    time_limit: float = 60.0
    workers: int = 2
    seed: int | None = None
    hint: Plan | None = None
    baseline: Plan | None = None
    # Groups whose joint model stays under this many start variables are solved whole.
    joint_model_limit: int = 12_000
    # Deterministic mode only (workers=1 and a seed): the search budget in CP-SAT
    # deterministic seconds; None means a fifth of time_limit.
    deterministic_time: float | None = None


@dataclass(frozen=True)
class Progress:
    """A progress report: best plan cost and proven bound so far, and the current phase."""

    elapsed: float
    best_total: int | None
    best_bound: int | None
    phase: str


ProgressCallback = Callable[[Progress], None]


def solve(
    problem: Problem,
    options: SolveOptions = SolveOptions(),
    progress: ProgressCallback | None = None,
    stop: threading.Event | None = None,
) -> Plan:
    """Optimise ``problem``; always returns a valid plan with its exact cost.

    ``lower_bound`` is a proven bound on the optimal total and the status is
    OPTIMAL only when it equals the plan's total. ``stop`` ends the search
    early (the best plan so far is returned promptly); ``time_limit`` is wall
    clock seconds for the whole call. With ``workers`` above 2, independent groups
    of crews are solved in ``workers / 2`` processes side by side
    (:mod:`scheduler.parallel`).
    """
    stop = stop or threading.Event()
    if options.workers > 2:
        parts = split_for_processes(problem, options.workers // 2)
        if len(parts) > 1:
            return solve_in_processes(problem, options, parts, progress, stop)
    return _Run(problem, options, progress, stop).run()


class _Clock:
    """Elapsed time, on the wall or (deterministic mode) summed CP-SAT deterministic time."""

    def __init__(self, limit: float, deterministic: bool, budget: float | None = None) -> None:
        self.started = time.monotonic()
        self.limit = limit
        self.deterministic = deterministic
        # Deterministic time leaves room for the (uncounted) Python work around CP-SAT.
        if not deterministic:
            self.budget = limit
        else:
            self.budget = 0.2 * limit if budget is None else budget
        self.spent = 0.0

    def wall(self) -> float:
        return time.monotonic() - self.started

    @property
    def deadline(self) -> float:
        """The hard wall-clock end (monotonic), shared by every phase and heuristic."""
        return self.started + self.limit

    def elapsed(self) -> float:
        return self.spent if self.deterministic else self.wall()

    def remaining(self) -> float:
        """Budget left, on this clock's own measure (what budgets are split from)."""
        left = max(0.0, self.budget - self.elapsed())
        if self.deterministic:
            return left
        return min(left, max(0.0, self.limit - self.wall()))

    def expired(self) -> bool:
        """The wall clock is always a hard limit, in deterministic mode too."""
        return self.wall() >= self.limit or self.remaining() <= 0.0

    def charge(self, deterministic_time: float) -> None:
        self.spent += deterministic_time


@dataclass
class _SubResult:
    assignments: dict[str, list[Assignment]]  # crew -> assignments
    bound: int | None  # valid for the crews solved, only when the scope was a relaxation
    optimal: bool


class _Run:
    """One call of :func:`solve`: the incumbent plan per crew, the bounds, the clock."""

    def __init__(
        self,
        problem: Problem,
        options: SolveOptions,
        progress: ProgressCallback | None,
        stop: threading.Event,
    ) -> None:
        self.problem = problem
        self.options = options
        self.progress = progress
        self.stop = stop
        self.deterministic = options.workers <= 1 and options.seed is not None
        # Time kept back for assembling and checking the final plan.
        reserve = min(0.1 * options.time_limit, 0.2 + 0.0004 * len(problem.scenes))
        self.clock = _Clock(
            max(0.0, options.time_limit - reserve), self.deterministic, options.deterministic_time
        )
        self.rng = random.Random(options.seed if options.seed is not None else 0)
        self.index = problem.index
        self.crew_ids = [c.id for c in problem.crews]
        self.plan_of: dict[str, list[Assignment]] = {c: [] for c in self.crew_ids}
        self.cost_of: dict[str, int] = {}
        self.bound_of: dict[str, int] = {}
        self.group_bound: dict[int, int] = {}
        self.group_crews: dict[int, tuple[str, ...]] = {}
        self.holder: dict[tuple[str, int], str] = {}
        # Per crew, its single-day scenes grouped into days by the packing model.
        self.packing_of: dict[str, tuple[tuple[str, ...], ...]] = {}
        self.phase = "start"
        self.baseline = options.baseline if options.baseline is not None else greedy_plan(problem)

    # ----------------------------------------------------------------- driver

    def run(self) -> Plan:
        problem = self.problem
        start = list(self.baseline.assignments)
        if self.options.hint is not None:
            repaired = repair_plan(problem, self.options.hint.assignments)
            # Ties go to the hint: plans stay stable unless a change saves money.
            if make_plan(problem, repaired).cost.total <= self.baseline.cost.total:
                start = repaired
        self._set_incumbent(start)
        for crew_id in self.crew_ids:
            # Past the deadline a crew's bound stays 0 (valid, if weak): the plan comes first.
            expired = self.clock.wall() >= self.clock.limit
            self.bound_of[crew_id] = 0 if expired else separable_bound(problem, crew_id)
        self._report("greedy")

        groups = independent_groups(problem)
        weights = [self._weight(g) for g in groups]
        order = sorted(range(len(groups)), key=lambda i: weights[i])
        self._share_time(order, groups, weights)
        # Time a group did not need (it was proven optimal early) goes to the others.
        for _ in range(3):
            open_groups = [g for g in order if not self._proven(g, groups[g])]
            if self._stopped() or not open_groups or self.clock.remaining() < 0.5:
                break
            self._share_time(open_groups, groups, weights)
        return self._finish()

    def _share_time(
        self, todo: Sequence[int], groups: Sequence[list[str]], weights: Sequence[int]
    ) -> None:
        """Solve the groups ``todo`` in turn, each with its weight's share of the time left."""
        pending = sum(weights[g] for g in todo)
        for group in todo:
            if self._stopped():
                return
            share = self.clock.remaining() * weights[group] / max(1, pending)
            pending -= weights[group]
            self._solve_group(group, groups[group], share)

    def _proven(self, group: int, crews: Sequence[str]) -> bool:
        """The group's plan meets its proven bound: nothing left to gain there."""
        cost = sum(self.cost_of[c] for c in crews)
        bound = self.group_bound.get(group, 0)
        return cost <= max(bound, sum(self.bound_of[c] for c in crews))

    def _weight(self, crews: Sequence[str]) -> int:
        return sum(
            max(1, len(self.index.scenes_by_crew.get(c, ()))) * max(1, self._days(c)) for c in crews
        )

    def _days(self, crew_id: str) -> int:
        first, last = self.index.active_window(crew_id)
        return max(0, last - first + 1)

    def _solve_group(self, gi: int, crews: list[str], budget: float) -> None:
        if not any(self.index.scenes_by_crew.get(c) for c in crews):
            return
        if len(crews) == 1 and self._talent(crews[0], budget):
            return
        end = self.clock.elapsed() + budget
        small = sum(self._size(c) for c in crews) <= self.options.joint_model_limit
        small = small and len(crews) <= 4
        self._construct(crews, end)
        left = max(0.0, end - self.clock.elapsed())
        if small:
            # No packing phase: the joint model below takes the group whole, and proving
            # its optimum is what the time is for (small v1 seeds 1 and 3 lost their proof).
            self._restarts(crews, self.clock.elapsed() + left * 0.15)
            left = max(0.0, end - self.clock.elapsed())
            self._polish(crews, self.clock.elapsed() + left * 0.25)
            left = max(0.0, end - self.clock.elapsed())
            self._relaxed_bounds(crews, self.clock.elapsed() + left * 0.5)
            self._joint(gi, crews, max(0.0, end - self.clock.elapsed()))
        else:
            self._place_left_out(crews, self.clock.elapsed() + left * 0.3)
            left = max(0.0, end - self.clock.elapsed())
            self._repack(crews, self.clock.elapsed() + left * 0.35)
            left = max(0.0, end - self.clock.elapsed())
            # A few restarts of the constructive heuristic, then CP-SAT: a crew re-solved
            # over its whole window with the others' days fixed gains more a second than
            # further restarts once the first few have run (large v1 seeds 1 and 3: 0.5-1 %)
            # -- unless a crew's model is too big to build quickly (one crew of hundreds
            # of scenes), where the restarts keep most of the time.
            quick = all(self._builds_quickly(c) for c in crews)
            self._restarts(crews, self.clock.elapsed() + left * (0.3 if quick else 0.8))
            self._polish(crews, end)
        self._fill_left_out(crews, self.clock.deadline)

    def _builds_quickly(self, crew_id: str) -> bool:
        """The crew's whole-window model builds in about a second: not so for one crew of
        hundreds of scenes, whose scope alone is costly to compute."""
        return self._size(crew_id) <= _BUILD_RATE

    def _size(self, crew_id: str) -> int:
        """Start variables of a crew's model, at most: its scenes times its dates."""
        return self._days(crew_id) * len(self.index.scenes_by_crew.get(crew_id, ()))

    def _finish(self) -> Plan:
        problem = self.problem
        # The reserve kept for the end is also the last chance to put a scene back.
        self._fill_left_out(self.crew_ids, self.clock.started + self.options.time_limit - 0.1)
        self._leave_out_dear_crews()
        assignments = [a for c in self.crew_ids for a in self.plan_of[c]]
        plan = make_plan(problem, assignments)
        if all_violations(problem, plan):
            # Never expected; a broken plan must not leave the solver.
            plan = self.baseline
        total = plan.cost.total
        bound = min(total, self._bound())
        status: PlanStatus = "OPTIMAL" if bound == total else "FEASIBLE"
        plan = make_plan(
            problem,
            plan.assignments,
            status=status,
            lower_bound=bound,
            solve_seconds=round(self.clock.wall(), 3),
        )
        self._report("done", plan.cost.total, bound)
        return plan

    # -------------------------------------------------------------- incumbent

    def _set_incumbent(self, assignments: Iterable[Assignment]) -> None:
        by_crew: dict[str, list[Assignment]] = {c: [] for c in self.crew_ids}
        for a in assignments:
            by_crew[self.index.scene[a.scene].crew].append(a)
        self.holder.clear()
        for crew_id, plan in by_crew.items():
            self._replace(crew_id, plan)
        self._leave_out_dear_crews()

    def _leave_out_dear_crews(self) -> None:
        """A crew whose plan costs more than leaving all its scenes out leaves them out.

        Always valid (no rule asks a crew to shoot); it matters where the penalty is
        small beside the costs, and above all where CP-SAT cannot take the costs
        (beyond int64) and only the heuristics, which place every scene they can, run.
        """
        for crew_id in self.crew_ids:
            if self.plan_of[crew_id]:
                empty = crew_cost(self.problem, crew_id, [])
                if empty < self.cost_of[crew_id]:
                    self._replace(crew_id, [], empty)

    def _replace(self, crew_id: str, plan: list[Assignment], cost: int | None = None) -> None:
        for a in self.plan_of.get(crew_id, ()):
            for d in _days_of(self.problem, a):
                if self.holder.get((a.location, d)) == crew_id:
                    del self.holder[a.location, d]
        self.plan_of[crew_id] = plan
        for a in plan:
            for d in _days_of(self.problem, a):
                self.holder[a.location, d] = crew_id
        self.cost_of[crew_id] = cost if cost is not None else crew_cost(self.problem, crew_id, plan)

    def _blocked_for(self, crews: Sequence[str]) -> frozenset[tuple[str, int]]:
        own = set(crews)
        return frozenset(key for key, holder in self.holder.items() if holder not in own)

    def _total(self) -> int:
        return sum(self.cost_of.values())

    def _bound(self) -> int:
        grouped = {c for g in self.group_bound for c in self.group_crews[g]}
        total = sum(self.group_bound.values())
        total += sum(b for c, b in self.bound_of.items() if c not in grouped)
        return total

    def _report(self, phase: str, total: int | None = None, bound: int | None = None) -> None:
        self.phase = phase
        if self.progress is None:
            return
        self.progress(
            Progress(
                elapsed=round(self.clock.wall(), 3),
                best_total=self._total() if total is None else total,
                best_bound=self._bound() if bound is None else bound,
                phase=phase,
            )
        )

    def _stopped(self) -> bool:
        return self.stop.is_set() or self.clock.expired()

    # ---------------------------------------------------------------- talent

    def _talent(self, crew_id: str, budget: float) -> bool:
        """Solve a talent-scheduling crew exactly; False if the crew is not of that form."""
        shape = talent_shape(self.problem, crew_id)
        if shape is None:
            return False
        wall_left = max(0.0, self.clock.limit - self.clock.wall())
        if self.deterministic:
            # Run to the end (reproducible); only the wall clock can cut it short.
            deadline = time.monotonic() + wall_left
        else:
            # The exact sequencer usually needs little; let it borrow from later groups.
            deadline = time.monotonic() + min(wall_left, max(budget, 10.0))
        plan, bound = talent_plan(
            self.problem, shape, self.plan_of[crew_id], deadline=deadline, stop=self.stop
        )
        cost = crew_cost(self.problem, crew_id, plan)
        if cost < self.cost_of[crew_id]:
            self._replace(crew_id, plan, cost)
        self.bound_of[crew_id] = max(self.bound_of[crew_id], bound)
        self._report("talent")
        # Shooting every scene is best only while leaving one out costs more than the
        # whole sequence; with a smaller penalty the general search goes on from here.
        return self.cost_of[crew_id] <= self.problem.unscheduled_penalty

    # ----------------------------------------------------------------- joint

    def _joint(self, gi: int, crews: list[str], budget: float) -> None:
        """One CP-SAT model of the whole group; its bound is the group's bound."""
        # No dominance here: another crew may hold the dominating location.
        scopes = [crew_scope(self.problem, c, prune_dominated=False) for c in crews]
        result = self._solve_scopes(scopes, budget, "joint")
        if result is None:
            return
        self._accept(result.assignments)
        if result.bound is not None:
            self.group_crews[gi] = tuple(crews)
            own = sum(self.bound_of[c] for c in crews)
            self.group_bound[gi] = max(result.bound, own)
        self._report("joint")

    def _accept(self, proposal: Mapping[str, list[Assignment]]) -> bool:
        """Keep the proposal for its crews if it lowers their total exact cost."""
        crews = list(proposal)
        costs = {c: crew_cost(self.problem, c, proposal[c]) for c in crews}
        if sum(costs.values()) < sum(self.cost_of[c] for c in crews):
            for c in crews:
                self._replace(c, proposal[c], costs[c])
            return True
        return False

    # ------------------------------------------------------------------- LNS

    def _restarts(self, crews: list[str], end: float) -> None:
        """Randomised constructive passes over the crews, largest gap first, until ``end``."""
        passes = 0
        while not self._stopped() and self.clock.elapsed() < end:
            before = self._total()
            self._construct(crews, end, plain=False)
            passes += 1
            # Heuristics cost no deterministic time: a fixed number of passes keeps
            # deterministic runs reproducible (and finite).
            if self.deterministic and (passes >= 3 or self._total() == before):
                return

    def _construct(self, crews: list[str], end: float, *, plain: bool = True) -> None:
        """A constructive plan per crew around the others' current days, kept if cheaper."""
        order = sorted(crews, key=lambda c: (-(self.cost_of[c] - self.bound_of[c]), c))
        for i, crew_id in enumerate(order):
            if self._stopped() or self.clock.elapsed() >= end:
                return
            if self.cost_of[crew_id] <= self.bound_of[crew_id]:
                continue
            blocked = self._blocked_for([crew_id])
            scope = crew_scope(self.problem, crew_id, blocked)
            share = (end - self.clock.elapsed()) / (len(order) - i)
            # Work caps, not the clock, bound the heuristics in deterministic mode; the
            # wall-clock limit binds them in every mode.
            if self.deterministic:
                deadline = finish = self.clock.deadline
            else:
                deadline = time.monotonic() + min(1.0, max(0.05, 0.5 * share))
                finish = min(deadline + 0.5 * share, self.clock.deadline)
                deadline = min(deadline, self.clock.deadline)
            best: list[Assignment] | None = None
            best_cost = self.cost_of[crew_id]
            for plan in crew_heuristic_plans(
                self.problem,
                scope,
                self.rng,
                deadline,
                plain_first=plain,
                packing=self.packing_of.get(crew_id),
            ):
                cost = crew_cost(self.problem, crew_id, plan)
                if cost < best_cost:
                    best, best_cost = plan, cost
            if best is None:
                best = self.plan_of[crew_id]
            best = improve_plan(
                self.problem,
                scope,
                best,
                partial(crew_cost, self.problem, crew_id),
                finish,
                blocked=blocked,
            )
            best_cost = crew_cost(self.problem, crew_id, best)
            if best_cost < self.cost_of[crew_id] and self._valid_with_others(crew_id, best):
                self._replace(crew_id, best, best_cost)
        self._report("construct")

    def _repack(self, crews: list[str], end: float) -> None:
        """Group each crew's scenes into days by CP-SAT (:mod:`scheduler.packing`), then
        build its plan again from those days; later restarts start from them too.

        Largest gap first; each crew's packing gets at most half a second (most of what
        the model gains comes in the first tenths).
        """
        order = sorted(crews, key=lambda c: (-(self.cost_of[c] - self.bound_of[c]), c))
        # A crew whose model is slow to build (hundreds of scenes) is slow to scope too.
        order = [c for c in order if self.cost_of[c] > self.bound_of[c] and self._builds_quickly(c)]
        for i, crew_id in enumerate(order):
            if self._stopped() or self.clock.elapsed() >= end:
                break
            # Six tenths of the phase pack, the rest builds the plans from the packings.
            slot = min(0.5, 0.6 * (end - self.clock.elapsed()) / (len(order) - i))
            scope = crew_scope(self.problem, crew_id, self._blocked_for([crew_id]))
            budget = PackingBudget(
                seconds=max(0.01, min(slot, self.clock.remaining())),
                workers=max(1, self.options.workers),
                seed=self.options.seed if self.options.seed is not None else 0,
                deterministic=self.deterministic,
                wall=max(0.01, self.clock.limit - self.clock.wall()),
            )
            packing = pack_days(
                self.problem, scope, first_fit_packing(self.problem, scope), budget, self.stop
            )
            if packing is not None:
                self.clock.charge(packing.deterministic_time)
                self.packing_of[crew_id] = packing.days
        self._construct(crews, end)

    def _place_left_out(self, crews: list[str], end: float) -> None:
        """A CP-SAT solve over the whole window for each crew that leaves a scene out.

        The heuristics lay a crew's days out in blocks; when a night scene's rest day or
        a set held by others leaves no gap for a scene, it is left out at the full
        penalty, more than most crews' whole cost. The crew model places every scene
        that can be placed; its plan is kept only when cheaper.
        """
        penalty = self.problem.unscheduled_penalty
        todo = [
            c
            for c in crews
            if len(self.plan_of[c]) < len(self.index.scenes_by_crew.get(c, ()))
            and self.cost_of[c] - self.bound_of[c] >= penalty
            # A model that takes seconds to build would only spend the restarts' time.
            and self._builds_quickly(c)
        ]
        todo.sort(key=lambda c: (-(self.cost_of[c] - self.bound_of[c]), c))
        for i, crew_id in enumerate(todo):
            if self._stopped() or self.clock.elapsed() >= end:
                return
            slot = (end - self.clock.elapsed()) / (len(todo) - i)
            result = self._crew_solve([crew_id], slot, relaxed=False)
            if result is not None and self._accept(result.assignments):
                self._report("place")

    def _fill_left_out(self, crews: Sequence[str], deadline: float) -> None:
        """Put back every left-out scene a slot is still free for, one at a time.

        A scene left out costs the full penalty, more than any slot's cost; a crew's
        plan can leave one out when the sets it needed were taken at the time it was
        built and freed later. :func:`~scheduler.explain.explain` finds such a slot; the
        plan is kept only if it still keeps every rule.
        """
        from scheduler.explain import SLOT_AVAILABLE, explain

        todo = set(crews)
        tried: set[str] = set()
        while time.monotonic() < deadline and not self.stop.is_set():
            if all(len(self.plan_of[c]) >= len(self.index.scenes_by_crew.get(c, ())) for c in todo):
                return
            assignments = [a for c in self.crew_ids for a in self.plan_of[c]]
            slots = [
                r
                for r in explain(self.problem, make_plan(self.problem, assignments)).unscheduled
                if r.code == SLOT_AVAILABLE and r.crew in todo and r.scene not in tried
            ]
            if not slots:
                return
            slot = slots[0]
            tried.add(slot.scene)
            assert slot.location is not None and slot.date is not None
            added = Assignment(slot.scene, slot.location, date.fromisoformat(slot.date))
            plan = [*self.plan_of[slot.crew], added]
            cost = crew_cost(self.problem, slot.crew, plan)
            # A penalty below the slot's cost (a problem may set it so) keeps the scene out.
            # The crew's own plan keeps every rule and meets no other crew's set-day: the
            # whole plan does (checking it whole costs a quarter second on xl).
            if (
                cost < self.cost_of[slot.crew]
                and self._valid_with_others(slot.crew, plan)
                and not all_violations(self.problem, make_plan(self.problem, plan))
            ):
                self._replace(slot.crew, plan, cost)
                self._report("place")

    def _polish(self, crews: list[str], end: float) -> None:
        """Re-optimise crews with CP-SAT, largest gap first and longest, the others' days
        fixed.

        Every other round a crew is solved together with the crews holding the
        sets it could use (near their current dates), so that two crews can trade
        location-days.
        """
        settled: set[str] = set()
        rounds = 0
        while not self._stopped() and self.clock.elapsed() < end:
            open_crews = [
                c for c in crews if c not in settled and self.cost_of[c] > self.bound_of[c]
            ]
            if not open_crews:
                return
            open_crews.sort(key=lambda c: (-(self.cost_of[c] - self.bound_of[c]), c))
            improved = False
            for i, crew_id in enumerate(open_crews):
                if self._stopped() or self.clock.elapsed() >= end:
                    return
                left = end - self.clock.elapsed()
                # Time by gap, not by size: a crew far above its bound (its cast split by
                # its own booked days, say) is where a longer solve gains (large v2: 1-3 %).
                gap = {c: max(1, self.cost_of[c] - self.bound_of[c]) for c in open_crews[i:]}
                weight = gap[crew_id] / sum(gap.values())
                slot = max(0.1, min(left, left * weight))
                team = [crew_id]
                if rounds % 2 == 1:
                    team += self._rivals(crew_id, limit=2)
                before = sum(self.cost_of[c] for c in team)
                # Alone, a crew may move anywhere in its window; with its rivals (a bigger
                # model) only near the current dates.
                result = self._crew_solve(team, slot, relaxed=False, near_current=len(team) > 1)
                if result is None:
                    continue
                if self._accept(result.assignments):
                    improved = improved or sum(self.cost_of[c] for c in team) < before
                    self._report("search")
                if result.optimal and len(team) == 1 and rounds % 2 == 0:
                    settled.add(crew_id)
            rounds += 1
            if not improved and rounds >= 4:
                return

    def _relaxed_bounds(self, crews: list[str], end: float) -> None:
        """Each crew alone (other crews ignored): its optimum bounds it from below.

        The relaxed plan is kept when it also fits around the other crews.
        """
        sizes = {c: max(1, self._size(c)) for c in crews}
        order = sorted(crews, key=lambda c: (sizes[c], c))
        for i, crew_id in enumerate(order):
            if self._stopped() or self.clock.elapsed() >= end:
                return
            if self.cost_of[crew_id] <= self.bound_of[crew_id]:
                continue
            left = end - self.clock.elapsed()
            slot = max(0.05, left * sizes[crew_id] / sum(sizes[c] for c in order[i:]))
            result = self._crew_solve([crew_id], slot, relaxed=True)
            if result is None:
                continue
            if result.bound is not None:
                self.bound_of[crew_id] = max(self.bound_of[crew_id], result.bound)
            if self._valid_with_others(crew_id, result.assignments[crew_id]):
                self._accept(result.assignments)
            self._report("bounds")

    def _near(self, crew_id: str) -> tuple[int, int] | None:
        """Dates around the crew's current plan (None: the whole window)."""
        plan = self.plan_of[crew_id]
        if len(plan) < len(self.index.scenes_by_crew.get(crew_id, ())) or not plan:
            return None
        days = [d for a in plan for d in _days_of(self.problem, a)]
        pad = 2 + (max(days) - min(days)) // 4
        return min(days) - pad, max(days) + pad

    def _rivals(self, crew_id: str, limit: int) -> list[str]:
        """Crews holding the most location-days this crew could use, most first."""
        scope = crew_scope(self.problem, crew_id)
        count: dict[str, int] = {}
        for loc, days in scope.usable.items():
            for d in days:
                holder = self.holder.get((loc, d))
                if holder is not None and holder != crew_id:
                    count[holder] = count.get(holder, 0) + 1
        ranked = sorted(count, key=lambda c: (-count[c], c))
        return ranked[:limit]

    def _valid_with_others(self, crew_id: str, plan: Sequence[Assignment]) -> bool:
        for a in plan:
            for d in _days_of(self.problem, a):
                holder = self.holder.get((a.location, d))
                if holder is not None and holder != crew_id:
                    return False
        return True

    def _crew_solve(
        self,
        crews: list[str],
        budget: float,
        *,
        relaxed: bool,
        near_current: bool = False,
    ) -> _SubResult | None:
        """Solve ``crews`` together with every other crew's location-days fixed.

        With ``relaxed`` the other crews are ignored instead: the result may
        clash with them, but its bound is a lower bound for these crews.
        ``near_current`` limits each crew to a few days around its current
        dates, which keeps the model small where good plans are.
        """
        blocked = frozenset() if relaxed else self._blocked_for(crews)
        scopes = [
            crew_scope(
                self.problem,
                crew_id,
                blocked,
                self._near(crew_id) if near_current else None,
                prune_dominated=len(crews) == 1,
            )
            for crew_id in crews
        ]
        return self._solve_scopes(scopes, budget, "crews", bound_valid=relaxed)

    def _solve_scopes(
        self, scopes: Sequence[CrewScope], budget: float, phase: str, *, bound_valid: bool = True
    ) -> _SubResult | None:
        """One CP-SAT model of the scopes' crews, warm-started from their current plans.

        None when the model could not be built in time: a model too big for the time left
        is not started, and one that runs past half of it is dropped.
        """
        # The check guards the wall-clock limit, not the slot: a small model given a short
        # slot is still worth building.
        # OR-Tools is imported on first use: a talent-scheduling crew is solved without
        # it, and its import is a third of the command's start-up.
        from ortools.sat.python import cp_model

        from scheduler.crew_model import (
            BuildTimeout,
            add_crew,
            hint_crew,
            link_location_days,
            model_size,
        )

        wall_left = self.clock.limit - self.clock.wall()
        room = wall_left if self.deterministic else min(max(budget, 2.0), wall_left)
        if model_size(scopes) / _BUILD_RATE > 0.5 * room:
            return None
        model = cp_model.CpModel()
        build_deadline = time.monotonic() + max(0.5 * room, 0.05)
        try:
            all_vars = {
                scope.crew_id: add_crew(model, self.problem, scope, build_deadline)
                for scope in scopes
            }
            link_location_days(model, all_vars.values())
            constant = self._objective(model, all_vars)
            for crew_id, v in all_vars.items():
                hint_crew(model, self.problem, v, self.plan_of[crew_id])
        except BuildTimeout:
            return None
        except (TypeError, OverflowError):
            # A cost, bound or minute count beyond CP-SAT's int64 (a day rate of 10**18):
            # the exact model cannot be written, the heuristics' plan stands.
            return None
        others = sum(self.cost_of[c] for c in self.crew_ids if c not in all_vars)
        return self._cp_solve(
            model,
            all_vars,
            budget,
            phase,
            offset=others,
            constant=constant,
            bound_valid=bound_valid,
        )

    def _objective(self, model: cp_model.CpModel, all_vars: Mapping[str, CrewVars]) -> int:
        """Minimise the crews' exact cost; each crew's cost is at least its proven bound.

        Returns the objective's constant part, which the bound adds back exactly.
        """
        total: list[cp_model.LinearExpr | int] = []
        for crew_id, v in all_vars.items():
            cost = sum(c * x for c, x in v.objective_terms()) + v.objective_constant()
            # Redundant but valid in every sub-problem (they only restrict the crew).
            model.add(cost >= self.bound_of[crew_id])
            total.append(cost)
        model.minimize(sum(total))
        return sum(v.objective_constant() for v in all_vars.values())

    def _cp_solve(
        self,
        model: cp_model.CpModel,
        all_vars: Mapping[str, CrewVars],
        budget: float,
        phase: str,
        *,
        offset: int,
        constant: int,
        bound_valid: bool = True,
    ) -> _SubResult | None:
        from ortools.sat.python import cp_model

        from scheduler.crew_model import (
            ObjectiveReporter,
            crew_assignments,
            exact_objective_bound,
            stop_on,
        )

        if self._stopped():
            return None
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.num_workers = max(1, self.options.workers)
        params.random_seed = self.options.seed if self.options.seed is not None else 0
        params.max_time_in_seconds = max(0.01, min(budget, self.clock.remaining()))
        if self.deterministic:
            params.max_time_in_seconds = max(0.01, self.clock.limit - self.clock.wall())
            params.max_deterministic_time = max(0.01, min(budget, self.clock.remaining()))
            params.interleave_search = False
        params.log_search_progress = False
        if bound_valid:
            # Where the bound matters, the core-based search proves far more than the
            # default portfolio of one or two workers (whose only full-problem worker
            # is the LP search): on a 15-scene crew, optimal in 2 s instead of never.
            params.subsolvers.append("core")
        callback = ObjectiveReporter(partial(self._improved, phase, offset))
        done = threading.Event()
        watcher = threading.Thread(target=stop_on, args=(self.stop, done, solver), daemon=True)
        watcher.start()
        try:
            status = solver.solve(model, callback)
        finally:
            done.set()
            watcher.join()
        self.clock.charge(solver.deterministic_time)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        plans = {c: crew_assignments(solver, self.problem, v) for c, v in all_vars.items()}
        bound: int | None = None
        if bound_valid:
            bound = exact_objective_bound(solver, constant)
        return _SubResult(plans, bound, status == cp_model.OPTIMAL)

    def _improved(self, phase: str, offset: int, objective: int) -> None:
        """A better model objective (plus the other crews' cost), reported as progress."""
        if self.progress is None:
            return
        total = objective + offset
        if total < self._total():
            self.progress(Progress(round(self.clock.wall(), 3), total, self._bound(), phase))


def _days_of(problem: Problem, a: Assignment) -> range:
    first = a.date.toordinal()
    return range(first, first + problem.index.scene_days[a.scene])


# ----------------------------------------------------------------- pure helpers
