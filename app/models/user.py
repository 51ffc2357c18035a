"""Users, their role and scope (bases or crews), and hashed API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models._base import Model, UTCDateTime, utcnow

ROLES = ("admin", "base_manager", "coordinator", "extras_office")


class User(Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'base_manager', 'coordinator', 'extras_office')", name="role_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    # SHA-256 of the key: keys are long random tokens, so a fast hash is enough.
    api_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    api_key_prefix: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    base_links: Mapped[list[UserBase]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    crew_links: Mapped[list[UserCrew]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def base_ids(self) -> set[int]:
        return {link.base_id for link in self.base_links}

    @property
    def crew_ids(self) -> set[int]:
        return {link.crew_id for link in self.crew_links}


class UserBase(Model):
    __tablename__ = "user_bases"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    base_id: Mapped[int] = mapped_column(
        ForeignKey("bases.id", ondelete="CASCADE"), primary_key=True
    )


class UserCrew(Model):
    __tablename__ = "user_crews"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    crew_id: Mapped[int] = mapped_column(
        ForeignKey("crews.id", ondelete="CASCADE"), primary_key=True
    )
