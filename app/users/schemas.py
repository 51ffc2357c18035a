"""Users and API keys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from app.schemas import InputModel, Name, OutputModel, ShortCode

Role = Literal["admin", "base_manager", "coordinator", "extras_office"]


def _scoped(role: str, scope: str | None) -> JsonDict:
    """The schema of one role: at least one code in its own scope list, the other one empty."""
    lists: JsonDict = {"bases": {"maxItems": 0}, "crews": {"maxItems": 0}}
    if scope is not None:
        lists[scope] = {"minItems": 1}
    branch: JsonDict = {"properties": {"role": {"const": role}, **lists}}
    if scope is not None:
        branch["required"] = ["role", scope]
    return branch


class UserCreate(InputModel):
    # The scope rule (checked in app.users.service) written into the schema.
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                _scoped("admin", None),
                _scoped("base_manager", "bases"),
                _scoped("coordinator", "crews"),
                # The extras office: some bases, or none for the whole town.
                {"properties": {"role": {"const": "extras_office"}, "crews": {"maxItems": 0}}},
            ]
        }
    )

    name: Name
    role: Role
    bases: Annotated[list[ShortCode], Field(max_length=100)] = Field(
        default=[],
        description="Base codes a base manager looks after (an extras office: its bases, "
        "none for the whole town)",
    )
    crews: Annotated[list[ShortCode], Field(max_length=100)] = Field(
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
