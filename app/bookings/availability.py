"""Which sets are free over a whole range, their price, and the holds already on them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import exists, not_, select
from sqlalchemy.orm import Session

from app.access import sees_crew_names_on, works_for_crew
from app.bookings.schemas import Availability, AvailableSet, HoldOnSet
from app.bookings.service import active_hold, overlaps, rank_columns
from app.catalog.service import sets_with_tags
from app.config import get_settings
from app.errors import InvalidInput
from app.models import Base, Blackout, Booking, FilmSet, User
from app.pagination import PageParams, count_rows


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
    if days <= 0:
        raise InvalidInput("end must be after start: ranges are whole days [start, end).")
    limit_days = get_settings().max_booking_days
    if days > limit_days:
        raise InvalidInput(f"Search at most {limit_days} days at a time; this range is {days}.")
    confirmed = exists().where(
        Booking.set_id == FilmSet.id, Booking.status == "confirmed", overlaps(Booking, start, end)
    )
    closed = exists().where(
        Blackout.set_id == FilmSet.id, Blackout.start_date < end, Blackout.end_date > start
    )
    stmt = (
        select(FilmSet, Base.code)
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
    total = count_rows(session, stmt)
    rows = session.execute(stmt.limit(page.limit).offset(page.offset)).all()
    set_ids = [row[0].id for row in rows]

    earlier, _ = rank_columns(now)
    holds: dict[int, list[HoldOnSet]] = defaultdict(list)
    if set_ids:
        hold_rows = session.execute(
            select(Booking, earlier)
            .where(
                Booking.set_id.in_(set_ids),
                active_hold(Booking, now),
                overlaps(Booking, start, end),
            )
            .order_by(Booking.placed_at, Booking.id)
        ).all()
        for booking, ahead in hold_rows:
            film_set = booking.film_set
            mine = works_for_crew(user, booking.crew_id)
            holds[booking.set_id].append(
                HoldOnSet(
                    rank=int(ahead) + 1,
                    start=booking.start_date,
                    end=booking.end_date,
                    until=booking.expires_at,
                    yours=mine,
                    crew=booking.crew.name
                    if mine or sees_crew_names_on(user, film_set.base_id)
                    else None,
                )
            )
    items = [
        AvailableSet(
            set_id=film_set.id,
            code=film_set.code,
            name_zh=film_set.name_zh,
            name_en=film_set.name_en,
            kind=film_set.kind,
            tags=film_set.tags,
            base_id=film_set.base_id,
            base_code=base_code,
            day_rate=film_set.day_rate,
            price=film_set.day_rate * days,
            holds=holds.get(film_set.id, []),
        )
        for film_set, base_code in rows
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
