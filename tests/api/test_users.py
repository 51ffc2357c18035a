"""User management: keys shown once, revocation, the last administrator."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import World, auth


def test_new_user_key_works_once_revoked_it_is_refused(client: TestClient, world: World) -> None:
    made = client.post(
        "/users",
        json={"name": "新协调", "role": "coordinator", "crews": ["C1"]},
        headers=auth(world.admin),
    )
    assert made.status_code == 201
    key = made.json()["api_key"]
    assert client.get("/me", headers=auth(key)).json()["crews"] == ["C1"]
    assert (
        "api_key" not in client.get(f"/users/{made.json()['id']}", headers=auth(world.admin)).json()
    )
    assert (
        client.post(f"/users/{made.json()['id']}/revoke", headers=auth(world.admin)).status_code
        == 200
    )
    assert client.get("/me", headers=auth(key)).status_code == 401


def test_the_last_administrator_cannot_be_revoked(client: TestClient, world: World) -> None:
    me = client.get("/me", headers=auth(world.admin)).json()
    refused = client.post(f"/users/{me['id']}/revoke", headers=auth(world.admin))
    assert refused.status_code == 409 and "last active administrator" in refused.json()["detail"]
    assert client.get("/me", headers=auth(world.admin)).status_code == 200
    other = client.post(
        "/users", json={"name": "second admin", "role": "admin"}, headers=auth(world.admin)
    ).json()
    assert (
        client.post(f"/users/{me['id']}/revoke", headers=auth(other["api_key"])).status_code == 200
    )
