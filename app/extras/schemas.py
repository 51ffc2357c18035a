"""The extras pool in and out. Performers have two outputs: the office's (phone, birth year)
and the crews' (name, card number, profile tags); a crew never gets the office's model."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, Strict

from app.imports.schemas import ImportProblem
from app.schemas import Id, InputModel, IsoDate, OutputModel, Page, ShortName, Tag, Text, Yuan

Category = Literal["ordinary", "group_featured", "featured_small", "featured_mid", "featured_large"]
Gender = Literal["m", "f"]
# Profile words as the office's sheet writes them: lowercase Latin or Chinese ("骑马").
_WORD = r"a-z0-9\u3400-\u4dbf\u4e00-\u9fff"
ProfileTag = Annotated[
    str, Field(pattern=rf"^[{_WORD}][{_WORD}-]{{0,39}}$", examples=["horse-riding", "骑马"])
]
Tags = Annotated[list[ProfileTag], Field(max_length=30)]
Year = Annotated[int, Strict(), Field(ge=1900, le=2100)]
Height = Annotated[int, Strict(), Field(ge=50, le=250)]
Age = Annotated[int, Strict(), Field(ge=0, le=120)]
CardNo = Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{1,32}$", examples=["HD-2024-01234"])]
Phone = Annotated[str, Field(pattern=r"^[0-9+ -]{0,32}$", examples=["138 0000 0000"])]
Hour = Annotated[int, Strict(), Field(ge=0, le=24)]
Yuan_ = Yuan


class PerformerCreate(InputModel):
    name: ShortName
    gender: Gender
    card_no: CardNo
    birth_year: Year | None = None
    height_cm: Height | None = None
    phone: Phone = ""
    category: Category = "ordinary"
    skills: Tags = []
    looks: Tags = []
    dialects: Tags = []
    wardrobe: Annotated[str, Field(max_length=100, pattern=r"^[^\x00]*$")] = ""
    status: Literal["active", "inactive"] = "active"
    max_days_per_week: Annotated[int, Strict(), Field(ge=1, le=7)] = 6


class PerformerUpdate(InputModel):
    name: ShortName | None = None
    birth_year: Year | None = None
    height_cm: Height | None = None
    phone: Phone | None = None
    category: Category | None = None
    skills: Tags | None = None
    looks: Tags | None = None
    dialects: Tags | None = None
    wardrobe: Annotated[str, Field(max_length=100, pattern=r"^[^\x00]*$")] | None = None
    status: Literal["active", "inactive"] | None = None
    max_days_per_week: Annotated[int, Strict(), Field(ge=1, le=7)] | None = None
    unavailable: Annotated[list[IsoDate], Field(max_length=366)] | None = None


class PerformerCrewView(OutputModel):
    """What a crew sees of a performer: never phone or birth year."""

    id: int
    name: str
    card_no: str
    category: str
    tags: list[str]


class PerformerOut(PerformerCrewView):
    """The office's view of the register."""

    gender: str
    birth_year: int | None
    height_cm: int | None
    phone: str
    skills: list[str]
    looks: list[str]
    dialects: list[str]
    wardrobe: str
    status: str
    max_days_per_week: int
    unavailable: list[date]


class LinkCreated(OutputModel):
    id: int
    performer_id: int
    token_prefix: str
    created_at: datetime
    token: str = Field(description="Shown once: hand it to the performer")
    url: str


class LinkOut(OutputModel):
    id: int
    performer_id: int
    token_prefix: str
    created_at: datetime
    revoked_at: datetime | None


Count = Annotated[int, Strict(), Field(ge=1, le=2000)]
Categories = Annotated[list[Category], Field(max_length=5)]
Priority = Annotated[int, Strict(), Field(ge=0, le=9)]
CallTime = Annotated[str, Field(pattern=r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$")]
WorkHours = Annotated[int, Strict(), Field(ge=1, le=24)]
CONTINUITY = "Same people as on this earlier request of the crew"


class RequestCreate(InputModel):
    set_id: Id
    day: IsoDate
    count: Count
    gender: Gender | None = None
    age_min: Age | None = None
    age_max: Age | None = None
    height_min: Height | None = None
    height_max: Height | None = None
    categories: Categories = []
    tags: Tags = []
    priority: Priority = 5
    call_time: CallTime = "07:00"
    hours: WorkHours = 8
    wardrobe_notes: Text = ""
    continuity_of: Id | None = Field(default=None, description=CONTINUITY)


class RequestUpdate(InputModel):
    """The fields to change; the others stay. ``null`` clears gender, an age or height bound
    and continuity; for any other field it leaves the value as it is. The day is not changed:
    another day is another request."""

    set_id: Id | None = Field(default=None, description="Another set the crew shoots on that day")
    count: Count | None = Field(
        default=None, description="Never below the performers already confirmed (409)"
    )
    gender: Gender | None = None
    age_min: Age | None = None
    age_max: Age | None = None
    height_min: Height | None = None
    height_max: Height | None = None
    categories: Categories | None = None
    tags: Tags | None = None
    priority: Priority | None = None
    call_time: CallTime | None = None
    hours: WorkHours | None = None
    wardrobe_notes: Text | None = None
    continuity_of: Id | None = Field(default=None, description=CONTINUITY)


class CancelRequest(InputModel):
    reason: Text = ""


class AssignmentOut(OutputModel):
    id: int
    request_id: int
    day: date
    status: str
    continuity: bool
    attendance: str | None
    hours_worked: int | None
    tasks: list[str]
    performer: PerformerCrewView | PerformerOut


class RequestOut(OutputModel):
    id: int
    crew_id: int
    crew_name: str
    set_id: int
    set_code: str
    base_id: int
    day: date
    count: int
    profile: str
    gender: str | None
    age_min: int | None
    age_max: int | None
    height_min: int | None
    height_max: int | None
    categories: list[str]
    tags: list[str]
    priority: int
    call_time: str
    hours: int
    wardrobe_notes: str
    continuity_of: int | None
    status: str
    version: int = Field(description="Counts the request's changes; its ETag")
    cutoff: datetime = Field(description="After this the crew's changes go to the office")
    assignments: list[AssignmentOut] = []
    unfilled: str | None = Field(default=None, description="Why slots stay empty (last run)")


class DispatchStart(InputModel):
    day: IsoDate
    base_id: Id | None = Field(default=None, description="None: the whole town")


class DispatchRunOut(OutputModel):
    id: int
    day: date
    base_id: int | None
    status: str
    created_at: datetime
    started_at: datetime | None
    heartbeat_at: datetime | None = Field(description="The worker's last sign of life")
    finished_at: datetime | None
    inputs_hash: str | None
    slots: int | None
    filled: int | None
    fill_rate: float | None = None
    fairness: dict[str, Any]
    unfilled: list[dict[str, Any]]
    changes: int | None
    progress: dict[str, Any]
    cancel_requested: bool = Field(description="Asked to stop: it stops before the swap")
    message: str


class Publish(InputModel):
    day: IsoDate
    base_id: Id | None = None


class Published(OutputModel):
    day: date
    confirmed: int


class Attendance(InputModel):
    attendance: Literal["present", "late", "absent"]
    hours_worked: Annotated[int, Strict(), Field(ge=0, le=24)] | None = None
    tasks: Annotated[list[Tag], Field(max_length=10)] = []


class PayRuleIn(InputModel):
    base_fee: Yuan_
    standard_hours: Annotated[int, Strict(), Field(ge=1, le=24)] = 8
    overtime_per_hour: Yuan_ = 0
    night_per_hour: Yuan_ = 0
    night_start: Annotated[int, Strict(), Field(ge=0, le=23)] = 0
    night_end: Hour = 5
    surcharges: Annotated[dict[str, Yuan_], Field(max_length=30)] = {}
    commission_pct: Annotated[int, Strict(), Field(ge=0, le=100)] = 10


class PayRuleOut(OutputModel):
    base_id: int
    category: str
    base_fee: int
    standard_hours: int
    overtime_per_hour: int
    night_per_hour: int
    night_start: int
    night_end: int
    surcharges: dict[str, int]
    commission_pct: int


class PayLine(OutputModel):
    assignment_id: int
    performer: str
    card_no: str
    category: str
    crew: str
    day: date
    attendance: str | None
    hours: int
    base_fee: int
    overtime: int
    night: int
    surcharges: int
    gross: int
    commission: int = Field(description="The guild's commission, shown apart")
    net: int


class ProfileDemand(OutputModel):
    profile: str
    requests: int
    slots: int
    filled: int
    eligible_free: int = Field(description="Active performers of the profile free that day")


class DayBoard(OutputModel):
    day: date
    base_id: int | None
    slots: int
    filled: int
    profiles: list[ProfileDemand]
    unfilled: list[dict[str, Any]]
    last_run: DispatchRunOut | None


class PerformerFields(BaseModel):
    """A performer as a sheet's row gives them; a blank cell's field is absent."""

    name: str | None = None
    gender: Gender | None = None
    card_no: str | None = None
    birth_year: int | None = None
    height_cm: int | None = None
    phone: str | None = None
    category: Category | None = None
    skills: list[str] | None = None
    looks: list[str] | None = None
    dialects: list[str] | None = None
    wardrobe: str | None = None
    status: Literal["active", "inactive"] | None = None
    max_days_per_week: int | None = None


class RegisterImportRow(BaseModel):
    at: int = Field(description="The sheet's row")
    card_no: str = Field(examples=["HD-2024-01234"])
    name: str
    performer_id: int | None = Field(description="The registered performer it matches, if any")
    action: Literal["create", "update", "unchanged"]
    changes: list[str] = Field(description="Fields that differ from the register's")
    before: dict[str, Any] = Field(description="The register's value of each changed field")
    fields: PerformerFields


class RegisterImportCounts(BaseModel):
    create: int
    update: int
    unchanged: int
    error_rows: int = Field(description="Rows with problems (they block applying)")


class RegisterImportOut(OutputModel):
    id: int
    status: Literal["previewed", "applied", "expired"]
    format: Literal["xlsx", "csv"]
    filename: str
    content_hash: str = Field(description="SHA-256 of the uploaded file")
    created_at: datetime
    applied_at: datetime | None
    expires_at: datetime | None = Field(description="When an unapplied preview lapses")
    can_apply: bool
    counts: RegisterImportCounts = Field(description="The whole file's, whatever the page")
    rows: Page[RegisterImportRow] = Field(
        description="One page of the performer rows, in the sheet's order"
    )
    errors: list[ImportProblem]
    warnings: list[ImportProblem]


class RegisterImportApplied(RegisterImportOut):
    created: list[int] = Field(description="Performers registered")
    updated: list[int] = Field(description="Performers updated")
