"""Importing the register from the office's register page, without a browser (both databases):
upload, preview, apply; problems and refusals said in the reader's language; who may."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from app.db import transaction
from app.models import Performer, RegisterImport
from tests.api.test_extras import _office
from tests.api.test_register_import import REGISTER_ZH, long_register
from tests.factories import World
from tests.imports.samples import csv_text, xlsx, zip_bomb
from tests.web.test_pages import csrf_of, sign_in


def send(client: TestClient, data: bytes, name: str, csrf: str) -> Response:
    return client.post(
        "/ui/extras/performers/imports",
        data={"csrf": csrf},
        files={"file": (name, data, "application/octet-stream")},
        follow_redirects=False,
    )


def test_upload_preview_and_apply_from_the_register_page(client: TestClient, world: World) -> None:
    office = _office()
    sign_in(client, office)
    client.get("/ui/lang/en")
    register = client.get("/ui/extras/performers")
    assert 'action="/ui/extras/performers/imports"' in register.text
    assert 'enctype="multipart/form-data"' in register.text
    assert "/performer-imports/template.xlsx?lang=zh" in register.text
    # The template link works with the page session.
    template = client.get("/performer-imports/template.xlsx?lang=en")
    assert template.status_code == 200 and "spreadsheetml" in template.headers["content-type"]
    form = {"csrf": csrf_of(register), "name": "王小明", "gender": "m", "card_no": "HD-00001",
            "phone": "138 0000 0000", "category": "ordinary"}  # fmt: skip
    assert "flash-ok" in client.post("/ui/extras/performers", data=form).text

    r = send(client, xlsx(REGISTER_ZH), "名册.xlsx", csrf_of(register))
    assert r.status_code == 303 and r.headers["location"].startswith("/ui/extras/performers/")
    shown = html.unescape(client.get(r.headers["location"]).text)
    summary = (
        "2 performers to register · 1 performer to update · 0 performers unchanged · "
        "0 rows with problems"
    )
    assert summary in shown
    assert "phone: 138 0000 0000 → 13800000001" in shown
    assert "category: Ordinary → Group featured" in shown
    assert "李芳" in shown and "HD-00003" in shown
    with transaction() as s:
        assert s.scalars(select(Performer.card_no)).all() == ["HD-00001"]  # nothing yet
        (found,) = s.scalars(select(RegisterImport)).all()
    apply_url = f"/ui/extras/performers/imports/{found.id}/apply"
    assert f'action="{apply_url}"' in shown
    done = client.post(apply_url, data={"csrf": csrf_of(register)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/ui/extras/performers"
    page = html.unescape(client.get(done.headers["location"]).text)
    assert "Imported: 2 performers registered, 1 performer updated." in page
    assert "13800000001" in page and "李芳" in page and "赵强" in page
    # Applied once: the button is gone, and a second post says so and changes nothing.
    again = client.get(r.headers["location"])
    assert "This import has been applied." in again.text and apply_url not in again.text
    refused = client.post(apply_url, data={"csrf": csrf_of(register)})
    assert "This import has been applied already." in html.unescape(refused.text)


def test_problems_and_refusals_in_the_readers_language(client: TestClient, world: World) -> None:
    sign_in(client, _office())
    client.get("/ui/lang/zh")
    register = client.get("/ui/extras/performers")
    rows = [["姓名", "性别", "演员证号"], ["王小明", "男", "HD-1"], ["李芳", "x", "HD-1"]]
    r = send(client, csv_text(rows).encode("gb18030"), "名册.csv", csrf_of(register))
    preview_url = r.headers["location"]
    shown = html.unescape(client.get(preview_url).text)
    assert "“x”无法识别为性别" in shown and "证号 HD-1 在文件中重复出现（首次在第 2 行）" in shown
    assert "新登记 1 位演员 · 更新 0 位演员 · 无变化 0 位演员 · 有问题 1 行" in shown
    assert "请修正文件中的问题后重新上传。" in shown and "/apply" not in shown
    # Applying anyway comes back to the same preview, saying why, and changes nothing.
    back = client.post(f"{preview_url}/apply", data={"csrf": csrf_of(register)})
    text = html.unescape(back.text)
    assert "请修正文件中的问题后重新上传。未做任何更改。" in text and "“x”无法识别为性别" in text
    # A file refused whole says why on the register page; nothing is kept.
    r = send(client, zip_bomb(), "名册.xlsx", csrf_of(register))
    assert r.headers["location"] == "/ui/extras/performers#import"
    page = html.unescape(client.get(r.headers["location"]).text)
    assert "文件无法导入，未做任何更改" in page and "文件过大，无法导入。" in page
    # A form without the session's token does nothing.
    send(client, csv_text(rows[:2]).encode(), "名册.csv", "forged")
    with transaction() as s:
        assert len(s.scalars(select(RegisterImport.id)).all()) == 1
        assert s.scalars(select(Performer.id)).all() == []


def test_a_register_past_the_limit_is_refused_naming_the_limit(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.config import get_settings

    monkeypatch.setattr(get_settings(), "max_register_import_rows", 2)
    sign_in(client, _office())
    client.get("/ui/lang/en")
    register = client.get("/ui/extras/performers")
    assert "Up to 20 MB and 2 performers." in html.unescape(register.text)
    r = send(client, csv_text(long_register(3)).encode(), "名册.csv", csrf_of(register))
    assert r.headers["location"] == "/ui/extras/performers#import"
    page = html.unescape(client.get(r.headers["location"]).text)
    assert "more rows than one import takes (at most 2 performers)" in page
    client.get("/ui/lang/zh")
    r = send(client, csv_text(long_register(3)).encode(), "名册.csv", csrf_of(register))
    page = html.unescape(client.get(r.headers["location"]).text)
    assert "表格行数超过单次导入上限（最多 2 位演员）" in page
    with transaction() as s:
        assert s.scalars(select(RegisterImport.id)).all() == []


def test_coordinators_and_other_office_users_cannot_import(
    client: TestClient, world: World
) -> None:
    office, other = _office(), _office(("AAA",))
    sign_in(client, office)
    register = client.get("/ui/extras/performers")
    rows = [["Name", "Gender", "Card no."], ["A", "F", "HD-1"]]
    preview_url = send(client, csv_text(rows).encode(), "r.csv", csrf_of(register)).headers[
        "location"
    ]
    client.cookies.clear()
    sign_in(client, other)
    assert client.get(preview_url).status_code == 404
    client.cookies.clear()
    sign_in(client, world.coord1)
    assert client.get(preview_url).status_code == 403
    board = client.get("/ui/board")
    assert send(client, csv_text(rows).encode(), "r.csv", csrf_of(board)).status_code == 403
    assert client.post(f"{preview_url}/apply", data={"csrf": csrf_of(board)}).status_code == 403
    with transaction() as s:
        assert s.scalars(select(Performer.id)).all() == []


def _table(page: str, table_id: str) -> list[str]:
    """The rows of one table of the page, each as its text."""
    found = re.search(rf'<table[^>]*id="{table_id}".*?<tbody>(.*?)</tbody>', page, re.S)
    assert found is not None, table_id
    return [re.sub(r"<[^>]+>", " ", row) for row in re.findall(r"<tr.*?</tr>", found[1], re.S)]


def test_a_long_register_shows_its_problems_and_rows_a_page_at_a_time(
    client: TestClient, world: World
) -> None:
    """2,500 rows, every fifth unreadable: the counts are the file's, the problems come first
    (200 a page, with their rows), then the rows by what they would do, 200 a page."""
    sign_in(client, _office())
    client.get("/ui/lang/en")
    register = client.get("/ui/extras/performers")
    assert "Up to 20 MB and 20,000 performers." in html.unescape(register.text)
    rows = long_register(2500, bad_every=5)
    r = send(client, csv_text(rows).encode(), "名册.csv", csrf_of(register))
    url = r.headers["location"]
    first = html.unescape(client.get(url).text)
    assert (
        "2000 performers to register · 0 performers to update · 0 performers unchanged · "
        "500 rows with problems"
    ) in first
    assert "500 problems in 500 rows: fix them in the file" in first
    problems = _table(first, "register-problems")
    assert len(problems) == 200 and "register-rows" not in first
    assert problems[0].split()[:2] == ["7", "性别"]  # performer 5, below the title and header
    assert "Page 1 of 3" in first and "1–200 of 500" in first
    for key, label in (("all", "All rows (2000)"), ("create", "To register (2000)"),
                       ("update", "To update (0)"), ("problems", "Problems (500)")):  # fmt: skip
        assert f'href="{url}?show={key}"' in first and label in first
    assert f'href="{url}?show=problems&p=2"' in first and f'href="{url}?show=problems&p=3"' in first
    last = html.unescape(client.get(f"{url}?show=problems&p=3").text)
    assert len(_table(last, "register-problems")) == 100 and "401–500 of 500" in last
    assert _table(last, "register-problems")[-1].split()[0] == "2502"

    # The rows, 200 a page: ten pages of 2,000, the first, the last and those around shown.
    fourth = html.unescape(client.get(f"{url}?show=all&p=4").text)
    listed = _table(fourth, "register-rows")
    assert len(listed) == 200 and "601–800 of 2000" in fourth and "Page 4 of 10" in fourth
    assert listed[0].split()[:2] == ["753", "HD-00751"]  # after 600 good of the first 750
    for p in (1, 2, 3, 5, 6, 10):
        assert f'href="{url}?show=all&p={p}"' in fourth
    assert "?show=all&p=8" not in fourth and "…" in fourth
    assert "Nothing to list here." in html.unescape(client.get(f"{url}?show=update").text)
    past = html.unescape(client.get(f"{url}?show=create&p=99").text)
    assert "Page 10 of 10" in past and "1801–2000 of 2000" in past

    client.get("/ui/lang/zh")
    zh = html.unescape(client.get(url).text)
    assert "文件中 500 行有问题，共 500 个问题" in zh and "第 1 / 3 页" in zh
    assert "全部 (2000)" in zh and "问题 (500)" in zh
