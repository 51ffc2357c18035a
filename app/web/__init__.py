"""Server-rendered pages (Jinja2, plain CSS and a little JavaScript; no build step)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.web.core import HERE


def install(app: FastAPI) -> None:
    """Mount the pages and their static files on ``app``."""
    from app.web.extras import router as extras_router
    from app.web.pages import router

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(extras_router)  # before the pages' catch-all for unknown /ui/ addresses
    app.include_router(router)
