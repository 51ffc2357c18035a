"""Booking rules: ranked holds, confirmation, challenge, expiry, release and cancellation.

Every write locks the set's row first (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite
transactions are IMMEDIATE), so decisions about one set are taken one at a time and
racing inserts cannot deadlock on the exclusion constraint. The database rule
``bookings_no_double_booking`` remains the last word either way.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    Table,
    bindparam,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from app.access import sees_crew_names_on, works_for_crew
from app.bookings.queries import (
    active_hold,
    ahead_of,
    confirmed_over,
    describe,
    effective_status,
    live,
    overlaps,
    quoted_price,
    rank_columns,
)
from app.bookings.schemas import Blocker, BookingOut
from app.catalog.service import get_set, overlapping_blackouts
from app.config import get_settings
from app.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from app.lookup import get_or_404
from app.models import (
    NO_DOUBLE_BOOKING,
    Base,
    Blackout,
    Booking,
    BookingEvent,
    Crew,
    FilmSet,
    User,
)
from app.models._base import UTCDateTime
from app.timeutil import local_text, ordinal, today_local


def get_booking(session: Session, booking_id: int) -> Booking:
    return get_or_404(session, Booking, booking_id, f"Booking {booking_id} not found.")


# --- the rules --------------------------------------------------------------------------


def _record(
    session: Session,
    booking: Booking,
    actor: User | None,
    before: str | None,
    now: datetime,
    note: str = "",
) -> None:
    session.add(
        BookingEvent(
            booking_id=booking.id,
            actor_id=actor.id if actor else None,
            at=now,
            from_status=before,
            to_status=booking.status,
            note=note,
        )
    )


def _change(
    session: Session, booking: Booking, actor: User | None, to: str, now: datetime, note: str = ""
) -> None:
    before = booking.status
    booking.status = to
    _flush(session)
    _record(session, booking, actor, before, now, note)


def _flush(session: Session) -> None:
    """Flush, turning the database's refusal of a double booking into a 409."""
    try:
        session.flush()
    except IntegrityError as exc:
        if NO_DOUBLE_BOOKING in str(exc.orig):
            raise Conflict(
                "Another crew's booking of these days was confirmed at the same moment; "
                "the set is no longer free."
            ) from exc
        raise
    except OperationalError as exc:
        if "deadlock" in str(exc.orig).lower():
            raise Conflict(
                "Another booking of this set was being decided at the same moment; please retry."
            ) from exc
        raise


_BOOKINGS = cast(Table, Booking.__table__)
_EVENTS = cast(Table, BookingEvent.__table__)
_bookings = _BOOKINGS.c
_SWEEP = (
    update(_BOOKINGS)
    .where(_bookings.status == "hold", _bookings.expires_at <= bindparam("now"))
    .values(status="expired", version=_bookings.version + 1)
    .returning(_bookings.id, _bookings.challenge_deadline, _bookings.expires_at)
)


def sweep_expired(session: Session, now: datetime, set_id: int | None = None) -> int:
    """Mark lapsed holds ``expired`` (they already stopped counting at ``expires_at``).

    One UPDATE … RETURNING and, only when something lapsed, one batch of events: the
    sweep runs before every write to a set, so it must cost one round trip when idle.
    """
    stmt = _SWEEP if set_id is None else _SWEEP.where(_bookings.set_id == set_id)
    lapsed = session.execute(stmt, {"now": now}).all()
    if lapsed:
        session.execute(
            insert(_EVENTS),
            [
                {
                    "booking_id": booking_id,
                    "actor_id": None,
                    "at": now,
                    "from_status": "hold",
                    "to_status": "expired",
                    "note": "challenge deadline passed unanswered"
                    if deadline is not None and expires is not None and deadline <= expires
                    else "hold time ran out",
                }
                for booking_id, deadline, expires in lapsed
            ],
        )
        # Loaded copies of the swept rows are stale now.
        for booking_id, _, _ in lapsed:
            loaded = session.identity_map.get(identity_key(Booking, booking_id))
            if loaded is not None:
                session.expire(loaded)
    return len(lapsed)


def _blockers(session: Session, viewer: User, booking: Booking, now: datetime) -> list[Blocker]:
    """What stands ahead of ``booking``: blackouts, confirmed days, earlier active holds."""
    film_set = booking.film_set
    names = sees_crew_names_on(viewer, film_set.base_id)
    found: list[Blocker] = [
        Blocker(kind="blackout", start=b.start_date, end=b.end_date, reason=b.reason or None)
        for b in overlapping_blackouts(
            session, booking.set_id, booking.start_date, booking.end_date
        )
    ]
    others = session.scalars(
        select(Booking)
        .where(or_(confirmed_over(Booking, booking), ahead_of(Booking, booking, now)))
        .order_by(Booking.placed_at, Booking.id)
    ).all()
    earlier, _ = rank_columns(now)
    ranks: dict[int, int] = {
        bid: int(n)
        for bid, n in session.execute(
            select(Booking.id, earlier).where(Booking.id.in_([o.id for o in others]))
        )
    }
    for other in others:
        mine = works_for_crew(viewer, other.crew_id)
        found.append(
            Blocker(
                kind="confirmed" if other.status == "confirmed" else "hold",
                start=other.start_date,
                end=other.end_date,
                rank=None if other.status == "confirmed" else int(ranks.get(other.id, 0)) + 1,
                until=other.expires_at if other.status == "hold" else None,
                crew=other.crew.name if names or mine else None,
                booking_id=other.id if names or mine else None,
            )
        )
    return found


def _blocker_text(film_set: FilmSet, blockers: list[Blocker]) -> str:
    parts = []
    for b in blockers:
        days = f"{b.start}–{b.end - timedelta(days=1)}"
        who = b.crew or "another production"
        if b.kind == "blackout":
            parts.append(f"closed {days} ({b.reason or 'blackout'})")
        elif b.kind == "confirmed":
            parts.append(f"confirmed by {who} for {days}")
        else:
            until = local_text(b.until) if b.until else "?"
            parts.append(f"held by {who}, {ordinal(b.rank or 1)} hold until {until}, for {days}")
    return f"{film_set.name_en} ({film_set.code}) is " + "; ".join(parts) + "."


def _check_range(crew: Crew, start: date, end: date, now: datetime) -> None:
    settings = get_settings()
    days = (end - start).days
    if days <= 0:
        raise InvalidInput("end must be after start: bookings are whole days [start, end).")
    if days > settings.max_booking_days:
        raise InvalidInput(
            f"A booking may span at most {settings.max_booking_days} days; this one spans {days}."
        )
    if start < today_local(now):
        raise InvalidInput(f"The start date {start} is in the past.")
    if start < crew.window_start or end > crew.window_end:
        last = crew.window_end - timedelta(days=1)
        raise InvalidInput(
            f"The dates must lie inside {crew.name}'s shooting window "
            f"({crew.window_start} to {last})."
        )


def _check_hold_quota(session: Session, crew: Crew, base_id: int, now: datetime) -> None:
    """A crew may not hoard a base's sets with holds it does not mean to confirm."""
    limit = get_settings().max_active_holds_per_base
    held = session.execute(_HELD_AT_BASE, {"crew_id": crew.id, "base_id": base_id, "now": now})
    count = int(held.scalar_one())
    if count >= limit:
        raise Conflict(
            f"{crew.name} already has {count} active holds at this base (the limit is {limit}); "
            "confirm or release some before placing more.",
            limit=limit,
        )


_HELD_AT_BASE = (
    select(func.count())
    .select_from(_BOOKINGS.join(FilmSet, FilmSet.id == _bookings.set_id))
    .where(
        _bookings.crew_id == bindparam("crew_id"),
        FilmSet.base_id == bindparam("base_id"),
        active_hold(_bookings, bindparam("now")),
    )
)

# The set's row, locked: bookings of one set are decided one at a time.
_LOCK_SET = (
    select(FilmSet.id, FilmSet.code, FilmSet.name_en, FilmSet.base_id, FilmSet.day_rate)
    .add_columns(Base.hold_ttl_hours)
    .join(Base, Base.id == FilmSet.base_id)
    .where(FilmSet.id == bindparam("set_id"))
    .with_for_update(of=FilmSet)
)

# What stands on [start, end) of a set now: blackouts, confirmed days, holds that count.
_STANDING = union_all(
    select(
        literal("blackout").label("kind"),
        Blackout.id.label("id"),
        literal(None, UTCDateTime).label("placed_at"),
    ).where(
        Blackout.set_id == bindparam("set_id"),
        overlaps(Blackout, bindparam("start"), bindparam("end")),
    ),
    select(_bookings.status, _bookings.id, _bookings.placed_at).where(
        _bookings.set_id == bindparam("set_id"),
        overlaps(_bookings, bindparam("start"), bindparam("end")),
        live(_bookings, bindparam("now")),
    ),
)


def place(
    session: Session,
    actor: User,
    crew: Crew,
    set_id: int,
    start: date,
    end: date,
    *,
    confirm_now: bool,
    note: str,
    now: datetime,
) -> BookingOut:
    """Place a hold ranked behind earlier ones; ``confirm_now`` also confirms it, atomically.

    The hot path of the API: a handful of prepared statements (lock the set, sweep it,
    read what stands on the days, insert the booking and its events) and the answer
    built from what they returned. A refusal takes the slower path that explains it.
    """
    _check_range(crew, start, end, now)
    film_set = session.execute(_LOCK_SET, {"set_id": set_id}).first()
    if film_set is None:
        raise NotFound(f"Set {set_id} not found.")
    sweep_expired(session, now, set_id)
    standing = session.execute(
        _STANDING, {"set_id": set_id, "start": start, "end": end, "now": now}
    ).all()
    kinds = {row.kind for row in standing}
    # Holds rank by placement instant (ids break ties, and ours will be the newest). A hold
    # committed while this request waited for the lock can carry a later instant: it
    # ranks behind this booking and does not stand in its way.
    holds_ahead = sum(1 for row in standing if row.kind == "hold" and row.placed_at <= now)
    if "blackout" in kinds or (confirm_now and ("confirmed" in kinds or holds_ahead)):
        return _place_and_explain(session, actor, crew, set_id, start, end, now, note)
    if not confirm_now:
        _check_hold_quota(session, crew, film_set.base_id, now)
    days = (end - start).days
    price = quoted_price(film_set.day_rate, start, end)
    status = "confirmed" if confirm_now else "hold"
    expires = None if confirm_now else now + timedelta(hours=film_set.hold_ttl_hours)
    booking_id = session.execute(
        _INSERT_BOOKING,
        {
            "set_id": set_id,
            "crew_id": crew.id,
            "start_date": start,
            "end_date": end,
            "status": status,
            "placed_at": now,
            "expires_at": expires,
            "confirmed_at": now if confirm_now else None,
            "price": price if confirm_now else None,
            "note": note,
            "created_by_id": actor.id,
        },
    ).scalar_one()
    session.execute(
        _BOOKED_DIRECTLY if confirm_now else _PLACED,
        {"booking_id": booking_id, "actor_id": actor.id, "at": now},
    )
    return BookingOut(
        id=booking_id,
        set_id=set_id,
        set_code=film_set.code,
        set_name=film_set.name_en,
        base_id=film_set.base_id,
        crew_id=crew.id,
        crew_name=crew.name,
        start=start,
        end=end,
        days=days,
        status=status,
        rank=None if confirm_now else holds_ahead + 1,
        behind_confirmed=not confirm_now and "confirmed" in kinds,
        placed_at=now,
        expires_at=expires,
        challenge_deadline=None,
        confirmed_at=now if confirm_now else None,
        price=price,
        note=note,
        version=1,
    )


_INSERT_BOOKING = insert(_BOOKINGS).values(version=1).returning(_bookings.id)


def _events_insert(*steps: tuple[str | None, str, str]) -> Any:
    """A prepared multi-row INSERT of a new booking's events (an executemany would cost
    a pipeline round of its own, literal rows a compilation per call)."""
    same: dict[str, Any] = {
        "booking_id": bindparam("booking_id"),
        "actor_id": bindparam("actor_id"),
    }
    return insert(_EVENTS).values(
        [
            {**same, "at": bindparam("at"), "from_status": before, "to_status": after, "note": note}
            for before, after, note in steps
        ]
    )


_PLACED = _events_insert((None, "hold", "placed"))
_BOOKED_DIRECTLY = _events_insert(
    (None, "hold", "placed"), ("hold", "confirmed", "booked directly")
)


def _place_and_explain(
    session: Session,
    actor: User,
    crew: Crew,
    set_id: int,
    start: date,
    end: date,
    now: datetime,
    note: str,
) -> BookingOut:
    """The general path: place the hold, then confirm it by the full rules.

    Taken when something stands on the days; the confirmation's refusal says what
    (the caller's transaction is rolled back with it, so nothing of the hold stays).
    """
    film_set = get_set(session, set_id)
    closed = overlapping_blackouts(session, set_id, start, end)
    if closed:
        blockers = [
            Blocker(kind="blackout", start=b.start_date, end=b.end_date, reason=b.reason or None)
            for b in closed
        ]
        raise Conflict(
            _blocker_text(film_set, blockers),
            conflicts=[b.model_dump(mode="json", exclude_none=True) for b in blockers],
        )
    booking = Booking(
        set_id=set_id,
        crew_id=crew.id,
        start_date=start,
        end_date=end,
        status="hold",
        placed_at=now,
        expires_at=now + timedelta(hours=film_set.base.hold_ttl_hours),
        note=note,
        created_by_id=actor.id,
    )
    session.add(booking)
    _flush(session)
    _record(session, booking, actor, None, now, "placed")
    _confirm_locked(session, actor, booking, now, note="booked directly")
    return describe(session, booking, now)


def lock(
    session: Session, booking: Booking, now: datetime, expected: Collection[int] | None
) -> None:
    """Lock the booking's set, sweep its lapsed holds, re-read and check If-Match: the
    booking's version must be one of ``expected`` (None: any version)."""
    get_set(session, booking.set_id, for_update=True)
    sweep_expired(session, now, booking.set_id)
    session.refresh(booking)
    if expected is not None and booking.version not in expected:
        raise PreconditionFailed(
            f"Booking #{booking.id} has changed since you loaded it (now version "
            f"{booking.version}); reload it and try again."
        )


def confirm(session: Session, actor: User, booking: Booking, now: datetime, note: str = "") -> None:
    _confirm_locked(session, actor, booking, now, note)


def _confirm_locked(
    session: Session, actor: User, booking: Booking, now: datetime, note: str
) -> None:
    if booking.status == "confirmed":
        raise Conflict("This booking is already confirmed.")
    if booking.status != "hold":
        raise Conflict(
            f"This hold is {booking.status} and can no longer be confirmed; place a new one."
        )
    crew = booking.crew
    if booking.start_date < crew.window_start or booking.end_date > crew.window_end:
        # The crew's window changed since the hold was placed: a conflict with its state now.
        raise Conflict("The dates no longer lie inside the crew's shooting window.")
    blockers = _blockers(session, actor, booking, now)
    if blockers:
        raise Conflict(
            _blocker_text(booking.film_set, blockers),
            conflicts=[b.model_dump(mode="json", exclude_none=True) for b in blockers],
        )
    booking.price = quoted_price(booking.film_set.day_rate, booking.start_date, booking.end_date)
    booking.confirmed_at = now
    booking.challenge_deadline = None
    _change(session, booking, actor, "confirmed", now, note)


def release(session: Session, actor: User, booking: Booking, now: datetime, note: str = "") -> None:
    """Give up a hold; the holds behind it move up at once."""
    state = effective_status(booking, now)
    if state == "confirmed":
        raise Conflict("This booking is confirmed: cancel it instead of releasing it.")
    if state != "hold":
        raise Conflict(f"This hold is already {state}.")
    _change(session, booking, actor, "released", now, note)


def cancel(session: Session, actor: User, booking: Booking, now: datetime, note: str = "") -> None:
    """Cancel a confirmed booking: its days become free again."""
    if booking.status == "hold":
        raise Conflict("This is a hold, not a confirmed booking: release it instead.")
    if booking.status != "confirmed":
        raise Conflict(f"This booking is already {booking.status}.")
    _change(session, booking, actor, "cancelled", now, note)


def challenge(
    session: Session, actor: User, booking: Booking, now: datetime, note: str = ""
) -> tuple[datetime, int]:
    """Give every earlier overlapping hold a deadline to confirm or lapse."""
    if booking.status != "hold":
        raise Conflict(f"Only an active hold can challenge; this booking is {booking.status}.")
    film_set = booking.film_set
    if session.scalar(select(exists().where(confirmed_over(Booking, booking)))):
        raise Conflict(
            "Some of these days are already confirmed by another production; "
            "a challenge only moves holds, not confirmed bookings."
        )
    ahead = session.scalars(
        select(Booking)
        .where(ahead_of(Booking, booking, now))
        .order_by(Booking.placed_at, Booking.id)
    ).all()
    if not ahead:
        raise Conflict("Your hold is already 1st on these days: confirm it instead.")
    deadline = now + timedelta(hours=film_set.base.challenge_hours)
    for other in ahead:
        if other.challenge_deadline is not None and other.challenge_deadline <= deadline:
            continue
        other.challenge_deadline = deadline
        if other.expires_at is None or other.expires_at > deadline:
            other.expires_at = deadline
        session.add(
            BookingEvent(
                booking_id=other.id,
                actor_id=actor.id,
                at=now,
                from_status="hold",
                to_status="hold",
                note=f"challenged by booking #{booking.id}: confirm by {local_text(deadline)}",
            )
        )
    _flush(session)
    _record(
        session,
        booking,
        actor,
        "hold",
        now,
        f"challenged {len(ahead)} earlier hold(s) {note}".strip(),
    )
    return deadline, len(ahead)
