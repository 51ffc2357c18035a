"""The extras (横漂) pool's whole path in Chromium on the seeded Hengdian data: the office
registers performers, a coordinator orders extras for a confirmed shooting day, the office
runs dispatch (the real worker process, as the API starts it) and publishes, the crew sees
who is coming (no phone numbers), a performer opens their private link and sees only their
own day, the office records attendance and downloads the pay sheet. Screenshots go to
test-output/screenshots/ and docs/screenshots/."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.db import transaction
from app.extras import service
from app.models import Crew
from app.timeutil import today_local
from app.users.service import create_user
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.slow
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONES = ("13700000001", "13700000002", "13700000003")


def _shot(page: Any, shots: Path, name: str) -> None:
    page.screenshot(path=str(shots / name), full_page=True)
    DOCS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shots / name, DOCS / name)


def test_extras_whole_path(
    live_server: str, keys: dict[str, str], context: Any, browser: Any, shots: Path
) -> None:
    with transaction() as s:
        office_key = create_user(s, "赵敏 (群演管理处)", "extras_office", [])[1]
        crew = s.scalars(select(Crew).where(Crew.code == "C01")).one()
        crew_id, crew_name = crew.id, crew.name
        ahead = service.shooting_days(
            s, crew_id, today_local() + timedelta(days=2), today_local() + timedelta(days=120)
        )
    assert ahead, "the seed gives C01 confirmed shooting days"
    shoot_day, film_set = ahead[0]

    # The office registers three performers on the register page.
    office = context.new_page()
    sign_in(office, live_server, office_key)
    assert "/ui/extras" in office.url
    for n, (name, phone) in enumerate(zip(("王小明", "李大壮", "张秀英"), PHONES, strict=True)):
        office.goto(f"{live_server}/ui/extras/performers")
        form = office.locator("#new form")
        form.locator("input[name=name]").fill(name)
        form.locator("select[name=gender]").select_option("f" if n == 2 else "m")
        form.locator("input[name=card_no]").fill(f"HD-2024-{n + 1:05d}")
        form.locator("input[name=phone]").fill(phone)
        form.locator("input[name=birth_year]").fill("1996")
        form.locator("input[name=skills]").fill("horse-riding" if n < 2 else "")
        form.locator("button[type=submit]").click()
        office.wait_for_selector(".flash-ok")
    # The seed's register holds 48 more (cards HD-2026-…); the three are listed with them.
    office.goto(f"{live_server}/ui/extras/performers")
    listed = office.inner_text("#performers")
    assert all(f"HD-2024-{n:05d}" in listed for n in (1, 2, 3))
    assert PHONES[0] in listed
    office.goto(f"{live_server}/ui/extras/performers?q=HD-2024-00003")
    assert office.locator("#performers tbody tr").count() == 1

    # The crew's coordinator orders two riders for a confirmed shooting day.
    coord_ctx = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    coord = coord_ctx.new_page()
    sign_in(coord, live_server, keys["李静"])
    coord.goto(f"{live_server}/ui/schedule")
    coord.click(f"a[href='/ui/crews/{crew_id}/extras']")
    coord.wait_for_selector("#order form")
    coord.select_option("#shoot", value=f"{shoot_day.isoformat()}:{film_set.id}")
    coord.fill("input[name=count]", "2")
    coord.fill("input[name=tags]", "horse-riding")
    coord.fill("input[name=priority]", "7")
    coord.fill("input[name=call_time]", "06:30")
    coord.fill("input[name=wardrobe_notes]", "秦军甲胄")
    coord.click("#order button[type=submit]")
    coord.wait_for_selector(".flash-ok")
    assert "Request #" in coord.inner_text(".flash-ok")

    # The office runs dispatch for the day (a worker process) and publishes.
    office.goto(f"{live_server}/ui/extras?day={shoot_day.isoformat()}")
    assert "horse-riding" in office.inner_text("#profiles")
    office.click("button:has-text('Run dispatch')")
    office.wait_for_selector(".flash-ok")
    office.wait_for_selector("#run-status.run-succeeded", timeout=60_000)  # the page refreshes
    assert "100%" in office.inner_text("#run")
    office.click("button:has-text('Publish')")
    office.wait_for_selector(".flash-ok")
    assert "2 assignments confirmed" in office.inner_text(".flash-ok")
    _shot(office, shots, "extras-board.png")

    # The crew sees who is coming: names and card numbers, never a phone number.
    coord.goto(f"{live_server}/ui/crews/{crew_id}/extras")
    coming = coord.inner_text("table.dispatch")
    assert "王小明" in coming and "李大壮" in coming and "HD-2024-00001" in coming
    assert all(p not in coord.content() for p in PHONES) and "1996" not in coord.content()
    _shot(coord, shots, "extras-crew.png")
    coord_ctx.close()

    # A private link for 王小明; in a browser without any session he sees his day only.
    office.goto(f"{live_server}/ui/extras/performers?q=HD-2024-00001")
    office.click("#performers button:has-text('New private link')")
    link = office.input_value("input.copy")
    assert re.match(re.escape(live_server) + r"/p/blp_", link)
    phone_ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    mine = phone_ctx.new_page()
    mine.goto(link + "?lang=en")
    days = mine.locator("#days tbody tr")
    assert days.count() == 1
    assert crew_name in days.inner_text() and shoot_day.isoformat() in days.inner_text()
    body = mine.inner_text("body")
    assert "王小明" in body and "李大壮" not in body and "张秀英" not in body
    _shot(mine, shots, "extras-performer.png")
    phone_ctx.close()

    # Attendance, then the crew's pay sheet as a download.
    office.goto(f"{live_server}/ui/extras?day={shoot_day.isoformat()}")
    row = office.locator("#attendance tbody tr", has_text="王小明")
    row.locator("select[name=attendance]").select_option("late")
    row.locator("input[name=hours_worked]").fill("9")
    row.locator("button[type=submit]").click()
    office.wait_for_selector(".flash-ok")
    assert "Late" in office.locator("#attendance tbody tr", has_text="王小明").inner_text()
    with office.expect_download() as got:
        office.click("#paysheets a:has-text('CSV')")
    sheet = Path(got.value.path()).read_text(encoding="utf-8-sig")
    assert "guild_commission_yuan" in sheet and "王小明" in sheet and ",late," in sheet
