"""Imports: what the API returns about a preview and an applied import."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.schemas import OutputModel


class ImportProblem(BaseModel):
    """Something wrong with the file (an error: the import cannot be applied) or worth
    knowing (a warning), at a row of a spreadsheet, a line of a Fountain script or a
    paragraph of a Final Draft script, in a column when it is a spreadsheet's."""

    at: int | None = Field(description="Row, line or paragraph (see the import's unit)")
    column: str | None = Field(description="The column's header as the file writes it")
    code: str = Field(examples=["bad_day_night"])
    params: dict[str, Any]
    message: str = Field(examples=["'黄昏后' is neither day nor night: write 日/夜 or DAY/NIGHT."])


class SceneFieldsIn(BaseModel):
    """A scene as the file gives it; a field the file does not give is absent."""

    int_ext: Literal["INT", "EXT"] | None = None
    day_night: Literal["DAY", "NIGHT"] | None = None
    set_description: str | None = None
    description: str | None = None
    page_eighths: int | None = None
    minutes: int | None = None
    cast: list[str] | None = Field(default=None, description="Names, as the file writes them")
    extras: int | None = None
    requires: list[str] | None = None
    earliest: date | None = None
    latest: date | None = None
    after: list[str] | None = Field(default=None, description="Scene numbers shot before it")


class ImportScene(BaseModel):
    at: int = Field(description="Row, line or paragraph where the scene is")
    number: str = Field(examples=["3-12A"])
    scene_id: int | None = Field(description="The crew's scene it matches, if any")
    action: Literal["create", "update", "unchanged", "left_alone"]
    reason: Literal["shot", "accepted", "pinned", "scheduled"] | None = Field(
        description="Why a scene is left alone: an import never changes a scene shot or booked"
    )
    changes: list[str] = Field(description="Fields that differ from the crew's scene")
    fields: SceneFieldsIn


class ImportCounts(BaseModel):
    create: int
    update: int
    unchanged: int
    left_alone: int


class ImportOut(OutputModel):
    id: int
    crew_id: int
    status: Literal["previewed", "applied", "expired"]
    format: Literal["xlsx", "csv", "fountain", "fdx"]
    filename: str
    content_hash: str = Field(description="SHA-256 of the uploaded file")
    created_at: datetime
    applied_at: datetime | None
    expires_at: datetime | None = Field(description="When an unapplied preview lapses")
    unit: Literal["row", "line", "paragraph"]
    can_apply: bool
    counts: ImportCounts
    scenes: list[ImportScene]
    new_cast: list[str] = Field(description="Names matching no cast member: created on apply")
    errors: list[ImportProblem]
    warnings: list[ImportProblem]


class ImportApplied(ImportOut):
    created: list[int] = Field(description="Scenes created")
    updated: list[int] = Field(description="Scenes updated")
    cast_created: list[int] = Field(description="Cast members created (day cost 0)")
