"""From a breakdown or a screenplay to scenes in a real browser, without typing a scene:
upload, preview, apply, and the scenes are on the crew's schedule page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import sign_in
from tests.imports.samples import BREAKDOWN_ZH, fixture, xlsx

pytestmark = pytest.mark.slow


def test_an_excel_breakdown_and_a_fountain_script_become_scenes(
    live_server: str, keys: dict[str, str], context: Any, shots: Path, tmp_path: Path
) -> None:
    breakdown = tmp_path / "清河夜渡-分场表.xlsx"
    breakdown.write_bytes(xlsx(BREAKDOWN_ZH))
    # The English script, its scenes numbered after the crew's own (1-22 are seeded).
    script = tmp_path / "the-last-ferry.fountain"
    text = fixture("the-last-ferry.fountain").decode()
    script.write_text(re.sub(r"#(\d)#", r"#10\1#", text))

    page = context.new_page()
    sign_in(page, live_server, keys["李静"])  # C01 大秦铁骑 coordinator
    page.goto(f"{live_server}/ui/lang/zh?next=/ui/schedule")
    page.click("text=导入场次")
    page.wait_for_selector("input[type=file]")
    page.screenshot(path=str(shots / "import-form-zh.png"), full_page=True)

    page.set_input_files("input[type=file]", str(breakdown))
    page.click("button:has-text('预览')")
    page.wait_for_selector("table.import-scenes")
    summary = page.inner_text(".import-summary")
    assert "新建 4" in summary, summary
    rows = page.locator("table.import-scenes tbody tr")
    assert rows.count() == 4
    assert "清河镇长街" in rows.nth(0).inner_text() and "新建" in rows.nth(0).inner_text()
    assert "沈青" in page.inner_text("#preview")  # listed as a new cast member
    page.screenshot(path=str(shots / "import-preview-zh.png"), full_page=True)

    page.click("button:has-text('应用导入')")
    page.wait_for_url(re.compile(r"/ui/schedule"))
    assert "导入完成：新建 4 场" in page.inner_text(".flash")
    pool = page.inner_text("#pool")
    for place in ("清河镇长街", "悦来客栈大堂", "悦来客栈客房", "清河镇码头"):
        assert place in pool, place
    for number in ("1-1", "1-2", "1-3", "2-1A"):
        assert page.locator("#pool .st-no", has_text=re.compile(rf"^{number}$")).count() == 1

    # A Fountain screenplay, in English this time.
    page.goto(f"{live_server}/ui/lang/en?next=/ui/schedule")
    page.click("text=Import scenes")
    page.set_input_files("input[type=file]", str(script))
    page.click("button:has-text('Preview')")
    page.wait_for_selector("table.import-scenes")
    assert "5 new" in page.inner_text(".import-summary")
    assert page.locator("table.import-scenes tbody tr").count() == 5
    assert "QINGHE WHARF" in page.inner_text("table.import-scenes")
    page.screenshot(path=str(shots / "import-preview.png"), full_page=True)
    page.click("button:has-text('Apply this import')")
    page.wait_for_url(re.compile(r"/ui/schedule"))
    assert "Imported: 5 scenes created" in page.inner_text(".flash")
    pool = page.inner_text("#pool")
    assert "QINGHE WHARF" in pool and "YUELAI INN - HALL" in pool
    assert page.locator("#pool .st-no", has_text=re.compile(r"^103$")).count() == 1
    page.screenshot(path=str(shots / "import-applied.png"), full_page=True)
