"""The 横漂 extras pool: the register, crews' requests, dispatch runs, assignments, pay rules.

Performers have no account: each may get private links (``PerformerLink``, hashed like feed
tokens) to their own page and calendar. A performer works for one crew a day: the unique
rule ``uq_extras_assignments_performer_day`` holds on both backends, whatever writes.
"""

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
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models._base import Model, UTCDateTime, utcnow

PERFORMER_CATEGORIES = (
    "ordinary",  # 普通
    "group_featured",  # 群特
    "featured_small",  # 小特
    "featured_mid",  # 中特
    "featured_large",  # 大特
)
PERFORMER_STATUSES = ("active", "inactive")
REQUEST_STATUSES = ("open", "cancelled")
ASSIGNMENT_STATUSES = ("proposed", "confirmed")
ATTENDANCE = ("present", "late", "absent")
# A dispatch run still to finish: queued for its worker, or running.
DISPATCH_ACTIVE = ("queued", "running")

_CATEGORY_SQL = ", ".join(f"'{c}'" for c in PERFORMER_CATEGORIES)
_DISPATCH_ACTIVE_SQL = "status IN ({})".format(", ".join(f"'{s}'" for s in DISPATCH_ACTIVE))


class Performer(Model):
    """One person of the register. Phone and birth year are for the extras office only."""

    __tablename__ = "performers"
    __table_args__ = (
        CheckConstraint("gender IN ('m', 'f')", name="gender_known"),
        CheckConstraint(f"category IN ({_CATEGORY_SQL})", name="category_known"),
        CheckConstraint("status IN ('active', 'inactive')", name="status_known"),
        CheckConstraint("max_days_per_week BETWEEN 1 AND 7", name="week_limit_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    gender: Mapped[str] = mapped_column(String(1))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    height_cm: Mapped[int | None] = mapped_column(Integer)
    card_no: Mapped[str] = mapped_column(String(32), unique=True)
    phone: Mapped[str] = mapped_column(String(32), default="")
    category: Mapped[str] = mapped_column(String(20), default="ordinary")
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    looks: Mapped[list[str]] = mapped_column(JSON, default=list)
    dialects: Mapped[list[str]] = mapped_column(JSON, default=list)
    wardrobe: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(10), default="active")
    max_days_per_week: Mapped[int] = mapped_column(Integer, default=6)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unavailable: Mapped[list[PerformerUnavailable]] = relationship(
        cascade="all, delete-orphan", order_by="PerformerUnavailable.day", lazy="selectin"
    )

    @property
    def tags(self) -> list[str]:
        """The profile tags a request may ask for: skills, looks and dialects together."""
        return sorted({*self.skills, *self.looks, *self.dialects})


class PerformerUnavailable(Model):
    __tablename__ = "performer_unavailable"

    performer_id: Mapped[int] = mapped_column(
        ForeignKey("performers.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class PerformerLink(Model):
    """A performer's private link: whoever holds the token sees their page, until revoked."""

    __tablename__ = "performer_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    performer_id: Mapped[int] = mapped_column(
        ForeignKey("performers.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(16))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ExtrasRequest(Model):
    """A crew's call for ``count`` extras of one profile on one shooting day.

    ``version`` counts its changes: the ETag that refuses an edit made from a stale copy.
    """

    __tablename__ = "extras_requests"
    __table_args__ = (
        CheckConstraint("count BETWEEN 1 AND 2000", name="count_in_range"),
        CheckConstraint("priority BETWEEN 0 AND 9", name="priority_in_range"),
        CheckConstraint("hours BETWEEN 1 AND 24", name="hours_in_range"),
        CheckConstraint("status IN ('open', 'cancelled')", name="status_known"),
        CheckConstraint("gender IS NULL OR gender IN ('m', 'f')", name="gender_known"),
        Index("ix_extras_requests_base_day", "base_id", "day"),
        Index("ix_extras_requests_crew_day", "crew_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    crew_id: Mapped[int] = mapped_column(ForeignKey("crews.id", ondelete="CASCADE"))
    set_id: Mapped[int] = mapped_column(ForeignKey("sets.id", ondelete="RESTRICT"))
    base_id: Mapped[int] = mapped_column(ForeignKey("bases.id", ondelete="RESTRICT"))
    day: Mapped[date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(Integer)
    gender: Mapped[str | None] = mapped_column(String(1))
    age_min: Mapped[int | None] = mapped_column(Integer)
    age_max: Mapped[int | None] = mapped_column(Integer)
    height_min: Mapped[int | None] = mapped_column(Integer)
    height_max: Mapped[int | None] = mapped_column(Integer)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    priority: Mapped[int] = mapped_column(Integer, default=5)
    call_time: Mapped[str] = mapped_column(String(5), default="07:00")
    hours: Mapped[int] = mapped_column(Integer, default=8)
    wardrobe_notes: Mapped[str] = mapped_column(Text, default="")
    # "Same people as on day X": the crew's earlier request whose performers are preferred.
    continuity_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("extras_requests.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class ExtrasRequestEvent(Model):
    """Audit trail of a request: created, changed, cancelled (who, when, why)."""

    __tablename__ = "extras_request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("extras_requests.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")


class DispatchRun(Model):
    """One dispatch of a day: inputs hash, fill rate, fairness, changes since the last run.

    One run of a day is queued or running at a time, whatever its base: runs of two bases
    would offer the same performers (the register is the town's). The partial unique index
    holds it on both backends, so the office's button and cron racing cannot start two.
    """

    __tablename__ = "dispatch_runs"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'stopped', 'failed')", name="status_known"
        ),
        Index("ix_dispatch_runs_day", "day"),
        Index(
            "uq_dispatch_runs_one_active_per_day",
            "day",
            unique=True,
            postgresql_where=text(_DISPATCH_ACTIVE_SQL),
            sqlite_where=text(_DISPATCH_ACTIVE_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    base_id: Mapped[int | None] = mapped_column(ForeignKey("bases.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default="queued")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The worker's last sign of life while running (app.jobs.Heartbeat).
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    inputs_hash: Mapped[str | None] = mapped_column(String(64))
    slots: Mapped[int | None] = mapped_column(Integer)
    filled: Mapped[int | None] = mapped_column(Integer)
    fairness: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    unfilled: Mapped[list[Any]] = mapped_column(JSON, default=list)
    changes: Mapped[int | None] = mapped_column(Integer)
    progress: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    message: Mapped[str] = mapped_column(Text, default="")


class ExtrasAssignment(Model):
    """A performer on a request: proposed by a run until the office confirms it.

    Attendance and hours are recorded after the day; the pay sheet reads them.
    """

    __tablename__ = "extras_assignments"
    __table_args__ = (
        UniqueConstraint("performer_id", "day", name="uq_extras_assignments_performer_day"),
        CheckConstraint("status IN ('proposed', 'confirmed')", name="status_known"),
        CheckConstraint(
            "attendance IS NULL OR attendance IN ('present', 'late', 'absent')",
            name="attendance_known",
        ),
        CheckConstraint(
            "hours_worked IS NULL OR hours_worked BETWEEN 0 AND 24", name="hours_in_range"
        ),
        Index("ix_extras_assignments_request", "request_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("extras_requests.id", ondelete="CASCADE"))
    performer_id: Mapped[int] = mapped_column(ForeignKey("performers.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("dispatch_runs.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), default="proposed")
    continuity: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attendance: Mapped[str | None] = mapped_column(String(8))
    hours_worked: Mapped[int | None] = mapped_column(Integer)
    tasks: Mapped[list[str]] = mapped_column(JSON, default=list)


class PayRule(Model):
    """The guild's published rates for one category, as a base applies them (integer yuan)."""

    __tablename__ = "extras_pay_rules"
    __table_args__ = (
        CheckConstraint(f"category IN ({_CATEGORY_SQL})", name="category_known"),
        CheckConstraint(
            "base_fee >= 0 AND overtime_per_hour >= 0 AND night_per_hour >= 0",
            name="rates_not_negative",
        ),
        CheckConstraint("standard_hours BETWEEN 1 AND 24", name="standard_hours_in_range"),
        CheckConstraint("commission_pct BETWEEN 0 AND 100", name="commission_in_range"),
        CheckConstraint(
            "night_start BETWEEN 0 AND 23 AND night_end BETWEEN 0 AND 24", name="night_in_range"
        ),
    )

    base_id: Mapped[int] = mapped_column(
        ForeignKey("bases.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    base_fee: Mapped[int] = mapped_column(Integer)
    standard_hours: Mapped[int] = mapped_column(Integer, default=8)
    overtime_per_hour: Mapped[int] = mapped_column(Integer, default=0)
    night_per_hour: Mapped[int] = mapped_column(Integer, default=0)
    night_start: Mapped[int] = mapped_column(Integer, default=0)
    night_end: Mapped[int] = mapped_column(Integer, default=5)
    surcharges: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    commission_pct: Mapped[int] = mapped_column(Integer, default=10)
