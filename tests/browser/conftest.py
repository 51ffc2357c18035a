"""Browser tests: Playwright for Python driving Debian's Chromium against the live server.

They run on SQLite only (the pages are the same on both databases; the API tests cover
PostgreSQL). Without Chromium or Playwright they skip, unless BACKLOT_REQUIRE_BROWSER=1
(CI), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("BACKLOT_CHROMIUM", "/usr/bin/chromium")
REQUIRE = os.environ.get("BACKLOT_REQUIRE_BROWSER") == "1"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


@pytest.fixture
def backend() -> str:
    """SQLite only for the browser (overrides the both-databases parameter)."""
    return "sqlite"


def _missing() -> str | None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    problem = _missing()
    if problem is not None:
        if REQUIRE:
            pytest.fail(problem + " (BACKLOT_REQUIRE_BROWSER=1)")
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def shots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def keys(live_server: str) -> dict[str, str]:
    """The Hengdian seed, loaded; API keys by user name prefix."""
    from app.db import transaction
    from seed.loader import load

    with transaction() as s:
        report = load(s)
    return {name.split(" (")[0]: key for name, _role, key in report.keys}


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


def sign_in(page: Any, server: str, key: str, shot: Path | None = None) -> None:
    page.goto(f"{server}/ui/signin")
    if shot is not None:
        page.screenshot(path=str(shot))
    page.fill("#api_key", key)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()
    assert "/ui/signin" not in page.url, page.content()[:500]
