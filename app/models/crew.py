"""Crews (a production's shooting unit), their cast and their scenes."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models._base import Model

SCENE_STATUSES = ("unscheduled", "scheduled", "shot")


class Crew(Model):
    __tablename__ = "crews"
    __table_args__ = (
        CheckConstraint("window_start < window_end", name="window_not_empty"),
        CheckConstraint("day_cost >= 0", name="day_cost_not_negative"),
        CheckConstraint("max_minutes_per_day > 0", name="max_minutes_positive"),
        CheckConstraint("minutes_per_page > 0", name="minutes_per_page_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    company: Mapped[str] = mapped_column(String(200))
    licence_no: Mapped[str] = mapped_column(String(100))
    # The shooting window, half-open [window_start, window_end).
    window_start: Mapped[date] = mapped_column(Date)
    window_end: Mapped[date] = mapped_column(Date)
    day_cost: Mapped[int] = mapped_column(Integer)
    max_minutes_per_day: Mapped[int] = mapped_column(Integer, default=720)
    # Shooting minutes per page of script: turns an imported scene's length in eighths of a
    # page into the minutes the optimizer plans with.
    minutes_per_page: Mapped[int] = mapped_column(Integer, default=60)
    # When the unit is called on a shooting day (local time), unless a day says otherwise.
    call_time: Mapped[time] = mapped_column(Time, default=time(7, 0), server_default="07:00:00")


class CastMember(Model):
    __tablename__ = "cast_members"
    __table_args__ = (
        CheckConstraint("day_cost >= 0", name="day_cost_not_negative"),
        CheckConstraint("makeup_minutes BETWEEN 0 AND 600", name="makeup_minutes_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    crew_id: Mapped[int] = mapped_column(ForeignKey("crews.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    day_cost: Mapped[int] = mapped_column(Integer)
    # Hair, makeup and wardrobe before the crew call: the call sheet's makeup time.
    makeup_minutes: Mapped[int] = mapped_column(Integer, default=90, server_default="90")
    unavailable: Mapped[list[CastUnavailable]] = relationship(
        cascade="all, delete-orphan", order_by="CastUnavailable.day", lazy="selectin"
    )


class CastUnavailable(Model):
    __tablename__ = "cast_unavailable"

    cast_id: Mapped[int] = mapped_column(
        ForeignKey("cast_members.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class Scene(Model):
    __tablename__ = "scenes"
    __table_args__ = (
        UniqueConstraint("crew_id", "number", name="uq_scenes_crew_number"),
        CheckConstraint("int_ext IN ('INT', 'EXT')", name="int_ext_known"),
        CheckConstraint("day_night IN ('DAY', 'NIGHT')", name="day_night_known"),
        CheckConstraint("minutes > 0", name="minutes_positive"),
        CheckConstraint("page_eighths >= 0", name="page_eighths_not_negative"),
        CheckConstraint("extras >= 0", name="extras_not_negative"),
        CheckConstraint("status IN ('unscheduled', 'scheduled', 'shot')", name="status_known"),
        CheckConstraint(
            "earliest IS NULL OR latest IS NULL OR earliest <= latest",
            name="earliest_before_latest",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    crew_id: Mapped[int] = mapped_column(ForeignKey("crews.id", ondelete="CASCADE"), index=True)
    # A series writes the episode in front: "3-12A" is episode 3, scene 12A (集-场).
    number: Mapped[str] = mapped_column(String(16))
    int_ext: Mapped[str] = mapped_column(String(3))
    day_night: Mapped[str] = mapped_column(String(5))
    # The synopsis (内容); the set as the script names it (场景), e.g. "客栈大堂".
    description: Mapped[str] = mapped_column(Text, default="")
    set_description: Mapped[str] = mapped_column(String(200), default="")
    # Background artists (群演) the scene needs.
    extras: Mapped[int] = mapped_column(Integer, default=0)
    required_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    minutes: Mapped[int] = mapped_column(Integer)
    page_eighths: Mapped[int] = mapped_column(Integer, default=0)
    earliest: Mapped[date | None] = mapped_column(Date)
    latest: Mapped[date | None] = mapped_column(Date)
    # False: any set with the tags; True: only the sets in allowed_sets (possibly none).
    restrict_sets: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default="unscheduled")
    # A coordinator may pin a scene to a date and/or set; the optimizer keeps the pin.
    pinned_date: Mapped[date | None] = mapped_column(Date)
    pinned_set_id: Mapped[int | None] = mapped_column(ForeignKey("sets.id", ondelete="SET NULL"))

    cast_links: Mapped[list[SceneCast]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    allowed_set_links: Mapped[list[SceneAllowedSet]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    after_links: Mapped[list[ScenePredecessor]] = relationship(
        cascade="all, delete-orphan",
        lazy="selectin",
        foreign_keys="ScenePredecessor.scene_id",
    )


class SceneCast(Model):
    __tablename__ = "scene_cast"

    scene_id: Mapped[int] = mapped_column(
        ForeignKey("scenes.id", ondelete="CASCADE"), primary_key=True
    )
    cast_id: Mapped[int] = mapped_column(
        ForeignKey("cast_members.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class SceneAllowedSet(Model):
    __tablename__ = "scene_allowed_sets"

    scene_id: Mapped[int] = mapped_column(
        ForeignKey("scenes.id", ondelete="CASCADE"), primary_key=True
    )
    set_id: Mapped[int] = mapped_column(ForeignKey("sets.id", ondelete="CASCADE"), primary_key=True)


class ScenePredecessor(Model):
    """Scene ``scene_id`` must be shot after ``before_id`` (continuity)."""

    __tablename__ = "scene_after"
    __table_args__ = (CheckConstraint("scene_id <> before_id", name="not_after_itself"),)

    scene_id: Mapped[int] = mapped_column(
        ForeignKey("scenes.id", ondelete="CASCADE"), primary_key=True
    )
    before_id: Mapped[int] = mapped_column(
        ForeignKey("scenes.id", ondelete="CASCADE"), primary_key=True, index=True
    )


__all__ = [
    "SCENE_STATUSES",
    "CastMember",
    "CastUnavailable",
    "Crew",
    "Scene",
    "SceneAllowedSet",
    "SceneCast",
    "ScenePredecessor",
]
