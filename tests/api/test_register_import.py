"""Importing the extras office's register through the API (both databases): a preview first,
then all or nothing and only once; a performer is matched by guild card number; a file with
one bad row, or a register that changed since the preview, changes nothing; files that
cannot be read are refused whole; only the office imports, and only its uploader applies."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine, text

from app.db import transaction
from app.models import RegisterImport, utcnow
from app.users.service import create_user
from tests.api.test_access import assert_problem, snapshot
from tests.api.test_extras import _office
from tests.factories import World, auth
from tests.imports.samples import BILLION_LAUGHS, csv_text, with_part, xlsx, zip_bomb

# The office's sheet as it keeps it: a title row, Chinese headers, a note column Backlot
# does not read, phone numbers as Excel numbers, categories and statuses in Chinese.
REGISTER_ZH: list[list[object]] = [
    ["横店群演名册 2026年12月", None, None, None, None, None, None, None, None, None],
    ["姓名", "性别", "出生年份", "身高", "工会证号", "手机", "类别", "技能", "状态", "备注"],
    ["王小明", "男", 1995, "178cm", "HD-00001", 13800000001, "群特", "horse-riding",
     "在册", "老熟人"],
    ["李芳", "女", "1998年", 165, "HD-00002", "139 0000 0002", "小特", "舞蹈、wushu",
     "在册", None],
    ["赵强", "男", None, 1.82, "HD-00003", None, "普通", None, "停用", None],
]  # fmt: skip
HEADER_EN = ["Name", "Gender", "Card no.", "Phone", "Category", "Wardrobe sizes",
             "Most days a week"]  # fmt: skip


def upload(client: TestClient, key: str, data: bytes, name: str) -> httpx.Response:
    files = {"file": (name, data, "application/octet-stream")}
    return client.post("/performer-imports", files=files, headers=auth(key))


def preview(client: TestClient, key: str, data: bytes, name: str) -> dict[str, Any]:
    r = upload(client, key, data, name)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def apply(client: TestClient, key: str, import_id: int) -> httpx.Response:
    return client.post(f"/performer-imports/{import_id}/apply", headers=auth(key))


def register(client: TestClient, key: str) -> dict[str, dict[str, Any]]:
    r = client.get("/performers?limit=200", headers=auth(key))
    assert r.status_code == 200, r.text
    return {p["card_no"]: p for p in r.json()["items"]}


def by_card(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["card_no"]: row for row in body["rows"]["items"]}


def _register_one(client: TestClient, key: str, **kw: Any) -> dict[str, Any]:
    body = {"name": "王小明", "gender": "m", "card_no": "HD-00001", "phone": "138 0000 0000",
            "category": "ordinary", "skills": ["horse-riding"]} | kw  # fmt: skip
    r = client.post("/performers", json=body, headers=auth(key))
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_an_excel_register_with_chinese_headers_previews_then_applies(
    client: TestClient, world: World, engine: Engine
) -> None:
    office = _office()
    known = _register_one(client, office)
    before = snapshot(engine)
    body = preview(client, office, xlsx(REGISTER_ZH), "名册.xlsx")
    assert (body["status"], body["format"], body["can_apply"]) == ("previewed", "xlsx", True)
    assert body["counts"] == {"create": 2, "update": 1, "unchanged": 0, "error_rows": 0}
    rows = by_card(body)
    assert [r["at"] for r in body["rows"]["items"]] == [3, 4, 5]  # the sheet's rows, title too
    assert rows["HD-00001"]["action"] == "update"
    assert rows["HD-00001"]["performer_id"] == known["id"]
    assert rows["HD-00001"]["changes"] == ["birth_year", "height_cm", "phone", "category"]
    assert rows["HD-00001"]["before"]["phone"] == "138 0000 0000"
    assert rows["HD-00001"]["fields"]["phone"] == "13800000001"
    assert (rows["HD-00002"]["action"], rows["HD-00003"]["action"]) == ("create", "create")
    assert [w["params"]["value"] for w in body["warnings"]] == ["备注"]
    # The preview changed nobody: only the preview itself is kept.
    after = snapshot(engine)
    changed = {t for t, found in after.items() if found != before[t]}
    assert changed == {"register_imports", "register_import_rows"}

    done = apply(client, office, body["id"])
    assert done.status_code == 200, done.text
    result = done.json()
    assert result["status"] == "applied" and not result["can_apply"]
    assert len(result["created"]) == 2 and result["updated"] == [known["id"]]
    got = register(client, office)
    assert set(got) == {"HD-00001", "HD-00002", "HD-00003"}
    wang, li, zhao = got["HD-00001"], got["HD-00002"], got["HD-00003"]
    assert (wang["phone"], wang["category"], wang["birth_year"], wang["height_cm"]) == (
        "13800000001",
        "group_featured",
        1995,
        178,
    )
    assert wang["skills"] == ["horse-riding"] and wang["name"] == "王小明"
    assert (li["gender"], li["birth_year"], li["category"], li["skills"]) == (
        "f",
        1998,
        "featured_small",
        ["wushu", "舞蹈"],
    )
    # Blank cells give nothing: a new performer takes the register's defaults.
    assert (zhao["status"], zhao["height_cm"], zhao["birth_year"], zhao["phone"]) == (
        "inactive",
        182,
        None,
        "",
    )
    assert zhao["max_days_per_week"] == 6


def test_a_csv_with_english_headers_updates_only_what_it_gives(
    client: TestClient, world: World
) -> None:
    office = _office()
    known = _register_one(client, office, birth_year=1990, wardrobe="XL")
    rows = [
        HEADER_EN,
        # The same performer: only phone and the week's limit change; wardrobe left blank.
        ["王小明", "M", "HD-00001", "138 0000 0000", "ordinary", "", "5 days"],
        # A cell that reads like a formula is text, kept as written, never computed.
        ["=1+2", "female", "HD-00009", "+86 139 0000 0009", "Featured (large)", "@SUM(A1)", 3],
    ]
    body = preview(client, office, csv_text(rows).encode("gb18030"), "register.csv")
    assert body["format"] == "csv" and body["errors"] == []
    found = by_card(body)
    assert (found["HD-00001"]["action"], found["HD-00001"]["changes"]) == (
        "update",
        ["max_days_per_week"],
    )
    assert found["HD-00009"]["fields"]["name"] == "=1+2"
    assert apply(client, office, body["id"]).status_code == 200
    got = register(client, office)
    assert got["HD-00001"]["id"] == known["id"] and got["HD-00001"]["max_days_per_week"] == 5
    assert (got["HD-00001"]["birth_year"], got["HD-00001"]["wardrobe"]) == (1990, "XL")
    new = got["HD-00009"]
    assert (new["name"], new["wardrobe"], new["phone"], new["category"]) == (
        "=1+2",
        "@SUM(A1)",
        "+86 139 0000 0009",
        "featured_large",
    )
    # Re-importing the same file changes nobody.
    again = preview(client, office, csv_text(rows).encode(), "register.csv")
    assert again["counts"] == {"create": 0, "update": 0, "unchanged": 2, "error_rows": 0}


def test_a_file_with_one_bad_row_applies_nothing(
    client: TestClient, world: World, engine: Engine
) -> None:
    office = _office()
    rows = [
        ["姓名", "性别", "出生年份", "演员证号", "电话", "类别", "技能"],
        ["王小明", "男", 1995, "HD-00001", "13800000001", "普通", "horse-riding"],
        ["李芳", "女", 1880, "HD-00002", "call me", "特大", "骑马!"],
        ["赵强", "x", None, "HD-00001", None, None, None],
        ["", "男", None, "HD-00004", None, None, None],
    ]
    body = preview(client, office, csv_text(rows).encode(), "名册.csv")
    assert not body["can_apply"]
    assert body["counts"] == {"create": 1, "update": 0, "unchanged": 0, "error_rows": 3}
    problems = [(e["at"], e["column"], e["code"]) for e in body["errors"]]
    assert problems == [
        (3, "出生年份", "too_small"),
        (3, "技能", "bad_profile_tag"),
        (3, "电话", "bad_phone"),
        (3, "类别", "bad_category"),
        (4, "性别", "bad_gender"),
        (4, "演员证号", "duplicate_card"),
        (5, "姓名", "required"),
    ]
    said = {e["code"]: e["message"] for e in body["errors"]}
    assert (
        said["duplicate_card"] == "Card number HD-00001 appears twice in the file (first at row 2)."
    )
    assert "'特大' is not a category: write 普通, 群特, 小特, 中特 or 大特" in said["bad_category"]
    assert said["too_small"] == "出生年份: 1880 is below 1900, the least accepted."
    before = snapshot(engine)
    refused = assert_problem(apply(client, office, body["id"]), 409)
    assert "problems in the file (7 in 3 rows)" in refused["detail"]
    assert snapshot(engine) == before
    assert register(client, office) == {}


def test_apply_is_once_and_refused_when_the_register_changed(
    client: TestClient, world: World, engine: Engine
) -> None:
    office = _office()
    data = csv_text([HEADER_EN, ["A", "M", "HD-00001", "", "", "", ""],
                     ["B", "F", "HD-00002", "", "", "", ""]]).encode()  # fmt: skip
    first = preview(client, office, data, "r.csv")
    assert apply(client, office, first["id"]).status_code == 200
    again = assert_problem(apply(client, office, first["id"]), 409)
    assert "applied already" in again["detail"]

    # Someone registers HD-00003 between the preview and the apply: nothing is applied.
    data = csv_text([HEADER_EN, ["B2", "F", "HD-00002", "", "", "", ""],
                     ["C", "M", "HD-00003", "", "", "", ""]]).encode()  # fmt: skip
    second = preview(client, office, data, "r.csv")
    assert [r["action"] for r in second["rows"]["items"]] == ["update", "create"]
    _register_one(client, office, name="C", card_no="HD-00003")
    before = snapshot(engine)
    refused = assert_problem(apply(client, office, second["id"]), 409)
    assert "card HD-00003 (row 3): registered meanwhile" in refused["detail"]
    assert refused["differences"] == ["card HD-00003 (row 3): registered meanwhile"]
    assert snapshot(engine) == before
    assert register(client, office)["HD-00002"]["name"] == "B"

    # A preview nobody applied within a day has expired.
    third = preview(client, office, data, "r.csv")
    with transaction() as s:
        found = s.get(RegisterImport, third["id"])
        assert found is not None
        found.created_at = utcnow() - timedelta(hours=25)
    got = client.get(f"/performer-imports/{third['id']}", headers=auth(office)).json()
    assert got["status"] == "expired" and not got["can_apply"]
    assert (
        "upload the file again" in assert_problem(apply(client, office, third["id"]), 409)["detail"]
    )


def test_a_card_registered_under_the_apply_refuses_it_whole(
    client: TestClient, world: World, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The apply locks the performers the register has; a new card number of the file that
    someone registers after that lock (a concurrent writer can on PostgreSQL) meets the
    register's unique rule when the new performers are inserted: 409, and nothing changes."""
    from app.extras import register_import
    from app.models import Performer

    office = _office()
    data = csv_text([HEADER_EN, ["A", "M", "HD-00001", "", "", "", ""],
                     ["B", "F", "HD-00002", "", "", "", ""]]).encode()  # fmt: skip
    body = preview(client, office, data, "r.csv")
    looked_up = register_import._registered

    def registered_meanwhile(session: Any, cards: Any, lock: bool = False) -> Any:
        found = looked_up(session, cards, lock)
        if lock:  # in the transaction itself: SQLite lets no other writer in
            session.add(Performer(name="B", gender="f", card_no="HD-00002"))
            session.flush()
        return found

    monkeypatch.setattr(register_import, "_registered", registered_meanwhile)
    before = snapshot(engine)
    refused = assert_problem(apply(client, office, body["id"]), 409)
    assert refused["code"] == "changed" and "registered meanwhile" in refused["detail"]
    assert snapshot(engine) == before


def test_only_the_office_imports_and_only_its_uploader_applies(
    client: TestClient, world: World, engine: Engine
) -> None:
    office, other_office = _office(), _office(("BBB",))
    data = csv_text([HEADER_EN, ["A", "M", "HD-00001", "", "", "", ""]]).encode()
    for key in (world.coord1, world.manager_a):
        assert_problem(upload(client, key, data, "r.csv"), 403)
        r = client.get("/performer-imports/template.xlsx", headers=auth(key))
        assert_problem(r, 403)
    body = preview(client, office, data, "r.csv")
    before = snapshot(engine)
    for key, status in ((world.coord1, 403), (world.manager_a, 403), (other_office, 404)):
        got = client.get(f"/performer-imports/{body['id']}", headers=auth(key))
        assert_problem(got, status)
        assert_problem(apply(client, key, body["id"]), status)
    assert snapshot(engine) == before
    # An office of one base keeps the same register: its own upload is its own to apply.
    own = preview(client, other_office, data, "r.csv")
    assert apply(client, other_office, own["id"]).status_code == 200
    assert set(register(client, office)) == {"HD-00001"}


def _with_entities() -> bytes:
    book = xlsx(REGISTER_ZH)
    xml = zipfile.ZipFile(io.BytesIO(book)).read("xl/workbook.xml")
    body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
    return with_part(book, "xl/workbook.xml", BILLION_LAUGHS + body)


@pytest.mark.parametrize(
    ("make", "name", "status", "code"),
    [
        (zip_bomb, "名册.xlsx", 422, "too_large"),
        (_with_entities, "名册.xlsx", 422, "entities"),
        (lambda: BILLION_LAUGHS + b"<register/>", "名册.csv", 415, "kind"),
        (lambda: b"%PDF-1.7\n", "名册.pdf", 415, "kind"),
        (lambda: b"just,some\ntext,here\n", "名册.xlsx", 422, "kind"),
        (lambda: b"", "名册.csv", 422, "empty"),
    ],
    ids=["zip-bomb", "xml-entities", "xml-file", "pdf", "text-named-xlsx", "empty"],
)
def test_a_file_that_cannot_be_read_is_refused_whole(
    client: TestClient, world: World, engine: Engine, make: Any, name: str, status: int, code: str
) -> None:
    office = _office()
    before = snapshot(engine)
    problem = assert_problem(upload(client, office, make(), name), status)
    assert problem["code"] == code
    assert snapshot(engine) == before


def long_register(n: int, bad_every: int = 0) -> list[list[object]]:
    """A register sheet of ``n`` performers as the office keeps it (a title row, Chinese
    headers); with ``bad_every``, every such row has a gender nobody can read."""
    rows: list[list[object]] = [["横店群演名册"], ["姓名", "性别", "出生年份", "演员证号", "类别"]]
    for i in range(1, n + 1):
        gender = "x" if bad_every and i % bad_every == 0 else "男女"[i % 2]
        rows.append([f"演员{i}", gender, 1970 + i % 30, f"HD-{i:05d}", "普通"])
    return rows


def test_defaults_give_the_register_its_own_limits() -> None:
    """The register imports 20,000 performers a file; a crew's breakdown keeps 2,000 scenes."""
    from app.config import Settings

    defaults = Settings()
    assert (defaults.max_register_import_rows, defaults.max_register_import_bytes) == (
        20_000,
        20_000_000,
    )
    assert (defaults.max_import_rows, defaults.max_import_bytes) == (2000, 5_000_000)


def test_a_register_past_the_old_limit_previews_in_pages_and_applies(
    client: TestClient, world: World, engine: Engine
) -> None:
    """2,500 performers (a scene import's 2,000 is no limit here): the preview's counts and
    can_apply are the whole file's, its rows come a page at a time; applying does it all."""
    office = _office()
    for n in (1, 2, 3, 4):  # two to update (another birth year), two unchanged
        _register_one(client, office, name=f"演员{n}", gender="mf"[n % 2], card_no=f"HD-{n:05d}",
                      phone="", birth_year=1970 + n % 30 + (1 if n <= 2 else 0))  # fmt: skip
    body = preview(client, office, xlsx(long_register(2500)), "名册.xlsx")
    assert body["can_apply"] and body["errors"] == []
    assert body["counts"] == {"create": 2496, "update": 2, "unchanged": 2, "error_rows": 0}
    first = body["rows"]
    assert (first["total"], first["limit"], first["offset"], len(first["items"])) == (
        2500,
        50,
        0,
        50,
    )
    url = f"/performer-imports/{body['id']}"
    last = client.get(f"{url}?limit=200&offset=2400", headers=auth(office)).json()
    assert last["counts"] == body["counts"] and last["can_apply"]
    assert [r["at"] for r in last["rows"]["items"]] == list(range(2403, 2503))
    assert last["rows"]["items"][-1]["card_no"] == "HD-02500"
    updates = client.get(f"{url}?action=update", headers=auth(office)).json()["rows"]
    assert updates["total"] == 2 and [r["card_no"] for r in updates["items"]] == [
        "HD-00001",
        "HD-00002",
    ]
    assert updates["items"][0]["before"] == {"birth_year": 1972}
    assert_problem(client.get(f"{url}?limit=201", headers=auth(office)), 422)

    done = apply(client, office, body["id"])
    assert done.status_code == 200, done.text
    result = done.json()
    assert len(result["created"]) == 2496 and len(set(result["created"])) == 2496
    assert len(result["updated"]) == 2 and result["counts"] == body["counts"]
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT COUNT(*), COUNT(DISTINCT card_no), MIN(birth_year) FROM performers")
        ).one()
        last_one = conn.execute(
            text("SELECT id, name, gender, birth_year FROM performers WHERE card_no = 'HD-02500'")
        ).one()
    assert tuple(found) == (2500, 2500, 1970)
    assert tuple(last_one)[1:] == ("演员2500", "m", 1970 + 2500 % 30)
    assert last_one[0] == result["created"][-1]  # ids in the sheet's order


def test_a_bad_row_anywhere_in_a_long_register_applies_nothing(
    client: TestClient, world: World, engine: Engine
) -> None:
    office = _office()
    rows = long_register(2500)
    rows[2400][1] = "?"  # one unreadable gender near the end
    body = preview(client, office, csv_text(rows).encode(), "名册.csv")
    assert not body["can_apply"] and body["counts"]["error_rows"] == 1
    assert [(e["at"], e["code"]) for e in body["errors"]] == [(2401, "bad_gender")]
    before = snapshot(engine)
    assert_problem(apply(client, office, body["id"]), 409)
    assert snapshot(engine) == before


def test_limits_of_size_and_rows(
    client: TestClient, world: World, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.config import get_settings

    office = _office()
    rows = [HEADER_EN] + [[f"P{i}", "F", f"HD-{i:05d}", "", "", "", ""] for i in range(1, 13)]
    data = csv_text(rows).encode()
    # The register's own limits hold, not a crew's breakdown's.
    monkeypatch.setattr(get_settings(), "max_import_rows", 5)
    monkeypatch.setattr(get_settings(), "max_import_bytes", 1024)
    monkeypatch.setattr(get_settings(), "max_register_import_rows", 10)
    before = snapshot(engine)
    too_many = assert_problem(upload(client, office, data, "r.csv"), 422)
    assert too_many["code"] == "too_many_rows"
    assert "more than 10 performers: import it in parts" in too_many["detail"]
    assert snapshot(engine) == before
    monkeypatch.setattr(get_settings(), "max_register_import_rows", 100)
    # Nor does the general body limit hold for the register's upload.
    monkeypatch.setattr(get_settings(), "max_body_bytes", 200)
    assert len(data) > 200 and upload(client, office, data, "r.csv").status_code == 201
    big = csv_text(rows + [["x" * 100, "F", "HD-99999", "", "", "", ""]] * 30).encode()
    assert 1024 < len(big) < 5000
    monkeypatch.setattr(get_settings(), "max_register_import_bytes", 5000)
    assert upload(client, office, big, "r.csv").status_code == 201
    before = snapshot(engine)
    monkeypatch.setattr(get_settings(), "max_register_import_bytes", 1024)
    too_big = assert_problem(upload(client, office, big, "r.csv"), 413)
    assert "larger than 1,024 bytes" in too_big["detail"]
    assert snapshot(engine) == before


def test_only_the_register_upload_takes_a_register_sized_body(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A body the size of a register passes on its upload routes (API and page), and is
    refused (413) everywhere else, a crew's breakdown upload included."""
    from app.config import get_settings
    from app.main import body_limit

    settings = get_settings()
    monkeypatch.setattr(settings, "max_body_bytes", 10_000)
    monkeypatch.setattr(settings, "max_import_bytes", 20_000)
    monkeypatch.setattr(settings, "max_register_import_bytes", 200_000)
    register_sized = 200_000
    for path in ("/performer-imports", "/ui/extras/performers/imports"):
        assert body_limit({"method": "POST", "path": path}) >= register_sized
    for method, path in (
        ("POST", "/crews/1/imports"),
        ("POST", "/ui/crews/1/import"),
        ("POST", "/performer-imports/1/apply"),
        ("POST", "/performers"),
        ("PUT", "/performer-imports"),
    ):
        assert body_limit({"method": method, "path": path}) < register_sized, path
    office = _office()
    rows = [HEADER_EN] + [[f"演员{i}", "F", f"HD-{i:05d}", "", "", "", ""] for i in range(4000)]
    data = csv_text(rows).encode()
    assert 100_000 < len(data) < register_sized
    assert upload(client, office, data, "r.csv").status_code == 201
    files = {"file": ("r.csv", data, "text/csv")}
    crew = client.post(f"/crews/{world.crew1}/imports", files=files, headers=auth(world.coord1))
    assert_problem(crew, 413)
    performer = client.post(
        "/performers", content=data, headers={**auth(office), "Content-Type": "application/json"}
    )
    assert_problem(performer, 413)


def test_the_template_downloads_and_reads_back_clean(client: TestClient, world: World) -> None:
    office = _office()
    for lang, first in (("zh", "姓名"), ("en", "Name")):
        r = client.get(f"/performer-imports/template.xlsx?lang={lang}", headers=auth(office))
        assert r.status_code == 200 and "spreadsheetml" in r.headers["content-type"]
        sheet = load_workbook(io.BytesIO(r.content)).active
        assert sheet is not None and sheet["A2"].value == first
        body = preview(client, office, r.content, f"template-{lang}.xlsx")
        assert body["errors"] == [] and body["counts"]["create"] == 2, body["errors"]


def test_an_admin_opens_an_office_users_preview_another_office_user_does_not(
    client: TestClient, world: World
) -> None:
    """The register is the administrators' too; a preview is its uploader's."""
    office = _office()
    body = preview(
        client, office, csv_text([HEADER_EN, ["A", "M", "HD-1", "", "", "", ""]]).encode(), "r.csv"
    )
    got = client.get(f"/performer-imports/{body['id']}", headers=auth(world.admin))
    assert got.status_code == 200 and got.json()["rows"]["items"][0]["card_no"] == "HD-1"
    with transaction() as s:
        _, spare = create_user(s, "office two", "extras_office", [])
    assert_problem(client.get(f"/performer-imports/{body['id']}", headers=auth(spare)), 404)
