"""Routes for optimizer runs: start (202), watch, cancel, read and accept a crew's proposal."""

from __future__ import annotations

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse
from sqlalchemy import select

from app.access import works_for_crew
from app.bookings.schemas import BookingOut
from app.clock import NowDep
from app.crews.service import can_see_crew, crew_of, get_crew
from app.db import get_engine
from app.deps import CurrentUser, SessionDep
from app.errors import API_KEY_ROUTE, Forbidden, NotFound, problems
from app.models import PlanRun
from app.pagination import PageDep, paginate
from app.planning import service
from app.planning.lock import RunInProgress
from app.planning.schemas import CrewProposal, PlanRequest, PlanRunOut
from app.planning.service import spawn
from app.routing import TransactionalRoute
from app.schemas import Page, PathId

router = APIRouter(tags=["plans"], route_class=TransactionalRoute, responses=API_KEY_ROUTE)


def _planner(user: CurrentUser) -> None:
    if user.role not in ("admin", "base_manager"):
        raise Forbidden("Only administrators and base managers start or stop optimizer runs.")


@router.post(
    "/plans",
    response_model=PlanRunOut,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Start an optimizer run in a worker process (409: a run is already in progress)",
    responses=problems(403, 409),
)
def start_plan(
    session: SessionDep, user: CurrentUser, body: PlanRequest | None = None
) -> JSONResponse:
    _planner(user)
    if service.active_run(session) is not None:
        raise RunInProgress()
    body = body or PlanRequest()
    run = service.create_run(session, service.RunParams(**body.model_dump()), user)
    session.commit()
    spawn(run.id, get_engine().url.render_as_string(hide_password=False))
    out = PlanRunOut.model_validate(run).model_dump(mode="json")
    return JSONResponse(out, status_code=202, headers={"Location": f"/plans/{run.id}"})


@router.get("/plans", response_model=Page[PlanRunOut], summary="Recent optimizer runs")
def list_plans(session: SessionDep, user: CurrentUser, page: PageDep) -> Page[PlanRunOut]:
    rows, total = paginate(session, select(PlanRun).order_by(PlanRun.id.desc()), page)
    return Page(items=[service.run_out(r, user) for r in rows], total=total, **vars(page))


@router.get("/plans/{run_id}", response_model=PlanRunOut, responses=problems(404))
def get_plan(run_id: PathId, session: SessionDep, user: CurrentUser) -> PlanRunOut:
    return service.run_out(service.get_run(session, run_id), user)


@router.post(
    "/plans/{run_id}/cancel",
    response_model=PlanRunOut,
    responses=problems(403, 404),
    summary="Stop a run, keep its best plan",
)
def cancel_plan(run_id: PathId, session: SessionDep, user: CurrentUser) -> PlanRunOut:
    _planner(user)
    run = service.get_run(session, run_id)
    if run.status in ("queued", "running"):
        run.cancel_requested = True
        session.flush()
    return PlanRunOut.model_validate(run)


@router.get("/plans/{run_id}/crews/{crew_id}", response_model=CrewProposal, responses=problems(404))
def crew_proposal(
    run_id: PathId, crew_id: PathId, session: SessionDep, user: CurrentUser
) -> CrewProposal:
    run = service.get_run(session, run_id)
    crew = get_crew(session, crew_id)
    if not (works_for_crew(user, crew.id) or can_see_crew(session, user, crew.id)):
        raise NotFound("Crew not found.")
    return service.crew_proposal(session, run, crew)


@router.post(
    "/plans/{run_id}/crews/{crew_id}/accept",
    response_model=list[BookingOut],
    responses=problems(403, 404, 409),
    summary="Turn the crew's proposal into ranked holds (409 if a day is no longer free)",
)
def accept(
    run_id: PathId, crew_id: PathId, session: SessionDep, user: CurrentUser, now: NowDep
) -> list[BookingOut]:
    run = service.get_run(session, run_id)
    crew = crew_of(session, user, crew_id)
    return service.accept(session, user, run, crew, now)
