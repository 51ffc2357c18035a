"""Imports: an uploaded file read into a preview kept on the server until it is applied.

Two kinds share one shape (``ImportPreview``): a crew's breakdown or screenplay into scenes
(``imports``) and the extras office's sheet into the register of performers
(``register_imports``). A register is the office's whole sheet (thousands of performers):
its preview keeps one row per performer in ``register_import_rows``, paged and filtered in
SQL, rather than in the import's JSON.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models._base import Model, UTCDateTime, utcnow

IMPORT_STATUSES = ("previewed", "applied", "expired")
IMPORT_FORMATS = ("xlsx", "csv", "fountain", "fdx")
REGISTER_ACTIONS = ("create", "update", "unchanged")


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

    Its ``rows`` stay empty and its ``preview`` holds the counts and the file's problems: each
    performer row, what the file gives and what applying it would do, is a
    ``RegisterImportEntry``.
    """

    __tablename__ = "register_imports"
    __table_args__ = (
        CheckConstraint("status IN ('previewed', 'applied', 'expired')", name="status_known"),
        CheckConstraint("format IN ('xlsx', 'csv')", name="format_known"),
        Index("ix_register_imports_user_created", "user_id", "created_at"),
    )


class RegisterImportEntry(Model):
    """One performer row of a register import: the fields the sheet gives (``fields``, its
    non-blank cells) and what applying them would do when previewed: ``create``, ``update``
    (``changes`` and the register's values they replace, ``before``) or ``unchanged``."""

    __tablename__ = "register_import_rows"
    __table_args__ = (
        CheckConstraint("action IN ('create', 'update', 'unchanged')", name="action_known"),
        Index("ix_register_import_rows_action", "import_id", "action", "at"),
    )

    import_id: Mapped[int] = mapped_column(
        ForeignKey("register_imports.id", ondelete="CASCADE"), primary_key=True
    )
    at: Mapped[int] = mapped_column(Integer, primary_key=True)  # the sheet's row
    card_no: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(12))
    # The performer matched when previewed, as seen then (no foreign key: applying compares
    # it with the register as it is, and refuses when they differ).
    performer_id: Mapped[int | None] = mapped_column(Integer)
    changes: Mapped[list[str]] = mapped_column(JSON, default=list)
    before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


__all__ = [
    "IMPORT_FORMATS",
    "IMPORT_STATUSES",
    "REGISTER_ACTIONS",
    "ImportPreview",
    "RegisterImport",
    "RegisterImportEntry",
    "SceneImport",
]
