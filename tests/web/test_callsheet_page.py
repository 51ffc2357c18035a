"""The call sheet page: linked from the schedule, in both languages, print styles, access."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.test_callsheets import make_days
from tests.factories import World, day
from tests.web.test_pages import sign_in


def test_call_sheet_page_from_the_schedule_in_both_languages(
    client: TestClient, world: World
) -> None:
    make_days(world)
    sign_in(client, world.coord1)
    schedule = client.get(f"/ui/schedule?crew={world.crew1}")
    link = f"/ui/crews/{world.crew1}/callsheet/{day(10).isoformat()}"
    assert link in schedule.text
    # The proposed day has no call sheet, so no link.
    assert f"/callsheet/{day(12).isoformat()}" not in schedule.text
    client.get("/ui/lang/en")
    page = client.get(link)
    assert page.status_code == 200
    for text in ("Call sheet", "Day 1 of 2", "06:30", "04:30", "Sunrise", "booking confirmed"):
        assert text in page.text, text
    assert f"/crews/{world.crew1}/callsheets/{day(10).isoformat()}.xlsx?lang=en" in page.text
    client.get("/ui/lang/zh")
    page = client.get(link)
    for text in ("通告单", "第 1 天 / 共 2 天", "全组集合", "日出", "群演"):
        assert text in page.text, text
    held = client.get(f"/ui/crews/{world.crew1}/callsheet/{day(11).isoformat()}")
    assert "尚未确认" in held.text
    css = client.get("/static/backlot.css").text
    assert "@page { size: A4" in css


def test_call_sheet_page_is_for_its_readers(client: TestClient, world: World) -> None:
    make_days(world)
    link = f"/ui/crews/{world.crew1}/callsheet/{day(10).isoformat()}"
    sign_in(client, world.manager_a)
    assert client.get(link).status_code == 200
    sign_in(client, world.coord2)
    assert client.get(link).status_code == 404
    assert client.get(f"/ui/crews/{world.crew1}/callsheet/9999-01-01").status_code == 400
