"""Occupancy on hand-built data (both databases): states, ranks, figures, scoping, bad input."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import transaction
from app.models import Blackout, Booking, PlanRun, Proposal, Scene, utcnow
from app.occupancy.schemas import BaseOccupancy
from app.occupancy.service import price_share
from tests.factories import World, auth, day, iso

START, END = 10, 17  # the range asked for: 7 days


def add_booking(
    s: Any,
    w_set: int,
    crew: int,
    a: int,
    b: int,
    status: str,
    *,
    price: int | None = None,
    placed_hours_ago: float = 10,
    expires_in_hours: float = 100,
) -> int:
    now = utcnow()
    booking = Booking(
        set_id=w_set,
        crew_id=crew,
        start_date=day(a),
        end_date=day(b),
        status=status,
        placed_at=now - timedelta(hours=placed_hours_ago),
        expires_at=now + timedelta(hours=expires_in_hours),
        price=price,
        note="",
    )
    if status == "confirmed":
        booking.confirmed_at = now
    s.add(booking)
    s.flush()
    return booking.id


@pytest.fixture
def data(world: World) -> dict[str, int]:
    """AAA-1: C1 confirmed days 8-11 (price 40,001 over 4 days), C2 1st hold 13-14, C3 2nd
    hold 14-15, a lapsed and a released hold. AAA-2: blackout 10-11, C2 confirmed 15-16, the
    latest plan proposes C1's scene on day 12 (an older run and an accepted proposal do not
    count). BBB-1: C3 confirmed 10."""
    w = world
    ids: dict[str, int] = {}
    with transaction() as s:
        ids["c1"] = add_booking(s, w.set_a1, w.crew1, 8, 12, "confirmed", price=40_001)
        ids["h2"] = add_booking(s, w.set_a1, w.crew2, 13, 15, "hold", placed_hours_ago=20)
        ids["h3"] = add_booking(s, w.set_a1, w.crew3, 14, 16, "hold", placed_hours_ago=5)
        add_booking(s, w.set_a1, w.crew3, 10, 17, "hold", placed_hours_ago=200, expires_in_hours=-1)
        add_booking(s, w.set_a1, w.crew1, 12, 13, "released")
        ids["c2"] = add_booking(s, w.set_a2, w.crew2, 15, 17, "confirmed", price=0)
        ids["b3"] = add_booking(s, w.set_b1, w.crew3, 10, 11, "confirmed", price=30_000)
        s.add(Blackout(set_id=w.set_a2, start_date=day(10), end_date=day(12), reason="灯会"))
        scene = Scene(
            crew_id=w.crew1,
            number="7",
            int_ext="EXT",
            day_night="DAY",
            minutes=60,
            description="",
            required_tags=[],
            status="unscheduled",
        )
        s.add(scene)
        s.flush()
        ids["scene"] = scene.id
        old, new = PlanRun(status="succeeded", params={}), PlanRun(status="succeeded", params={})
        running = PlanRun(status="running", params={})
        s.add_all([old, new])
        s.flush()
        s.add(running)
        s.flush()
        ids["run"] = new.id
        s.add_all(
            [
                Proposal(
                    run_id=old.id,
                    crew_id=w.crew1,
                    scene_id=scene.id,
                    set_id=w.set_a2,
                    date=day(13),
                    days=1,
                ),
                Proposal(
                    run_id=new.id,
                    crew_id=w.crew1,
                    scene_id=scene.id,
                    set_id=w.set_a2,
                    date=day(12),
                    days=1,
                ),
                Proposal(
                    run_id=new.id,
                    crew_id=w.crew1,
                    scene_id=scene.id,
                    set_id=w.set_a2,
                    date=day(14),
                    days=1,
                    accepted_at=utcnow(),
                ),
                Proposal(
                    run_id=running.id,
                    crew_id=w.crew1,
                    scene_id=scene.id,
                    set_id=w.set_a2,
                    date=day(16),
                    days=1,
                ),
            ]
        )
    return ids


def occupancy(client: TestClient, key: str, base: int, a: int = START, b: int = END) -> Any:
    r = client.get(
        f"/bases/{base}/occupancy", params={"start": iso(a), "end": iso(b)}, headers=auth(key)
    )
    assert r.status_code == 200, r.text
    return r.json()


def cells(body: Any, code: str) -> dict[int, dict[str, Any]]:
    """The set's per-day lists as one dict per day (day offset → cell)."""
    (s,) = [s for s in body["sets"] if s["code"] == code]
    bookings = {b["id"]: b for b in s["bookings"]}
    proposals = {p["id"]: p for p in s["proposals"]}
    assert len(s["states"]) == len(s["confirmed"]) == len(s["holds"]) == body["days"]
    out = {}
    for i, state in enumerate(s["states"]):
        c = s["confirmed"][i]
        out[START + i] = {
            "state": state,
            "booking_id": c,
            "crew": bookings[c]["crew"] if c else None,
            "holds": [
                {"booking_id": h, "rank": bookings[h]["rank"], "crew": bookings[h]["crew"]}
                for h in s["holds"][i]
            ],
            "proposed": [
                {k: proposals[p][k] for k in ("scene_id", "crew", "crew_id", "scene")}
                for p in s["proposed"][i]
            ],
        }
    return out


def test_price_share_splits_exactly() -> None:
    a, b = day(0), day(7)
    parts = [price_share(1_000_003, a, b, day(i), day(i + 1)) for i in range(7)]
    assert sum(parts) == 1_000_003 and max(parts) - min(parts) <= 1
    assert price_share(40_001, day(8), day(12), day(10), day(17)) == 20_001
    assert price_share(100, day(0), day(2), day(5), day(9)) == 0


def test_manager_sees_states_ranks_and_crews(
    client: TestClient, world: World, data: dict[str, int]
) -> None:
    body = occupancy(client, world.manager_a, world.base_a)
    BaseOccupancy.model_validate(body)  # built without validation: the JSON keeps the contract
    assert body["view"] == "full" and body["days"] == 7 and body["plan_run_id"] == data["run"]
    assert [s["code"] for s in body["sets"]] == ["AAA-1", "AAA-2"]
    a1 = cells(body, "AAA-1")
    assert [a1[d]["state"] for d in range(START, END)] == [
        "confirmed",
        "confirmed",
        "free",
        "hold",
        "hold",
        "hold",
        "free",
    ]
    assert a1[10]["crew"] == "Production C1" and a1[10]["booking_id"] == data["c1"]
    assert [(h["crew"], h["rank"]) for h in a1[14]["holds"]] == [
        ("Production C2", 1),
        ("Production C3", 2),
    ]
    assert [(h["booking_id"], h["rank"]) for h in a1[15]["holds"]] == [(data["h3"], 2)]
    assert a1[16]["holds"] == []  # the lapsed hold never counts
    spans = {b["id"]: b for b in body["sets"][0]["bookings"]}
    assert spans[data["c1"]]["price"] == 40_001 and spans[data["c1"]]["rank"] is None
    assert spans[data["h2"]]["price"] == 20_000 and spans[data["h2"]]["until"] is not None
    a2 = cells(body, "AAA-2")
    assert [a2[d]["state"] for d in range(START, END)] == [
        "blackout",
        "blackout",
        "proposed",
        "free",
        "free",
        "confirmed",
        "confirmed",
    ]
    assert body["sets"][1]["blackouts"] == [{"start": iso(10), "end": iso(12), "reason": "灯会"}]
    assert a2[12]["proposed"] == [
        {"scene_id": data["scene"], "crew": "Production C1", "crew_id": world.crew1, "scene": "7"}
    ]
    assert a2[14]["proposed"] == []  # accepted: it is a hold now, not an offer


def test_figures_per_set_and_base(client: TestClient, world: World, data: dict[str, int]) -> None:
    body = occupancy(client, world.manager_a, world.base_a)
    f1 = body["sets"][0]["figures"]
    assert f1 == {
        "set_days": 7,
        "available_days": 7,
        "confirmed_days": 2,
        "utilisation": round(2 / 7, 4),
        "held_days": 3,
        "holds": 2,
        "held_value": 30_000,
        "revenue": 20_001,
    }
    f2 = body["sets"][1]["figures"]
    assert (f2["available_days"], f2["confirmed_days"], f2["utilisation"]) == (5, 2, 0.4)
    assert f2["revenue"] == 0 and f2["held_days"] == 0
    base = body["figures"]
    assert base == {
        "set_days": 14,
        "available_days": 12,
        "confirmed_days": 4,
        "utilisation": round(4 / 12, 4),
        "held_days": 3,
        "holds": 2,
        "held_value": 30_000,
        "revenue": 20_001,
    }
    on_site = [(d["crews"], d["names"]) for d in body["crews_on_site"]]
    assert on_site == [
        (1, ["Production C1"]),
        (1, ["Production C1"]),
        (0, []),
        (0, []),
        (0, []),
        (1, ["Production C2"]),
        (1, ["Production C2"]),
    ]


def test_revenue_of_adjacent_ranges_adds_up(
    client: TestClient, world: World, data: dict[str, int]
) -> None:
    """Split the booking's days over two ranges: the shares add up to its price."""
    first = occupancy(client, world.admin, world.base_a, 7, 10)["figures"]["revenue"]
    second = occupancy(client, world.admin, world.base_a, 10, 13)["figures"]["revenue"]
    assert first + second == 40_001


def test_coordinator_sees_free_busy_and_only_their_crew(
    client: TestClient, world: World, data: dict[str, int]
) -> None:
    body = occupancy(client, world.coord3, world.base_a)
    assert body["view"] == "free_busy"
    a1 = cells(body, "AAA-1")
    assert [a1[d]["state"] for d in range(START, END)] == [
        "busy",
        "busy",
        "free",
        "busy",
        "hold",
        "hold",
        "free",
    ]
    assert a1[10]["crew"] is None and a1[10]["booking_id"] is None
    assert [(h["crew"], h["rank"]) for h in a1[14]["holds"]] == [("Production C3", 2)]
    assert cells(body, "AAA-2")[12]["state"] == "free"  # C1's proposal is not theirs
    assert body["figures"]["revenue"] is None and body["figures"]["held_value"] is None
    assert all(d["names"] is None for d in body["crews_on_site"])
    text = str(body)
    assert "Production C1" not in text and "Production C2" not in text

    own = occupancy(client, world.coord1, world.base_a)
    assert cells(own, "AAA-1")[10]["crew"] == "Production C1"
    assert cells(own, "AAA-2")[12]["state"] == "proposed"


def test_scoping_refusals(client: TestClient, world: World, data: dict[str, int]) -> None:
    params = {"start": iso(START), "end": iso(END)}
    for key, base in [
        (world.manager_b, world.base_a),
        (world.manager_a, world.base_b),
        (world.admin, 999_999),
    ]:
        r = client.get(f"/bases/{base}/occupancy", params=params, headers=auth(key))
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
        assert "Production" not in r.text
    r = client.get(f"/bases/{world.base_a}/occupancy", params=params)
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    assert client.get("/occupancy/summary", params=params).status_code == 401


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"start": iso(5), "end": iso(5)}, "end must be after start"),
        ({"start": iso(9), "end": iso(5)}, "end must be after start"),
        ({"start": iso(0), "end": iso(93)}, "at most 92 days"),
        ({"start": "2026-13-01", "end": iso(5)}, "start"),
        ({"start": "tomorrow", "end": iso(5)}, "start"),
        ({"start": iso(0)}, "end"),
        ({"start": f"{iso(0)}T00:00:00", "end": iso(5)}, "YYYY-MM-DD"),
    ],
)
def test_bad_ranges_are_problems(
    client: TestClient, world: World, params: dict[str, str], needle: str
) -> None:
    for path in (f"/bases/{world.base_a}/occupancy", "/occupancy/summary"):
        r = client.get(path, params=params, headers=auth(world.admin))
        assert r.status_code == 422, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert needle in r.json()["detail"], r.json()


def test_a_quarter_is_accepted(client: TestClient, world: World) -> None:
    body = occupancy(client, world.manager_a, world.base_a, 0, 92)
    assert body["days"] == 92 and len(body["sets"][0]["states"]) == 92


def test_summary_by_role(client: TestClient, world: World, data: dict[str, int]) -> None:
    params = {"start": iso(START), "end": iso(END)}

    def get(key: str) -> Any:
        r = client.get("/occupancy/summary", params=params, headers=auth(key))
        assert r.status_code == 200, r.text
        return r.json()

    mine = get(world.manager_a)
    assert [b["code"] for b in mine["bases"]] == ["AAA"]
    assert mine["bases"][0]["figures"]["revenue"] == 20_001
    assert mine["figures"]["utilisation"] == round(4 / 12, 4)

    every = get(world.admin)
    assert [b["code"] for b in every["bases"]] == ["AAA", "BBB"]
    bbb = every["bases"][1]
    assert bbb["figures"]["confirmed_days"] == 1 and bbb["figures"]["revenue"] == 30_000
    assert every["figures"]["revenue"] == 50_001
    # Day 10: C1 on AAA and C3 on BBB.
    assert [d["crews"] for d in every["crews_on_site"]] == [2, 1, 0, 0, 0, 1, 1]
    assert bbb["crews_on_site"][0]["names"] == ["Production C3"]

    coord = get(world.coord2)
    assert [b["view"] for b in coord["bases"]] == ["free_busy", "free_busy"]
    assert coord["figures"]["revenue"] is None
    assert [d["crews"] for d in coord["crews_on_site"]] == [2, 1, 0, 0, 0, 1, 1]
    assert "Production" not in str(coord)


def test_empty_base_has_no_utilisation(client: TestClient, world: World) -> None:
    with transaction() as s:
        s.add(Blackout(set_id=world.set_b1, start_date=day(0), end_date=day(3), reason=""))
    body = occupancy(client, world.manager_b, world.base_b, 0, 3)
    assert body["figures"]["available_days"] == 0 and body["figures"]["utilisation"] is None
    assert set(body["sets"][0]["states"]) == {"blackout"}
