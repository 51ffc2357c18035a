"""Users and API keys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from app.schemas import Code, InputModel, Name, OutputModel

Role = Literal["admin", "base_manager", "coordinator"]


class UserCreate(InputModel):
    name: Name
    role: Role
    bases: Annotated[list[Code], Field(max_length=100)] = Field(
        default=[], description="Base codes a base manager looks after"
    )
    crews: Annotated[list[Code], Field(max_length=100)] = Field(
        default=[], description="Crew codes a coordinator works for"
    )


class UserOut(OutputModel):
    id: int
    name: str
    role: str
    active: bool
    api_key_prefix: str
    bases: list[str]
    crews: list[str]
    created_at: datetime


class UserWithKey(UserOut):
    api_key: str = Field(description="Shown once: store it now")
