"""A call sheet printed from a real browser: reached from the stripboard, laid out on A4 in
print media, in both languages. The PDF and screenshots go to test-output/."""

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
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.slow


def pin_scenes_on_a_confirmed_day() -> str:
    """C01 shoots three of its waiting scenes tomorrow in the Council chamber, which the seed
    has it confirm for today and tomorrow."""
    tomorrow = today_local() + timedelta(days=1)
    with transaction() as s:
        crew = s.scalars(select(Crew).where(Crew.code == "C01")).one()
        chamber = s.scalars(select(FilmSet).where(FilmSet.code == "QWG-YSF")).one()
        waiting = s.scalars(
            select(Scene)
            .where(Scene.crew_id == crew.id, Scene.status == "unscheduled")
            .order_by(Scene.id)
            .limit(3)
        ).all()
        for scene in waiting:
            scene.pinned_date, scene.pinned_set_id = tomorrow, chamber.id
    return tomorrow.isoformat()


def test_a_call_sheet_printed_on_a4(
    live_server: str, keys: dict[str, str], context: Any, shots: Path
) -> None:
    day = pin_scenes_on_a_confirmed_day()
    page = context.new_page()
    sign_in(page, live_server, keys["李静"])  # C01's coordinator
    page.goto(f"{live_server}/ui/schedule")
    link = page.locator(f"a.cs-link[href$='/callsheet/{day}']")
    assert link.count() == 1
    link.click()
    page.wait_for_load_state()
    assert re.search(rf"/ui/crews/\d+/callsheet/{day}$", page.url)
    sheet = page.inner_text("article.callsheet")
    assert "call sheet" in sheet.lower()
    for text in ("Crew call", "06:30", "Sunrise", "Sunset", "Council chamber",
                 "booking confirmed", "Makeup", "Extras"):  # fmt: skip
        assert text in sheet, text
    assert page.locator("table.cs-scenes tbody tr").count() == 3
    assert re.search(r"Sunrise\s+0[4-7]:\d\d", sheet)

    page.emulate_media(media="print")
    # Print media: only the sheet, no menu, no buttons.
    assert not page.locator("header.topbar").is_visible()
    assert not page.locator(".cs-tools").is_visible()
    page.screenshot(path=str(shots / "callsheet-print.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    (shots.parent / "callsheet.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")
    # A4 is 595 × 842 points; the sheet of three scenes fits on one page.
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)\s*\]", pdf)
    assert boxes and all((round(float(w)), round(float(h))) == (595, 842) for w, h in boxes), boxes
    assert len(boxes) == 1, f"{len(boxes)} pages"

    page.emulate_media(media="screen")
    page.goto(f"{live_server}/ui/lang/zh?next=/ui/schedule")
    page.locator(f"a.cs-link[href$='/callsheet/{day}']").click()
    page.wait_for_load_state()
    zh = page.inner_text("article.callsheet")
    for text in ("通告单", "全组集合", "日出", "日落", "演员通告", "预订已确认"):
        assert text in zh, text
    page.screenshot(path=str(shots / "callsheet-zh.png"), full_page=True)
