"""The extras pool's rules: register, private links, crews' requests, attendance and pay.

Dispatch runs live in :mod:`app.extras.run`. Money is integer yuan; a performer's phone
number and birth year leave this module only in the office's model (``performer_out``).
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, and_, delete, select
from sqlalchemy.orm import Session

from app.access import (
    dispatches_base,
    keeps_register,
    may_change_extras_request,
    performer_link_still_allowed,
    require_dispatches,
    sees_performer_contacts,
    works_for_crew,
)
from app.errors import Conflict, Forbidden, InvalidInput, NotFound, PreconditionFailed
from app.exports.service import write_csv
from app.extras.schemas import (
    AssignmentOut,
    Attendance,
    PayLine,
    PayRuleIn,
    PerformerCreate,
    PerformerCrewView,
    PerformerOut,
    RequestCreate,
    RequestOut,
)
from app.lookup import get_or_404, taken
from app.models import (
    Base,
    Booking,
    Crew,
    ExtrasAssignment,
    ExtrasRequest,
    ExtrasRequestEvent,
    FilmSet,
    PayRule,
    Performer,
    PerformerLink,
    PerformerUnavailable,
    Proposal,
    User,
    utcnow,
)
from app.security import hash_api_key
from app.timeutil import base_zone, local_text
from scheduler.dispatch import Profile

LINK_PREFIX = "blp_"

# --- the register --------------------------------------------------------------------------


def performer_out(p: Performer, viewer: User) -> PerformerOut | PerformerCrewView:
    """The office sees everything; anyone else the crew's view (no phone, no birth year)."""
    crew_view = PerformerCrewView(
        id=p.id, name=p.name, card_no=p.card_no, category=p.category, tags=p.tags
    )
    if not sees_performer_contacts(viewer):
        return crew_view
    return PerformerOut(
        **crew_view.model_dump(),
        gender=p.gender,
        birth_year=p.birth_year,
        height_cm=p.height_cm,
        phone=p.phone,
        skills=p.skills,
        looks=p.looks,
        dialects=p.dialects,
        wardrobe=p.wardrobe,
        status=p.status,
        max_days_per_week=p.max_days_per_week,
        unavailable=[u.day for u in p.unavailable],
    )


def get_performer(session: Session, performer_id: int) -> Performer:
    return get_or_404(session, Performer, performer_id, f"Performer {performer_id} not found.")


def create_performer(session: Session, body: PerformerCreate) -> Performer:
    if taken(session, Performer.card_no == body.card_no):
        raise Conflict(f"A performer with guild card number {body.card_no} already exists.")
    performer = Performer(**body.model_dump())
    session.add(performer)
    session.flush()
    return performer


def performers_stmt(q: str | None) -> Select[Performer]:
    """The register in name order; ``q`` finds a name (part of it) or a card number."""
    stmt = select(Performer).order_by(Performer.name, Performer.id)
    if q:
        stmt = stmt.where((Performer.name.contains(q)) | (Performer.card_no == q))
    return stmt


def update_performer(session: Session, performer: Performer, changes: dict[str, Any]) -> None:
    days = changes.pop("unavailable", None)
    nullable = {"birth_year", "height_cm"}
    for name, value in changes.items():
        if value is None and name not in nullable:
            continue  # null for a required field leaves it as it is
        setattr(performer, name, value)
    if days is not None:
        performer.unavailable = [PerformerUnavailable(day=d) for d in sorted(set(days))]
    session.flush()


def set_unavailable(session: Session, performer: Performer, day: date, off: bool) -> None:
    """The performer's own mark: a day they cannot work (or can again)."""
    have = {u.day for u in performer.unavailable}
    if off and day not in have:
        performer.unavailable.append(PerformerUnavailable(day=day))
    elif not off and day in have:
        performer.unavailable = [u for u in performer.unavailable if u.day != day]
    session.flush()


# --- private links -------------------------------------------------------------------------


def create_link(session: Session, user: User, performer: Performer) -> tuple[PerformerLink, str]:
    """A new secret link for the performer, shown once; only its SHA-256 is kept."""
    token = LINK_PREFIX + secrets.token_urlsafe(32)
    link = PerformerLink(
        performer_id=performer.id,
        token_hash=hash_api_key(token),
        token_prefix=token[:10],
        created_by_id=user.id,
        created_at=utcnow(),
    )
    session.add(link)
    session.flush()
    return link, token


def revoke_link(session: Session, link_id: int, now: datetime) -> PerformerLink:
    link = get_or_404(session, PerformerLink, link_id, f"Link {link_id} not found.")
    if link.revoked_at is None:
        link.revoked_at = now
        session.flush()
    return link


def performer_by_token(session: Session, token: str) -> Performer:
    """The performer behind a live link; 404 for an unknown or revoked one, or one whose
    creator has lost the access it was made with."""
    link = session.scalars(
        select(PerformerLink).where(PerformerLink.token_hash == hash_api_key(token))
    ).first()
    creator = session.get(User, link.created_by_id) if link and link.created_by_id else None
    if link is None or not performer_link_still_allowed(creator, link):
        raise NotFound("This link does not exist or has been revoked.")
    return get_performer(session, link.performer_id)


def performer_days(
    session: Session, performer: Performer, since: date
) -> list[tuple[ExtrasAssignment, ExtrasRequest, Crew, FilmSet]]:
    """The performer's own assignments from ``since``: nobody else's."""
    rows = session.execute(
        select(ExtrasAssignment, ExtrasRequest, Crew, FilmSet)
        .join(ExtrasRequest, ExtrasRequest.id == ExtrasAssignment.request_id)
        .join(Crew, Crew.id == ExtrasRequest.crew_id)
        .join(FilmSet, FilmSet.id == ExtrasRequest.set_id)
        .where(ExtrasAssignment.performer_id == performer.id, ExtrasAssignment.day >= since)
        .order_by(ExtrasAssignment.day)
    )
    return [(a, r, c, s) for a, r, c, s in rows]


# --- requests ------------------------------------------------------------------------------


def cutoff(base: Base, day: date) -> datetime:
    """Requests for ``day`` close at the base's cut-off hour of the day before (Shanghai)."""
    local = datetime.combine(day - timedelta(days=1), time(base.extras_cutoff_hour), base_zone())
    return local.astimezone(UTC)


def shoots_on(session: Session, crew_id: int, set_id: int, day: date) -> bool:
    """A shooting day: a confirmed booking of the set, or an accepted proposal on it."""
    booked = taken(
        session,
        Booking.crew_id == crew_id,
        Booking.set_id == set_id,
        Booking.status == "confirmed",
        Booking.start_date <= day,
        Booking.end_date > day,
    )
    if booked:
        return True
    for start, days in session.execute(
        select(Proposal.date, Proposal.days).where(
            Proposal.crew_id == crew_id,
            Proposal.set_id == set_id,
            Proposal.accepted_at.is_not(None),
            Proposal.date <= day,
        )
    ):
        if day < start + timedelta(days=days):
            return True
    return False


def shooting_days(
    session: Session, crew_id: int, since: date, until: date
) -> list[tuple[date, FilmSet]]:
    """The crew's shooting days in [since, until) with their set, as ``shoots_on`` counts them:
    confirmed bookings and accepted plan proposals."""
    found: set[tuple[date, int]] = set()
    for start, end, set_id in session.execute(
        select(Booking.start_date, Booking.end_date, Booking.set_id).where(
            Booking.crew_id == crew_id,
            Booking.status == "confirmed",
            Booking.end_date > since,
            Booking.start_date < until,
        )
    ):
        d = max(start, since)
        while d < min(end, until):
            found.add((d, set_id))
            d += timedelta(days=1)
    for start, days, set_id in session.execute(
        select(Proposal.date, Proposal.days, Proposal.set_id).where(
            Proposal.crew_id == crew_id,
            Proposal.accepted_at.is_not(None),
            Proposal.date < until,
        )
    ):
        for k in range(days):
            d = start + timedelta(days=k)
            if since <= d < until:
                found.add((d, set_id))
    sets = {
        s.id: s
        for s in session.scalars(select(FilmSet).where(FilmSet.id.in_({i for _, i in found})))
    }
    return sorted(((d, sets[i]) for d, i in found), key=lambda x: (x[0], x[1].code))


def profile_of(r: ExtrasRequest) -> Profile:
    return Profile(
        tags=frozenset(r.tags),
        categories=frozenset(r.categories),
        gender=r.gender,
        age_min=r.age_min,
        age_max=r.age_max,
        height_min=r.height_min,
        height_max=r.height_max,
    )


def _event(session: Session, r: ExtrasRequest, user: User | None, action: str, note: str) -> None:
    session.add(
        ExtrasRequestEvent(
            request_id=r.id, actor_id=user.id if user else None, action=action, note=note
        )
    )


def _counted(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _require_open(user: User, crew: Crew, base: Base, day: date, now: datetime) -> None:
    """Orders and changes of a base's requests close at its cut-off, except for its office."""
    closes = cutoff(base, day)
    if may_change_extras_request(user, crew.id, base.id, now < closes):
        return
    if works_for_crew(user, crew.id):
        raise Conflict(
            f"Requests for {day} closed at {local_text(closes)} (the base's cut-off): "
            "contact the extras office to order or change extras for that day."
        )
    raise Forbidden(f"Only the extras office of {base.code} or an administrator may do this.")


def _shooting_set(session: Session, crew: Crew, set_id: int, day: date) -> FilmSet:
    film_set = get_or_404(session, FilmSet, set_id, f"Set {set_id} not found.")
    if not shoots_on(session, crew.id, film_set.id, day):
        raise Conflict(
            f"{crew.name} does not shoot on {film_set.code} on {day}: extras are ordered "
            "for a confirmed booking or an accepted plan proposal of the crew."
        )
    return film_set


def _check_profile(
    age_min: int | None, age_max: int | None, height_min: int | None, height_max: int | None
) -> None:
    if age_min is not None and age_max is not None and age_min > age_max:
        raise InvalidInput("age_min: must not be above age_max.")
    if height_min is not None and height_max is not None and height_min > height_max:
        raise InvalidInput("height_min: must not be above height_max.")


def _check_continuity(session: Session, crew: Crew, continuity_of: int, day: date) -> None:
    earlier = session.get(ExtrasRequest, continuity_of)
    if earlier is None or earlier.crew_id != crew.id:
        raise InvalidInput(f"continuity_of: {crew.name} has no request {continuity_of}.")
    if earlier.day >= day:
        raise InvalidInput("continuity_of: must be a request for an earlier day.")


def create_request(
    session: Session, user: User, crew: Crew, body: RequestCreate, now: datetime
) -> ExtrasRequest:
    film_set = _shooting_set(session, crew, body.set_id, body.day)
    base = film_set.base
    _require_open(user, crew, base, body.day, now)
    _check_profile(body.age_min, body.age_max, body.height_min, body.height_max)
    if body.continuity_of is not None:
        _check_continuity(session, crew, body.continuity_of, body.day)
    fields = body.model_dump(exclude={"continuity_of", "set_id"})
    r = ExtrasRequest(
        **fields,
        crew_id=crew.id,
        set_id=film_set.id,
        base_id=base.id,
        continuity_of_id=body.continuity_of,
        status="open",
        created_by_id=user.id,
        created_at=now,
    )
    session.add(r)
    session.flush()
    _event(session, r, user, "created", f"{r.count} × {profile_of(r).describe()}")
    session.flush()
    return r


# A change of who fits or where withdraws the request's proposed performers.
WHO_AND_WHERE = frozenset(
    {"set_id", "gender", "age_min", "age_max", "height_min", "height_max", "categories", "tags"}
)
# Fields a change may clear with null; null leaves any other field as it is.
CLEARABLE = frozenset({"gender", "age_min", "age_max", "height_min", "height_max", "continuity_of"})


def _said(value: object) -> str:
    if value is None or value == []:
        return "none"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _assigned(session: Session, r: ExtrasRequest) -> dict[str, int]:
    found = {"proposed": 0, "confirmed": 0}
    for status in session.scalars(
        select(ExtrasAssignment.status).where(ExtrasAssignment.request_id == r.id)
    ):
        found[status] += 1
    return found


def _lock(session: Session, r: ExtrasRequest) -> None:
    """Re-read the request under its row lock: concurrent changes queue, none is lost."""
    session.refresh(r, with_for_update=True)


def change_request(
    session: Session,
    user: User,
    r: ExtrasRequest,
    changes: dict[str, Any],
    now: datetime,
    expected: Collection[int] | None = None,
) -> int:
    """Change a request, audited; returns how many proposed performers were withdrawn.

    The crew changes it before the base's cut-off, the office any time; a move to another set
    must be open on both bases. ``expected``: the versions the caller's copy may have (If-Match),
    None for any. Confirmed performers never move: the count cannot go below them (409, naming
    them), and they stay whatever else changes. A change of who fits or where (profile, set), or
    fewer slots than are filled, withdraws the request's proposed performers for the next
    dispatch to propose again; call time, hours, notes, priority and continuity keep them.
    """
    _lock(session, r)
    if expected is not None and r.version not in expected:
        raise PreconditionFailed(
            f"Request #{r.id} has changed since you loaded it (now version {r.version}); "
            "reload it and try again."
        )
    if r.status == "cancelled":
        raise Conflict(f"Request #{r.id} is cancelled: order a new one.")
    crew = get_or_404(session, Crew, r.crew_id, "Crew not found.")
    _require_open(user, crew, get_or_404(session, Base, r.base_id, "Base not found."), r.day, now)
    wanted = {k: v for k, v in changes.items() if v is not None or k in CLEARABLE}
    moved_to: FilmSet | None = None
    if wanted.get("set_id", r.set_id) != r.set_id:
        moved_to = _shooting_set(session, crew, wanted["set_id"], r.day)
        _require_open(user, crew, moved_to.base, r.day, now)

    def after(name: str) -> Any:
        return wanted.get(name, getattr(r, name))

    _check_profile(after("age_min"), after("age_max"), after("height_min"), after("height_max"))
    if wanted.get("continuity_of") is not None:
        _check_continuity(session, crew, wanted["continuity_of"], r.day)
    held = _assigned(session, r)
    if after("count") < held["confirmed"]:
        n = held["confirmed"]
        raise Conflict(
            f"{_counted(n, 'performer')} {'is' if n == 1 else 'are'} already confirmed for "
            f"request #{r.id}: the count cannot go below {n}.",
            confirmed=n,
        )
    said: list[str] = []
    changed: set[str] = set()
    for name, value in wanted.items():
        column = "continuity_of_id" if name == "continuity_of" else name
        if getattr(r, column) != value:
            said.append(f"{name} {_said(getattr(r, column))} → {_said(value)}")
            changed.add(name)
            setattr(r, column, value)
    if not changed:
        return 0
    if moved_to is not None:
        r.base_id = moved_to.base_id
    withdrawn = 0
    if changed & WHO_AND_WHERE or r.count < held["confirmed"] + held["proposed"]:
        withdrawn = held["proposed"]
        session.execute(
            delete(ExtrasAssignment).where(
                ExtrasAssignment.request_id == r.id, ExtrasAssignment.status == "proposed"
            )
        )
        if withdrawn:
            said.append(f"{_counted(withdrawn, 'proposed performer')} withdrawn")
    _event(session, r, user, "changed", "; ".join(said))
    session.flush()
    return withdrawn


def cancel_request(
    session: Session, user: User, r: ExtrasRequest, reason: str, now: datetime
) -> ExtrasRequest:
    """Cancel a request and free its performers; audited. After the cut-off: the office only."""
    _lock(session, r)
    if r.status == "cancelled":
        return r
    base = get_or_404(session, Base, r.base_id, "Base not found.")
    if not may_change_extras_request(user, r.crew_id, r.base_id, now < cutoff(base, r.day)):
        raise Forbidden(
            "The cut-off for this day has passed: only the extras office may cancel now."
        )
    freed = list(
        session.scalars(select(ExtrasAssignment).where(ExtrasAssignment.request_id == r.id))
    )
    dropped = len(freed)
    session.execute(delete(ExtrasAssignment).where(ExtrasAssignment.request_id == r.id))
    r.status = "cancelled"
    note = f"{reason} ({_counted(dropped, 'assignment')} freed)".strip()
    _event(session, r, user, "cancelled", note)
    session.flush()
    return r


def request_out(
    session: Session, r: ExtrasRequest, viewer: User, unfilled: str | None = None
) -> RequestOut:
    crew = get_or_404(session, Crew, r.crew_id, "Crew not found.")
    film_set = get_or_404(session, FilmSet, r.set_id, "Set not found.")
    rows = session.execute(
        select(ExtrasAssignment, Performer)
        .join(Performer, Performer.id == ExtrasAssignment.performer_id)
        .where(ExtrasAssignment.request_id == r.id)
        .order_by(Performer.name, Performer.id)
    )
    assignments = [
        AssignmentOut(
            id=a.id,
            request_id=a.request_id,
            day=a.day,
            status=a.status,
            continuity=a.continuity,
            attendance=a.attendance,
            hours_worked=a.hours_worked,
            tasks=a.tasks,
            performer=performer_out(p, viewer),
        )
        for a, p in rows
    ]
    return RequestOut(
        id=r.id,
        crew_id=r.crew_id,
        crew_name=crew.name,
        set_id=r.set_id,
        set_code=film_set.code,
        base_id=r.base_id,
        day=r.day,
        count=r.count,
        profile=profile_of(r).describe(),
        gender=r.gender,
        age_min=r.age_min,
        age_max=r.age_max,
        height_min=r.height_min,
        height_max=r.height_max,
        categories=r.categories,
        tags=r.tags,
        priority=r.priority,
        call_time=r.call_time,
        hours=r.hours,
        wardrobe_notes=r.wardrobe_notes,
        continuity_of=r.continuity_of_id,
        status=r.status,
        version=r.version,
        cutoff=cutoff(film_set.base, r.day),
        assignments=assignments,
        unfilled=unfilled,
    )


# --- attendance and pay --------------------------------------------------------------------


def assignment_for_office(session: Session, user: User, assignment_id: int) -> ExtrasAssignment:
    a = get_or_404(session, ExtrasAssignment, assignment_id, "Assignment not found.")
    r = get_or_404(session, ExtrasRequest, a.request_id, "Assignment not found.")
    if not dispatches_base(user, r.base_id):
        if works_for_crew(user, r.crew_id):
            raise Forbidden("Attendance is recorded by the extras office.")
        raise NotFound("Assignment not found.")
    return a


def record_attendance(session: Session, a: ExtrasAssignment, body: Attendance) -> None:
    if a.status != "confirmed":
        raise Conflict("Attendance is recorded for confirmed assignments only: publish first.")
    a.attendance = body.attendance
    a.hours_worked = 0 if body.attendance == "absent" else body.hours_worked
    a.tasks = sorted(set(body.tasks))
    session.flush()


def put_pay_rule(
    session: Session, user: User, base: Base, category: str, body: PayRuleIn
) -> PayRule:
    require_dispatches(user, base.id)
    rule = session.get(PayRule, (base.id, category))
    if rule is None:
        rule = PayRule(base_id=base.id, category=category)
        session.add(rule)
    for name, value in body.model_dump().items():
        setattr(rule, name, value)
    rule.surcharges = {k.replace("\x00", ""): v for k, v in body.surcharges.items()}
    session.flush()
    return rule


def night_hours(call_time: str, hours: int, start: int, end: int) -> int:
    """Whole hours of [call, call + hours) inside the night window (e.g. 0-5, or 22-5)."""
    hh, mm = (int(x) for x in call_time.split(":"))
    begin = hh * 60 + mm
    finish = begin + hours * 60
    minutes = 0
    for k in range(-1, 3):  # the window on the day before, the day, and the two after
        lo = start * 60 + k * 1440
        hi = (end if end > start else end + 24) * 60 + k * 1440
        minutes += max(0, min(finish, hi) - max(begin, lo))
    return minutes // 60


def pay_line(
    a: ExtrasAssignment, r: ExtrasRequest, p: Performer, crew: Crew, rule: PayRule | None
) -> PayLine:
    worked = a.attendance in ("present", "late")
    hours = (a.hours_worked if a.hours_worked is not None else r.hours) if worked else 0
    if rule is None or not worked:
        base_fee = overtime = night = extra = 0
        pct = rule.commission_pct if rule else 0
    else:
        base_fee = rule.base_fee
        overtime = max(0, hours - rule.standard_hours) * rule.overtime_per_hour
        night = night_hours(r.call_time, hours, rule.night_start, rule.night_end) * (
            rule.night_per_hour
        )
        extra = sum(rule.surcharges.get(t, 0) for t in a.tasks)
        pct = rule.commission_pct
    gross = base_fee + overtime + night + extra
    commission = (gross * pct + 50) // 100
    return PayLine(
        assignment_id=a.id,
        performer=p.name,
        card_no=p.card_no,
        category=p.category,
        crew=crew.name,
        day=a.day,
        attendance=a.attendance,
        hours=hours,
        base_fee=base_fee,
        overtime=overtime,
        night=night,
        surcharges=extra,
        gross=gross,
        commission=commission,
        net=gross - commission,
    )


def pay_sheet(session: Session, user: User, day: date, crew_id: int) -> list[PayLine]:
    """A crew's pay sheet for a day: its office (or admin) and its coordinators."""
    crew = get_or_404(session, Crew, crew_id, "Crew not found.")
    rows = list(
        session.execute(
            select(ExtrasAssignment, ExtrasRequest, Performer)
            .join(ExtrasRequest, ExtrasRequest.id == ExtrasAssignment.request_id)
            .join(Performer, Performer.id == ExtrasAssignment.performer_id)
            .where(
                and_(
                    ExtrasRequest.crew_id == crew.id,
                    ExtrasAssignment.day == day,
                    ExtrasAssignment.status == "confirmed",
                )
            )
            .order_by(Performer.name, Performer.id)
        )
    )
    if not works_for_crew(user, crew.id):
        if not keeps_register(user):
            raise NotFound("Crew not found.")
        rows = [row for row in rows if dispatches_base(user, row[1].base_id)]
    rules = {(rule.base_id, rule.category): rule for rule in session.scalars(select(PayRule))}
    return [pay_line(a, r, p, crew, rules.get((r.base_id, p.category))) for a, r, p in rows]


PAY_HEADER = (
    "performer", "card_no", "category", "crew", "day", "attendance", "hours", "base_fee_yuan",
    "overtime_yuan", "night_yuan", "surcharges_yuan", "gross_yuan", "guild_commission_yuan",
    "net_yuan",
)  # fmt: skip


def _pay_rows(lines: Sequence[PayLine]) -> list[list[object]]:
    return [
        [
            x.performer, x.card_no, x.category, x.crew, x.day.isoformat(), x.attendance or "",
            x.hours, x.base_fee, x.overtime, x.night, x.surcharges, x.gross, x.commission, x.net,
        ]
        for x in lines
    ]  # fmt: skip


def pay_csv(lines: Sequence[PayLine]) -> str:
    return write_csv(PAY_HEADER, _pay_rows(lines))


def pay_xlsx(lines: Sequence[PayLine]) -> bytes:
    """The same sheet as .xlsx; text cells that would start a formula are kept as text."""
    import io

    from openpyxl import Workbook

    from app.exports.service import as_text_cell

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "pay"
    sheet.append(list(PAY_HEADER))
    for row in _pay_rows(lines):
        sheet.append([as_text_cell(cell) for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
