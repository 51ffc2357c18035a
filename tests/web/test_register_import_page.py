"""Importing the register from the office's register page, without a browser (both databases):
upload, preview, apply; problems and refusals said in the reader's language; who may."""

from __future__ import annotations

import html

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
