"""A call sheet as the API returns it."""

from __future__ import annotations

from datetime import date

from pydantic import computed_field

from app.schemas import ClockOut, OutputModel
from app.web.i18n import pages_text


class PlaceOut(OutputModel):
    set_id: int
    set_code: str
    set_name_zh: str
    set_name_en: str
    set_address: str
    set_notes: str
    base_id: int
    base_code: str
    base_name_zh: str
    base_name_en: str
    base_address: str
    latitude: float | None
    longitude: float | None
    sunrise: ClockOut | None
    sunset: ClockOut | None
    booking: str | None
    booking_id: int | None


class CastRefOut(OutputModel):
    number: int
    cast_id: int
    name: str


class SceneLineOut(OutputModel):
    number: str
    int_ext: str
    day_night: str
    page_eighths: int
    synopsis: str
    cast: list[CastRefOut]
    extras: int
    set_code: str | None
    part: int
    parts: int
    source: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def pages(self) -> str:
        return pages_text(self.page_eighths)


class CastCallOut(OutputModel):
    number: int
    cast_id: int
    name: str
    makeup_minutes: int
    makeup_at: ClockOut
    on_set_at: ClockOut
    scenes: list[str]


class CallSheetOut(OutputModel):
    """通告单: day N of M, where, when (call, sunrise, sunset), scenes in shooting order,
    cast calls, extras and notes. ``places[].booking`` says whether the crew's booking of the
    set that day is confirmed, a hold, or missing (null)."""

    crew_id: int
    crew_code: str
    crew_name: str
    company: str
    date: date
    day_number: int
    days_total: int
    call_time: ClockOut
    sunrise: ClockOut | None
    sunset: ClockOut | None
    places: list[PlaceOut]
    scenes: list[SceneLineOut]
    cast: list[CastCallOut]
    page_eighths: int
    extras: int
    notes: list[str]
