"""Bases, sets and stages, blackouts, travel: what the API accepts and returns."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, Strict, model_validator

from app.config import get_settings
from app.schemas import (
    MAX_INT,
    Code,
    Id,
    InputModel,
    IsoDate,
    Latitude,
    Longitude,
    Name,
    OutputModel,
    ShortCode,
    ShortName,
    Tag,
    Text,
    Yuan,
)

Hours = Annotated[int, Strict(), Field(ge=1, le=24 * 365)]
# A confirmed booking's price (day rate × days) must fit its 32-bit column too.
DayRate = Annotated[int, Strict(), Field(ge=0, le=MAX_INT // get_settings().max_booking_days)]
Tags = Annotated[list[Tag], Field(max_length=30)]


class BaseCreate(InputModel):
    code: ShortCode
    name_zh: ShortName
    name_en: Name
    hold_ttl_hours: Hours = 168
    challenge_hours: Hours = 48
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    address: Text = ""


class BaseUpdate(InputModel):
    name_zh: ShortName | None = None
    name_en: Name | None = None
    hold_ttl_hours: Hours | None = None
    challenge_hours: Hours | None = None
    extras_cutoff_hour: Annotated[int, Strict(), Field(ge=0, le=23)] | None = Field(
        default=None, description="Extras requests for a day close at this hour the day before"
    )
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    address: Text | None = None


class BaseOut(OutputModel):
    id: int
    code: str
    name_zh: str
    name_en: str
    hold_ttl_hours: int
    challenge_hours: int
    extras_cutoff_hour: int
    latitude: float | None
    longitude: float | None
    address: str


class SetCreate(InputModel):
    base_id: Id
    code: Code
    name_zh: ShortName
    name_en: Name
    kind: Literal["backlot", "stage"]
    tags: Tags = []
    day_rate: DayRate
    address: Text = ""
    notes: Text = ""


class SetUpdate(InputModel):
    name_zh: ShortName | None = None
    name_en: Name | None = None
    kind: Literal["backlot", "stage"] | None = None
    tags: Tags | None = None
    day_rate: DayRate | None = None
    address: Text | None = None
    notes: Text | None = None


class SetOut(OutputModel):
    id: int
    base_id: int
    code: str
    name_zh: str
    name_en: str
    kind: str
    tags: list[str]
    day_rate: int
    address: str
    notes: str


class BlackoutCreate(InputModel):
    start: IsoDate
    end: IsoDate
    reason: Text = ""

    @model_validator(mode="after")
    def _range(self) -> BlackoutCreate:
        if self.end <= self.start:
            raise ValueError("end must be after start (periods are [start, end), end excluded)")
        return self


class BlackoutOut(OutputModel):
    id: int
    set_id: int
    start: date
    end: date
    reason: str


class TravelPut(InputModel):
    from_base: ShortCode
    to_base: ShortCode
    cost: Yuan


class TravelOut(OutputModel):
    id: int
    from_base: str
    to_base: str
    cost: int


class BlackoutOutList(OutputModel):
    items: list[BlackoutOut]
