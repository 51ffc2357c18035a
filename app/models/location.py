"""Film bases, their bookable sets and stages, blackouts and company-move costs."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models._base import Model

SET_KINDS = ("backlot", "stage")


class Base(Model):
    """A film base (e.g. 梦外滩 Dream Bund) with its own hold and challenge rules."""

    __tablename__ = "bases"
    __table_args__ = (
        CheckConstraint("hold_ttl_hours > 0", name="hold_ttl_positive"),
        CheckConstraint("challenge_hours > 0", name="challenge_hours_positive"),
        CheckConstraint("latitude IS NULL OR latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint(
            "longitude IS NULL OR longitude BETWEEN -180 AND 180", name="longitude_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200))
    hold_ttl_hours: Mapped[int] = mapped_column(Integer, default=168)
    challenge_hours: Mapped[int] = mapped_column(Integer, default=48)
    # Extras requests for a day close at this hour of the day before (Asia/Shanghai).
    extras_cutoff_hour: Mapped[int] = mapped_column(Integer, default=18, server_default="18")
    # Where the base is: call sheets print its address and its sunrise and sunset.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str] = mapped_column(Text, default="", server_default="")

    sets: Mapped[list[FilmSet]] = relationship(back_populates="base", order_by="FilmSet.code")


class FilmSet(Model):
    """A bookable set or sound stage: one crew at a time."""

    __tablename__ = "sets"
    __table_args__ = (
        CheckConstraint("day_rate >= 0", name="day_rate_not_negative"),
        CheckConstraint("kind IN ('backlot', 'stage')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    base_id: Mapped[int] = mapped_column(ForeignKey("bases.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    day_rate: Mapped[int] = mapped_column(Integer)
    # Printed on call sheets: where the unit reports, and what it must know about the place.
    address: Mapped[str] = mapped_column(Text, default="", server_default="")
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")

    base: Mapped[Base] = relationship(back_populates="sets")
    tag_rows: Mapped[list[SetTag]] = relationship(
        cascade="all, delete-orphan", order_by="SetTag.tag", lazy="selectin"
    )

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]


class SetTag(Model):
    """One tag of a set (era, type, interior/exterior); a table so searches use an index."""

    __tablename__ = "set_tags"

    set_id: Mapped[int] = mapped_column(ForeignKey("sets.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class Blackout(Model):
    """Days a set cannot be booked: maintenance, tourist events. Half-open [start, end)."""

    __tablename__ = "blackouts"
    __table_args__ = (CheckConstraint("start_date < end_date", name="range_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("sets.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")


class Travel(Model):
    """Company-move cost between two bases; stored once per unordered pair (a < b)."""

    __tablename__ = "travel"
    __table_args__ = (
        CheckConstraint("base_a_id < base_b_id", name="pair_ordered_and_distinct"),
        CheckConstraint("cost >= 0", name="cost_not_negative"),
        UniqueConstraint("base_a_id", "base_b_id", name="uq_travel_pair"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    base_a_id: Mapped[int] = mapped_column(ForeignKey("bases.id", ondelete="CASCADE"))
    base_b_id: Mapped[int] = mapped_column(ForeignKey("bases.id", ondelete="CASCADE"))
    cost: Mapped[int] = mapped_column(Integer)
