"""Sessions and forms in a real browser (Chromium) on the seeded Hengdian data: an ended
session or a stale form leads through sign-in back to the form with what was typed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.db import transaction
from app.models import Booking, WebSession, utcnow
from app.timeutil import today_local
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.slow


def end_sessions() -> None:
    """Every session's hours are up."""
    with transaction() as s:
        for row in s.scalars(select(WebSession)):
            row.expires_at = utcnow() - timedelta(seconds=1)


def search(page: Any, server: str, days_ahead: int, tag: str) -> str:
    """Find sets free for three days; the results page's address."""
    first = today_local() + timedelta(days=days_ahead)
    page.goto(f"{server}/ui/find")
    page.fill("#start", first.isoformat())
    page.fill("#last", (first + timedelta(days=2)).isoformat())
    page.check(f"input[name=tags][value={tag}]", force=True)
    page.click("form.searchform button[type=submit]")
    page.wait_for_selector("ul.setlist li.setcard")
    return str(page.url)


def sign_in_again(page: Any, key: str) -> None:
    """On the sign-in page the interrupted form led to."""
    assert "/ui/signin" in page.url or page.locator("#api_key").count() == 1
    page.fill("#api_key", key)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()


def test_an_ended_session_keeps_the_search_and_the_hold_typed(
    live_server: str, keys: dict[str, str], context: Any, shots: Path
) -> None:
    page = context.new_page()
    sign_in(page, live_server, keys["张伟"])  # C02's coordinator
    results = search(page, live_server, 45, "tang")
    card = page.locator("li.setcard").first
    code = card.locator("h3 .code").inner_text().strip()
    card.locator("input[name=note]").fill("Tang street, sc. 4 — night")

    # The session ends while the form is open: sign in, and the form is back as it was.
    end_sessions()
    card.locator("button[type=submit]").click()
    page.wait_for_selector("#api_key")
    assert "what you typed is kept" in page.inner_text("main")
    page.screenshot(path=str(shots / "signin-resume.png"))
    sign_in_again(page, keys["张伟"])
    assert page.url == results
    assert "Nothing was sent yet" in page.inner_text(".flash")
    kept = page.locator("li.setcard.kept")
    assert kept.locator("h3 .code").inner_text().strip() == code
    assert kept.locator("input[name=note]").input_value() == "Tang street, sc. 4 — night"
    assert page.evaluate("document.activeElement.textContent").strip() == "Place hold"
    page.screenshot(path=str(shots / "find-kept.png"), full_page=True)
    with transaction() as s:
        assert s.scalars(select(Booking).where(Booking.note.like("Tang street%"))).first() is None
    kept.locator("button[type=submit]").click()
    page.wait_for_selector(".flash-ok")
    assert f"on {code}" in page.inner_text(".flash-ok")

    # A search opened after the session ended comes back after sign-in too.
    end_sessions()
    page.goto(results)
    page.wait_for_selector("#api_key")
    sign_in_again(page, keys["张伟"])
    assert page.url == results and page.locator("li.setcard").count() > 0


def test_booking_actions_survive_an_ended_session_and_a_stale_token(
    live_server: str, keys: dict[str, str], context: Any, shots: Path
) -> None:
    page = context.new_page()
    sign_in(page, live_server, keys["张伟"])
    search(page, live_server, 50, "tang")
    page.locator("li.setcard").first.locator("button[type=submit]").click()
    page.wait_for_selector(".flash-ok")
    with transaction() as s:
        booking = s.scalars(select(Booking).order_by(Booking.id.desc())).first()
        assert booking is not None and booking.status == "hold"
        booking_id = booking.id
    row = f"tr#b{booking_id}"
    page.goto(f"{live_server}/ui/bookings")

    # A stale token: the user signed out and in again in another tab meanwhile.
    other = context.new_page()
    other.goto(f"{live_server}/ui/bookings")
    other.click("form.signout button")
    other.wait_for_selector("#api_key")
    sign_in_again(other, keys["张伟"])
    other.close()
    page.locator(row).locator("button", has_text="Confirm").click()
    page.wait_for_selector(".flash-error")
    assert "This form had expired, so nothing was done" in page.inner_text(".flash-error")
    assert "kept" in (page.get_attribute(row, "class") or "")

    # The session ends: sign in, back to the bookings with the same button ready.
    end_sessions()
    page.locator(row).locator("button", has_text="Confirm").click()
    page.wait_for_selector("#api_key")
    sign_in_again(page, keys["张伟"])
    assert "/ui/bookings" in page.url
    assert page.evaluate("document.activeElement.closest('tr').id") == f"b{booking_id}"
    assert page.evaluate("document.activeElement.textContent").strip() == "Confirm"
    page.screenshot(path=str(shots / "bookings-kept.png"), full_page=True)
    with transaction() as s:
        assert s.get(Booking, booking_id).status == "hold"  # type: ignore[union-attr]
    page.keyboard.press("Enter")
    page.wait_for_selector(".flash-ok")
    assert f"Booking #{booking_id} is confirmed" in page.inner_text(".flash-ok")
