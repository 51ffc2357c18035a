"""Calendar feeds in a real browser on the seeded Hengdian data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.db import transaction
from app.models import FeedToken
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.slow


def test_reloading_after_create_link_makes_no_second_feed(
    live_server: str, keys: dict[str, str], context: Any, shots: Path
) -> None:
    page = context.new_page()
    sign_in(page, live_server, keys["张伟"])  # C02's coordinator
    page.goto(f"{live_server}/ui/feeds")
    page.click("form.toolbar button[type=submit]")
    page.wait_for_selector("#feed-https")
    https, webcal = page.input_value("#feed-https"), page.input_value("#feed-webcal")
    assert https.startswith(live_server + "/feeds/blf_") and https.endswith(".ics")
    assert webcal == "webcal://" + https.removeprefix("http://")
    assert page.get_attribute(".new-feed a.btn", "href") == webcal
    page.screenshot(path=str(shots / "feeds.png"), full_page=True)
    page.reload()
    page.wait_for_load_state()
    assert page.locator("#feed-https").count() == 0  # shown once
    assert page.locator("table.list tbody tr").count() == 1
    with transaction() as s:
        assert s.query(FeedToken).count() == 1
    feed = context.request.get(https)
    assert feed.ok and "BEGIN:VCALENDAR" in feed.text()
