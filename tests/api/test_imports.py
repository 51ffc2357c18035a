"""Importing a breakdown or a screenplay through the API (both databases): preview first,
then all or nothing; re-imports update and never duplicate; shot or booked scenes are left
alone; a file that cannot be read, or a preview the crew outran, changes nothing."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from app.db import transaction
from app.models import CastMember, Proposal, Scene, SceneImport, utcnow
from tests.api.test_access import assert_problem, snapshot
from tests.factories import World, auth, day
from tests.imports.samples import (
    BILLION_LAUGHS,
    BREAKDOWN_ZH,
    csv_text,
    fixture,
    old_xls,
    password_protected,
    xlsx,
)

HEADER = ["场次", "内/外", "日/夜", "场景", "页数", "主要演员"]


def upload(
    client: TestClient, w: World, data: bytes, name: str, key: str | None = None
) -> httpx.Response:
    files = {"file": (name, data, "application/octet-stream")}
    return client.post(f"/crews/{w.crew1}/imports", files=files, headers=auth(key or w.coord1))


def preview(client: TestClient, w: World, data: bytes, name: str) -> dict[str, Any]:
    r = upload(client, w, data, name)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def apply(client: TestClient, w: World, import_id: int) -> httpx.Response:
    return client.post(f"/crews/{w.crew1}/imports/{import_id}/apply", headers=auth(w.coord1))


def scenes(client: TestClient, w: World) -> dict[str, dict[str, Any]]:
    r = client.get(f"/crews/{w.crew1}/scenes?limit=200", headers=auth(w.coord1))
    return {s["number"]: s for s in r.json()["items"]}


def cast_names(client: TestClient, w: World) -> dict[int, str]:
    r = client.get(f"/crews/{w.crew1}/cast?limit=200", headers=auth(w.coord1))
    return {c["id"]: c["name"] for c in r.json()["items"]}


def actions(body: dict[str, Any]) -> dict[str, str]:
    return {s["number"]: s["action"] for s in body["scenes"]}


def test_an_excel_breakdown_becomes_scenes_after_preview_and_apply(
    client: TestClient, world: World, engine: Engine
) -> None:
    before = snapshot(engine)
    body = preview(client, world, xlsx(BREAKDOWN_ZH), "分场表.xlsx")
    assert (body["status"], body["format"], body["unit"], body["can_apply"]) == (
        "previewed",
        "xlsx",
        "row",
        True,
    )
    assert body["counts"] == {"create": 4, "update": 0, "unchanged": 0, "left_alone": 0}
    assert body["new_cast"] == ["周掌柜", "沈青", "黑衣人"]  # "沈 青" is 沈青
    assert body["errors"] == []
    # The preview changed no scene and no cast: only the preview itself is kept.
    after = snapshot(engine)
    assert {t: rows for t, rows in after.items() if rows != before[t]}.keys() == {"imports"}

    done = apply(client, world, body["id"])
    assert done.status_code == 200, done.text
    result = done.json()
    assert result["status"] == "applied" and not result["can_apply"]
    assert len(result["created"]) == 4 and result["updated"] == []
    names = cast_names(client, world)
    assert sorted(names.values()) == ["周掌柜", "沈青", "黑衣人"]
    got = scenes(client, world)
    assert list(got) == ["1-1", "1-2", "1-3", "2-1A"]
    one, two, three, four = got.values()
    assert (one["int_ext"], one["day_night"], one["set_description"], one["extras"]) == (
        "EXT",
        "DAY",
        "清河镇长街",
        30,
    )
    assert one["page_eighths"] == 11 and one["minutes"] == 83  # 1 3/8 pages at 60 min/page
    assert one["requires"] == ["street"] and one["description"] == "沈青骑马入镇"
    assert two["minutes"] == 150  # given in minutes: kept as given
    assert [names[c] for c in three["cast"]] == sorted(
        ["沈青", "黑衣人"], key=list(names.values()).index
    )
    assert two["after"] == [one["id"]] and four["after"] == [three["id"]]
    with transaction() as s:
        assert all(m.day_cost == 0 for m in s.scalars(select(CastMember)))


def test_cast_names_match_whatever_their_width_case_and_spaces(
    client: TestClient, world: World
) -> None:
    made = client.post(
        f"/crews/{world.crew1}/cast",
        json={"name": "Old Zhou", "day_cost": 5000},
        headers=auth(world.coord1),
    ).json()
    rows = [
        HEADER,
        ["1", "内", "日", "客栈", "1", "ＯＬＤ　ＺＨＯＵ、Mei"],
        ["2", "内", "夜", "客栈", "1", "oldzhou"],
    ]
    body = preview(client, world, csv_text(rows).encode(), "b.csv")
    assert body["new_cast"] == ["Mei"]
    apply(client, world, body["id"])
    got = scenes(client, world)
    assert made["id"] in got["1"]["cast"] and got["2"]["cast"] == [made["id"]]
    assert len(cast_names(client, world)) == 2


def test_reimporting_updates_by_number_and_never_duplicates(
    client: TestClient, world: World
) -> None:
    rows = [HEADER, ["1", "内", "日", "客栈", "1", "Mei"], ["2", "外", "夜", "码头", "2", "Mei"]]
    first = preview(client, world, csv_text(rows).encode(), "b.csv")
    apply(client, world, first["id"])
    ids = {n: s["id"] for n, s in scenes(client, world).items()}

    rows[2] = ["2", "外", "日", "码头 (rain)", "2 4/8", "Mei, Ferryman"]
    rows.append(["3", "内", "夜", "客房", "1", ""])
    again = preview(client, world, csv_text(rows).encode(), "b.csv")
    assert actions(again) == {"1": "unchanged", "2": "update", "3": "create"}
    (two,) = [s for s in again["scenes"] if s["number"] == "2"]
    assert sorted(two["changes"]) == [
        "cast",
        "day_night",
        "minutes",
        "page_eighths",
        "set_description",
    ]
    assert apply(client, world, again["id"]).status_code == 200
    got = scenes(client, world)
    assert list(got) == ["1", "2", "3"]
    assert got["2"]["id"] == ids["2"] and got["2"]["day_night"] == "DAY"
    assert got["2"]["minutes"] == 150 and len(got["2"]["cast"]) == 2

    # The same file once more: nothing to do.
    third = preview(client, world, csv_text(rows).encode(), "b.csv")
    assert set(actions(third).values()) == {"unchanged"}
    assert apply(client, world, third["id"]).status_code == 200
    assert len(scenes(client, world)) == 3


def test_a_column_left_out_leaves_that_field_alone(client: TestClient, world: World) -> None:
    rows = [[*HEADER, "内容"], ["1", "内", "日", "客栈", "1", "Mei", "Mei arrives"]]
    apply(client, world, preview(client, world, csv_text(rows).encode(), "b.csv")["id"])
    narrower = [["场次", "内/外", "日/夜", "时长"], ["1", "内", "日", "45"]]
    body = preview(client, world, csv_text(narrower).encode(), "b.csv")
    assert body["scenes"][0]["changes"] == ["minutes"]
    apply(client, world, body["id"])
    (one,) = scenes(client, world).values()
    assert one["description"] == "Mei arrives" and one["minutes"] == 45 and one["cast"]


def test_shot_and_booked_scenes_are_left_alone(client: TestClient, world: World) -> None:
    rows = [HEADER] + [[str(n), "内", "日", "客栈", "1", "Mei"] for n in range(1, 6)]
    apply(client, world, preview(client, world, csv_text(rows).encode(), "b.csv")["id"])
    ids = {n: s["id"] for n, s in scenes(client, world).items()}
    h = auth(world.coord1)
    client.patch(f"/scenes/{ids['1']}", json={"status": "shot"}, headers=h)
    client.patch(f"/scenes/{ids['2']}", json={"status": "scheduled"}, headers=h)
    client.patch(f"/scenes/{ids['3']}", json={"pinned_date": day(30).isoformat()}, headers=h)
    with transaction() as s:
        s.add(
            Proposal(
                run_id=_run(s),
                crew_id=world.crew1,
                scene_id=ids["4"],
                set_id=world.set_a1,
                date=day(40),
                days=1,
                accepted_at=utcnow(),
            )
        )
    changed = [HEADER] + [[str(n), "外", "夜", "码头", "2", "Mei"] for n in range(1, 6)]
    body = preview(client, world, csv_text(changed).encode(), "b.csv")
    assert {s["number"]: (s["action"], s["reason"]) for s in body["scenes"]} == {
        "1": ("left_alone", "shot"),
        "2": ("left_alone", "scheduled"),
        "3": ("left_alone", "pinned"),
        "4": ("left_alone", "accepted"),
        "5": ("update", None),
    }
    assert apply(client, world, body["id"]).json()["updated"] == [ids["5"]]
    got = scenes(client, world)
    assert [got[n]["int_ext"] for n in "12345"] == ["INT", "INT", "INT", "INT", "EXT"]


def _run(session: Any) -> int:
    from app.models import PlanRun

    run = PlanRun(status="succeeded", params={})
    session.add(run)
    session.flush()
    return run.id


def test_apply_refuses_what_changed_since_the_preview(
    client: TestClient, world: World, engine: Engine
) -> None:
    rows = [HEADER, ["1", "内", "日", "客栈", "1", "Mei"]]
    apply(client, world, preview(client, world, csv_text(rows).encode(), "b.csv")["id"])
    (scene,) = scenes(client, world).values()
    rows[1] = ["1", "外", "夜", "码头", "1", "Mei"]
    rows.append(["2", "内", "夜", "客房", "1", "Ferryman"])
    body = preview(client, world, csv_text(rows).encode(), "b.csv")
    assert actions(body) == {"1": "update", "2": "create"}
    # Meanwhile the scene is shot.
    client.patch(f"/scenes/{scene['id']}", json={"status": "shot"}, headers=auth(world.coord1))
    before = snapshot(engine)
    problem = assert_problem(apply(client, world, body["id"]), 409)
    assert "scene 1: now shot" in problem["detail"] and problem["differences"]
    assert snapshot(engine) == before
    assert len(scenes(client, world)) == 1


def test_an_import_applies_once(client: TestClient, world: World, engine: Engine) -> None:
    body = preview(
        client, world, csv_text([HEADER, ["1", "内", "日", "客栈", "1", ""]]).encode(), "b.csv"
    )
    assert apply(client, world, body["id"]).status_code == 200
    before = snapshot(engine)
    assert "applied already" in assert_problem(apply(client, world, body["id"]), 409)["detail"]
    assert snapshot(engine) == before


def test_an_expired_preview_cannot_be_applied(
    client: TestClient, world: World, engine: Engine
) -> None:
    body = preview(
        client, world, csv_text([HEADER, ["1", "内", "日", "客栈", "1", ""]]).encode(), "b.csv"
    )
    with transaction() as s:
        found = s.get(SceneImport, body["id"])
        assert found is not None
        found.created_at = utcnow() - timedelta(hours=25)
    got = client.get(f"/crews/{world.crew1}/imports/{body['id']}", headers=auth(world.coord1))
    assert got.json()["status"] == "expired" and not got.json()["can_apply"]
    before = snapshot(engine)
    assert (
        "upload the file again" in assert_problem(apply(client, world, body["id"]), 409)["detail"]
    )
    assert snapshot(engine) == before


def test_a_file_with_errors_lists_them_and_cannot_be_applied(
    client: TestClient, world: World, engine: Engine
) -> None:
    rows = [
        ["场次", "内/外", "日/夜", "页数", "接戏"],
        ["1", "内", "日", "1", "2"],
        ["2", "内", "黄昏后", "1", "1"],
        ["3", "内", "日", "1", "9"],
        ["4", "内", "日", "1", "5"],
        ["5", "内", "日", "1", "4"],
    ]
    body = preview(client, world, csv_text(rows).encode(), "b.csv")
    assert not body["can_apply"]
    assert [(e["at"], e["column"], e["code"]) for e in body["errors"]] == [
        (3, "日/夜", "bad_day_night"),
        (4, "接戏", "unknown_after"),
        (5, "接戏", "after_loop"),
    ]
    assert "4 → 5 → 4" in body["errors"][2]["message"]
    before = snapshot(engine)
    refused = assert_problem(apply(client, world, body["id"]), 409)["detail"]
    assert "problems in the file (3 in 3 rows)" in refused
    assert snapshot(engine) == before


def test_screenplays_become_scenes(client: TestClient, world: World) -> None:
    client.patch(f"/crews/{world.crew1}", json={"minutes_per_page": 90}, headers=auth(world.coord1))
    fountain = preview(client, world, fixture("the-last-ferry.fountain"), "ferry.fountain")
    assert fountain["format"] == "fountain" and fountain["counts"]["create"] == 5
    assert fountain["new_cast"] == ["Father", "Ferryman", "Man In Black", "Mei", "Old Zhou"]
    assert apply(client, world, fountain["id"]).status_code == 200
    got = scenes(client, world)
    assert got["2"]["set_description"] == "YUELAI INN - HALL"
    assert got["2"]["minutes"] == -(-got["2"]["page_eighths"] * 90 // 8)
    # The Final Draft version of the same script: scene 1 matches, its length is Final Draft's.
    fdx = preview(client, world, fixture("the-last-ferry.fdx"), "ferry.fdx")
    assert actions(fdx) == {"1": "update", "2": "update", "3A": "create", "4": "update"}
    assert fdx["new_cast"] == ["沈青"]
    apply(client, world, fdx["id"])
    got = scenes(client, world)
    assert got["1"]["page_eighths"] == 11 and got["1"]["minutes"] == 124
    assert got["1"]["description"] == "Mei misses the last ferry."
    assert len(got) == 6


@pytest.mark.parametrize(
    ("data", "name", "status"),
    [
        (password_protected(), "breakdown.xlsx", 422),
        (old_xls(), "breakdown.xls", 415),
        (b"PK\x03\x04" + b"\x00garbage" * 50, "breakdown.xlsx", 422),
        (b"%PDF-1.7\n", "script.pdf", 415),
        (BILLION_LAUGHS + b"<FinalDraft><Content/></FinalDraft>", "x.fdx", 422),
        (b"", "empty.csv", 422),
    ],
    ids=["password", "xls", "corrupt", "pdf", "entities", "empty"],
)
def test_a_file_that_cannot_be_read_changes_nothing(
    client: TestClient, world: World, engine: Engine, data: bytes, name: str, status: int
) -> None:
    before = snapshot(engine)
    problem = assert_problem(upload(client, world, data, name), status)
    assert problem["code"] and problem["detail"]
    assert snapshot(engine) == before


def test_size_limit_of_an_import(
    client: TestClient, world: World, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Imports take files up to their own limit (5 MB by default), past the 1 MB body limit."""
    from app.config import get_settings

    script = b"INT. INN - DAY\n\n" + b"Rain on the roof. " * 80_000  # 1.4 MB
    assert len(script) > get_settings().max_body_bytes
    assert upload(client, world, script, "long.fountain").status_code == 201
    monkeypatch.setattr(get_settings(), "max_import_bytes", 1_000_000)
    before = snapshot(engine)
    assert_problem(upload(client, world, script, "long.fountain"), 413)
    assert snapshot(engine) == before
    # Other routes keep the general limit.
    r = client.post(
        f"/crews/{world.crew1}/cast",
        content=b'{"name": "' + b"x" * 1_100_000 + b'"}',
        headers={**auth(world.coord1), "Content-Type": "application/json"},
    )
    assert_problem(r, 413)


def test_templates_download_and_import_clean(client: TestClient, world: World) -> None:
    for fmt, media in (("xlsx", "spreadsheetml"), ("csv", "text/csv")):
        for lang in ("zh", "en"):
            r = client.get(
                f"/crews/{world.crew1}/imports/template.{fmt}?lang={lang}",
                headers=auth(world.coord1),
            )
            assert r.status_code == 200 and media in r.headers["content-type"]
            assert "attachment" in r.headers["content-disposition"]
            body = preview(client, world, r.content, f"template.{fmt}")
            assert body["errors"] == [] and body["counts"]["create"] == 4


def test_parallel_applies_of_one_preview_apply_it_once(live_server: str, world: World) -> None:
    rows = [HEADER] + [[str(n), "内", "日", "客栈", "1", "Mei"] for n in range(1, 30)]
    files = {"file": ("b.csv", csv_text(rows).encode(), "text/csv")}
    with httpx.Client(base_url=live_server, headers=auth(world.coord1), timeout=30) as http:
        body = http.post(f"/crews/{world.crew1}/imports", files=files).json()
        results: list[int] = []

        def go() -> None:
            r = http.post(f"/crews/{world.crew1}/imports/{body['id']}/apply")
            results.append(r.status_code)

        threads = [threading.Thread(target=go) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(results) == [200, 409, 409, 409]
    with transaction() as s:
        assert len(list(s.scalars(select(Scene.id)))) == 29
        assert len(list(s.scalars(select(CastMember.id)))) == 1
