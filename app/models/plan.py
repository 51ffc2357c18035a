"""Nightly optimizer runs and the proposals they offer to crews."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models._base import Model, UTCDateTime, utcnow

RUN_STATUSES = ("queued", "running", "succeeded", "stopped", "failed")


class PlanRun(Model):
    """One optimizer run: parameters, problem size, costs against the first-come baseline."""

    __tablename__ = "plan_runs"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'stopped', 'failed')", name="status_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(12), default="queued")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The worker's last sign of life while running (app.jobs.Heartbeat).
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    horizon_start: Mapped[date | None] = mapped_column(Date)
    horizon_end: Mapped[date | None] = mapped_column(Date)
    problem_hash: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    progress: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    greedy_total: Mapped[int | None] = mapped_column(Integer)
    total: Mapped[int | None] = mapped_column(Integer)
    cost: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    lower_bound: Mapped[int | None] = mapped_column(Integer)
    savings: Mapped[int | None] = mapped_column(Integer)
    # Per crew: cost terms and the reasons for each unscheduled scene.
    crews: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    unscheduled: Mapped[list[Any]] = mapped_column(JSON, default=list)
    changed_assignments: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text, default="")


class Proposal(Model):
    """A scene placed by a run on a set and start date, offered to its crew until accepted."""

    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint("days > 0", name="days_positive"),
        Index("ix_proposals_set_date", "set_id", "date"),
        Index("ix_proposals_crew", "crew_id", "run_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("plan_runs.id", ondelete="CASCADE"), index=True)
    crew_id: Mapped[int] = mapped_column(ForeignKey("crews.id", ondelete="CASCADE"))
    scene_id: Mapped[int] = mapped_column(ForeignKey("scenes.id", ondelete="CASCADE"))
    set_id: Mapped[int] = mapped_column(ForeignKey("sets.id", ondelete="CASCADE"))
    date: Mapped[date] = mapped_column(Date)
    days: Mapped[int] = mapped_column(Integer, default=1)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
