"""Domain errors carry their HTTP status; one set of handlers renders RFC 9457 problems."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Route

from app.schemas import DATE_BOUNDS

log = logging.getLogger("backlot")

PROBLEM_JSON = "application/problem+json"


# --- what an error looks like, for the OpenAPI schema ------------------------------------------


class FieldProblem(BaseModel):
    """One field at fault in a 422."""

    field: str = Field(examples=["start"])
    message: str
    type: str | None = None


class Problem(BaseModel):
    """An RFC 9457 problem: the body of every error the API returns.

    Some problems carry more members: ``errors`` (422, each field at fault), ``conflicts``
    (409, what stands in the way), ``limit`` (409, a quota), ``retry_after`` (429, seconds).
    """

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=["/problems/not-found"])
    title: str = Field(examples=["Not found"])
    status: int = Field(ge=400, le=599)
    detail: str = Field(examples=["Booking 7 not found."])
    instance: str | None = Field(default=None, examples=["/bookings/7"])
    errors: list[FieldProblem] | None = None
    conflicts: list[dict[str, Any]] | None = None
    limit: int | None = None
    retry_after: int | None = None


_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

# What each error status means anywhere in this API.
_STATUS_DESCRIPTIONS: dict[int, str] = {
    400: "The request body could not be read (not UTF-8 text)",
    401: "No API key, or a key that is not valid or has been revoked",
    403: "Your role may see this but not do this",
    404: "Unknown, or not visible to you",
    409: "Conflicts with the current state (taken days, a duplicate code, a run in progress…)",
    412: "If-Match does not match the current version",
    413: "The request body is too large",
    415: "The file is not of a kind this route reads",
    422: "Invalid input: a malformed value, a field out of range, an impossible combination",
    429: "Too many requests for this user (API, pages and downloads together); see Retry-After",
    503: "The database is unreachable or busy; retry after Retry-After",
}
_RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait", "schema": {"type": "string"}},
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries documenting these error statuses as problem+json bodies."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry: dict[str, Any] = {
            "description": _STATUS_DESCRIPTIONS[status],
            "content": {PROBLEM_JSON: {"schema": _PROBLEM_REF}},
        }
        if status == 401:
            entry["headers"] = {
                "WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}
            }
        if status in (429, 503):
            entry["headers"] = _RETRY_AFTER
        out[status] = entry
    return out


# Any route may meet these: a body over the limit, invalid input, the database down.
ANY_ROUTE = problems(413, 422, 503)
# Any route behind an API key, also: no or a bad key, the rate limit.
API_KEY_ROUTE = problems(401, 413, 422, 429, 503)


def install_problem_schema(app: FastAPI) -> None:
    """Put the Problem model into the app's OpenAPI components, where ``problems()`` points."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            found = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(found.pop("$defs", {}))
            components["Problem"] = found
            # A body that cannot even be decoded is refused by FastAPI before validation (400).
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    if "requestBody" in operation:
                        operation["responses"].setdefault("400", problems(400)[400])
        return app.openapi_schema or build()

    app.openapi = openapi  # type: ignore[method-assign]


class DomainError(Exception):
    """An error a user can act on. Subclasses fix the status and title."""

    status: int = 400
    title: str = "Bad request"
    slug: str = "bad-request"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra
        self.headers: dict[str, str] = {}


class NotFound(DomainError):
    status, title, slug = 404, "Not found", "not-found"


class Conflict(DomainError):
    status, title, slug = 409, "Conflict", "conflict"


class InvalidInput(DomainError):
    status, title, slug = 422, "Invalid input", "invalid-input"


class Forbidden(DomainError):
    status, title, slug = 403, "Forbidden", "forbidden"


class Unauthorized(DomainError):
    status, title, slug = 401, "Not signed in", "unauthorized"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.headers = {"WWW-Authenticate": 'Bearer realm="backlot"'}


class PreconditionFailed(DomainError):
    status, title, slug = 412, "Precondition failed", "precondition-failed"


class PayloadTooLarge(DomainError):
    status, title, slug = 413, "Request body too large", "payload-too-large"


class ServiceUnavailable(DomainError):
    status, title, slug = 503, "Service unavailable", "service-unavailable"


OUT_OF_RANGE = "A value in the request is out of range: ids and amounts go up to 2147483647."
DATE_OUT_OF_RANGE = (
    f"A date in the request, or a day counted from it, is out of range: {DATE_BOUNDS}."
)


def overflow_detail(exc: OverflowError) -> str | None:
    """What to tell the user when input overflowed (a 422), or None for a genuine bug.

    Input is bounded where it is read (``app.schemas.IsoDate``, ``MAX_INT``); this is the
    last line behind those bounds, so that day arithmetic past 9999-12-31 or an integer too
    large for SQLite is never a 500.
    """
    text = str(exc)
    if "date value out of range" in text:
        return DATE_OUT_OF_RANGE
    if "SQLite INTEGER" in text:
        return OUT_OF_RANGE
    return None


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _describe_validation(errors: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    readable = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
        field = ".".join(loc) or "request"
        msg = str(err.get("msg", "is invalid"))
        if err.get("type") == "json_invalid":
            field = "body"
            msg = "the request body is not valid JSON"
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        readable.append({"field": field, "message": msg, "type": err.get("type")})
    first = readable[0] if readable else {"field": "request", "message": "is invalid"}
    detail = f"{first['field']}: {first['message']}"
    if len(readable) > 1:
        detail += f" (and {len(readable) - 1} more problem{'s' if len(readable) > 2 else ''})"
    return detail, readable


_STATUS_TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
}


def _allowed_methods(request: Request) -> str:
    """Every method some route takes at this path.

    Starlette's 405 names the methods of the first route matching the path only, and each
    method of a resource is a route of its own here (GET /bases, POST /bases).
    """
    methods: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, Route) and route.methods:
            match, _ = route.matches(request.scope)
            if match is not Match.NONE:
                methods |= route.methods
    return ", ".join(sorted(methods))


# What each unique rule of the schema means to a person, by table. A request that loses a
# race to create the same thing (two admins adding crew "C07" at once) passed the service's
# own check, so the database's refusal is the answer: a 409 naming the clash, never a 500.
UNIQUE_CLASHES: dict[str, str] = {
    "bases": "A base with this code already exists.",
    "sets": "A set with this code already exists.",
    "crews": "A crew with this code already exists.",
    "scenes": "A scene with this number already exists for this crew.",
    "travel": "This pair of bases was changed at the same time; please retry.",
    "users": "This key is already in use; please retry.",
    "feed_tokens": "This feed link is already in use; please retry.",
    "idempotency_keys": "A request with this Idempotency-Key is being answered; please retry.",
    "set_tags": "This set already has this tag.",
    "cast_unavailable": "This day is already marked unavailable.",
    "scene_cast": "This cast member is already in the scene.",
    "scene_allowed_sets": "This set is already allowed for the scene.",
    "scene_predecessors": "This scene is already listed before it.",
    "user_bases": "The user already manages this base.",
    "user_crews": "The user already works for this crew.",
    "rate_counters": "Too many requests at the same moment; please retry.",
    "performers": "A performer with this guild card number already exists.",
    "performer_unavailable": "This day is already marked unavailable.",
    "extras_assignments": "This performer already works that day; please retry.",
    "extras_pay_rules": "This pay rule was changed at the same time; please retry.",
    "dispatch_runs": (
        "A dispatch for that day is already running; wait for it to finish or cancel it."
    ),
}


def unique_clash(exc: IntegrityError) -> str | None:
    """The person-readable clash when ``exc`` is a unique or primary-key violation."""
    orig = exc.orig
    diag = getattr(orig, "diag", None)
    if diag is not None:  # PostgreSQL: SQLSTATE 23505 unique_violation
        if getattr(orig, "sqlstate", None) != "23505":
            return None
        table = diag.table_name or ""
    else:  # SQLite: "UNIQUE constraint failed: crews.code"
        text = str(orig)
        if not text.startswith("UNIQUE constraint failed: "):
            return None
        table = text.removeprefix("UNIQUE constraint failed: ").split(".", 1)[0]
    return UNIQUE_CLASHES.get(table, "This already exists (created at the same moment).")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return problem(
            exc.status,
            exc.title,
            exc.detail,
            slug=exc.slug,
            instance=request.url.path,
            headers=exc.headers or None,
            **exc.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail, readable = _describe_validation(list(exc.errors()))
        return problem(
            422,
            "Invalid input",
            detail,
            slug="invalid-input",
            instance=request.url.path,
            errors=readable,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = _STATUS_TITLES.get(exc.status_code, "Error")
        detail = str(exc.detail) if exc.detail else title
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"There is no page or resource at {request.url.path}."
        # A body found too large while streaming (app.main.BodyLimit) is the same problem type
        # as one refused by its Content-Length.
        slug = PayloadTooLarge.slug if exc.status_code == 413 else title.lower().replace(" ", "-")
        headers = dict(exc.headers) if exc.headers else None
        if exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}."
            headers = {**(headers or {}), "Allow": _allowed_methods(request)}
        return problem(
            exc.status_code,
            title,
            detail,
            slug=slug,
            instance=request.url.path,
            headers=headers,
        )

    def _out_of_range(request: Request, detail: str = OUT_OF_RANGE) -> JSONResponse:
        return problem(
            422, "Invalid input", detail, slug="invalid-input", instance=request.url.path
        )

    # The database refusing a value (an id in a path or query too large for its column,
    # on either backend) is bad input, never a server error.
    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        return _out_of_range(request)

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, exc: OverflowError) -> JSONResponse:
        detail = overflow_detail(exc)
        if detail is not None:
            return _out_of_range(request, detail)
        return await _unexpected(request, exc)

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        clash = unique_clash(exc)
        if clash is None:
            return await _unexpected(request, exc)
        return problem(409, "Conflict", clash, slug="conflict", instance=request.url.path)

    def _unavailable(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        return problem(
            503,
            "Service unavailable",
            "The database is unreachable or busy; please retry in a moment.",
            slug="service-unavailable",
            headers={"Retry-After": "5"},
        )

    # The database is down, restarting or saturated: fail fast and ask for a retry.
    # (Dedicated handlers: a catch-all Exception handler would let the error escape after.)
    @app.exception_handler(OperationalError)
    async def _db_down(request: Request, exc: OperationalError) -> JSONResponse:
        return _unavailable(request, exc)

    @app.exception_handler(PoolTimeout)
    async def _pool_full(request: Request, exc: PoolTimeout) -> JSONResponse:
        return _unavailable(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            return _unavailable(request, exc)
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(
            500,
            "Internal error",
            "Something went wrong on our side; nothing was changed.",
            slug="internal-error",
        )
