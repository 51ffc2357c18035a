"""The inbox on every page (unread count, mark read with CSRF) and the notice settings page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.factories import World, auth, iso
from tests.web.test_pages import csrf_of, sign_in


def challenge_c1(client: TestClient, world: World) -> None:
    ids = []
    for key, crew in ((world.coord1, world.crew1), (world.coord3, world.crew3)):
        r = client.post(
            "/bookings",
            json={"set_id": world.set_a1, "crew_id": crew, "start": iso(10), "end": iso(12)},
            headers=auth(key),
        )
        ids.append(r.json()["id"])
    assert client.post(f"/bookings/{ids[1]}/challenge", headers=auth(world.coord3)).is_success


def test_unread_count_on_every_page_and_mark_read(client: TestClient, world: World) -> None:
    challenge_c1(client, world)
    sign_in(client, world.coord1)
    client.get("/ui/lang/en")
    for path in ("/ui/find", "/ui/bookings", "/ui/plans", "/ui/feeds"):
        page = client.get(path)
        assert re.search(r'<span class="badge"[^>]*>1<', page.text), path
    inbox = client.get("/ui/inbox")
    assert "Your hold was challenged" in inbox.text and "confirm it by" in inbox.text
    notice_id = re.search(r'action="/ui/inbox/([0-9a-f-]+)/read"', inbox.text)
    assert notice_id
    # Without the form's token nothing is marked.
    client.post(f"/ui/inbox/{notice_id.group(1)}/read", data={"csrf": "stale"})
    assert 'class="badge"' in client.get("/ui/inbox").text
    r = client.post(
        f"/ui/inbox/{notice_id.group(1)}/read",
        data={"csrf": csrf_of(inbox)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    after = client.get("/ui/find")
    assert not re.search(r'<span class="badge"', after.text)
    # Someone else's notice is not theirs to mark.
    sign_in(client, world.coord3)
    other = client.get("/ui/inbox")
    r = client.post(f"/ui/inbox/{notice_id.group(1)}/read", data={"csrf": csrf_of(other)})
    assert r.status_code == 404


def test_settings_page_language_email_and_webhooks(client: TestClient, world: World) -> None:
    sign_in(client, world.coord1)
    client.get("/ui/lang/zh")
    page = client.get("/ui/settings")
    assert "通知设置" in page.text and "本服务器未配置电子邮件" in page.text
    r = client.post(
        "/ui/settings",
        data={"csrf": csrf_of(page), "language": "en", "email": "c1@example.com",
              "email_enabled": "true"},
    )  # fmt: skip
    assert r.status_code == 200 and "设置已保存" in r.text
    prefs = client.get("/notices/preferences", headers=auth(world.coord1)).json()
    assert prefs == {"email": "c1@example.com", "email_enabled": True, "language": "en",
                     "email_available": False}  # fmt: skip
    page = client.get("/ui/settings")
    created = client.post(
        "/ui/settings/webhooks",
        data={"csrf": csrf_of(page), "url": "https://hooks.example.com/c1",
              "kinds": ["hold_first", "hold_challenged"]},
    )  # fmt: skip
    assert created.status_code == 200
    secret = re.search(r'value="(whsec_[^"]+)"', created.text)
    assert secret and "https://hooks.example.com/c1" in created.text
    assert "whsec_" not in client.get("/ui/settings").text  # shown once
    refused = client.post(
        "/ui/settings/webhooks",
        data={"csrf": csrf_of(page), "url": "http://127.0.0.1/x", "kinds": ["hold_first"]},
    )
    assert refused.status_code == 422
    (hook,) = client.get("/webhooks", headers=auth(world.coord1)).json()
    page = client.get("/ui/settings")
    r = client.post(f"/ui/settings/webhooks/{hook['id']}/delete", data={"csrf": csrf_of(page)})
    assert r.status_code == 200 and client.get("/webhooks", headers=auth(world.coord1)).json() == []
