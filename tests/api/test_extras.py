"""The extras pool end to end, on both databases: register, request, dispatch, the
performer's link, publish, attendance, pay sheet; and who sees what along the way."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy import Engine

from app.bookings.service import place
from app.crews.service import get_crew
from app.db import transaction
from app.extras import run as runs
from app.models import DispatchRun, User, utcnow
from app.users.service import create_user
from tests.api.test_access import assert_problem
from tests.api.test_plans import hhmm
from tests.conftest import heartbeats_while_running
from tests.factories import World, auth, day, iso

SHOOT = 10  # days from today: well before the cut-off


def _office(bases: tuple[str, ...] = ()) -> str:
    with transaction() as s:
        return create_user(s, f"office {bases}", "extras_office", list(bases))[1]


def _shooting_day(world: World, crew: int, offset: int = SHOOT, on: int | None = None) -> None:
    with transaction() as s:
        admin = s.query(User).filter(User.role == "admin").first()
        assert admin is not None
        place(
            s, admin, get_crew(s, crew), on or world.set_a1, day(offset), day(offset + 1),
            confirm_now=True, note="", now=utcnow(),
        )  # fmt: skip


def _performer(client: TestClient, key: str, n: int, **kw: Any) -> dict[str, Any]:
    body = {"name": f"演员{n}", "gender": "m", "card_no": f"HD-{n:05d}", "phone": f"138{n:08d}",
            "birth_year": 1995, "height_cm": 178} | kw  # fmt: skip
    r = client.post("/performers", json=body, headers=auth(key))
    assert r.status_code == 201, r.text
    return dict(r.json())


def _dispatch(client: TestClient, key: str, offset: int = SHOOT) -> dict[str, Any]:
    r = client.post("/extras/dispatch-runs", json={"day": iso(offset)}, headers=auth(key))
    assert r.status_code == 202, r.text
    runs.execute(r.json()["id"])
    got = client.get(f"/extras/dispatch-runs/{r.json()['id']}", headers=auth(key))
    return dict(got.json())


@pytest.fixture(autouse=True)
def _no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("app.extras.run.spawn", lambda run_id, url: None)


def test_the_whole_path(client: TestClient, world: World) -> None:
    office = _office()
    _shooting_day(world, world.crew1)
    riders = [_performer(client, office, i, skills=["horse-riding"]) for i in range(1, 4)]
    others = [_performer(client, office, i) for i in range(4, 9)]
    # The crew orders 2 riders and 4 anyone; a request for a day it does not shoot is refused.
    coord = world.coord1
    path = f"/crews/{world.crew1}/extras-requests"
    want = {"set_id": world.set_a1, "day": iso(SHOOT), "count": 2, "tags": ["horse-riding"],
            "priority": 7, "call_time": "22:00", "hours": 10}  # fmt: skip
    r1 = client.post(path, json=want, headers=auth(coord))
    assert r1.status_code == 201, r1.text
    r2 = client.post(
        path, json={**want, "count": 4, "tags": [], "priority": 5}, headers=auth(coord)
    )
    assert r2.status_code == 201
    assert_problem(
        client.post(path, json={**want, "day": iso(SHOOT + 3)}, headers=auth(coord)), 409
    )
    r3 = client.post(path, json={**want, "count": 1, "tags": ["stunt"]}, headers=auth(coord))
    assert r3.status_code == 201

    run = _dispatch(client, office)
    assert run["status"] == "succeeded" and run["slots"] == 7 and run["filled"] == 6
    (gap,) = run["unfilled"]
    assert gap["request_id"] == r3.json()["id"] and "stunt" in gap["reason"]
    assert run["changes"] == 6 and len(run["inputs_hash"]) == 64
    # Unchanged inputs: the next run keeps the proposals.
    again = _dispatch(client, office)
    assert again["changes"] == 0 and "unchanged" in again["message"]

    # The crew's dispatch list: names and card numbers, never phone numbers or birth years.
    listed = client.get(path, params={"day": iso(SHOOT)}, headers=auth(coord))
    assert listed.status_code == 200
    riders_got = {a["performer"]["card_no"] for a in listed.json()[0]["assignments"]}
    assert riders_got == {p["card_no"] for p in riders[:3]} & riders_got and len(riders_got) == 2
    assert "138" not in listed.text and "birth_year" not in listed.text
    assert "stunt" in listed.json()[2]["unfilled"]
    # The office sees the phone numbers.
    seen = client.get(f"/extras-requests/{r1.json()['id']}", headers=auth(office))
    assert "phone" in seen.json()["assignments"][0]["performer"]
    # Other crews never see the request.
    assert_problem(
        client.get(f"/extras-requests/{r1.json()['id']}", headers=auth(world.coord2)), 404
    )

    # Publish; the performer's link shows their own day only.
    pub = client.post("/extras/publish", json={"day": iso(SHOOT)}, headers=auth(office))
    assert pub.json()["confirmed"] == 6
    rider = next(a["performer"] for a in seen.json()["assignments"])
    link = client.post(f"/performers/{rider['id']}/links", headers=auth(office)).json()
    page = client.get(link["url"], params={"lang": "en"})
    assert page.status_code == 200 and "Production C1" in page.text and "confirmed" in page.text
    idle = next(p for p in others + riders if p["id"] not in _assigned(client, office))
    idle_link = client.post(f"/performers/{idle['id']}/links", headers=auth(office)).json()
    assert "Production C1" not in client.get(idle_link["url"]).text
    ics = Calendar.from_ical(client.get(link["url"] + ".ics").content)
    assert len([e for e in ics.walk("VEVENT")]) == 1

    # Marking a day off: the page's own origin only.
    form = {"day": iso(SHOOT + 5), "off": "1"}
    assert_problem(client.post(link["url"] + "/unavailable", data=form), 403)
    evil = {"Origin": "http://evil.example"}
    assert_problem(client.post(link["url"] + "/unavailable", data=form, headers=evil), 403)
    ok = client.post(
        link["url"] + "/unavailable", data=form, headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )  # fmt: skip
    assert ok.status_code == 303
    me = client.get(f"/performers/{rider['id']}", headers=auth(office)).json()
    assert me["unavailable"] == [iso(SHOOT + 5)]

    # Attendance and pay: 120 yuan for 8 hours, 20/h overtime, 30/h at night (0-5), a corpse
    # surcharge of 50, commission 10 %.
    rule = {"base_fee": 120, "standard_hours": 8, "overtime_per_hour": 20,
            "night_per_hour": 30,
            "night_start": 0, "night_end": 5, "surcharges": {"corpse": 50},
            "commission_pct": 10}  # fmt: skip
    put = client.put(
        f"/bases/{world.base_a}/extras-pay-rules/ordinary", json=rule, headers=auth(office)
    )
    assert put.status_code == 200, put.text
    assignment = seen.json()["assignments"][0]["id"]
    assert_problem(
        client.put(f"/extras-assignments/{assignment}/attendance",
                   json={"attendance": "present"}, headers=auth(coord)), 403)  # fmt: skip
    line = client.put(
        f"/extras-assignments/{assignment}/attendance",
        json={"attendance": "present", "hours_worked": 10, "tasks": ["corpse"]},
        headers=auth(office),
    ).json()
    # 22:00 + 10 h: 2 h overtime (40), 5 h in 0-5 (150), corpse 50 → gross 360, commission 36.
    assert (line["base_fee"], line["overtime"], line["night"], line["surcharges"]) == (
        120,
        40,
        150,
        50,
    )
    assert (line["gross"], line["commission"], line["net"]) == (360, 36, 324)
    sheet = client.get(f"/crews/{world.crew1}/extras-pay-sheet.csv", params={"day": iso(SHOOT)},
                       headers=auth(coord))  # fmt: skip
    rows = list(csv.reader(io.StringIO(sheet.text.lstrip("\ufeff"))))
    assert rows[0][-2] == "guild_commission_yuan" and len(rows) == 7
    xlsx = client.get(f"/crews/{world.crew1}/extras-pay-sheet.xlsx", params={"day": iso(SHOOT)},
                      headers=auth(office))  # fmt: skip
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"

    # A second run never moves confirmed assignments.
    third = _dispatch(client, office)
    assert third["filled"] == 6 and third["changes"] == 0
    # Revoking the link kills page and calendar.
    client.post(f"/performer-links/{link['id']}/revoke", headers=auth(office))
    assert_problem(client.get(link["url"] + ".ics"), 404)


def _assigned(client: TestClient, office: str) -> set[int]:
    items = client.get("/extras-requests", params={"day": iso(SHOOT)}, headers=auth(office))
    return {a["performer"]["id"] for r in items.json()["items"] for a in r["assignments"]}


def test_cutoff_and_cancellation(client: TestClient, world: World) -> None:
    """Past the cut-off the crew neither orders nor cancels; the office still cancels, audited."""
    office = _office(("AAA",))
    _shooting_day(world, world.crew1, offset=1)
    with transaction() as s:
        from app.models import Base

        base = s.get(Base, world.base_a)
        assert base is not None
        base.extras_cutoff_hour = 0  # closed at midnight: already past for tomorrow
    path = f"/crews/{world.crew1}/extras-requests"
    body = {"set_id": world.set_a1, "day": iso(1), "count": 3}
    assert_problem(client.post(path, json=body, headers=auth(world.coord1)), 409)
    with transaction() as s:
        from app.extras.schemas import RequestCreate
        from app.extras.service import create_request

        office_user = s.query(User).filter(User.role == "extras_office").one()
        rid = create_request(
            s, office_user, get_crew(s, world.crew1), RequestCreate.model_validate(body), utcnow()
        ).id
    assert_problem(client.post(f"/extras-requests/{rid}/cancel", headers=auth(world.coord1)), 403)
    done = client.post(
        f"/extras-requests/{rid}/cancel", json={"reason": "rain"}, headers=auth(office)
    )
    assert done.status_code == 200 and done.json()["status"] == "cancelled"
    # An office of another base cannot dispatch or see this base's requests.
    other = _office(("BBB",))
    assert_problem(client.get(f"/extras-requests/{rid}", headers=auth(other)), 404)
    assert_problem(
        client.post("/extras/dispatch-runs", json={"day": iso(1)}, headers=auth(other)), 403
    )


def test_crews_and_managers_never_read_the_register(client: TestClient, world: World) -> None:
    office = _office()
    _performer(client, office, 1)
    for key in (world.coord1, world.manager_a):
        assert_problem(client.get("/performers", headers=auth(key)), 403)
    # The office sees no crew lists nor bookings through the older endpoints.
    assert client.get("/crews", headers=auth(office)).json()["items"] == []
    assert client.get("/bookings", headers=auth(office)).json()["items"] == []


# --- one dispatch run of a day at a time ----------------------------------------------------


def _start(client: TestClient, key: str, **body: Any) -> Any:
    return client.post("/extras/dispatch-runs", json={"day": iso(SHOOT), **body}, headers=auth(key))


def test_one_dispatch_of_a_day_at_a_time(client: TestClient, world: World) -> None:
    """While a day's run is queued a second start is refused in the office's words, whatever
    its base (both would offer the same performers); cancelling the queued run frees the day
    at once, and its worker, coming late, does nothing."""
    office = _office()
    first = _start(client, office)
    assert first.status_code == 202, first.text
    refused = assert_problem(_start(client, office), 409)
    assert "already running" in refused["detail"] and iso(SHOOT) in refused["detail"]
    other_base = _office(("BBB",))
    assert_problem(_start(client, other_base, base_id=world.base_b), 409)

    run_id = first.json()["id"]
    stopped = client.post(f"/extras/dispatch-runs/{run_id}/cancel", headers=auth(office))
    assert stopped.status_code == 200 and stopped.json()["status"] == "stopped"
    assert runs.execute(run_id).status == "stopped"
    assert (
        client.get(f"/extras/dispatch-runs/{run_id}", headers=auth(office)).json()["started_at"]
        is None
    )
    assert _start(client, other_base, base_id=world.base_b).status_code == 202


def test_a_run_its_worker_never_took_lapses(client: TestClient, world: World) -> None:
    """A queued run left by a worker that never started (a crashed spawn) does not hold the day
    for ever: after ten minutes it is recorded failed and a new run starts."""
    office = _office()
    stuck = _start(client, office).json()["id"]
    with transaction() as s:
        run = s.get(DispatchRun, stuck)
        assert run is not None
        run.created_at = utcnow() - timedelta(minutes=9)
    assert_problem(_start(client, office), 409)
    with transaction() as s:
        run = s.get(DispatchRun, stuck)
        assert run is not None
        run.created_at = utcnow() - timedelta(minutes=11)
    assert _start(client, office).status_code == 202
    lapsed = client.get(f"/extras/dispatch-runs/{stuck}", headers=auth(office)).json()
    assert lapsed["status"] == "failed" and "never started" in lapsed["message"]


def _dispatched_then_changed(client: TestClient, world: World, office: str) -> dict[str, Any]:
    """A request of one extra dispatched among three performers, then a fourth registered:
    the next run has new inputs, so it solves again. The first run as the API shows it."""
    _shooting_day(world, world.crew1)
    for n in range(1, 4):
        _performer(client, office, n)
    path = f"/crews/{world.crew1}/extras-requests"
    body = {"set_id": world.set_a1, "day": iso(SHOOT), "count": 1}
    assert client.post(path, json=body, headers=auth(world.coord1)).status_code == 201
    first = _dispatch(client, office)
    _performer(client, office, 4)
    return first


def test_cancelling_a_running_dispatch_keeps_the_proposals(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The office cancels while the run solves: the run stops before the swap and the day's
    proposals are those of the run before."""
    office = _office()
    assert _dispatched_then_changed(client, world, office)["filled"] == 1
    before = _assigned(client, office)

    solve = runs.dp.dispatch
    run_id = _start(client, office).json()["id"]

    def cancelled_meanwhile(problem: Any) -> Any:
        r = client.post(f"/extras/dispatch-runs/{run_id}/cancel", headers=auth(office))
        assert r.status_code == 200 and r.json()["status"] == "running", r.text
        return solve(problem)

    monkeypatch.setattr(runs.dp, "dispatch", cancelled_meanwhile)
    assert runs.execute(run_id).status == "stopped"
    got = client.get(f"/extras/dispatch-runs/{run_id}", headers=auth(office)).json()
    assert got["status"] == "stopped" and "previous proposals stand" in got["message"]
    assert _assigned(client, office) == before
    # Once ended, a cancel changes nothing.
    again = client.post(f"/extras/dispatch-runs/{run_id}/cancel", headers=auth(office))
    assert again.json()["status"] == "stopped"


def _running(client: TestClient, key: str, heard_seconds_ago: float) -> int:
    """A day's run its worker took, last heard of ``heard_seconds_ago``."""
    run_id = int(_start(client, key).json()["id"])
    with transaction() as s:
        run = s.get(DispatchRun, run_id)
        assert run is not None
        run.status = "running"
        run.started_at = utcnow() - timedelta(seconds=heard_seconds_ago + 5)
        run.heartbeat_at = utcnow() - timedelta(seconds=heard_seconds_ago)
    return run_id


def _heard(run_id: int) -> datetime:
    """When the run's worker was last heard of."""
    with transaction() as s:
        run = s.get(DispatchRun, run_id)
        assert run is not None and run.heartbeat_at is not None
        return run.heartbeat_at


def test_a_run_whose_worker_stopped_answering_frees_the_day(
    client: TestClient, world: World
) -> None:
    """Silent for longer than the default minute: the board shows the run failed, saying when
    its worker was last heard of, and the day takes a new run (the one-a-day index no longer
    holds it)."""
    office = _office()
    lost = _running(client, office, heard_seconds_ago=61)
    heard = hhmm(_heard(lost))
    board = client.get("/extras/board", params={"day": iso(SHOOT)}, headers=auth(office)).json()
    assert board["last_run"]["id"] == lost and board["last_run"]["status"] == "failed"
    assert board["last_run"]["message"] == (
        f"the worker stopped answering at {heard}; start the run again"
    )
    assert _start(client, office).status_code == 202


def test_a_dispatch_heard_from_within_the_minute_holds_the_day(
    client: TestClient, world: World
) -> None:
    office = _office()
    alive = _running(client, office, heard_seconds_ago=30)
    assert "already running" in assert_problem(_start(client, office), 409)["detail"]
    got = client.get(f"/extras/dispatch-runs/{alive}", headers=auth(office)).json()
    assert got["status"] == "running" and got["message"] == ""
    asked = client.post(f"/extras/dispatch-runs/{alive}/cancel", headers=auth(office)).json()
    assert asked["status"] == "running" and asked["cancel_requested"]


def test_cancelling_a_dispatch_whose_worker_is_gone_ends_it_at_once(
    client: TestClient, world: World
) -> None:
    office = _office()
    lost = _running(client, office, heard_seconds_ago=61)
    ended = client.post(f"/extras/dispatch-runs/{lost}/cancel", headers=auth(office))
    assert ended.status_code == 200
    assert ended.json()["status"] == "failed" and "stopped answering" in ended.json()["message"]
    assert _start(client, office).status_code == 202


def test_a_worker_heard_from_too_late_writes_nothing(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker silent past the timeout is settled, and the day taken by a new run; when it
    comes back it leaves its run failed and the day's proposals as they were."""
    from sqlalchemy import select

    from app.models import ExtrasAssignment

    office = _office()
    first = _dispatched_then_changed(client, world, office)["id"]

    solve = runs.dp.dispatch
    late = _start(client, office).json()["id"]

    def silent_too_long(problem: Any) -> Any:
        with transaction() as s:
            run = s.get(DispatchRun, late)
            assert run is not None
            run.heartbeat_at = utcnow() - timedelta(seconds=61)
        assert _start(client, office).status_code == 202  # the day is another run's now
        return solve(problem)

    monkeypatch.setattr(runs.dp, "dispatch", silent_too_long)
    assert runs.execute(late).status == "failed"
    with transaction() as s:
        proposed_by = set(s.scalars(select(ExtrasAssignment.run_id)))
    assert proposed_by == {first}


# A dispatch worker whose solve takes long and says nothing meanwhile: only the heartbeat's
# own thread shows it is alive.
SLOW_DISPATCH_WORKER = """
import sys, time
from app.extras import run, worker
run.dp.dispatch = lambda problem: time.sleep(120)
sys.exit(worker.main(sys.argv))
"""


@pytest.mark.slow
def test_a_killed_dispatch_worker_frees_the_day_once_it_stops_answering(
    client: TestClient, world: World, engine: Engine, quick_heartbeats: dict[str, str]
) -> None:
    office = _office()
    run_id = _start(client, office).json()["id"]
    url = engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "DATABASE_URL": url, **quick_heartbeats}
    proc = subprocess.Popen([sys.executable, "-c", SLOW_DISPATCH_WORKER, str(run_id)], env=env)
    try:
        heartbeats_while_running(DispatchRun, run_id, count=4, phase="solving")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert_problem(_start(client, office), 409)  # heard from a moment ago: still the day's run
    last = _heard(run_id)
    time.sleep(max(0.0, (last + timedelta(seconds=3.2) - utcnow()).total_seconds()))
    assert _start(client, office).status_code == 202
    got = client.get(f"/extras/dispatch-runs/{run_id}", headers=auth(office)).json()
    assert got["status"] == "failed"
    assert got["message"] == f"the worker stopped answering at {hhmm(last)}; start the run again"


# --- changing a request ----------------------------------------------------------------------


def _events(request_id: int) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from app.models import ExtrasRequestEvent

    with transaction() as s:
        rows = s.execute(
            select(ExtrasRequestEvent.action, ExtrasRequestEvent.note)
            .where(ExtrasRequestEvent.request_id == request_id)
            .order_by(ExtrasRequestEvent.id)
        )
        return [(a, n) for a, n in rows]


def _people_on(client: TestClient, key: str, request_id: int) -> dict[str, set[int]]:
    got = client.get(f"/extras-requests/{request_id}", headers=auth(key)).json()
    out: dict[str, set[int]] = {"proposed": set(), "confirmed": set()}
    for a in got["assignments"]:
        out[a["status"]].add(a["performer"]["id"])
    return out


def test_a_crew_changes_its_request_and_confirmed_people_never_move(
    client: TestClient, world: World
) -> None:
    office = _office()
    _shooting_day(world, world.crew1)
    for n in range(1, 9):
        _performer(client, office, n, skills=["horse-riding"] if n > 6 else [])
    coord = world.coord1
    made = client.post(
        f"/crews/{world.crew1}/extras-requests",
        json={"set_id": world.set_a1, "day": iso(SHOOT), "count": 4},
        headers=auth(coord),
    )
    assert made.status_code == 201 and made.headers["etag"] == '"1"'
    rid = made.json()["id"]
    path = f"/extras-requests/{rid}"
    _dispatch(client, office)
    client.post("/extras/publish", json={"day": iso(SHOOT)}, headers=auth(office))
    confirmed = _people_on(client, office, rid)["confirmed"]
    assert len(confirmed) == 4

    # Fewer slots than confirmed people: refused, naming them; nothing changes.
    refused = assert_problem(client.patch(path, json={"count": 2}, headers=auth(coord)), 409)
    assert "4 performers are already confirmed" in refused["detail"]
    assert refused["confirmed"] == 4
    assert client.get(path, headers=auth(coord)).headers["etag"] == '"1"'

    # More slots, another call: the crew's copy is current (If-Match), the tag moves on.
    changed = client.patch(
        path,
        json={"count": 6, "call_time": "05:30", "hours": 11, "wardrobe_notes": "秦兵甲胄"},
        headers={**auth(coord), "If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    body = changed.json()
    assert (body["count"], body["call_time"], body["hours"]) == (6, "05:30", 11)
    assert body["wardrobe_notes"] == "秦兵甲胄" and body["version"] == 2
    # A change made from the stale copy is refused and changes nothing.
    stale = client.patch(path, json={"hours": 9}, headers={**auth(coord), "If-Match": '"1"'})
    assert_problem(stale, 412)
    assert client.get(path, headers=auth(coord)).json()["hours"] == 11

    # The next run fills the two new slots; the confirmed four stay.
    _dispatch(client, office)
    people = _people_on(client, office, rid)
    assert people["confirmed"] == confirmed and len(people["proposed"]) == 2

    # A new profile withdraws the proposals (the next run proposes again), never the
    # confirmed people.
    riders = client.patch(path, json={"tags": ["horse-riding"]}, headers=auth(coord))
    assert riders.status_code == 200 and riders.json()["tags"] == ["horse-riding"]
    assert _people_on(client, office, rid) == {"proposed": set(), "confirmed": confirmed}

    # Every change is audited with who and what, as cancellations are.
    events = _events(rid)
    assert [a for a, _ in events] == ["created", "changed", "changed"]
    assert "count 4 → 6" in events[1][1] and "call_time 07:00 → 05:30" in events[1][1]
    assert "tags none → horse-riding" in events[2][1]
    assert "2 proposed performers withdrawn" in events[2][1]


def test_what_a_change_may_not_do(client: TestClient, world: World) -> None:
    office = _office()
    _shooting_day(world, world.crew1)
    coord = world.coord1
    path = f"/crews/{world.crew1}/extras-requests"
    first = client.post(
        path, json={"set_id": world.set_a1, "day": iso(SHOOT), "count": 2}, headers=auth(coord)
    ).json()["id"]
    r = f"/extras-requests/{first}"
    # Another day is another request; a set the crew does not shoot on that day is refused.
    assert_problem(client.patch(r, json={"day": iso(SHOOT + 1)}, headers=auth(coord)), 422)
    moved = client.patch(r, json={"set_id": world.set_a2}, headers=auth(coord))
    assert_problem(moved, 409)
    assert "does not shoot on" in moved.json()["detail"]
    _shooting_day(world, world.crew1, on=world.set_a2)
    moved = client.patch(r, json={"set_id": world.set_a2}, headers=auth(coord))
    assert moved.status_code == 200 and moved.json()["set_code"] == "AAA-2", moved.text
    # Continuity must name an earlier request of the crew; bounds stay in order.
    assert_problem(client.patch(r, json={"continuity_of": first}, headers=auth(coord)), 422)
    assert_problem(client.patch(r, json={"age_min": 40, "age_max": 30}, headers=auth(coord)), 422)
    # Other crews and base managers never see it; a cancelled request is not changed.
    for key in (world.coord2, world.manager_a):
        assert_problem(client.patch(r, json={"count": 3}, headers=auth(key)), 404)
    client.post(f"{r}/cancel", headers=auth(office))
    gone = assert_problem(client.patch(r, json={"count": 3}, headers=auth(coord)), 409)
    assert "cancelled" in gone["detail"]
    assert [a for a, _ in _events(first)] == ["created", "changed", "cancelled"]


def test_after_the_cutoff_only_the_office_changes_a_request(
    client: TestClient, world: World
) -> None:
    office = _office(("AAA",))
    _shooting_day(world, world.crew1, offset=1)
    _shooting_day(world, world.crew1, offset=2)
    coord = world.coord1
    # Made for the day after tomorrow (before its cut-off at any hour of today), then
    # moved to tomorrow: whatever the time of day the test runs, it was made in time.
    rid = client.post(
        f"/crews/{world.crew1}/extras-requests",
        json={"set_id": world.set_a1, "day": iso(2), "count": 3},
        headers=auth(coord),
    ).json()["id"]
    with transaction() as s:
        from app.models import Base, ExtrasRequest

        made = s.get(ExtrasRequest, rid)
        assert made is not None
        made.day = day(1)
        base = s.get(Base, world.base_a)
        assert base is not None
        base.extras_cutoff_hour = 0  # closed at midnight: already past for tomorrow
    path = f"/extras-requests/{rid}"
    late = assert_problem(client.patch(path, json={"count": 5}, headers=auth(coord)), 409)
    assert "cut-off" in late["detail"] and "contact the extras office" in late["detail"]
    assert_problem(client.patch(path, json={"count": 5}, headers=auth(_office(("BBB",)))), 404)
    done = client.patch(path, json={"count": 5, "hours": 12}, headers=auth(office))
    assert done.status_code == 200 and (done.json()["count"], done.json()["hours"]) == (5, 12)
    assert [a for a, _ in _events(rid)] == ["created", "changed"]


# --- performers' private links ---------------------------------------------------------------


def _user_id(client: TestClient, key: str) -> int:
    return int(client.get("/me", headers=auth(key)).json()["id"])


def _on_day(world: World, crew: int, offset: int, performer: int) -> None:
    """``performer`` works for ``crew`` on day ``offset`` (written straight, as a run would)."""
    from app.models import ExtrasAssignment, ExtrasRequest

    _shooting_day(world, crew, offset)
    with transaction() as s:
        r = ExtrasRequest(crew_id=crew, set_id=world.set_a1, base_id=world.base_a,
                          day=day(offset), count=1, call_time="06:15", hours=8)  # fmt: skip
        s.add(r)
        s.flush()
        s.add(ExtrasAssignment(request_id=r.id, performer_id=performer, day=day(offset),
                               status="confirmed", tasks=[]))  # fmt: skip


def _link(client: TestClient, key: str, performer: int) -> str:
    made = client.post(f"/performers/{performer}/links", headers=auth(key))
    assert made.status_code == 201, made.text
    return str(made.json()["url"])


def test_a_performer_sees_only_their_own_days(client: TestClient, world: World) -> None:
    office = _office()
    mine, theirs = (_performer(client, office, n)["id"] for n in (1, 2))
    _on_day(world, world.crew1, SHOOT, mine)
    _on_day(world, world.crew2, SHOOT + 1, theirs)
    url = _link(client, office, mine)
    page = client.get(url, params={"lang": "en"})
    assert page.status_code == 200 and "Production C1" in page.text and "06:15" in page.text
    assert "Production C2" not in page.text and "演员2" not in page.text
    events = Calendar.from_ical(client.get(url + ".ics").content).walk("VEVENT")
    assert [str(e["SUMMARY"]).split(" — ")[0] for e in events] == ["Production C1"]


def test_a_performer_link_dies_with_its_creators_access(client: TestClient, world: World) -> None:
    """As calendar feeds do: revoking the creator's key ends the link for good (a rotation
    does not bring it back); a rotation alone ends the links made with the old key; a creator
    whose role no longer keeps the register, or who is gone, leaves a dead link."""
    office = _office()
    performer = _performer(client, office, 1)["id"]
    _on_day(world, world.crew1, SHOOT, performer)
    office_id = _user_id(client, office)

    revoked = _link(client, office, performer)
    assert client.get(revoked).status_code == 200
    assert client.post(f"/users/{office_id}/revoke", headers=auth(world.admin)).status_code == 200
    assert_problem(client.get(revoked), 404)
    assert_problem(client.get(revoked + ".ics"), 404)
    rotated = client.post(f"/users/{office_id}/rotate-key", headers=auth(world.admin)).json()
    assert rotated["active"] is True
    assert_problem(client.get(revoked), 404)

    # Made with the new key, ended by the next rotation.
    after = _link(client, rotated["api_key"], performer)
    assert client.get(after + ".ics").status_code == 200
    client.post(f"/users/{office_id}/rotate-key", headers=auth(world.admin))
    assert_problem(client.get(after + ".ics"), 404)

    # A creator moved to a role that does not keep the register: dead while it lasts.
    other = _office()
    moved = _link(client, other, performer)
    other_id = _user_id(client, other)

    def give_role(role: str) -> None:
        with transaction() as s:
            user = s.get(User, other_id)
            assert user is not None
            user.role = role

    give_role("base_manager")
    assert_problem(client.get(moved), 404)
    give_role("extras_office")
    assert client.get(moved).status_code == 200
    # A creator deleted: the link names nobody and is dead.
    gone = _office()
    orphan = _link(client, gone, performer)
    gone_id = _user_id(client, gone)
    with transaction() as s:
        s.delete(s.get(User, gone_id))
    assert_problem(client.get(orphan), 404)
    # Links of an office that keeps its access still work.
    assert client.get(_link(client, world.admin, performer)).status_code == 200
