"""The occupancy board in a real browser on the seeded Hengdian data, at a laptop's width:
every day of the month in view, proposed days naming their crew, the crews-on-site chart
across its panel."""

from __future__ import annotations

import calendar
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

LAST_DAY = """() => {
  const wrap = document.querySelector('.grid-wrap');
  const heads = document.querySelectorAll('table.grid thead th.day');
  const cells = document.querySelectorAll('table.grid tbody tr > td:last-child a.cell');
  const box = wrap.getBoundingClientRect();
  const right = Math.max(heads[heads.length - 1].getBoundingClientRect().right,
    ...[...cells].map(c => c.getBoundingClientRect().right));
  return {days: heads.length, right: right, inner: box.left + wrap.clientLeft + wrap.clientWidth,
          scroll: wrap.scrollWidth - wrap.clientWidth, viewport: window.innerWidth};
}"""


def a_long_month(after: date) -> str:
    """The first month of 31 days from ``after`` on."""
    d = after.replace(day=1)
    while calendar.monthrange(d.year, d.month)[1] < 31:
        d = (d + timedelta(days=31)).replace(day=1)
    return d.strftime("%Y-%m")


def test_the_board_at_1400_px(
    live_server: str, keys: dict[str, str], browser: Any, shots: Path
) -> None:
    with transaction() as s:
        run_id = create_run(s, RunParams(horizon_days=45, time_limit=2.0, workers=1, seed=1)).id
    assert execute(run_id).status == "succeeded"
    with transaction() as s:
        base_id, offered = s.execute(
            select(Base.id, Proposal.date)
            .join(FilmSet, FilmSet.base_id == Base.id)
            .join(Proposal, Proposal.set_id == FilmSet.id)
            .where(Base.code == "QWG")
            .order_by(Proposal.date)
        ).first()  # type: ignore[misc]
    laptop = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    page = laptop.new_page()
    sign_in(page, live_server, keys["陈美玲"])  # the Qin base's manager

    # Every day of a 31-day month in view, its last column whole, in both languages.
    for lang in ("en", "zh"):
        page.goto(f"{live_server}/ui/lang/{lang}?next=/ui/board")
        page.goto(f"{live_server}/ui/board?base={base_id}&month={a_long_month(today_local())}")
        seen = page.evaluate(LAST_DAY)
        assert seen["days"] == 31
        assert seen["right"] <= seen["inner"] + 0.01 and seen["inner"] <= seen["viewport"], seen
        assert seen["scroll"] <= 0, seen  # nothing hidden to scroll to
    page.goto(f"{live_server}/ui/lang/en?next=/ui/board")
    # Narrower (a 1,200 px window): the grid scrolls, and scrolled to its end shows the last
    # day whole.
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(f"{live_server}/ui/board?base={base_id}&month={a_long_month(today_local())}")
    page.evaluate("() => { const w = document.querySelector('.grid-wrap'); w.scrollLeft = 1e6; }")
    seen = page.evaluate(LAST_DAY)
    assert seen["right"] <= seen["inner"] + 0.01, seen
    page.set_viewport_size({"width": 1400, "height": 900})

    # Proposed days carry the crew's code, readable.
    page.goto(f"{live_server}/ui/board?base={base_id}&month={offered:%Y-%m}")
    proposed = page.locator("table.grid td.s-proposed a.cell")
    assert proposed.count() > 0
    for i in range(proposed.count()):
        cell = proposed.nth(i)
        assert cell.inner_text().strip().startswith("C"), cell.get_attribute("title")
        colour = cell.evaluate("c => getComputedStyle(c).color")
        assert colour not in ("rgba(0, 0, 0, 0)", "transparent"), colour

    # The chart runs across its panel, its last day at the right end.
    chart = page.evaluate("""() => {
      const panel = document.querySelector('.chart-panel');
      const style = getComputedStyle(panel);
      const pad = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
      const inner = panel.clientWidth - pad;
      const svg = document.querySelector('svg.chart').getBoundingClientRect();
      const bars = [...document.querySelectorAll('svg.chart rect.bar')];
      return {inner: inner, width: svg.width, left: svg.left,
              lastBar: bars[bars.length - 1].getBoundingClientRect().right, bars: bars.length};
    }""")
    assert chart["width"] >= chart["inner"] - 1, chart
    assert chart["lastBar"] - chart["left"] >= 0.95 * chart["width"], chart
    page.screenshot(path=str(shots / "board-1400.png"), full_page=True)
    laptop.close()
