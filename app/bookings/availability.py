"""Which sets are free over a whole range, their price, and the holds already on them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Literal

from sqlalchemy import exists, func, not_, select
from sqlalchemy.orm import Session

from app.access import sees_crew_names_on, works_for_crew
from app.bookings.queries import active_hold, overlaps, quoted_price, rank_columns
from app.bookings.schemas import Availability, AvailableSet, HoldOnSet
from app.catalog.service import sets_with_tags
from app.config import get_settings
from app.errors import InvalidInput
from app.models import Base, Blackout, Booking, Crew, FilmSet, SetTag, User
from app.pagination import PageParams, count_rows
from app.timeutil import today_local

RangeProblem = Literal["reversed", "past", "too_long"]


def range_problem(start: date, end: date, today: date) -> RangeProblem | None:
    """What makes [start, end) no search for free sets: it ends before it starts (or is
    empty), it starts before today (days gone by are never free), or it is too long."""
    if end <= start:
        return "reversed"
    if start < today:
        return "past"
    if (end - start).days > get_settings().max_booking_days:
        return "too_long"
    return None


def find_free_sets(
    session: Session,
    user: User,
    start: date,
    end: date,
    *,
    tags: Sequence[str],
    base_id: int | None,
    kind: str | None,
    now: datetime,
    page: PageParams,
) -> Availability:
    days = (end - start).days
    problem = range_problem(start, end, today_local(now))
    if problem == "reversed":
        raise InvalidInput("end must be after start: ranges are whole days [start, end).")
    if problem == "past":
        raise InvalidInput(
            f"start {start} is before today ({today_local(now)}): days gone by are never free."
        )
    if problem == "too_long":
        limit_days = get_settings().max_booking_days
        raise InvalidInput(f"Search at most {limit_days} days at a time; this range is {days}.")
    confirmed = exists().where(
        Booking.set_id == FilmSet.id, Booking.status == "confirmed", overlaps(Booking, start, end)
    )
    closed = exists().where(
        Blackout.set_id == FilmSet.id, Blackout.start_date < end, Blackout.end_date > start
    )
    # Plain rows, not ORM objects: a page of sets with their tags and holds is read-only.
    stmt = (
        select(
            FilmSet.id,
            FilmSet.code,
            FilmSet.name_zh,
            FilmSet.name_en,
            FilmSet.kind,
            FilmSet.base_id,
            FilmSet.day_rate,
            Base.code.label("base_code"),
        )
        .join(Base, Base.id == FilmSet.base_id)
        .where(not_(confirmed), not_(closed))
        .order_by(FilmSet.day_rate, FilmSet.code)
    )
    if tags:
        stmt = stmt.where(FilmSet.id.in_(sets_with_tags(tags)))
    if base_id is not None:
        stmt = stmt.where(FilmSet.base_id == base_id)
    if kind is not None:
        stmt = stmt.where(FilmSet.kind == kind)
    # The page and the whole count in one query; a page past the end asks for the count.
    paged = stmt.add_columns(func.count().over().label("total"))
    rows = session.execute(paged.limit(page.limit).offset(page.offset)).all()
    total = rows[0].total if rows else (count_rows(session, stmt) if page.offset else 0)
    set_ids = [row.id for row in rows]

    tags_of: dict[int, list[str]] = defaultdict(list)
    holds: dict[int, list[HoldOnSet]] = defaultdict(list)
    if set_ids:
        for set_id, tag in session.execute(
            select(SetTag.set_id, SetTag.tag)
            .where(SetTag.set_id.in_(set_ids))
            .order_by(SetTag.set_id, SetTag.tag)
        ):
            tags_of[set_id].append(tag)
        earlier, _ = rank_columns(now)
        base_of = {row.id: row.base_id for row in rows}
        for hold in session.execute(
            select(
                Booking.set_id,
                Booking.crew_id,
                Booking.start_date,
                Booking.end_date,
                Booking.expires_at,
                Crew.name.label("crew_name"),
                earlier.label("ahead"),
            )
            .join(Crew, Crew.id == Booking.crew_id)
            .where(
                Booking.set_id.in_(set_ids),
                active_hold(Booking, now),
                overlaps(Booking, start, end),
            )
            .order_by(Booking.placed_at, Booking.id)
        ):
            mine = works_for_crew(user, hold.crew_id)
            holds[hold.set_id].append(
                HoldOnSet(
                    rank=int(hold.ahead) + 1,
                    start=hold.start_date,
                    end=hold.end_date,
                    until=hold.expires_at,
                    yours=mine,
                    crew=hold.crew_name
                    if mine or sees_crew_names_on(user, base_of[hold.set_id])
                    else None,
                )
            )
    items = [
        AvailableSet(
            set_id=row.id,
            code=row.code,
            name_zh=row.name_zh,
            name_en=row.name_en,
            kind=row.kind,
            tags=tags_of.get(row.id, []),
            base_id=row.base_id,
            base_code=row.base_code,
            day_rate=row.day_rate,
            price=quoted_price(row.day_rate, start, end),
            holds=holds.get(row.id, []),
        )
        for row in rows
    ]
    return Availability(
        start=start,
        end=end,
        days=days,
        items=items,
        total=total,
        limit=page.limit,
        offset=page.offset,
    )
