"""The extras pool's pages without a browser (both databases): the office's board, register
and attendance; a crew's request form and dispatch list; who may open what."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.db import transaction
from app.extras import run as runs
from app.models import Base, DispatchRun, utcnow
from tests.api.test_extras import _office, _shooting_day
from tests.factories import World, day, iso
from tests.web.test_pages import csrf_of, sign_in

SHOOT = 10


@pytest.fixture(autouse=True)
def _no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("app.extras.run.spawn", lambda run_id, url: None)


@pytest.fixture
def other(engine: object) -> Iterator[TestClient]:
    """A second browser: another person signed in beside ``client``."""
    from app.main import create_app

    with TestClient(create_app(), raise_server_exceptions=False) as c:
        yield c


def _register(client: TestClient, n: int, **kw: str) -> None:
    page = client.get("/ui/extras/performers")
    form = {"csrf": csrf_of(page), "name": f"演员{n}", "gender": "m", "card_no": f"HD-{n:05d}",
            "phone": f"139{n:08d}", "birth_year": "1990", "height_cm": "175",
            "category": "ordinary"} | kw  # fmt: skip
    r = client.post("/ui/extras/performers", data=form)
    assert r.status_code == 200 and "flash-ok" in r.text, r.text[:2000]


def test_office_and_crew_pages_along_the_whole_path(
    client: TestClient, other: TestClient, world: World
) -> None:
    office = _office()
    _shooting_day(world, world.crew1, SHOOT)
    assert sign_in(client, office).headers["location"] == "/ui/extras"
    for n in range(1, 5):
        _register(client, n, skills="horse-riding" if n < 3 else "")
    register = client.get("/ui/extras/performers")
    assert "13900000001" in register.text  # the office sees phone numbers

    sign_in(other, world.coord1)
    crew_page = other.get(f"/ui/crews/{world.crew1}/extras")
    assert crew_page.status_code == 200
    shoot = re.search(r'<option value="(' + iso(SHOOT) + r':\d+)"', crew_page.text)
    assert shoot, crew_page.text[:3000]
    order = {"csrf": csrf_of(crew_page), "shoot": shoot.group(1), "count": "3",
             "tags": "horse-riding", "priority": "7", "call_time": "06:30", "hours": "10",
             "wardrobe_notes": "秦兵甲胄"}  # fmt: skip
    done = other.post(f"/ui/crews/{world.crew1}/extras/requests", data=order)
    assert done.status_code == 200 and "flash-ok" in done.text, done.text[:2000]

    board = client.get("/ui/extras", params={"day": iso(SHOOT)})
    assert board.status_code == 200 and "horse-riding" in board.text
    r = client.post("/ui/extras/dispatch", data={"csrf": csrf_of(board), "day": iso(SHOOT)})
    assert r.status_code == 200
    with transaction() as s:
        run_id = s.scalars(select(DispatchRun.id)).one()
    runs.execute(run_id)
    board = client.get("/ui/extras", params={"day": iso(SHOOT)})
    assert 'class="badge run-succeeded"' in board.text and "67%" in board.text
    assert "horse-riding" in board.text and 'id="unfilled"' in board.text
    r = client.post("/ui/extras/publish", data={"csrf": csrf_of(board), "day": iso(SHOOT)})
    assert "flash-ok" in r.text and 'id="attendance"' in r.text

    # The crew sees who is coming: names and card numbers, never phone numbers.
    crew_page = other.get(f"/ui/crews/{world.crew1}/extras")
    assert "HD-00001" in crew_page.text and "HD-00002" in crew_page.text
    assert "139000" not in crew_page.text and "1990" not in crew_page.text

    # Attendance and the pay sheet (the page session opens the download).
    assignment = re.search(r"/ui/extras/assignments/(\d+)/attendance", r.text)
    assert assignment
    r = client.post(
        f"/ui/extras/assignments/{assignment.group(1)}/attendance",
        data={"csrf": csrf_of(r), "attendance": "late", "hours_worked": "9", "tasks": "",
              "back": f"/ui/extras?day={iso(SHOOT)}"},
    )  # fmt: skip
    assert "flash-ok" in r.text
    csv = other.get(f"/crews/{world.crew1}/extras-pay-sheet.csv", params={"day": iso(SHOOT)})
    assert csv.status_code == 200 and "late" in csv.text and "139000" not in csv.text


def test_refusals_by_role(client: TestClient, world: World) -> None:
    _shooting_day(world, world.crew1, SHOOT)
    sign_in(client, world.coord2)
    r = client.get(f"/ui/crews/{world.crew1}/extras")
    assert r.status_code == 404
    assert client.get("/ui/extras").status_code == 403
    assert client.get("/ui/extras/performers").status_code == 403
    sign_in(client, world.manager_a)
    r = client.get("/ui/extras", params={"day": iso(SHOOT)})
    assert r.status_code == 403 and "extras office" in r.text
    assert client.get("/ui/extras/performers").status_code == 403
    # A base manager who sees the crew (it books her base) does not order for it.
    assert client.get(f"/ui/crews/{world.crew1}/extras").status_code in (403, 404)
    # An office of another base opens its own board, not this one's.
    sign_in(client, _office(("BBB",)))
    assert client.get("/ui/extras").status_code == 200
    assert client.get("/ui/extras", params={"base": "AAA"}).status_code == 403


def test_a_refused_request_keeps_what_was_typed(client: TestClient, world: World) -> None:
    _shooting_day(world, world.crew1, 1)
    with transaction() as s:
        base = s.get(Base, world.base_a)
        assert base is not None
        base.extras_cutoff_hour = 0  # closed at midnight: already past for tomorrow
    sign_in(client, world.coord1)
    page = client.get(f"/ui/crews/{world.crew1}/extras")
    shoot = re.search(r'<option value="(' + iso(1) + r':\d+)"', page.text)
    assert shoot
    r = client.post(
        f"/ui/crews/{world.crew1}/extras/requests",
        data={"csrf": csrf_of(page), "shoot": shoot.group(1), "count": "12",
              "categories": ["group_featured"], "wardrobe_notes": "明代官服"},
    )  # fmt: skip
    assert r.status_code == 200 and "flash-error" in r.text and "cut-off" in r.text
    assert 'value="12"' in r.text and "明代官服" in r.text
    assert re.search(r'value="group_featured"\s+checked', r.text)


def test_the_cli_dispatches_a_day(client: TestClient, world: World) -> None:
    """``backlot extras dispatch --day`` runs the same dispatch as the office's button."""
    import json

    from typer.testing import CliRunner

    from app.cli import cli

    _shooting_day(world, world.crew1, SHOOT)
    sign_in(client, _office())
    _register(client, 1)
    sign_in(client, world.coord1)
    page = client.get(f"/ui/crews/{world.crew1}/extras")
    shoot = re.search(r'<option value="(' + iso(SHOOT) + r':\d+)"', page.text)
    assert shoot
    client.post(
        f"/ui/crews/{world.crew1}/extras/requests",
        data={"csrf": csrf_of(page), "shoot": shoot.group(1), "count": "2"},
    )
    done = CliRunner().invoke(cli, ["extras", "dispatch", "--day", iso(SHOOT), "--base", "AAA"])
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output.strip().splitlines()[-1])
    assert summary["status"] == "succeeded" and (summary["slots"], summary["filled"]) == (2, 1)
    bad = CliRunner().invoke(cli, ["extras", "dispatch", "--day", "tomorrow"])
    assert bad.exit_code == 2
    # A run of the day still going (the office's button): cron does not start a second one.
    from app.db import transaction
    from app.models import DispatchRun

    with transaction() as s:
        s.add(DispatchRun(day=day(SHOOT), base_id=None, status="running"))
    again = CliRunner().invoke(cli, ["extras", "dispatch", "--day", iso(SHOOT)])
    assert again.exit_code == 3 and "already running" in again.output


def _order(client: TestClient, world: World, offset: int, **form: str) -> int:
    page = client.get(f"/ui/crews/{world.crew1}/extras")
    shoot = re.search(r'<option value="(' + iso(offset) + r':\d+)"', page.text)
    assert shoot, page.text[:3000]
    done = client.post(
        f"/ui/crews/{world.crew1}/extras/requests",
        data={"csrf": csrf_of(page), "shoot": shoot.group(1), "count": "2"} | form,
    )
    assert "flash-ok" in done.text, done.text[:2000]
    found = re.search(r"Request #(\d+)", done.text)
    assert found
    return int(found.group(1))


def _change_form(text: str, request_id: int) -> dict[str, str]:
    """The values the request's change form shows (one per field; checkboxes that are on)."""
    found = re.search(
        rf'<form[^>]*action="/ui/extras-requests/{request_id}/change".*?</form>', text, re.S
    )
    assert found, text[:3000]
    form = found.group(0)
    values = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', form))
    values["categories"] = ",".join(re.findall(r'name="categories" value="(\w+)"\s+checked', form))
    for name in ("set_id", "gender", "continuity_of"):
        chosen = re.search(rf'name="{name}">.*?<option value="([^"]*)" selected', form, re.S)
        values[name] = chosen.group(1) if chosen else ""
    return values


def test_a_crew_changes_a_request_on_its_page(
    client: TestClient, other: TestClient, world: World
) -> None:
    _shooting_day(world, world.crew1, SHOOT)
    sign_in(other, _office())
    for n in range(1, 4):
        _register(other, n)
    sign_in(client, world.coord1)
    rid = _order(client, world, SHOOT, wardrobe_notes="布衣")
    page = client.get(f"/ui/crews/{world.crew1}/extras")
    shown = _change_form(page.text, rid)
    assert (shown["count"], shown["version"], shown["wardrobe_notes"]) == ("2", "1", "布衣")

    # A change the form cannot take keeps what was typed, in the open form.
    typed = shown | {"csrf": csrf_of(page), "count": "0", "wardrobe_notes": "明代官服",
                     "call_time": "05:45", "categories": "ordinary"}  # fmt: skip
    r = client.post(f"/ui/extras-requests/{rid}/change", data=typed)
    assert "flash-error" in r.text and "count" in r.text
    kept = _change_form(r.text, rid)
    assert (kept["count"], kept["wardrobe_notes"], kept["call_time"]) == ("0", "明代官服", "05:45")
    assert kept["categories"] == "ordinary"
    assert re.search(rf'id="change-{rid}" open', r.text)

    # The same change with a count it takes.
    r = client.post(f"/ui/extras-requests/{rid}/change", data=typed | {"count": "3"})
    assert "flash-ok" in r.text and f"Request #{rid} is changed." in r.text, r.text[:2000]
    shown = _change_form(r.text, rid)
    assert (shown["count"], shown["call_time"], shown["version"]) == ("3", "05:45", "2")
    assert "3 × " in r.text and "明代官服" in r.text

    # A form loaded before that change is refused as stale, what was typed kept.
    stale = client.post(
        f"/ui/extras-requests/{rid}/change", data=typed | {"count": "4", "version": "1"}
    )
    assert "flash-error" in stale.text and "changed since you loaded it" in stale.text
    assert _change_form(stale.text, rid)["count"] == "4"

    # Dispatched, then the profile changes: the flash counts the withdrawn proposals.
    board = other.get("/ui/extras", params={"day": iso(SHOOT)})
    other.post("/ui/extras/dispatch", data={"csrf": csrf_of(board), "day": iso(SHOOT)})
    with transaction() as s:
        run_id = s.scalars(select(DispatchRun.id)).one()
    runs.execute(run_id)
    page = client.get(f"/ui/crews/{world.crew1}/extras")
    form = _change_form(page.text, rid) | {"csrf": csrf_of(page), "gender": "f"}
    del form["categories"]  # no box ticked: a browser sends none
    r = client.post(f"/ui/extras-requests/{rid}/change", data=form)
    assert f"Request #{rid} is changed; 3 proposed performers withdrawn" in r.text

    # In Chinese.
    client.get("/ui/lang/zh")
    page = client.get(f"/ui/crews/{world.crew1}/extras")
    assert "修改需求" in page.text and "保存修改" in page.text


def test_after_the_cutoff_the_page_sends_the_crew_to_the_office(
    client: TestClient, world: World
) -> None:
    _shooting_day(world, world.crew1, 1)
    _shooting_day(world, world.crew1, 2)
    sign_in(client, world.coord1)
    # Ordered for the day after tomorrow (in time at any hour of today), moved to tomorrow.
    rid = _order(client, world, 2)
    with transaction() as s:
        from app.models import ExtrasRequest

        made = s.get(ExtrasRequest, rid)
        assert made is not None
        made.day = day(1)
        base = s.get(Base, world.base_a)
        assert base is not None
        base.extras_cutoff_hour = 0  # closed at midnight: already past for tomorrow
    with transaction() as s:
        from app.models import ExtrasRequest

        moved = s.get(ExtrasRequest, rid)
        assert moved is not None
        version = moved.version
    page = client.get(f"/ui/crews/{world.crew1}/extras")
    assert f'action="/ui/extras-requests/{rid}/change"' not in page.text
    assert re.search(rf'id="closed-{rid}">Past the cut-off: contact the extras office', page.text)
    # A form kept open from before the cut-off is refused the same way, what was typed kept.
    r = client.post(
        f"/ui/extras-requests/{rid}/change",
        data={
            "csrf": csrf_of(page),
            "version": str(version),
            "count": "9",
            "wardrobe_notes": "蓑衣",
        },
    )
    assert "flash-error" in r.text and "contact the extras office" in r.text
    with transaction() as s:
        from app.models import ExtrasRequest

        found = s.get(ExtrasRequest, rid)
        assert found is not None and (found.count, found.version) == (2, version)


def test_the_board_shows_a_run_going_and_cancels_it(
    client: TestClient, other: TestClient, world: World
) -> None:
    """The office sees the day's run with its phase and a Cancel button (CSRF-protected), and
    cancels it as the API does: a queued run stops at once, a running one before its swap.
    An office of another base sees the run hold the day but cannot cancel it."""
    sign_in(client, _office())
    board = client.get("/ui/extras", params={"day": iso(SHOOT)})
    assert 'id="run-going"' not in board.text
    client.post("/ui/extras/dispatch", data={"csrf": csrf_of(board), "day": iso(SHOOT)})
    board = client.get("/ui/extras", params={"day": iso(SHOOT)})
    going = re.search(r'<div class="progress" id="run-going".*?</div>', board.text, re.S)
    assert going, board.text[:3000]
    assert "run-queued" in going.group(0) and "Waiting to start" in going.group(0)
    assert "Whole town" in going.group(0) and 'http-equiv="refresh"' in board.text
    cancel = re.search(r'action="(/ui/extras/dispatch-runs/(\d+)/cancel)"', going.group(0))
    assert cancel
    queued_id = int(cancel.group(2))
    assert re.search(r"<button[^>]*disabled>Run dispatch", board.text)

    # Without the page's token, or from another site, nothing happens.
    r = client.post(cancel.group(1), data={"csrf": "forged"})
    assert "nothing was done" in r.text
    evil = {"Origin": "https://evil.example"}
    assert (
        client.post(cancel.group(1), data={"csrf": csrf_of(board)}, headers=evil).status_code == 403
    )
    with transaction() as s:
        run = s.get(DispatchRun, queued_id)
        assert run is not None and (run.status, run.cancel_requested) == ("queued", False)

    r = client.post(cancel.group(1), data={"csrf": csrf_of(board)})
    assert "flash-ok" in r.text and f"Dispatch run #{queued_id} is cancelled" in r.text
    assert 'id="run-going"' not in r.text and 'http-equiv="refresh"' not in r.text
    with transaction() as s:
        run = s.get(DispatchRun, queued_id)
        assert run is not None and run.status == "stopped"

    # A run that is solving: asked to stop, it stops before the swap (the worker's part).
    with transaction() as s:
        solving = DispatchRun(day=day(SHOOT), status="running", progress={"phase": "solving"},
                              started_at=utcnow())  # fmt: skip
        s.add(solving)
        s.flush()
        solving_id = solving.id
    sign_in(other, _office(("BBB",)))
    theirs = other.get("/ui/extras", params={"day": iso(SHOOT)})
    assert 'id="run-going"' in theirs.text and "Solving" in theirs.text
    assert "dispatch-runs/" not in theirs.text  # no Cancel for an office of another base
    refused = other.post(
        f"/ui/extras/dispatch-runs/{solving_id}/cancel", data={"csrf": csrf_of(theirs)}
    )
    assert refused.status_code == 403
    board = client.get("/ui/extras", params={"day": iso(SHOOT)})
    r = client.post(f"/ui/extras/dispatch-runs/{solving_id}/cancel", data={"csrf": csrf_of(board)})
    assert f"Dispatch run #{solving_id} will stop before it changes" in r.text
    assert 'id="cancel-asked"' in r.text and "dispatch-runs/" not in r.text
    with transaction() as s:
        run = s.get(DispatchRun, solving_id)
        assert run is not None and (run.status, run.cancel_requested) == ("running", True)

    # In Chinese.
    client.get("/ui/lang/zh")
    assert "已请求取消" in client.get("/ui/extras", params={"day": iso(SHOOT)}).text
