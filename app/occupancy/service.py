"""Occupancy of bases: every set's state per day and the figures derived from it.

A handful of set-based queries per call, whatever the number of sets or days: the
sets, their blackouts, the confirmed bookings and active holds touching the range
(each hold with its rank, computed in SQL by the booking rules' own
``rank_columns``), and the latest plan run's proposals. Everything else is
arithmetic on those rows; nothing is fetched per set or per day.

Revenue rule: a confirmed booking's fixed price is spread over its days, and a
range earns the share of the days it contains. Shares are whole yuan and exact:
day ``i`` (0-based) of an ``n``-day booking priced ``p`` earns
``p*(i+1)//n - p*i//n``, so the shares of any split of a booking (months, weeks)
add up to its price exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Date, Integer, Select, bindparam, case, literal, select
from sqlalchemy.orm import Session

from app.access import manages_base, visible_base, visible_bases_stmt
from app.bookings.queries import live, overlaps, quoted_price, rank_columns
from app.errors import InvalidInput
from app.models import (
    Blackout,
    Booking,
    Crew,
    FilmSet,
    Proposal,
    Scene,
    User,
    UTCDateTime,
)
from app.occupancy.schemas import (
    BaseOccupancy,
    OccupancySummary,
    View,
)
from app.planning.service import latest_run_id

# A quarter: a month view with its neighbours, never the whole history in one call.
MAX_RANGE_DAYS = 92


def check_range(start: date, end: date) -> int:
    """Days in [start, end); refuses empty, reversed and over-long ranges."""
    days = (end - start).days
    if days <= 0:
        raise InvalidInput("end must be after start: ranges are whole days [start, end).")
    if days > MAX_RANGE_DAYS:
        raise InvalidInput(
            f"Ask for at most {MAX_RANGE_DAYS} days at a time; this range spans {days}."
        )
    return days


def view_of(user: User, base_id: int) -> View:
    return "full" if manages_base(user, base_id) else "free_busy"


def price_share(price: int, b_start: date, b_end: date, start: date, end: date) -> int:
    """The part of a booking's price earned by the days of [start, end) (exact, whole yuan)."""
    n = (b_end - b_start).days
    lo = max(0, (start - b_start).days)
    hi = min(n, (end - b_start).days)
    if n <= 0 or hi <= lo:
        return 0
    return price * hi // n - price * lo // n


# --- loading ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Booking:
    id: int
    crew_id: int
    crew: str
    crew_code: str
    status: str
    start: date
    end: date
    price: int | None
    until: datetime | None
    rank: int | None


@dataclass(slots=True)
class _Proposal:
    id: int
    scene_id: int
    scene: str
    crew_id: int
    crew: str
    crew_code: str
    date: date
    days: int


@dataclass(slots=True)
class _Set:
    id: int
    base_id: int
    code: str
    name_zh: str
    name_en: str
    kind: str
    day_rate: int
    blackouts: list[tuple[date, date, str]] = field(default_factory=list)
    bookings: list[_Booking] = field(default_factory=list)
    proposals: list[_Proposal] = field(default_factory=list)


# Statements are built once with bound parameters: building the ranked query (an aliased
# correlated subquery) costs more than running it.
_START = bindparam("start", type_=Date())
_END = bindparam("end", type_=Date())
_NOW: Any = bindparam("now", type_=UTCDateTime())
_BASES: Any = bindparam("base_ids", expanding=True)


@cache
def _statements() -> dict[str, Any]:
    earlier, _ = rank_columns(_NOW)
    of_bases = select(FilmSet.id).where(FilmSet.base_id.in_(_BASES)).scalar_subquery()
    return {
        "sets": select(
            FilmSet.id,
            FilmSet.base_id,
            FilmSet.code,
            FilmSet.name_zh,
            FilmSet.name_en,
            FilmSet.kind,
            FilmSet.day_rate,
        )
        .where(FilmSet.base_id.in_(_BASES))
        .order_by(FilmSet.base_id, FilmSet.code),
        "blackouts": select(
            Blackout.set_id, Blackout.start_date, Blackout.end_date, Blackout.reason
        )
        .where(Blackout.set_id.in_(of_bases), overlaps(Blackout, _START, _END))
        .order_by(Blackout.start_date),
        "bookings": select(
            Booking.set_id,
            Booking.id,
            Booking.crew_id,
            Crew.name,
            Crew.code,
            Booking.status,
            Booking.start_date,
            Booking.end_date,
            Booking.price,
            Booking.expires_at,
            case((Booking.status == "hold", earlier), else_=literal(0)),
        )
        .join(Crew, Crew.id == Booking.crew_id)
        .where(
            Booking.set_id.in_(of_bases),
            overlaps(Booking, _START, _END),
            # Spelled out too so that the partial index of live rows applies.
            Booking.status.in_(("confirmed", "hold")),
            live(Booking, _NOW),
        )
        .order_by(Booking.placed_at, Booking.id),
        "proposals": select(
            Proposal.set_id,
            Proposal.id,
            Proposal.scene_id,
            Scene.number,
            Proposal.crew_id,
            Crew.name,
            Crew.code,
            Proposal.date,
            Proposal.days,
        )
        .join(Crew, Crew.id == Proposal.crew_id)
        .join(Scene, Scene.id == Proposal.scene_id)
        .where(
            Proposal.run_id == bindparam("run_id", type_=Integer()),
            Proposal.accepted_at.is_(None),
            Proposal.set_id.in_(of_bases),
            Proposal.date < _END,
        )
        .order_by(Proposal.date, Proposal.id),
    }


def bookings_query(base_ids: Sequence[int], start: date, end: date, now: datetime) -> Select[Any]:
    """The main query with its values bound: confirmed bookings and active holds touching
    the range, each hold with its rank (for EXPLAIN; the service runs the cached form)."""
    stmt: Select[Any] = _statements()["bookings"]
    return stmt.params(base_ids=list(base_ids), start=start, end=end, now=now)


def _load(
    session: Session,
    base_ids: Sequence[int],
    start: date,
    end: date,
    now: datetime,
    *,
    with_proposals: bool = True,
) -> tuple[list[_Set], int | None]:
    """Five small queries: sets, blackouts, bookings with ranks, latest run, its proposals
    (the last two only ``with_proposals``: the summary does not show them)."""
    q = _statements()
    params: dict[str, Any] = {"base_ids": list(base_ids), "start": start, "end": end, "now": now}
    # Plain rows through the session's connection (same transaction): no ORM row handling.
    conn = session.connection()
    sets = [_Set(*row) for row in conn.execute(q["sets"], params)]
    if not sets:
        return sets, None
    by_id = {s.id: s for s in sets}
    for set_id, b_start, b_end, reason in conn.execute(q["blackouts"], params):
        by_id[set_id].blackouts.append((b_start, b_end, reason or ""))
    for set_id, *rest in conn.execute(q["bookings"], params):
        booking = _Booking(*rest)
        film_set = by_id[set_id]
        if booking.status == "hold":
            booking.rank = (booking.rank or 0) + 1
            # A hold's price is the day-rate quote until confirmation fixes it.
            booking.price = quoted_price(film_set.day_rate, booking.start, booking.end)
        else:
            booking.rank, booking.until = None, None
        film_set.bookings.append(booking)
    run_id = latest_run_id(session) if with_proposals else None
    if run_id is not None:
        for set_id, *rest in conn.execute(q["proposals"], {**params, "run_id": run_id}):
            proposal = _Proposal(*rest)
            if proposal.date + timedelta(days=proposal.days) > start:
                by_id[set_id].proposals.append(proposal)
    return sets, run_id


# --- per set and day ----------------------------------------------------------------------


class _Totals:
    """Figures summed over set-days; ``crews[i]`` are the crews on site on day ``i``."""

    def __init__(self, ndays: int) -> None:
        self.set_days = 0
        self.available = 0
        self.confirmed = 0
        self.held = 0
        self.held_value = 0
        self.revenue = 0
        self.hold_ids: set[int] = set()
        self.crews: list[dict[int, str]] = [{} for _ in range(ndays)]

    def add(self, other: _Totals) -> None:
        self.set_days += other.set_days
        self.available += other.available
        self.confirmed += other.confirmed
        self.held += other.held
        self.held_value += other.held_value
        self.revenue += other.revenue
        self.hold_ids |= other.hold_ids
        for mine, theirs in zip(self.crews, other.crews, strict=True):
            mine.update(theirs)

    def figures(self, view: View) -> dict[str, Any]:
        full = view == "full"
        return {
            "set_days": self.set_days,
            "available_days": self.available,
            "confirmed_days": self.confirmed,
            "utilisation": round(self.confirmed / self.available, 4) if self.available else None,
            "held_days": self.held,
            "holds": len(self.hold_ids),
            "held_value": self.held_value if full else None,
            "revenue": self.revenue if full else None,
        }


@dataclass(slots=True)
class _Viewer:
    """Who is looking: ``full`` sees every crew; otherwise only the crews in ``crews``."""

    full: bool
    crews: frozenset[int]

    def sees(self, crew_id: int) -> bool:
        return self.full or crew_id in self.crews


def _viewer(user: User, view: View) -> _Viewer:
    return _Viewer(full=view == "full", crews=frozenset(user.crew_ids))


def _walk(
    s: _Set, start: date, ndays: int, viewer: _Viewer, totals: _Totals, cells: bool
) -> dict[str, Any] | None:
    """Add the set's figures to ``totals`` and, if asked, return its per-day lists."""
    end = start + timedelta(days=ndays)
    closed: list[str | None] = [None] * ndays
    confirmed: list[_Booking | None] = [None] * ndays
    holds: list[list[_Booking] | None] = [None] * ndays

    def span(a: date, b: date) -> range:
        return range(max(0, (a - start).days), min(ndays, (b - start).days))

    for a, b, reason in s.blackouts:
        for i in span(a, b):
            closed[i] = reason
    for booking in s.bookings:
        if booking.status == "confirmed":
            totals.revenue += price_share(
                booking.price or 0, booking.start, booking.end, start, end
            )
            for i in span(booking.start, booking.end):
                confirmed[i] = booking
        else:
            totals.hold_ids.add(booking.id)
            for i in span(booking.start, booking.end):
                day_holds = holds[i]
                if day_holds is None:
                    holds[i] = [booking]
                else:
                    day_holds.append(booking)

    totals.set_days += ndays
    held = 0
    for i in range(ndays):
        if closed[i] is not None:
            continue
        totals.available += 1
        c = confirmed[i]
        if c is not None:
            totals.confirmed += 1
            totals.crews[i][c.crew_id] = c.crew
        elif holds[i]:
            held += 1
    totals.held += held
    totals.held_value += held * s.day_rate
    if not cells:
        return None

    none: list[int] = []  # shared by the days without holds or offers; never mutated
    offers: list[list[int]] = [none] * ndays
    proposals = [p for p in s.proposals if viewer.sees(p.crew_id)]
    for p in proposals:
        for i in span(p.date, p.date + timedelta(days=p.days)):
            offers[i] = [*offers[i], p.id]
    states: list[str] = ["free"] * ndays
    confirmed_ids: list[int | None] = [None] * ndays
    hold_ids: list[list[int]] = [none] * ndays
    for i in range(ndays):
        c = confirmed[i]
        day_holds = holds[i]
        if day_holds:
            if len(day_holds) > 1:
                day_holds.sort(key=lambda h: h.rank or 0)
            hold_ids[i] = (
                [h.id for h in day_holds]
                if viewer.full
                else [h.id for h in day_holds if h.crew_id in viewer.crews]
            )
        if closed[i] is not None:
            states[i] = "blackout"
        elif c is not None:
            if viewer.sees(c.crew_id):
                states[i] = "confirmed"
                confirmed_ids[i] = c.id
            else:
                states[i] = "busy"
        elif day_holds:
            # Other crews' holds alone are 'busy' in the free/busy view.
            states[i] = "hold" if hold_ids[i] else "busy"
        elif offers[i]:
            states[i] = "proposed"
    return {
        "set_id": s.id,
        "code": s.code,
        "name_zh": s.name_zh,
        "name_en": s.name_en,
        "kind": s.kind,
        "day_rate": s.day_rate,
        "states": states,
        "confirmed": confirmed_ids,
        "holds": hold_ids,
        "proposed": offers,
        # Read by Pydantic from the rows' attributes (same names as BookingSpan, ProposalSpan).
        "bookings": [b for b in s.bookings if viewer.sees(b.crew_id)],
        "proposals": proposals,
        "blackouts": [{"start": a, "end": b, "reason": r} for a, b, r in s.blackouts],
    }


def _crews_on_site(totals: _Totals, start: date, view: View) -> list[dict[str, Any]]:
    return [
        {
            "date": start + timedelta(days=i),
            "crews": len(crews),
            "names": sorted(crews.values()) if view == "full" else None,
        }
        for i, crews in enumerate(totals.crews)
    ]


# --- the two answers ----------------------------------------------------------------------


def base_occupancy(
    session: Session, user: User, base_id: int, start: date, end: date, now: datetime
) -> BaseOccupancy:
    """Every set of the base on every day of [start, end), with per-set and base figures."""
    ndays = check_range(start, end)
    base = visible_base(session, user, base_id)
    view = view_of(user, base.id)
    viewer = _viewer(user, view)
    sets, run_id = _load(session, [base.id], start, end, now)
    base_totals = _Totals(ndays)
    out_sets = []
    for s in sets:
        totals = _Totals(ndays)
        data = _walk(s, start, ndays, viewer, totals, cells=True)
        assert data is not None
        data["figures"] = totals.figures(view)
        base_totals.add(totals)
        out_sets.append(data)
    return BaseOccupancy.model_validate(
        {
            "base_id": base.id,
            "code": base.code,
            "name_zh": base.name_zh,
            "name_en": base.name_en,
            "start": start,
            "end": end,
            "days": ndays,
            "view": view,
            "plan_run_id": run_id,
            "sets": out_sets,
            "figures": base_totals.figures(view),
            "crews_on_site": _crews_on_site(base_totals, start, view),
        }
    )


def summary(
    session: Session, user: User, start: date, end: date, now: datetime
) -> OccupancySummary:
    """Headline figures of every base the caller may see, and crews on site per day."""
    ndays = check_range(start, end)
    bases = list(session.scalars(visible_bases_stmt(user)))
    sets, _ = _load(session, [b.id for b in bases], start, end, now, with_proposals=False)
    per_base: dict[int, list[_Set]] = defaultdict(list)
    for s in sets:
        per_base[s.base_id].append(s)
    all_totals = _Totals(ndays)
    out = []
    for base in bases:
        view = view_of(user, base.id)
        viewer = _viewer(user, view)
        totals = _Totals(ndays)
        for s in per_base.get(base.id, []):
            _walk(s, start, ndays, viewer, totals, cells=False)
        all_totals.add(totals)
        out.append(
            {
                "base_id": base.id,
                "code": base.code,
                "name_zh": base.name_zh,
                "name_en": base.name_en,
                "sets": len(per_base.get(base.id, [])),
                "view": view,
                "figures": totals.figures(view),
                "crews_on_site": _crews_on_site(totals, start, view),
            }
        )
    overall: View = "full" if all(b["view"] == "full" for b in out) else "free_busy"
    return OccupancySummary.model_validate(
        {
            "start": start,
            "end": end,
            "days": ndays,
            "bases": out,
            "figures": all_totals.figures(overall),
            "crews_on_site": [
                {"date": start + timedelta(days=i), "crews": len(c)}
                for i, c in enumerate(all_totals.crews)
            ],
        }
    )
