"""Routes for bases, sets and stages, blackouts and travel. Thin: parse, authorise, call service."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status
from sqlalchemy import select

from app.access import require_admin, require_base_manager
from app.catalog import service
from app.catalog.schemas import (
    BaseCreate,
    BaseOut,
    BaseUpdate,
    BlackoutCreate,
    BlackoutOut,
    BlackoutOutList,
    SetCreate,
    SetOut,
    SetUpdate,
    TravelOut,
    TravelPut,
)
from app.deps import CurrentUser, SessionDep
from app.errors import API_KEY_ROUTE, problems
from app.models import Base, Blackout
from app.pagination import PageDep, page_of
from app.routing import TransactionalRoute
from app.schemas import MAX_INT, Page, PathId, TagsQuery, split_tags

router = APIRouter(tags=["catalogue"], route_class=TransactionalRoute, responses=API_KEY_ROUTE)


def blackout_out(b: Blackout) -> BlackoutOut:
    return BlackoutOut(
        id=b.id, set_id=b.set_id, start=b.start_date, end=b.end_date, reason=b.reason
    )


@router.get("/bases", response_model=Page[BaseOut], summary="List film bases")
def list_bases(session: SessionDep, user: CurrentUser, page: PageDep) -> Page[BaseOut]:
    return page_of(session, select(Base).order_by(Base.code), page, BaseOut.model_validate)


@router.post(
    "/bases",
    response_model=BaseOut,
    status_code=status.HTTP_201_CREATED,
    responses=problems(403, 409),
)
def create_base(body: BaseCreate, session: SessionDep, user: CurrentUser) -> BaseOut:
    require_admin(user)
    return BaseOut.model_validate(service.create_base(session, **body.model_dump()))


@router.get("/bases/{base_id}", response_model=BaseOut, responses=problems(404))
def get_base(base_id: PathId, session: SessionDep, user: CurrentUser) -> BaseOut:
    return BaseOut.model_validate(service.get_base(session, base_id))


@router.patch(
    "/bases/{base_id}",
    response_model=BaseOut,
    responses=problems(403, 404),
    summary="Rename a base or change its hold rules",
)
def update_base(
    base_id: PathId, body: BaseUpdate, session: SessionDep, user: CurrentUser
) -> BaseOut:
    base = service.get_base(session, base_id)
    require_base_manager(user, base.id)
    service.update_fields(base, body.model_dump(exclude_unset=True, exclude_none=True))
    session.flush()
    return BaseOut.model_validate(base)


@router.get("/sets", response_model=Page[SetOut], summary="List sets and stages")
def list_sets(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    base_id: Annotated[
        int | None, Query(ge=1, le=MAX_INT, description="Only this base's sets")
    ] = None,
    kind: Literal["backlot", "stage"] | None = None,
    tags: TagsQuery = None,
) -> Page[SetOut]:
    stmt = service.list_sets_stmt(base_id, kind, split_tags(tags))
    return page_of(session, stmt, page, SetOut.model_validate)


@router.post(
    "/sets",
    response_model=SetOut,
    status_code=status.HTTP_201_CREATED,
    responses=problems(403, 404, 409),
)
def create_set(body: SetCreate, session: SessionDep, user: CurrentUser) -> SetOut:
    service.get_base(session, body.base_id)
    require_base_manager(user, body.base_id, "this base's sets")
    return SetOut.model_validate(service.create_set(session, **body.model_dump()))


@router.get("/sets/{set_id}", response_model=SetOut, responses=problems(404))
def get_set(set_id: PathId, session: SessionDep, user: CurrentUser) -> SetOut:
    return SetOut.model_validate(service.get_set(session, set_id))


@router.patch("/sets/{set_id}", response_model=SetOut, responses=problems(403, 404))
def update_set(set_id: PathId, body: SetUpdate, session: SessionDep, user: CurrentUser) -> SetOut:
    film_set = service.get_set(session, set_id)
    require_base_manager(user, film_set.base_id, "this set")
    fields = body.model_dump(exclude_unset=True, exclude_none=True)
    return SetOut.model_validate(service.update_set(session, film_set, fields))


@router.delete(
    "/sets/{set_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(403, 404, 409),
    summary="Delete a set that has never been booked (409 otherwise)",
)
def delete_set(set_id: PathId, session: SessionDep, user: CurrentUser) -> Response:
    film_set = service.get_set(session, set_id)
    require_base_manager(user, film_set.base_id, "this set")
    service.delete_set(session, film_set)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/sets/{set_id}/blackouts", response_model=BlackoutOutList, responses=problems(404))
def list_blackouts(set_id: PathId, session: SessionDep, user: CurrentUser) -> BlackoutOutList:
    service.get_set(session, set_id)
    rows = session.scalars(
        select(Blackout).where(Blackout.set_id == set_id).order_by(Blackout.start_date)
    )
    return BlackoutOutList(items=[blackout_out(b) for b in rows])


@router.post(
    "/sets/{set_id}/blackouts",
    response_model=BlackoutOut,
    status_code=status.HTTP_201_CREATED,
    responses=problems(403, 404, 409),
    summary="Close a set for maintenance or an event (409 over confirmed bookings)",
)
def create_blackout(
    set_id: PathId, body: BlackoutCreate, session: SessionDep, user: CurrentUser
) -> BlackoutOut:
    film_set = service.get_set(session, set_id)
    require_base_manager(user, film_set.base_id, "this set's blackouts")
    return blackout_out(service.add_blackout(session, film_set, body.start, body.end, body.reason))


@router.delete(
    "/blackouts/{blackout_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(403, 404),
)
def delete_blackout(blackout_id: PathId, session: SessionDep, user: CurrentUser) -> Response:
    blackout = service.get_blackout(session, blackout_id)
    film_set = service.get_set(session, blackout.set_id)
    require_base_manager(user, film_set.base_id, "this set's blackouts")
    session.delete(blackout)
    session.flush()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/travel", response_model=list[TravelOut], summary="Company-move costs between bases")
def list_travel(session: SessionDep, user: CurrentUser) -> list[TravelOut]:
    return [
        TravelOut(id=t.id, from_base=a, to_base=b, cost=t.cost)
        for t, a, b in service.travel_rows(session)
    ]


@router.put(
    "/travel",
    response_model=TravelOut,
    responses=problems(403, 404, 409),
    summary="Set the move cost for a pair of bases",
)
def put_travel(body: TravelPut, session: SessionDep, user: CurrentUser) -> TravelOut:
    require_admin(user)
    travel = service.put_travel(session, body.from_base, body.to_base, body.cost)
    low, high = sorted((body.from_base, body.to_base))
    codes = {r[0].id: (r[1], r[2]) for r in service.travel_rows(session)}
    a, b = codes.get(travel.id, (low, high))
    return TravelOut(id=travel.id, from_base=a, to_base=b, cost=travel.cost)
