"""Routes for bookings, their actions and availability. Thin: authorise, call the rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy import select

from app.access import ViewableCrew, VisibleBooking, booking_crew, booking_to_change
from app.bookings import idempotency, queries, service
from app.bookings.availability import find_free_sets
from app.bookings.idempotency import IdempotencyKey
from app.bookings.schemas import (
    Availability,
    BookingAction,
    BookingCreate,
    BookingEventOut,
    BookingOut,
    ChallengeOut,
)
from app.catalog.service import get_base_by_ref
from app.clock import NowDep
from app.deps import CurrentUser, SessionDep
from app.errors import API_KEY_ROUTE, InvalidInput, problems
from app.etags import IfMatch, etag, parse_if_match
from app.models import Booking, BookingEvent, User
from app.pagination import PageDep, PageParams, page_of
from app.routing import TransactionalRoute
from app.schemas import (
    BASE_ID_OR_CODE,
    IsoDate,
    Page,
    PathId,
    QueryId,
    TagsQuery,
    split_tags,
)

router = APIRouter(tags=["bookings"], route_class=TransactionalRoute, responses=API_KEY_ROUTE)

# Placing a booking: a base manager may not (403), an unknown set or crew (404), days not free
# or a hold quota reached (409).
_PLACE_ERRORS = problems(403, 404, 409)
# Acting on a booking: also a stale If-Match (412).
_ACTION_ERRORS = problems(403, 404, 409, 412)
_READ_ERRORS = problems(404)


def _answer(code: int, payload: dict[str, Any]) -> JSONResponse:
    version = payload.get("version") or payload.get("booking", {}).get("version")
    headers = {"ETag": etag(int(version))} if version else {}
    return JSONResponse(payload, status_code=code, headers=headers)


def _page(
    session: SessionDep, user: User, now: Any, wanted: queries.BookingFilter, page: PageParams
) -> Page[BookingOut]:
    if wanted.start is not None and wanted.end is not None and wanted.end <= wanted.start:
        raise InvalidInput("end must be after start: ranges are whole days [start, end).")
    stmt = queries.visible_bookings(user, now, wanted)
    return page_of(
        session,
        stmt,
        page,
        lambda row: queries.booking_out(row[0], now, int(row[1]), bool(row[2]), row[3]),
        counted=stmt.with_only_columns(Booking.id),
    )


@router.get("/bookings", response_model=Page[BookingOut], summary="Bookings you may see")
def list_bookings(
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
    page: PageDep,
    crew_id: QueryId = None,
    set_id: QueryId = None,
    base_id: QueryId = None,
    status_filter: Annotated[queries.StatusFilter | None, Query(alias="status")] = None,
    start: Annotated[IsoDate | None, Query(description="Overlapping [start, end)")] = None,
    end: IsoDate | None = None,
) -> Page[BookingOut]:
    wanted = queries.BookingFilter(
        crew_id=crew_id, set_id=set_id, base_id=base_id, status=status_filter, start=start, end=end
    )
    return _page(session, user, now, wanted, page)


@router.get("/crews/{crew_id}/bookings", response_model=Page[BookingOut], responses=_READ_ERRORS)
def crew_bookings(
    crew: ViewableCrew,
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
    page: PageDep,
    status_filter: Annotated[queries.StatusFilter | None, Query(alias="status")] = None,
    start: IsoDate | None = None,
    end: IsoDate | None = None,
) -> Page[BookingOut]:
    # As GET /crews/{id}: a manager sees the crews that book their bases, and no others.
    wanted = queries.BookingFilter(crew_id=crew.id, status=status_filter, start=start, end=end)
    return _page(session, user, now, wanted, page)


@router.post(
    "/bookings",
    response_model=BookingOut,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {
            "model": BookingOut,
            "description": "The crew's own booking already covers these days: it is the "
            "answer, and no second hold is placed",
        },
        **_PLACE_ERRORS,
    },
    summary="Place a hold (or book directly with status 'confirmed')",
)
def create_booking(
    body: BookingCreate,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    def perform() -> idempotency.Answer:
        crew = booking_crew(session, user, body.crew_id)
        placed = service.place(
            session,
            user,
            crew,
            body.set_id,
            body.start,
            body.end,
            confirm_now=body.status == "confirmed",
            note=body.note,
            now=now,
        )
        # The crew's own booking already covering the days is the answer, not a new hold.
        return (201 if placed.created else 200), placed.booking.model_dump(mode="json")

    fp = idempotency.fingerprint("POST", request.url.path, body.model_dump(mode="json"))
    code, payload = idempotency.run(session, user, idempotency_key, fp, perform)
    response = _answer(code, payload)
    response.headers["Location"] = f"/bookings/{payload['id']}"
    return response


@router.get("/bookings/{booking_id}", response_model=BookingOut, responses=_READ_ERRORS)
def get_booking(booking: VisibleBooking, session: SessionDep, now: NowDep) -> JSONResponse:
    return _answer(200, queries.describe(session, booking, now).model_dump(mode="json"))


@router.get(
    "/bookings/{booking_id}/events", response_model=list[BookingEventOut], responses=_READ_ERRORS
)
def booking_events(booking: VisibleBooking, session: SessionDep) -> list[BookingEventOut]:
    rows = session.scalars(
        select(BookingEvent).where(BookingEvent.booking_id == booking.id).order_by(BookingEvent.id)
    )
    return [BookingEventOut.model_validate(r) for r in rows]


Action = Callable[..., Any]


def _act(
    *,
    booking_id: PathId,
    body: BookingAction | None,
    request: Request,
    session: SessionDep,
    user: User,
    now: Any,
    idempotency_key: str | None,
    if_match: str | None,
    action: Action,
) -> JSONResponse:
    note = body.note if body else ""

    def perform() -> idempotency.Answer:
        booking = booking_to_change(session, user, booking_id)
        service.lock(session, booking, now, parse_if_match(if_match))
        result = action(session, user, booking, now, note)
        out = queries.describe(session, booking, now)
        if isinstance(result, tuple):
            deadline, count = result
            return 200, ChallengeOut(booking=out, deadline=deadline, challenged=count).model_dump(
                mode="json"
            )
        return 200, out.model_dump(mode="json")

    fp = idempotency.fingerprint("POST", request.url.path, {"note": note, "if_match": if_match})
    return _answer(*idempotency.run(session, user, idempotency_key, fp, perform))


def _action_route(name: str, action: Action, summary: str, model: type = BookingOut) -> None:
    def endpoint(
        booking_id: PathId,
        request: Request,
        session: SessionDep,
        user: CurrentUser,
        now: NowDep,
        body: BookingAction | None = None,
        idempotency_key: IdempotencyKey = None,
        if_match: IfMatch = None,
    ) -> JSONResponse:
        return _act(
            booking_id=booking_id,
            body=body,
            request=request,
            session=session,
            user=user,
            now=now,
            idempotency_key=idempotency_key,
            if_match=if_match,
            action=action,
        )

    endpoint.__name__ = f"{name}_booking"
    router.add_api_route(
        f"/bookings/{{booking_id}}/{name}",
        endpoint,
        methods=["POST"],
        response_model=model,
        responses=_ACTION_ERRORS,
        summary=summary,
        name=f"{name}_booking",
    )


_action_route(
    "confirm", service.confirm, "Confirm a hold (only the 1st hold with no confirmed days ahead)"
)
_action_route("release", service.release, "Release a hold; the holds behind it move up")
_action_route("cancel", service.cancel, "Cancel a confirmed booking; its days become free")
_action_route(
    "challenge",
    service.challenge,
    "Give the earlier holds a deadline to confirm or lapse",
    ChallengeOut,
)


@router.get(
    "/availability",
    response_model=Availability,
    responses=problems(404),
    summary="Sets free over a whole range (404: an unknown base)",
)
def availability(
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
    page: PageDep,
    start: IsoDate,
    end: Annotated[IsoDate, Query(description="First day not needed: [start, end)")],
    tags: TagsQuery = None,
    base: Annotated[
        str | None, Query(pattern=BASE_ID_OR_CODE, max_length=32, description="Base id or code")
    ] = None,
    kind: Literal["backlot", "stage"] | None = None,
) -> Availability:
    base_id = get_base_by_ref(session, base).id if base is not None else None
    return find_free_sets(
        session,
        user,
        start,
        end,
        tags=split_tags(tags),
        base_id=base_id,
        kind=kind,
        now=now,
        page=page,
    )
