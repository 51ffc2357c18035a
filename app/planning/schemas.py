"""Plan runs and crew proposals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field, Strict

from app.bookings.schemas import BookingOut
from app.schemas import InputModel, OutputModel


class PlanRequest(InputModel):
    horizon_days: Annotated[int, Strict(), Field(ge=1, le=366)] = 60
    time_limit: Annotated[float, Field(gt=0, le=3600)] = 60.0
    workers: Annotated[int, Strict(), Field(ge=1, le=16)] = 2
    seed: Annotated[int, Strict(), Field(ge=0, le=2**31 - 1)] | None = None


class PlanRunOut(OutputModel):
    id: int
    status: str
    created_at: datetime
    started_at: datetime | None
    heartbeat_at: datetime | None = Field(description="The worker's last sign of life")
    finished_at: datetime | None
    params: dict[str, Any]
    horizon_start: date | None
    horizon_end: date | None
    problem_hash: str | None
    size: dict[str, Any]
    progress: dict[str, Any]
    greedy_total: int | None = Field(description="First-come baseline, yuan")
    total: int | None
    cost: dict[str, Any]
    lower_bound: int | None
    savings: int | None = Field(description="Greedy total minus optimized total, yuan")
    unscheduled: list[dict[str, Any]]
    changed_assignments: int | None
    message: str


class ProposalDay(OutputModel):
    date: date
    set_id: int
    set_code: str
    set_name: str
    set_name_zh: str = Field(description="The set's name in Chinese (set_name is English)")
    base_code: str
    scenes: list[str]


class ProposedHold(OutputModel):
    set_id: int
    set_code: str
    start: date
    end: date


class CrewProposal(OutputModel):
    run_id: int
    crew_id: int
    crew_name: str
    accepted: bool
    days: list[ProposalDay]
    holds: list[ProposedHold] = Field(
        description="What Accept places: one hold per set and run of days"
    )
    unused_holds: list[BookingOut] = Field(
        default_factory=list,
        description="The crew's holds this proposal does not use: Accept with "
        "release_unused_holds releases them (required where one stands on a date the plan "
        "shoots elsewhere)",
    )
    cost: dict[str, Any]
    unscheduled: list[dict[str, Any]]


class AcceptRequest(InputModel):
    release_unused_holds: bool = Field(
        default=False,
        description="Also release the crew's holds the proposal does not use (listed by the "
        "proposal as unused_holds); needed when one stands on a date the plan shoots elsewhere",
    )


class Acceptance(OutputModel):
    placed: list[BookingOut] = Field(description="The holds placed for the proposal")
    released: list[BookingOut] = Field(description="The crew's holds released with consent")
    unused_holds: list[BookingOut] = Field(
        description="The crew's holds the plan does not use, kept (release them to free quota)"
    )
