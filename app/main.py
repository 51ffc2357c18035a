"""The FastAPI application: routers, problem+json errors, health check."""

from __future__ import annotations

import gc
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.accesslog import install as install_access_log_redaction
from app.bookings.router import router as bookings_router
from app.callsheets.router import router as callsheets_router
from app.catalog.router import router as catalog_router
from app.config import get_settings
from app.crews.router import router as crews_router
from app.db import get_engine
from app.errors import install_error_handlers, install_problem_schema, problem, problems
from app.exports.router import router as exports_router
from app.extras.pages import pages as extras_pages
from app.extras.router import public as extras_public_router
from app.extras.router import router as extras_router
from app.imports.router import router as imports_router
from app.notices.router import router as notices_router
from app.occupancy.router import router as occupancy_router
from app.planning.router import router as plans_router
from app.users.router import router as users_router
from app.web import install as install_pages

DESCRIPTION = """
Backlot books the sets and sound stages of a film base (Hengdian World Studios) for
shooting crews: find free sets, place ranked holds, confirm, release, challenge, cancel.

Authenticate with `Authorization: Bearer <API key>`. Dates are calendar dates in
Asia/Shanghai written `YYYY-MM-DD`; every range is half-open `[start, end)`; money
is integer yuan. Errors are RFC 9457 `application/problem+json`.
"""


# Uploads of a breakdown or screenplay (API and pages) take files up to the import limit;
# uploads of the extras register, a longer sheet, up to the register's. No other route does.
IMPORT_UPLOADS = re.compile(r"^/(?:ui/)?crews/[0-9]{1,10}/imports?/?$")
REGISTER_UPLOADS = re.compile(r"^/(?:performer-imports|ui/extras/performers/imports)/?$")
# The multipart envelope and the form's other fields around the file.
MULTIPART_SLACK = 64 * 1024


def body_limit(scope: Scope) -> int:
    settings = get_settings()
    if scope.get("method") == "POST":
        path = scope.get("path", "")
        if IMPORT_UPLOADS.match(path):
            return max(settings.max_body_bytes, settings.max_import_bytes + MULTIPART_SLACK)
        if REGISTER_UPLOADS.match(path):
            file_limit = settings.max_register_import_bytes
            return max(settings.max_body_bytes, file_limit + MULTIPART_SLACK)
    return settings.max_body_bytes


class BodyLimit:
    """Refuse oversized bodies: by Content-Length before reading, and by counting the bytes
    of a body sent without one (chunked), which the length check alone would let through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope)
        detail = f"Request bodies are limited to {limit} bytes."
        length = Headers(scope=scope).get("content-length")
        if length is not None and not length.isdigit():
            # A malformed length is a bad request, not a big one (RFC 9110 8.6).
            response = problem(
                400,
                "Bad Content-Length",
                "The Content-Length header must be a whole number of bytes.",
                slug="bad-content-length",
            )
            await response(scope, receive, send)
            return
        if length is not None and int(length) > limit:
            response = problem(413, "Request body too large", detail, slug="payload-too-large")
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                # Raised while the route reads its body; the HTTP error handler renders it.
                raise HTTPException(413, detail)
            return message

        await self.app(scope, counted, send)


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    # Sync endpoints run in this many threads per worker process. Python runs one thread
    # at a time, so more threads than the database connections can use only add switching
    # (measured: docs/benchmarks.md, Load); more worker processes add throughput.
    anyio.to_thread.current_default_thread_limiter().total_tokens = get_settings().worker_threads
    yield


def create_app() -> FastAPI:
    app = FastAPI(
        title="Backlot",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    install_access_log_redaction()
    install_error_handlers(app)
    install_problem_schema(app)
    app.add_middleware(BodyLimit)
    app.include_router(catalog_router)
    app.include_router(crews_router)
    app.include_router(bookings_router)
    app.include_router(plans_router)
    app.include_router(occupancy_router)
    app.include_router(exports_router)
    app.include_router(imports_router)
    app.include_router(callsheets_router)
    app.include_router(notices_router)
    app.include_router(users_router)
    app.include_router(extras_router)
    app.include_router(extras_public_router)
    app.include_router(extras_pages)
    install_pages(app)

    @app.get(
        "/healthz",
        tags=["ops"],
        summary="Liveness and database check",
        responses={200: {"description": "The app and its database answer"}, **problems(503)},
    )
    def healthz() -> JSONResponse:
        try:
            with get_engine().connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            return problem(
                503,
                "Service unavailable",
                "The database is unreachable.",
                slug="service-unavailable",
            )
        return JSONResponse({"status": "ok"})

    return app


app = create_app()

# What start-up built (modules, mappers, schemas, the app) lives as long as the process: keep it
# out of the collector's full passes, which would otherwise scan it all in the middle of a
# request (tens of milliseconds on a busy machine).
gc.freeze()
