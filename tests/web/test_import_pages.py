"""The import page without a browser (both databases): upload, preview, apply, refusals."""

from __future__ import annotations

import html

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from app.bookings.service import place
from app.crews.service import get_crew
from app.db import transaction
from app.models import Scene, SceneImport, User, utcnow
from tests.factories import World, day
from tests.imports.samples import BREAKDOWN_ZH, csv_text, password_protected, xlsx
from tests.web.test_pages import csrf_of, sign_in


def send(client: TestClient, crew: int, data: bytes, name: str, csrf: str) -> Response:
    return client.post(
        f"/ui/crews/{crew}/import",
        data={"csrf": csrf, "back": f"/ui/crews/{crew}/import"},
        files={"file": (name, data, "application/octet-stream")},
        follow_redirects=False,
    )


def test_upload_preview_and_apply_from_the_page(client: TestClient, world: World) -> None:
    sign_in(client, world.coord1)
    schedule = client.get(f"/ui/schedule?crew={world.crew1}")
    assert f'href="/ui/crews/{world.crew1}/import"' in schedule.text
    form = client.get(f"/ui/crews/{world.crew1}/import")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    assert f"/crews/{world.crew1}/imports/template.xlsx?lang=zh" in form.text
    r = send(client, world.crew1, xlsx(BREAKDOWN_ZH), "分场表.xlsx", csrf_of(form))
    assert r.status_code == 303
    shown = client.get(r.headers["location"])
    text = html.unescape(shown.text)
    assert "4 new · 0 to update · 0 unchanged · 0 left alone" in text
    assert "清河镇长街" in text and "1 3/8" in text and "2-1A" in text
    assert "沈青" in text and "Import scenes" in text
    with transaction() as s:
        assert s.scalars(select(Scene.id)).all() == []  # a preview changes nothing
        (found,) = s.scalars(select(SceneImport)).all()
    apply_url = f"/ui/crews/{world.crew1}/import/{found.id}/apply"
    assert f'action="{apply_url}"' in shown.text
    done = client.post(apply_url, data={"csrf": csrf_of(shown)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/ui/schedule")
    board = html.unescape(client.get(done.headers["location"]).text)
    assert "Imported: 4 scenes created, 0 scenes updated, 3 cast members added." in board
    assert "清河镇码头" in board and "黑衣人乘船逃走" in board
    again = client.get(r.headers["location"])
    assert "This import has been applied." in again.text and apply_url not in again.text


def test_row_problems_shown_in_the_readers_language(client: TestClient, world: World) -> None:
    sign_in(client, world.coord1)
    client.get("/ui/lang/zh")
    form = client.get(f"/ui/crews/{world.crew1}/import")
    rows = [["场次", "内/外", "日/夜", "页数"], ["1", "内", "黄昏后", "1"]]
    r = send(client, world.crew1, csv_text(rows).encode("gb18030"), "分场表.csv", csrf_of(form))
    shown = html.unescape(client.get(r.headers["location"]).text)
    assert "应用前需在文件中修正的问题" in shown
    assert "“黄昏后”无法识别为日戏或夜戏" in shown
    assert "请修正文件中的问题后重新上传。" in shown and "/apply" not in shown


def test_a_file_that_cannot_be_read_says_why_and_keeps_nothing(
    client: TestClient, world: World
) -> None:
    sign_in(client, world.coord1)
    client.get("/ui/lang/zh")
    form = client.get(f"/ui/crews/{world.crew1}/import")
    r = send(client, world.crew1, password_protected(), "分场表.xlsx", csrf_of(form))
    assert r.status_code == 303 and r.headers["location"] == f"/ui/crews/{world.crew1}/import"
    shown = html.unescape(client.get(r.headers["location"]).text)
    assert "文件无法导入，未做任何更改" in shown and "该工作簿设有密码" in shown
    with transaction() as s:
        assert s.scalars(select(SceneImport.id)).all() == []


def test_only_the_crews_coordinators_import(client: TestClient, world: World) -> None:
    # AAA's manager sees C1 once C1 books on AAA: a 403; another crew's coordinator: a 404.
    with transaction() as s:
        admin = s.scalars(select(User).where(User.role == "admin")).one()
        crew = get_crew(s, world.crew1)
        place(s, admin, crew, world.set_a1, day(60), day(62), confirm_now=False, note="",
              now=utcnow())  # fmt: skip
    for key, status in ((world.coord2, 404), (world.manager_b, 404), (world.manager_a, 403)):
        sign_in(client, key)
        r = client.get(f"/ui/crews/{world.crew1}/import")
        assert r.status_code == status
        board = client.get("/ui/board")
        sent = send(client, world.crew1, csv_text([["场次"]]).encode(), "b.csv", csrf_of(board))
        assert sent.status_code == status
    with transaction() as s:
        assert s.scalars(select(SceneImport.id)).all() == []


def test_an_upload_without_the_forms_token_is_refused(client: TestClient, world: World) -> None:
    sign_in(client, world.coord1)
    r = send(client, world.crew1, xlsx(BREAKDOWN_ZH), "b.xlsx", "forged")
    assert r.status_code in (303, 403)
    with transaction() as s:
        assert s.scalars(select(SceneImport.id)).all() == []


def test_the_template_downloads_with_the_page_session(client: TestClient, world: World) -> None:
    sign_in(client, world.coord1)
    r = client.get(f"/crews/{world.crew1}/imports/template.csv?lang=zh")
    assert r.status_code == 200 and r.content.startswith("\ufeff集,场次".encode())
