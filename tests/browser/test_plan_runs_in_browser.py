"""Plan runs and the summary across bases in a real browser on the seeded Hengdian data: a
base manager starts a run from the Plans page, watches it live, stops it and opens its
proposals; the figures of her bases side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.slow


def test_a_manager_starts_watches_and_stops_a_run(
    live_server: str, keys: dict[str, str], context: Any, shots: Path
) -> None:
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # "Stop this run now?"
    sign_in(page, live_server, keys["陈美玲"])
    page.click("nav.mainnav a[href='/ui/plans']")
    page.fill("#horizon_days", "30")
    page.fill("#time_limit", "120")
    page.click("form.start-run button[type=submit]")
    page.wait_for_url("**/progress")
    page.evaluate("window.notReloaded = true")
    # The figures come in by themselves: the solver's phase and its best plan so far.
    page.wait_for_selector("#best-total:has-text('¥')", timeout=60_000)
    assert page.evaluate("window.notReloaded") is True  # updated in place, not reloaded
    assert "running" in page.inner_text(".progress-status")
    page.screenshot(path=str(shots / "plan-progress.png"), full_page=True)

    page.click("text=Stop now, keep the best plan")
    page.wait_for_selector("#run-result", timeout=60_000)
    assert "stopped early" in page.inner_text(".progress-status")
    page.click("#run-result")
    page.wait_for_load_state()
    assert "Cost breakdown" in page.inner_text("main")


def test_the_summary_across_bases_from_the_menu(
    live_server: str, keys: dict[str, str], context: Any, shots: Path
) -> None:
    page = context.new_page()
    sign_in(page, live_server, keys["陈美玲"])  # Qin, Ming-Qing and Qingming bases
    page.click("nav.mainnav a[href='/ui/summary']")
    page.wait_for_selector("table.summary")
    bases = page.locator("table.summary tbody tr").evaluate_all("rows => rows.map(r => r.id)")
    assert bases == ["base-MQG", "base-QMS", "base-QWG"]
    assert "¥" in page.inner_text("section.cards")
    page.screenshot(path=str(shots / "summary.png"), full_page=True)
    page.locator("#base-QWG a", has_text="Board").click()
    page.wait_for_load_state()
    assert "Qin Palace" in page.inner_text("h1")
