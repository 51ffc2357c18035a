"""The register from the office's sheet: a preview kept on the server, applied all or nothing
with the safety of a crew's breakdown import (``app.imports.service``).

Each row is matched to the register by guild card number (the register is the town's one
list; the number is unique in it): a new number **creates** a performer, a known one
**updates** the fields the sheet gives that differ, or is **unchanged**. The preview shows
each change with the value it replaces; nothing in the register changes until applied.

The sheet is the office's whole register, up to 20,000 performers: the preview keeps one
``RegisterImportEntry`` per row (paged and filtered in SQL), the register is read a few
thousand card numbers a query, and applying registers and updates in batched statements.

Applying recomputes the preview under a lock on those performers: a difference from what was
shown (a performer registered or edited meanwhile) refuses the whole import with a 409, as do
problems in the file, an expired preview and a second apply. Nothing is changed then.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.errors import Conflict, unique_clash
from app.extras.register_sheet import PerformerRow, RegisterSheet
from app.extras.schemas import PerformerCreate
from app.imports.service import claim, drop_stale, keep_preview, refuse_unless_applicable
from app.models import REGISTER_ACTIONS, Performer, RegisterImport, RegisterImportEntry, User

LISTS = ("skills", "looks", "dialects")
# A performer's fields as a sheet's row may give them.
FIELDS = tuple(PerformerCreate.model_fields)
# Card numbers looked up a query: within every backend's limit of bound parameters.
LOOKUP_BATCH = 5000
ENTRY = ("at", "card_no", "name", "action", "performer_id", "changes", "before", "fields")

_ENTRIES = cast(Table, RegisterImportEntry.__table__)
_PERFORMERS = cast(Table, Performer.__table__)

# card number -> the performer's id and fields, each in the form a sheet's row gives it
Registered = dict[str, dict[str, Any]]


def _batches(cards: Iterable[str]) -> Iterator[list[str]]:
    wanted = sorted(set(cards))
    for start in range(0, len(wanted), LOOKUP_BATCH):
        yield wanted[start : start + LOOKUP_BATCH]


def _registered(session: Session, cards: Iterable[str], lock: bool = False) -> Registered:
    """The register's performers with these card numbers, by number: one query a batch."""
    columns = [Performer.id, *(getattr(Performer, name) for name in FIELDS)]
    found: Registered = {}
    for batch in _batches(cards):
        stmt = select(*columns).where(Performer.card_no.in_(batch))
        if lock:
            # Applying: nobody edits these performers under the import.
            stmt = stmt.with_for_update()
        for row in session.execute(stmt):
            values = row._asdict()
            for name in LISTS:
                values[name] = sorted(set(values[name]))
            found[values["card_no"]] = values
    return found


def build_preview(registered: Registered, rows: Iterable[PerformerRow]) -> list[dict[str, Any]]:
    """What applying ``rows`` would do to the register as it stands, a ``RegisterImportEntry``
    each (stored, and compared when applied)."""
    entries: list[dict[str, Any]] = []
    for row in rows:
        known = registered.get(row.card_no)
        entry: dict[str, Any] = {
            "at": row.at,
            "card_no": row.card_no,
            "name": row.fields["name"],
            "action": "create",
            "performer_id": None,
            "changes": [],
            "before": {},
            "fields": row.fields,
        }
        if known is not None:
            changes = [n for n, value in row.fields.items() if known[n] != value]
            entry["action"] = "update" if changes else "unchanged"
            entry["performer_id"] = known["id"]
            entry["changes"] = changes
            entry["before"] = {n: known[n] for n in changes}
        entries.append(entry)
    return entries


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
    entries = build_preview(_registered(session, (r.card_no for r in sheet.rows)), sheet.rows)
    errors = [e.to_json(sheet.unit) for e in sheet.errors]
    counts = {a: 0 for a in REGISTER_ACTIONS}
    for entry in entries:
        counts[entry["action"]] += 1
    counts["error_rows"] = len({e["at"] for e in errors})
    preview = {
        "unit": sheet.unit,
        "counts": counts,
        "errors": sorted(errors, key=lambda p: (p.get("at") or 0, p.get("column") or "")),
        "warnings": [w.to_json(sheet.unit) for w in sheet.warnings],
    }
    found = keep_preview(
        session, RegisterImport(), user, sheet.format, data, filename, now, [], preview
    )
    if entries:  # one executemany, without the ORM's bookkeeping of 20,000 objects
        session.execute(insert(_ENTRIES), [{"import_id": found.id, **e} for e in entries])
    return found


def entries_stmt(found: RegisterImport, action: str | None = None) -> Select[Any]:
    """The preview's performer rows in the sheet's order, those of one action if given: what
    the API and the page list (a page at a time)."""
    stmt = select(RegisterImportEntry).where(RegisterImportEntry.import_id == found.id)
    if action is not None:
        stmt = stmt.where(RegisterImportEntry.action == action)
    return stmt.order_by(RegisterImportEntry.at)


def entry_out(entry: RegisterImportEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in ENTRY}


def _shown(session: Session, found: RegisterImport) -> list[dict[str, Any]]:
    """Every row of the preview as it was shown, in the sheet's order."""
    columns = [getattr(RegisterImportEntry, name) for name in ENTRY]
    stmt = (
        select(*columns)
        .where(RegisterImportEntry.import_id == found.id)
        .order_by(RegisterImportEntry.at)
    )
    return [dict(row) for row in session.execute(stmt).mappings()]


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


def _changed(differences: list[str]) -> Conflict:
    return Conflict(
        "The register changed since this preview ("
        + "; ".join(differences[:5])
        + (f"; and {len(differences) - 5} more" if len(differences) > 5 else "")
        + "). Nothing was changed: upload the file again to see a fresh preview.",
        code="changed",
        differences=differences,
    )


def apply_import(session: Session, found: RegisterImport, now: datetime) -> Applied:
    """Register and update exactly what the preview showed, or nothing (409 naming why)."""
    refuse_unless_applicable(found, now)
    shown = _shown(session, found)
    rows = [PerformerRow(e["at"], e["card_no"], e["fields"]) for e in shown]
    registered = _registered(session, (r.card_no for r in rows), lock=True)
    recomputed = build_preview(registered, rows)
    if recomputed != shown:
        raise _changed(_differences(shown, recomputed))
    claim(session, found, now)
    created = _register(session, [e for e in recomputed if e["action"] == "create"], now)
    updated = _update(session, [e for e in recomputed if e["action"] == "update"])
    return Applied(created, updated)


def _register(session: Session, entries: list[dict[str, Any]], now: datetime) -> list[int]:
    """The new performers, in one executemany; their ids in the sheet's order."""
    if not entries:
        return []
    values = [
        {**PerformerCreate.model_validate(e["fields"]).model_dump(), "created_at": now}
        for e in entries
    ]
    try:
        # Without RETURNING: PostgreSQL's driver would parse each thousand-row statement
        # anew; the ids are read back by card number (2.5 times faster for 20,000).
        session.execute(insert(_PERFORMERS), values)
    except IntegrityError as exc:
        if unique_clash(exc) is None:
            raise
        # A card number registered by someone else since the lock was taken: the insert
        # meets the register's unique rule, and the whole import is refused.
        raise _changed(["a card number of the file was registered meanwhile"]) from exc
    ids: dict[str, int] = {}
    for batch in _batches(e["card_no"] for e in entries):
        stmt = select(Performer.card_no, Performer.id).where(Performer.card_no.in_(batch))
        ids.update((card, pid) for card, pid in session.execute(stmt))
    return [ids[e["card_no"]] for e in entries]


def _update(session: Session, entries: list[dict[str, Any]]) -> list[int]:
    """The changed fields of known performers, in batched updates by primary key (one
    statement per set of changed fields)."""
    values = [
        {"id": e["performer_id"], **{name: e["fields"][name] for name in e["changes"]}}
        for e in entries
    ]
    values.sort(key=lambda v: sorted(v))  # the same fields together: fewer statements
    if values:
        session.execute(update(Performer), values)
    return [e["performer_id"] for e in entries]
