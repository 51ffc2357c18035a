"""Notices, preferences and webhook subscriptions: what the API accepts and returns."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, Strict

from app.models.notice import NoticeKind
from app.schemas import InputModel, OutputModel


class NoticeOut(OutputModel):
    id: uuid.UUID
    kind: str
    title: str = Field(description="In the user's notice language")
    text: str
    link: str | None = Field(description="The page the notice is about")
    payload: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class PreferencesIn(InputModel):
    email: Annotated[str, Field(max_length=254, pattern=r"^([^@\s\x00]+@[^@\s\x00]+)?$")] = ""
    email_enabled: Annotated[bool, Strict()] = False
    language: Literal["zh", "en"] = "zh"


class PreferencesOut(OutputModel):
    email: str
    email_enabled: bool
    language: Literal["zh", "en"]
    email_available: bool = Field(description="Whether this server sends e-mail at all")


class WebhookCreate(InputModel):
    url: Annotated[
        str,
        Field(
            max_length=2000,
            pattern=r"^https?://[^\s\x00]+$",
            examples=["https://hooks.example.com/backlot"],
        ),
    ]
    kinds: Annotated[list[NoticeKind], Field(min_length=1, max_length=20)]


class WebhookOut(OutputModel):
    id: int
    url: str
    kinds: list[str]
    active: bool
    failures: int
    disabled_at: datetime | None
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="The signing secret (whsec_…), shown only this once")


class DeliveryOut(OutputModel):
    id: uuid.UUID
    notice_id: uuid.UUID
    channel: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    last_error: str
    created_at: datetime
