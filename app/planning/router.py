"""Routes for optimizer runs: start (202), watch, cancel, read and accept a crew's proposal."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy import select

from app.access import OwnCrew, PlanRunner, ViewableCrew
from app.bookings import idempotency
from app.bookings.idempotency import IdempotencyKey
from app.clock import NowDep
from app.deps import CurrentUser, SessionDep
from app.errors import API_KEY_ROUTE, problems
from app.jobs import settle_lost_runs, worker_database_url
from app.models import PlanRun
from app.pagination import PageDep, page_of
from app.planning import service
from app.planning.schemas import (
    Acceptance,
    AcceptRequest,
    CrewProposal,
    PlanRequest,
    PlanRunOut,
)
from app.planning.service import spawn
from app.routing import TransactionalRoute
from app.schemas import Page, PathId

router = APIRouter(tags=["plans"], route_class=TransactionalRoute, responses=API_KEY_ROUTE)


@router.post(
    "/plans",
    response_model=PlanRunOut,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Start an optimizer run in a worker process (409: a run is already in progress)",
    responses=problems(403, 409),
)
def start_plan(
    session: SessionDep, user: PlanRunner, body: PlanRequest | None = None
) -> JSONResponse:
    body = body or PlanRequest()
    run = service.start_run(session, service.RunParams(**body.model_dump()), user)
    session.commit()  # before the worker looks for it
    spawn(run.id, worker_database_url())
    out = PlanRunOut.model_validate(run).model_dump(mode="json")
    return JSONResponse(out, status_code=202, headers={"Location": f"/plans/{run.id}"})


@router.get("/plans", response_model=Page[PlanRunOut], summary="Recent optimizer runs")
def list_plans(session: SessionDep, user: CurrentUser, page: PageDep) -> Page[PlanRunOut]:
    settle_lost_runs(session, PlanRun)
    stmt = select(PlanRun).order_by(PlanRun.id.desc())
    return page_of(session, stmt, page, lambda run: service.run_out(run, user))


@router.get("/plans/{run_id}", response_model=PlanRunOut, responses=problems(404))
def get_plan(run_id: PathId, session: SessionDep, user: CurrentUser) -> PlanRunOut:
    return service.run_out(service.get_run(session, run_id), user)


@router.post(
    "/plans/{run_id}/cancel",
    response_model=PlanRunOut,
    responses=problems(403, 404),
    summary="Stop a run, keep its best plan",
)
def cancel_plan(run_id: PathId, session: SessionDep, user: PlanRunner) -> PlanRunOut:
    run = service.get_run(session, run_id)
    service.cancel_run(session, run)
    return PlanRunOut.model_validate(run)


@router.get("/plans/{run_id}/crews/{crew_id}", response_model=CrewProposal, responses=problems(404))
def crew_proposal(
    run_id: PathId, crew: ViewableCrew, session: SessionDep, now: NowDep
) -> CrewProposal:
    return service.crew_proposal(session, service.get_run(session, run_id), crew, now)


@router.post(
    "/plans/{run_id}/crews/{crew_id}/accept",
    response_model=Acceptance,
    responses=problems(403, 404, 409),
    summary="Turn the crew's proposal into ranked holds (409 if a day is no longer free, "
    "or the proposal was already accepted)",
)
def accept(
    run_id: PathId,
    crew: OwnCrew,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
    body: AcceptRequest | None = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    wanted = body or AcceptRequest()

    def perform() -> idempotency.Answer:
        run = service.get_run(session, run_id)
        done = service.accept(
            session, user, run, crew, now, release_unused=wanted.release_unused_holds
        )
        return 200, done.model_dump(mode="json")

    fp = idempotency.fingerprint("POST", request.url.path, wanted.model_dump(mode="json"))
    code, payload = idempotency.run(session, user, idempotency_key, fp, perform)
    return JSONResponse(payload, status_code=code)
