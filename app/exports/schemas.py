"""Calendar feed links: what the API accepts and returns."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field, model_validator
from pydantic.config import JsonDict

from app.schemas import Id, InputModel, OutputModel

# The subject rule below, written into the schema: a crew feed names its crew and no set,
# a set feed its set and no crew.
_ONE_SUBJECT: JsonDict = {
    "oneOf": [
        {
            "properties": {
                "kind": {"const": "crew"},
                "crew_id": {"type": "integer"},
                "set_id": {"type": "null"},
            },
            "required": ["kind", "crew_id"],
        },
        {
            "properties": {
                "kind": {"const": "set"},
                "set_id": {"type": "integer"},
                "crew_id": {"type": "null"},
            },
            "required": ["kind", "set_id"],
        },
    ]
}


class FeedCreate(InputModel):
    model_config = ConfigDict(json_schema_extra=_ONE_SUBJECT)

    kind: Literal["crew", "set"]
    crew_id: Id | None = Field(default=None, description="For a crew feed: the crew")
    set_id: Id | None = Field(default=None, description="For a set feed: the set")

    @model_validator(mode="after")
    def _one_subject(self) -> FeedCreate:
        if self.kind == "crew" and (self.crew_id is None or self.set_id is not None):
            raise ValueError("a crew feed names crew_id and no set_id")
        if self.kind == "set" and (self.set_id is None or self.crew_id is not None):
            raise ValueError("a set feed names set_id and no crew_id")
        return self


class FeedOut(OutputModel):
    id: int
    kind: Literal["crew", "set"]
    crew_id: int | None
    set_id: int | None
    subject: str = Field(description="The crew's or set's name")
    token_prefix: str = Field(description="The first characters of the token, to recognise it")
    created_at: datetime
    revoked_at: datetime | None
    active: bool


class FeedCreated(FeedOut):
    token: str = Field(description="The secret token: shown once, never stored in clear")
    url: str = Field(description="The feed's address (path) for calendar programs")
