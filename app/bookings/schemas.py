"""Bookings and availability: what the API accepts and returns."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field, model_validator

from app.schemas import Id, InputModel, IsoDate, OutputModel, Text


class BookingCreate(InputModel):
    set_id: Id
    crew_id: Id
    start: IsoDate
    end: IsoDate = Field(description="First day NOT booked: the range is [start, end)")
    status: Literal["hold", "confirmed"] = Field(
        default="hold", description="'confirmed' places and confirms in one atomic step"
    )
    note: Text = ""

    @model_validator(mode="after")
    def _range(self) -> BookingCreate:
        if self.end <= self.start:
            raise ValueError(
                "end must be after start: bookings are whole days [start, end), end excluded"
            )
        return self


class BookingAction(InputModel):
    note: Text = ""


class Blocker(OutputModel):
    """Something ahead of a hold: a confirmed booking, an earlier hold, or a blackout."""

    kind: Literal["confirmed", "hold", "blackout"]
    start: date
    end: date
    rank: int | None = None
    until: datetime | None = None
    crew: str | None = Field(default=None, description="Shown to base managers and admins only")
    booking_id: int | None = Field(default=None, description="Shown when you may see the booking")
    reason: str | None = None


BookingStatus = Literal["hold", "confirmed", "released", "expired", "cancelled"]


class BookingOut(OutputModel):
    id: int
    set_id: int
    set_code: str
    set_name: str
    set_name_zh: str = Field(description="The set's name in Chinese (set_name is English)")
    base_id: int
    crew_id: int
    crew_name: str
    start: date
    end: date
    days: int
    status: BookingStatus
    rank: int | None = Field(
        description="For an active hold: 1 for the 1st hold, 2 for the 2nd… (null otherwise)"
    )
    behind_confirmed: bool = Field(description="A confirmed booking holds some of these days")
    placed_at: datetime
    expires_at: datetime | None
    challenge_deadline: datetime | None = Field(
        description="This hold was challenged: confirm by then or it lapses"
    )
    challenge_pending_until: datetime | None = Field(
        default=None,
        description="Challenged holds stand ahead of this one: by then each has confirmed or "
        "lapsed (shown to the challenger)",
    )
    confirmed_at: datetime | None
    price: int = Field(description="Yuan: fixed at confirmation, a quote while on hold")
    note: str
    version: int


class BookingEventOut(OutputModel):
    id: int
    at: datetime
    actor_id: int | None
    from_status: str | None
    to_status: str
    note: str


class ChallengeOut(OutputModel):
    booking: BookingOut
    deadline: datetime
    challenged: int = Field(
        description="How many earlier holds must confirm by the deadline or lapse (each by the "
        "earlier of its own lapse time and the challenge window; the deadline is the last)"
    )


class HoldOnSet(OutputModel):
    rank: int
    start: date
    end: date
    until: datetime
    yours: bool
    crew: str | None = None


class AvailableSet(OutputModel):
    set_id: int
    code: str
    name_zh: str
    name_en: str
    kind: str
    tags: list[str]
    base_id: int
    base_code: str
    day_rate: int
    price: int = Field(description="Yuan for the whole range: day rate × days")
    holds: list[HoldOnSet]


class Availability(OutputModel):
    start: date
    end: date
    days: int
    items: list[AvailableSet]
    total: int
    limit: int
    offset: int
