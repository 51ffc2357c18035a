"""Issue 13 end to end in a real browser: an Excel breakdown becomes scenes, the optimizer
plans them, the coordinator accepts the proposal, and a printed call sheet lists an imported
scene — without a scene typed by hand."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from app.db import transaction
from app.planning.nightly import execute
from app.planning.service import RunParams, create_run
from tests.browser.conftest import sign_in
from tests.imports.samples import BREAKDOWN_ZH, xlsx

pytestmark = pytest.mark.slow

IMPORTED = ("1-1", "1-2", "1-3", "2-1A")


def test_from_an_excel_breakdown_to_a_printed_call_sheet(
    live_server: str, keys: dict[str, str], context: Any, shots: Path, tmp_path: Path
) -> None:
    breakdown = tmp_path / "分场表.xlsx"
    breakdown.write_bytes(xlsx(BREAKDOWN_ZH))
    page = context.new_page()
    sign_in(page, live_server, keys["李静"])  # C01's coordinator
    page.goto(f"{live_server}/ui/schedule")
    page.click("text=Import scenes")
    page.set_input_files("input[type=file]", str(breakdown))
    page.click("button:has-text('Preview')")
    page.wait_for_selector("table.import-scenes")
    page.click("button:has-text('Apply this import')")
    page.wait_for_url(re.compile(r"/ui/schedule"))
    assert "4 scenes created" in page.inner_text(".flash")

    # Tonight's optimizer run (here at once, in-process, as the nightly job runs it).
    with transaction() as s:
        run_id = create_run(s, RunParams(horizon_days=45, time_limit=4.0, workers=1, seed=1)).id
    run = execute(run_id)
    assert run.status == "succeeded", run.message

    page.goto(f"{live_server}/ui/plans/{run_id}")
    page.wait_for_selector("button:has-text('Accept as holds')")
    release = page.locator("input[name=release_unused]")
    if release.count():
        release.check()
    page.click("button:has-text('Accept as holds')")
    page.wait_for_selector(".flash")
    assert "Proposal accepted" in page.inner_text(".flash"), page.inner_text(".flash")

    # Every accepted day has its call sheet; one of them shoots an imported scene.
    page.goto(f"{live_server}/ui/schedule")
    links = [a.get_attribute("href") for a in page.locator("a.cs-link").all()]
    assert links, "no call sheet after accepting the plan"
    found = None
    for href in links:
        page.goto(f"{live_server}{href}")
        numbers = page.locator("table.cs-scenes tbody tr").all_inner_texts()
        if any(re.search(rf"(^|\s){re.escape(n)}(\s|$)", row) for row in numbers for n in IMPORTED):
            found = href
            break
    assert found is not None, "no call sheet lists an imported scene"
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    page.screenshot(path=str(shots / "script-to-callsheet.png"), full_page=True)
