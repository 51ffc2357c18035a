"""Call sheets (通告单): one per crew and shooting day, from the crew's firm schedule.

A day is on the call sheets when the crew's schedule (``app.planning.schedule``) puts a
scene there by a coordinator's pin or an accepted proposal; a mere proposal never makes a
call sheet. Each place says whether the crew's booking of it that day is confirmed, still a
hold, or missing, so a sheet printed before confirmation says so.

Times: the crew's call time is the unit's call; a cast member is called to makeup their
``makeup_minutes`` before it and is on set at the call. Sunrise and sunset are computed for
the base's coordinates (``app.callsheets.sun``) in the base's zone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import require_callsheet_reader
from app.bookings.queries import live
from app.callsheets.sun import sun_times
from app.errors import NotFound
from app.models import Base, Booking, CastMember, Crew, FilmSet, User
from app.planning.schedule import DoodRow, Strip, crew_schedule
from app.timeutil import base_zone

# Sources of a strip that make a shooting day firm: a pin, an accepted proposal.
FIRM = ("pinned", "accepted")


@dataclass(frozen=True)
class Place:
    """A set the unit works on that day, with its base and the crew's booking of it."""

    set_id: int
    set_code: str
    set_name_zh: str
    set_name_en: str
    set_address: str
    set_notes: str
    base_id: int
    base_code: str
    base_name_zh: str
    base_name_en: str
    base_address: str
    latitude: float | None
    longitude: float | None
    sunrise: time | None
    sunset: time | None
    booking: str | None  # confirmed | hold | None (not booked)
    booking_id: int | None


@dataclass(frozen=True)
class CastRef:
    number: int
    cast_id: int
    name: str


@dataclass(frozen=True)
class SceneLine:
    number: str
    int_ext: str
    day_night: str
    page_eighths: int
    synopsis: str
    cast: tuple[CastRef, ...]
    extras: int
    set_code: str | None
    part: int
    parts: int
    source: str


@dataclass(frozen=True)
class CastCall:
    number: int
    cast_id: int
    name: str
    makeup_minutes: int
    makeup_at: time
    on_set_at: time
    scenes: tuple[str, ...]


@dataclass
class CallSheet:
    crew_id: int
    crew_code: str
    crew_name: str
    company: str
    date: date
    day_number: int
    days_total: int
    call_time: time
    places: list[Place] = field(default_factory=list)
    scenes: list[SceneLine] = field(default_factory=list)
    cast: list[CastCall] = field(default_factory=list)

    @property
    def page_eighths(self) -> int:
        return sum(s.page_eighths for s in self.scenes if s.part == 1)

    @property
    def extras(self) -> int:
        return sum(s.extras for s in self.scenes)

    @property
    def base_ids(self) -> set[int]:
        return {p.base_id for p in self.places}

    @property
    def sunrise(self) -> time | None:
        return next((p.sunrise for p in self.places if p.sunrise is not None), None)

    @property
    def sunset(self) -> time | None:
        return next((p.sunset for p in self.places if p.sunset is not None), None)

    @property
    def notes(self) -> list[str]:
        """The places' own notes (access, parking, what the base asks of crews)."""
        return [f"{p.set_code}: {p.set_notes}" for p in self.places if p.set_notes]

    @property
    def unconfirmed(self) -> list[Place]:
        return [p for p in self.places if p.booking != "confirmed"]


def _minus(at: time, minutes: int) -> time:
    return (datetime.combine(date(2000, 1, 2), at) - timedelta(minutes=minutes)).time()


def crew_callsheets(session: Session, crew: Crew, now: datetime) -> dict[date, CallSheet]:
    """Every call sheet of the crew, by date: its firm shooting days in order."""
    schedule = crew_schedule(session, crew)
    firm_days = [
        (d.date, [s for s in d.strips if s.source in FIRM])
        for d in schedule.days
        if any(s.source in FIRM for s in d.strips)
    ]
    if not firm_days:
        return {}
    set_ids = {s.set_id for _, strips in firm_days for s in strips if s.set_id is not None}
    places = {
        film_set.id: (film_set, base)
        for film_set, base in session.execute(
            select(FilmSet, Base)
            .join(Base, Base.id == FilmSet.base_id)
            .where(FilmSet.id.in_(set_ids))
        )
    }
    first, last = firm_days[0][0], firm_days[-1][0]
    booked: dict[tuple[int, date], tuple[str, int]] = {}
    for b in session.scalars(
        select(Booking).where(
            Booking.crew_id == crew.id,
            live(Booking, now),
            Booking.start_date <= last,
            Booking.end_date > first,
        )
    ):
        for i in range(b.days):
            key = (b.set_id, b.start_date + timedelta(days=i))
            # A confirmed booking outranks the crew's own hold of the same day.
            if key not in booked or b.status == "confirmed":
                booked[key] = (b.status, b.id)
    by_number = {r.number: r for r in schedule.dood}
    makeup = {
        cast_id: minutes
        for cast_id, minutes in session.execute(
            select(CastMember.id, CastMember.makeup_minutes).where(CastMember.crew_id == crew.id)
        )
    }
    zone = base_zone()
    sheets: dict[date, CallSheet] = {}
    for n, (day, strips) in enumerate(firm_days, start=1):
        sheet = CallSheet(
            crew_id=crew.id,
            crew_code=crew.code,
            crew_name=crew.name,
            company=crew.company,
            date=day,
            day_number=n,
            days_total=len(firm_days),
            call_time=crew.call_time,
        )
        seen: set[int] = set()
        for strip in strips:
            if strip.set_id is None or strip.set_id in seen or strip.set_id not in places:
                continue
            seen.add(strip.set_id)
            film_set, base = places[strip.set_id]
            sun = (
                sun_times(day, base.latitude, base.longitude, zone)
                if base.latitude is not None and base.longitude is not None
                else None
            )
            status, booking_id = booked.get((film_set.id, day), (None, None))
            sheet.places.append(
                Place(
                    set_id=film_set.id,
                    set_code=film_set.code,
                    set_name_zh=film_set.name_zh,
                    set_name_en=film_set.name_en,
                    set_address=film_set.address,
                    set_notes=film_set.notes,
                    base_id=base.id,
                    base_code=base.code,
                    base_name_zh=base.name_zh,
                    base_name_en=base.name_en,
                    base_address=base.address,
                    latitude=base.latitude,
                    longitude=base.longitude,
                    sunrise=sun.sunrise.time() if sun and sun.sunrise else None,
                    sunset=sun.sunset.time() if sun and sun.sunset else None,
                    booking=status,
                    booking_id=booking_id,
                )
            )
        sheet.scenes = [_scene_line(s, by_number) for s in strips]
        sheet.cast = _cast_calls(sheet, makeup)
        sheets[day] = sheet
    return sheets


def _scene_line(strip: Strip, by_number: dict[int, DoodRow]) -> SceneLine:
    cast = tuple(
        CastRef(number=n, cast_id=row.cast_id, name=row.name)
        for n in strip.cast
        if (row := by_number.get(n)) is not None
    )
    return SceneLine(
        number=strip.number,
        int_ext=strip.int_ext,
        day_night=strip.day_night,
        page_eighths=strip.page_eighths,
        synopsis=strip.description,
        cast=cast,
        extras=strip.extras,
        set_code=strip.set_code,
        part=strip.part,
        parts=strip.parts,
        source=strip.source,
    )


def _cast_calls(sheet: CallSheet, makeup: dict[int, int]) -> list[CastCall]:
    scenes_of: dict[int, list[str]] = defaultdict(list)
    refs: dict[int, CastRef] = {}
    for scene in sheet.scenes:
        for ref in scene.cast:
            refs[ref.number] = ref
            if scene.number not in scenes_of[ref.number]:
                scenes_of[ref.number].append(scene.number)
    calls = []
    for number in sorted(refs):
        ref = refs[number]
        minutes = makeup.get(ref.cast_id, 90)
        calls.append(
            CastCall(
                number=number,
                cast_id=ref.cast_id,
                name=ref.name,
                makeup_minutes=minutes,
                makeup_at=_minus(sheet.call_time, minutes),
                on_set_at=sheet.call_time,
                scenes=tuple(scenes_of[number]),
            )
        )
    return calls


def callsheet(session: Session, user: User, crew_id: int, day: date, now: datetime) -> CallSheet:
    """The crew's call sheet for ``day``, if ``user`` may read it (404 otherwise)."""
    crew = session.get(Crew, crew_id)
    if crew is None:
        raise NotFound("Call sheet not found.")
    sheet = crew_callsheets(session, crew, now).get(day)
    require_callsheet_reader(user, crew, day, sheet.base_ids if sheet else set())
    assert sheet is not None  # the rule answers 404 for a day without a call sheet
    return sheet


def _hm(at: time | None) -> str:
    return at.strftime("%H:%M") if at is not None else "—"


def callsheet_summary(sheet: CallSheet) -> str:
    """The call sheet as plain text, for a calendar event's DESCRIPTION."""
    from app.web.i18n import pages_text

    lines = [
        f"Call sheet — Day {sheet.day_number} of {sheet.days_total}, {sheet.date.isoformat()}",
        f"Call {_hm(sheet.call_time)} · Sunrise {_hm(sheet.sunrise)} · Sunset {_hm(sheet.sunset)}",
    ]
    for p in sheet.places:
        address = p.set_address or p.base_address
        state = {"confirmed": "booking confirmed", "hold": "NOT CONFIRMED: still a hold"}.get(
            p.booking or "", "NOT BOOKED"
        )
        lines.append(
            f"{p.set_code} {p.set_name_zh} {p.set_name_en}, {p.base_name_zh} {p.base_name_en}"
            + (f", {address}" if address else "")
            + f" ({state})"
        )
    for s in sheet.scenes:
        part = f" (day {s.part} of {s.parts})" if s.parts > 1 else ""
        cast = ", ".join(f"{c.number}. {c.name}" for c in s.cast) or "—"
        lines.append(
            f"Sc. {s.number} {s.int_ext} {s.day_night} {pages_text(s.page_eighths)} p"
            f"{part} — {s.synopsis} — cast: {cast} — extras {s.extras}"
        )
    for c in sheet.cast:
        lines.append(f"{c.number}. {c.name}: makeup {_hm(c.makeup_at)}, on set {_hm(c.on_set_at)}")
    lines.append(f"Extras: {sheet.extras}")
    lines.extend(f"Note {n}" for n in sheet.notes)
    return "\n".join(lines)
