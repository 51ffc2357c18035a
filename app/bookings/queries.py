"""How bookings are read, written once: live, overlap, rank, the quoted price, and the list
a user may see.

The API, the pages, the CSV export, the calendar feeds, occupancy and availability all
read bookings through these, so a rule such as "a lapsed hold no longer counts" cannot
mean one thing on a page and another in a download.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    exists,
    func,
    not_,
    null,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session, aliased

from app.access import booking_scope
from app.bookings.schemas import BookingOut, BookingStatus
from app.models import Booking, FilmSet, User
from app.models._base import UTCDateTime
from app.timeutil import today_local

# --- conditions ----------------------------------------------------------------------------


def overlaps(model: Any, start: Any, end: Any) -> ColumnElement[bool]:
    """Half-open ranges [a, b) and [c, d) overlap when a < d and c < b."""
    return and_(model.start_date < end, model.end_date > start)


def active_hold(model: Any, now: Any) -> ColumnElement[bool]:
    """A hold counts until it expires (TTL or challenge deadline), swept or not."""
    return and_(model.status == "hold", model.expires_at > now)


def lapsed(model: Any, now: Any) -> ColumnElement[bool]:
    """Expired, or a hold past its expiry that no sweep has marked yet."""
    return or_(model.status == "expired", and_(model.status == "hold", model.expires_at <= now))


def live(model: Any, now: Any) -> ColumnElement[bool]:
    """What stands on a set's days: confirmed bookings and holds that still count."""
    return or_(model.status == "confirmed", active_hold(model, now))


def placed_before(model: Any, placed_at: Any, booking_id: Any) -> ColumnElement[bool]:
    """Holds rank by placement time; the id breaks exact ties."""
    return or_(
        model.placed_at < placed_at,
        and_(model.placed_at == placed_at, model.id < booking_id),
    )


def ahead_of(other: Any, of: Any, now: Any) -> ColumnElement[bool]:
    """``other`` is a hold that ``of`` ranks behind: same set, overlapping days, still
    counting, placed earlier. ``of`` is a booking, or the Booking class itself for SQL
    correlated with each listed row."""
    return and_(
        other.set_id == of.set_id,
        other.id != of.id,
        active_hold(other, now),
        overlaps(other, of.start_date, of.end_date),
        placed_before(other, of.placed_at, of.id),
    )


def confirmed_over(other: Any, of: Any) -> ColumnElement[bool]:
    """``other`` is a confirmed booking of ``of``'s set on some of its days."""
    return and_(
        other.set_id == of.set_id,
        other.id != of.id,
        other.status == "confirmed",
        overlaps(other, of.start_date, of.end_date),
    )


def effective_status(booking: Booking, now: datetime) -> BookingStatus:
    """The status as users see it: a hold past its expiry is expired, swept or not."""
    if booking.status == "hold" and booking.expires_at is not None and booking.expires_at <= now:
        return "expired"
    return cast(BookingStatus, booking.status)


# --- money -------------------------------------------------------------------------------


def quoted_price(day_rate: int, start: date, end: date) -> int:
    """A set's price for whole days [start, end): the day rate times the days."""
    return day_rate * (end - start).days


def booking_price(booking: Booking) -> int:
    """The price fixed at confirmation, or the day-rate quote while it is a hold."""
    if booking.price is not None:
        return booking.price
    return quoted_price(booking.film_set.day_rate, booking.start_date, booking.end_date)


# --- rank ----------------------------------------------------------------------------------

_RANK_NOW = bindparam("rank_now", type_=UTCDateTime())


def rank_columns(now: datetime | BindParameter[datetime]) -> tuple[Any, Any]:
    """Correlated SQL for every listed booking: earlier active holds, and a confirmed overlap.

    ``now`` is an instant, or a bind parameter of a statement prepared once.
    """
    if isinstance(now, BindParameter):
        earlier, confirmed = _rank_columns(now)
        return earlier.scalar_subquery(), confirmed
    earlier, confirmed = _rank_columns(_RANK_NOW)
    return earlier.params(rank_now=now).scalar_subquery(), confirmed


@functools.cache
def _rank_columns(now: BindParameter[datetime]) -> tuple[Any, Any]:
    # Built once: aliasing and comparing ORM attributes costs more than the query itself.
    other = aliased(Booking)
    earlier = select(func.count()).select_from(other).where(ahead_of(other, Booking, now))
    confirmed = exists().where(confirmed_over(other, Booking))
    return earlier, confirmed


def challenge_pending_column(now: datetime) -> Any:
    """Correlated SQL for every listed booking: when the challenged holds ahead of it will
    have confirmed or lapsed (null when no hold ahead of it is challenged)."""
    other = aliased(Booking)
    last = func.max(other.expires_at)
    pending = case((func.count(other.challenge_deadline) > 0, last), else_=null())
    return (
        select(type_coerce(pending, UTCDateTime()))
        .select_from(other)
        .where(ahead_of(other, Booking, now))
        .scalar_subquery()
    )


# --- one booking as users see it -----------------------------------------------------------


def booking_out(
    booking: Booking,
    now: datetime,
    earlier: int,
    behind: bool,
    pending: datetime | None = None,
) -> BookingOut:
    status = effective_status(booking, now)
    film_set = booking.film_set
    return BookingOut(
        id=booking.id,
        set_id=booking.set_id,
        set_code=film_set.code,
        set_name=film_set.name_en,
        set_name_zh=film_set.name_zh,
        base_id=film_set.base_id,
        crew_id=booking.crew_id,
        crew_name=booking.crew.name,
        start=booking.start_date,
        end=booking.end_date,
        days=booking.days,
        status=status,
        rank=earlier + 1 if status == "hold" else None,
        behind_confirmed=bool(behind) and status == "hold",
        placed_at=booking.placed_at,
        expires_at=booking.expires_at if booking.status == "hold" else None,
        challenge_deadline=booking.challenge_deadline if booking.status == "hold" else None,
        challenge_pending_until=pending if status == "hold" else None,
        confirmed_at=booking.confirmed_at,
        price=booking_price(booking),
        note=booking.note,
        version=booking.version,
    )


def describe(session: Session, booking: Booking, now: datetime) -> BookingOut:
    earlier, confirmed = rank_columns(now)
    pending = challenge_pending_column(now)
    row = session.execute(select(earlier, confirmed, pending).where(Booking.id == booking.id)).one()
    return booking_out(booking, now, int(row[0]), bool(row[1]), row[2])


# --- the list a user may see ------------------------------------------------------------------

StatusFilter = Literal["hold", "confirmed", "released", "expired", "cancelled"]


@dataclass(frozen=True)
class BookingFilter:
    """What a list asks for. ``status`` 'hold' means holds that still count, 'expired'
    includes lapsed holds not yet swept; ``live`` keeps confirmed bookings and counting
    holds; ``current`` True keeps live bookings not yet over, False everything else
    (newest first)."""

    crew_id: int | None = None
    set_id: int | None = None
    base_id: int | None = None
    status: StatusFilter | None = None
    start: date | None = None
    end: date | None = None
    live: bool = False
    current: bool | None = None


def visible_bookings(
    user: User, now: datetime, wanted: BookingFilter = BookingFilter()
) -> Select[Booking, int, bool, datetime | None]:
    """Bookings ``user`` may see matching ``wanted``, each with its rank columns (earlier
    holds, a confirmed overlap, a pending challenge's end), ordered."""
    earlier, confirmed = rank_columns(now)
    pending = challenge_pending_column(now)
    stmt: Select[Any] = select(Booking, earlier, confirmed, pending).where(booking_scope(user))
    if wanted.crew_id is not None:
        stmt = stmt.where(Booking.crew_id == wanted.crew_id)
    if wanted.set_id is not None:
        stmt = stmt.where(Booking.set_id == wanted.set_id)
    if wanted.base_id is not None:
        on_base = select(FilmSet.id).where(FilmSet.base_id == wanted.base_id)
        stmt = stmt.where(Booking.set_id.in_(on_base))
    if wanted.status == "hold":
        stmt = stmt.where(active_hold(Booking, now))
    elif wanted.status == "expired":
        stmt = stmt.where(lapsed(Booking, now))
    elif wanted.status is not None:
        stmt = stmt.where(Booking.status == wanted.status)
    if wanted.live:
        stmt = stmt.where(live(Booking, now))
    if wanted.start is not None:
        stmt = stmt.where(Booking.end_date > wanted.start)
    if wanted.end is not None:
        stmt = stmt.where(Booking.start_date < wanted.end)
    if wanted.current is not None:
        current = and_(live(Booking, now), Booking.end_date > today_local(now))
        if not wanted.current:
            stmt = stmt.where(not_(current))
            return stmt.order_by(Booking.start_date.desc(), Booking.id.desc())
        stmt = stmt.where(current)
    return stmt.order_by(Booking.start_date, Booking.id)


def list_visible(
    session: Session,
    user: User,
    now: datetime,
    wanted: BookingFilter = BookingFilter(),
    *,
    limit: int,
    offset: int = 0,
) -> list[BookingOut]:
    """One page of :func:`visible_bookings`, as users see each booking."""
    stmt = visible_bookings(user, now, wanted).limit(limit).offset(offset)
    return [booking_out(b, now, int(e), bool(c), p) for b, e, c, p in session.execute(stmt)]
