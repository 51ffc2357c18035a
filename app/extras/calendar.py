"""A performer's own assignments as iCalendar: stable UIDs, one all-day event per day."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from app.exports.service import UID_DOMAIN, _calendar, _event
from app.extras.service import performer_days
from app.models import Performer


def performer_calendar(session: Session, performer: Performer, since: date, now: datetime) -> bytes:
    cal = _calendar(f"Backlot · {performer.name}")
    for a, r, crew, film_set in performer_days(session, performer, since):
        what = "Confirmed" if a.status == "confirmed" else "Proposed"
        event = _event(
            f"extras-{a.id}@{UID_DOMAIN}",
            a.day,
            a.day + timedelta(days=1),
            f"{crew.name} — {film_set.name_zh} {film_set.name_en} ({what})",
            now,
        )
        event.add("status", "CONFIRMED" if a.status == "confirmed" else "TENTATIVE")
        event.add("location", f"{film_set.name_zh} {film_set.name_en} ({film_set.code})")
        lines = [f"Call {r.call_time}, {r.hours} h"]
        if r.wardrobe_notes:
            lines.append(r.wardrobe_notes)
        event.add("description", "\n".join(lines))
        cal.add_component(event)
    ical: bytes = cal.to_ical()
    return ical
