"""Routes for crews, their cast and scenes. Another crew's data answers 404."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response, status
from sqlalchemy import select

from app.access import OwnCrew, ViewableCrew, require_admin, require_crew, visible_crews_stmt
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
from app.errors import API_KEY_ROUTE, problems
from app.models import CastMember, Scene
from app.pagination import PageDep, page_of
from app.routing import TransactionalRoute
from app.schemas import Page, PathId

router = APIRouter(tags=["crews"], route_class=TransactionalRoute, responses=API_KEY_ROUTE)
# A crew's own data: another crew's answers 404; a base manager who sees the crew, 403.
_CREW_DATA = problems(403, 404)


def cast_out(member: CastMember) -> CastOut:
    return CastOut(
        id=member.id,
        crew_id=member.crew_id,
        name=member.name,
        day_cost=member.day_cost,
        unavailable=[u.day for u in member.unavailable],
        makeup_minutes=member.makeup_minutes,
    )


def scene_out(scene: Scene) -> SceneOut:
    return SceneOut.model_validate(service.scene_out_fields(scene))


@router.get("/crews", response_model=Page[CrewOut])
def list_crews(session: SessionDep, user: CurrentUser, page: PageDep) -> Page[CrewOut]:
    return page_of(session, visible_crews_stmt(user), page, CrewOut.model_validate)


@router.post(
    "/crews",
    response_model=CrewOut,
    status_code=status.HTTP_201_CREATED,
    responses=problems(403, 409),
)
def create_crew(body: CrewCreate, session: SessionDep, user: CurrentUser) -> CrewOut:
    require_admin(user)
    return CrewOut.model_validate(service.create_crew(session, **body.model_dump()))


@router.get("/crews/{crew_id}", response_model=CrewOut, responses=problems(404))
def get_crew(crew: ViewableCrew) -> CrewOut:
    return CrewOut.model_validate(crew)


@router.patch("/crews/{crew_id}", response_model=CrewOut, responses=_CREW_DATA)
def update_crew(crew: OwnCrew, body: CrewUpdate, session: SessionDep) -> CrewOut:
    fields = body.model_dump(exclude_unset=True, exclude_none=True)
    return CrewOut.model_validate(service.update_crew(session, crew, fields))


# --- cast -------------------------------------------------------------------------------


@router.get("/crews/{crew_id}/cast", response_model=Page[CastOut], responses=_CREW_DATA)
def list_cast(crew: OwnCrew, session: SessionDep, page: PageDep) -> Page[CastOut]:
    stmt = select(CastMember).where(CastMember.crew_id == crew.id).order_by(CastMember.id)
    return page_of(session, stmt, page, cast_out)


@router.post(
    "/crews/{crew_id}/cast",
    response_model=CastOut,
    status_code=status.HTTP_201_CREATED,
    responses=_CREW_DATA,
)
def create_cast(crew: OwnCrew, body: CastCreate, session: SessionDep) -> CastOut:
    member = service.create_cast(
        session, crew, body.name, body.day_cost, body.unavailable, body.makeup_minutes
    )
    return cast_out(member)


def _own_cast(session: SessionDep, user: CurrentUser, cast_id: int) -> CastMember:
    member = service.get_cast(session, cast_id)
    require_crew(user, member.crew_id, "Cast member")
    return member


@router.get("/cast/{cast_id}", response_model=CastOut, responses=problems(404))
def get_cast(cast_id: PathId, session: SessionDep, user: CurrentUser) -> CastOut:
    return cast_out(_own_cast(session, user, cast_id))


@router.patch("/cast/{cast_id}", response_model=CastOut, responses=problems(404))
def update_cast(
    cast_id: PathId, body: CastUpdate, session: SessionDep, user: CurrentUser
) -> CastOut:
    member = _own_cast(session, user, cast_id)
    fields = body.model_dump(exclude_unset=True, exclude_none=True)
    if "unavailable" in fields:
        service.set_unavailable(member, fields.pop("unavailable"))
    for name, value in fields.items():
        setattr(member, name, value)
    session.flush()
    return cast_out(member)


@router.delete("/cast/{cast_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(404))
def delete_cast(cast_id: PathId, session: SessionDep, user: CurrentUser) -> Response:
    session.delete(_own_cast(session, user, cast_id))
    session.flush()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- scenes -----------------------------------------------------------------------------


@router.get("/crews/{crew_id}/scenes", response_model=Page[SceneOut], responses=_CREW_DATA)
def list_scenes(
    crew: OwnCrew,
    session: SessionDep,
    page: PageDep,
    status_filter: Literal["unscheduled", "scheduled", "shot"] | None = None,
) -> Page[SceneOut]:
    stmt = select(Scene).where(Scene.crew_id == crew.id).order_by(Scene.id)
    if status_filter:
        stmt = stmt.where(Scene.status == status_filter)
    return page_of(session, stmt, page, scene_out)


@router.post(
    "/crews/{crew_id}/scenes",
    response_model=SceneOut,
    status_code=status.HTTP_201_CREATED,
    responses=problems(403, 404, 409),
)
def create_scene(crew: OwnCrew, body: SceneCreate, session: SessionDep) -> SceneOut:
    return scene_out(service.create_scene(session, crew, body.model_dump()))


def _own_scene(session: SessionDep, user: CurrentUser, scene_id: int) -> Scene:
    scene = service.get_scene(session, scene_id)
    require_crew(user, scene.crew_id, "Scene")
    return scene


@router.get("/scenes/{scene_id}", response_model=SceneOut, responses=problems(404))
def get_scene(scene_id: PathId, session: SessionDep, user: CurrentUser) -> SceneOut:
    return scene_out(_own_scene(session, user, scene_id))


@router.patch("/scenes/{scene_id}", response_model=SceneOut, responses=problems(404, 409))
def update_scene(
    scene_id: PathId, body: SceneUpdate, session: SessionDep, user: CurrentUser
) -> SceneOut:
    scene = _own_scene(session, user, scene_id)
    fields = body.model_dump(exclude_unset=True)
    # Explicit nulls clear optional fields; for the rest null means "leave it".
    clearable = {"earliest", "latest", "sets", "pinned_date", "pinned_set_id"}
    fields = {k: v for k, v in fields.items() if v is not None or k in clearable}
    return scene_out(service.update_scene(session, scene, fields))


@router.delete(
    "/scenes/{scene_id}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(404)
)
def delete_scene(scene_id: PathId, session: SessionDep, user: CurrentUser) -> Response:
    session.delete(_own_scene(session, user, scene_id))
    session.flush()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
