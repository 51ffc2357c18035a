"""Rate limit per API key, shared through the database, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from app.config import get_settings
from tests.factories import World, auth


def test_past_the_limit_a_key_gets_429_with_retry_after(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.deps

    # One fixed instant mid-minute: the test must not straddle a window boundary.
    instant = datetime(2026, 12, 1, 4, 30, 30, tzinfo=UTC)
    monkeypatch.setattr(app.deps, "utcnow", lambda: instant)
    monkeypatch.setattr(get_settings(), "rate_limit_per_minute", 5)
    codes = [client.get("/me", headers=auth(world.coord1)).status_code for _ in range(5)]
    assert codes == [200] * 5
    refused = client.get("/bases", headers=auth(world.coord1))
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.headers["retry-after"] == "30"
    assert "at most 5 a minute" in refused.json()["detail"]
    # Other keys are counted apart.
    assert client.get("/me", headers=auth(world.coord2)).status_code == 200


def test_downloads_count_against_the_same_limit(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.deps

    instant = datetime(2026, 12, 1, 4, 30, 30, tzinfo=UTC)
    monkeypatch.setattr(app.deps, "utcnow", lambda: instant)
    monkeypatch.setattr(get_settings(), "rate_limit_per_minute", 3)
    codes = [client.get("/bookings.csv", headers=auth(world.coord1)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get("/me", headers=auth(world.coord1)).status_code == 429


def test_the_limit_can_be_turned_off(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "rate_limit_per_minute", 0)
    assert all(client.get("/me", headers=auth(world.admin)).status_code == 200 for _ in range(20))


def test_pages_and_cookie_downloads_share_the_users_one_limit(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The budget is the user's, whichever way the requests come: pages, CSV downloads with
    the page session, the API key. Past it, a page in the user's language with Retry-After."""
    import app.deps
    from tests.web.test_pages import sign_in

    instant = datetime(2026, 12, 1, 4, 30, 30, tzinfo=UTC)
    monkeypatch.setattr(app.deps, "utcnow", lambda: instant)
    monkeypatch.setattr(get_settings(), "rate_limit_per_minute", 6)
    client.cookies.set("backlot_lang", "zh")
    sign_in(client, world.coord1)  # the sign-in itself is not counted: nobody is signed in
    assert client.get("/ui/bookings").status_code == 200
    assert client.get("/bookings.csv").status_code == 200  # the page's download link
    assert client.get("/me", headers=auth(world.coord1)).status_code == 200
    assert [client.get("/ui/find").status_code for _ in range(3)] == [200] * 3
    refused = client.get("/ui/bookings")
    assert refused.status_code == 429 and refused.headers["retry-after"] == "30"
    assert refused.headers["content-type"].startswith("text/html")
    assert "请求过于频繁" in refused.text and "30 秒" in refused.text
    download = client.get("/bookings.csv")
    assert download.status_code == 429 and download.headers["retry-after"] == "30"
    assert client.get("/me", headers=auth(world.coord1)).status_code == 429
    # Another user's budget is untouched.
    assert client.get("/me", headers=auth(world.coord2)).status_code == 200
