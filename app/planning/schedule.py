"""A crew's shooting schedule as film people read it: stripboard days and Day Out of Days.

Where each scene stands, in order of authority: a coordinator's pin (or an accepted
proposal, which pins the scene), then the latest plan run's un-accepted proposal;
otherwise the scene waits in the unscheduled pool. Shot scenes are listed apart.

Day Out of Days codes, over the crew's shooting days: SW a cast member's first
work day, WF the last, SWF both on one day, W a work day in between, H a shooting
day between the first and last on which the actor is held (paid, not working).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.models import Base, CastMember, Crew, FilmSet, PlanRun, Proposal, Scene
from app.planning.service import latest_run_id


@dataclass(frozen=True)
class Strip:
    """One scene on the board; a scene of several days has one strip per day, each with
    that day's share of the scene's pages and minutes."""

    scene_id: int
    number: str
    int_ext: str
    day_night: str
    description: str
    page_eighths: int
    minutes: int
    cast: tuple[int, ...]  # cast numbers, as in the Day Out of Days
    source: str  # pinned | accepted | proposed | unscheduled | shot
    set_description: str = ""  # the set as the script names it (场景)
    extras: int = 0
    set_id: int | None = None
    set_code: str | None = None
    set_name_zh: str | None = None
    set_name_en: str | None = None
    base_code: str | None = None
    part: int = 1
    parts: int = 1
    # Unscheduled by the latest plan run: why (the binding fact, from the run's explanation).
    reason: str | None = None

    @property
    def colour(self) -> str:
        """Stripboard convention: INT/EXT × DAY/NIGHT."""
        return f"{self.int_ext.lower()}-{self.day_night.lower()}"


@dataclass
class ShootingDay:
    number: int
    date: date
    strips: list[Strip] = field(default_factory=list)

    @property
    def page_eighths(self) -> int:
        return sum(s.page_eighths for s in self.strips)

    @property
    def places(self) -> list[tuple[str, str | None, str | None, str | None]]:
        """(set code, name zh, name en, base code) of the day's sets, in strip order."""
        seen: dict[str, tuple[str, str | None, str | None, str | None]] = {}
        for s in self.strips:
            if s.set_code and s.set_code not in seen:
                seen[s.set_code] = (s.set_code, s.set_name_zh, s.set_name_en, s.base_code)
        return list(seen.values())


@dataclass(frozen=True)
class DoodRow:
    number: int
    cast_id: int
    name: str
    codes: tuple[str, ...]  # one per shooting day: SW, W, WF, SWF, H or ""

    @property
    def work(self) -> int:
        return sum(1 for c in self.codes if c in ("SW", "W", "WF", "SWF"))

    @property
    def hold(self) -> int:
        return sum(1 for c in self.codes if c == "H")


@dataclass
class Schedule:
    crew: Crew
    run_id: int | None
    days: list[ShootingDay]
    pool: list[Strip]
    shot: list[Strip]
    dood: list[DoodRow]


def _scene_days(scene: Scene, crew: Crew) -> int:
    return max(1, -(-scene.minutes // crew.max_minutes_per_day))


def split_exactly(total: int, weights: list[int]) -> list[int]:
    """``total`` in whole parts proportional to ``weights``, adding up to ``total`` exactly."""
    whole = sum(weights)
    if whole <= 0:
        weights, whole = [1] * len(weights), len(weights)
    shares, done, before = [], 0, 0
    for w in weights:
        done += w
        upto = total * done // whole
        shares.append(upto - before)
        before = upto
    return shares


def day_minutes(minutes: int, per_day: int, days: int) -> list[int]:
    """The minutes shot on each day of a scene: full days first, the rest on the last day
    (evenly, when the days it was given are not the days its length needs)."""
    if days == max(1, -(-minutes // per_day)):
        return [min(per_day, minutes - i * per_day) for i in range(days)]
    return split_exactly(minutes, [1] * days)


def dood_codes(work: set[date], shooting_days: list[date]) -> tuple[str, ...]:
    """The Day Out of Days codes of one actor over the shooting days."""
    if not work:
        return tuple("" for _ in shooting_days)
    first, last = min(work), max(work)
    codes = []
    for d in shooting_days:
        if d in work:
            if d == first == last:
                codes.append("SWF")
            elif d == first:
                codes.append("SW")
            elif d == last:
                codes.append("WF")
            else:
                codes.append("W")
        elif first < d < last:
            codes.append("H")
        else:
            codes.append("")
    return tuple(codes)


def crew_schedule(session: Session, crew: Crew) -> Schedule:
    """The crew's stripboard and Day Out of Days from pins, accepted and proposed days."""
    scenes = list(session.scalars(select(Scene).where(Scene.crew_id == crew.id).order_by(Scene.id)))
    cast = list(
        session.scalars(
            select(CastMember)
            .where(CastMember.crew_id == crew.id)
            .order_by(CastMember.day_cost.desc(), CastMember.id)
        )
    )
    number_of = {m.id: i + 1 for i, m in enumerate(cast)}  # billing order, leads first
    run_id = latest_run_id(session)
    reasons: dict[int, str] = {}
    if run_id is not None:
        for u in session.scalar(select(PlanRun.unscheduled).where(PlanRun.id == run_id)) or []:
            if u.get("scene_id") is not None:
                reasons[int(u["scene_id"])] = str(u.get("message", ""))
    accepted: dict[int, Proposal] = {}
    proposed: dict[int, Proposal] = {}
    # Accepted proposals of any run, and the latest run's offer: not every night's.
    for p in session.scalars(
        select(Proposal)
        .where(
            Proposal.crew_id == crew.id,
            or_(Proposal.accepted_at.is_not(None), Proposal.run_id == run_id),
        )
        .order_by(Proposal.id)
    ):
        if p.accepted_at is not None:
            accepted[p.scene_id] = p
        else:
            proposed[p.scene_id] = p
    # Only the sets the strips stand on, as plain rows.
    used = {s.pinned_set_id for s in scenes} | {p.set_id for p in proposed.values()}
    sets = {
        row.id: row
        for row in session.execute(
            select(FilmSet.id, FilmSet.code, FilmSet.name_zh, FilmSet.name_en)
            .add_columns(Base.code.label("base_code"))
            .join(Base, Base.id == FilmSet.base_id)
            .where(FilmSet.id.in_(used - {None}))
        )
    }

    by_day: dict[date, list[Strip]] = defaultdict(list)
    pool: list[Strip] = []
    shot: list[Strip] = []
    for scene in scenes:
        numbers = tuple(sorted(number_of[link.cast_id] for link in scene.cast_links))
        base = dict(
            scene_id=scene.id,
            number=scene.number,
            int_ext=scene.int_ext,
            day_night=scene.day_night,
            description=scene.description,
            set_description=scene.set_description,
            page_eighths=scene.page_eighths,
            minutes=scene.minutes,
            cast=numbers,
            extras=scene.extras,
        )
        placed: tuple[date, int | None, int, str] | None = None
        if scene.pinned_date is not None:
            prop = accepted.get(scene.id)
            span = prop.days if prop is not None else _scene_days(scene, crew)
            source = "accepted" if prop is not None else "pinned"
            placed = (scene.pinned_date, scene.pinned_set_id, span, source)
        elif scene.status != "shot" and scene.id in proposed:
            prop = proposed[scene.id]
            placed = (prop.date, prop.set_id, prop.days, "proposed")
        if placed is None:
            if scene.status == "shot":
                shot.append(Strip(**base, source="shot"))  # type: ignore[arg-type]
            else:
                pool.append(Strip(**base, source="unscheduled", reason=reasons.get(scene.id)))  # type: ignore[arg-type]
            continue
        day, set_id, span, source = placed
        where: dict[str, str | int | None] = {}
        if set_id is not None and set_id in sets:
            film_set = sets[set_id]
            where = dict(
                set_id=film_set.id,
                set_code=film_set.code,
                set_name_zh=film_set.name_zh,
                set_name_en=film_set.name_en,
                base_code=film_set.base_code,
            )
        minutes = day_minutes(scene.minutes, crew.max_minutes_per_day, span)
        eighths = split_exactly(scene.page_eighths, minutes)
        for part in range(span):
            share = {**base, "minutes": minutes[part], "page_eighths": eighths[part]}
            by_day[day + timedelta(days=part)].append(
                Strip(**share, **where, source=source, part=part + 1, parts=span)  # type: ignore[arg-type]
            )

    shooting_days = sorted(by_day)
    days = [
        ShootingDay(number=i + 1, date=d, strips=sorted(by_day[d], key=_strip_order))
        for i, d in enumerate(shooting_days)
    ]
    work: dict[int, set[date]] = defaultdict(set)
    for d in days:
        for strip in d.strips:
            for n in strip.cast:
                work[n].add(d.date)
    dood = [
        DoodRow(
            number=number_of[m.id],
            cast_id=m.id,
            name=m.name,
            codes=dood_codes(work.get(number_of[m.id], set()), shooting_days),
        )
        for m in cast
    ]
    return Schedule(crew=crew, run_id=run_id, days=days, pool=pool, shot=shot, dood=dood)


def _strip_order(strip: Strip) -> tuple[str, str, str]:
    # Within a day: by set (a unit shoots one place at a time), then day before night.
    return (strip.set_code or "", strip.day_night, strip.number.zfill(6))
