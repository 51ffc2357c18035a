"""The FastAPI application: routers, problem+json errors, health check."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from app.bookings.router import router as bookings_router
from app.catalog.router import router as catalog_router
from app.config import get_settings
from app.crews.router import router as crews_router
from app.db import get_engine
from app.errors import install_error_handlers, problem
from app.planning.router import router as plans_router
from app.users.router import router as users_router

DESCRIPTION = """
Backlot books the sets and sound stages of a film base (Hengdian World Studios) for
shooting crews: find free sets, place ranked holds, confirm, release, challenge, cancel.

Authenticate with `Authorization: Bearer <API key>`. Dates are calendar dates in
Asia/Shanghai written `YYYY-MM-DD`; every range is half-open `[start, end)`; money
is integer yuan. Errors are RFC 9457 `application/problem+json`.
"""


class BodyLimit(BaseHTTPMiddleware):
    """Refuse oversized bodies before reading them."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        limit = get_settings().max_body_bytes
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            return problem(
                413,
                "Request body too large",
                f"Request bodies are limited to {limit} bytes.",
                slug="payload-too-large",
            )
        return await call_next(request)


def create_app() -> FastAPI:
    app = FastAPI(
        title="Backlot",
        version="0.1.0",
        description=DESCRIPTION,
    )
    install_error_handlers(app)
    app.add_middleware(BodyLimit)
    app.include_router(catalog_router)
    app.include_router(crews_router)
    app.include_router(bookings_router)
    app.include_router(plans_router)
    app.include_router(users_router)

    @app.get("/healthz", tags=["ops"], summary="Liveness and database check")
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
