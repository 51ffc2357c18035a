"""The occupancy board's view: the service's per-day lists turned into grid cells to draw."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.occupancy.schemas import (
    BaseOccupancy,
    BookingSpan,
    CrewsOnSite,
    DayTotal,
    ProposalSpan,
    SetOccupancy,
)
from app.web.i18n import Translator


@dataclass
class Cell:
    set_id: int
    day: date
    css: str  # free, blackout, confirmed, hold1, holdn, proposed, busy
    label: str  # a short mark inside the cell (crew code), may be empty
    title: str  # the tooltip and accessible name


@dataclass
class Detail:
    """What a click on a cell shows."""

    set: SetOccupancy
    day: date
    state: str
    css: str
    confirmed: BookingSpan | None
    holds: list[BookingSpan] = field(default_factory=list)
    proposals: list[ProposalSpan] = field(default_factory=list)
    reason: str | None = None


def cell_css(s: SetOccupancy, i: int, bookings: dict[int, BookingSpan]) -> str:
    state = s.states[i]
    if state != "hold":
        return state
    ranks = [bookings[h].rank or 1 for h in s.holds[i]]
    return "hold1" if ranks and min(ranks) == 1 else "holdn"


def grid(occ: BaseOccupancy, t: Translator) -> list[tuple[SetOccupancy, list[Cell]]]:
    rows = []
    for s in occ.sets:
        bookings = {b.id: b for b in s.bookings}
        proposals = {p.id: p for p in s.proposals}
        name = t.name(s.name_zh, s.name_en)
        cells = []
        for i in range(len(s.states)):
            day = occ.start + timedelta(days=i)
            css = cell_css(s, i, bookings)
            label, who = "", ""
            booking_id = s.confirmed[i]
            if booking_id is not None:
                label, who = bookings[booking_id].crew_code, bookings[booking_id].crew
            elif s.holds[i]:
                top = bookings[s.holds[i][0]]
                label, who = top.crew_code, f"{top.crew} · {t.ordinal_hold(top.rank)}"
            elif s.proposed[i]:
                offer = proposals[s.proposed[i][0]]
                label, who = offer.crew_code, f"{offer.crew} · {t('b.scene')} {offer.scene}"
            key = {"hold1": "state.hold1", "holdn": "state.holdn"}.get(css, f"state.{css}")
            title = f"{s.code} {name} · {t.day(day)}: {t(key)}" + (f" — {who}" if who else "")
            cells.append(Cell(s.set_id, day, css, label, title))
        rows.append((s, cells))
    return rows


def detail(occ: BaseOccupancy, set_id: int, day: date) -> Detail | None:
    """The cell of ``set_id`` on ``day``, or None if the board does not show it."""
    i = (day - occ.start).days
    if not 0 <= i < occ.days:
        return None
    for s in occ.sets:
        if s.set_id != set_id:
            continue
        bookings = {b.id: b for b in s.bookings}
        proposals = {p.id: p for p in s.proposals}
        booking_id = s.confirmed[i]
        reason = None
        if s.states[i] == "blackout":
            reason = next((b.reason for b in s.blackouts if b.start <= day < b.end), "")
        return Detail(
            set=s,
            day=day,
            state=s.states[i],
            css=cell_css(s, i, bookings),
            confirmed=bookings[booking_id] if booking_id is not None else None,
            holds=[bookings[h] for h in s.holds[i]],
            proposals=[proposals[p] for p in s.proposed[i]],
            reason=reason,
        )
    return None


@dataclass
class Chart:
    """Crews on site per day as bars of an inline SVG that spans its panel: across, every
    position is a percentage of the width (``x``, ``w``, tick ``x``); up, pixels."""

    height: int
    bars: list[tuple[str, int, str, int, str, str, str]]  # x, y, w, h, centre, label, title
    ticks: list[tuple[str, str]]
    top: int  # the scale's top: the busiest day, at least 1
    peak: int  # the most crews on one day (0 when nobody came)
    axis_y: int


def _pct(value: float) -> str:
    return f"{value:.3f}%"


def crews_chart(days: Sequence[CrewsOnSite | DayTotal], t: Translator) -> Chart:
    """Crews on site per day: of one base (named to its managers), or across bases."""
    plot, floor = 90, 16 + 90  # room above the tallest bar for its figure
    top = max([d.crews for d in days] + [1])
    slot = 100 / max(1, len(days))
    bars = []
    ticks = []
    for i, d in enumerate(days):
        h = round(plot * d.crews / top)
        names = ", ".join(getattr(d, "names", None) or [])
        title = f"{t.day(d.date)}: {t.count(d.crews, 'crew')}" + (f" — {names}" if names else "")
        x, w, centre = _pct((i + 0.18) * slot), _pct(0.64 * slot), _pct((i + 0.5) * slot)
        bars.append((x, floor - h, w, h, centre, str(d.crews) if d.crews else "", title))
        if i == 0 or d.date.day in (1, 8, 15, 22, 29):
            ticks.append((centre, t.short(d.date)))
    peak = max([d.crews for d in days] + [0])
    return Chart(height=floor + 24, bars=bars, ticks=ticks, top=top, peak=peak, axis_y=floor)
