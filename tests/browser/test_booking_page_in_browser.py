"""A booking's own page in a real browser on the seeded Hengdian data: reached from My
bookings and from the board's details panel, with who did what and when."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.db import transaction
from app.models import FilmSet
from app.timeutil import today_local
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.slow


def test_a_booking_page_from_my_bookings_and_from_the_board(
    live_server: str, keys: dict[str, str], context: Any, shots: Path
) -> None:
    page = context.new_page()
    sign_in(page, live_server, keys["张伟"])  # C02's coordinator
    first = today_local() + timedelta(days=47)
    page.goto(
        f"{live_server}/ui/find?start={first}&last={first + timedelta(days=1)}&tags=tang&base=QWG"
    )
    card = page.locator("li.setcard").first
    code = card.locator("h3 .code").inner_text().strip()
    card.locator("button[type=submit]").click()
    page.wait_for_selector(".flash-ok")
    row = page.locator("tr", has=page.locator(f"text={code}")).filter(has_text="1st hold").first
    row.locator("td.code a").click()
    page.wait_for_selector("ol.history")
    assert "/ui/bookings/" in page.url
    booking_url = page.url
    history = page.inner_text("ol.history")
    assert "Placed as a hold" in history and "张伟" in history
    page.locator("button", has_text="Confirm").click()
    page.wait_for_selector(".flash-ok")
    assert page.url.split("#")[0] == booking_url  # back on the booking's page
    assert "Confirmed" in page.inner_text("ol.history")
    page.screenshot(path=str(shots / "booking.png"), full_page=True)

    with transaction() as s:
        set_id, base_id = s.execute(
            select(FilmSet.id, FilmSet.base_id).where(FilmSet.code == code)
        ).one()
    manager = context.browser.new_context(viewport={"width": 1440, "height": 900})
    board = manager.new_page()
    sign_in(board, live_server, keys["陈美玲"])  # the manager of the Qin base
    board.goto(f"{live_server}/ui/board?base={base_id}&month={first:%Y-%m}")
    board.locator(f'a.cell[data-set="{set_id}"][data-date="{first.isoformat()}"]').click()
    board.wait_for_selector("#details .detail a[href^='/ui/bookings/']")
    board.locator("#details .detail a[href^='/ui/bookings/']").first.click()
    board.wait_for_selector("ol.history")
    assert board.url.split("#")[0] == booking_url
    history = board.inner_text("ol.history")
    assert "张伟" in history and "Confirmed" in history
    assert "view only" in board.inner_text("main")
    manager.close()
