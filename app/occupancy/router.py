"""Occupancy routes: one base's grid, and the summary over the bases the caller may see."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.clock import NowDep
from app.deps import CurrentUser, SessionDep
from app.occupancy import service
from app.occupancy.schemas import BaseOccupancy, OccupancySummary
from app.routing import TransactionalRoute
from app.schemas import IsoDate

router = APIRouter(tags=["occupancy"], route_class=TransactionalRoute)

Start = Annotated[IsoDate, Query(description="First day, YYYY-MM-DD")]
End = Annotated[
    IsoDate,
    Query(description=f"First day not shown: [start, end), at most {service.MAX_RANGE_DAYS} days"),
]

_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown base, or a base you do not manage"},
    422: {"description": "Bad dates, or a range longer than allowed"},
}


@router.get(
    "/bases/{base_id}/occupancy",
    response_model=BaseOccupancy,
    responses=_ERRORS,
    summary="Each set's state per day, utilisation, holds pipeline, revenue, crews on site",
)
def base_occupancy(
    base_id: int, start: Start, end: End, session: SessionDep, user: CurrentUser, now: NowDep
) -> BaseOccupancy:
    return service.base_occupancy(session, user, base_id, start, end, now)


@router.get(
    "/occupancy/summary",
    response_model=OccupancySummary,
    responses=_ERRORS,
    summary="Headline figures for every base you may see",
)
def occupancy_summary(
    start: Start, end: End, session: SessionDep, user: CurrentUser, now: NowDep
) -> OccupancySummary:
    return service.summary(session, user, start, end, now)
