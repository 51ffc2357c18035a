"""The extras office imports a long register in a real browser: 2,500 performers, some rows
unreadable. The preview opens on the problems, a page at a time; once the sheet is fixed, the
rows are filtered by what they would do and paged; applying registers them all."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from app.db import transaction
from app.users.service import create_user
from tests.api.test_register_import import long_register
from tests.browser.conftest import sign_in
from tests.imports.samples import csv_text, xlsx

pytestmark = pytest.mark.slow


def test_a_long_register_is_previewed_page_by_page_then_applied(
    live_server: str, context: Any, shots: Path, tmp_path: Path
) -> None:
    with transaction() as s:
        office_key = create_user(s, "赵敏 (群演管理处)", "extras_office", [])[1]
    broken = tmp_path / "名册-有误.csv"
    broken.write_bytes(csv_text(long_register(2500, bad_every=10)).encode("gb18030"))
    fixed = tmp_path / "名册.xlsx"
    fixed.write_bytes(xlsx(long_register(2500)))

    page = context.new_page()
    sign_in(page, live_server, office_key)
    page.goto(f"{live_server}/ui/lang/en?next=/ui/extras/performers")
    page.set_input_files("#register-file", str(broken))
    page.click("#import button[type=submit]")
    page.wait_for_selector("#register-problems")
    assert "250 problems in 250 rows" in page.inner_text("#preview")
    assert page.locator("#register-problems tbody tr").count() == 200
    assert page.inner_text(".tabs a[aria-current=page]") == "Problems (250)"
    page.screenshot(path=str(shots / "register-import-problems.png"))
    page.locator(".pager").last.screenshot(path=str(shots / "register-import-pager.png"))
    page.click(".pager a[rel=next]")
    page.wait_for_url(re.compile(r"show=problems&p=2"))
    assert page.locator("#register-problems tbody tr").count() == 50
    assert "/apply" not in page.content()

    page.set_input_files("#register-file", str(fixed))
    page.click("#import button[type=submit]")
    page.wait_for_selector("#register-rows")
    assert "2500 performers to register" in page.inner_text(".import-summary")
    assert page.inner_text(".tabs a[aria-current=page]") == "All rows (2500)"
    assert page.locator("#register-rows tbody tr").count() == 200
    page.click(".pager a:text-is('13')")
    page.wait_for_url(re.compile(r"show=all&p=13"))
    last = page.locator("#register-rows tbody tr")
    assert last.count() == 100 and "HD-02500" in last.nth(99).inner_text()
    page.click(".tabs a:has-text('To update')")
    assert "Nothing to list here." in page.inner_text("#preview")
    page.click(".tabs a:has-text('To register')")
    page.click(".pager a:text-is('3')")
    page.click(".pager a:text-is('5')")  # now in reach
    page.screenshot(path=str(shots / "register-import-rows.png"))
    page.locator(".pager").last.screenshot(path=str(shots / "register-import-rows-pager.png"))

    page.click("button:has-text('Apply this import')")
    page.wait_for_url(re.compile(r"/ui/extras/performers$"))
    assert "Imported: 2500 performers registered, 0 performers updated." in page.inner_text(
        ".flash"
    )
