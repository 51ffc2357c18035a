"""Domain errors carry their HTTP status; one set of handlers renders RFC 9457 problems."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("backlot")

PROBLEM_JSON = "application/problem+json"


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
        return problem(
            exc.status_code,
            title,
            detail,
            slug=slug,
            instance=request.url.path,
            headers=dict(exc.headers) if exc.headers else None,
        )

    def _out_of_range(request: Request) -> JSONResponse:
        return problem(
            422,
            "Invalid input",
            "A value in the request is out of range: ids and amounts go up to 2147483647.",
            slug="invalid-input",
            instance=request.url.path,
        )

    # The database refusing a value (an id in a path or query too large for its column,
    # on either backend) is bad input, never a server error.
    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        return _out_of_range(request)

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, exc: OverflowError) -> JSONResponse:
        if "SQLite INTEGER" in str(exc):
            return _out_of_range(request)
        return await _unexpected(request, exc)

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
