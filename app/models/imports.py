"""Imports: an uploaded file read into a preview kept on the server until it is applied.

Two kinds share one shape (``ImportPreview``): a crew's breakdown or screenplay into scenes
(``imports``) and the extras office's sheet into the register of performers
(``register_imports``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models._base import Model, UTCDateTime, utcnow

IMPORT_STATUSES = ("previewed", "applied", "expired")
IMPORT_FORMATS = ("xlsx", "csv", "fountain", "fdx")


class ImportPreview:
    """One uploaded file, read: applying it applies exactly what was previewed.

    ``rows`` are what the file gives (normalised, independent of the database); ``preview``
    is what applying them would do when the preview was made, with the file's errors.
    Apply recomputes the preview and refuses if it differs.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default="previewed")
    format: Mapped[str] = mapped_column(String(12))
    filename: Mapped[str] = mapped_column(String(200), default="")
    # SHA-256 of the uploaded bytes: which file this preview came from.
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rows: Mapped[list[Any]] = mapped_column(JSON, default=list)
    preview: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SceneImport(ImportPreview, Model):
    """A crew's breakdown or screenplay read into scenes: create, update or leave alone."""

    __tablename__ = "imports"
    __table_args__ = (
        CheckConstraint("status IN ('previewed', 'applied', 'expired')", name="status_known"),
        CheckConstraint("format IN ('xlsx', 'csv', 'fountain', 'fdx')", name="format_known"),
        Index("ix_imports_crew_created", "crew_id", "created_at"),
    )

    crew_id: Mapped[int] = mapped_column(ForeignKey("crews.id", ondelete="CASCADE"))


class RegisterImport(ImportPreview, Model):
    """The extras office's sheet read into performers: register new ones, update those whose
    guild card number the register knows. Only its uploader (or an admin) sees and applies it.
    """

    __tablename__ = "register_imports"
    __table_args__ = (
        CheckConstraint("status IN ('previewed', 'applied', 'expired')", name="status_known"),
        CheckConstraint("format IN ('xlsx', 'csv')", name="format_known"),
        Index("ix_register_imports_user_created", "user_id", "created_at"),
    )


__all__ = ["IMPORT_FORMATS", "IMPORT_STATUSES", "ImportPreview", "RegisterImport", "SceneImport"]
