"""The nightly optimizer run on both databases: atomic swap, lock, idempotence, kills, API."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.db import transaction
from app.models import (
    Booking,
    CastMember,
    Crew,
    PlanRun,
    Proposal,
    Scene,
    SceneCast,
    Travel,
    utcnow,
)
from app.planning import nightly
from app.planning.lock import RunInProgress, plan_lock
from app.planning.nightly import execute
from app.planning.service import RunParams, active_run, create_run
from tests.conftest import heartbeats_while_running
from tests.factories import World, auth, day
from tests.web.test_pages import sign_in

FAST = RunParams(horizon_days=30, time_limit=3.0, workers=1, seed=7)


def add_scenes(w: World) -> None:
    """Crew 1 shoots street scenes (only AAA-1 fits), crew 2 palace interiors (AAA-2)."""
    with transaction() as s:
        for crew_id, tag, n in ((w.crew1, "street", 5), (w.crew2, "palace", 4)):
            lead = CastMember(crew_id=crew_id, name=f"lead {crew_id}", day_cost=20000)
            extra = CastMember(crew_id=crew_id, name=f"extra {crew_id}", day_cost=3000)
            s.add_all([lead, extra])
            s.flush()
            for i in range(n):
                scene = Scene(
                    crew_id=crew_id,
                    number=str(i + 1),
                    int_ext="EXT",
                    day_night="DAY",
                    description="",
                    required_tags=[tag],
                    minutes=300,
                    page_eighths=8,
                    status="unscheduled",
                    restrict_sets=False,
                )
                scene.cast_links = [SceneCast(cast_id=lead.id)] + (
                    [SceneCast(cast_id=extra.id)] if i % 2 else []
                )
                s.add(scene)


def run_once(params: RunParams = FAST) -> PlanRun:
    with transaction() as s:
        run_id = create_run(s, params).id
    return execute(run_id)


def proposals() -> list[tuple[int, int, int, Any]]:
    with transaction() as s:
        return sorted(
            (p.run_id, p.scene_id, p.set_id, p.date)
            for p in s.scalars(select(Proposal).where(Proposal.accepted_at.is_(None)))
        )


def test_nightly_proposes_every_scene_and_beats_first_come(engine: Engine, world: World) -> None:
    add_scenes(world)
    run = run_once()
    assert run.status == "succeeded", run.message
    assert run.size["scenes"] == 9 and run.unscheduled == []
    assert run.total is not None and run.greedy_total is not None
    assert run.total <= run.greedy_total and run.savings == run.greedy_total - run.total
    assert set(run.cost) >= {"rent", "crew", "cast", "moves", "unscheduled", "total"}
    assert len(proposals()) == 9


def test_rerun_on_unchanged_data_changes_nothing(engine: Engine, world: World) -> None:
    add_scenes(world)
    first = run_once()
    before = [(scene, set_id, d) for _, scene, set_id, d in proposals()]
    second = run_once()
    after = [(scene, set_id, d) for _, scene, set_id, d in proposals()]
    assert second.status == "succeeded" and second.changed_assignments == 0
    assert after == before
    assert {r for r, *_ in proposals()} == {second.id} != {first.id}


def test_confirmed_bookings_are_never_moved(engine: Engine, world: World) -> None:
    add_scenes(world)
    with transaction() as s:  # another production holds AAA-1 for the first ten days
        s.add(
            Booking(
                set_id=world.set_a1,
                crew_id=world.crew3,
                start_date=day(0),
                end_date=day(10),
                status="confirmed",
                price=0,
                placed_at=world_now(),
                expires_at=None,
            )
        )
    run_once()
    with transaction() as s:
        street = s.scalars(select(Proposal).where(Proposal.set_id == world.set_a1)).all()
    assert street and all(p.date >= day(10) for p in street)


def world_now() -> Any:
    from app.models import utcnow

    return utcnow()


def test_two_runs_cannot_overlap(engine: Engine, world: World) -> None:
    add_scenes(world)
    first = run_once()
    kept = proposals()
    with transaction() as s:
        run_id = create_run(s, FAST).id
    with plan_lock(engine), pytest.raises(RunInProgress):
        execute(run_id)
    with transaction() as s:
        refused = s.get(PlanRun, run_id)
        assert refused is not None and refused.status == "failed"
    assert proposals() == kept and {r for r, *_ in kept} == {first.id}


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.mark.slow
def test_killed_run_leaves_old_or_new_proposals_never_a_mix(engine: Engine, world: World) -> None:
    add_scenes(world)
    old = run_once()
    rng = random.Random(20261126)
    env = {**os.environ, "DATABASE_URL": _url(engine)}
    outcomes = []
    for _ in range(4):
        with transaction() as s:
            # a change so a new run has something to do
            scene = s.scalars(select(Scene).where(Scene.crew_id == world.crew1)).first()
            assert scene is not None
            scene.minutes += 1
            run_id = create_run(s, RunParams(30, 2.0, 1, 3)).id
        proc = subprocess.Popen([sys.executable, "-m", "app.planning.worker", str(run_id)], env=env)
        time.sleep(rng.uniform(0.2, 4.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        runs = {r for r, *_ in proposals()}
        assert len(runs) == 1, runs  # never a mix
        assert len(proposals()) == 9
        outcomes.append(runs == {run_id})
    after = run_once()  # the lock died with the process: the next run goes through
    assert after.status == "succeeded"
    assert {r for r, *_ in proposals()} == {after.id} and old.id != after.id


# --- API --------------------------------------------------------------------------------


def wait_for(client: TestClient, key: str, run_id: int, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get(f"/plans/{run_id}", headers=auth(key)).json()
        if body["status"] not in ("queued", "running"):
            return body
        time.sleep(0.3)
    raise AssertionError(f"run {run_id} did not finish")


def test_post_plans_runs_in_a_worker_and_accept_places_holds(
    client: TestClient, world: World
) -> None:
    add_scenes(world)
    assert client.post("/plans", headers=auth(world.coord1)).status_code == 403
    r = client.post(
        "/plans",
        json={"horizon_days": 30, "time_limit": 3, "workers": 1, "seed": 1},
        headers=auth(world.manager_a),
    )
    assert r.status_code == 202, r.text
    run = wait_for(client, world.admin, r.json()["id"])
    assert run["status"] == "succeeded", run
    proposal = client.get(f"/plans/{run['id']}/crews/{world.crew1}", headers=auth(world.coord1))
    assert proposal.status_code == 200
    body = proposal.json()
    assert body["holds"] and sum(len(d["scenes"]) for d in body["days"]) >= 5
    # another crew cannot see or accept it
    assert (
        client.get(
            f"/plans/{run['id']}/crews/{world.crew1}", headers=auth(world.coord2)
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/plans/{run['id']}/crews/{world.crew1}/accept", headers=auth(world.coord2)
        ).status_code
        == 404
    )
    accepted = client.post(
        f"/plans/{run['id']}/crews/{world.crew1}/accept", headers=auth(world.coord1)
    )
    assert accepted.status_code == 200, accepted.text
    holds = accepted.json()["placed"]
    assert len(holds) == len(body["holds"]) and all(h["status"] == "hold" for h in holds)
    again = client.post(
        f"/plans/{run['id']}/crews/{world.crew1}/accept", headers=auth(world.coord1)
    )
    assert again.status_code == 409


def test_accept_refuses_days_no_longer_free(client: TestClient, world: World) -> None:
    add_scenes(world)
    run = run_once()
    proposal = client.get(f"/plans/{run.id}/crews/{world.crew2}", headers=auth(world.coord2)).json()
    first = proposal["holds"][0]
    taken = client.post(
        "/bookings",
        headers=auth(world.coord3),
        json={
            "set_id": first["set_id"],
            "crew_id": world.crew3,
            "start": first["start"],
            "end": first["end"],
            "status": "confirmed",
        },
    )
    assert taken.status_code == 201, taken.text
    r = client.post(f"/plans/{run.id}/crews/{world.crew2}/accept", headers=auth(world.coord2))
    assert r.status_code == 409
    assert r.json()["conflicts"][0]["start"] == first["start"]
    with transaction() as s:
        held = s.scalar(
            select(func.count()).select_from(Booking).where(Booking.crew_id == world.crew2)
        )
    assert held == 0


def test_cancel_stops_a_run_and_keeps_its_best_plan(client: TestClient, world: World) -> None:
    add_scenes(world)
    r = client.post(
        "/plans",
        json={"horizon_days": 30, "time_limit": 120, "workers": 1},
        headers=auth(world.admin),
    )
    run_id = r.json()["id"]
    assert client.post("/plans", headers=auth(world.admin)).status_code == 409  # one at a time
    time.sleep(2.5)
    assert client.post(f"/plans/{run_id}/cancel", headers=auth(world.manager_a)).status_code == 200
    run = wait_for(client, world.admin, run_id, timeout=40)
    assert run["status"] in ("stopped", "succeeded"), run
    assert run["total"] is not None and len(proposals()) == 9


def test_coordinators_see_only_their_crews_unscheduled_scenes(
    client: TestClient, world: World
) -> None:
    add_scenes(world)
    with transaction() as s:  # scenes no set can host: unscheduled with a reason
        for crew_id in (world.crew1, world.crew2):
            s.add(
                Scene(
                    crew_id=crew_id,
                    number="99",
                    int_ext="INT",
                    day_night="DAY",
                    description="",
                    required_tags=["spaceship"],
                    minutes=60,
                    page_eighths=1,
                    status="unscheduled",
                    restrict_sets=False,
                )
            )
    run = run_once()
    everyone = client.get(f"/plans/{run.id}", headers=auth(world.admin)).json()
    assert {u["crew"] for u in everyone["unscheduled"]} == {"C1", "C2"}
    mine = client.get(f"/plans/{run.id}", headers=auth(world.coord1)).json()
    assert [u["crew"] for u in mine["unscheduled"]] == ["C1"]
    listed = client.get("/plans", headers=auth(world.coord2)).json()["items"][0]
    assert [u["crew"] for u in listed["unscheduled"]] == ["C2"]


def test_own_confirmed_days_and_night_turnaround_shape_the_plan(
    client: TestClient, world: World
) -> None:
    """Crew 1 confirmed the stage BBB-1 itself for days 2-5: it shoots there on those days
    or not at all, never at the street AAA-1 that would suit its street scenes; a night
    scene is never followed by a day scene the next date; accepting never clashes."""
    add_scenes(world)
    with transaction() as s:
        a, b = sorted((world.base_a, world.base_b))
        s.add(Travel(base_a_id=a, base_b_id=b, cost=5000))
        s.add(
            Booking(
                set_id=world.set_b1,
                crew_id=world.crew1,
                start_date=day(2),
                end_date=day(6),
                status="confirmed",
                price=0,
                placed_at=world_now(),
                expires_at=None,
            )
        )
        streets = s.scalars(
            select(Scene).where(Scene.crew_id == world.crew1).order_by(Scene.id)
        ).all()
        streets[0].day_night = streets[1].day_night = "NIGHT"
        s.add(
            Scene(
                crew_id=world.crew1,
                number="50",
                int_ext="INT",
                day_night="DAY",
                description="stage insert",
                required_tags=["stage"],
                minutes=200,
                page_eighths=2,
                status="unscheduled",
                restrict_sets=False,
            )
        )
    run = run_once()
    assert run.status == "succeeded", run.message
    assert run.unscheduled == []
    with transaction() as s:
        mine = s.scalars(select(Proposal).where(Proposal.crew_id == world.crew1)).all()
        night = {p.scene_id: s.get(Scene, p.scene_id).day_night == "NIGHT" for p in mine}
        shots = [(p.date, p.days, p.set_id, night[p.scene_id]) for p in mine]
    own_days = {day(i) for i in range(2, 6)}
    for start, days, set_id, _ in shots:
        for i in range(days):
            if start + timedelta(days=i) in own_days:
                assert set_id == world.set_b1, shots  # there or nowhere (rule 9)
    night_dates = {
        start + timedelta(days=i) for start, days, _, n in shots if n for i in range(days)
    }
    for start, _, _, is_night in shots:
        if not is_night:
            assert start - timedelta(days=1) not in night_dates, shots  # rule 10
    # The stage scene uses the paid-for days: no rent is counted for them.
    assert any(set_id == world.set_b1 and start in own_days for start, _, set_id, _ in shots)
    accepted = client.post(
        f"/plans/{run.id}/crews/{world.crew1}/accept", headers=auth(world.coord1)
    )
    assert accepted.status_code == 200, accepted.text


# --- a worker that stops answering ------------------------------------------------------


def hhmm(instant: datetime | None) -> str:
    assert instant is not None
    return instant.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%H:%M")


def running_run(heard_seconds_ago: float) -> int:
    """A run its worker took, last heard of ``heard_seconds_ago``."""
    with transaction() as s:
        run = create_run(s, FAST)
        run.status = "running"
        run.started_at = utcnow() - timedelta(seconds=heard_seconds_ago + 5)
        run.heartbeat_at = utcnow() - timedelta(seconds=heard_seconds_ago)
        return run.id


def stored(session: Session, run_id: int) -> PlanRun:
    run = session.get(PlanRun, run_id)
    assert run is not None
    return run


def test_a_run_whose_worker_stopped_answering_ends_and_the_next_starts(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Silent for longer than the default minute: the run is failed, saying when its worker
    was last heard of, wherever it is read, and a new run starts."""
    monkeypatch.setattr("app.planning.router.spawn", lambda run_id, url: None)
    lost = running_run(heard_seconds_ago=61)
    with transaction() as s:
        heard = hhmm(stored(s, lost).heartbeat_at)
    sign_in(client, world.admin)
    page = client.get("/ui/plans")
    assert f"/ui/plans/{lost}/progress" not in page.text  # no run to watch: start one
    got = client.get(f"/plans/{lost}", headers=auth(world.admin)).json()
    assert got["status"] == "failed" and got["finished_at"] is not None
    assert got["message"] == f"the worker stopped answering at {heard}; start the run again"
    started = client.post("/plans", headers=auth(world.admin))
    assert started.status_code == 202, started.text


def test_a_run_heard_from_within_the_minute_is_left_alone(client: TestClient, world: World) -> None:
    alive = running_run(heard_seconds_ago=30)
    assert client.post("/plans", headers=auth(world.admin)).status_code == 409
    listed = client.get("/plans", headers=auth(world.admin)).json()["items"]
    got = client.get(f"/plans/{alive}", headers=auth(world.admin)).json()
    assert [r["status"] for r in listed] == ["running"] and got["status"] == "running"
    assert got["message"] == "" and got["finished_at"] is None
    # Cancelling it asks its worker, which is still there to read the request.
    cancelled = client.post(f"/plans/{alive}/cancel", headers=auth(world.manager_a))
    assert cancelled.json()["status"] == "running"
    with transaction() as s:
        assert stored(s, alive).cancel_requested


def test_cancelling_a_run_whose_worker_is_gone_ends_it_at_once(
    client: TestClient, world: World
) -> None:
    lost = running_run(heard_seconds_ago=61)
    cancelled = client.post(f"/plans/{lost}/cancel", headers=auth(world.manager_a))
    assert cancelled.status_code == 200
    body = cancelled.json()
    assert body["status"] == "failed" and "stopped answering" in body["message"]
    with transaction() as s:
        assert active_run(s) is None


def test_a_run_never_taken_lapses_after_ten_minutes(engine: Engine, world: World) -> None:
    with transaction() as s:
        waiting = create_run(s, FAST).id
        stored(s, waiting).created_at = utcnow() - timedelta(minutes=9)
    with transaction() as s:
        assert active_run(s) is not None
        stored(s, waiting).created_at = utcnow() - timedelta(minutes=11)
    with transaction() as s:
        assert active_run(s) is None
        run = stored(s, waiting)
        assert run.status == "failed" and "never started" in run.message
    assert execute(waiting).status == "failed"  # its worker, coming late, does nothing


def test_a_worker_heard_from_too_late_keeps_nothing(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker silent past the timeout is settled; when it comes back with its plan, the
    run stays failed and the previous proposals stand."""
    add_scenes(world)
    first = run_once()
    with transaction() as s:
        scene = s.scalars(select(Scene).where(Scene.crew_id == world.crew1)).first()
        assert scene is not None
        scene.minutes += 1  # a change, so the run solves
        late = create_run(s, FAST).id
    explain = nightly.explain

    def silent_too_long(problem: Any, plan: Any) -> Any:
        with transaction() as s:
            stored(s, late).heartbeat_at = utcnow() - timedelta(seconds=61)
        with transaction() as s:
            assert active_run(s) is None
        return explain(problem, plan)

    monkeypatch.setattr(nightly, "explain", silent_too_long)
    run = execute(late)
    assert run.status == "failed" and "stopped answering" in run.message
    assert {r for r, *_ in proposals()} == {first.id}


# A plan worker whose first-come plan takes long and says nothing meanwhile (the solve here
# proves its plan optimal within a second): only the heartbeat's own thread shows it alive.
SLOW_PLAN_WORKER = """
import sys, time
from app.planning import nightly, worker
nightly.greedy_plan = lambda problem: time.sleep(120)
sys.exit(worker.main(sys.argv))
"""


@pytest.mark.slow
def test_a_killed_worker_is_settled_once_it_stops_answering(
    engine: Engine, world: World, quick_heartbeats: dict[str, str]
) -> None:
    """A real worker stamps its heartbeat while it runs; killed with SIGKILL, its run stays
    running until the heartbeat is older than the timeout (3 s here), then ends as failed
    and the next run goes through (the run lock died with the process)."""
    add_scenes(world)
    with transaction() as s:
        run_id = create_run(s, FAST).id
    env = {**os.environ, "DATABASE_URL": _url(engine), **quick_heartbeats}
    proc = subprocess.Popen([sys.executable, "-c", SLOW_PLAN_WORKER, str(run_id)], env=env)
    try:
        heartbeats_while_running(PlanRun, run_id, count=4)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    with transaction() as s:
        going = active_run(s)
        assert going is not None and going.id == run_id  # heard from a moment ago
        last = going.heartbeat_at
    assert last is not None
    time.sleep(max(0.0, (last + timedelta(seconds=3.2) - utcnow()).total_seconds()))
    with transaction() as s:
        assert active_run(s) is None
        run = stored(s, run_id)
        assert run.status == "failed"
        assert run.message == f"the worker stopped answering at {hhmm(last)}; start the run again"
    after = run_once()
    assert after.status == "succeeded"
    assert after.heartbeat_at is not None and after.started_at is not None
    assert after.heartbeat_at > after.started_at  # stamped as it solved


def test_scene_numbers_with_episodes_never_collide_across_crews(
    engine: Engine, world: World
) -> None:
    """Crew "C1-3" scene 12A and crew "C1" scene 3-12A (episode 3) are two scenes (the
    planning ids were the same, and one scene was silently never proposed)."""
    add_scenes(world)
    with transaction() as s:
        s.get_one(Crew, world.crew1).code = "C1-3"
        s.get_one(Crew, world.crew2).code = "C1"
        first = s.scalars(select(Scene).where(Scene.crew_id == world.crew1)).first()
        second = s.scalars(select(Scene).where(Scene.crew_id == world.crew2)).first()
        assert first is not None and second is not None
        first.number, second.number = "12A", "3-12A"
        ids = (first.id, second.id)
    run = run_once()
    assert run.status == "succeeded", run.message
    proposed = {scene_id for _, scene_id, _, _ in proposals()}
    assert set(ids) <= proposed
