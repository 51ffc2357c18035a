"""The register from the office's sheet: a preview kept on the server, applied all or nothing
with the safety of a crew's breakdown import (``app.imports.service``).

Each row is matched to the register by guild card number (the register is the town's one
list; the number is unique in it): a new number **creates** a performer, a known one
**updates** the fields the sheet gives that differ, or is **unchanged**. The preview shows
each change with the value it replaces; nothing in the register changes until applied.

Applying recomputes the preview under a lock on those performers: a difference from what was
shown (a performer registered or edited meanwhile) refuses the whole import with a 409, as do
problems in the file, an expired preview and a second apply. Nothing is changed then.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict
from app.extras import service
from app.extras.register_sheet import PerformerRow, RegisterSheet
from app.extras.schemas import PerformerCreate
from app.imports.service import claim, drop_stale, keep_preview, refuse_unless_applicable
from app.models import Performer, RegisterImport, User

ACTIONS = ("create", "update", "unchanged")
LISTS = ("skills", "looks", "dialects")


def _registered(session: Session, cards: Iterable[str], lock: bool = False) -> dict[str, Performer]:
    """The register's performers with these card numbers, by number."""
    stmt = select(Performer).where(Performer.card_no.in_(sorted(set(cards))))
    if lock:
        # Applying: nobody edits these performers under the import.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return {p.card_no: p for p in session.scalars(stmt)}


def _current(performer: Performer, name: str) -> Any:
    """A performer's field in the form a sheet's row gives it."""
    value = getattr(performer, name)
    return sorted(set(value)) if name in LISTS else value


def build_preview(registered: dict[str, Performer], rows: list[PerformerRow]) -> dict[str, Any]:
    """What applying ``rows`` would do to the register as it stands (JSON, stored and compared)."""
    entries: list[dict[str, Any]] = []
    for row in rows:
        performer = registered.get(row.card_no)
        entry: dict[str, Any] = {
            "at": row.at,
            "card_no": row.card_no,
            "name": row.fields["name"],
            "performer_id": performer.id if performer is not None else None,
            "action": "create",
            "changes": [],
            "before": {},
            "fields": row.fields,
        }
        if performer is not None:
            changes = [n for n, value in row.fields.items() if _current(performer, n) != value]
            entry["action"] = "update" if changes else "unchanged"
            entry["changes"] = changes
            entry["before"] = {n: _current(performer, n) for n in changes}
        entries.append(entry)
    counts = {a: sum(1 for e in entries if e["action"] == a) for a in ACTIONS}
    return {"unit": "row", "rows": entries, "counts": counts}


def create_preview(
    session: Session,
    user: User,
    sheet: RegisterSheet,
    data: bytes,
    filename: str,
    now: datetime,
) -> RegisterImport:
    """Keep the sheet's performers and what applying them would do; the register is untouched."""
    drop_stale(session, RegisterImport, now, RegisterImport.user_id == user.id)
    preview = build_preview(_registered(session, (r.card_no for r in sheet.rows)), sheet.rows)
    errors = [e.to_json(sheet.unit) for e in sheet.errors]
    preview["errors"] = sorted(errors, key=lambda p: (p.get("at") or 0, p.get("column") or ""))
    preview["warnings"] = [w.to_json(sheet.unit) for w in sheet.warnings]
    preview["counts"]["error_rows"] = len({e["at"] for e in errors})
    rows = [r.to_json() for r in sheet.rows]
    return keep_preview(
        session, RegisterImport(), user, sheet.format, data, filename, now, rows, preview
    )


@dataclass
class Applied:
    created: list[int]
    updated: list[int]


def _differences(shown: list[dict[str, Any]], now: list[dict[str, Any]]) -> list[str]:
    """What changed in the register since the preview, row by row, in a few words."""
    was = {e["card_no"]: e for e in shown}
    said = []
    for entry in now:
        before = was.get(entry["card_no"])
        if before == entry:
            continue
        if before is not None and before["action"] == "create":
            said.append(f"card {entry['card_no']} (row {entry['at']}): registered meanwhile")
        else:
            said.append(f"card {entry['card_no']} (row {entry['at']}): edited meanwhile")
    return said


def apply_import(session: Session, found: RegisterImport, now: datetime) -> Applied:
    """Register and update exactly what the preview showed, or nothing (409 naming why)."""
    refuse_unless_applicable(found, now)
    rows = [PerformerRow.from_json(r) for r in found.rows]
    registered = _registered(session, (r.card_no for r in rows), lock=True)
    recomputed = build_preview(registered, rows)
    if recomputed["rows"] != found.preview.get("rows"):
        differences = _differences(found.preview.get("rows", []), recomputed["rows"])
        raise Conflict(
            "The register changed since this preview ("
            + "; ".join(differences[:5])
            + (f"; and {len(differences) - 5} more" if len(differences) > 5 else "")
            + "). Nothing was changed: upload the file again to see a fresh preview.",
            code="changed",
            differences=differences,
        )
    claim(session, found, now)
    created: list[int] = []
    updated: list[int] = []
    for entry in recomputed["rows"]:
        if entry["action"] == "create":
            body = PerformerCreate.model_validate(entry["fields"])
            created.append(service.create_performer(session, body).id)
        elif entry["action"] == "update":
            performer = registered[entry["card_no"]]
            changes = {n: entry["fields"][n] for n in entry["changes"]}
            service.update_performer(session, performer, changes)
            updated.append(performer.id)
    return Applied(created, updated)
