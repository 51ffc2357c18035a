"""Routes of the extras pool: the office's register, runs, board, attendance and pay rules;
crews' requests and dispatch lists; the performer's private calendar (token only)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, UploadFile, status
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import (
    ExtrasOffice,
    OwnCrew,
    OwnRegisterImport,
    VisibleExtrasRequest,
    extras_requests_scope,
    require_dispatches,
    require_keeps_register,
)
from app.catalog.service import get_base
from app.clock import NowDep
from app.config import get_settings
from app.deps import CurrentUser, SessionDep
from app.errors import ANY_ROUTE, API_KEY_ROUTE, problems
from app.etags import IfMatch, etag, parse_if_match
from app.exports.router import ExportUser
from app.extras import register_import, service
from app.extras import run as runs
from app.extras.calendar import performer_calendar
from app.extras.register_import import entry_out
from app.extras.register_sheet import REGISTER_SUBJECT, read_register, template_xlsx
from app.extras.schemas import (
    Attendance,
    CancelRequest,
    Category,
    DayBoard,
    DispatchRunOut,
    DispatchStart,
    LinkCreated,
    LinkOut,
    PayLine,
    PayRuleIn,
    PayRuleOut,
    PerformerCreate,
    PerformerCrewView,
    PerformerOut,
    PerformerUpdate,
    Publish,
    Published,
    RegisterImportApplied,
    RegisterImportOut,
    RequestCreate,
    RequestOut,
    RequestUpdate,
)
from app.imports.files import read_sheet
from app.imports.router import XLSX, download, read_file
from app.imports.service import preview_out
from app.models import DispatchRun, ExtrasRequest, PayRule, Performer, RegisterImport, User
from app.pagination import PageDep, PageParams, page_of
from app.routing import TransactionalRoute
from app.schemas import IsoDate, Page, PathId, QueryId

router = APIRouter(tags=["extras"], route_class=TransactionalRoute, responses=API_KEY_ROUTE)
public = APIRouter(tags=["extras"], route_class=TransactionalRoute)
Day = Annotated[IsoDate, Query(description="The shooting day")]


# --- the register (the extras office) --------------------------------------------------------


@router.get("/performers", response_model=Page[PerformerOut], responses=problems(403))
def list_performers(
    session: SessionDep,
    user: ExtrasOffice,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=100, description="Name or card number")] = None,
) -> Page[PerformerOut | PerformerCrewView]:
    return page_of(
        session, service.performers_stmt(q), page, lambda p: service.performer_out(p, user)
    )


@router.post(
    "/performers",
    response_model=PerformerOut,
    status_code=status.HTTP_201_CREATED,
    responses=problems(403, 409),
)
def create_performer(
    body: PerformerCreate, session: SessionDep, user: ExtrasOffice
) -> PerformerOut | PerformerCrewView:
    return service.performer_out(service.create_performer(session, body), user)


@router.get("/performers/{performer_id}", response_model=PerformerOut, responses=problems(403, 404))
def get_performer(
    performer_id: PathId, session: SessionDep, user: ExtrasOffice
) -> PerformerOut | PerformerCrewView:
    return service.performer_out(service.get_performer(session, performer_id), user)


@router.patch(
    "/performers/{performer_id}", response_model=PerformerOut, responses=problems(403, 404)
)
def update_performer(
    performer_id: PathId, body: PerformerUpdate, session: SessionDep, user: ExtrasOffice
) -> PerformerOut | PerformerCrewView:
    performer = service.get_performer(session, performer_id)
    service.update_performer(session, performer, body.model_dump(exclude_unset=True))
    return service.performer_out(performer, user)


@router.post(
    "/performers/{performer_id}/links",
    response_model=LinkCreated,
    status_code=status.HTTP_201_CREATED,
    responses=problems(403, 404),
    summary="A performer's private link (page and calendar); the token is shown once",
)
def create_link(performer_id: PathId, session: SessionDep, user: ExtrasOffice) -> LinkCreated:
    link, token = service.create_link(session, user, service.get_performer(session, performer_id))
    return LinkCreated(
        id=link.id,
        performer_id=link.performer_id,
        token_prefix=link.token_prefix,
        created_at=link.created_at,
        token=token,
        url=f"/p/{token}",
    )


@router.post(
    "/performer-links/{link_id}/revoke",
    response_model=LinkOut,
    responses=problems(403, 404),
    summary="Stop a performer's link: page and calendar die",
)
def revoke_link(link_id: PathId, session: SessionDep, user: ExtrasOffice, now: NowDep) -> LinkOut:
    return LinkOut.model_validate(service.revoke_link(session, link_id, now), from_attributes=True)


# --- the register from the office's sheet ------------------------------------------------------


RowsOf = Annotated[
    Literal["create", "update", "unchanged"] | None,
    Query(description="Only the rows that would do this (the counts stay whole)"),
]


def register_import_out(
    session: Session,
    found: RegisterImport,
    now: datetime,
    page: PageParams | None = None,
    action: str | None = None,
) -> dict[str, Any]:
    """An import's preview: its counts and problems whole, its performer rows a page at a time
    (the first page unless given)."""
    settings = get_settings()
    page = page or PageParams(limit=settings.default_page_size, offset=0)
    rows = page_of(session, register_import.entries_stmt(found, action), page, entry_out)
    return {**preview_out(found, now), "counts": found.preview.get("counts", {}), "rows": rows}


def preview_register_upload(
    session: Session, user: User, upload: UploadFile, now: datetime
) -> RegisterImport:
    """Read the office's uploaded sheet and keep its preview (the API and the page alike)."""
    settings = get_settings()
    limit = settings.max_register_import_bytes
    data = read_file(upload, REGISTER_SUBJECT, limit)
    filename = upload.filename or ""
    sheet = read_sheet(
        data,
        filename,
        limit,
        settings.max_register_import_rows,
        read_register,
        REGISTER_SUBJECT,
    )
    return register_import.create_preview(session, user, sheet, data, filename, now)


@router.get(
    "/performer-imports/template.xlsx",
    response_class=Response,
    responses={
        200: {"content": {XLSX: {}}, "description": "An Excel workbook"},
        **problems(401, 403, 422, 429, 503),
    },
    summary="The register's template as Excel: its columns, with example rows",
)
def register_template(
    user: ExportUser,
    lang: Annotated[Literal["zh", "en"], Query(description="Headers: 中文 or English")] = "zh",
) -> Response:
    require_keeps_register(user)
    return download(template_xlsx(lang), XLSX, f"register-template-{lang}.xlsx")


@router.post(
    "/performer-imports",
    response_model=RegisterImportOut,
    status_code=status.HTTP_201_CREATED,
    responses=problems(403, 413, 415, 422),
    summary="Upload the office's register (.xlsx, .csv) for a preview; the register is untouched",
)
def upload_register(
    session: SessionDep,
    user: ExtrasOffice,
    now: NowDep,
    file: Annotated[UploadFile, File(description="The register: one row per performer")],
) -> dict[str, Any]:
    """Each row becomes a new performer, an update of the one with its guild card number, or
    unchanged; problems in single rows are listed (``errors``: they block applying). A file
    that cannot be read at all (the wrong kind, damaged, hostile, too big, too many rows) is
    refused with a problem and nothing is kept. The answer lists the first page of rows."""
    found = preview_register_upload(session, user, file, now)
    return register_import_out(session, found, now)


@router.get(
    "/performer-imports/{import_id}",
    response_model=RegisterImportOut,
    responses=problems(403, 404),
    summary="A register import's preview (its uploader's), its rows a page at a time",
)
def get_register_import(
    found: OwnRegisterImport, session: SessionDep, now: NowDep, page: PageDep, action: RowsOf = None
) -> dict[str, Any]:
    """The counts, problems and ``can_apply`` are the whole file's; ``rows`` is one page of
    its performer rows in the sheet's order (of one action when ``action`` is given)."""
    return register_import_out(session, found, now, page, action)


@router.post(
    "/performer-imports/{import_id}/apply",
    response_model=RegisterImportApplied,
    responses=problems(403, 404, 409),
    summary="Apply a register import's preview, all or nothing, once",
)
def apply_register_import(
    found: OwnRegisterImport, session: SessionDep, now: NowDep
) -> dict[str, Any]:
    """Registers and updates exactly the performers the preview showed, in one transaction.
    409 (and nothing changed) if the file had problems, the preview expired or was applied
    already, or the register changed since the preview."""
    done = register_import.apply_import(session, found, now)
    out = register_import_out(session, found, now)
    return {**out, "created": done.created, "updated": done.updated}


# --- crews' requests -----------------------------------------------------------------------


@router.post(
    "/crews/{crew_id}/extras-requests",
    response_model=RequestOut,
    status_code=status.HTTP_201_CREATED,
    responses=problems(403, 404, 409),
    summary="Order extras for a shooting day (closes at the base's cut-off the day before)",
)
def create_request(
    crew: OwnCrew,
    body: RequestCreate,
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
    response: Response,
) -> RequestOut:
    r = service.create_request(session, user, crew, body, now)
    response.headers["ETag"] = etag(r.version)
    return service.request_out(session, r, user)


@router.get(
    "/crews/{crew_id}/extras-requests",
    response_model=list[RequestOut],
    responses=problems(403, 404),
    summary="The crew's requests for a day with their dispatch lists",
)
def crew_requests(
    crew: OwnCrew, day: Day, session: SessionDep, user: CurrentUser
) -> list[RequestOut]:
    found = session.scalars(
        select(ExtrasRequest)
        .where(ExtrasRequest.crew_id == crew.id, ExtrasRequest.day == day)
        .order_by(ExtrasRequest.id)
    )
    reasons = _reasons(session, day)
    return [service.request_out(session, r, user, reasons.get(r.id)) for r in found]


@router.get(
    "/extras-requests",
    response_model=Page[RequestOut],
    summary="Requests of a day you may see (your crews', your office's bases)",
)
def list_requests(
    day: Day, session: SessionDep, user: CurrentUser, page: PageDep
) -> Page[RequestOut]:
    stmt = (
        select(ExtrasRequest)
        .where(ExtrasRequest.day == day, extras_requests_scope(user))
        .order_by(ExtrasRequest.id)
    )
    reasons = _reasons(session, day)
    return page_of(
        session, stmt, page, lambda r: service.request_out(session, r, user, reasons.get(r.id))
    )


_reasons = runs.unfilled_reasons


@router.get("/extras-requests/{request_id}", response_model=RequestOut, responses=problems(404))
def get_request(
    r: VisibleExtrasRequest, session: SessionDep, user: CurrentUser, response: Response
) -> RequestOut:
    response.headers["ETag"] = etag(r.version)
    return service.request_out(session, r, user, _reasons(session, r.day).get(r.id))


@router.patch(
    "/extras-requests/{request_id}",
    response_model=RequestOut,
    responses=problems(403, 404, 409, 412),
    summary="Change a request (the crew before the cut-off, the office any time); audited. "
    "Confirmed performers stay; a new profile or set withdraws the proposed ones",
)
def change_request(
    r: VisibleExtrasRequest,
    body: RequestUpdate,
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
    response: Response,
    if_match: IfMatch = None,
) -> RequestOut:
    changes = body.model_dump(exclude_unset=True)
    service.change_request(session, user, r, changes, now, parse_if_match(if_match))
    response.headers["ETag"] = etag(r.version)
    return service.request_out(session, r, user, _reasons(session, r.day).get(r.id))


@router.post(
    "/extras-requests/{request_id}/cancel",
    response_model=RequestOut,
    responses=problems(403, 404),
    summary="Cancel a request (the crew before the cut-off, the office any time); audited",
)
def cancel_request(
    r: VisibleExtrasRequest,
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
    body: CancelRequest | None = None,
) -> RequestOut:
    service.cancel_request(session, user, r, (body or CancelRequest()).reason, now)
    return service.request_out(session, r, user)


# --- dispatch (the extras office) ----------------------------------------------------------


@router.post(
    "/extras/dispatch-runs",
    response_model=DispatchRunOut,
    status_code=status.HTTP_202_ACCEPTED,
    responses=problems(403, 409),
    summary="Dispatch a day's requests in a worker process (409: a run of the day is going)",
)
def start_dispatch(body: DispatchStart, session: SessionDep, user: CurrentUser) -> JSONResponse:
    run = runs.start_run(session, user, body.day, body.base_id)
    out = runs.run_out(run).model_dump(mode="json")
    return JSONResponse(
        out, status_code=202, headers={"Location": f"/extras/dispatch-runs/{run.id}"}
    )


def _office_run(session: SessionDep, user: CurrentUser, run_id: int) -> DispatchRun:
    run = runs.get_run(session, run_id)
    require_dispatches(user, run.base_id)
    return run


@router.get(
    "/extras/dispatch-runs/{run_id}", response_model=DispatchRunOut, responses=problems(403, 404)
)
def get_dispatch(run_id: PathId, session: SessionDep, user: CurrentUser) -> DispatchRunOut:
    return runs.run_out(_office_run(session, user, run_id))


@router.post(
    "/extras/dispatch-runs/{run_id}/cancel",
    response_model=DispatchRunOut,
    responses=problems(403, 404),
    summary="Stop a run before it swaps the day's proposals (a queued one stops at once)",
)
def cancel_dispatch(run_id: PathId, session: SessionDep, user: CurrentUser) -> DispatchRunOut:
    run = _office_run(session, user, run_id)
    runs.cancel_run(session, user, run)
    return runs.run_out(run)


@router.post(
    "/extras/publish",
    response_model=Published,
    responses=problems(403),
    summary="Confirm the day's proposed assignments: later runs never move them",
)
def publish(body: Publish, session: SessionDep, user: CurrentUser, now: NowDep) -> Published:
    n = runs.publish_day(session, user, body.day, body.base_id, now)
    return Published(day=body.day, confirmed=n)


@router.get(
    "/extras/board",
    response_model=DayBoard,
    responses=problems(403),
    summary="The office's day board: demand against supply by profile, unfilled slots",
)
def board(day: Day, session: SessionDep, user: CurrentUser, base_id: QueryId = None) -> DayBoard:
    from app.extras.board import day_board

    require_dispatches(user, base_id)
    return day_board(session, day, base_id)


@router.put(
    "/extras-assignments/{assignment_id}/attendance",
    response_model=PayLine,
    responses=problems(403, 404, 409),
    summary="Attendance, hours and special tasks of a confirmed assignment (the office)",
)
def attendance(
    assignment_id: PathId, body: Attendance, session: SessionDep, user: CurrentUser
) -> PayLine:
    a = service.assignment_for_office(session, user, assignment_id)
    service.record_attendance(session, a, body)
    r = session.get(ExtrasRequest, a.request_id)
    p = session.get(Performer, a.performer_id)
    assert r is not None and p is not None
    from app.models import Crew

    crew = session.get(Crew, r.crew_id)
    assert crew is not None
    return service.pay_line(a, r, p, crew, session.get(PayRule, (r.base_id, p.category)))


# --- pay -----------------------------------------------------------------------------------


@router.get(
    "/bases/{base_id}/extras-pay-rules",
    response_model=list[PayRuleOut],
    responses=problems(403, 404),
)
def pay_rules(base_id: PathId, session: SessionDep, user: CurrentUser) -> list[PayRuleOut]:
    base = get_base(session, base_id)
    require_dispatches(user, base.id)
    rules = session.scalars(select(PayRule).where(PayRule.base_id == base.id))
    return [PayRuleOut.model_validate(r, from_attributes=True) for r in rules]


@router.put(
    "/bases/{base_id}/extras-pay-rules/{category}",
    response_model=PayRuleOut,
    responses=problems(403, 404),
    summary="The guild's rates for a category as this base applies them",
)
def put_pay_rule(
    base_id: PathId, category: Category, body: PayRuleIn, session: SessionDep, user: CurrentUser
) -> PayRuleOut:
    rule = service.put_pay_rule(session, user, get_base(session, base_id), category, body)
    return PayRuleOut.model_validate(rule, from_attributes=True)


@router.get(
    "/crews/{crew_id}/extras-pay-sheet",
    response_model=list[PayLine],
    responses=problems(404),
    summary="A crew's pay sheet for a day (its coordinators, the office of its bases)",
)
def pay_sheet(crew_id: PathId, day: Day, session: SessionDep, user: CurrentUser) -> list[PayLine]:
    return service.pay_sheet(session, user, day, crew_id)


@router.get(
    "/crews/{crew_id}/extras-pay-sheet.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV"}, **problems(404)},
)
def pay_sheet_csv(crew_id: PathId, day: Day, session: SessionDep, user: ExportUser) -> Response:
    body = service.pay_csv(service.pay_sheet(session, user, day, crew_id))
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="pay-{crew_id}-{day}.csv"',
            "Cache-Control": "no-store",
        },
    )


@router.get(
    "/crews/{crew_id}/extras-pay-sheet.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "An Excel workbook"}, **problems(404)},
)
def pay_sheet_xlsx(crew_id: PathId, day: Day, session: SessionDep, user: ExportUser) -> Response:
    body = service.pay_xlsx(service.pay_sheet(session, user, day, crew_id))
    return Response(
        body,
        media_type=XLSX,
        headers={
            "Content-Disposition": f'attachment; filename="pay-{crew_id}-{day}.xlsx"',
            "Cache-Control": "no-store",
        },
    )


# --- the performer's calendar: the secret token is the only credential -----------------------


@public.get(
    "/p/{token}.ics",
    response_class=Response,
    responses={
        200: {"content": {"text/calendar": {}}, "description": "An iCalendar file"},
        **ANY_ROUTE,
        **problems(404),
    },
    summary="A performer's own assignments as an iCalendar feed",
)
def performer_feed(token: str, session: SessionDep, now: NowDep) -> Response:
    performer = service.performer_by_token(session, token)
    since = now.date() - timedelta(days=90)
    body = performer_calendar(session, performer, since, now)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300", "Referrer-Policy": "no-referrer"},
    )
