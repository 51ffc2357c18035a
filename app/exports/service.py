"""CSV exports and iCalendar feeds, built from the same services as the pages and the API.

CSV files are UTF-8 with a byte-order mark so that spreadsheet programs read Chinese
names correctly, and every text cell that a spreadsheet would run as a formula is written
as text (OWASP "CSV injection"). Calendar events use stable UIDs (``booking-<id>@backlot``,
``blackout-<id>@backlot``) and the booking's version as SEQUENCE, so a calendar
updates an event in place when a hold is confirmed. Feed tokens are stored hashed,
shown once, and a feed shows what its creator may see today: revoking the token, the
creator's key, or the creator's scope ends it.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import feed_still_allowed, feeds_scope, manages_base, may_manage_feed, own_crew
from app.bookings.queries import BookingFilter, booking_price, visible_bookings
from app.bookings.schemas import BookingOut
from app.callsheets.service import CallSheet, callsheet_summary, crew_callsheets
from app.catalog.service import get_set
from app.crews.service import get_crew
from app.errors import Forbidden, NotFound
from app.models import Base, Blackout, FeedToken, User, utcnow
from app.occupancy.schemas import BaseOccupancy
from app.security import hash_api_key
from app.timeutil import ordinal, today_local

BOM = "\ufeff"
TOKEN_PREFIX = "blf_"
PRODID = "-//Backlot//Hengdian set bookings//EN"
UID_DOMAIN = "backlot"
# A feed covers recent and coming days, not all history: calendar programs poll it often.
FEED_PAST_DAYS = 90


# --- CSV ------------------------------------------------------------------------------------


# A cell starting with one of these is a formula (or starts one) to Excel, LibreOffice and
# Google Sheets: =HYPERLINK(...) in a booking note would be a live link in the download.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def as_text_cell(value: object) -> object:
    """A CSV cell that no spreadsheet program runs: text that would start a formula gets a
    leading apostrophe, which they show as text (OWASP). Numbers we write ourselves stay
    numbers; every string is checked, whatever it holds (a name, a note, a reason)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Every CSV download is written here: UTF-8 with BOM, formula cells neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([as_text_cell(h) for h in header])
    writer.writerows([as_text_cell(cell) for cell in row] for row in rows)
    return BOM + out.getvalue()


write_csv = _csv
"""The one CSV writer, for other domains' downloads (the extras pay sheet)."""


OCCUPANCY_HEADER = (
    "date", "base", "set_code", "set_name_zh", "set_name_en", "state", "crew", "booking_id",
    "holds", "proposed", "blackout_reason",
)  # fmt: skip


def occupancy_csv(occ: BaseOccupancy) -> str:
    """One row per set and day, as the occupancy grid shows it to the caller."""
    rows: list[list[object]] = []
    for s in occ.sets:
        bookings = {b.id: b for b in s.bookings}
        proposals = {p.id: p for p in s.proposals}
        for i, state in enumerate(s.states):
            day = occ.start + timedelta(days=i)
            booking_id = s.confirmed[i]
            confirmed = bookings.get(booking_id) if booking_id is not None else None
            holds = "; ".join(
                f"{ordinal(bookings[h].rank or 1)} {bookings[h].crew} (#{h})" for h in s.holds[i]
            )
            offers = "; ".join(
                f"{proposals[p].crew} sc. {proposals[p].scene}" for p in s.proposed[i]
            )
            reason = (
                next((b.reason for b in s.blackouts if b.start <= day < b.end), "")
                if state == "blackout"
                else ""
            )
            rows.append([
                day.isoformat(), occ.code, s.code, s.name_zh, s.name_en, state,
                confirmed.crew if confirmed else "", confirmed.id if confirmed else "",
                holds, offers, reason,
            ])  # fmt: skip
    return _csv(OCCUPANCY_HEADER, rows)


BOOKINGS_HEADER = (
    "id", "set_code", "set_name", "base_id", "crew", "start", "last_day", "days", "status",
    "rank", "expires_at", "confirmed_at", "price_yuan", "note",
)  # fmt: skip


def bookings_csv(items: Iterable[BookingOut]) -> str:
    def instant(at: datetime | None) -> str:
        return at.isoformat() if at else ""

    return _csv(
        BOOKINGS_HEADER,
        (
            [
                b.id,
                b.set_code,
                b.set_name,
                b.base_id,
                b.crew_name,
                b.start.isoformat(),
                (b.end - timedelta(days=1)).isoformat(),
                b.days,
                b.status,
                b.rank or "",
                instant(b.expires_at),
                instant(b.confirmed_at),
                b.price,
                b.note,
            ]
            for b in items
        ),
    )


# --- feed tokens ----------------------------------------------------------------------------


def create_feed(
    session: Session, user: User, kind: str, crew_id: int | None, set_id: int | None
) -> tuple[FeedToken, str]:
    """A new secret feed link. Crew feeds: the crew's coordinators; set feeds: its managers."""
    if kind == "crew":
        assert crew_id is not None
        own_crew(session, user, crew_id)
    else:
        assert set_id is not None
        film_set = get_set(session, set_id)
        if not manages_base(user, film_set.base_id):
            raise Forbidden("Only the base's managers or an administrator may share a set's feed.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    feed = FeedToken(
        kind=kind,
        crew_id=crew_id if kind == "crew" else None,
        set_id=set_id if kind == "set" else None,
        token_hash=hash_api_key(token),
        token_prefix=token[:10],
        created_by_id=user.id,
        created_at=utcnow(),
    )
    session.add(feed)
    session.flush()
    return feed, token


def feeds_of(session: Session, user: User) -> list[FeedToken]:
    return list(
        session.scalars(select(FeedToken).where(feeds_scope(user)).order_by(FeedToken.id.desc()))
    )


def revoke_feed(session: Session, user: User, feed_id: int, now: datetime) -> FeedToken:
    feed = session.get(FeedToken, feed_id)
    if feed is None or not may_manage_feed(user, feed):
        raise NotFound(f"Feed {feed_id} not found.")
    if feed.revoked_at is None:
        feed.revoked_at = now
        session.flush()
    return feed


def feed_subject(session: Session, feed: FeedToken) -> str:
    if feed.kind == "crew" and feed.crew_id is not None:
        return get_crew(session, feed.crew_id).name
    if feed.set_id is not None:
        film_set = get_set(session, feed.set_id)
        return f"{film_set.name_zh} {film_set.name_en} ({film_set.code})"
    return "?"


def feed_by_token(session: Session, token: str) -> FeedToken:
    """The live feed behind ``token``: not revoked, its creator active and still in scope."""
    feed = session.scalars(
        select(FeedToken).where(FeedToken.token_hash == hash_api_key(token))
    ).first()
    if feed is None or not feed_still_allowed(session, session.get(User, feed.created_by_id), feed):
        raise NotFound("This calendar feed does not exist or has been revoked.")
    return feed


# --- iCalendar ------------------------------------------------------------------------------


def _event(uid: str, start: date, end: date, summary: str, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", start)  # all-day: DTEND is the first day after, as in [start, end)
    event.add("dtend", end)
    event.add("summary", summary)
    event.add("transp", "OPAQUE")
    return event


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Shanghai")
    return cal


def feed_calendar(session: Session, feed: FeedToken, now: datetime) -> bytes:
    """The feed's events: confirmed days and active holds (and, for a set, its blackouts)."""
    since = today_local(now) - timedelta(days=FEED_PAST_DAYS)
    creator = session.get(User, feed.created_by_id)
    assert creator is not None  # feed_by_token checked it
    sheets: dict[date, CallSheet] = {}
    if feed.kind == "crew":
        assert feed.crew_id is not None
        crew = get_crew(session, feed.crew_id)
        cal = _calendar(f"Backlot · {crew.name}")
        # The crew's own events carry its call sheets, day by day.
        sheets = crew_callsheets(session, crew, now)
    else:
        assert feed.set_id is not None
        film_set = get_set(session, feed.set_id)
        cal = _calendar(f"Backlot · {film_set.name_zh} {film_set.name_en}")
    wanted = BookingFilter(crew_id=feed.crew_id, set_id=feed.set_id, start=since, live=True)
    bases = {b.id: b for b in session.scalars(select(Base))}
    for booking, ahead, _, _ in session.execute(visible_bookings(creator, now, wanted)):
        film = booking.film_set
        base = bases[film.base_id]
        where = f"{film.name_zh} {film.name_en} ({film.code})"
        rank = ordinal(int(ahead) + 1)
        what = "Confirmed" if booking.status == "confirmed" else f"{rank} hold"
        summary = f"{where} — {what}" if feed.kind == "crew" else f"{booking.crew.name} — {what}"
        event = _event(
            f"booking-{booking.id}@{UID_DOMAIN}",
            booking.start_date,
            booking.end_date,
            summary,
            now,
        )
        event.add("sequence", booking.version)
        event.add("status", "CONFIRMED" if booking.status == "confirmed" else "TENTATIVE")
        event.add("location", f"{where}, {base.name_zh} {base.name_en}")
        lines = [f"Booking #{booking.id}: {what.lower()}", f"Crew: {booking.crew.name}"]
        if booking.status == "hold" and booking.expires_at is not None:
            lines.append(f"Lapses {booking.expires_at.isoformat()} unless confirmed")
        lines.append(f"Price: ¥{booking_price(booking):,}")
        if booking.note:
            lines.append(booking.note)
        for i in range(booking.days):
            sheet = sheets.get(booking.start_date + timedelta(days=i))
            if sheet is not None and any(p.set_id == booking.set_id for p in sheet.places):
                lines += ["", callsheet_summary(sheet)]
        event.add("description", "\n".join(lines))
        cal.add_component(event)
    if feed.kind == "set":
        for blackout in session.scalars(
            select(Blackout)
            .where(Blackout.set_id == feed.set_id, Blackout.end_date > since)
            .order_by(Blackout.start_date)
        ):
            event = _event(
                f"blackout-{blackout.id}@{UID_DOMAIN}",
                blackout.start_date,
                blackout.end_date,
                f"Closed: {blackout.reason or 'blackout'}",
                now,
            )
            event.add("status", "CONFIRMED")
            cal.add_component(event)
    ical: bytes = cal.to_ical()
    return ical
