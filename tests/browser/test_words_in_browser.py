"""What the pages say, in a real browser on the seeded Hengdian data: English counts agree
with their number, Chinese pages write ranks, dates, set kinds and set names one way, and
each day of a multi-day scene shows what that day shoots."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.db import transaction
from app.models import Crew, FilmSet, Scene
from app.timeutil import today_local
from app.web.i18n import Translator
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.slow


def test_a_one_day_hold_reads_right_in_english_and_in_chinese(
    live_server: str, keys: dict[str, str], context: Any, shots: Path
) -> None:
    page = context.new_page()
    sign_in(page, live_server, keys["张伟"])  # C02 长安月's coordinator
    first = today_local() + timedelta(days=50)
    page.goto(f"{live_server}/ui/find?start={first}&last={first}&tags=palace&tags=interior")
    assert "free for 1 day" in page.inner_text("section.results h2")
    card = page.locator("li.setcard").first
    code = card.locator("h3 .code").inner_text().strip()
    assert "1 day ×" in card.inner_text() or "free of charge" in card.inner_text()
    card.locator("button[type=submit]").click()
    page.wait_for_selector(".flash-ok")
    row = page.locator("tr", has=page.locator(f"text={code}")).first
    assert re.search(r"\b1 day\b", row.inner_text()) and "1 days" not in row.inner_text()
    assert Translator("en").ymd(first) in row.inner_text()

    page.click(".lang a[hreflang=zh-CN]")
    page.wait_for_load_state()
    zh = Translator("zh")
    with transaction() as s:
        film_set = s.scalars(select(FilmSet).where(FilmSet.code == code)).one()
        name_zh, name_en, kind = film_set.name_zh, film_set.name_en, film_set.kind
    row = page.locator("tr", has=page.locator(f"text={code}")).first
    text = row.inner_text()
    assert name_zh in text and name_en not in text  # the set's Chinese name
    assert zh.ymd(first) in text and first.isoformat() not in text
    assert "第1意向" in text and re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d", text)
    page.screenshot(path=str(shots / "bookings-zh.png"), full_page=True)

    page.goto(f"{live_server}/ui/find?start={first}&last={first}&tags=palace&tags=interior")
    assert kind == "backlot" and "实景" in page.inner_text("section.results")
    assert "外景街区" not in page.inner_text("main")
    page.goto(f"{live_server}/ui/board?base={film_set.base_id}&month={first:%Y-%m}")
    legend = page.inner_text("ul.legend")
    assert "第1意向" in legend and "第一意向" not in legend
    setcol = page.locator("table.grid tbody th.setcol", has_text=code).inner_text()
    assert name_zh in setcol and "实景" in setcol


def test_the_second_day_of_a_scene_shows_what_it_shoots(
    live_server: str, keys: dict[str, str], context: Any, shots: Path
) -> None:
    """C01's scene 12 runs 900 minutes (4 pages) at 720 a day: 3 1/8 pages then 7/8 page."""
    shoot = today_local() + timedelta(days=20)
    with transaction() as s:
        crew = s.scalars(select(Crew).where(Crew.code == "C01")).one()
        scene = s.scalars(select(Scene).where(Scene.crew_id == crew.id, Scene.number == "12")).one()
        assert (scene.minutes, scene.page_eighths, crew.max_minutes_per_day) == (900, 32, 720)
        scene.pinned_date = shoot
        scene.pinned_set_id = s.scalars(select(FilmSet.id).where(FilmSet.code == "QWG-YCC")).one()
    page = context.new_page()
    sign_in(page, live_server, keys["李静"])
    page.goto(f"{live_server}/ui/schedule")
    strips = page.locator("#stripboard li.strip", has=page.locator(".st-no", has_text="12"))
    assert strips.count() == 2
    first, second = (strips.nth(i).inner_text() for i in range(2))
    assert "day 1 of 2" in first and "3 1/8 pages" in first and "720 min" in first
    assert "day 2 of 2" in second and "7/8 page" in second and "180 min" in second
    assert "4 pages" not in second
    strips.nth(1).screenshot(path=str(shots / "schedule-second-day.png"))
