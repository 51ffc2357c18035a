"""Occupancy routes: one base's grid, and the summary over the bases the caller may see."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.clock import NowDep
from app.deps import CurrentUser, SessionDep
from app.errors import API_KEY_ROUTE, problems
from app.occupancy import service
from app.occupancy.schemas import BaseOccupancy, OccupancySummary
from app.routing import TransactionalRoute
from app.schemas import IsoDate, PathId

router = APIRouter(tags=["occupancy"], route_class=TransactionalRoute, responses=API_KEY_ROUTE)

Start = Annotated[IsoDate, Query(description="First day, YYYY-MM-DD")]
End = Annotated[
    IsoDate,
    Query(description=f"First day not shown: [start, end), at most {service.MAX_RANGE_DAYS} days"),
]


@router.get(
    "/bases/{base_id}/occupancy",
    response_model=BaseOccupancy,
    responses=problems(404),
    summary="Each set's state per day, utilisation, holds pipeline, revenue, crews on site "
    "(404: an unknown base, or one you do not manage)",
)
def base_occupancy(
    base_id: PathId, start: Start, end: End, session: SessionDep, user: CurrentUser, now: NowDep
) -> BaseOccupancy:
    return service.base_occupancy(session, user, base_id, start, end, now)


@router.get(
    "/occupancy/summary",
    response_model=OccupancySummary,
    summary="Headline figures for every base you may see",
)
def occupancy_summary(
    start: Start, end: End, session: SessionDep, user: CurrentUser, now: NowDep
) -> OccupancySummary:
    return service.summary(session, user, start, end, now)
