"""Export routes: CSV downloads (API key or page session) and iCalendar feeds by secret token.

Reads (the downloads, the list of feeds) accept the page session, so that the pages' links
work. Changes (creating or revoking a feed) take the API key only: a browser attaches the
session cookie to requests other sites make (a page on another port of the same host is the
same site to SameSite=Lax), and JSON endpoints carry no CSRF token. The pages change feeds
through their own forms, which do.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import Response

from app.accesslog import log_feed_as
from app.bookings.queries import BookingFilter, list_visible
from app.clock import NowDep
from app.deps import ApiKey, SessionDep, admit, authenticate
from app.errors import ANY_ROUTE, Unauthorized, problems
from app.exports import service
from app.exports.schemas import FeedCreate, FeedCreated, FeedOut
from app.models import FeedToken, User
from app.occupancy import service as occupancy
from app.occupancy.router import End, Start
from app.routing import TransactionalRoute
from app.schemas import IsoDate, PathId, QueryId
from app.web.session import SESSION_COOKIE, PageSession

router = APIRouter(tags=["exports"], route_class=TransactionalRoute)
CSV = "text/csv; charset=utf-8"
CSV_MAX_ROWS = 10_000


def export_user(
    request: Request,
    session: SessionDep,
    credentials: ApiKey,
) -> User:
    """The API key if one is sent, else the page session: download links work from the pages."""
    if credentials is not None or "authorization" in request.headers:
        return authenticate(request, session, credentials.credentials if credentials else None)
    user = PageSession.read(request).user(session)
    admit(request, session, user)
    if user is None:
        raise Unauthorized("Sign in with your API key: send 'Authorization: Bearer <key>'.")
    return user


ExportUser = Annotated[User, Depends(export_user)]


def key_only_user(request: Request, session: SessionDep, credentials: ApiKey) -> User:
    """The API key's user; a request carrying only the page session is refused (401)."""
    if credentials is None and SESSION_COOKIE in request.cookies:
        raise Unauthorized(
            "Changes through the API need your API key: send 'Authorization: Bearer <key>'. "
            "The page session is not accepted here; the pages have their own forms."
        )
    return authenticate(request, session, credentials.credentials if credentials else None)


KeyOnlyUser = Annotated[User, Depends(key_only_user)]


def _download(body: str, filename: str) -> Response:
    return Response(
        body.encode("utf-8"),
        media_type=CSV,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


_CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a byte-order mark"},
}
# An API key or a page session; either way counted against the user's rate limit.
_SIGNED_IN = problems(401, 413, 422, 429, 503)


@router.get(
    "/bases/{base_id}/occupancy.csv",
    response_class=Response,
    responses={**_CSV_RESPONSE, **_SIGNED_IN, **problems(404)},
    summary="The occupancy grid as CSV: one row per set and day",
)
def occupancy_csv(
    base_id: PathId, start: Start, end: End, session: SessionDep, user: ExportUser, now: NowDep
) -> Response:
    occ = occupancy.base_occupancy(session, user, base_id, start, end, now)
    return _download(service.occupancy_csv(occ), f"occupancy-{occ.code}-{start.isoformat()}.csv")


@router.get(
    "/bookings.csv",
    response_class=Response,
    responses={**_CSV_RESPONSE, **_SIGNED_IN},
    summary="Bookings you may see, as CSV (at most 10,000 rows)",
)
def bookings_csv(
    session: SessionDep,
    user: ExportUser,
    now: NowDep,
    crew_id: QueryId = None,
    base_id: QueryId = None,
    start: Annotated[IsoDate | None, Query(description="Overlapping [start, end)")] = None,
    end: IsoDate | None = None,
    live: Annotated[bool, Query(description="Only confirmed bookings and active holds")] = False,
    status_filter: Annotated[Literal["hold", "confirmed"] | None, Query(alias="status")] = None,
) -> Response:
    wanted = BookingFilter(
        crew_id=crew_id, base_id=base_id, status=status_filter, start=start, end=end, live=live
    )
    items = list_visible(session, user, now, wanted, limit=CSV_MAX_ROWS)
    return _download(service.bookings_csv(items), "bookings.csv")


def feed_out(session: SessionDep, feed: FeedToken) -> FeedOut:
    return FeedOut(
        id=feed.id,
        kind=feed.kind,
        crew_id=feed.crew_id,
        set_id=feed.set_id,
        subject=service.feed_subject(session, feed),
        token_prefix=feed.token_prefix,
        created_at=feed.created_at,
        revoked_at=feed.revoked_at,
        active=feed.revoked_at is None,
    )


@router.post(
    "/feeds",
    response_model=FeedCreated,
    status_code=status.HTTP_201_CREATED,
    responses={**_SIGNED_IN, **problems(403, 404)},
    summary="Share a crew's or a set's bookings as a calendar feed (secret link)",
)
def create_feed(body: FeedCreate, session: SessionDep, user: KeyOnlyUser) -> FeedCreated:
    feed, token = service.create_feed(session, user, body.kind, body.crew_id, body.set_id)
    return FeedCreated(
        **feed_out(session, feed).model_dump(), token=token, url=f"/feeds/{token}.ics"
    )


@router.get(
    "/feeds", response_model=list[FeedOut], responses=_SIGNED_IN, summary="Your calendar feeds"
)
def list_feeds(session: SessionDep, user: ExportUser) -> list[FeedOut]:
    return [feed_out(session, f) for f in service.feeds_of(session, user)]


@router.post(
    "/feeds/{feed_id}/revoke",
    response_model=FeedOut,
    responses={**_SIGNED_IN, **problems(404)},
    summary="Stop a feed: its link dies",
)
def revoke_feed(feed_id: PathId, session: SessionDep, user: KeyOnlyUser, now: NowDep) -> FeedOut:
    return feed_out(session, service.revoke_feed(session, user, feed_id, now))


@router.get(
    "/feeds/{token}.ics",
    response_class=Response,
    responses={
        200: {"content": {"text/calendar": {}}, "description": "An iCalendar file"},
        **ANY_ROUTE,
        **problems(404),
    },
    summary="An iCalendar feed (RFC 5545); the secret token is the only credential",
)
def feed(token: str, request: Request, session: SessionDep, now: NowDep) -> Response:
    item = service.feed_by_token(session, token)
    log_feed_as(request, item.id)  # the token never reaches the access log
    body = service.feed_calendar(session, item, now)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300", "Referrer-Policy": "no-referrer"},
    )
