"""Shared request/response building blocks: strict input types, pages, ranges."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Path, Query
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    Strict,
    WithJsonSchema,
)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TAG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}\Z")

# Every date the API and the pages accept lies in these bounds, far from Python's date.max
# (9999-12-31): a range's end, a shooting window plus a booking's longest span, a scene's
# days, "the day after" all stay representable, so no day arithmetic can overflow (a 500).
MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(9000, 12, 31)
DATE_BOUNDS = f"dates lie between {MIN_DATE} and {MAX_DATE}"
# The same bounds as a pattern, so that the OpenAPI schema states them.
DATE_PATTERN = r"^(?:[2-8][0-9]{3}|9000)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$"


def parse_date(value: Any) -> date:
    """'YYYY-MM-DD' only (no timestamps, no datetimes, no guessing), within the bounds."""
    if isinstance(value, date):
        day = value
    elif not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError("must be a calendar date written YYYY-MM-DD")
    else:
        try:
            day = date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"'{value}' is not a real calendar date") from exc
    if not MIN_DATE <= day <= MAX_DATE:
        raise ValueError(f"{day} is out of range: {DATE_BOUNDS}")
    return day


IsoDate = Annotated[
    date,
    BeforeValidator(parse_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN}),
]
_HH_MM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


def parse_clock(value: Any) -> time:
    """A local time of day written 'HH:MM' (24-hour clock)."""
    if isinstance(value, time):
        return value
    if not isinstance(value, str) or not _HH_MM.match(value):
        raise ValueError("must be a time of day written HH:MM (24-hour clock)")
    return time.fromisoformat(value)


Clock = Annotated[
    time,
    BeforeValidator(parse_clock),
    WithJsonSchema({"type": "string", "pattern": _HH_MM.pattern, "examples": ["06:30"]}),
]
# A time of day in a response: 'HH:MM' (JSON Schema's "time" format wants a UTC offset).
ClockOut = Annotated[
    time,
    PlainSerializer(lambda at: at.strftime("%H:%M"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": _HH_MM.pattern, "examples": ["06:30"]}),
]
Latitude = Annotated[float, Strict(), Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Strict(), Field(ge=-180, le=180, allow_inf_nan=False)]
# Ids and amounts live in 32-bit integer columns on PostgreSQL: a larger number must be
# refused here (422), not by the database (a 500 on one backend only).
MAX_INT = 2**31 - 1
Id = Annotated[int, Strict(), Field(ge=1, le=MAX_INT)]
Yuan = Annotated[int, Strict(), Field(ge=0, le=MAX_INT)]
# The same bounds for ids in a path or a query string, declared so the schema says so.
PathId = Annotated[int, Path(ge=1, le=MAX_INT)]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_INT)]
# ?base= on availability and the pages: a base's id, or its code (12 or DBD).
BASE_ID_OR_CODE = r"^(?:[0-9]{1,10}|[A-Z0-9][A-Z0-9_-]{0,31})$"
Code = Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9_-]{0,31}$", examples=["DBD-NJR"])]
# Bases and crews keep shorter codes (their columns hold 16 characters).
ShortCode = Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9_-]{0,15}$", examples=["DBD"])]
Tag = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$", examples=["republic-era"])]
# Free text as the databases can keep it: PostgreSQL refuses the NUL character in text. A
# name also needs something besides spaces (input is trimmed: a blank name would be empty).
_NO_NUL = r"^[^\x00]*$"
_NOT_BLANK = r"^[^\x00]*[^\x00\s][^\x00]*$"
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=_NOT_BLANK)]
ShortName = Annotated[str, Field(min_length=1, max_length=100, pattern=_NOT_BLANK)]
Text = Annotated[str, Field(max_length=2000, pattern=_NO_NUL)]
ShortText = Annotated[str, Field(max_length=100, pattern=_NO_NUL)]


# A ?tags= value: up to 30 tags, comma-separated, spaces around them allowed; the parameter
# may be repeated up to 30 times (TagsQuery), so one request names at most 900 tags.
_ONE_TAG = r"[a-z0-9][a-z0-9-]{0,39}"
TAG_LIST = rf"^ *(?:{_ONE_TAG})? *(?:, *(?:{_ONE_TAG})? *){{0,29}}$"
TagsQuery = Annotated[
    list[Annotated[str, Field(pattern=TAG_LIST)]] | None,
    Query(
        max_length=30,
        description="Carry every tag (repeat, or comma-separate: tags=street,republic-era)",
    ),
]


def split_tags(values: list[str] | None) -> list[str]:
    """Tags from a query string: repeated (?tags=a&tags=b) or comma-separated (?tags=a,b)."""
    from app.errors import InvalidInput

    tags = [t.strip(" ") for v in values or () for t in v.split(",") if t.strip(" ")]
    bad = [t for t in tags if not _TAG.match(t)]
    if bad:
        raise InvalidInput(
            f"tags: '{bad[0]}' is not a tag "
            "(lowercase letters, digits and hyphens, e.g. republic-era)."
        )
    return sorted(set(tags))


class InputModel(BaseModel):
    """Request bodies refuse unknown fields: no mass assignment of status, crew, role…"""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OutputModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
