"""Occupancy of a base's sets per day, and the headline figures managers read each morning."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from app.schemas import OutputModel

CellState = Literal["free", "blackout", "confirmed", "hold", "proposed", "busy"]
View = Literal["full", "free_busy"]


class BookingSpan(OutputModel):
    """A confirmed booking or an active hold of the set that the caller may see."""

    id: int
    crew_id: int
    crew: str
    crew_code: str
    status: Literal["confirmed", "hold"]
    start: date
    end: date = Field(description="First day not booked: [start, end)")
    rank: int | None = Field(description="For a hold, its rank as confirmation sees it (1 = 1st)")
    until: datetime | None = Field(description="When the hold lapses unless confirmed")
    price: int = Field(description="Yuan: fixed when confirmed, the day-rate quote for a hold")


class ProposalSpan(OutputModel):
    """A scene the latest plan run puts on the set (not yet accepted)."""

    id: int
    scene_id: int
    scene: str = Field(description="Scene number")
    crew_id: int
    crew: str
    crew_code: str
    date: date
    days: int


class BlackoutSpan(OutputModel):
    start: date
    end: date
    reason: str


class Figures(OutputModel):
    """Set-days over the range. Money is integer yuan; null where the caller may not see it."""

    set_days: int = Field(description="Sets × days in the range")
    available_days: int = Field(description="Set-days not blacked out")
    confirmed_days: int = Field(description="Available set-days confirmed for a crew")
    utilisation: float | None = Field(
        description="confirmed_days ÷ available_days (null when nothing is available)"
    )
    held_days: int = Field(description="Available set-days not confirmed but under an active hold")
    holds: int = Field(description="Active holds touching the range")
    held_value: int | None = Field(
        description="Day rate × held_days: what the pipeline brings if the 1st holds confirm"
    )
    revenue: int | None = Field(
        description="Confirmed bookings' price share for the days in the range (see docs)"
    )


class SetOccupancy(OutputModel):
    """One set over the range. The per-day lists have one entry per day: ``[i]`` is start + i.

    ``states[i]`` is what wins that day: blackout > confirmed > busy > hold > proposed > free
    (``busy`` only in the coordinators' free/busy view: another crew's booking or hold).
    """

    set_id: int
    code: str
    name_zh: str
    name_en: str
    kind: str
    day_rate: int
    states: list[CellState]
    confirmed: list[int | None] = Field(description="Per day: the confirmed booking, if visible")
    holds: list[list[int]] = Field(description="Per day: visible active holds, 1st hold first")
    proposed: list[list[int]] = Field(description="Per day: ids of the proposals placed there")
    bookings: list[BookingSpan] = Field(description="The bookings the per-day lists refer to")
    proposals: list[ProposalSpan]
    blackouts: list[BlackoutSpan]
    figures: Figures


class CrewsOnSite(OutputModel):
    date: date
    crews: int = Field(description="Crews with a confirmed booking on the base that day")
    names: list[str] | None = Field(
        default=None, description="Their names (base managers and admins only)"
    )


class BaseOccupancy(OutputModel):
    base_id: int
    code: str
    name_zh: str
    name_en: str
    start: date
    end: date
    days: int
    view: View = Field(
        description="'full' for the base's managers and admins; 'free_busy' for coordinators, "
        "who see other crews' days only as busy"
    )
    plan_run_id: int | None = Field(description="The plan run whose proposals are shown")
    sets: list[SetOccupancy]
    figures: Figures
    crews_on_site: list[CrewsOnSite]


class BaseSummary(OutputModel):
    base_id: int
    code: str
    name_zh: str
    name_en: str
    sets: int
    view: View
    figures: Figures
    crews_on_site: list[CrewsOnSite]


class DayTotal(OutputModel):
    date: date
    crews: int = Field(description="Distinct crews on site across the bases listed")


class OccupancySummary(OutputModel):
    start: date
    end: date
    days: int
    bases: list[BaseSummary]
    figures: Figures
    crews_on_site: list[DayTotal]
