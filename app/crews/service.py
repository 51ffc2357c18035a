"""Crews, their cast and scenes. Services flush; the request (or job) commits."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, InvalidInput
from app.lookup import get_or_404, taken
from app.models import (
    CastMember,
    CastUnavailable,
    Crew,
    FilmSet,
    Scene,
    SceneAllowedSet,
    SceneCast,
    ScenePredecessor,
)


def get_crew(session: Session, crew_id: int) -> Crew:
    return get_or_404(session, Crew, crew_id, "Crew not found.")


def create_crew(session: Session, **fields: object) -> Crew:
    if taken(session, Crew.code == fields["code"]):
        raise Conflict(f"A crew with code '{fields['code']}' already exists.")
    crew = Crew(**fields)
    session.add(crew)
    session.flush()
    return crew


def update_crew(session: Session, crew: Crew, fields: dict[str, object]) -> Crew:
    for name, value in fields.items():
        setattr(crew, name, value)
    if crew.window_end <= crew.window_start:
        raise InvalidInput("window_end must be after window_start ([start, end), end excluded).")
    outside = session.scalars(
        select(Scene.number)
        .where(Scene.crew_id == crew.id, Scene.pinned_date.is_not(None))
        .where((Scene.pinned_date < crew.window_start) | (Scene.pinned_date >= crew.window_end))
        .order_by(Scene.number)
    ).all()
    if outside:
        raise InvalidInput(
            f"window: scene {', '.join(outside)} {'is' if len(outside) == 1 else 'are'} pinned "
            "to a day outside this window; unpin or move them first."
        )
    session.flush()
    return crew


def check_in_window(crew: Crew, day: date, what: str) -> None:
    """A crew works only inside its shooting window [window_start, window_end)."""
    if not crew.window_start <= day < crew.window_end:
        last = crew.window_end - timedelta(days=1)
        raise InvalidInput(
            f"{what}: {day} is outside {crew.name}'s shooting window "
            f"({crew.window_start} to {last})."
        )


# --- cast -------------------------------------------------------------------------------


def get_cast(session: Session, cast_id: int) -> CastMember:
    return get_or_404(session, CastMember, cast_id, "Cast member not found.")


def set_unavailable(member: CastMember, days: list[date]) -> None:
    member.unavailable = [CastUnavailable(day=d) for d in sorted(set(days))]


def create_cast(
    session: Session,
    crew: Crew,
    name: str,
    day_cost: int,
    unavailable: list[date],
    makeup_minutes: int = 90,
) -> CastMember:
    member = CastMember(
        crew_id=crew.id, name=name, day_cost=day_cost, makeup_minutes=makeup_minutes
    )
    set_unavailable(member, unavailable)
    session.add(member)
    session.flush()
    return member


# --- scenes -----------------------------------------------------------------------------


def get_scene(session: Session, scene_id: int) -> Scene:
    return get_or_404(session, Scene, scene_id, "Scene not found.")


def _check_cast(session: Session, crew_id: int, cast_ids: list[int]) -> None:
    if not cast_ids:
        return
    found = set(
        session.scalars(
            select(CastMember.id).where(CastMember.id.in_(cast_ids), CastMember.crew_id == crew_id)
        )
    )
    missing = sorted(set(cast_ids) - found)
    if missing:
        raise InvalidInput(
            f"cast: {', '.join(map(str, missing))} {'is' if len(missing) == 1 else 'are'} "
            "not in this crew's cast."
        )


def _check_sets(session: Session, set_ids: list[int]) -> None:
    found = set(session.scalars(select(FilmSet.id).where(FilmSet.id.in_(set_ids))))
    missing = sorted(set(set_ids) - found)
    if missing:
        raise InvalidInput(f"sets: no set with id {', '.join(map(str, missing))}.")


def _check_after(session: Session, scene: Scene, after_ids: list[int]) -> None:
    """Predecessors are scenes of the same crew, and continuity never loops back."""
    if not after_ids:
        return
    if scene.id is not None and scene.id in after_ids:
        raise InvalidInput("after: a scene cannot come after itself.")
    found = set(
        session.scalars(
            select(Scene.id).where(Scene.id.in_(after_ids), Scene.crew_id == scene.crew_id)
        )
    )
    missing = sorted(set(after_ids) - found)
    if missing:
        raise InvalidInput(f"after: {', '.join(map(str, missing))} are not scenes of this crew.")
    if scene.id is None:
        return
    # A cycle exists if this scene is reachable from one of its new predecessors.
    edges: dict[int, list[int]] = {}
    for sid, before in session.execute(
        select(ScenePredecessor.scene_id, ScenePredecessor.before_id)
        .join(Scene, Scene.id == ScenePredecessor.scene_id)
        .where(Scene.crew_id == scene.crew_id)
    ):
        edges.setdefault(sid, []).append(before)
    stack, seen = list(after_ids), set()
    while stack:
        current = stack.pop()
        if current == scene.id:
            # The loop runs through other scenes' order: a conflict with what is stored.
            raise Conflict("after: this would make a continuity loop (scenes after each other).")
        if current in seen:
            continue
        seen.add(current)
        stack.extend(edges.get(current, []))


def apply_scene_fields(session: Session, scene: Scene, fields: dict[str, object]) -> None:
    # The checks below query the database: without this, the query would first flush the
    # scene half-changed (a pinned set that no longer exists: a foreign-key error, a 500).
    with session.no_autoflush:
        _apply_scene_fields(session, scene, fields)


def _apply_scene_fields(session: Session, scene: Scene, fields: dict[str, object]) -> None:
    cast = fields.pop("cast", None)
    sets = fields.pop("sets", "unset")
    after = fields.pop("after", None)
    requires = fields.pop("requires", None)
    for name, value in fields.items():
        setattr(scene, name, value)
    if requires is not None:
        assert isinstance(requires, list)
        scene.required_tags = sorted(set(requires))
    if scene.earliest and scene.latest and scene.latest < scene.earliest:
        raise InvalidInput("latest must not be before earliest (both dates included).")
    if scene.pinned_date is not None:
        check_in_window(get_crew(session, scene.crew_id), scene.pinned_date, "pinned_date")
    if scene.pinned_set_id is not None:
        _check_sets(session, [scene.pinned_set_id])
    if cast is not None:
        assert isinstance(cast, list)
        _check_cast(session, scene.crew_id, cast)
        scene.cast_links = [SceneCast(cast_id=c) for c in sorted(set(cast))]
    if sets != "unset":
        if sets is None:
            scene.restrict_sets = False
            scene.allowed_set_links = []
        else:
            assert isinstance(sets, list)
            _check_sets(session, sets)
            scene.restrict_sets = True
            scene.allowed_set_links = [SceneAllowedSet(set_id=s) for s in sorted(set(sets))]
    if after is not None:
        assert isinstance(after, list)
        _check_after(session, scene, after)
        scene.after_links = [ScenePredecessor(before_id=a) for a in sorted(set(after))]


def create_scene(session: Session, crew: Crew, fields: dict[str, object]) -> Scene:
    number = str(fields["number"])
    if taken(session, Scene.crew_id == crew.id, Scene.number == number):
        raise Conflict(f"Scene {number} already exists for this crew.")
    scene = Scene(crew_id=crew.id, number=number, status=fields.pop("status", "unscheduled"))
    fields.pop("number")
    fields.setdefault("sets", None)
    apply_scene_fields(session, scene, fields)
    session.add(scene)
    session.flush()
    return scene


def update_scene(session: Session, scene: Scene, fields: dict[str, object]) -> Scene:
    number = fields.get("number")
    if (
        number is not None
        and number != scene.number
        and taken(session, Scene.crew_id == scene.crew_id, Scene.number == number)
    ):
        raise Conflict(f"Scene {number} already exists for this crew.")
    apply_scene_fields(session, scene, fields)
    session.flush()
    return scene


def scene_out_fields(scene: Scene) -> dict[str, object]:
    return {
        "id": scene.id,
        "crew_id": scene.crew_id,
        "number": scene.number,
        "int_ext": scene.int_ext,
        "day_night": scene.day_night,
        "description": scene.description,
        "set_description": scene.set_description,
        "extras": scene.extras,
        "requires": list(scene.required_tags),
        "minutes": scene.minutes,
        "page_eighths": scene.page_eighths,
        "cast": sorted(link.cast_id for link in scene.cast_links),
        "earliest": scene.earliest,
        "latest": scene.latest,
        "sets": sorted(link.set_id for link in scene.allowed_set_links)
        if scene.restrict_sets
        else None,
        "after": sorted(link.before_id for link in scene.after_links),
        "status": scene.status,
        "pinned_date": scene.pinned_date,
        "pinned_set_id": scene.pinned_set_id,
    }
