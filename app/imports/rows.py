"""What every reader produces: scenes as the file gives them, with its problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.imports.messages import Problem

# The scene fields an import may set, in the order a breakdown lists them.
FIELDS = (
    "int_ext",
    "day_night",
    "set_description",
    "description",
    "page_eighths",
    "minutes",
    "cast",
    "extras",
    "requires",
    "earliest",
    "latest",
    "after",
)


@dataclass
class SceneRow:
    """One scene read from a file: its number (with the episode) and only the fields the
    file gives (a column left out of a breakdown leaves that field of a scene alone)."""

    at: int
    number: str
    fields: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at, "number": self.number, "fields": self.fields}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SceneRow:
        return cls(int(data["at"]), str(data["number"]), dict(data["fields"]))


@dataclass
class Parsed:
    """A file read: its kind, what a position in it counts (spreadsheet row, script line,
    Final Draft paragraph), the scenes, and what is wrong or worth knowing."""

    format: str
    unit: str
    rows: list[SceneRow] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # Every scene number the file names, rows with errors included (so that a continuity
    # reference to a faulty row is not reported again as unknown).
    numbers: set[str] = field(default_factory=set)
    # A breakdown's headers as written, by field: problems found later name the column so.
    columns: dict[str, str] = field(default_factory=dict)
