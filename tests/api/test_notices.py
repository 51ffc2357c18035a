"""Notices (both databases): written with the change that causes them, read in the inbox,
delivered by ``backlot notify`` to webhooks and e-mail on local receivers, with failures,
retries, backoff and a subscription disabled after failing again and again."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.bookings.service import challenge, lock, place, sweep_expired
from app.cli import cli
from app.config import Settings, get_settings
from app.crews.service import get_crew
from app.db import transaction
from app.models import Booking, Notice, NoticeDelivery, User, WebhookSubscription, utcnow
from app.notices import service as notices
from app.notices.webhooks import DeliveryError, send
from app.notices.worker import backoff, run_once
from tests.api.test_access import assert_problem
from tests.factories import World, auth, day, iso
from tests.notify_receivers import smtp_sink, webhook_receiver


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """The app's settings, changeable by the test (undone after it)."""
    found = get_settings()
    yield found
    monkeypatch.undo()


def setting(monkeypatch: pytest.MonkeyPatch, **values: Any) -> None:
    for name, value in values.items():
        monkeypatch.setattr(get_settings(), name, value)


def hold(client: TestClient, key: str, crew: int, set_id: int, start: int, end: int) -> int:
    r = client.post(
        "/bookings",
        json={"set_id": set_id, "crew_id": crew, "start": iso(start), "end": iso(end)},
        headers=auth(key),
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def inbox(client: TestClient, key: str, **params: Any) -> list[dict[str, Any]]:
    r = client.get("/notices", params=params, headers=auth(key))
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def count_notices() -> int:
    with transaction() as s:
        return int(s.scalar(select(func.count()).select_from(Notice)) or 0)


# --- written with the change ------------------------------------------------------------------


def test_a_challenge_tells_the_holds_ahead_their_real_deadline(
    client: TestClient, world: World
) -> None:
    first = hold(client, world.coord1, world.crew1, world.set_a1, 10, 13)
    second = hold(client, world.coord3, world.crew3, world.set_a1, 11, 12)
    r = client.post(f"/bookings/{second}/challenge", headers=auth(world.coord3))
    assert r.status_code == 200, r.text
    (notice,) = inbox(client, world.coord1)
    assert notice["kind"] == "hold_challenged" and notice["read_at"] is None
    booking = client.get(f"/bookings/{first}", headers=auth(world.coord1)).json()
    deadline = datetime.fromisoformat(booking["expires_at"])
    assert datetime.fromisoformat(notice["payload"]["deadline"]) == deadline
    # Written in the user's language (Chinese unless chosen), naming the local deadline.
    local = deadline.astimezone(get_settings_zone())
    written = f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"  # the zh date format
    assert written in notice["text"] and "挑战" in notice["text"]
    assert notice["link"] == f"/ui/bookings?crew={world.crew1}#b{first}"
    # The challenger and the others hear nothing; the challenger's name is nowhere.
    assert inbox(client, world.coord3) == [] and inbox(client, world.manager_a) == []
    assert "C3" not in json.dumps(notice)


def get_settings_zone() -> Any:
    from app.timeutil import base_zone

    return base_zone()


def test_a_change_rolled_back_leaves_no_notice(world: World) -> None:
    """The outbox: a notice lives and dies with the transaction of its change."""
    with transaction() as s:
        actor = s.scalars(select(User).where(User.role == "admin")).one()
        now = utcnow()
        ahead = place(s, actor, get_crew(s, world.crew1), world.set_a1, day(5), day(7),
                      confirm_now=False, note="", now=now)  # fmt: skip
        behind = place(s, actor, get_crew(s, world.crew3), world.set_a1, day(5), day(7),
                       confirm_now=False, note="", now=now)  # fmt: skip
    assert ahead.created and behind.created
    with pytest.raises(RuntimeError), transaction() as s:
        actor = s.scalars(select(User).where(User.role == "admin")).one()
        booking = s.get(Booking, behind.booking.id)
        assert booking is not None
        lock(s, booking, utcnow(), None)
        challenge(s, actor, booking, utcnow())
        assert s.scalar(select(func.count()).select_from(Notice)) == 1
        raise RuntimeError("the request failed after the challenge")
    assert count_notices() == 0


def test_confirm_and_cancel_tell_the_base_managers(client: TestClient, world: World) -> None:
    booking = hold(client, world.coord1, world.crew1, world.set_a1, 20, 22)
    assert client.post(f"/bookings/{booking}/confirm", headers=auth(world.coord1)).is_success
    (confirmed,) = inbox(client, world.manager_a)
    assert confirmed["kind"] == "booking_confirmed"
    assert confirmed["payload"]["crew"] == "Production C1"
    assert inbox(client, world.manager_b) == [] and inbox(client, world.coord1) == []
    assert client.post(f"/bookings/{booking}/cancel", headers=auth(world.coord1)).is_success
    kinds = [n["kind"] for n in inbox(client, world.manager_a)]
    assert kinds == ["booking_cancelled", "booking_confirmed"]
    # A direct booking tells them too.
    r = client.post(
        "/bookings",
        json={"set_id": world.set_a2, "crew_id": world.crew1, "start": iso(30), "end": iso(31),
              "status": "confirmed"},
        headers=auth(world.coord1),
    )  # fmt: skip
    assert r.status_code == 201, r.text
    assert inbox(client, world.manager_a)[0]["kind"] == "booking_confirmed"


def test_the_next_hold_hears_it_became_first_once(client: TestClient, world: World) -> None:
    first = hold(client, world.coord1, world.crew1, world.set_a1, 10, 13)
    hold(client, world.coord3, world.crew3, world.set_a1, 12, 14)
    assert client.post(f"/bookings/{first}/release", headers=auth(world.coord1)).is_success
    (notice,) = inbox(client, world.coord3)
    assert notice["kind"] == "hold_first" and "第一" in notice["text"]
    # A hold that lapses (swept by anyone) moves the next one up too.
    a = hold(client, world.coord1, world.crew1, world.set_a2, 40, 42)
    b = hold(client, world.coord2, world.crew2, world.set_a2, 40, 41)
    with transaction() as s:
        found = s.get(Booking, a)
        assert found is not None
        found.expires_at = utcnow() - timedelta(minutes=1)
    with transaction() as s:
        assert sweep_expired(s, utcnow()) == 1
    (moved,) = inbox(client, world.coord2)
    assert moved["kind"] == "hold_first" and moved["payload"]["booking_id"] == b


def test_lapse_warnings_once_per_deadline_and_the_cli(client: TestClient, world: World) -> None:
    booking = hold(client, world.coord1, world.crew1, world.set_a1, 10, 12)
    assert run_once().warned == 0  # lapses in 7 days: no warning yet
    with transaction() as s:
        found = s.get(Booking, booking)
        assert found is not None
        found.expires_at = utcnow() + timedelta(hours=5)
    result = CliRunner().invoke(cli, ["notify", "--once"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["warned"] == 1
    assert run_once().warned == 0  # not twice
    (notice,) = inbox(client, world.coord1)
    assert notice["kind"] == "hold_lapses_soon"


def test_a_new_proposal_tells_the_crew(engine: object, world: World) -> None:
    from tests.api.test_plans import FAST, add_scenes
    from tests.api.test_plans import run_once as plan_run

    add_scenes(world)
    run = plan_run(FAST)
    assert run.status == "succeeded"
    with transaction() as s:
        got = s.scalars(select(Notice).where(Notice.kind == "plan_proposal")).all()
        by_user = {n.user_id: n.payload for n in got}
        coord1 = s.scalars(select(User).where(User.name == "coord 1")).one()
    assert by_user[coord1.id]["run_id"] == run.id and by_user[coord1.id]["scenes"] == 5
    assert len(by_user) == 2  # crews 1 and 2; crew 3 has nothing to shoot
    again = plan_run(FAST)  # the same data: the same proposals, no new notice
    assert again.changed_assignments == 0
    with transaction() as s:
        assert s.scalar(select(func.count()).where(Notice.kind == "plan_proposal")) == 2


# --- the inbox and preferences ----------------------------------------------------------------


def test_inbox_mark_read_and_language(client: TestClient, world: World) -> None:
    hold(client, world.coord1, world.crew1, world.set_a1, 10, 13)
    second = hold(client, world.coord3, world.crew3, world.set_a1, 10, 13)
    client.post(f"/bookings/{second}/challenge", headers=auth(world.coord3))
    (notice,) = inbox(client, world.coord1, unread=True)
    # Nobody else may read or mark it: 404, as if it did not exist.
    for key in (world.admin, world.coord3):
        assert_problem(client.post(f"/notices/{notice['id']}/read", headers=auth(key)), 404)
    assert_problem(
        client.post(
            "/notices/00000000-0000-0000-0000-000000000000/read", headers=auth(world.coord1)
        ),
        404,
    )
    r = client.post(f"/notices/{notice['id']}/read", headers=auth(world.coord1))
    assert r.status_code == 200 and r.json()["read_at"] is not None
    assert inbox(client, world.coord1, unread=True) == []
    prefs = client.put(
        "/notices/preferences",
        json={"language": "en", "email": "c1@example.com", "email_enabled": True},
        headers=auth(world.coord1),
    )
    assert prefs.status_code == 200 and prefs.json()["email_available"] is False
    assert client.get("/notices/preferences", headers=auth(world.coord1)).json()["language"] == (
        "en"
    )
    (english,) = inbox(client, world.coord1)
    assert english["text"].startswith("Your hold #") and "challenged" in english["text"]


# --- webhooks -----------------------------------------------------------------------------


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """A receiver's check, as the Standard Webhooks libraries do it."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        hmac.compare_digest(sig.split(",", 1)[1], expected)
        for sig in headers["webhook-signature"].split()
    )


def subscribe(client: TestClient, key: str, url: str, kinds: list[str]) -> dict[str, Any]:
    r = client.post("/webhooks", json={"url": url, "kinds": kinds}, headers=auth(key))
    assert r.status_code == 201, r.text
    return dict(r.json())


def challenge_c1(client: TestClient, world: World, start: int = 10) -> None:
    hold(client, world.coord1, world.crew1, world.set_a1, start, start + 3)
    second = hold(client, world.coord3, world.crew3, world.set_a1, start, start + 3)
    assert client.post(f"/bookings/{second}/challenge", headers=auth(world.coord3)).is_success


def test_webhook_signed_delivered_retried_and_logged(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    setting(monkeypatch, webhook_allow_private=True)  # the receiver is on loopback
    with webhook_receiver() as receiver:
        hook = subscribe(client, world.coord1, receiver.url, ["hold_challenged"])
        assert hook["secret"].startswith("whsec_")
        listed = client.get("/webhooks", headers=auth(world.coord1)).json()
        assert [h["id"] for h in listed] == [hook["id"]] and "secret" not in listed[0]
        assert client.get("/webhooks", headers=auth(world.coord3)).json() == []
        receiver.answers = [500]  # the first attempt fails
        challenge_c1(client, world)
        now = utcnow()
        first = run_once(now)
        assert (first.claimed, first.retrying, first.delivered) == (1, 1, 0)
        assert run_once(now + timedelta(seconds=29)).claimed == 0  # backing off: 30 s
        second = run_once(now + timedelta(seconds=31))
        assert second.delivered == 1
        one, two = receiver.requests
        assert one.headers["webhook-id"] == two.headers["webhook-id"]  # the idempotency id
        for got in (one, two):
            assert verify(hook["secret"], got.headers, got.body)
        message = json.loads(two.body)
        assert message["type"] == "hold_challenged"
        assert message["data"]["id"] == two.headers["webhook-id"]
        assert message["data"]["booking_id"] and "deadline" in message["data"]
        assert not verify("whsec_" + base64.b64encode(b"x" * 24).decode(), two.headers, two.body)
        log = client.get(f"/webhooks/{hook['id']}/deliveries", headers=auth(world.coord1))
        (entry,) = log.json()["items"]
        assert entry["status"] == "delivered" and entry["attempts"] == 2
        assert entry["last_error"] == "" and entry["delivered_at"] is not None
        assert_problem(
            client.get(f"/webhooks/{hook['id']}/deliveries", headers=auth(world.coord3)), 404
        )
    assert_problem(client.delete(f"/webhooks/{hook['id']}", headers=auth(world.coord3)), 404)
    assert client.delete(f"/webhooks/{hook['id']}", headers=auth(world.coord1)).status_code == 204
    assert client.get("/webhooks", headers=auth(world.coord1)).json() == []


def test_backoff_doubles_up_to_its_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    setting(monkeypatch, notify_backoff_seconds=30.0, notify_backoff_max_seconds=600.0)
    assert [backoff(n).total_seconds() for n in range(1, 7)] == [30, 60, 120, 240, 480, 600]


def test_a_failing_webhook_gives_up_and_is_disabled_with_a_notice(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    setting(monkeypatch, webhook_allow_private=True, webhook_disable_after=3,
            notify_max_attempts=2, notify_backoff_seconds=10.0)  # fmt: skip
    with webhook_receiver() as receiver:
        receiver.default = 503
        hook = subscribe(client, world.coord1, receiver.url, ["hold_challenged", "hold_first"])
        challenge_c1(client, world, 10)
        challenge_c1(client, world, 20)
        now = utcnow()
        assert run_once(now).retrying == 2  # both notices' first attempts fail
        later = run_once(now + timedelta(seconds=11))
        # The first notice's second attempt is its last, and the third failure in a row:
        # the subscription is disabled and the other notice's delivery cancelled, unsent.
        assert later.failed == 1 and later.disabled == 1
        assert len(receiver.requests) == 3
    with transaction() as s:
        found = s.get(WebhookSubscription, hook["id"])
        assert found is not None and not found.active and found.disabled_at is not None
        statuses = sorted(d.status for d in s.scalars(select(NoticeDelivery)))
    assert statuses == ["cancelled", "failed"]
    log = client.get(f"/webhooks/{hook['id']}/deliveries", headers=auth(world.coord1)).json()
    errors = sorted(e["last_error"] for e in log["items"])
    assert "HTTP 503" in errors[0] and errors[1] == "the subscription was disabled"
    kinds = [n["kind"] for n in inbox(client, world.coord1)]
    assert kinds[0] == "webhook_disabled"
    assert client.get("/webhooks", headers=auth(world.coord1)).json()[0]["active"] is False
    # New notices no longer go to it.
    challenge_c1(client, world, 30)
    assert run_once(utcnow() + timedelta(hours=1)).claimed == 0


def test_webhook_addresses_are_checked_against_forgery(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for url in (
        "http://127.0.0.1:8000/x",
        "http://localhost/x",
        "http://10.1.2.3/x",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/x",
        "https://user:pw@hooks.example.com/x",
        "ftp://hooks.example.com/x",
    ):
        r = client.post(
            "/webhooks", json={"url": url, "kinds": ["hold_first"]}, headers=auth(world.coord1)
        )
        assert_problem(r, 422)
    # A public name that resolves to a private address is refused when sending.
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("192.168.1.5", 443))]
    )
    with pytest.raises(DeliveryError, match="private"):
        send("https://hooks.example.com/x", "whsec_" + "A" * 32, "id", utcnow(), b"{}")
    assert subscribe(client, world.coord1, "https://hooks.example.com/x", ["hold_first"])


# --- e-mail -------------------------------------------------------------------------------------


def test_email_through_the_configured_smtp_server_with_retry(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with smtp_sink() as sink:
        setting(monkeypatch, smtp_host="127.0.0.1", smtp_port=sink.port,
                smtp_from="backlot@hengdian.test")  # fmt: skip
        client.put(
            "/notices/preferences",
            json={"language": "en", "email": "c1@example.com", "email_enabled": True},
            headers=auth(world.coord1),
        )
        sink.refuse = 1  # the first attempt meets a temporary failure
        challenge_c1(client, world)
        now = utcnow()
        assert run_once(now).retrying == 1 and sink.messages == []
        assert run_once(now + timedelta(seconds=31)).delivered == 1
        (message,) = sink.messages
        assert message["To"] == "c1@example.com" and message["From"] == "backlot@hengdian.test"
        assert message["Subject"] == "[Backlot] Your hold was challenged"
        (notice,) = inbox(client, world.coord1)
        assert message["X-Backlot-Notice-Id"] == notice["id"]
        assert "confirm it by" in message.get_payload(decode=True).decode()
        # E-mail turned off: what was pending is not sent.
        client.put("/notices/preferences", json={"language": "zh"}, headers=auth(world.coord1))
        challenge_c1(client, world, 20)
        assert run_once(utcnow() + timedelta(hours=1)).claimed == 0
        assert len(sink.messages) == 1


def test_no_email_without_an_smtp_server(client: TestClient, world: World) -> None:
    client.put(
        "/notices/preferences",
        json={"email": "c1@example.com", "email_enabled": True},
        headers=auth(world.coord1),
    )
    challenge_c1(client, world)
    with transaction() as s:
        assert s.scalar(select(func.count()).select_from(NoticeDelivery)) == 0
    assert len(inbox(client, world.coord1)) == 1


def test_record_is_the_entry_point_for_other_features(world: World) -> None:
    with transaction() as s:
        coord = s.scalars(select(User).where(User.name == "coord 1")).one()
        notices.import_finished(s, [coord.id], {"summary": "42 scenes from script.fdx"})
        with pytest.raises(ValueError):
            notices.record(s, [coord.id], "no_such_kind", {})
        (notice,) = s.scalars(select(Notice)).all()
    assert notices.notice_text(notice.kind, notice.payload, "en")[1] == (
        "Import finished: 42 scenes from script.fdx"
    )
