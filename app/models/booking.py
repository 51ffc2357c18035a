"""Bookings of sets by crews, their audit trail, and idempotent request records."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models._base import Model, UTCDateTime, utcnow
from app.models.crew import Crew
from app.models.location import FilmSet

BOOKING_STATUSES = ("hold", "confirmed", "released", "expired", "cancelled")
# Name of the database rule that makes double booking impossible (both backends).
NO_DOUBLE_BOOKING = "bookings_no_double_booking"


class Booking(Model):
    """One set for one crew over whole days [start_date, end_date).

    A ``hold`` ranks by ``placed_at``; it stops counting at ``expires_at`` (TTL, or
    an unanswered challenge's deadline) even before a sweep marks it ``expired``.
    """

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("start_date < end_date", name="range_not_empty"),
        CheckConstraint(
            "status IN ('hold', 'confirmed', 'released', 'expired', 'cancelled')",
            name="status_known",
        ),
        CheckConstraint("price IS NULL OR price >= 0", name="price_not_negative"),
        CheckConstraint("status <> 'hold' OR expires_at IS NOT NULL", name="hold_has_expiry"),
        CheckConstraint("status <> 'confirmed' OR price IS NOT NULL", name="confirmed_has_price"),
        Index("ix_bookings_set_dates", "set_id", "start_date", "end_date"),
        Index("ix_bookings_crew_dates", "crew_id", "start_date"),
        # Occupancy and hold ranks read only live rows (confirmed or hold) touching a range;
        # ordered by end date, today's and future rows come first, and on PostgreSQL the
        # included columns answer from the index alone.
        Index(
            "ix_bookings_live",
            "set_id",
            "end_date",
            "start_date",
            postgresql_include=["id", "crew_id", "status", "placed_at", "expires_at", "price"],
            postgresql_where=text("status IN ('confirmed', 'hold')"),
            sqlite_where=text("status IN ('confirmed', 'hold')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("sets.id", ondelete="RESTRICT"))
    crew_id: Mapped[int] = mapped_column(ForeignKey("crews.id", ondelete="RESTRICT"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    challenge_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Day rate × days, fixed when the booking is confirmed.
    price: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    film_set: Mapped[FilmSet] = relationship(lazy="joined", innerjoin=True)
    crew: Mapped[Crew] = relationship(lazy="joined", innerjoin=True)

    __mapper_args__ = {"version_id_col": version}

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days


class BookingEvent(Model):
    """Audit trail: every state change of a booking (who, when, from, to)."""

    __tablename__ = "booking_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")


class IdempotencyRecord(Model):
    """The first answer to a request carrying an Idempotency-Key, per user."""

    __tablename__ = "idempotency_keys"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
