"""Page sessions kept on the server: the signed cookie carries only an opaque session id."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models._base import Model, UTCDateTime


class WebSession(Model):
    """One signed-in browser. It ends at ``expires_at`` (fixed at sign-in, never extended),
    at sign-out (``revoked_at``), or when the user's key is revoked or rotated.

    Only the SHA-256 of the session id is stored (like API keys and feed tokens): a copy of
    this table opens no session.
    """

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the next page shows once: messages of any length (a refusal naming a long
    # blackout reason) and a form's fields kept across a sign-in. Never in the cookie,
    # which browsers drop past about 4 kB.
    flash: Mapped[dict[str, Any] | None] = mapped_column(JSON)
