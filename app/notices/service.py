"""Notices: an outbox written in the transaction of the change that causes them.

A service that changes something worth a notice calls one of the functions below on its own
session, before its caller commits: a change rolled back takes its notices with it, a
committed one always has them (and their pending deliveries), whatever happens to the
process next. ``backlot notify`` (``app.notices.worker``) delivers them, at least once.

``record(session, user_ids, kind, payload)`` is the one entry point; the others compute who
hears and what they read. Other features (the breakdown import) call ``record`` with their
own kind (``import_finished``).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from app.access import base_managers_stmt, crew_coordinators_stmt, notices_scope
from app.bookings.queries import active_hold, ahead_of, confirmed_over, overlaps
from app.config import get_settings
from app.models import (
    NOTICE_KINDS,
    Booking,
    Notice,
    NoticeDelivery,
    NoticePreference,
    User,
    WebhookSubscription,
    utcnow,
)
from app.web.i18n import Lang, Translator

LAPSE_WARNING = timedelta(hours=24)


# --- writing notices ------------------------------------------------------------------------


def record(
    session: Session,
    user_ids: Iterable[int],
    kind: str,
    payload: dict[str, Any],
    *,
    dedupe_key: str | None = None,
    now: datetime | None = None,
) -> list[Notice]:
    """Write one notice per user, with a pending delivery per channel the user has chosen:
    each active webhook subscribed to ``kind``, and e-mail when on (and SMTP configured).

    With ``dedupe_key``, a user who already has a notice of that key gets none.
    """
    if kind not in NOTICE_KINDS:
        raise ValueError(f"unknown notice kind {kind!r}")
    ids = sorted(set(user_ids))
    if not ids:
        return []
    now = now or utcnow()
    if dedupe_key is not None:
        had = set(
            session.scalars(
                select(Notice.user_id).where(
                    Notice.user_id.in_(ids), Notice.dedupe_key == dedupe_key
                )
            )
        )
        ids = [i for i in ids if i not in had]
    hooks: dict[int, list[int]] = {}
    for hook in session.scalars(
        select(WebhookSubscription).where(
            WebhookSubscription.user_id.in_(ids), WebhookSubscription.active
        )
    ):
        if kind in hook.kinds:
            hooks.setdefault(hook.user_id, []).append(hook.id)
    mail = set()
    if get_settings().smtp_host:
        mail = set(
            session.scalars(
                select(NoticePreference.user_id).where(
                    NoticePreference.user_id.in_(ids),
                    NoticePreference.email_enabled,
                    NoticePreference.email != "",
                )
            )
        )
    made = []
    for user_id in ids:
        notice = Notice(
            id=uuid.uuid4(),
            user_id=user_id,
            kind=kind,
            payload=payload,
            created_at=now,
            dedupe_key=dedupe_key,
        )
        session.add(notice)
        for hook_id in hooks.get(user_id, []):
            session.add(
                NoticeDelivery(
                    notice_id=notice.id,
                    channel="webhook",
                    subscription_id=hook_id,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
        if user_id in mail:
            session.add(
                NoticeDelivery(
                    notice_id=notice.id, channel="email", next_attempt_at=now, created_at=now
                )
            )
        made.append(notice)
    session.flush()
    return made


def booking_payload(b: Booking) -> dict[str, Any]:
    """What every booking notice says about the booking (its own crew and set)."""
    film_set = b.film_set
    return {
        "booking_id": b.id,
        "crew_id": b.crew_id,
        "crew": b.crew.name,
        "set_id": b.set_id,
        "set_code": film_set.code,
        "set_name_zh": film_set.name_zh,
        "set_name_en": film_set.name_en,
        "base_id": film_set.base_id,
        "start": b.start_date.isoformat(),
        "end": b.end_date.isoformat(),
    }


def _coordinators(session: Session, crew_id: int, actor: User | None) -> list[int]:
    found = session.scalars(crew_coordinators_stmt(crew_id))
    return [i for i in found if actor is None or i != actor.id]


def _managers(session: Session, base_id: int, actor: User | None) -> list[int]:
    found = session.scalars(base_managers_stmt(base_id))
    return [i for i in found if actor is None or i != actor.id]


def holds_challenged(
    session: Session, challenged: Iterable[Booking], actor: User, now: datetime
) -> None:
    """Each challenged hold's crew hears the deadline that really applies to it: the earlier
    of its own lapse time and the challenge's window."""
    for hold in challenged:
        assert hold.expires_at is not None
        payload = {**booking_payload(hold), "deadline": hold.expires_at.isoformat()}
        record(session, _coordinators(session, hold.crew_id, actor), "hold_challenged",
               payload, now=now)  # fmt: skip


def booking_changed(session: Session, booking: Booking, kind: str, actor: User | None) -> None:
    """The managers of the booking's base hear that it was confirmed or cancelled."""
    record(session, _managers(session, booking.film_set.base_id, actor), kind,
           booking_payload(booking))  # fmt: skip


def holds_now_first(
    session: Session,
    set_id: int,
    start: date,
    end: date,
    now: datetime,
    *,
    after: tuple[datetime, int] | None = None,
    actor: User | None = None,
) -> None:
    """Days [start, end) of a set were freed (a hold released or lapsed, a booking cancelled):
    the holds on them now 1st, with nothing confirmed over them, tell their crews so, once
    per hold. ``after``: (placed_at, id) of a freed hold; only holds placed after it moved."""
    other = aliased(Booking)
    stmt = select(Booking).where(
        Booking.set_id == set_id,
        active_hold(Booking, now),
        overlaps(Booking, start, end),
        ~exists().where(ahead_of(other, Booking, now)),
        ~exists().where(confirmed_over(other, Booking)),
    )
    if after is not None:
        placed, booking_id = after
        stmt = stmt.where(
            or_(
                Booking.placed_at > placed,
                and_(Booking.placed_at == placed, Booking.id > booking_id),
            )
        )
    for hold in session.scalars(stmt.order_by(Booking.placed_at, Booking.id)):
        record(session, _coordinators(session, hold.crew_id, actor), "hold_first",
               booking_payload(hold), dedupe_key=f"hold_first:{hold.id}", now=now)  # fmt: skip


def plan_proposals(
    session: Session, run_id: int, crews: dict[int, tuple[str, int, int]], now: datetime
) -> None:
    """Each crew whose proposal changed in run ``run_id`` hears of it: crews maps a crew id
    to (name, scenes, shooting days)."""
    for crew_id, (name, scenes, days) in sorted(crews.items()):
        payload = {"run_id": run_id, "crew_id": crew_id, "crew": name, "scenes": scenes,
                   "days": days}  # fmt: skip
        record(session, _coordinators(session, crew_id, None), "plan_proposal", payload, now=now)


def import_finished(session: Session, user_ids: Collection[int], payload: dict[str, Any]) -> None:
    """For the import feature: ``payload`` should carry a one-line ``summary``."""
    record(session, user_ids, "import_finished", payload)


def scan_lapsing(session: Session, now: datetime) -> int:
    """Holds that lapse within 24 hours warn their crews once (per lapse time: a hold whose
    deadline moves, by a challenge, warns again). Run by the notify worker."""
    count = 0
    for hold in session.scalars(
        select(Booking)
        .where(active_hold(Booking, now), Booking.expires_at <= now + LAPSE_WARNING)
        .order_by(Booking.expires_at, Booking.id)
    ):
        assert hold.expires_at is not None
        payload = {**booking_payload(hold), "deadline": hold.expires_at.isoformat()}
        key = f"hold_lapses_soon:{hold.id}:{hold.expires_at.isoformat()}"
        made = record(session, _coordinators(session, hold.crew_id, None), "hold_lapses_soon",
                      payload, dedupe_key=key, now=now)  # fmt: skip
        count += len(made)
    return count


# --- reading notices --------------------------------------------------------------------------


def unread_count(session: Session, user: User) -> int:
    stmt = select(func.count()).where(notices_scope(user), Notice.read_at.is_(None))
    return int(session.scalar(stmt) or 0)


def inbox_stmt(user: User, unread_only: bool = False) -> Any:
    stmt = select(Notice).where(notices_scope(user))
    if unread_only:
        stmt = stmt.where(Notice.read_at.is_(None))
    return stmt.order_by(Notice.created_at.desc(), Notice.id)


def mark_read(notice: Notice, now: datetime) -> Notice:
    if notice.read_at is None:
        notice.read_at = now
    return notice


def mark_all_read(session: Session, user: User, now: datetime) -> None:
    session.execute(
        update(Notice).where(notices_scope(user), Notice.read_at.is_(None)).values(read_at=now)
    )


def language_of(session: Session, user_id: int) -> Lang:
    found = session.scalar(
        select(NoticePreference.language).where(NoticePreference.user_id == user_id)
    )
    return "en" if found == "en" else "zh"


# --- what a notice says -------------------------------------------------------------------


def _when(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def notice_text(kind: str, payload: dict[str, Any], lang: Lang) -> tuple[str, str]:
    """(title, sentence) of a notice in ``lang``."""
    t = Translator(lang)
    p = dict(payload)
    if "set_code" in p:
        name = t.name(str(p.get("set_name_zh", "")), str(p.get("set_name_en", "")))
        p["set"] = f"{name} ({p['set_code']})"
    if "start" in p and "end" in p:
        try:
            p["days"] = t.span(date.fromisoformat(p["start"]), date.fromisoformat(p["end"]))
        except (TypeError, ValueError):
            p["days"] = f"{p['start']}–{p['end']}"
    if "deadline" in p:
        p["deadline"] = t.instant(_when(p["deadline"]))
    if kind == "plan_proposal":
        p["scenes"] = t.count(int(p.get("scenes", 0)), "scene")
        p["days"] = t.count(int(p.get("days", 0)), "day")
    p.setdefault("summary", "")
    try:
        text = t(f"notice.{kind}", **p)
    except (KeyError, IndexError, ValueError):
        text = t(f"kind.{kind}") if f"kind.{kind}" in _KINDS else kind
    title = t(f"kind.{kind}") if f"kind.{kind}" in _KINDS else kind
    return title, text


_KINDS = {f"kind.{k}" for k in NOTICE_KINDS}


def notice_link(kind: str, payload: dict[str, Any]) -> str | None:
    """The page a notice is about."""
    if "booking_id" in payload and "crew_id" in payload:
        if kind in ("booking_confirmed", "booking_cancelled"):
            return "/ui/bookings?past=true" if kind == "booking_cancelled" else "/ui/bookings"
        return f"/ui/bookings?crew={payload['crew_id']}#b{payload['booking_id']}"
    if kind == "plan_proposal":
        return f"/ui/plans/{payload.get('run_id')}?crew={payload.get('crew_id')}"
    if kind == "webhook_disabled":
        return "/ui/settings"
    return None


def set_preferences(session: Session, user: User, fields: dict[str, Any]) -> NoticePreference:
    pref = session.get(NoticePreference, user.id)
    if pref is None:
        pref = NoticePreference(user_id=user.id)
        session.add(pref)
    for name, value in fields.items():
        setattr(pref, name, value)
    # E-mail on without an address sends nothing: the settings page says so.
    session.flush()
    return pref
