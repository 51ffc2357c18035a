"""Catalogue of bases, sets, blackouts and travel. Services flush; the caller commits."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from datetime import date

from sqlalchemy import Select, and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.errors import Conflict, InvalidInput, NotFound
from app.lookup import get_or_404, taken
from app.models import Base, Blackout, Booking, FilmSet, SetTag, Travel
from app.schemas import MAX_INT


def get_base(session: Session, base_id: int) -> Base:
    return get_or_404(session, Base, base_id, f"Base {base_id} not found.")


def get_base_by_code(session: Session, code: str) -> Base:
    base = session.scalars(select(Base).where(Base.code == code)).first()
    if base is None:
        raise NotFound(f"Base '{code}' not found.")
    return base


def get_base_by_ref(session: Session, ref: str) -> Base:
    """A base named by its id or its code (``12`` or ``DBD``), as page addresses allow."""
    if ref.isascii() and ref.isdigit():
        if int(ref) > MAX_INT:
            raise NotFound(f"Base {ref} not found.")
        return get_base(session, int(ref))
    return get_base_by_code(session, ref)


def get_set(session: Session, set_id: int, *, for_update: bool = False) -> FilmSet:
    """Load a set; ``for_update`` locks its row so bookings of one set are decided one at a time."""
    stmt = select(FilmSet).where(FilmSet.id == set_id)
    if for_update:
        stmt = stmt.with_for_update()
    film_set = session.scalars(stmt).first()
    if film_set is None:
        raise NotFound(f"Set {set_id} not found.")
    return film_set


def create_base(session: Session, **fields: object) -> Base:
    if taken(session, Base.code == fields["code"]):
        raise Conflict(f"A base with code '{fields['code']}' already exists.")
    base = Base(**fields)
    session.add(base)
    session.flush()
    return base


def update_fields(obj: object, fields: dict[str, object]) -> None:
    for name, value in fields.items():
        setattr(obj, name, value)


def list_sets_stmt(
    base_id: int | None = None, kind: str | None = None, tags: Sequence[str] = ()
) -> Select[FilmSet]:
    stmt = select(FilmSet).order_by(FilmSet.code)
    if base_id is not None:
        stmt = stmt.where(FilmSet.base_id == base_id)
    if kind is not None:
        stmt = stmt.where(FilmSet.kind == kind)
    if tags:
        stmt = stmt.where(FilmSet.id.in_(sets_with_tags(tags)))
    return stmt


def sets_with_tags(tags: Sequence[str]) -> Select[int]:
    """Ids of the sets that carry every one of ``tags``."""
    wanted = sorted(set(tags))
    return (
        select(SetTag.set_id)
        .where(SetTag.tag.in_(wanted))
        .group_by(SetTag.set_id)
        .having(func.count(SetTag.tag) == len(wanted))
    )


def known_tags(session: Session) -> list[str]:
    """Every tag some set carries, in order."""
    return list(session.scalars(select(SetTag.tag).distinct().order_by(SetTag.tag)))


def closest_tags(tag: str, known: Sequence[str], n: int = 3) -> list[str]:
    """The known tags nearest in spelling to ``tag`` (a typo, another word form), best first."""
    return difflib.get_close_matches(tag, known, n=n, cutoff=0.6)


def create_set(session: Session, *, base_id: int, tags: Sequence[str], **fields: object) -> FilmSet:
    get_base(session, base_id)
    if taken(session, FilmSet.code == fields["code"]):
        raise Conflict(f"A set with code '{fields['code']}' already exists.")
    film_set = FilmSet(base_id=base_id, **fields)
    film_set.tag_rows = [SetTag(tag=t) for t in sorted(set(tags))]
    session.add(film_set)
    session.flush()
    return film_set


def update_set(session: Session, film_set: FilmSet, fields: dict[str, object]) -> FilmSet:
    tags = fields.pop("tags", None)
    update_fields(film_set, fields)
    if tags is not None:
        assert isinstance(tags, list)
        film_set.tag_rows = [SetTag(tag=t) for t in sorted(set(tags))]
    session.flush()
    return film_set


def delete_set(session: Session, film_set: FilmSet) -> None:
    has_bookings = session.scalar(
        select(func.count()).select_from(Booking).where(Booking.set_id == film_set.id)
    )
    if has_bookings:
        raise Conflict(
            f"Set {film_set.code} has {has_bookings} booking(s) on record and cannot be deleted; "
            "block its days with a blackout instead."
        )
    session.delete(film_set)
    session.flush()


def overlapping_confirmed(
    session: Session, set_id: int, start: date, end: date, *, exclude_id: int | None = None
) -> list[Booking]:
    stmt = select(Booking).where(
        Booking.set_id == set_id,
        Booking.status == "confirmed",
        Booking.start_date < end,
        Booking.end_date > start,
    )
    if exclude_id is not None:
        stmt = stmt.where(Booking.id != exclude_id)
    return list(session.scalars(stmt.order_by(Booking.start_date)))


def overlapping_blackouts(session: Session, set_id: int, start: date, end: date) -> list[Blackout]:
    return list(
        session.scalars(
            select(Blackout)
            .where(
                Blackout.set_id == set_id,
                and_(Blackout.start_date < end, Blackout.end_date > start),
            )
            .order_by(Blackout.start_date)
        )
    )


def add_blackout(
    session: Session, film_set: FilmSet, start: date, end: date, reason: str
) -> Blackout:
    """A blackout may not be laid over confirmed bookings: they must be cancelled first."""
    get_set(session, film_set.id, for_update=True)
    clashes = overlapping_confirmed(session, film_set.id, start, end)
    if clashes:
        listed = ", ".join(f"#{b.id} {b.start_date}–{b.end_date}" for b in clashes)
        raise Conflict(
            f"Set {film_set.code} is confirmed for a crew on some of these days ({listed}); "
            "cancel those bookings before blacking the days out.",
            conflicts=[
                {
                    "booking_id": b.id,
                    "start": b.start_date.isoformat(),
                    "end": b.end_date.isoformat(),
                }
                for b in clashes
            ],
        )
    blackout = Blackout(set_id=film_set.id, start_date=start, end_date=end, reason=reason)
    session.add(blackout)
    session.flush()
    return blackout


def get_blackout(session: Session, blackout_id: int) -> Blackout:
    return get_or_404(session, Blackout, blackout_id, f"Blackout {blackout_id} not found.")


def travel_rows(session: Session) -> list[tuple[Travel, str, str]]:
    a = Base.__table__.alias("a")
    b = Base.__table__.alias("b")
    stmt = (
        select(Travel, a.c.code, b.c.code)
        .join(a, a.c.id == Travel.base_a_id)
        .join(b, b.c.id == Travel.base_b_id)
        .order_by(a.c.code, b.c.code)
    )
    return [(row[0], row[1], row[2]) for row in session.execute(stmt)]


def put_travel(session: Session, from_code: str, to_code: str, cost: int) -> Travel:
    """Set the company-move cost of a pair of bases (symmetric, stored once)."""
    if from_code == to_code:
        raise InvalidInput(
            "A company move needs two different bases; moves within one base have a fixed cost."
        )
    one = get_base_by_code(session, from_code)
    two = get_base_by_code(session, to_code)
    low, high = sorted((one.id, two.id))
    travel = session.scalars(
        select(Travel).where(Travel.base_a_id == low, Travel.base_b_id == high)
    ).first()
    if travel is None:
        travel = Travel(base_a_id=low, base_b_id=high, cost=cost)
        session.add(travel)
    else:
        travel.cost = cost
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # a concurrent PUT of the same pair
        raise Conflict("This pair of bases was changed at the same time; please retry.") from exc
    return travel


def describe_blackout(blackout: Blackout) -> str:
    return f"{blackout.start_date}–{blackout.end_date} ({blackout.reason or 'closed'})"
