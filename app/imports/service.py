"""Imports: a file read into a preview kept on the server, then applied all or nothing.

A preview says, for each scene of the file, what applying it would do: **create** a new
scene, **update** an existing one (matched by number, the episode included: "3-12A"),
leave it **unchanged**, or leave it **alone** because it is shot, scheduled, pinned or in
an accepted plan (such a scene is never changed by an import; edit it by hand). Scenes of
the crew that the file does not mention are not touched. Cast names are matched to the
crew's cast whatever their width, case and spacing; names not found are listed and created
(day cost 0) when the import is applied.

Applying recomputes the preview against the database as it is then, under a lock on the
crew's scenes: anything different from what was shown (a scene shot or booked meanwhile, a
new cast member, another import applied) refuses the whole import with a 409, as do errors
in the file, an expired preview and a second apply. Nothing is changed then.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.crews.service import apply_scene_fields, create_cast, create_scene, update_scene
from app.errors import Conflict, NotFound
from app.imports import values as v
from app.imports.messages import Problem
from app.imports.rows import FIELDS, Parsed, SceneRow
from app.models import (
    CastMember,
    Crew,
    ImportPreview,
    Proposal,
    Scene,
    SceneImport,
    SetTag,
    User,
)

PREVIEW_HOURS = 24
ACTIONS = ("create", "update", "unchanged", "left_alone")


# --- the crew as it stands ----------------------------------------------------------------------


@dataclass
class Standing:
    """What a preview compares the file with: the crew's scenes, cast and set tags."""

    crew: Crew
    scenes: dict[str, Scene]  # canonical number -> scene
    cast_by_key: dict[str, CastMember]  # name key -> member
    cast_by_id: dict[int, CastMember]
    accepted: set[int]  # scenes in an accepted plan
    tags: set[str]

    def __post_init__(self) -> None:
        self._key_of = {scene.id: key for key, scene in self.scenes.items()}

    def number_of(self, scene_id: int) -> str | None:
        """The canonical number of one of the crew's scenes."""
        return self._key_of.get(scene_id)


def _standing(session: Session, crew: Crew, lock: bool = False) -> Standing:
    stmt = select(Scene).where(Scene.crew_id == crew.id).order_by(Scene.id)
    if lock:
        # Applying: no scene of the crew changes (shot, pinned, accepted) under the import.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    scenes: dict[str, Scene] = {}
    for scene in session.scalars(stmt):
        scenes.setdefault(v.canonical_number(scene.number), scene)
    cast = list(
        session.scalars(
            select(CastMember).where(CastMember.crew_id == crew.id).order_by(CastMember.id)
        )
    )
    by_key: dict[str, CastMember] = {}
    for member in cast:
        by_key.setdefault(v.name_key(member.name), member)
    accepted = set(
        session.scalars(
            select(Proposal.scene_id).where(
                Proposal.crew_id == crew.id, Proposal.accepted_at.is_not(None)
            )
        )
    )
    tags = set(session.scalars(select(SetTag.tag).distinct()))
    return Standing(crew, scenes, by_key, {m.id: m for m in cast}, accepted, tags)


def _protected(scene: Scene, standing: Standing) -> str | None:
    """Why an import must leave this scene alone, if it must."""
    if scene.status == "shot":
        return "shot"
    if scene.id in standing.accepted:
        return "accepted"
    if scene.pinned_date is not None or scene.pinned_set_id is not None:
        return "pinned"
    if scene.status == "scheduled":
        return "scheduled"
    return None


def _current(scene: Scene, name: str, standing: Standing) -> Any:
    """A scene's field in the form an import row gives it."""
    if name == "cast":
        return sorted(
            v.name_key(standing.cast_by_id[link.cast_id].name)
            for link in scene.cast_links
            if link.cast_id in standing.cast_by_id
        )
    if name == "after":
        numbers = (standing.number_of(link.before_id) for link in scene.after_links)
        return sorted(n for n in numbers if n is not None)
    if name == "requires":
        return sorted(scene.required_tags)
    value = getattr(scene, name)
    return value.isoformat() if isinstance(value, date) else value


def _comparable(name: str, value: Any) -> Any:
    if name == "cast":
        return sorted(v.name_key(n) for n in value)
    if name == "after":
        return sorted(v.canonical_number(n) for n in value)
    if name == "requires":
        return sorted(value)
    return value


def _desired(row: SceneRow, crew: Crew) -> dict[str, Any]:
    """The row's fields, with minutes worked out from pages at the crew's rate if not given."""
    fields = dict(row.fields)
    if "minutes" not in fields and fields.get("page_eighths") is not None:
        fields["minutes"] = v.minutes_for(fields["page_eighths"], crew.minutes_per_page)
    return {k: fields[k] for k in FIELDS if k in fields}


# --- preview ------------------------------------------------------------------------------------


def build_preview(
    standing: Standing,
    rows: list[SceneRow],
    errors: list[dict[str, Any]],
    unit: str,
    named: Parsed | None = None,
) -> dict[str, Any]:
    """What applying ``rows`` would do to the crew as it stands (JSON, stored and compared).

    ``named``: the file as read, for the scene numbers of its faulty rows and the headers of
    its columns (a preview's problems name them as the file does).
    """
    errors = list(errors)
    scenes: list[dict[str, Any]] = []
    new_cast: dict[str, str] = {}
    in_file = {v.canonical_number(r.number): r for r in rows}
    for row in rows:
        desired = _desired(row, standing.crew)
        key = v.canonical_number(row.number)
        scene = standing.scenes.get(key)
        entry: dict[str, Any] = {
            "at": row.at,
            "number": scene.number if scene is not None else row.number,
            "scene_id": scene.id if scene is not None else None,
            "action": "create",
            "reason": None,
            "changes": [],
            "fields": desired,
        }
        if scene is not None:
            changes = [
                name
                for name, value in desired.items()
                if _comparable(name, value) != _current(scene, name, standing)
            ]
            entry["changes"] = changes
            reason = _protected(scene, standing)
            if not changes:
                entry["action"] = "unchanged"
            elif reason is not None:
                entry["action"], entry["reason"] = "left_alone", reason
            else:
                entry["action"] = "update"
        if entry["action"] in ("create", "update") and (
            entry["action"] == "create" or "cast" in entry["changes"]
        ):
            for name in desired.get("cast", []):
                if v.name_key(name) not in standing.cast_by_key:
                    new_cast.setdefault(v.name_key(name), name)
        scenes.append(entry)
    known = set(in_file) | (named.numbers if named else set())
    column = (named.columns.get("after") if named else None) or "after"
    errors += _continuity_problems(standing, scenes, known, unit, column)
    counts = {a: sum(1 for s in scenes if s["action"] == a) for a in ACTIONS}
    return {
        "unit": unit,
        "scenes": scenes,
        "new_cast": sorted(new_cast.values(), key=v.name_key),
        "errors": sorted(errors, key=lambda p: (p.get("at") or 0, p.get("column") or "")),
        "counts": counts,
    }


def _continuity_problems(
    standing: Standing,
    scenes: list[dict[str, Any]],
    in_file: set[str],
    unit: str,
    column: str,
) -> list[dict[str, Any]]:
    """Predecessors exist (in the file or the crew) and continuity never loops back."""
    problems: list[dict[str, Any]] = []
    edges: dict[str, list[str]] = {
        key: sorted(n for n in (standing.number_of(link.before_id) for link in s.after_links) if n)
        for key, s in standing.scenes.items()
    }
    row_at: dict[str, int] = {}
    for entry in scenes:
        after = entry["fields"].get("after")
        key = v.canonical_number(entry["number"])
        row_at[key] = entry["at"]
        if after is None or entry["action"] not in ("create", "update"):
            continue
        wanted = [v.canonical_number(n) for n in after]
        for number in wanted:
            if number == key:
                problems.append(Problem("after_itself", entry["at"], column).to_json(unit))
            elif number not in in_file and number not in standing.scenes:
                problems.append(
                    Problem("unknown_after", entry["at"], column, {"value": number}).to_json(unit)
                )
        edges[key] = [n for n in wanted if n != key]
    reported: set[str] = set()
    for start in sorted(row_at):
        loop = _loop_from(start, edges)
        if loop and not reported.intersection(loop):
            reported.update(loop)
            path = " → ".join([*loop, loop[0]])
            problems.append(
                Problem("after_loop", row_at[start], column, {"path": path}).to_json(unit)
            )
    return problems


def _loop_from(start: str, edges: dict[str, list[str]]) -> list[str] | None:
    """A continuity loop through ``start``, if there is one (scenes in order)."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for nxt in edges.get(node, []):
            if nxt == start:
                return path
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def _warnings(standing: Standing, parsed: Parsed, preview: dict[str, Any]) -> list[dict[str, Any]]:
    warnings = [w.to_json(parsed.unit) for w in parsed.warnings]
    reported: set[str] = set()
    for entry in preview["scenes"]:
        if entry["action"] not in ("create", "update"):
            continue
        for tag in entry["fields"].get("requires", []):
            if tag not in standing.tags and tag not in reported:
                reported.add(tag)
                warnings.append(
                    Problem(
                        "unknown_tag", entry["at"], parsed.columns.get("requires"), {"value": tag}
                    ).to_json(parsed.unit)
                )
    paged = any("minutes" not in r.fields and "page_eighths" in r.fields for r in parsed.rows)
    if paged:
        warnings.append(
            Problem(
                "minutes_from_pages", None, None, {"value": standing.crew.minutes_per_page}
            ).to_json(parsed.unit)
        )
    return warnings


def create_preview(
    session: Session,
    crew: Crew,
    user: User,
    parsed: Parsed,
    data: bytes,
    filename: str,
    now: datetime,
) -> SceneImport:
    """Keep the file's scenes and what applying them would do; nothing else changes."""
    drop_stale(session, SceneImport, now, SceneImport.crew_id == crew.id)
    standing = _standing(session, crew)
    errors = [e.to_json(parsed.unit) for e in parsed.errors]
    preview = build_preview(standing, parsed.rows, errors, parsed.unit, parsed)
    preview["warnings"] = _warnings(standing, parsed, preview)
    rows = [r.to_json() for r in parsed.rows]
    found = SceneImport(crew_id=crew.id)
    return keep_preview(session, found, user, parsed.format, data, filename, now, rows, preview)


def get_import(session: Session, crew: Crew, import_id: int) -> SceneImport:
    found = session.get(SceneImport, import_id)
    if found is None or found.crew_id != crew.id:
        raise NotFound(f"Import {import_id} not found.")
    return found


P = TypeVar("P", bound=ImportPreview)


def keep_preview(
    session: Session,
    found: P,
    user: User,
    fmt: str,
    data: bytes,
    filename: str,
    now: datetime,
    rows: list[dict[str, Any]],
    preview: dict[str, Any],
) -> P:
    """Keep a new preview: whose, of which file (its SHA-256), its rows as read and what
    applying them would do."""
    found.user_id, found.status, found.format = user.id, "previewed", fmt
    found.filename, found.content_hash = filename[:200], hashlib.sha256(data).hexdigest()
    found.created_at, found.rows, found.preview = now, rows, preview
    session.add(found)
    session.flush()
    return found


def drop_stale(session: Session, model: type[ImportPreview], now: datetime, *where: Any) -> None:
    """Forget the previews (of ``where``) nobody applied in time: they are of no further use."""
    session.execute(
        delete(model).where(
            *where,
            model.status != "applied",
            model.created_at < now - timedelta(hours=PREVIEW_HOURS),
        )
    )


def status_of(found: ImportPreview, now: datetime) -> str:
    if found.status == "previewed" and found.created_at < now - timedelta(hours=PREVIEW_HOURS):
        return "expired"
    return found.status


def can_apply(found: ImportPreview, now: datetime) -> bool:
    return status_of(found, now) == "previewed" and not found.preview.get("errors")


def preview_out(found: ImportPreview, now: datetime) -> dict[str, Any]:
    """What every kind of import says about its preview (the API's and the pages' view)."""
    state = status_of(found, now)
    return {
        "id": found.id,
        "status": state,
        "format": found.format,
        "filename": found.filename,
        "content_hash": found.content_hash,
        "created_at": found.created_at,
        "applied_at": found.applied_at,
        "expires_at": found.created_at + timedelta(hours=PREVIEW_HOURS)
        if state == "previewed"
        else None,
        "can_apply": can_apply(found, now),
        "errors": found.preview.get("errors", []),
        "warnings": found.preview.get("warnings", []),
    }


def refuse_unless_applicable(found: ImportPreview, now: datetime) -> None:
    """409 for a preview applied already, expired, or with problems in its file (``code``
    says which, for the pages to say it in the reader's language)."""
    status = status_of(found, now)
    if status == "applied":
        raise Conflict(f"Import {found.id} has been applied already.", code="applied")
    if status == "expired":
        raise Conflict(
            f"Import {found.id} was previewed more than {PREVIEW_HOURS} hours ago: upload the "
            "file again to see a fresh preview.",
            code="expired",
        )
    if found.preview.get("errors"):
        rows = len({p.get("at") for p in found.preview["errors"]})
        raise Conflict(
            f"Import {found.id} has problems in the file ({len(found.preview['errors'])} in "
            f"{rows} {'row' if rows == 1 else 'rows'}): fix them and upload it again. Nothing "
            "was changed.",
            code="file_problems",
        )


def claim(session: Session, found: ImportPreview, now: datetime) -> None:
    """Mark the preview applied, exactly once, whoever else applies it at the same moment."""
    model = type(found)
    claimed = session.execute(
        update(model)
        .where(model.id == found.id, model.status == "previewed")
        .values(status="applied", applied_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"Import {found.id} has been applied already.", code="applied")
    session.refresh(found)


# --- apply --------------------------------------------------------------------------------------


@dataclass
class Applied:
    created: list[int]
    updated: list[int]
    cast_created: list[int]


_DIFF_KEYS = ("number", "scene_id", "action", "reason", "changes", "fields")


def _differences(before: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """What changed between the preview shown and the crew as it is now, in a few words."""
    said: list[str] = []
    old = {s["number"]: s for s in before.get("scenes", [])}
    for entry in now["scenes"]:
        was = old.get(entry["number"])
        if was is None or any(was.get(k) != entry.get(k) for k in _DIFF_KEYS):
            what = entry["action"] if entry["action"] != "left_alone" else entry["reason"]
            said.append(f"scene {entry['number']}: now {what}")
    if before.get("new_cast") != now["new_cast"]:
        said.append("the cast to be created")
    if before.get("errors") != now["errors"]:
        said.append("the problems found in the file")
    return said


def apply_import(session: Session, crew: Crew, found: SceneImport, now: datetime) -> Applied:
    """Apply exactly what the preview showed, or nothing (409 naming why)."""
    refuse_unless_applicable(found, now)
    standing = _standing(session, crew, lock=True)
    rows = [SceneRow.from_json(r) for r in found.rows]
    recomputed = build_preview(standing, rows, [], found.preview.get("unit", "row"))
    stored = {k: found.preview.get(k) for k in ("scenes", "new_cast", "errors")}
    if {k: recomputed[k] for k in stored} != stored:
        differences = _differences(found.preview, recomputed)
        raise Conflict(
            "The crew's scenes or cast changed since this preview ("
            + "; ".join(differences[:5])
            + (f"; and {len(differences) - 5} more" if len(differences) > 5 else "")
            + "). Nothing was changed: upload the file again to see a fresh preview.",
            differences=differences,
        )
    claim(session, found, now)
    return _write(session, standing, recomputed)


def _write(session: Session, standing: Standing, preview: dict[str, Any]) -> Applied:
    crew = standing.crew
    cast_ids = {key: m.id for key, m in standing.cast_by_key.items()}
    made_cast = []
    for name in preview["new_cast"]:
        member = create_cast(session, crew, name, 0, [])
        cast_ids[v.name_key(name)] = member.id
        made_cast.append(member.id)
    by_number = {k: s.id for k, s in standing.scenes.items()}
    created: list[int] = []
    updated: list[int] = []
    later: list[tuple[Scene, list[str]]] = []
    for entry in preview["scenes"]:
        action = entry["action"]
        if action not in ("create", "update"):
            continue
        fields = (
            entry["fields"]
            if action == "create"
            else {k: entry["fields"][k] for k in entry["changes"]}
        )
        values = _scene_values(fields, cast_ids)
        after = values.pop("after", None)
        if action == "create":
            scene = create_scene(session, crew, {"number": entry["number"], **values})
            created.append(scene.id)
        else:
            scene = standing.scenes[v.canonical_number(entry["number"])]
            update_scene(session, scene, values)
            updated.append(scene.id)
        by_number[v.canonical_number(entry["number"])] = scene.id
        if after is not None:
            later.append((scene, after))
    # Predecessors once every scene of the file exists (a scene may follow a later row).
    for scene, after in later:
        ids = [by_number[v.canonical_number(n)] for n in after]
        apply_scene_fields(session, scene, {"after": ids})
    session.flush()
    return Applied(created, updated, made_cast)


def _scene_values(fields: dict[str, Any], cast_ids: dict[str, int]) -> dict[str, Any]:
    """An import row's fields as the scene service takes them (ids, dates)."""
    values = dict(fields)
    if "cast" in values:
        values["cast"] = sorted({cast_ids[v.name_key(n)] for n in values["cast"]})
    for name in ("earliest", "latest"):
        if name in values and values[name] is not None:
            values[name] = date.fromisoformat(values[name])
    return values
