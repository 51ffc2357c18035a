"""Holds, ranking, confirmation, challenge, expiry, release, cancel — on both databases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.clock import get_now
from app.models import utcnow
from tests.factories import World, auth, iso


def hold(
    client: TestClient,
    w: World,
    crew: int,
    set_id: int,
    start: int,
    end: int,
    status: str = "hold",
    **headers: str,
) -> Any:
    return client.post(
        "/bookings",
        json={
            "set_id": set_id,
            "crew_id": crew,
            "start": iso(start),
            "end": iso(end),
            "status": status,
        },
        headers={**auth(w.key_for(crew)), **headers},
    )


def act(client: TestClient, key: str, booking_id: int, action: str, **headers: str) -> Any:
    return client.post(f"/bookings/{booking_id}/{action}", headers={**auth(key), **headers})


def test_hold_then_confirm_fixes_the_price(client: TestClient, world: World) -> None:
    r = hold(client, world, world.crew1, world.set_a1, 10, 13)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "hold" and body["rank"] == 1 and body["days"] == 3
    assert body["price"] == 30000
    assert r.headers["etag"] == '"1"'
    c = act(client, world.coord1, body["id"], "confirm")
    assert c.status_code == 200, c.text
    assert c.json()["status"] == "confirmed" and c.json()["price"] == 30000
    assert c.json()["rank"] is None


def test_holds_rank_by_placement_and_only_first_may_confirm(
    client: TestClient, world: World
) -> None:
    first = hold(client, world, world.crew1, world.set_a1, 10, 15).json()
    second = hold(client, world, world.crew2, world.set_a1, 12, 14).json()
    third = hold(client, world, world.crew3, world.set_a1, 13, 20).json()
    assert (first["rank"], second["rank"], third["rank"]) == (1, 2, 3)
    refused = act(client, world.coord2, second["id"], "confirm")
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    detail = refused.json()["detail"]
    assert "held by another production, 1st hold until" in detail
    assert "Production C1" not in detail  # another crew never learns who
    assert refused.json()["conflicts"][0]["kind"] == "hold"


def test_base_manager_sees_who_is_ahead(client: TestClient, world: World) -> None:
    first = hold(client, world, world.crew1, world.set_a1, 10, 15).json()
    second = hold(client, world, world.crew2, world.set_a1, 12, 14).json()
    listed = client.get(f"/bookings?set_id={world.set_a1}", headers=auth(world.manager_a)).json()
    assert [b["crew_name"] for b in listed["items"]] == ["Production C1", "Production C2"]
    assert [b["rank"] for b in listed["items"]] == [1, 2]
    assert first["id"] != second["id"]


def test_release_promotes_the_next_hold(client: TestClient, world: World) -> None:
    first = hold(client, world, world.crew1, world.set_a1, 10, 15).json()
    second = hold(client, world, world.crew2, world.set_a1, 12, 14).json()
    assert act(client, world.coord1, first["id"], "release").json()["status"] == "released"
    again = client.get(f"/bookings/{second['id']}", headers=auth(world.coord2)).json()
    assert again["rank"] == 1
    assert act(client, world.coord2, second["id"], "confirm").status_code == 200


def test_confirmed_outranks_every_hold_and_cancel_frees(client: TestClient, world: World) -> None:
    booked = hold(client, world, world.crew1, world.set_a1, 10, 15, status="confirmed")
    assert booked.status_code == 201 and booked.json()["status"] == "confirmed"
    behind = hold(client, world, world.crew2, world.set_a1, 12, 14).json()
    assert behind["rank"] == 1 and behind["behind_confirmed"] is True
    refused = act(client, world.coord2, behind["id"], "confirm")
    assert (
        refused.status_code == 409 and "confirmed by another production" in refused.json()["detail"]
    )
    direct = hold(client, world, world.crew3, world.set_a1, 14, 16, status="confirmed")
    assert direct.status_code == 409
    assert act(client, world.coord1, booked.json()["id"], "cancel").json()["status"] == "cancelled"
    assert act(client, world.coord2, behind["id"], "confirm").status_code == 200


def test_direct_booking_is_atomic(client: TestClient, world: World) -> None:
    hold(client, world, world.crew1, world.set_a1, 10, 15)
    refused = hold(client, world, world.crew2, world.set_a1, 11, 12, status="confirmed")
    assert refused.status_code == 409
    # Nothing of the refused request remains: not even its hold.
    mine = client.get(f"/crews/{world.crew2}/bookings", headers=auth(world.coord2)).json()
    assert mine["total"] == 0


def test_the_queue_is_the_order_of_taking_the_lock_not_of_arrival(
    client: TestClient, world: World
) -> None:
    """A hold that took the set's lock first ranks first, even when another request arrived
    a moment earlier and waited: the rank each response reports is the rank kept."""
    later = utcnow() + timedelta(seconds=5)
    client.app.dependency_overrides[get_now] = lambda: later  # type: ignore[attr-defined]
    first = hold(client, world, world.crew1, world.set_a1, 10, 13).json()
    assert first["rank"] == 1
    client.app.dependency_overrides[get_now] = lambda: later - timedelta(seconds=1)  # type: ignore[attr-defined]
    direct = hold(client, world, world.crew2, world.set_a1, 11, 12, status="confirmed")
    assert direct.status_code == 409, direct.text
    assert [c["kind"] for c in direct.json()["conflicts"]] == ["hold"]
    waited = hold(client, world, world.crew3, world.set_a1, 11, 12).json()
    client.app.dependency_overrides.clear()  # type: ignore[attr-defined]
    assert waited["rank"] == 2
    for placed, key in ((first, world.coord1), (waited, world.coord3)):
        kept = client.get(f"/bookings/{placed['id']}", headers=auth(key)).json()
        assert kept["rank"] == placed["rank"]


def test_adjacent_ranges_do_not_conflict(client: TestClient, world: World) -> None:
    assert (
        hold(client, world, world.crew1, world.set_a1, 10, 12, status="confirmed").status_code
        == 201
    )
    assert (
        hold(client, world, world.crew2, world.set_a1, 12, 14, status="confirmed").status_code
        == 201
    )
    assert (
        hold(client, world, world.crew3, world.set_a1, 8, 10, status="confirmed").status_code == 201
    )


def test_expired_holds_never_block_even_before_a_sweep(client: TestClient, world: World) -> None:
    first = hold(client, world, world.crew1, world.set_a1, 10, 15).json()
    second = hold(client, world, world.crew2, world.set_a1, 12, 14).json()
    client.app.dependency_overrides[get_now] = lambda: utcnow() + timedelta(hours=169)  # type: ignore[attr-defined]
    seen = client.get(f"/bookings/{first['id']}", headers=auth(world.coord1)).json()
    assert seen["status"] == "expired" and seen["rank"] is None
    # second's TTL also passed: place a fresh hold that is now 1st.
    fresh = hold(client, world, world.crew3, world.set_a1, 12, 14).json()
    assert fresh["rank"] == 1
    assert act(client, world.coord1, first["id"], "confirm").status_code == 409
    assert act(client, world.coord3, fresh["id"], "confirm").status_code == 200
    assert second["rank"] == 2


def test_challenge_gives_earlier_holds_a_deadline(client: TestClient, world: World) -> None:
    first = hold(client, world, world.crew1, world.set_a1, 10, 15).json()
    second = hold(client, world, world.crew2, world.set_a1, 12, 14).json()
    r = act(client, world.coord2, second["id"], "challenge")
    assert r.status_code == 200, r.text
    assert r.json()["challenged"] == 1
    challenged = client.get(f"/bookings/{first['id']}", headers=auth(world.coord1)).json()
    assert challenged["challenge_deadline"] is not None
    # Deadline (48 h) passes unanswered: the challenger moves up and may confirm.
    client.app.dependency_overrides[get_now] = lambda: utcnow() + timedelta(hours=49)  # type: ignore[attr-defined]
    lapsed = client.get(f"/bookings/{first['id']}", headers=auth(world.coord1)).json()
    assert lapsed["status"] == "expired"
    assert act(client, world.coord2, second["id"], "confirm").status_code == 200


def test_challenged_hold_may_confirm_within_its_deadline(client: TestClient, world: World) -> None:
    first = hold(client, world, world.crew1, world.set_a1, 10, 15).json()
    second = hold(client, world, world.crew2, world.set_a1, 12, 14).json()
    act(client, world.coord2, second["id"], "challenge")
    client.app.dependency_overrides[get_now] = lambda: utcnow() + timedelta(hours=47)  # type: ignore[attr-defined]
    assert act(client, world.coord1, first["id"], "confirm").status_code == 200
    assert act(client, world.coord2, second["id"], "confirm").status_code == 409


def test_challenge_refused_when_first_or_behind_confirmed(client: TestClient, world: World) -> None:
    only = hold(client, world, world.crew1, world.set_a1, 10, 15).json()
    assert act(client, world.coord1, only["id"], "challenge").status_code == 409
    hold(client, world, world.crew2, world.set_a2, 10, 12, status="confirmed")
    behind = hold(client, world, world.crew3, world.set_a2, 10, 12).json()
    assert act(client, world.coord3, behind["id"], "challenge").status_code == 409


def test_blackouts_refuse_bookings_and_cannot_cover_confirmed(
    client: TestClient, world: World
) -> None:
    r = client.post(
        f"/sets/{world.set_a1}/blackouts",
        json={"start": iso(20), "end": iso(22), "reason": "灯会"},
        headers=auth(world.manager_a),
    )
    assert r.status_code == 201, r.text
    refused = hold(client, world, world.crew1, world.set_a1, 21, 25)
    assert refused.status_code == 409 and "closed" in refused.json()["detail"]
    booked = hold(client, world, world.crew1, world.set_a1, 30, 33, status="confirmed").json()
    clash = client.post(
        f"/sets/{world.set_a1}/blackouts",
        json={"start": iso(32), "end": iso(34)},
        headers=auth(world.manager_a),
    )
    assert clash.status_code == 409
    assert clash.json()["conflicts"][0]["booking_id"] == booked["id"]


def test_window_span_and_past_are_422(client: TestClient, world: World) -> None:
    assert hold(client, world, world.crew1, world.set_a1, 190, 210).status_code == 422  # window
    assert hold(client, world, world.crew1, world.set_a1, -2, 3).status_code == 422  # past
    assert hold(client, world, world.crew1, world.set_a1, 5, 5).status_code == 422  # empty
    assert hold(client, world, world.crew1, world.set_a1, 1, 150).status_code == 422  # > 120 days


def test_audit_trail_records_every_change(client: TestClient, world: World) -> None:
    b = hold(client, world, world.crew1, world.set_a1, 10, 13).json()
    act(client, world.coord1, b["id"], "confirm")
    act(client, world.coord1, b["id"], "cancel")
    events = client.get(f"/bookings/{b['id']}/events", headers=auth(world.coord1)).json()
    assert [(e["from_status"], e["to_status"]) for e in events] == [
        (None, "hold"),
        ("hold", "confirmed"),
        ("confirmed", "cancelled"),
    ]
    assert all(e["actor_id"] is not None for e in events)


def test_stale_if_match_is_412_and_changes_nothing(client: TestClient, world: World) -> None:
    b = hold(client, world, world.crew1, world.set_a1, 10, 13)
    tag = b.headers["etag"]
    other = hold(client, world, world.crew2, world.set_a1, 10, 13).json()
    act(client, world.coord2, other["id"], "challenge")  # bumps b's version
    stale = act(client, world.coord1, b.json()["id"], "confirm", **{"If-Match": tag})
    assert stale.status_code == 412
    now = client.get(f"/bookings/{b.json()['id']}", headers=auth(world.coord1))
    assert now.json()["status"] == "hold"
    fresh = act(
        client, world.coord1, b.json()["id"], "confirm", **{"If-Match": now.headers["etag"]}
    )
    assert fresh.status_code == 200


def test_idempotency_key_replays_and_refuses_other_body(client: TestClient, world: World) -> None:
    first = hold(client, world, world.crew1, world.set_a1, 10, 13, **{"Idempotency-Key": "k-1"})
    again = hold(client, world, world.crew1, world.set_a1, 10, 13, **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    listed = client.get(f"/crews/{world.crew1}/bookings", headers=auth(world.coord1)).json()
    assert listed["total"] == 1
    other = hold(client, world, world.crew1, world.set_a1, 20, 23, **{"Idempotency-Key": "k-1"})
    assert other.status_code == 422
    assert (
        client.get(f"/crews/{world.crew1}/bookings", headers=auth(world.coord1)).json()["total"]
        == 1
    )
    # Keys are per user: another coordinator may use the same key for their own request.
    theirs = hold(client, world, world.crew2, world.set_a2, 10, 13, **{"Idempotency-Key": "k-1"})
    assert theirs.status_code == 201


def test_idempotent_action_acts_once(client: TestClient, world: World) -> None:
    b = hold(client, world, world.crew1, world.set_a1, 10, 13).json()
    one = act(client, world.coord1, b["id"], "confirm", **{"Idempotency-Key": "c-1"})
    two = act(client, world.coord1, b["id"], "confirm", **{"Idempotency-Key": "c-1"})
    assert one.status_code == two.status_code == 200 and one.json() == two.json()
    events = client.get(f"/bookings/{b['id']}/events", headers=auth(world.coord1)).json()
    assert len(events) == 2


def test_availability_lists_free_sets_with_price_and_holds(
    client: TestClient, world: World
) -> None:
    hold(client, world, world.crew2, world.set_a1, 10, 12)
    hold(client, world, world.crew1, world.set_a2, 10, 12, status="confirmed")
    r = client.get(f"/availability?start={iso(10)}&end={iso(13)}", headers=auth(world.coord1))
    assert r.status_code == 200, r.text
    items = {i["code"]: i for i in r.json()["items"]}
    assert set(items) == {"AAA-1", "BBB-1"}
    assert items["AAA-1"]["price"] == 30000 and items["BBB-1"]["price"] == 90000
    assert items["AAA-1"]["holds"][0]["rank"] == 1 and items["AAA-1"]["holds"][0]["crew"] is None
    tagged = client.get(
        f"/availability?start={iso(10)}&end={iso(13)}&tags=street&tags=exterior",
        headers=auth(world.coord1),
    ).json()
    assert [i["code"] for i in tagged["items"]] == ["AAA-1"]
    comma = client.get(
        f"/availability?start={iso(10)}&end={iso(13)}&tags=street,exterior",
        headers=auth(world.coord1),
    ).json()
    assert [i["code"] for i in comma["items"]] == ["AAA-1"]
    bad = client.get(
        f"/availability?start={iso(10)}&end={iso(13)}&tags=Street!", headers=auth(world.coord1)
    )
    assert bad.status_code == 422 and "tag" in bad.json()["detail"]
    by_base = client.get(
        f"/availability?start={iso(10)}&end={iso(13)}&base=BBB", headers=auth(world.manager_b)
    ).json()
    assert [i["code"] for i in by_base["items"]] == ["BBB-1"]
    # Pages count the whole result, also past its end.
    for offset, codes in ((0, ["AAA-1"]), (1, ["BBB-1"]), (5, [])):
        paged = client.get(
            f"/availability?start={iso(10)}&end={iso(13)}&limit=1&offset={offset}",
            headers=auth(world.coord1),
        ).json()
        assert [i["code"] for i in paged["items"]] == codes and paged["total"] == 2, paged


def test_a_crew_may_not_hoard_a_base(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.config import get_settings

    monkeypatch.setattr(get_settings(), "max_active_holds_per_base", 2)
    assert hold(client, world, world.crew1, world.set_a1, 10, 12).status_code == 201
    assert hold(client, world, world.crew1, world.set_a2, 10, 12).status_code == 201
    third = hold(client, world, world.crew1, world.set_a1, 20, 22)
    assert third.status_code == 409 and "limit is 2" in third.json()["detail"]
    # A direct booking leaves no hold behind, so the limit does not stand in its way.
    direct = hold(client, world, world.crew1, world.set_a2, 30, 32, status="confirmed")
    assert direct.status_code == 201, direct.text
    # Another base, and other crews, are unaffected; releasing frees a place.
    assert hold(client, world, world.crew1, world.set_b1, 10, 12).status_code == 201
    assert hold(client, world, world.crew2, world.set_a1, 20, 22).status_code == 201
    first = client.get(f"/crews/{world.crew1}/bookings", headers=auth(world.coord1)).json()
    act(client, world.coord1, first["items"][0]["id"], "release")
    assert hold(client, world, world.crew1, world.set_a1, 20, 22).status_code == 201


def test_if_match_with_several_tags_matches_any_current_one(
    client: TestClient, world: World
) -> None:
    """RFC 9110: If-Match lists entity tags; any current one lets the change through. The
    comparison is strong, so a weak tag never matches."""
    b = hold(client, world, world.crew1, world.set_a1, 10, 13)
    booking_id, tag = b.json()["id"], b.headers["etag"]
    for header in (f"W/{tag}", '"999", "998"', f'W/{tag}, "999"'):
        r = act(client, world.coord1, booking_id, "confirm", **{"If-Match": header})
        assert r.status_code == 412, (header, r.text)
    r = act(client, world.coord1, booking_id, "confirm", **{"If-Match": "not-a-tag"})
    assert r.status_code == 412
    r = act(client, world.coord1, booking_id, "confirm", **{"If-Match": f'"999", {tag}, W/"1"'})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "confirmed"
