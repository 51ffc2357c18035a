"""Who may see and change what: every rule named once, for the API and the pages alike.

Invisible resources answer 404 (a coordinator never learns another crew's things exist);
visible-but-not-yours answers 403 (a base manager sees the crews booking their bases but
does not act for them). Routers and pages call these and never test a role themselves.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date
from typing import Annotated

from fastapi import Depends
from sqlalchemy import ColumnElement, Select, exists, false, func, select, true
from sqlalchemy.orm import Session

from app.deps import CurrentUser, SessionDep
from app.errors import Forbidden, NotFound
from app.lookup import get_or_404
from app.models import (
    Base,
    Booking,
    Crew,
    ExtrasRequest,
    FeedToken,
    FilmSet,
    Notice,
    PerformerLink,
    RegisterImport,
    User,
    UserBase,
    UserCrew,
    WebhookSubscription,
)
from app.schemas import PathId

ADMIN, BASE_MANAGER, COORDINATOR = "admin", "base_manager", "coordinator"
EXTRAS_OFFICE = "extras_office"

# --- roles ---------------------------------------------------------------------------------


def is_admin(user: User) -> bool:
    return user.role == ADMIN


def is_coordinator(user: User) -> bool:
    return user.role == COORDINATOR


def is_base_manager(user: User) -> bool:
    return user.role == BASE_MANAGER


def is_extras_office(user: User) -> bool:
    return user.role == EXTRAS_OFFICE


def admins() -> ColumnElement[bool]:
    """SQL filter: the administrators' accounts."""
    return User.role == ADMIN


def require_admin(user: User) -> None:
    if not is_admin(user):
        raise Forbidden("Only an administrator may do this.")


def places_bookings(user: User) -> bool:
    """Crews' coordinators (and admins) place holds and accept plans; managers watch."""
    return is_admin(user) or is_coordinator(user)


def require_places_bookings(user: User) -> None:
    if not places_bookings(user):
        raise Forbidden("Base managers see bookings; a crew's coordinator places them.")


def runs_plans(user: User) -> bool:
    """Optimizer runs are started and stopped by administrators and base managers."""
    return is_admin(user) or is_base_manager(user)


def require_runs_plans(user: User) -> None:
    if not runs_plans(user):
        raise Forbidden("Only administrators and base managers start or stop optimizer runs.")


# --- bases ---------------------------------------------------------------------------------


def oversees_bases(user: User) -> bool:
    """Administrators and base managers read the figures across their bases each morning."""
    return is_admin(user) or is_base_manager(user)


def manages_base(user: User, base_id: int) -> bool:
    return is_admin(user) or (is_base_manager(user) and base_id in user.base_ids)


def require_base_manager(user: User, base_id: int, what: str = "this base") -> None:
    """Sets and blackouts are visible to all, so refusing a change is a 403, not a 404."""
    if not manages_base(user, base_id):
        raise Forbidden(f"Only the base's managers or an administrator may change {what}.")


def sees_base(user: User, base_id: int) -> bool:
    """A base manager's boards show their bases only; admins and coordinators see every base."""
    return not is_base_manager(user) or manages_base(user, base_id)


def visible_bases_stmt(user: User) -> Select[Base]:
    stmt = select(Base).order_by(Base.code)
    if is_base_manager(user):
        stmt = stmt.where(Base.id.in_(sorted(user.base_ids)))
    return stmt


def visible_base(session: Session, user: User, base_id: int) -> Base:
    base = session.get(Base, base_id)
    if base is None or not sees_base(user, base_id):
        raise NotFound(f"Base {base_id} not found.")
    return base


def managed_sets_stmt(user: User) -> Select[FilmSet]:
    """The sets whose feeds and blackouts a user looks after: their bases' (all for admins)."""
    stmt = select(FilmSet).order_by(FilmSet.code)
    if is_admin(user):
        return stmt
    if is_base_manager(user):
        return stmt.where(FilmSet.base_id.in_(sorted(user.base_ids)))
    return stmt.where(false())


def sees_crew_names_on(user: User, base_id: int) -> bool:
    """Other productions' names are shown only to the base's managers and admins."""
    return manages_base(user, base_id)


# --- crews ---------------------------------------------------------------------------------


def works_for_crew(user: User, crew_id: int) -> bool:
    """The user acts for the crew: its coordinators, and admins."""
    return is_admin(user) or (is_coordinator(user) and crew_id in user.crew_ids)


def require_crew(user: User, crew_id: int, what: str = "Crew") -> None:
    """A coordinator never learns that another crew's resource exists: 404."""
    if not works_for_crew(user, crew_id):
        raise NotFound(f"{what} not found.")


def crews_acted_for_stmt(user: User) -> Select[Crew]:
    """The crews a user acts for: a coordinator's own, every crew for an admin, none else."""
    stmt = select(Crew).order_by(Crew.code)
    if is_admin(user):
        return stmt
    if is_coordinator(user):
        return stmt.where(Crew.id.in_(sorted(user.crew_ids)))
    return stmt.where(false())


def visible_crews_stmt(user: User) -> Select[Crew]:
    """Coordinators see their crews, base managers the crews booking their bases."""
    stmt = select(Crew).order_by(Crew.window_start, Crew.code)
    if is_admin(user):
        return stmt
    if is_coordinator(user):
        return stmt.where(Crew.id.in_(sorted(user.crew_ids)))
    if not is_base_manager(user):
        return stmt.where(false())
    on_my_bases = exists().where(
        Booking.crew_id == Crew.id,
        Booking.set_id == FilmSet.id,
        FilmSet.base_id.in_(sorted(user.base_ids)),
    )
    return stmt.where(on_my_bases)


def can_see_crew(session: Session, user: User, crew_id: int) -> bool:
    if works_for_crew(user, crew_id):
        return True
    stmt = visible_crews_stmt(user).where(Crew.id == crew_id)
    return session.scalar(select(func.count()).select_from(stmt.subquery())) == 1


def viewable_crew(session: Session, user: User, crew_id: int) -> Crew:
    """The crew, when ``user`` may see it; 404 otherwise."""
    crew = get_or_404(session, Crew, crew_id, "Crew not found.")
    if not can_see_crew(session, user, crew.id):
        raise NotFound("Crew not found.")
    return crew


def own_crew(session: Session, user: User, crew_id: int) -> Crew:
    """The crew, when ``user`` acts for it. A manager who sees the crew (it books their base)
    is refused with a 403; to anyone else it does not exist (404)."""
    crew = viewable_crew(session, user, crew_id)
    if not works_for_crew(user, crew.id):
        raise Forbidden(f"Only {crew.name}'s coordinators or an administrator may do this.")
    return crew


def booking_crew(session: Session, user: User, crew_id: int) -> Crew:
    """The crew a new booking is for: a manager never places one (403), a coordinator only
    for their own crews (404 for any other)."""
    require_places_bookings(user)
    crew = get_or_404(session, Crew, crew_id, "Crew not found.")
    require_crew(user, crew.id)
    return crew


def sees_all_unscheduled(user: User) -> bool:
    """A run's unscheduled scenes name crews: coordinators see only their own crews'."""
    return is_admin(user) or is_base_manager(user)


# --- call sheets ---------------------------------------------------------------------------


def reads_callsheet(user: User, crew_id: int, base_ids: Collection[int]) -> bool:
    """A crew's call sheet for a day: its coordinators and admins, and (read only) the
    managers of a base where the crew shoots that day."""
    return works_for_crew(user, crew_id) or any(manages_base(user, b) for b in base_ids)


def require_callsheet_reader(user: User, crew: Crew, day: date, base_ids: Collection[int]) -> None:
    """404 unless ``user`` reads the crew's call sheet of ``day`` (``base_ids``: the bases
    where the crew shoots that day, empty when it does not shoot). Only those who act for
    the crew learn that it simply has no call sheet that day."""
    if base_ids and reads_callsheet(user, crew.id, base_ids):
        return
    if works_for_crew(user, crew.id):
        raise NotFound(
            f"{crew.name} has no call sheet for {day}: no scene is pinned or accepted that day."
        )
    raise NotFound("Call sheet not found.")


# --- bookings ------------------------------------------------------------------------------


def can_see_booking(user: User, booking: Booking) -> bool:
    return (
        is_admin(user)
        or works_for_crew(user, booking.crew_id)
        or manages_base(user, booking.film_set.base_id)
    )


def booking_scope(user: User) -> ColumnElement[bool]:
    """SQL filter: the bookings this user may list."""
    if is_admin(user):
        return true()
    if is_coordinator(user):
        ids = sorted(user.crew_ids)
        return Booking.crew_id.in_(ids) if ids else false()
    if not is_base_manager(user):
        return false()
    ids = sorted(user.base_ids)
    if not ids:
        return false()
    return Booking.set_id.in_(select(FilmSet.id).where(FilmSet.base_id.in_(ids)))


def visible_booking(session: Session, user: User, booking_id: int) -> Booking:
    booking = get_or_404(session, Booking, booking_id, f"Booking {booking_id} not found.")
    if not can_see_booking(user, booking):
        raise NotFound(f"Booking {booking_id} not found.")
    return booking


def names_actor(viewer: User, actor: User, booking: Booking) -> bool:
    """Whether a booking's history names who changed it: always to the base's managers and
    admins; to anyone else only when the actor acted for the booking's crew (its
    coordinators, an admin). A later holder's challenge stays anonymous to the crew."""
    return sees_crew_names_on(viewer, booking.film_set.base_id) or works_for_crew(
        actor, booking.crew_id
    )


def booking_to_change(session: Session, user: User, booking_id: int) -> Booking:
    """The crew's coordinators (and admins) act on a booking; a base manager only watches."""
    booking = visible_booking(session, user, booking_id)
    if not works_for_crew(user, booking.crew_id):
        raise Forbidden("Only the crew's coordinators or an administrator may change this booking.")
    return booking


# --- calendar feeds ------------------------------------------------------------------------


def feeds_scope(user: User) -> ColumnElement[bool]:
    """SQL filter: the feeds a user lists and may revoke (their own; all for admins)."""
    return true() if is_admin(user) else FeedToken.created_by_id == user.id


def may_manage_feed(user: User, feed: FeedToken) -> bool:
    return is_admin(user) or feed.created_by_id == user.id


def feed_still_allowed(session: Session, creator: User | None, feed: FeedToken) -> bool:
    """A feed shows what its creator may see today: it dies with their key or their scope.

    Revoking or rotating the creator's key revokes their feeds (``users.service.end_access``),
    so a rotation that makes the user active again never brings an old feed back.
    """
    if creator is None or not creator.active or feed.revoked_at is not None:
        return False
    if feed.crew_id is not None:
        return works_for_crew(creator, feed.crew_id)
    film_set = session.get(FilmSet, feed.set_id) if feed.set_id is not None else None
    return film_set is not None and manages_base(creator, film_set.base_id)


# --- the extras pool -----------------------------------------------------------------------


def keeps_register(user: User) -> bool:
    """The 横漂 register (with phone numbers and birth years): the extras office and admins."""
    return is_admin(user) or is_extras_office(user)


def require_keeps_register(user: User) -> None:
    if not keeps_register(user):
        raise Forbidden("Only the extras office or an administrator may do this.")


def register_import_of(session: Session, user: User, import_id: int) -> RegisterImport:
    """An import of the register: the office (403 for anyone else); of the office, only the
    one who uploaded it sees and applies it (admins too), to the rest it does not exist."""
    require_keeps_register(user)
    found = session.get(RegisterImport, import_id)
    if found is None or not (is_admin(user) or found.user_id == user.id):
        raise NotFound(f"Import {import_id} not found.")
    return found


def dispatches_base(user: User, base_id: int | None) -> bool:
    """The office dispatches its bases (no base: the whole town); ``None`` asks for the town."""
    if is_admin(user):
        return True
    if not is_extras_office(user):
        return False
    return not user.base_ids or (base_id is not None and base_id in user.base_ids)


def require_dispatches(user: User, base_id: int | None) -> None:
    if not dispatches_base(user, base_id):
        where = "the whole town" if base_id is None else "this base"
        raise Forbidden(f"Only the extras office of {where} or an administrator may do this.")


def extras_requests_scope(user: User) -> ColumnElement[bool]:
    """SQL filter: the extras requests a user may list (crews' own, the office's bases)."""
    if is_admin(user) or (is_extras_office(user) and not user.base_ids):
        return true()
    if is_extras_office(user):
        return ExtrasRequest.base_id.in_(sorted(user.base_ids))
    if is_coordinator(user) and user.crew_ids:
        return ExtrasRequest.crew_id.in_(sorted(user.crew_ids))
    return false()


def can_see_extras_request(user: User, request: ExtrasRequest) -> bool:
    return works_for_crew(user, request.crew_id) or dispatches_base(user, request.base_id)


def visible_extras_request(session: Session, user: User, request_id: int) -> ExtrasRequest:
    found = get_or_404(
        session, ExtrasRequest, request_id, f"Extras request {request_id} not found."
    )
    if not can_see_extras_request(user, found):
        raise NotFound(f"Extras request {request_id} not found.")
    return found


def performer_link_still_allowed(creator: User | None, link: PerformerLink) -> bool:
    """A performer's private link lives while its creator could make it today, as a calendar
    feed does: it dies with their key (revoking or rotating it revokes their links for good,
    ``users.service.end_access``), their account, or a role that no longer keeps the register."""
    if creator is None or not creator.active or link.revoked_at is not None:
        return False
    return keeps_register(creator)


def sees_performer_contacts(user: User) -> bool:
    """Phone numbers and birth years: the office only; crews see name, card and profile."""
    return keeps_register(user)


def may_change_extras_request(user: User, crew_id: int, base_id: int, before_cutoff: bool) -> bool:
    """The crew orders, changes and cancels its requests of a base before the base's cut-off;
    after it, only the base's extras office (or an admin)."""
    if dispatches_base(user, base_id):
        return True
    return works_for_crew(user, crew_id) and before_cutoff


# --- notices --------------------------------------------------------------------------------


def crew_coordinators_stmt(crew_id: int) -> Select[int]:
    """Who hears about a crew's holds and proposals: its active coordinators."""
    return (
        select(User.id)
        .join(UserCrew, UserCrew.user_id == User.id)
        .where(UserCrew.crew_id == crew_id, User.active, User.role == COORDINATOR)
    )


def base_managers_stmt(base_id: int) -> Select[int]:
    """Who hears about bookings of a base's sets: its active managers."""
    return (
        select(User.id)
        .join(UserBase, UserBase.user_id == User.id)
        .where(UserBase.base_id == base_id, User.active, User.role == BASE_MANAGER)
    )


def notices_scope(user: User) -> ColumnElement[bool]:
    """SQL filter: a user's inbox is their own, whatever their role."""
    return Notice.user_id == user.id


def own_notice(session: Session, user: User, notice_id: uuid.UUID) -> Notice:
    notice = session.get(Notice, notice_id)
    if notice is None or notice.user_id != user.id:
        raise NotFound("Notice not found.")
    return notice


def webhooks_scope(user: User) -> ColumnElement[bool]:
    """SQL filter: webhook subscriptions are their owner's (an administrator sees all, to stop
    one that misbehaves; a secret is shown only once, to its owner)."""
    return true() if is_admin(user) else WebhookSubscription.user_id == user.id


def own_webhook(session: Session, user: User, webhook_id: int) -> WebhookSubscription:
    found = session.get(WebhookSubscription, webhook_id)
    if found is None or not (is_admin(user) or found.user_id == user.id):
        raise NotFound(f"Webhook subscription {webhook_id} not found.")
    return found


# --- the same rules as request dependencies ------------------------------------------------


def _viewable_crew(crew_id: PathId, session: SessionDep, user: CurrentUser) -> Crew:
    return viewable_crew(session, user, crew_id)


def _own_crew(crew_id: PathId, session: SessionDep, user: CurrentUser) -> Crew:
    return own_crew(session, user, crew_id)


def _visible_booking(booking_id: PathId, session: SessionDep, user: CurrentUser) -> Booking:
    return visible_booking(session, user, booking_id)


def _extras_office(user: CurrentUser) -> User:
    require_keeps_register(user)
    return user


def _visible_extras_request(
    request_id: PathId, session: SessionDep, user: CurrentUser
) -> ExtrasRequest:
    return visible_extras_request(session, user, request_id)


def _register_import(import_id: PathId, session: SessionDep, user: CurrentUser) -> RegisterImport:
    return register_import_of(session, user, import_id)


def _plan_runner(user: CurrentUser) -> User:
    require_runs_plans(user)
    return user


ViewableCrew = Annotated[Crew, Depends(_viewable_crew)]
"""The path's ``crew_id``: a crew the caller may see (404 otherwise)."""
OwnCrew = Annotated[Crew, Depends(_own_crew)]
"""The path's ``crew_id``: a crew the caller acts for (403 for a manager who sees it, else 404)."""
VisibleBooking = Annotated[Booking, Depends(_visible_booking)]
"""The path's ``booking_id``: a booking the caller may see (404 otherwise)."""
PlanRunner = Annotated[User, Depends(_plan_runner)]
"""The caller, when they may start and stop optimizer runs (403 otherwise)."""
ExtrasOffice = Annotated[User, Depends(_extras_office)]
"""The caller, when they keep the extras register: the extras office or an admin (403)."""
VisibleExtrasRequest = Annotated[ExtrasRequest, Depends(_visible_extras_request)]
"""The path's ``request_id``: an extras request of the caller's crew or office bases (404)."""
OwnRegisterImport = Annotated[RegisterImport, Depends(_register_import)]
"""The path's ``import_id``: an import of the register the caller uploaded (403 for anyone
not keeping the register, 404 for another office user's)."""
