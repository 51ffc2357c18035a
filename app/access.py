"""Who may see and change what. Invisible resources answer 404, visible-but-not-yours 403."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, true
from sqlalchemy.sql.elements import ColumnElement as _CE

from app.errors import Forbidden, NotFound
from app.models import Booking, FilmSet, User


def is_admin(user: User) -> bool:
    return user.role == "admin"


def require_admin(user: User) -> None:
    if not is_admin(user):
        raise Forbidden("Only an administrator may do this.")


def manages_base(user: User, base_id: int) -> bool:
    return is_admin(user) or (user.role == "base_manager" and base_id in user.base_ids)


def require_base_manager(user: User, base_id: int, what: str = "this base") -> None:
    """Sets and blackouts are visible to all, so refusing a change is a 403, not a 404."""
    if not manages_base(user, base_id):
        raise Forbidden(f"Only the base's managers or an administrator may change {what}.")


def works_for_crew(user: User, crew_id: int) -> bool:
    return is_admin(user) or (user.role == "coordinator" and crew_id in user.crew_ids)


def require_crew(user: User, crew_id: int, what: str = "Crew") -> None:
    """A coordinator never learns that another crew's resource exists: 404."""
    if not works_for_crew(user, crew_id):
        raise NotFound(f"{what} not found.")


def can_see_booking(user: User, booking: Booking) -> bool:
    return (
        is_admin(user)
        or works_for_crew(user, booking.crew_id)
        or manages_base(user, booking.film_set.base_id)
    )


def sees_crew_names_on(user: User, base_id: int) -> bool:
    """Other productions' names are shown only to the base's managers and admins."""
    return manages_base(user, base_id)


def booking_scope(user: User) -> ColumnElement[bool]:
    """SQL filter: the bookings this user may list."""
    if is_admin(user):
        return true()
    if user.role == "coordinator":
        ids = sorted(user.crew_ids)
        return Booking.crew_id.in_(ids) if ids else false()
    ids = sorted(user.base_ids)
    if not ids:
        return false()
    cond: _CE[bool] = Booking.set_id.in_(
        FilmSet.__table__.select().with_only_columns(FilmSet.id).where(FilmSet.base_id.in_(ids))
    )
    return cond
