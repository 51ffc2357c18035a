"""Booking rules: ranked holds, confirmation, challenge, expiry, release and cancellation.

Every write locks the set's row first (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite
transactions are IMMEDIATE), so decisions about one set are taken one at a time and
racing inserts cannot deadlock on the exclusion constraint. The database rule
``bookings_no_double_booking`` remains the last word either way.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    Integer,
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
from app.notices import service as notices
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
    .returning(
        _bookings.id,
        _bookings.challenge_deadline,
        _bookings.expires_at,
        _bookings.set_id,
        _bookings.start_date,
        _bookings.end_date,
        _bookings.placed_at,
    )
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
                for booking_id, deadline, expires, *_ in lapsed
            ],
        )
        # Loaded copies of the swept rows are stale now.
        for booking_id, *_ in lapsed:
            loaded = session.identity_map.get(identity_key(Booking, booking_id))
            if loaded is not None:
                session.expire(loaded)
        # The holds behind a lapsed one may be 1st now: their crews hear it (in this
        # transaction, like every notice).
        for booking_id, _, _, set_id, start, end, placed in lapsed:
            notices.holds_now_first(session, set_id, start, end, now, after=(placed, booking_id))
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

# The crew's row, locked before any set's: one crew's placements are decided one at a time,
# so its hold quota and its own bookings are counted truly under parallel requests (always
# crew first, then set, so that two requests never wait for each other's lock).
_LOCK_CREW = select(Crew.id).where(Crew.id == bindparam("crew_id")).with_for_update()


def lock_crew(session: Session, crew_id: int) -> None:
    """Take the crew's lock (before any set's): its placements are decided one at a time."""
    session.execute(_LOCK_CREW, {"crew_id": crew_id})


# The set's row, locked: bookings of one set are decided one at a time.
_LOCK_SET = (
    select(
        FilmSet.id,
        FilmSet.code,
        FilmSet.name_en,
        FilmSet.name_zh,
        FilmSet.base_id,
        FilmSet.day_rate,
    )
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
        literal(None, Integer).label("crew_id"),
        Blackout.start_date.label("start_date"),
        Blackout.end_date.label("end_date"),
    ).where(
        Blackout.set_id == bindparam("set_id"),
        overlaps(Blackout, bindparam("start"), bindparam("end")),
    ),
    select(
        _bookings.status,
        _bookings.id,
        _bookings.placed_at,
        _bookings.crew_id,
        _bookings.start_date,
        _bookings.end_date,
    ).where(
        _bookings.set_id == bindparam("set_id"),
        overlaps(_bookings, bindparam("start"), bindparam("end")),
        live(_bookings, bindparam("now")),
    ),
)


@dataclass(frozen=True)
class Placement:
    """A placed booking, or (``created`` False) the crew's own booking that already covers
    the days asked for: a crew never queues behind itself."""

    booking: BookingOut
    created: bool


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
) -> Placement:
    """Place a hold ranked behind earlier ones; ``confirm_now`` also confirms it, atomically.

    The hot path of the API: a handful of prepared statements (lock the crew and the set,
    sweep the set, read what stands on the days, insert the booking and its events) and the
    answer built from what they returned. A refusal takes the slower path that explains it.
    """
    _check_range(crew, start, end, now)
    lock_crew(session, crew.id)
    film_set = session.execute(_LOCK_SET, {"set_id": set_id}).first()
    if film_set is None:
        raise NotFound(f"Set {set_id} not found.")
    sweep_expired(session, now, set_id)
    standing = session.execute(
        _STANDING, {"set_id": set_id, "start": start, "end": end, "now": now}
    ).all()
    own = [row for row in standing if row.crew_id == crew.id]
    if own:
        return _own_booking(session, crew, film_set.code, own, start, end, confirm_now, now)
    kinds = {row.kind for row in standing}
    holds_ahead = sum(1 for row in standing if row.kind == "hold")
    placed_at = queue_instant(now, [row.placed_at for row in standing if row.kind == "hold"])
    if "blackout" in kinds or (confirm_now and ("confirmed" in kinds or holds_ahead)):
        out = _place_and_explain(
            session, actor, crew, set_id, start, end, placed_at, now, note, confirm_now=confirm_now
        )
        return Placement(out, created=True)
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
            "placed_at": placed_at,
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
    if confirm_now:
        booked = session.get(Booking, booking_id)
        assert booked is not None
        notices.booking_changed(session, booked, "booking_confirmed", actor)
    out = BookingOut(
        id=booking_id,
        set_id=set_id,
        set_code=film_set.code,
        set_name=film_set.name_en,
        set_name_zh=film_set.name_zh,
        base_id=film_set.base_id,
        crew_id=crew.id,
        crew_name=crew.name,
        start=start,
        end=end,
        days=days,
        status=status,
        rank=None if confirm_now else holds_ahead + 1,
        behind_confirmed=not confirm_now and "confirmed" in kinds,
        placed_at=placed_at,
        expires_at=expires,
        challenge_deadline=None,
        confirmed_at=now if confirm_now else None,
        price=price,
        note=note,
        version=1,
    )
    return Placement(out, created=True)


# The smallest step between two placement instants both databases keep.
_TICK = timedelta(microseconds=1)


def queue_instant(now: datetime, standing_holds: list[datetime]) -> datetime:
    """A new hold's place in the queue, fixed under the set's lock: after every hold that
    stands on its days. ``now`` was read before the lock was granted; a hold committed while
    this request waited may carry a later instant, and must still rank ahead of this one,
    so the rank a response reports is the rank the booking keeps."""
    return max([now, *(placed + _TICK for placed in standing_holds)])


def _own_booking(
    session: Session,
    crew: Crew,
    set_code: str,
    own: list[Any],
    start: date,
    end: date,
    confirm_now: bool,
    now: datetime,
) -> Placement:
    """The crew already holds or has confirmed some of these days on this set.

    The rule: a booking of the crew's own that covers every day asked for is the answer
    (for a direct booking, only a confirmed one: a hold must be confirmed, not booked over);
    any other overlap is a 409 naming the crew's bookings in the way. A crew never gets a
    second hold ranked behind its own.
    """
    own = sorted(own, key=lambda r: (r.kind != "confirmed", r.start_date))
    for row in own:
        covers = row.start_date <= start and row.end_date >= end
        if covers and (row.kind == "confirmed" or not confirm_now):
            booking = session.get(Booking, row.id)
            assert booking is not None
            return Placement(describe(session, booking, now), created=False)
    listed = "; ".join(
        f"#{r.id} ({'confirmed' if r.kind == 'confirmed' else 'hold'}, "
        f"{r.start_date}–{r.end_date - timedelta(days=1)})"
        for r in own
    )
    hint = (
        "confirm that hold instead of booking over it"
        if confirm_now and any(r.kind == "hold" for r in own)
        else "release it first, or ask only for the days it does not cover"
    )
    raise Conflict(
        f"{crew.name} already has {set_code} on some of these days: {listed}. "
        f"A crew never queues behind its own booking; {hint}.",
        conflicts=[
            {
                "kind": "own",
                "booking_id": r.id,
                "status": "confirmed" if r.kind == "confirmed" else "hold",
                "start": r.start_date.isoformat(),
                "end": r.end_date.isoformat(),
                "crew": crew.name,
            }
            for r in own
        ],
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
    placed_at: datetime,
    now: datetime,
    note: str,
    *,
    confirm_now: bool,
) -> BookingOut:
    """The general path: a hold on closed days is refused; a direct booking places the hold,
    then confirms it by the full rules.

    Taken when something stands on the days; the confirmation's refusal names everything in
    the way at once (the caller's transaction is rolled back with it, so nothing stays).
    """
    film_set = get_set(session, set_id)
    closed = overlapping_blackouts(session, set_id, start, end)
    if closed and not confirm_now:
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
        placed_at=placed_at,
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
    notices.booking_changed(session, booking, "booking_confirmed", actor)


def release(session: Session, actor: User, booking: Booking, now: datetime, note: str = "") -> None:
    """Give up a hold; the holds behind it move up at once."""
    state = effective_status(booking, now)
    if state == "confirmed":
        raise Conflict("This booking is confirmed: cancel it instead of releasing it.")
    if state != "hold":
        raise Conflict(f"This hold is already {state}.")
    _change(session, booking, actor, "released", now, note)
    notices.holds_now_first(
        session,
        booking.set_id,
        booking.start_date,
        booking.end_date,
        now,
        after=(booking.placed_at, booking.id),
        actor=actor,
    )


def cancel(session: Session, actor: User, booking: Booking, now: datetime, note: str = "") -> None:
    """Cancel a confirmed booking: its days become free again."""
    if booking.status == "hold":
        raise Conflict("This is a hold, not a confirmed booking: release it instead.")
    if booking.status != "confirmed":
        raise Conflict(f"This booking is already {booking.status}.")
    _change(session, booking, actor, "cancelled", now, note)
    notices.booking_changed(session, booking, "booking_cancelled", actor)
    notices.holds_now_first(
        session, booking.set_id, booking.start_date, booking.end_date, now, actor=actor
    )


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
    window = now + timedelta(hours=film_set.base.challenge_hours)
    moved = 0
    for other in ahead:
        # The deadline that really applies is the earlier of the hold's own lapse time (its
        # TTL, or an earlier challenge's deadline) and this challenge's window.
        assert other.expires_at is not None  # a hold always has one (database rule)
        if other.expires_at <= window:
            continue
        other.challenge_deadline = other.expires_at = window
        moved += 1
        session.add(
            BookingEvent(
                booking_id=other.id,
                actor_id=actor.id,
                at=now,
                from_status="hold",
                to_status="hold",
                note=f"challenged by booking #{booking.id}: confirm by {local_text(window)}",
            )
        )
    _flush(session)
    notices.holds_challenged(session, ahead, actor, now)
    # When every hold ahead has confirmed or lapsed: the deadline the challenger waits for.
    deadline = max(other.expires_at for other in ahead if other.expires_at is not None)
    _record(
        session,
        booking,
        actor,
        "hold",
        now,
        f"challenged {len(ahead)} earlier hold(s), {moved} given a new deadline; "
        f"1st by {local_text(deadline)} unless they confirm {note}".strip(),
    )
    return deadline, len(ahead)
