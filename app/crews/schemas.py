"""Crews, cast and scenes: what the API accepts and returns."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Literal

from pydantic import Field, Strict, model_validator

from app.schemas import (
    Clock,
    ClockOut,
    Id,
    InputModel,
    IsoDate,
    Name,
    OutputModel,
    ShortCode,
    ShortText,
    Tag,
    Text,
    Yuan,
)

Minutes = Annotated[int, Strict(), Field(ge=1, le=60 * 24 * 60)]
SceneNumber = Annotated[
    str,
    Field(
        pattern=r"^[0-9A-Za-z][0-9A-Za-z.\-/]{0,15}$",
        examples=["12A", "3-12A"],
        description="A series writes the episode first: 3-12A is episode 3, scene 12A",
    ),
]
MinutesPerPage = Annotated[int, Strict(), Field(ge=1, le=24 * 60)]
Extras = Annotated[int, Strict(), Field(ge=0, le=100_000)]
SetDescription = Annotated[str, Field(max_length=200, pattern=r"^[^\x00]*$")]


class CrewCreate(InputModel):
    code: ShortCode
    name: Name
    company: Name
    licence_no: ShortText = ""
    window_start: IsoDate
    window_end: IsoDate
    day_cost: Yuan
    max_minutes_per_day: Annotated[int, Strict(), Field(ge=1, le=24 * 60)] = 720
    minutes_per_page: MinutesPerPage = Field(
        default=60, description="Shooting minutes per page of script (imports use it)"
    )
    call_time: Clock = time(7, 0)

    @model_validator(mode="after")
    def _window(self) -> CrewCreate:
        if self.window_end <= self.window_start:
            raise ValueError("window_end must be after window_start ([start, end), end excluded)")
        return self


class CrewUpdate(InputModel):
    name: Name | None = None
    company: Name | None = None
    licence_no: ShortText | None = None
    window_start: IsoDate | None = None
    window_end: IsoDate | None = None
    day_cost: Yuan | None = None
    max_minutes_per_day: Annotated[int, Strict(), Field(ge=1, le=24 * 60)] | None = None
    minutes_per_page: MinutesPerPage | None = None
    call_time: Clock | None = None


class CrewOut(OutputModel):
    id: int
    code: str
    name: str
    company: str
    licence_no: str
    window_start: date
    window_end: date
    day_cost: int
    max_minutes_per_day: int
    minutes_per_page: int
    call_time: ClockOut


MakeupMinutes = Annotated[int, Strict(), Field(ge=0, le=600)]


class CastCreate(InputModel):
    name: Name
    day_cost: Yuan
    unavailable: Annotated[list[IsoDate], Field(max_length=366)] = []
    makeup_minutes: MakeupMinutes = Field(
        default=90, description="Makeup before the crew call, minutes (the call sheet's time)"
    )


class CastUpdate(InputModel):
    name: Name | None = None
    day_cost: Yuan | None = None
    unavailable: Annotated[list[IsoDate], Field(max_length=366)] | None = None
    makeup_minutes: MakeupMinutes | None = None


class CastOut(OutputModel):
    id: int
    crew_id: int
    name: str
    day_cost: int
    unavailable: list[date]
    makeup_minutes: int


class SceneFields(InputModel):
    int_ext: Literal["INT", "EXT"]
    day_night: Literal["DAY", "NIGHT"]
    description: Text = ""
    set_description: SetDescription = ""
    extras: Extras = 0
    requires: Annotated[list[Tag], Field(max_length=30)] = []
    minutes: Minutes
    page_eighths: Annotated[int, Strict(), Field(ge=0, le=8 * 200)] = 0
    cast: Annotated[list[Id], Field(max_length=200)] = []
    earliest: IsoDate | None = None
    latest: IsoDate | None = None
    sets: Annotated[list[Id], Field(max_length=500)] | None = Field(
        default=None, description="Allowed sets; null allows any set with the tags"
    )
    after: Annotated[list[Id], Field(max_length=200)] = Field(
        default=[], description="Scenes (ids) that must be shot before this one"
    )
    pinned_date: IsoDate | None = None
    pinned_set_id: Id | None = None

    @model_validator(mode="after")
    def _dates(self) -> SceneFields:
        if self.earliest and self.latest and self.latest < self.earliest:
            raise ValueError("latest must not be before earliest (both dates included)")
        return self


class SceneCreate(SceneFields):
    number: SceneNumber
    status: Literal["unscheduled", "scheduled", "shot"] = "unscheduled"


class SceneUpdate(InputModel):
    number: SceneNumber | None = None
    int_ext: Literal["INT", "EXT"] | None = None
    day_night: Literal["DAY", "NIGHT"] | None = None
    description: Text | None = None
    set_description: SetDescription | None = None
    extras: Extras | None = None
    requires: Annotated[list[Tag], Field(max_length=30)] | None = None
    minutes: Minutes | None = None
    page_eighths: Annotated[int, Strict(), Field(ge=0, le=8 * 200)] | None = None
    cast: Annotated[list[Id], Field(max_length=200)] | None = None
    earliest: IsoDate | None = None
    latest: IsoDate | None = None
    sets: Annotated[list[Id], Field(max_length=500)] | None = None
    after: Annotated[list[Id], Field(max_length=200)] | None = None
    status: Literal["unscheduled", "scheduled", "shot"] | None = None
    pinned_date: IsoDate | None = None
    pinned_set_id: Id | None = None


class SceneOut(OutputModel):
    id: int
    crew_id: int
    number: str
    int_ext: str
    day_night: str
    description: str
    set_description: str
    extras: int
    requires: list[str]
    minutes: int
    page_eighths: int
    cast: list[int]
    earliest: date | None
    latest: date | None
    sets: list[int] | None
    after: list[int]
    status: str
    pinned_date: date | None
    pinned_set_id: int | None
