"""What can be split apart: crews that never compete, scenes that never share a set.

Both are the classes of one union-find (:class:`UnionFind`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from scheduler.domain import Problem, Scene
from scheduler.scope import CrewScope

T = TypeVar("T")


class UnionFind:
    """Disjoint sets of string keys (path halving); a key not seen yet is a set of its own."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self.parent
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb

    def classes(self, items: Iterable[T], key: Callable[[T], str]) -> list[list[T]]:
        """``items`` grouped by the set their key is in; groups and members in input order."""
        groups: dict[str, list[T]] = {}
        for item in items:
            groups.setdefault(self.find(key(item)), []).append(item)
        return list(groups.values())


def independent_groups(problem: Problem) -> list[list[str]]:
    """Crews that can never compete for a location-day end up in different groups."""
    index = problem.index
    sets = UnionFind()
    users: dict[str, list[tuple[str, int, int]]] = {}
    for crew in problem.crews:
        lo, hi = index.active_window(crew.id)
        if hi < lo:
            continue
        locs = {
            loc.id
            for s in index.scenes_by_crew.get(crew.id, ())
            for loc in index.fitting_locations(s)
        }
        for loc in locs:
            users.setdefault(loc, []).append((crew.id, lo, hi))
    for entries in users.values():
        for i, (a, lo_a, hi_a) in enumerate(entries):
            for b, lo_b, hi_b in entries[i + 1 :]:
                if lo_a <= hi_b and lo_b <= hi_a:
                    sets.union(a, b)
    return sets.classes((crew.id for crew in problem.crews), lambda crew_id: crew_id)


def components(problem: Problem, scope: CrewScope, scenes: Iterable[Scene]) -> list[list[Scene]]:
    """Scenes grouped so that two scenes of different groups have no candidate set in common."""
    sets = UnionFind()
    placed = [s for s in scenes if scope.fits[s.id]]
    for s in placed:
        fits = scope.fits[s.id]
        for loc in fits[1:]:
            sets.union(fits[0], loc)
    return sets.classes(placed, lambda s: scope.fits[s.id][0])
