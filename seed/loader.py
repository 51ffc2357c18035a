"""Load the Hengdian seed data (seed/hengdian.json) idempotently.

Dates in the file are day offsets from the load day (Asia/Shanghai), so a new
installation always shows a living base: crews shooting now, holds pending.
Everything is keyed by its code (scenes by crew and number, cast by crew and name),
so loading twice adds nothing; a crew's bookings are loaded only if it has none.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.crews.service import apply_scene_fields
from app.extras.schemas import PayRuleIn, PerformerCreate
from app.models import (
    Base,
    Blackout,
    Booking,
    BookingEvent,
    CastMember,
    CastUnavailable,
    Crew,
    FilmSet,
    PayRule,
    Performer,
    Scene,
    SetTag,
    Travel,
    User,
    utcnow,
)
from app.timeutil import today_local
from app.users.service import create_user

SEED_FILE = Path(__file__).resolve().parent / "hengdian.json"


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    keys: list[tuple[str, str, str]] = field(default_factory=list)  # (name, role, api key)

    def count(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n


def database_is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Base))


def load(session: Session, path: Path = SEED_FILE, now: datetime | None = None) -> SeedReport:
    """Add whatever of the seed is missing. The caller commits."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    now = now or utcnow()
    today = today_local(now)

    def day(offset: int) -> date:
        return today + timedelta(days=offset)

    def maybe_day(offset: int | None) -> date | None:
        return None if offset is None else day(offset)

    report = SeedReport()
    bases = {b.code: b for b in session.scalars(select(Base))}
    for row in data["bases"]:
        if row["code"] not in bases:
            bases[row["code"]] = Base(**row)
            session.add(bases[row["code"]])
            report.count("bases")
        else:
            # Bases loaded before they had a place on the map get their coordinates once.
            known = bases[row["code"]]
            if known.latitude is None and row.get("latitude") is not None:
                known.latitude, known.longitude = row["latitude"], row["longitude"]
                known.address = known.address or row.get("address", "")
    session.flush()

    pairs = {(t.base_a_id, t.base_b_id) for t in session.scalars(select(Travel))}
    for row in data["travel"]:
        low, high = sorted((bases[row["from"]].id, bases[row["to"]].id))
        if (low, high) not in pairs:
            session.add(Travel(base_a_id=low, base_b_id=high, cost=row["cost"]))
            pairs.add((low, high))
            report.count("travel")

    sets = {s.code: s for s in session.scalars(select(FilmSet))}
    for row in data["sets"]:
        if row["code"] in sets:
            continue
        film_set = FilmSet(
            base_id=bases[row["base"]].id,
            code=row["code"],
            name_zh=row["name_zh"],
            name_en=row["name_en"],
            kind=row["kind"],
            day_rate=row["day_rate"],
            address=row.get("address", ""),
            notes=row.get("notes", ""),
        )
        film_set.tag_rows = [SetTag(tag=t) for t in sorted(set(row["tags"]))]
        session.add(film_set)
        sets[row["code"]] = film_set
        report.count("sets")
    session.flush()

    existing_blackouts = {
        (b.set_id, b.start_date, b.end_date) for b in session.scalars(select(Blackout))
    }
    for row in data["blackouts"]:
        key = (sets[row["set"]].id, day(row["start_day"]), day(row["end_day"]))
        if key not in existing_blackouts:
            session.add(
                Blackout(set_id=key[0], start_date=key[1], end_date=key[2], reason=row["reason"])
            )
            existing_blackouts.add(key)
            report.count("blackouts")

    crews = {c.code: c for c in session.scalars(select(Crew))}
    for row in data["crews"]:
        crew = crews.get(row["code"])
        if crew is None:
            crew = Crew(
                code=row["code"],
                name=row["name"],
                company=row["company"],
                licence_no=row["licence_no"],
                window_start=day(row["window"]["start_day"]),
                window_end=day(row["window"]["end_day"]),
                day_cost=row["day_cost"],
                max_minutes_per_day=row["max_minutes_per_day"],
                call_time=time.fromisoformat(row.get("call_time", "07:00")),
            )
            session.add(crew)
            session.flush()
            crews[row["code"]] = crew
            report.count("crews")
        _load_cast_and_scenes(session, crew, row, sets, day, maybe_day, report)

    for row in data["bookings"]:
        crew = crews[row["crew"]]
        if getattr(crew, "_seed_has_bookings", None) is None:
            has = session.scalar(
                select(func.count()).select_from(Booking).where(Booking.crew_id == crew.id)
            )
            crew._seed_has_bookings = bool(has)  # type: ignore[attr-defined]
        if crew._seed_has_bookings:  # type: ignore[attr-defined]
            continue
        film_set = sets[row["set"]]
        base = session.get(Base, film_set.base_id)
        assert base is not None
        placed = now - timedelta(hours=row["placed_hours_ago"])
        start, end = day(row["start_day"]), day(row["end_day"])
        booking = Booking(
            set_id=film_set.id,
            crew_id=crew.id,
            start_date=start,
            end_date=end,
            status=row["status"],
            placed_at=placed,
            expires_at=placed + timedelta(hours=base.hold_ttl_hours),
            note=row.get("note", ""),
        )
        if row["status"] in ("confirmed", "cancelled"):
            booking.price = film_set.day_rate * (end - start).days
            booking.confirmed_at = placed + timedelta(hours=1)
        session.add(booking)
        session.flush()
        session.add(BookingEvent(booking_id=booking.id, at=placed, to_status="hold", note="seed"))
        if row["status"] != "hold":
            session.add(
                BookingEvent(
                    booking_id=booking.id,
                    at=booking.confirmed_at or placed + timedelta(hours=1),
                    from_status="hold",
                    to_status=row["status"],
                    note="seed",
                )
            )
        report.count("bookings")

    _load_extras_pool(session, data, bases, report)

    names = set(session.scalars(select(User.name)))
    for row in data["users"]:
        if row["name"] in names:
            continue
        user, api_key = create_user(
            session, row["name"], row["role"], row.get("bases", []), row.get("crews", [])
        )
        report.keys.append((user.name, user.role, api_key))
        report.count("users")
    session.flush()
    return report


def _load_cast_and_scenes(
    session: Session,
    crew: Crew,
    row: dict[str, Any],
    sets: dict[str, FilmSet],
    day: Callable[[int], date],
    maybe_day: Callable[[int | None], date | None],
    report: SeedReport,
) -> None:
    cast = {
        m.name: m for m in session.scalars(select(CastMember).where(CastMember.crew_id == crew.id))
    }
    codes: dict[str, CastMember] = {}
    for member_row in row["cast"]:
        member = cast.get(member_row["name"])
        if member is None:
            member = CastMember(
                crew_id=crew.id,
                name=member_row["name"],
                day_cost=member_row["day_cost"],
                makeup_minutes=member_row.get("makeup_minutes", 90),
            )
            member.unavailable = [
                CastUnavailable(day=day(d)) for d in sorted(set(member_row["unavailable_days"]))
            ]
            session.add(member)
            report.count("cast")
        codes[member_row["code"]] = member
    session.flush()

    scenes = {s.number: s for s in session.scalars(select(Scene).where(Scene.crew_id == crew.id))}
    pending_after: list[tuple[Scene, list[str]]] = []
    for scene_row in row["scenes"]:
        if scene_row["number"] in scenes:
            continue
        scene = Scene(
            crew_id=crew.id,
            number=scene_row["number"],
            int_ext=scene_row["int_ext"],
            day_night=scene_row["day_night"],
            description=scene_row["description"],
            minutes=scene_row["minutes"],
            page_eighths=scene_row["page_eighths"],
            extras=scene_row.get("extras", 0),
            status=scene_row["status"],
        )
        session.add(scene)
        apply_scene_fields(
            session,
            scene,
            {
                "requires": scene_row["requires"],
                "cast": [codes[c].id for c in scene_row["cast"]],
                "earliest": maybe_day(scene_row["earliest_day"]),
                "latest": maybe_day(scene_row["latest_day"]),
                "sets": None
                if scene_row["sets"] is None
                else [sets[c].id for c in scene_row["sets"]],
            },
        )
        scenes[scene.number] = scene
        pending_after.append((scene, scene_row.get("after", [])))
        report.count("scenes")
    session.flush()
    for scene, after in pending_after:
        if after:
            apply_scene_fields(session, scene, {"after": [scenes[n].id for n in after]})
    session.flush()


def _load_extras_pool(
    session: Session, data: dict[str, Any], bases: dict[str, Base], report: SeedReport
) -> None:
    """The extras office's register and every base's pay rules (the guild's, by category),
    so the board, a crew's request and a pay sheet can be tried at once."""
    cards = set(session.scalars(select(Performer.card_no)))
    for row in data.get("performers", []):
        if row["card_no"] not in cards:
            session.add(Performer(**PerformerCreate.model_validate(row).model_dump()))
            cards.add(row["card_no"])
            report.count("performers")
    ruled = {(r.base_id, r.category) for r in session.scalars(select(PayRule))}
    for base in bases.values():
        for row in data.get("pay_rules", []):
            if (base.id, row["category"]) in ruled:
                continue
            rule = PayRuleIn.model_validate({k: v for k, v in row.items() if k != "category"})
            session.add(PayRule(base_id=base.id, category=row["category"], **rule.model_dump()))
            report.count("pay rules")
    session.flush()
