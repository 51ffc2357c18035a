"""Notices (an outbox written with the change that causes them), their deliveries, webhook
subscriptions and each user's choice of channels and language."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models._base import Model, UTCDateTime, utcnow

NoticeKind = Literal[
    "hold_challenged",
    "hold_lapses_soon",
    "hold_first",
    "booking_confirmed",
    "booking_cancelled",
    "plan_proposal",
    "import_finished",
    "webhook_disabled",
]
NOTICE_KINDS: tuple[str, ...] = get_args(NoticeKind)
CHANNELS = ("webhook", "email")
DELIVERY_STATUSES = ("pending", "delivered", "failed", "cancelled")


class Notice(Model):
    """Something a user should hear about, written in the transaction of the change itself:
    a change rolled back leaves no notice, a committed one always has its notice.

    ``dedupe_key`` names notices the notify worker computes (a hold lapsing within a day), so
    that a second scan adds nothing.
    """

    __tablename__ = "notices"
    __table_args__ = (
        UniqueConstraint("user_id", "dedupe_key", name="uq_notices_user_dedupe"),
        Index("ix_notices_user_unread", "user_id", "read_at"),
        Index("ix_notices_user_created", "user_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dedupe_key: Mapped[str | None] = mapped_column(String(200))


class NoticeDelivery(Model):
    """One notice on its way through one channel: attempts, the next try, what went wrong.

    The worker leases a due delivery by moving ``next_attempt_at`` past the send, so a crash
    mid-send is retried after the lease (at least once; receivers dedupe on the notice id).
    """

    __tablename__ = "notice_deliveries"
    __table_args__ = (
        CheckConstraint("channel IN ('webhook', 'email')", name="channel_known"),
        CheckConstraint(
            "status IN ('pending', 'delivered', 'failed', 'cancelled')", name="status_known"
        ),
        CheckConstraint(
            "channel <> 'webhook' OR subscription_id IS NOT NULL", name="webhook_has_subscription"
        ),
        Index("ix_notice_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    notice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("notices.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(8))
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookSubscription(Model):
    """A user's endpoint for notices of some kinds, signed with its own secret (Standard
    Webhooks). Disabled after ``failures`` consecutive failed attempts reach the limit."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    # The signing key, "whsec_<base64>": kept as is, since signing needs it (shown once).
    secret: Mapped[str] = mapped_column(String(100))
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NoticePreference(Model):
    """How a user hears: the inbox always; e-mail if on (and the server has SMTP); which
    language notices are written in."""

    __tablename__ = "notice_preferences"
    __table_args__ = (CheckConstraint("language IN ('zh', 'en')", name="language_known"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str] = mapped_column(String(254), default="")
    email_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(2), default="zh")
