"""A booking's history as people read it: who placed, challenged, confirmed, released it, when.

Read from the audit trail (``booking_events``). Each event is named by what happened, not by
the note the rules wrote (those notes are English sentences for the API's readers). Who did
it is named as ``access.names_actor`` allows: a coordinator never learns which production
challenged their hold, as the board never names another crew to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.access import names_actor
from app.models import Booking, BookingEvent, User

EventKind = Literal[
    "placed",
    "confirmed",
    "booked",
    "released",
    "cancelled",
    "lapsed",
    "lapsed_challenge",
    "challenged_by",
    "challenged",
    "changed",
]
# The notes the booking rules write on their events (app.bookings.service), by kind.
_AUTO_NOTES: dict[EventKind, str] = {
    "placed": "placed",
    "booked": "booked directly",
    "lapsed": "hold time ran out",
    "lapsed_challenge": "challenge deadline passed unanswered",
    "challenged_by": "challenged by booking #",
    "challenged": "challenged ",
}


def event_kind(before: str | None, after: str, note: str) -> EventKind:
    """What an event of the audit trail did."""
    if before is None:
        return "placed"
    if after == "confirmed":
        return "booked" if note == _AUTO_NOTES["booked"] else "confirmed"
    if after in ("released", "cancelled"):
        return "released" if after == "released" else "cancelled"
    if after == "expired":
        return "lapsed_challenge" if note == _AUTO_NOTES["lapsed_challenge"] else "lapsed"
    if before == after == "hold":
        if note.startswith(_AUTO_NOTES["challenged_by"]):
            return "challenged_by"
        if note.startswith(_AUTO_NOTES["challenged"]):
            return "challenged"
    return "changed"


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    kind: EventKind
    before: str | None
    after: str
    actor: str | None  # the name, when the viewer may know it
    actor_role: str | None
    anonymous: bool  # someone the viewer may not know of (another production)
    note: str | None  # what the person wrote (a release's reason…), when shown


def booking_history(session: Session, viewer: User, booking: Booking) -> list[HistoryEntry]:
    """Every event of ``booking`` (which ``viewer`` may see), oldest first."""
    rows = session.execute(
        select(BookingEvent, User)
        .outerjoin(User, User.id == BookingEvent.actor_id)
        .where(BookingEvent.booking_id == booking.id)
        .order_by(BookingEvent.at, BookingEvent.id)
        .options(selectinload(User.crew_links))
    ).all()
    entries = []
    for event, actor in rows:
        kind = event_kind(event.from_status, event.to_status, event.note or "")
        named = actor is not None and names_actor(viewer, actor, booking)
        written = (event.note or "").strip()
        entries.append(
            HistoryEntry(
                at=event.at,
                kind=kind,
                before=event.from_status,
                after=event.to_status,
                actor=actor.name if named and actor is not None else None,
                actor_role=actor.role if named and actor is not None else None,
                anonymous=actor is not None and not named,
                note=written if named and written and kind not in _AUTO_NOTES else None,
            )
        )
    return entries
