"""Pages without a browser (both databases): sessions, CSRF, headers, language, actions, scoping."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from app.config import get_settings
from app.db import transaction
from app.models import Blackout, Booking, WebSession, utcnow
from app.web.i18n import MESSAGES, Translator, pick_language
from app.web.session import SESSION_COOKIE
from tests.factories import World, auth, day, iso, long_text


def csrf_of(r: Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', r.text)
    assert found, r.text[:500]
    return found.group(1)


def sign_in(client: TestClient, key: str) -> Response:
    form = client.get("/ui/signin")
    return client.post(
        "/ui/signin",
        data={"csrf": csrf_of(form), "api_key": key, "next": ""},
        follow_redirects=False,
    )


def test_sign_in_sets_a_hardened_cookie_and_sign_out_ends_it(
    client: TestClient, world: World
) -> None:
    r = sign_in(client, world.manager_a)
    assert r.status_code == 303 and r.headers["location"] == "/ui/board"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower() and "Secure" not in cookie  # plain http here
    board = client.get("/ui/board")
    assert board.status_code == 200 and "Base AAA" in board.text
    out = client.post("/ui/signout", data={"csrf": csrf_of(board)}, follow_redirects=False)
    assert out.status_code == 303
    r = client.get("/ui/board", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/ui/signin?next=")


def test_signing_out_ends_the_session_on_the_server(
    client: TestClient, world: World, engine: object
) -> None:
    """A copy of the cookie taken before signing out opens nothing after: no page, no
    download, no change."""
    from app.main import create_app

    sign_in(client, world.coord1)
    board = client.get("/ui/find")
    copied, token = client.cookies[SESSION_COOKIE], csrf_of(board)
    client.post("/ui/signout", data={"csrf": token})
    with TestClient(create_app(), cookies={SESSION_COOKIE: copied}) as thief:
        r = thief.get("/ui/bookings", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/ui/signin")
        assert thief.get("/bookings.csv").status_code == 401
        thief.cookies.set(SESSION_COOKIE, copied)
        r = thief.post(
            "/ui/holds",
            data={
                "csrf": token,
                "set_id": world.set_a1,
                "crew_id": world.crew1,
                "start": iso(30),
                "end": iso(32),
            },
            follow_redirects=False,
        )
        assert r.status_code in (303, 401, 403)
    with transaction() as s:
        assert s.query(Booking).count() == 0
        (row,) = s.scalars(select(WebSession)).all()
        assert row.revoked_at is not None


def test_rotating_the_key_ends_every_session_of_the_user(
    client: TestClient, world: World, engine: object
) -> None:
    from app.main import create_app

    sign_in(client, world.coord1)
    with TestClient(create_app()) as other:
        sign_in(other, world.coord1)
        assert other.get("/ui/bookings", follow_redirects=False).status_code == 200
        me = client.get("/me", headers=auth(world.coord1)).json()
        new_key = client.post(f"/users/{me['id']}/rotate-key", headers=auth(world.admin))
        for browser in (client, other):
            r = browser.get("/ui/bookings", follow_redirects=False)
            assert r.status_code == 303 and "/ui/signin" in r.headers["location"]
        sign_in(other, new_key.json()["api_key"])
        assert other.get("/ui/bookings", follow_redirects=False).status_code == 200
    with transaction() as s:
        # The two ended sessions are gone (deleted at the next sign-in); the new one is live.
        assert [r.revoked_at is None for r in s.scalars(select(WebSession))] == [True]


def test_a_session_ends_at_a_fixed_time_however_busy(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lifetime counts from sign-in: pages, flashes and re-issued cookies never extend it."""
    import app.web.session

    hours = get_settings().session_hours
    signed_in = utcnow()
    sign_in(client, world.coord1)
    with transaction() as s:
        row = s.scalars(select(WebSession)).one()
        assert row.expires_at - row.created_at == timedelta(hours=hours)
        expires = row.expires_at
    for late in (timedelta(hours=1), timedelta(hours=hours) - timedelta(minutes=1)):
        monkeypatch.setattr(app.web.session, "utcnow", lambda late=late: signed_in + late)
        page = client.get("/ui/find", follow_redirects=False)
        assert page.status_code == 200
        # An action re-issues the cookie with a message: the session keeps its end.
        client.post(
            "/ui/holds",
            data={"csrf": csrf_of(page), "set_id": world.set_a1, "crew_id": world.crew1,
                  "start": iso(300), "end": iso(301)},
        )  # fmt: skip
    with transaction() as s:
        row = s.scalars(select(WebSession)).one()
        assert row.expires_at == expires and row.last_seen > signed_in + timedelta(hours=1)
    monkeypatch.setattr(app.web.session, "utcnow", lambda: expires + timedelta(seconds=1))
    r = client.get("/ui/find", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/ui/signin")


def test_a_refusal_of_any_length_reaches_the_user(client: TestClient, world: World) -> None:
    """A 2,000-character blackout reason: the whole refusal is shown, the cookie stays small."""
    reason = long_text(2000)
    with transaction() as s:
        s.add(Blackout(set_id=world.set_a1, start_date=day(30), end_date=day(32), reason=reason))
    sign_in(client, world.coord1)
    page = client.get(f"/ui/find?start={iso(30)}&last={iso(31)}")
    r = client.post(
        "/ui/holds",
        data={"csrf": csrf_of(page), "set_id": world.set_a1, "crew_id": world.crew1,
              "start": iso(30), "end": iso(32)},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303
    assert len(r.headers.get("set-cookie", "")) < 1000
    shown = client.get(r.headers["location"])
    assert shown.text.count(reason.replace("'", "&#39;")) >= 1
    assert 'class="flash flash-error"' in shown.text
    again = client.get(r.headers["location"])  # shown once
    assert reason not in again.text


def test_cookie_is_secure_over_https(engine: object, world: World) -> None:
    from app.main import create_app

    with TestClient(create_app(), base_url="https://testserver") as c:
        r = sign_in(c, world.admin)
        assert "Secure" in r.headers["set-cookie"]
        assert "Strict-Transport-Security" in c.get("/ui/board").headers


def test_bad_key_and_missing_csrf_are_refused(client: TestClient, world: World) -> None:
    r = sign_in(client, "bl_not-a-key")
    assert r.status_code == 401 and "not valid" in r.text
    assert client.get("/ui/board", follow_redirects=False).status_code == 303  # not signed in
    r = client.post("/ui/signin", data={"csrf": "forged", "api_key": world.admin})
    assert r.status_code == 403 and "did not come from this site" in r.text
    sign_in(client, world.coord1)
    board = client.get("/ui/board")
    body = {
        "csrf": csrf_of(board),
        "set_id": world.set_a1,
        "crew_id": world.crew1,
        "start": iso(30),
        "end": iso(32),
    }
    # A wrong token does nothing: the form comes back with what was typed, to send again.
    back = f"/ui/find?start={iso(30)}&last={iso(31)}"
    r = client.post(
        "/ui/holds",
        data={**body, "csrf": "wrong", "note": "sc. 4 night", "back": back},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == back
    page = client.get(back).text
    assert "nothing was done" in page and 'value="sc. 4 night"' in page
    r = client.post("/ui/holds", data=body, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    with transaction() as s:
        assert s.query(Booking).count() == 0


def test_pages_carry_security_headers(client: TestClient, world: World) -> None:
    for r in (client.get("/ui/signin"), (sign_in(client, world.admin), client.get("/ui/board"))[1]):
        assert "default-src 'self'" in r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["cache-control"] == "no-store"
        assert "<script>" not in r.text  # no inline script: the CSP forbids it


def test_revoking_the_key_ends_the_page_session(client: TestClient, world: World) -> None:
    sign_in(client, world.coord1)
    assert client.get("/ui/bookings").status_code == 200
    me = client.get("/me", headers=auth(world.coord1)).json()
    client.post(f"/users/{me['id']}/revoke", headers=auth(world.admin))
    r = client.get("/ui/bookings", follow_redirects=False)
    assert r.status_code == 303 and "/ui/signin" in r.headers["location"]


def test_language_from_browser_then_cookie(client: TestClient, world: World) -> None:
    r = client.get("/ui/signin", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert '<html lang="zh-CN">' in r.text and "登录" in r.text
    r = client.get("/ui/signin", headers={"Accept-Language": "fr-FR, en;q=0.5"})
    assert '<html lang="en">' in r.text
    r = client.get("/ui/lang/zh", params={"next": "/ui/signin"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/ui/signin"
    r = client.get("/ui/signin", headers={"Accept-Language": "en"})
    assert "登录" in r.text  # the remembered choice wins
    assert client.get("/ui/lang/fr").status_code == 404
    # No open redirect through the language switch.
    r = client.get("/ui/lang/en", params={"next": "https://evil.example/"}, follow_redirects=False)
    assert r.headers["location"] == "/ui/"
    r = client.get("/ui/lang/en", params={"next": "//evil.example/"}, follow_redirects=False)
    assert r.headers["location"] == "/ui/"


def test_catalogue_is_complete_and_formats_are_chinese() -> None:
    assert all(len(v) == 2 and all(v) for v in MESSAGES.values())
    zh, en = Translator("zh"), Translator("en")
    assert en.money(1234567) == zh.money(1234567) == "¥1,234,567"
    assert zh.ymd(day(0).replace(year=2026, month=12, day=3)) == "2026年12月3日"
    assert zh.day(day(0).replace(year=2026, month=12, day=3)) == "12月3日 周四"
    assert en.span(day(0), day(3)) == f"{en.ymd(day(0))} – {en.ymd(day(2))}"
    assert zh.ordinal_hold(2) == "第2意向" and en.ordinal_hold(2) == "2nd hold"
    assert zh.pages(11) == "1 3/8" and zh.pages(8) == "1"
    assert pick_language(None, "en-GB,zh;q=0.8") == "en"
    assert pick_language(None, "de;q=1, zh-TW;q=0.7, en;q=0.3") == "zh"
    assert pick_language("zh", "en") == "zh"


def test_every_page_renders_for_every_role(client: TestClient, world: World) -> None:
    for key in (world.admin, world.manager_a, world.coord1):
        client.cookies.clear()
        sign_in(client, key)
        for path in (
            "/ui/board",
            f"/ui/board?base={world.base_a}&month={iso(40)[:7]}",
            f"/ui/find?start={iso(30)}&last={iso(32)}&tags=street",
            "/ui/bookings",
            "/ui/bookings?past=true",
            "/ui/plans",
            "/ui/feeds",
        ):
            r = client.get(path)
            assert r.status_code == 200, (path, r.text[:300])
            assert r.headers["content-type"].startswith("text/html")
    client.cookies.clear()
    sign_in(client, world.coord1)
    assert client.get("/ui/schedule").status_code == 200


def test_board_scoping_and_bad_input_are_pages(client: TestClient, world: World) -> None:
    sign_in(client, world.manager_b)
    r = client.get(f"/ui/board?base={world.base_a}")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    r = client.get("/ui/board?month=2026-13")
    assert r.status_code == 422 and "YYYY-MM" in r.text
    r = client.get("/ui/board?cell=x")
    assert r.status_code == 422
    r = client.get("/ui/board?base=abc")
    assert r.status_code == 400


def _hold_for(crew: int, set_id: int, a: int, b: int, hours_ago: float) -> int:
    now = utcnow()
    with transaction() as s:
        booking = Booking(
            set_id=set_id,
            crew_id=crew,
            start_date=day(a),
            end_date=day(b),
            status="hold",
            placed_at=now - timedelta(hours=hours_ago),
            expires_at=now + timedelta(days=5),
            note="",
        )
        s.add(booking)
        s.flush()
        return booking.id


def test_hold_confirm_and_a_refusal_explained(client: TestClient, world: World) -> None:
    """Coordinator 1 holds behind coordinator 2: confirming is refused with the reason."""
    _hold_for(world.crew2, world.set_a1, 30, 33, hours_ago=2)
    sign_in(client, world.coord1)
    page = client.get(f"/ui/find?start={iso(30)}&last={iso(32)}")
    assert "AAA-1" in page.text
    r = client.post(
        "/ui/holds",
        data={
            "csrf": csrf_of(page),
            "set_id": world.set_a1,
            "crew_id": world.crew1,
            "start": iso(30),
            "end": iso(33),
        },
    )
    assert r.status_code == 200 and "2nd hold" in r.text
    with transaction() as s:
        mine = s.query(Booking).filter_by(crew_id=world.crew1).one()
        booking_id, version = mine.id, mine.version
    r = client.post(
        f"/ui/bookings/{booking_id}/confirm", data={"csrf": csrf_of(r), "version": version}
    )
    assert r.status_code == 200
    assert "held by another production" in r.text  # the 409's explanation, names hidden
    assert "Production C2" not in r.text
    # Another production's hold is released: now the confirm goes through.
    with transaction() as s:
        other = s.query(Booking).filter_by(crew_id=world.crew2).one()
        other.status = "released"
    r = client.post(f"/ui/bookings/{booking_id}/confirm", data={"csrf": csrf_of(r)})
    assert f"Booking #{booking_id} is confirmed." in r.text
    with transaction() as s:
        assert s.get(Booking, booking_id).status == "confirmed"  # type: ignore[union-attr]
    # A stale version is refused (412), nothing changes.
    r = client.post(
        f"/ui/bookings/{booking_id}/cancel", data={"csrf": csrf_of(r), "version": version}
    )
    assert "has changed since you loaded it" in r.text
    # The board shows it to the coordinator, named.
    board = client.get(f"/ui/board?base={world.base_a}&month={iso(30)[:7]}")
    assert "Production C1" in board.text


def test_manager_cannot_act_and_other_coordinator_never_sees(
    client: TestClient, world: World
) -> None:
    booking_id = _hold_for(world.crew1, world.set_a1, 30, 33, hours_ago=1)
    sign_in(client, world.manager_a)
    page = client.get("/ui/bookings")
    assert f'id="b{booking_id}"' in page.text and "view only" in page.text
    r = client.post(f"/ui/bookings/{booking_id}/release", data={"csrf": csrf_of(page)})
    assert "Only the crew&#39;s coordinators" in r.text or "Only the crew's coordinators" in r.text
    client.cookies.clear()
    sign_in(client, world.coord2)
    page = client.get("/ui/bookings")
    assert f'id="b{booking_id}"' not in page.text
    r = client.post(f"/ui/bookings/{booking_id}/release", data={"csrf": csrf_of(page)})
    assert "not found" in r.text
    with transaction() as s:
        assert s.get(Booking, booking_id).status == "hold"  # type: ignore[union-attr]


def test_feed_pages_create_once_and_revoke(client: TestClient, world: World) -> None:
    """Create link answers with a redirect (post/redirect/get): reloading the page that shows
    the link shows it no more and creates no second feed. A webcal:// link stands beside."""
    from app.models import FeedToken

    sign_in(client, world.coord1)
    page = client.get("/ui/feeds")
    r = client.post(
        "/ui/feeds",
        data={"csrf": csrf_of(page), "subject": f"crew:{world.crew1}"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/ui/feeds"
    r = client.get("/ui/feeds")
    url = re.search(r'value="(http://testserver/feeds/blf_[^"]+\.ics)"', r.text)
    assert url, r.text[:1000]
    webcal = url.group(1).replace("http://", "webcal://")
    assert f'value="{webcal}"' in r.text and f'href="{webcal}"' in r.text
    again = client.get("/ui/feeds").text  # the reload
    assert url.group(1) not in again and "webcal://" not in again
    with transaction() as s:
        assert s.query(FeedToken).count() == 1
    path = url.group(1).replace("http://testserver", "")
    assert client.get(path).status_code == 200
    assert url.group(1) not in client.get("/ui/feeds").text  # shown once
    feed_id = re.search(r'action="/ui/feeds/(\d+)/revoke"', r.text)
    assert feed_id
    client.post(f"/ui/feeds/{feed_id.group(1)}/revoke", data={"csrf": csrf_of(r)})
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/ui/board", "/ui/find", "/ui/bookings", "/ui/plans"])
def test_pages_need_sign_in(client: TestClient, world: World, path: str) -> None:
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/ui/signin?next=")


def test_board_cell_details(client: TestClient, world: World) -> None:
    """The fragment the board's script shows beside the grid; without the script, the page."""
    booking_id = _hold_for(world.crew1, world.set_a1, 30, 33, hours_ago=1)
    sign_in(client, world.manager_a)
    r = client.get(
        "/ui/board/cell", params={"base": world.base_a, "set": world.set_a1, "date": iso(31)}
    )
    assert r.status_code == 200 and 'class="detail"' in r.text and "<html" not in r.text
    assert f"#{booking_id}" in r.text and "Production C1" in r.text and "1st hold" in r.text
    page = client.get(
        "/ui/board",
        params={"base": world.base_a, "month": iso(31)[:7], "cell": f"{world.set_a1}:{iso(31)}"},
    )
    assert f"#{booking_id}" in page.text
    r = client.get(
        "/ui/board/cell", params={"base": world.base_a, "set": world.set_b1, "date": iso(31)}
    )
    assert r.status_code == 404


def test_accepting_a_proposal_is_refused_alike_by_the_api_and_the_page(
    client: TestClient, world: World
) -> None:
    """A manager who sees crew 1 (it holds a set of their base) gets the API's 403 on the
    page too, not a 'not found' (the page used to apply a rule of its own)."""
    from tests.api.test_plans import add_scenes, run_once

    _hold_for(world.crew1, world.set_a1, 40, 41, hours_ago=1)
    add_scenes(world)
    run = run_once()
    api = client.post(f"/plans/{run.id}/crews/{world.crew1}/accept", headers=auth(world.manager_a))
    assert api.status_code == 403, api.text
    sign_in(client, world.manager_a)
    page = client.get(f"/ui/plans/{run.id}?crew={world.crew1}")
    assert page.status_code == 200
    r = client.post(f"/ui/plans/{run.id}/crews/{world.crew1}/accept", data={"csrf": csrf_of(page)})
    refusal = api.json()["detail"].replace("'", "&#39;")
    assert refusal in r.text, r.text[:2000]
    with transaction() as s:
        held = s.scalars(select(Booking).where(Booking.crew_id == world.crew1)).all()
    assert len(held) == 1  # only the hold placed above


def test_dates_at_the_edge_of_the_calendar_are_error_pages(
    client: TestClient, world: World
) -> None:
    """Year 9999, a range ending past 9999-12-31: an error page, never a 500."""
    sign_in(client, world.coord1)
    far = "9999-12-31"
    for path in (
        f"/ui/find?start=9999-12-30&last={far}",
        f"/ui/find?start={far}&last={far}",
        f"/ui/board/cell?base={world.base_a}&set={world.set_a1}&date={far}",
        f"/ui/board?base={world.base_a}&cell={world.set_a1}:{far}",
        "/ui/board?month=9999-12",
    ):
        r = client.get(path)
        assert 400 <= r.status_code < 500, (path, r.status_code)
        assert r.headers["content-type"].startswith("text/html"), path
    page = client.get("/ui/find")
    r = client.post(
        "/ui/holds",
        data={
            "csrf": csrf_of(page),
            "set_id": world.set_a1,
            "crew_id": world.crew1,
            "start": "9999-12-30",
            "end": far,
        },
    )
    assert 400 <= r.status_code < 500 and r.headers["content-type"].startswith("text/html")


def test_day_arithmetic_overflowing_on_stored_data_is_an_error_page(
    client: TestClient, world: World
) -> None:
    """Data stored before the bounds (a scene pinned to 9999-12-31 that runs two days)."""
    from app.models import Crew, Scene

    with transaction() as s:
        crew = s.get(Crew, world.crew1)
        assert crew is not None
        crew.window_end = day(0).replace(year=9999, month=12, day=31)
        s.add(
            Scene(
                crew_id=world.crew1,
                number="1",
                int_ext="INT",
                day_night="DAY",
                minutes=2000,
                pinned_date=day(0).replace(year=9999, month=12, day=31),
            )
        )
    sign_in(client, world.coord1)
    r = client.get(f"/ui/schedule?crew={world.crew1}")
    assert r.status_code == 422 and "9000-12-31" in r.text
    assert r.headers["content-type"].startswith("text/html")


def test_the_session_cookie_alone_cannot_change_feeds(client: TestClient, world: World) -> None:
    """JSON endpoints that change state take the API key only: no CSRF token protects them,
    and a browser sends the cookie with requests from another port of the same host."""
    made = client.post(
        "/feeds", json={"kind": "crew", "crew_id": world.crew1}, headers=auth(world.coord1)
    ).json()
    sign_in(client, world.coord1)
    r = client.post(f"/feeds/{made['id']}/revoke", headers={"Origin": "http://127.0.0.1:9999"})
    assert r.status_code == 401 and "API key" in r.json()["detail"]
    r = client.post("/feeds", json={"kind": "crew", "crew_id": world.crew1})
    assert r.status_code == 401
    assert client.get(str(made["url"])).status_code == 200  # still alive
    # Reads keep working from the pages (the CSV links, the list).
    assert client.get("/feeds").status_code == 200
    assert client.get("/bookings.csv").status_code == 200
    # The API key still works, cookie or not.
    r = client.post(f"/feeds/{made['id']}/revoke", headers=auth(world.coord1))
    assert r.status_code == 200 and r.json()["active"] is False


def test_unknown_ui_addresses_are_a_page_in_the_readers_language(
    client: TestClient, world: World
) -> None:
    for path, lang, words in (
        ("/ui/nowhere", "en", "There is no page at this address"),
        ("/ui/board/extra/bits?x=1", "zh", "此地址没有页面"),
        ("/ui/holds", "en", "Page not found"),  # a form's address, opened as a page
    ):
        r = client.get(path, headers={"Accept-Language": lang})
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("text/html"), path
        assert words in r.text, (path, r.text[:300])
    sign_in(client, world.coord1)
    r = client.post("/ui/nowhere", data={"x": "1"})
    assert r.status_code == 404 and "Page not found" in r.text
    assert client.get("/ui", follow_redirects=False).headers["location"] == "/ui/"
    # The API's unknown addresses stay problem+json.
    assert client.get("/nowhere").headers["content-type"] == "application/problem+json"


def test_pages_choose_bases_by_code(client: TestClient, world: World) -> None:
    sign_in(client, world.manager_a)
    r = client.get("/ui/board?base=AAA")
    assert r.status_code == 200 and "Base AAA" in r.text
    r = client.get(f"/ui/board/cell?base=AAA&set={world.set_a1}&date={iso(3)}")
    assert r.status_code == 200 and 'class="detail"' in r.text
    assert client.get("/ui/board?base=BBB").status_code == 404  # not her base
    assert client.get("/ui/board?base=ZZZ").status_code == 404
    client.cookies.clear()
    sign_in(client, world.coord1)
    r = client.get(f"/ui/find?start={iso(30)}&last={iso(31)}&base=BBB")
    assert r.status_code == 200 and "BBB-1" in r.text and "AAA-1" not in r.text
    assert client.get(f"/ui/find?start={iso(30)}&last={iso(31)}&base=").status_code == 200


def _end_sessions() -> None:
    """Every session's time is up (as if its hours had passed)."""
    with transaction() as s:
        for row in s.scalars(select(WebSession)):
            row.expires_at = utcnow() - timedelta(seconds=1)


def test_a_hold_typed_after_the_session_ended_survives_sign_in(
    client: TestClient, world: World
) -> None:
    """Expired session on the place-hold form: sign-in, then back to the same search with the
    note typed, nothing sent on the user's behalf; sending it then places the hold."""
    back = f"/ui/find?start={iso(30)}&last={iso(31)}&tags=street"
    sign_in(client, world.coord1)
    page = client.get(back)
    _end_sessions()
    note = "灯光组 sc. 12 <b>"
    form = {"csrf": csrf_of(page), "set_id": world.set_a1, "crew_id": world.crew1,
            "start": iso(30), "end": iso(32), "note": note, "back": back}  # fmt: skip
    r = client.post("/ui/holds", data=form, headers={"Origin": "http://testserver"})
    assert r.status_code == 401 and 'name="api_key"' in r.text
    assert "what you typed is kept" in r.text
    resume = re.search(r'name="resume" value="([^"]+)"', r.text)
    assert resume and "csrf" not in resume.group(1)
    r = client.post(
        "/ui/signin",
        data={"csrf": csrf_of(r), "api_key": world.coord1, "next": back,
              "resume": html.unescape(resume.group(1))},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == back
    with transaction() as s:
        assert s.query(Booking).count() == 0  # nothing replayed
    shown = client.get(back)
    assert "Nothing was sent yet" in shown.text
    assert 'value="灯光组 sc. 12 &lt;b&gt;"' in shown.text and "kept" in shown.text
    assert "Nothing was sent yet" not in client.get(back).text  # shown once
    r = client.post("/ui/holds", data={**form, "csrf": csrf_of(shown)})
    assert "1st hold" in r.text
    with transaction() as s:
        assert s.query(Booking).one().note == "灯光组 sc. 12 <b>"


def test_a_booking_action_after_the_cookie_is_gone_comes_back_to_its_button(
    client: TestClient, world: World
) -> None:
    booking_id = _hold_for(world.crew1, world.set_a1, 30, 33, hours_ago=1)
    sign_in(client, world.coord1)
    page = client.get("/ui/bookings")
    token = csrf_of(page)
    client.cookies.clear()  # the browser dropped the cookie: no session, no token
    r = client.post(
        f"/ui/bookings/{booking_id}/release",
        data={"csrf": token, "version": 1, "back": "/ui/bookings"},
    )
    assert r.status_code == 401 and 'name="resume"' in r.text
    resume = html.unescape(re.search(r'name="resume" value="([^"]+)"', r.text).group(1))  # type: ignore[union-attr]
    client.post(
        "/ui/signin",
        data={"csrf": csrf_of(r), "api_key": world.coord1, "next": "/ui/bookings",
              "resume": resume},
        follow_redirects=False,
    )  # fmt: skip
    with transaction() as s:
        assert s.get(Booking, booking_id).status == "hold"  # type: ignore[union-attr]
    shown = client.get("/ui/bookings").text
    row = shown[shown.index(f'id="b{booking_id}"') :]
    assert row.startswith(f'id="b{booking_id}" class="kept"')
    assert re.search(
        r'action="/ui/bookings/\d+/release"[^>]*>(?:(?!</form>).)*autofocus', row, re.S
    )


def test_a_stale_sign_in_form_is_shown_again_not_a_dead_end(
    client: TestClient, world: World
) -> None:
    kept = '{"action": "/ui/holds", "fields": {"note": "x", "back": "/ui/find"}}'
    r = client.post(
        "/ui/signin",
        data={"csrf": "stale", "api_key": world.coord1, "next": "/ui/find", "resume": kept},
    )
    assert r.status_code == 403 and 'name="api_key"' in r.text
    assert 'name="next" value="/ui/find"' in r.text and 'name="resume"' in r.text
    assert world.coord1 not in r.text
    assert client.get("/ui/find", follow_redirects=False).status_code == 303  # not signed in
    # A resume pointing elsewhere than a page of ours is ignored.
    bad = '{"action": "https://evil.example/x", "fields": {}}'
    form = client.get("/ui/signin")
    r = client.post(
        "/ui/signin",
        data={"csrf": csrf_of(form), "api_key": world.coord1, "next": "", "resume": bad},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/ui/find"
    assert "Nothing was sent yet" not in client.get("/ui/find").text


def test_a_form_from_another_origin_is_never_kept(client: TestClient, world: World) -> None:
    booking_id = _hold_for(world.crew1, world.set_a1, 30, 33, hours_ago=1)
    sign_in(client, world.coord1)
    page = client.get("/ui/bookings")
    _end_sessions()
    r = client.post(
        f"/ui/bookings/{booking_id}/cancel",
        data={"csrf": csrf_of(page), "back": "/ui/bookings"},
        headers={"Origin": "http://127.0.0.1:9999"},
    )
    assert r.status_code == 403 and 'name="resume"' not in r.text


def test_pages_write_counts_dates_ranks_and_names_one_way(client: TestClient, world: World) -> None:
    """A one-day hold: '1 day', '1 active hold'; in Chinese the set's Chinese name, its kind
    as 实景 (AAA-2 is a palace interior), the rank 第1意向 and dates as 2026年12月3日."""
    booking_id = _hold_for(world.crew1, world.set_a2, 30, 31, hours_ago=1)
    sign_in(client, world.manager_a)
    month = f"/ui/board?base={world.base_a}&month={iso(30)[:7]}"
    mine = client.get("/ui/bookings").text
    assert "1 day<" in mine and "1 days" not in mine
    board = client.get(month).text
    assert "1 active hold " in board and "1 active holds" not in board
    client.get("/ui/lang/zh")
    zh = Translator("zh")
    mine = client.get("/ui/bookings").text
    row = mine[mine.index(f'id="b{booking_id}"') :]
    assert "景AAA-2" in row and "Set AAA-2" not in row
    assert zh.ymd(day(30)) in row and iso(30) not in row
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d", row)  # when the hold lapses
    board = client.get(month).text
    assert "第1意向" in board and "第一意向" not in board
    assert "实景" in board and "外景街区" not in board


def test_each_day_of_a_multi_day_scene_shows_its_own_length(
    client: TestClient, world: World
) -> None:
    """900 minutes at 720 a day: day one shoots 720 minutes (3 1/8 of its 4 pages), day two
    the last 180 (7/8 page), and each day's total counts what it shoots."""
    from app.models import Crew, Scene

    with transaction() as s:
        crew = s.get(Crew, world.crew1)
        assert crew is not None and crew.max_minutes_per_day == 720
        s.add(Scene(crew_id=world.crew1, number="12", int_ext="EXT", day_night="DAY",
                    minutes=900, page_eighths=32, pinned_date=day(20),
                    pinned_set_id=world.set_a1))  # fmt: skip
        s.add(Scene(crew_id=world.crew1, number="13", int_ext="INT", day_night="DAY",
                    minutes=60, page_eighths=8, pinned_date=day(21),
                    pinned_set_id=world.set_a1))  # fmt: skip
    sign_in(client, world.coord1)
    page = client.get("/ui/schedule").text
    strips = re.findall(r'<span class="st-pages">(.*?)</span>', page, re.S)
    assert [re.sub(r"<[^>]+>", " ", s).split() for s in strips] == [
        ["3", "1/8", "pages", "720", "min"],
        ["7/8", "page", "180", "min"],
        ["1", "page", "60", "min"],
    ]
    days = re.findall(r'class="strip daybreak">(.*?)<span', page, re.S)
    assert "3 1/8 pages" in days[0] and "1 7/8 pages" in days[1], days


def test_find_says_what_is_wrong_with_the_dates_and_keeps_the_form(
    client: TestClient, world: World
) -> None:
    """The last day before the first, or days gone by: the form comes back as typed, with the
    problem in plain words, and no set is offered as free."""
    sign_in(client, world.coord1)
    r = client.get(f"/ui/find?start={iso(32)}&last={iso(30)}&tags=street")
    assert r.status_code == 200
    assert "The last day" in r.text and "is before the first day" in r.text
    assert f'value="{iso(32)}"' in r.text and f'value="{iso(30)}"' in r.text
    assert 'value="street" checked' in r.text and "AAA-1" not in r.text
    r = client.get(f"/ui/find?start={iso(-3)}&last={iso(1)}")
    assert r.status_code == 200 and "has already gone by" in r.text
    assert f'value="{iso(-3)}"' in r.text and "setcard" not in r.text
    client.get("/ui/lang/zh")
    r = client.get(f"/ui/find?start={iso(32)}&last={iso(30)}")
    assert "早于开始日期" in r.text
    # The API never offers days gone by as free either.
    api = client.get(f"/availability?start={iso(-1)}&end={iso(2)}", headers=auth(world.coord1))
    assert api.status_code == 422 and "never free" in api.json()["detail"]


def test_find_names_an_unknown_tag_and_the_closest_known_ones(
    client: TestClient, world: World
) -> None:
    sign_in(client, world.coord1)
    r = client.get(f"/ui/find?start={iso(30)}&last={iso(31)}&tags=stret&tags=interior")
    assert r.status_code == 200
    assert "No set carries the tag “stret”" in r.text and "Did you mean:" in r.text
    suggestion = re.search(r'<a class="chip" href="([^"]+)">street</a>', r.text)
    assert suggestion, r.text
    assert 'id="typed-tags" name="tags" type="text" maxlength="400" value="stret"' in r.text
    assert "setcard" not in r.text  # no search on a tag no set carries
    url = html.unescape(suggestion.group(1))
    assert "tags=interior&tags=street" in url and "stret" not in url  # the typo replaced
    r = client.get(url.replace("tags=interior&", ""))
    assert 'id="set-' in r.text and "No set carries" not in r.text
    assert f'id="set-{world.set_a1}"' in r.text
    r = client.get(f"/ui/find?start={iso(30)}&last={iso(31)}&tags=Street!%20qqqq")
    assert r.status_code == 200 and "“street!”" in r.text and "“qqqq”" in r.text
    assert "Pick tags from the list above" in r.text


def test_a_booking_page_tells_its_history_naming_whom_the_viewer_may_know(
    client: TestClient, world: World
) -> None:
    """Crew 1 holds, crew 2 holds behind it and challenges, crew 1 confirms. Crew 1's
    coordinator reads who placed and confirmed it, and that another production challenged;
    the base's manager reads every name; crew 2's coordinator never learns it exists."""
    from tests.api.test_bookings import act, hold

    first = hold(client, world, world.crew1, world.set_a1, 30, 33).json()["id"]
    second = hold(client, world, world.crew2, world.set_a1, 31, 32).json()["id"]
    assert act(client, world.coord2, second, "challenge").status_code == 200
    assert act(client, world.coord1, first, "confirm").status_code == 200
    sign_in(client, world.coord1)
    mine = client.get("/ui/bookings").text
    assert f'href="/ui/bookings/{first}"' in mine
    page = client.get(f"/ui/bookings/{first}")
    assert page.status_code == 200
    events = re.findall(r'<li class="event ev-(\w+)">(.*?)</li>', page.text, re.S)
    assert [kind for kind, _ in events] == ["placed", "challenged_by", "confirmed"]
    assert "coord 1" in events[0][1] and "coord 1" in events[2][1]
    assert "another production" in events[1][1] and "coord 2" not in page.text
    assert "Production C2" not in page.text and f"#{second}" not in page.text
    assert "Confirmed" in page.text and "Cancel booking" in page.text  # hers to act on
    client.cookies.clear()
    sign_in(client, world.manager_a)
    page = client.get(f"/ui/bookings/{first}").text
    assert "coord 2" in page and "view only" in page and "Cancel booking" not in page
    cell = client.get(
        "/ui/board/cell", params={"base": world.base_a, "set": world.set_a1, "date": iso(31)}
    ).text
    assert f'href="/ui/bookings/{first}"' in cell
    client.cookies.clear()
    sign_in(client, world.coord2)
    assert client.get(f"/ui/bookings/{first}").status_code == 404
    assert client.get(f"/ui/bookings/{second}").status_code == 200
    client.get("/ui/lang/zh")
    page = client.get(f"/ui/bookings/{second}").text
    assert "向在先意向发起挑战" in page and "景AAA-1" in page


def test_a_manager_starts_a_plan_run_watches_it_and_stops_it(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page starts a run as POST /plans does (recorded, then its worker spawned), shows
    its progress until it ends, refuses a second run while one goes, and stops it."""
    from app.models import PlanRun

    spawned: list[int] = []
    monkeypatch.setattr("app.web.pages.spawn", lambda run_id, url: spawned.append(run_id))
    sign_in(client, world.coord1)
    plans = client.get("/ui/plans")
    assert 'action="/ui/plans"' not in plans.text  # coordinators do not start runs
    r = client.post("/ui/plans", data={"csrf": csrf_of(plans), "horizon_days": 30, "time_limit": 5})
    assert r.status_code == 403 and not spawned
    client.cookies.clear()
    sign_in(client, world.manager_a)
    plans = client.get("/ui/plans")
    assert 'action="/ui/plans"' in plans.text
    r = client.post(
        "/ui/plans",
        data={"csrf": csrf_of(plans), "horizon_days": 30, "time_limit": 5},
        follow_redirects=False,
    )
    with transaction() as s:
        run = s.scalars(select(PlanRun)).one()
        assert (run.status, run.params["horizon_days"], run.params["time_limit"]) == (
            "queued",
            30,
            5.0,
        )
        run_id = run.id
    assert spawned == [run_id]
    assert r.status_code == 303 and r.headers["location"] == f"/ui/plans/{run_id}/progress"
    page = client.get(r.headers["location"])
    assert "Waiting to start" in page.text and 'http-equiv="refresh"' in page.text
    assert f'data-poll="/ui/plans/{run_id}/progress/live"' in page.text
    live = client.get(f"/ui/plans/{run_id}/progress/live")
    assert live.status_code == 200 and "<html" not in live.text and 'data-done="false"' in live.text
    with transaction() as s:  # the worker reports
        found = s.get(PlanRun, run_id)
        assert found is not None
        found.status = "running"
        found.progress = {"elapsed": 2.4, "best_total": 1234567, "best_bound": 1000000,
                          "phase": "search"}  # fmt: skip
    live = client.get(f"/ui/plans/{run_id}/progress/live").text
    assert "Improving the plan" in live and "¥1,234,567" in live and "¥1,000,000" in live
    assert "2 seconds" in live and "19%" in live  # at most 19% above the best possible

    # A second run while this one goes: said on the page, nothing started.
    r = client.post("/ui/plans", data={"csrf": csrf_of(page), "horizon_days": 7, "time_limit": 5})
    assert f"Run #{run_id} is still in progress" in r.text and spawned == [run_id]
    r = client.post(f"/ui/plans/{run_id}/cancel", data={"csrf": csrf_of(r)})
    assert f"Run #{run_id} is asked to stop" in r.text
    with transaction() as s:
        assert s.query(PlanRun).count() == 1
        assert s.get(PlanRun, run_id).cancel_requested  # type: ignore[union-attr]
    client.cookies.clear()
    sign_in(client, world.coord1)
    page = client.get(f"/ui/plans/{run_id}/progress")
    assert page.status_code == 200 and "Stop now" not in page.text  # watching only
    r = client.post(f"/ui/plans/{run_id}/cancel", data={"csrf": csrf_of(page)})
    assert r.status_code == 403


def test_a_finished_run_links_to_its_proposals(client: TestClient, world: World) -> None:
    from tests.api.test_plans import add_scenes, run_once

    add_scenes(world)
    run = run_once()
    sign_in(client, world.coord1)
    page = client.get(f"/ui/plans/{run.id}/progress").text
    assert 'data-done="true"' in page and 'http-equiv="refresh"' not in page
    assert f'href="/ui/plans/{run.id}?crew={world.crew1}" id="run-result"' in page
    assert "Done" in page


def test_the_summary_across_bases_is_a_page_for_managers_and_admins(
    client: TestClient, world: World
) -> None:
    from tests.api.test_bookings import act, hold

    first = hold(client, world, world.crew1, world.set_a1, 30, 33).json()["id"]
    act(client, world.coord1, first, "confirm")
    start = day(30).replace(day=1)
    end = (start + timedelta(days=31)).replace(day=1)
    month = start.strftime("%Y-%m")
    api = client.get(
        "/occupancy/summary",
        params={"start": start.isoformat(), "end": end.isoformat()},
        headers=auth(world.admin),
    ).json()
    revenue = Translator("en").money(api["bases"][0]["figures"]["revenue"])
    assert revenue != "¥0"
    sign_in(client, world.admin)
    board = client.get("/ui/board").text
    assert 'href="/ui/summary"' in board
    page = client.get(f"/ui/summary?month={month}")
    assert page.status_code == 200
    rows = re.findall(r'<tr id="base-(\w+)">', page.text)
    assert rows == ["AAA", "BBB"]
    row = page.text[page.text.index('<tr id="base-AAA">') :]
    assert revenue in row[: row.index("</tr>")]  # the API's figures, by the same service
    assert f'href="/ui/board?base=AAA&amp;month={month}"' in page.text
    client.cookies.clear()
    sign_in(client, world.manager_b)
    page = client.get(f"/ui/summary?month={month}")
    assert re.findall(r'<tr id="base-(\w+)">', page.text) == ["BBB"]
    client.cookies.clear()
    sign_in(client, world.coord1)
    assert 'href="/ui/summary"' not in client.get("/ui/find").text
