"""The pages in a real browser on the seeded Hengdian data: board, find-hold-confirm,
stripboard and Day Out of Days, plans, and the language switch. Screenshots of each page
go to test-output/screenshots/."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.db import transaction
from app.models import Base, FilmSet, Proposal
from app.planning.nightly import execute
from app.planning.service import RunParams, create_run
from app.timeutil import today_local
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.slow


def month_of(d: date) -> str:
    return d.strftime("%Y-%m")


def base_id(code: str) -> int:
    with transaction() as s:
        found = s.scalar(select(Base.id).where(Base.code == code))
        assert found is not None
        return found


def test_manager_sees_the_board_for_a_seeded_month(
    live_server: str, keys: dict[str, str], context: Any, shots: Path
) -> None:
    page = context.new_page()
    # The manager of the Qin, Ming-Qing and Qingming bases.
    sign_in(page, live_server, keys["陈美玲"], shot=shots / "signin.png")
    month = month_of(today_local())
    page.goto(f"{live_server}/ui/board")
    assert "Ming-Qing Palace" in page.inner_text("h1")  # her first base, this month
    page.goto(f"{live_server}/ui/board?base={base_id('QWG')}")
    assert "Qin Palace" in page.inner_text("h1")
    assert page.locator("ul.legend li").count() >= 6
    with transaction() as s:
        qwg_sets = len(s.scalars(select(FilmSet).where(FilmSet.base_id == base_id("QWG"))).all())
    assert page.locator("table.grid tbody tr").count() == qwg_sets
    confirmed = page.locator("table.grid td.s-confirmed a.cell")
    assert confirmed.count() > 0
    page.screenshot(path=str(shots / "board-manager.png"), full_page=True)

    confirmed.first.click()
    page.wait_for_selector("#details .detail")
    details = page.inner_text("#details")
    assert "Confirmed" in details and "Booking" in details and "¥" in details
    page.locator("#details").screenshot(path=str(shots / "board-details.png"))

    page.click("a[rel=next]")
    page.wait_for_load_state()
    assert "month=" in page.url and month not in page.url
    # Base navigation: the select submits itself.
    page.select_option("#base", value=str(base_id("MQG")))
    page.wait_for_url(re.compile(f"base={base_id('MQG')}"))
    assert "MQG" in page.inner_text("h1")

    # Another manager: only her own bases are offered; someone else's is a 404 page.
    page.goto(f"{live_server}/ui/board?base={base_id('DBD')}")
    assert "not found" in page.inner_text("main")

    tablet = context.browser.new_context(viewport={"width": 820, "height": 1180})
    small = tablet.new_page()
    sign_in(small, live_server, keys["王建国"])
    small.goto(f"{live_server}/ui/board?base={base_id('DBD')}&month={month}")
    small.screenshot(path=str(shots / "board-tablet.png"))
    assert small.evaluate("document.documentElement.scrollWidth") <= 820 + 1  # no page overflow
    tablet.close()


def test_coordinator_finds_holds_confirms_and_sees_it_on_the_board(
    live_server: str, keys: dict[str, str], context: Any, shots: Path
) -> None:
    page = context.new_page()
    sign_in(page, live_server, keys["张伟"])  # C02 長安月 coordinator
    first = today_local() + timedelta(days=45)
    page.goto(f"{live_server}/ui/find")
    page.fill("#start", first.isoformat())
    page.fill("#last", (first + timedelta(days=2)).isoformat())
    page.check("input[name=tags][value=tang]", force=True)
    page.click("form.searchform button[type=submit]")
    page.wait_for_selector("ul.setlist li.setcard")
    page.screenshot(path=str(shots / "find.png"), full_page=True)
    card = page.locator("li.setcard").first
    code = card.locator("h3 .code").inner_text().strip()
    card.locator("input[name=note]").fill("Tang street, sc. 4")
    card.locator("button[type=submit]").click()
    page.wait_for_selector(".flash-ok")
    done = page.inner_text(".flash-ok")
    assert f"on {code}" in done and "1st hold" in done
    page.screenshot(path=str(shots / "bookings.png"), full_page=True)

    row = page.locator("tr", has=page.locator(f"text={code}")).filter(has_text="1st hold").first
    row.locator("button", has_text="Confirm").click()
    page.wait_for_selector(".flash-ok")
    assert "is confirmed" in page.inner_text(".flash-ok")

    with transaction() as s:
        set_id, base = s.execute(
            select(FilmSet.id, FilmSet.base_id).where(FilmSet.code == code)
        ).one()
    page.goto(f"{live_server}/ui/board?base={base}&month={month_of(first)}")
    cell = page.locator(f'a.cell[data-set="{set_id}"][data-date="{first.isoformat()}"]')
    assert cell.inner_text() == "C02"
    assert "s-confirmed" in (cell.locator("xpath=..").get_attribute("class") or "")
    cell.click()
    page.wait_for_selector("#details .detail")
    assert "长安月" in page.inner_text("#details")
    page.screenshot(path=str(shots / "board-coordinator.png"), full_page=True)

    # A calendar link for the crew: shown once, then listed by its prefix, revocable.
    page.goto(f"{live_server}/ui/feeds")
    page.click("form.toolbar button[type=submit]")
    link = page.input_value("#feed-https")
    assert link.startswith(live_server + "/feeds/blf_") and link.endswith(".ics")
    feed = context.request.get(link)
    assert feed.ok and "BEGIN:VEVENT" in feed.text() and "UID:booking-" in feed.text()


def test_stripboard_and_day_out_of_days_for_a_seeded_crew(
    live_server: str, keys: dict[str, str], context: Any, shots: Path
) -> None:
    with transaction() as s:
        run_id = create_run(s, RunParams(horizon_days=45, time_limit=2.0, workers=1, seed=1)).id
    run = execute(run_id)
    assert run.status == "succeeded", run.message
    page = context.new_page()
    sign_in(page, live_server, keys["李静"])  # C01 大秦铁骑 coordinator
    page.goto(f"{live_server}/ui/schedule")
    assert page.locator("#stripboard .strip.daybreak").count() > 0
    assert page.locator("#stripboard .strip:not(.daybreak)").count() > 0
    colours = {
        c
        for c in ("int-day", "ext-day", "int-night", "ext-night")
        if page.locator(f"#stripboard .st-{c}").count()
    }
    assert len(colours) >= 2, colours
    codes = page.locator("table.dood tbody td").all_inner_texts()
    assert "SW" in codes or "SWF" in codes
    assert ("WF" in codes) or ("SWF" in codes)
    page.screenshot(path=str(shots / "schedule.png"), full_page=True)

    # The manager's board now shows the plan's proposals beside bookings and holds.
    manager = context.browser.new_context(viewport={"width": 1440, "height": 900})
    board = manager.new_page()
    sign_in(board, live_server, keys["陈美玲"])
    # The months the run proposed something at the base (where the plan puts them is the
    # optimizer's choice, and a month's end may fall inside the run's horizon).
    with transaction() as s:
        dates = s.scalars(
            select(Proposal.date)
            .join(FilmSet, FilmSet.id == Proposal.set_id)
            .where(Proposal.run_id == run_id, FilmSet.base_id == base_id("QWG"))
        ).all()
    assert dates, "the run proposed nothing at QWG"
    for month in sorted({month_of(d) for d in dates}):
        board.goto(f"{live_server}/ui/board?base={base_id('QWG')}&month={month}")
        if board.locator("table.grid td.s-proposed").count() > 0:
            break
    assert board.locator("table.grid td.s-proposed").count() > 0
    board.locator("table.grid td.s-proposed a.cell").first.click()
    board.wait_for_selector("#details .detail")
    assert "Proposed" in board.inner_text("#details")
    board.screenshot(path=str(shots / "board.png"), full_page=True)
    manager.close()

    page.goto(f"{live_server}/ui/plans")
    assert page.locator("table.list tbody tr").count() >= 1
    page.screenshot(path=str(shots / "plans.png"), full_page=True)
    page.locator("a", has_text="View proposal").first.click()
    page.wait_for_load_state()
    assert "Cost breakdown" in page.inner_text("main")
    page.screenshot(path=str(shots / "plan.png"), full_page=True)
    accept = page.locator("button", has_text="Accept as holds")
    if accept.count():
        release = page.locator("input[name=release_unused]")
        if release.count():  # the crew's holds the plan does not use: release them too
            release.check()
        accept.click()
        page.wait_for_selector(".flash")
        outcome = page.inner_text(".flash")
        assert "Proposal accepted" in outcome or "no longer free" in outcome


def test_language_switch(
    live_server: str, keys: dict[str, str], context: Any, browser: Any, shots: Path
) -> None:
    page = context.new_page()
    sign_in(page, live_server, keys["王建国"])
    month = month_of(today_local() + timedelta(days=14))
    page.goto(f"{live_server}/ui/board?base={base_id('DBD')}&month={month}")
    assert page.get_attribute("html", "lang") == "en"
    page.click(".lang a[hreflang=zh-CN]")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert "梦外滩" in page.inner_text("h1")
    assert "场景占用" in page.inner_text("nav.mainnav")
    assert "第1意向" in page.inner_text("ul.legend")
    page.screenshot(path=str(shots / "board-zh.png"), full_page=True)
    page.goto(f"{live_server}/ui/bookings")
    assert "预订与意向" in page.inner_text("h1")  # the choice is remembered
    page.click(".lang a[hreflang=en]")
    page.wait_for_load_state()
    assert "Bookings and holds" in page.inner_text("h1")

    chinese = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    first = chinese.new_page()
    first.goto(f"{live_server}/ui/signin")
    assert first.get_attribute("html", "lang") == "zh-CN" and "登录" in first.inner_text("h1")
    first.screenshot(path=str(shots / "signin-zh.png"))
    chinese.close()
