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
