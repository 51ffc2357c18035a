"""The one place where database rows become a planning problem, and a plan becomes rows.

Ids in the problem are the humans' codes: bases and sets by code, crews by code,
scenes as ``<crew code>-<scene number>``, cast as ``<crew code>-A<id>``. ``Mapping``
keeps the way back to database ids.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import get_settings
from app.models import (
    Base,
    Blackout,
    Booking,
    CastMember,
    Crew,
    FilmSet,
    Proposal,
    Scene,
    Travel,
)
from scheduler import domain as d
from scheduler.cost import make_plan
from scheduler.io import problem_to_dict


@dataclass
class Mapping:
    """Problem ids back to database ids."""

    crew: dict[str, int] = field(default_factory=dict)
    scene: dict[str, int] = field(default_factory=dict)
    location: dict[str, int] = field(default_factory=dict)
    scene_key: dict[int, str] = field(default_factory=dict)
    set_code: dict[int, str] = field(default_factory=dict)


def _days(start: date, end: date, lo: date, hi: date) -> list[date]:
    a, b = max(start, lo), min(end, hi)
    return [a + timedelta(days=i) for i in range((b - a).days)]


def build_problem(
    session: Session, horizon_start: date, horizon_days: int
) -> tuple[d.Problem, Mapping]:
    """Crews active in the horizon, their scenes not yet shot (with DAY/NIGHT), sets,
    blackouts, and every confirmed day as ``fixed`` under the crew that booked it."""
    settings = get_settings()
    hs, he = horizon_start, horizon_start + timedelta(days=horizon_days)
    mapping = Mapping()

    bases = list(session.scalars(select(Base).order_by(Base.code)))
    base_code = {b.id: b.code for b in bases}
    travel = [
        d.Travel(base_code[t.base_a_id], base_code[t.base_b_id], t.cost)
        for t in session.scalars(select(Travel).order_by(Travel.id))
    ]

    closed: dict[int, set[date]] = defaultdict(set)
    for blackout in session.scalars(
        select(Blackout).where(Blackout.start_date < he, Blackout.end_date > hs)
    ):
        closed[blackout.set_id].update(_days(blackout.start_date, blackout.end_date, hs, he))

    locations = []
    for film_set in session.scalars(select(FilmSet).order_by(FilmSet.code)):
        mapping.location[film_set.code] = film_set.id
        mapping.set_code[film_set.id] = film_set.code
        locations.append(
            d.Location(
                id=film_set.code,
                base=base_code[film_set.base_id],
                tags=frozenset(film_set.tags),
                day_rate=film_set.day_rate,
                unavailable=frozenset(closed.get(film_set.id, ())),
            )
        )

    crews_rows = list(
        session.scalars(
            select(Crew)
            .where(Crew.window_start < he, Crew.window_end > hs)
            .order_by(Crew.window_start, Crew.code)
        )
    )
    crews = []
    for crew in crews_rows:
        mapping.crew[crew.code] = crew.id
        crews.append(
            d.Crew(
                id=crew.code,
                window=d.DateRange(crew.window_start, crew.window_end),
                day_cost=crew.day_cost,
                max_minutes_per_day=crew.max_minutes_per_day,
            )
        )
    crew_code = {c.id: c.code for c in crews_rows}

    cast = []
    cast_key: dict[int, str] = {}
    for member in session.scalars(
        select(CastMember).where(CastMember.crew_id.in_(crew_code)).order_by(CastMember.id)
    ):
        key = f"{crew_code[member.crew_id]}-A{member.id}"
        cast_key[member.id] = key
        cast.append(
            d.CastMember(
                id=key,
                crew=crew_code[member.crew_id],
                day_cost=member.day_cost,
                unavailable=frozenset(u.day for u in member.unavailable if hs <= u.day < he),
            )
        )

    scene_rows = list(
        session.scalars(
            select(Scene)
            .where(Scene.crew_id.in_(crew_code), Scene.status != "shot")
            .order_by(Scene.crew_id, Scene.id)
        )
    )
    for scene in scene_rows:
        # A space: crew codes and scene numbers both may hold "-" ("C1-3" 12A against
        # "C1" 3-12A), neither a space, so the key stays unique.
        key = f"{crew_code[scene.crew_id]} {scene.number}"
        mapping.scene[key] = scene.id
        mapping.scene_key[scene.id] = key
    scenes = []
    for scene in scene_rows:
        allowed: frozenset[str] | None = None
        if scene.restrict_sets:
            allowed = frozenset(mapping.set_code[link.set_id] for link in scene.allowed_set_links)
        earliest, latest = scene.earliest, scene.latest
        # A coordinator's pin is a fixed choice for the optimizer.
        if scene.pinned_date is not None:
            earliest = latest = scene.pinned_date
        if scene.pinned_set_id is not None:
            pinned = frozenset({mapping.set_code[scene.pinned_set_id]})
            allowed = pinned if allowed is None else allowed & pinned
        scenes.append(
            d.Scene(
                id=mapping.scene_key[scene.id],
                crew=crew_code[scene.crew_id],
                minutes=scene.minutes,
                requires=frozenset(scene.required_tags),
                cast=tuple(cast_key[link.cast_id] for link in scene.cast_links),
                earliest=earliest,
                latest=latest,
                locations=allowed,
                # Predecessors already shot (or outside the problem) are satisfied.
                after=tuple(
                    mapping.scene_key[link.before_id]
                    for link in scene.after_links
                    if link.before_id in mapping.scene_key
                ),
                # The script's NIGHT: the crew rests from day scenes the next date (rule 10).
                night=scene.day_night == "NIGHT",
            )
        )

    # Every confirmed day, with the crew that booked it: another production's day blocks
    # the set; a crew's own day binds that crew there (rule 9) and costs it no rent.
    fixed = []
    seen: set[tuple[str, date]] = set()
    all_crew_codes = {i: c for i, c in session.execute(select(Crew.id, Crew.code))}
    for booking in session.scalars(
        select(Booking)
        .where(Booking.status == "confirmed", Booking.start_date < he, Booking.end_date > hs)
        .order_by(Booking.set_id, Booking.start_date)
    ):
        code = mapping.set_code[booking.set_id]
        for day in _days(booking.start_date, booking.end_date, hs, he):
            if (code, day) not in seen:
                seen.add((code, day))
                fixed.append(d.Fixed(location=code, crew=all_crew_codes[booking.crew_id], date=day))

    problem = d.Problem(
        horizon=d.DateRange(hs, he),
        same_base_move_cost=settings.same_base_move_cost,
        unscheduled_penalty=settings.unscheduled_penalty,
        bases=tuple(d.Base(b.code, f"{b.name_zh} {b.name_en}") for b in bases),
        travel=tuple(travel),
        locations=tuple(locations),
        crews=tuple(crews),
        cast=tuple(cast),
        scenes=tuple(scenes),
        fixed=tuple(fixed),
    )
    return problem, mapping


def problem_hash(problem: d.Problem) -> str:
    canonical = json.dumps(problem_to_dict(problem), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def plan_from_proposals(
    proposals: list[Proposal], mapping: Mapping, problem: d.Problem
) -> d.Plan | None:
    """Earlier proposals as a plan to warm-start from (None if there are none).

    Proposals of scenes or sets no longer in the problem are left out; the plan
    may still break a rule under today's data, and the solver repairs it.
    """
    scene_ids = {s.id for s in problem.scenes}
    out = []
    for p in proposals:
        key = mapping.scene_key.get(p.scene_id)
        code = mapping.set_code.get(p.set_id)
        if key in scene_ids and code is not None:
            out.append(d.Assignment(scene=key, location=code, date=p.date))
    return make_plan(problem, out) if out else None


def proposals_from_plan(
    plan: d.Plan,
    problem: d.Problem,
    mapping: Mapping,
    run_id: int,
    skip_scenes: Collection[int] = (),
) -> list[Proposal]:
    """The plan's assignments as proposal rows of run ``run_id``, scenes of ``skip_scenes``
    (database ids) left out."""
    rows = []
    for a in plan.assignments:
        scene_id = mapping.scene[a.scene]
        if scene_id in skip_scenes:
            continue
        rows.append(
            Proposal(
                run_id=run_id,
                crew_id=mapping.crew[problem.index.scene[a.scene].crew],
                scene_id=scene_id,
                set_id=mapping.location[a.location],
                date=a.date,
                days=problem.scene_days(a.scene),
            )
        )
    return rows
