"""Secret links to iCalendar feeds of a crew's or a set's bookings, revocable at any time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models._base import Model, UTCDateTime, utcnow

FEED_KINDS = ("crew", "set")


class FeedToken(Model):
    """A calendar subscription: whoever holds the token reads the feed, until it is revoked.

    Only the token's SHA-256 is stored (like API keys); the feed shows what its creator
    may see, and is revoked with the creator's key (revoked or rotated) for good.
    """

    __tablename__ = "feed_tokens"
    __table_args__ = (
        CheckConstraint("kind IN ('crew', 'set')", name="kind_known"),
        CheckConstraint(
            "(kind = 'crew' AND crew_id IS NOT NULL AND set_id IS NULL) OR "
            "(kind = 'set' AND set_id IS NOT NULL AND crew_id IS NULL)",
            name="one_subject",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    crew_id: Mapped[int | None] = mapped_column(
        ForeignKey("crews.id", ondelete="CASCADE"), index=True
    )
    set_id: Mapped[int | None] = mapped_column(
        ForeignKey("sets.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(16))
    created_by_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
