"""What a booking response tells a coordinator is true, also when many act at once (both
databases): a crew never queues behind itself, the rank reported is the rank kept, and the
hold quota holds under parallel requests on different sets."""

from __future__ import annotations

import re
import threading
from collections import Counter
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.clock import get_now
from app.config import get_settings
from app.db import transaction
from app.models import Base, Booking, Scene, utcnow
from tests.api.test_bookings import hold
from tests.api.test_races import _crews_with_keys
from tests.factories import World, auth, iso, make_blackout, make_set


def _race(url: str, calls: list[tuple[str, dict[str, Any], str]]) -> list[httpx.Response]:
    """Fire every call at once over its own connection; the answers in call order."""
    barrier = threading.Barrier(len(calls))
    answers: list[httpx.Response | None] = [None] * len(calls)

    def run(i: int, path: str, body: dict[str, Any], key: str) -> None:
        with httpx.Client(base_url=url, timeout=60) as c:
            barrier.wait()
            answers[i] = c.post(path, json=body, headers=auth(key))

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(a is not None for a in answers)
    return [a for a in answers if a is not None]


def _count(*where: Any) -> int:
    with transaction() as s:
        return int(s.scalar(select(func.count()).select_from(Booking).where(*where)) or 0)


# --- a crew never competes with itself ---------------------------------------------------


def test_asking_again_for_days_the_crew_holds_answers_with_its_own_hold(
    client: TestClient, world: World
) -> None:
    first = hold(client, world, world.crew1, world.set_a1, 10, 13)
    assert first.status_code == 201
    again = hold(client, world, world.crew1, world.set_a1, 10, 13)
    inside = hold(client, world, world.crew1, world.set_a1, 11, 12)
    for r in (again, inside):
        assert r.status_code == 200, r.text
        assert r.json()["id"] == first.json()["id"] and r.json()["rank"] == 1
    assert _count(Booking.crew_id == world.crew1) == 1


def test_a_partly_overlapping_request_names_the_crews_own_booking(
    client: TestClient, world: World
) -> None:
    first = hold(client, world, world.crew1, world.set_a1, 10, 13).json()
    wider = hold(client, world, world.crew1, world.set_a1, 12, 15)
    assert wider.status_code == 409, wider.text
    problem = wider.json()
    assert [(c["kind"], c["booking_id"]) for c in problem["conflicts"]] == [("own", first["id"])]
    assert f"#{first['id']}" in problem["detail"] and "never queues behind" in problem["detail"]
    direct = hold(client, world, world.crew1, world.set_a1, 10, 13, status="confirmed")
    assert direct.status_code == 409 and "confirm that hold" in direct.json()["detail"]
    assert _count(Booking.crew_id == world.crew1) == 1
    # Another set, or days next to the hold, are not the crew's own days: placed as usual.
    assert hold(client, world, world.crew1, world.set_a2, 10, 13).status_code == 201
    assert hold(client, world, world.crew1, world.set_a1, 13, 15).status_code == 201


def test_a_confirmed_booking_answers_a_repeat_hold_or_direct_booking(
    client: TestClient, world: World
) -> None:
    booked = hold(client, world, world.crew1, world.set_a1, 10, 13, status="confirmed").json()
    for status in ("hold", "confirmed"):
        r = hold(client, world, world.crew1, world.set_a1, 11, 13, status=status)
        assert r.status_code == 200 and r.json()["id"] == booked["id"]
        assert r.json()["status"] == "confirmed"


def test_parallel_repeats_of_one_hold_make_one_hold(live_server: str, world: World) -> None:
    body = {"set_id": world.set_a1, "crew_id": world.crew1, "start": iso(20), "end": iso(23)}
    answers = _race(live_server, [("/bookings", body, world.coord1)] * 8)
    codes = Counter(a.status_code for a in answers)
    assert codes == {201: 1, 200: 7}, codes
    assert len({a.json()["id"] for a in answers}) == 1
    assert all(a.json()["rank"] == 1 for a in answers)
    assert _count(Booking.crew_id == world.crew1) == 1


# --- the rank reported is the rank kept ------------------------------------------------------


def test_parallel_holds_are_told_the_ranks_they_keep(live_server: str, world: World) -> None:
    racers = _crews_with_keys(16)
    calls = [
        (
            "/bookings",
            {"set_id": world.set_a1, "crew_id": crew, "start": iso(30), "end": iso(31)},
            key,
        )
        for crew, key in racers
    ]
    answers = _race(live_server, calls)
    assert all(a.status_code == 201 for a in answers), [a.text for a in answers]
    told = sorted(a.json()["rank"] for a in answers)
    assert told == list(range(1, 17))
    with httpx.Client(base_url=live_server) as c:
        for a, (_, key) in zip(answers, racers, strict=True):
            kept = c.get(f"/bookings/{a.json()['id']}", headers=auth(key)).json()
            assert kept["rank"] == a.json()["rank"], (a.json(), kept)


# --- the hold quota ------------------------------------------------------------------------


def test_the_hold_quota_holds_under_parallel_requests_on_different_sets(
    live_server: str, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "max_active_holds_per_base", 5)
    with transaction() as s:
        base = s.get(Base, world.base_a)
        assert base is not None
        sets = [make_set(s, base, f"AAA-Q{i}").id for i in range(12)]
    calls = [
        (
            "/bookings",
            {"set_id": set_id, "crew_id": world.crew1, "start": iso(40), "end": iso(42)},
            world.coord1,
        )
        for set_id in sets
    ]
    answers = _race(live_server, calls)
    codes = Counter(a.status_code for a in answers)
    assert codes == {201: 5, 409: 7}, codes
    refused = [a.json()["detail"] for a in answers if a.status_code == 409]
    assert all("limit is 5" in d for d in refused), refused
    assert _count(Booking.crew_id == world.crew1, Booking.status == "hold") == 5


# --- accepting a plan ------------------------------------------------------------------------


def _proposal(client: TestClient, world: World) -> tuple[int, dict[str, Any]]:
    from tests.api.test_plans import add_scenes, run_once

    add_scenes(world)
    run = run_once()
    body = client.get(f"/plans/{run.id}/crews/{world.crew2}", headers=auth(world.coord2)).json()
    assert body["holds"], body
    return run.id, body


def _accept(client: TestClient, world: World, run_id: int, **body: Any) -> Any:
    return client.post(
        f"/plans/{run_id}/crews/{world.crew2}/accept", json=body, headers=auth(world.coord2)
    )


def test_parallel_accepts_of_one_proposal_place_one_set_of_holds(
    live_server: str, client: TestClient, world: World
) -> None:
    run_id, body = _proposal(client, world)
    path = f"/plans/{run_id}/crews/{world.crew2}/accept"
    answers = _race(live_server, [(path, {}, world.coord2)] * 5)
    codes = Counter(a.status_code for a in answers)
    assert codes == {200: 1, 409: 4}, [a.text for a in answers]
    assert all(
        "already been accepted" in a.json()["detail"] for a in answers if a.status_code == 409
    )
    assert _count(Booking.crew_id == world.crew2) == len(body["holds"])


def test_accept_never_places_a_hold_behind_the_crews_own(client: TestClient, world: World) -> None:
    run_id, body = _proposal(client, world)
    first = body["holds"][0]
    own = client.post(
        "/bookings",
        json={"set_id": first["set_id"], "crew_id": world.crew2, "start": first["start"],
              "end": first["end"]},
        headers=auth(world.coord2),
    ).json()  # fmt: skip
    again = client.get(f"/plans/{run_id}/crews/{world.crew2}", headers=auth(world.coord2)).json()
    assert first not in again["holds"]  # already held: Accept leaves those days alone
    done = _accept(client, world, run_id)
    assert done.status_code == 200, done.text
    assert all(h["rank"] == 1 for h in done.json()["placed"])
    with transaction() as s:
        on_days = s.scalars(
            select(Booking).where(
                Booking.crew_id == world.crew2,
                Booking.set_id == first["set_id"],
                Booking.start_date < date.fromisoformat(first["end"]),
                Booking.end_date > date.fromisoformat(first["start"]),
            )
        ).all()
    assert [b.id for b in on_days] == [own["id"]]


def test_accept_releases_the_crews_holds_elsewhere_only_with_consent(
    client: TestClient, world: World
) -> None:
    run_id, body = _proposal(client, world)
    day = body["days"][0]
    elsewhere = world.set_a1 if day["set_id"] != world.set_a1 else world.set_b1
    stale = client.post(
        "/bookings",
        json={"set_id": elsewhere, "crew_id": world.crew2, "start": day["date"],
              "end": iso_after(day["date"])},
        headers=auth(world.coord2),
    ).json()  # fmt: skip
    listed = client.get(f"/plans/{run_id}/crews/{world.crew2}", headers=auth(world.coord2))
    assert [b["id"] for b in listed.json()["unused_holds"]] == [stale["id"]]
    refused = _accept(client, world, run_id)
    assert refused.status_code == 409, refused.text
    assert [c["booking_id"] for c in refused.json()["conflicts"]] == [stale["id"]]
    assert _count(Booking.crew_id == world.crew2) == 1  # nothing placed
    done = _accept(client, world, run_id, release_unused_holds=True)
    assert done.status_code == 200, done.text
    assert [b["id"] for b in done.json()["released"]] == [stale["id"]]
    assert done.json()["released"][0]["status"] == "released"
    assert len(done.json()["placed"]) == len(body["holds"])


def test_accept_refuses_a_day_the_crew_is_confirmed_elsewhere(
    client: TestClient, world: World
) -> None:
    run_id, body = _proposal(client, world)
    day = body["days"][0]
    elsewhere = world.set_a1 if day["set_id"] != world.set_a1 else world.set_b1
    booked = client.post(
        "/bookings",
        json={"set_id": elsewhere, "crew_id": world.crew2, "start": day["date"],
              "end": iso_after(day["date"]), "status": "confirmed"},
        headers=auth(world.coord2),
    ).json()  # fmt: skip
    refused = _accept(client, world, run_id, release_unused_holds=True)
    assert refused.status_code == 409, refused.text
    assert "confirmed elsewhere" in refused.json()["detail"]
    assert [c["booking_id"] for c in refused.json()["conflicts"]] == [booked["id"]]
    assert _count(Booking.crew_id == world.crew2) == 1


def iso_after(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


# --- challenge deadlines ---------------------------------------------------------------------


def _challenge(client: TestClient, key: str, booking_id: int) -> Any:
    return client.post(f"/bookings/{booking_id}/challenge", headers=auth(key))


def test_the_challenger_is_told_the_deadline_that_really_applies(
    client: TestClient, world: World
) -> None:
    """The first hold lapses (TTL) before the challenge window would end: that lapse time
    is the deadline, and nothing later is stored on the challenged hold."""
    later = utcnow() + timedelta(hours=168 - 10)  # 10 h before the first hold's TTL ends
    first = hold(client, world, world.crew1, world.set_a1, 10, 13).json()
    client.app.dependency_overrides[get_now] = lambda: later  # type: ignore[attr-defined]
    second = hold(client, world, world.crew2, world.set_a1, 11, 12).json()
    r = _challenge(client, world.coord2, second["id"])
    client.app.dependency_overrides.clear()  # type: ignore[attr-defined]
    assert r.status_code == 200, r.text
    stored = client.get(f"/bookings/{first['id']}", headers=auth(world.coord1)).json()
    assert r.json()["deadline"] == stored["expires_at"] == first["expires_at"]
    assert stored["challenge_deadline"] is None  # its own lapse comes first


def test_a_second_challenge_announces_the_deadline_already_stored(
    client: TestClient, world: World
) -> None:
    first = hold(client, world, world.crew1, world.set_a1, 10, 13).json()
    second = hold(client, world, world.crew2, world.set_a1, 10, 13).json()
    third = hold(client, world, world.crew3, world.set_a1, 11, 12).json()
    one = _challenge(client, world.coord3, third["id"]).json()
    client.app.dependency_overrides[get_now] = lambda: utcnow() + timedelta(hours=5)  # type: ignore[attr-defined]
    two = _challenge(client, world.coord3, third["id"])
    client.app.dependency_overrides.clear()  # type: ignore[attr-defined]
    assert two.status_code == 200
    assert two.json()["deadline"] == one["deadline"]
    for b, key in ((first, world.coord1), (second, world.coord2)):
        stored = client.get(f"/bookings/{b['id']}", headers=auth(key)).json()
        assert stored["challenge_deadline"] == one["deadline"] == stored["expires_at"]


def test_the_challengers_row_shows_the_pending_challenge(client: TestClient, world: World) -> None:
    hold(client, world, world.crew1, world.set_a1, 10, 13)
    second = hold(client, world, world.crew2, world.set_a1, 11, 12).json()
    assert second["challenge_pending_until"] is None
    told = _challenge(client, world.coord2, second["id"]).json()
    assert told["booking"]["challenge_pending_until"] == told["deadline"]
    row = client.get(f"/bookings?crew_id={world.crew2}", headers=auth(world.coord2)).json()
    assert row["items"][0]["challenge_pending_until"] == told["deadline"]
    from tests.web.test_pages import sign_in

    sign_in(client, world.coord2)
    page = client.get(f"/ui/bookings?crew={world.crew2}")
    assert "Challenge pending" in page.text


# --- a refusal names everything in the way at once ---------------------------------------------


def test_a_refused_direct_booking_names_blackout_confirmed_and_holds_at_once(
    client: TestClient, world: World
) -> None:
    with transaction() as s:
        make_blackout(s, world.set_a1, 20, 21)
    hold(client, world, world.crew1, world.set_a1, 21, 22, status="confirmed")
    hold(client, world, world.crew2, world.set_a1, 22, 23)
    r = hold(client, world, world.crew3, world.set_a1, 20, 23, status="confirmed")
    assert r.status_code == 409
    kinds = [c["kind"] for c in r.json()["conflicts"]]
    assert sorted(kinds) == ["blackout", "confirmed", "hold"]


def test_a_refusal_on_a_page_lists_each_thing_once(client: TestClient, world: World) -> None:
    from tests.web.test_pages import csrf_of, sign_in

    with transaction() as s:
        make_blackout(s, world.set_a1, 20, 21)
    taken = hold(client, world, world.crew1, world.set_a1, 21, 22, status="confirmed").json()
    mine = hold(client, world, world.crew3, world.set_a1, 21, 22).json()
    sign_in(client, world.coord3)
    page = client.get("/ui/bookings")
    r = client.post(f"/ui/bookings/{mine['id']}/confirm", data={"csrf": csrf_of(page)})
    assert r.status_code == 200
    assert r.text.count(taken["crew_name"]) <= 1
    assert r.text.count("confirmed by") == 1


# --- plan runs that agree with themselves ------------------------------------------------------


def test_plan_pages_agree_and_name_why_a_scene_is_out(client: TestClient, world: World) -> None:
    """Crew 2 has a scene that cannot be shot inside the horizon. Its coordinator's run list
    and run page agree (one scene out, crew 1's coordinator sees none), the proposal shows the
    crew's own cost against the crew's own first-come baseline with the scene as a count,
    and the reason names the binding dates, on the plan page and on the schedule page."""
    from tests.api.test_plans import FAST, add_scenes, run_once
    from tests.web.test_pages import sign_in

    add_scenes(world)
    late = utcnow().date() + timedelta(days=FAST.horizon_days + 30)
    with transaction() as s:
        s.add(
            Scene(
                crew_id=world.crew2, number="99", int_ext="INT", day_night="DAY",
                description="", required_tags=["palace"], minutes=60, page_eighths=8,
                status="unscheduled", restrict_sets=False, earliest=late,
            )
        )  # fmt: skip
    run = run_once()
    for key, out in ((world.coord1, 0), (world.coord2, 1)):
        listed = client.get("/plans", headers=auth(key)).json()["items"][0]
        detail = client.get(f"/plans/{run.id}", headers=auth(key)).json()
        assert len(listed["unscheduled"]) == len(detail["unscheduled"]) == out
    why = f"earliest {late.isoformat()} is after the plan horizon's last day"
    assert why in detail["unscheduled"][0]["message"]

    sign_in(client, world.coord2)
    runs = client.get("/ui/plans").text
    row = runs[runs.index(f"#{run.id}") :].split("</tr>")[0]
    assert re.findall(r'<td class="num">(\d+)</td>', row)[-1] == "1"
    page = client.get(f"/ui/plans/{run.id}?crew={world.crew2}").text
    assert "1 scene left out" in page and "10,000,000" not in page
    assert "First-come, this crew" in page and why.replace("'", "&#39;") in page
    schedule = client.get(f"/ui/schedule?crew={world.crew2}").text
    assert why.replace("'", "&#39;") in schedule


def test_placing_the_same_hold_twice_from_the_find_page_keeps_one(
    client: TestClient, world: World
) -> None:
    """Back + Place hold again: the page says the crew already has the days, no 2nd hold."""
    from tests.web.test_pages import csrf_of, sign_in

    sign_in(client, world.coord1)
    form = client.get("/ui/find")
    data = {
        "csrf": csrf_of(form), "set_id": world.set_a1, "crew_id": world.crew1,
        "start": iso(50), "end": iso(52),
    }  # fmt: skip
    first = client.post("/ui/holds", data=data)
    again = client.post("/ui/holds", data=data)
    assert "placed: 1st hold" in first.text
    assert "already has these days" in again.text and "2nd hold" not in again.text
    assert _count(Booking.crew_id == world.crew1) == 1
