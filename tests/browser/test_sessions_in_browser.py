"""Sessions and forms in a real browser (Chromium) on the seeded Hengdian data: an ended
session or a stale form leads through sign-in back to the form with what was typed, a long
refusal reaches the user, and a page on another port cannot change feeds with the cookie."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.db import transaction
from app.exports.service import create_feed
from app.models import Blackout, Booking, FeedToken, FilmSet, User, WebSession, utcnow
from app.security import hash_api_key
from app.timeutil import today_local
from tests.browser.conftest import sign_in
from tests.factories import long_text

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


def _wait_until(page: Any, expression: str, seconds: float = 5.0) -> None:
    """Poll ``expression`` in the page until it is true (``wait_for_function`` evaluates
    a string, which the pages' Content-Security-Policy forbids)."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(expression) and time.monotonic() < deadline:
        time.sleep(0.05)


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
    # Chromium applies autofocus after a rendering step, not by the load event.
    _wait_until(page, "document.activeElement && document.activeElement.tagName === 'BUTTON'")
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
    # The kept button has autofocus, which Chromium applies after a rendering step: on a
    # busy machine, a moment after the load event the sign-in waited for.
    _wait_until(page, "!!(document.activeElement && document.activeElement.closest('tr'))")
    assert page.evaluate("document.activeElement.closest('tr').id") == f"b{booking_id}"
    assert page.evaluate("document.activeElement.textContent").strip() == "Confirm"
    page.screenshot(path=str(shots / "bookings-kept.png"), full_page=True)
    with transaction() as s:
        assert s.get(Booking, booking_id).status == "hold"  # type: ignore[union-attr]
    page.keyboard.press("Enter")
    page.wait_for_selector(".flash-ok")
    assert f"Booking #{booking_id} is confirmed" in page.inner_text(".flash-ok")


def test_a_refusal_naming_a_long_blackout_reason_is_shown_whole(
    live_server: str, keys: dict[str, str], context: Any
) -> None:
    """A 2,000-character reason used to make a 6 kB cookie the browser dropped."""
    page = context.new_page()
    sign_in(page, live_server, keys["张伟"])
    search(page, live_server, 55, "tang")
    card = page.locator("li.setcard").first
    code = card.locator("h3 .code").inner_text().strip()
    first = today_local() + timedelta(days=55)
    reason = long_text(2000)
    with transaction() as s:
        set_id = s.scalar(select(FilmSet.id).where(FilmSet.code == code))
        s.add(
            Blackout(set_id=set_id, start_date=first, end_date=first + timedelta(1), reason=reason)
        )
    card.locator("button[type=submit]").click()
    page.wait_for_selector(".flash-error")
    shown = " ".join(page.inner_text(".flash-error").split())  # as the browser lays it out
    assert " ".join(reason.split()) in shown


@pytest.fixture
def other_site() -> Iterator[tuple[str, dict[str, str]]]:
    """A page served on another port of the same host (the same site to SameSite=Lax)."""
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path, "").encode("utf-8")
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", pages
    finally:
        server.shutdown()
        server.server_close()


def test_a_page_on_another_port_cannot_change_feeds(
    live_server: str,
    keys: dict[str, str],
    context: Any,
    other_site: tuple[str, dict[str, str]],
) -> None:
    with transaction() as s:
        user = s.scalars(select(User).where(User.api_key_hash == hash_api_key(keys["张伟"]))).one()
        feed, _ = create_feed(s, user, "crew", sorted(user.crew_ids)[0], None)
        feed_id = feed.id
    page = context.new_page()
    sign_in(page, live_server, keys["张伟"])
    site, pages = other_site
    pages["/attack.html"] = f"""<!doctype html><body>
<form id="f" method="post" action="{live_server}/ui/feeds/{feed_id}/revoke" target="sink">
<input name="csrf" value="guess"></form><iframe name="sink"></iframe>
<script>
fetch("{live_server}/feeds/{feed_id}/revoke", {{method: "POST", credentials: "include",
  mode: "no-cors"}}).then(() => document.title = "sent", () => document.title = "sent");
document.getElementById("f").submit();
</script></body>"""
    page.goto(f"{site}/attack.html")
    page.wait_for_function("document.title === 'sent'")
    page.wait_for_timeout(500)  # the form's post too
    with transaction() as s:
        assert s.get(FeedToken, feed_id).revoked_at is None  # type: ignore[union-attr]
