"""Find a set in a real browser on the seeded Hengdian data: dates that make no search and
tags no set carries are said so in plain words, the form kept as typed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app.timeutil import today_local
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.slow


def test_find_explains_reversed_and_past_dates_and_unknown_tags(
    live_server: str, keys: dict[str, str], context: Any, shots: Path
) -> None:
    page = context.new_page()
    sign_in(page, live_server, keys["张伟"])  # C02's coordinator
    today = today_local()
    first, last = today + timedelta(days=40), today + timedelta(days=37)
    page.goto(f"{live_server}/ui/find")
    page.fill("#start", first.isoformat())
    page.fill("#last", last.isoformat())
    page.check("input[name=tags][value=tang]", force=True)
    page.click("form.searchform button[type=submit]")
    page.wait_for_load_state()
    error = page.inner_text("#date-error")
    assert "is before the first day" in error, error
    assert page.input_value("#start") == first.isoformat()
    assert page.input_value("#last") == last.isoformat()
    assert page.is_checked("input[name=tags][value=tang]")
    assert page.locator("li.setcard").count() == 0
    page.screenshot(path=str(shots / "find-reversed.png"), full_page=True)

    page.fill("#start", (today - timedelta(days=2)).isoformat())
    page.fill("#last", (today + timedelta(days=1)).isoformat())
    page.click("form.searchform button[type=submit]")
    page.wait_for_load_state()
    assert "has already gone by" in page.inner_text("#date-error")
    assert page.locator("li.setcard").count() == 0

    page.fill("#start", first.isoformat())
    page.fill("#last", (first + timedelta(days=2)).isoformat())
    page.fill("#typed-tags", "palce")
    page.click("form.searchform button[type=submit]")
    page.wait_for_load_state()
    said = page.inner_text("#tag-error")
    assert "No set carries the tag “palce”" in said and "Did you mean" in said
    assert page.input_value("#typed-tags") == "palce"
    page.screenshot(path=str(shots / "find-unknown-tag.png"), full_page=True)
    page.click("#tag-error a.chip >> text=palace")
    page.wait_for_selector("ul.setlist li.setcard")
    assert page.is_checked("input[name=tags][value=palace]")
    assert page.is_checked("input[name=tags][value=tang]")
    assert page.locator("#tag-error").count() == 0
