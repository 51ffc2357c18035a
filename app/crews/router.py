"""Routes for crews, their cast and scenes. Another crew's data answers 404."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response, status
from sqlalchemy import select

from app.access import require_admin, require_crew
from app.crews import service
from app.crews.schemas import (
    CastCreate,
    CastOut,
    CastUpdate,
    CrewCreate,
    CrewOut,
    CrewUpdate,
    SceneCreate,
    SceneOut,
    SceneUpdate,
)
from app.deps import CurrentUser, SessionDep
from app.errors import NotFound
from app.models import CastMember, Scene
from app.pagination import PageDep, paginate
from app.routing import TransactionalRoute
from app.schemas import Page

router = APIRouter(tags=["crews"], route_class=TransactionalRoute)


def cast_out(member: CastMember) -> CastOut:
    return CastOut(
        id=member.id,
        crew_id=member.crew_id,
        name=member.name,
        day_cost=member.day_cost,
        unavailable=[u.day for u in member.unavailable],
    )


def scene_out(scene: Scene) -> SceneOut:
    return SceneOut.model_validate(service.scene_out_fields(scene))


@router.get("/crews", response_model=Page[CrewOut])
def list_crews(session: SessionDep, user: CurrentUser, page: PageDep) -> Page[CrewOut]:
    rows, total = paginate(session, service.visible_crews_stmt(user), page)
    return Page(items=[CrewOut.model_validate(r) for r in rows], total=total, **vars(page))


@router.post("/crews", response_model=CrewOut, status_code=status.HTTP_201_CREATED)
def create_crew(body: CrewCreate, session: SessionDep, user: CurrentUser) -> CrewOut:
    require_admin(user)
    return CrewOut.model_validate(service.create_crew(session, **body.model_dump()))


@router.get("/crews/{crew_id}", response_model=CrewOut)
def get_crew(crew_id: int, session: SessionDep, user: CurrentUser) -> CrewOut:
    crew = service.get_crew(session, crew_id)
    if not service.can_see_crew(session, user, crew_id):
        raise NotFound("Crew not found.")
    return CrewOut.model_validate(crew)


@router.patch("/crews/{crew_id}", response_model=CrewOut)
def update_crew(crew_id: int, body: CrewUpdate, session: SessionDep, user: CurrentUser) -> CrewOut:
    crew = service.crew_of(session, user, crew_id)
    fields = body.model_dump(exclude_unset=True, exclude_none=True)
    return CrewOut.model_validate(service.update_crew(session, crew, fields))


# --- cast -------------------------------------------------------------------------------


@router.get("/crews/{crew_id}/cast", response_model=Page[CastOut])
def list_cast(crew_id: int, session: SessionDep, user: CurrentUser, page: PageDep) -> Page[CastOut]:
    service.crew_of(session, user, crew_id)
    stmt = select(CastMember).where(CastMember.crew_id == crew_id).order_by(CastMember.id)
    rows, total = paginate(session, stmt, page)
    return Page(items=[cast_out(m) for m in rows], total=total, **vars(page))


@router.post("/crews/{crew_id}/cast", response_model=CastOut, status_code=status.HTTP_201_CREATED)
def create_cast(crew_id: int, body: CastCreate, session: SessionDep, user: CurrentUser) -> CastOut:
    crew = service.crew_of(session, user, crew_id)
    return cast_out(service.create_cast(session, crew, body.name, body.day_cost, body.unavailable))


def _own_cast(session: SessionDep, user: CurrentUser, cast_id: int) -> CastMember:
    member = service.get_cast(session, cast_id)
    require_crew(user, member.crew_id, "Cast member")
    return member


@router.get("/cast/{cast_id}", response_model=CastOut)
def get_cast(cast_id: int, session: SessionDep, user: CurrentUser) -> CastOut:
    return cast_out(_own_cast(session, user, cast_id))


@router.patch("/cast/{cast_id}", response_model=CastOut)
def update_cast(cast_id: int, body: CastUpdate, session: SessionDep, user: CurrentUser) -> CastOut:
    member = _own_cast(session, user, cast_id)
    fields = body.model_dump(exclude_unset=True, exclude_none=True)
    if "unavailable" in fields:
        service.set_unavailable(member, fields.pop("unavailable"))
    for name, value in fields.items():
        setattr(member, name, value)
    session.flush()
    return cast_out(member)


@router.delete("/cast/{cast_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_cast(cast_id: int, session: SessionDep, user: CurrentUser) -> Response:
    session.delete(_own_cast(session, user, cast_id))
    session.flush()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- scenes -----------------------------------------------------------------------------


@router.get("/crews/{crew_id}/scenes", response_model=Page[SceneOut])
def list_scenes(
    crew_id: int,
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    status_filter: Literal["unscheduled", "scheduled", "shot"] | None = None,
) -> Page[SceneOut]:
    service.crew_of(session, user, crew_id)
    stmt = select(Scene).where(Scene.crew_id == crew_id).order_by(Scene.id)
    if status_filter:
        stmt = stmt.where(Scene.status == status_filter)
    rows, total = paginate(session, stmt, page)
    return Page(items=[scene_out(s) for s in rows], total=total, **vars(page))


@router.post(
    "/crews/{crew_id}/scenes", response_model=SceneOut, status_code=status.HTTP_201_CREATED
)
def create_scene(
    crew_id: int, body: SceneCreate, session: SessionDep, user: CurrentUser
) -> SceneOut:
    crew = service.crew_of(session, user, crew_id)
    return scene_out(service.create_scene(session, crew, body.model_dump()))


def _own_scene(session: SessionDep, user: CurrentUser, scene_id: int) -> Scene:
    scene = service.get_scene(session, scene_id)
    require_crew(user, scene.crew_id, "Scene")
    return scene


@router.get("/scenes/{scene_id}", response_model=SceneOut)
def get_scene(scene_id: int, session: SessionDep, user: CurrentUser) -> SceneOut:
    return scene_out(_own_scene(session, user, scene_id))


@router.patch("/scenes/{scene_id}", response_model=SceneOut)
def update_scene(
    scene_id: int, body: SceneUpdate, session: SessionDep, user: CurrentUser
) -> SceneOut:
    scene = _own_scene(session, user, scene_id)
    fields = body.model_dump(exclude_unset=True)
    # Explicit nulls clear optional fields; for the rest null means "leave it".
    clearable = {"earliest", "latest", "sets", "pinned_date", "pinned_set_id"}
    fields = {k: v for k, v in fields.items() if v is not None or k in clearable}
    return scene_out(service.update_scene(session, scene, fields))


@router.delete("/scenes/{scene_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_scene(scene_id: int, session: SessionDep, user: CurrentUser) -> Response:
    session.delete(_own_scene(session, user, scene_id))
    session.flush()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
