"""Creating the same thing twice at once answers 409 problem+json naming the clash, never 500.

Each unique rule of the schema is raced over real connections (both databases), and the
database's own refusal is checked directly by letting a duplicate past the services' polite
pre-check, which is what a lost race does on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import UniqueConstraint

from app.models._base import Model
from tests.factories import World, auth, iso

PARALLEL = 8

Body = Callable[[World], tuple[str, str, dict[str, Any], Callable[[World], str]]]

# constraint name -> (method, path, body, key of the caller), the same request sent by all.
RACES: dict[str, Body] = {
    "uq_bases_code": lambda w: (
        "POST",
        "/bases",
        {"code": "DUP", "name_zh": "重复", "name_en": "Dup"},
        lambda w: w.admin,
    ),
    "uq_sets_code": lambda w: (
        "POST",
        "/sets",
        {
            "base_id": w.base_a,
            "code": "AAA-DUP",
            "name_zh": "重",
            "name_en": "Dup",
            "kind": "stage",
            "day_rate": 100,
        },
        lambda w: w.manager_a,
    ),
    "uq_crews_code": lambda w: (
        "POST",
        "/crews",
        {
            "code": "CDUP",
            "name": "Dup",
            "company": "Dup Co",
            "window_start": iso(1),
            "window_end": iso(90),
            "day_cost": 1000,
        },
        lambda w: w.admin,
    ),
    "uq_scenes_crew_number": lambda w: (
        "POST",
        f"/crews/{w.crew1}/scenes",
        {"number": "77A", "int_ext": "INT", "day_night": "DAY", "minutes": 30},
        lambda w: w.coord1,
    ),
    "uq_travel_pair": lambda w: (
        "PUT",
        "/travel",
        {"from_base": "AAA", "to_base": "BBB", "cost": 5000},
        lambda w: w.admin,
    ),
    "uq_performers_card_no": lambda w: (
        "POST",
        "/performers",
        {"name": "重复", "gender": "m", "card_no": "HD-DUP"},
        lambda w: w.admin,
    ),
    # The office's button pressed by many at once (cron is the same create_run).
    "uq_dispatch_runs_one_active_per_day": lambda w: (
        "POST",
        "/extras/dispatch-runs",
        {"day": iso(10)},
        lambda w: w.admin,
    ),
}
# What the one success answers, when not 201 Created; what the losers are told, when not a
# duplicate's "already exists" or a retry.
ACCEPTED = {"uq_dispatch_runs_one_active_per_day": 202}
TOLD = {"uq_dispatch_runs_one_active_per_day": "is already running; wait for it"}
# Unique rules no request can race: values the server draws at random (256-bit secrets).
NOT_RACEABLE = {
    "uq_users_api_key_hash": "API keys are random secrets drawn by the server",
    "uq_feed_tokens_token_hash": "feed tokens are random secrets drawn by the server",
    "uq_performer_links_token_hash": "performer links are random secrets drawn by the server",
    "uq_extras_assignments_performer_day": "written only by a dispatch run's swap, never by a "
    "request (two swaps at once: the later one fails and its run is recorded failed)",
    "uq_notices_user_dedupe": "written by services and the notify worker, never asked for by a "
    "request; two workers warning at once: one scan rolls back (app/notices/worker.run_once)",
}


def test_every_unique_rule_has_a_race() -> None:
    """Unique constraints and unique (partial) indexes alike."""
    names = {
        c.name
        for table in Model.metadata.tables.values()
        for c in table.constraints
        if isinstance(c, UniqueConstraint)
    } | {i.name for table in Model.metadata.tables.values() for i in table.indexes if i.unique}
    assert names == set(RACES) | set(NOT_RACEABLE)


@pytest.fixture(autouse=True)
def _no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """A dispatch run is recorded, not solved: only the request matters here."""
    monkeypatch.setattr("app.extras.run.spawn", lambda run_id, url: None)


def _told(rule: str, detail: str) -> bool:
    if rule in TOLD:
        return TOLD[rule] in detail.lower()
    return "already exists" in detail or "retry" in detail


@pytest.mark.parametrize("rule", sorted(RACES))
def test_racing_creations_answer_one_success_and_conflicts(
    live_server: str, world: World, rule: str
) -> None:
    method, path, body, key = RACES[rule](world)
    created = ACCEPTED.get(rule, 201)
    barrier = threading.Barrier(PARALLEL)
    answers: list[httpx.Response | None] = [None] * PARALLEL

    def send(i: int) -> None:
        with httpx.Client(base_url=live_server, timeout=60) as c:
            barrier.wait()
            answers[i] = c.request(method, path, json=body, headers=auth(key(world)))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(PARALLEL)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done = [a for a in answers if a is not None]
    codes = Counter(a.status_code for a in done)
    if method == "PUT":  # setting one pair's cost: every answer is a success or a retry
        assert set(codes) <= {200, 409} and codes[200] >= 1, codes
    else:
        assert codes[created] == 1 and codes[409] == PARALLEL - 1, codes
    for a in done:
        if a.status_code == 409:
            assert a.headers["content-type"].startswith("application/problem+json")
            assert _told(rule, a.json()["detail"]), a.json()


@pytest.mark.parametrize(
    ("module", "rule", "detail"),
    [
        ("app.catalog.service", "uq_bases_code", "A base with this code already exists."),
        ("app.catalog.service", "uq_sets_code", "A set with this code already exists."),
        ("app.crews.service", "uq_crews_code", "A crew with this code already exists."),
        (
            "app.crews.service",
            "uq_scenes_crew_number",
            "A scene with this number already exists for this crew.",
        ),
        (
            "app.extras.run",
            "uq_dispatch_runs_one_active_per_day",
            "A dispatch for that day is already running; wait for it to finish or cancel it.",
        ),
    ],
)
def test_the_database_refusal_of_a_duplicate_is_a_409(
    client: TestClient,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    module: str,
    rule: str,
    detail: str,
) -> None:
    """As when two requests both pass the check before either inserts."""
    method, path, body, key = RACES[rule](world)
    first = client.request(method, path, json=body, headers=auth(key(world)))
    assert first.status_code == ACCEPTED.get(rule, 201), first.text
    monkeypatch.setattr(f"{module}.taken", lambda *a, **k: False)
    again = client.request(method, path, json=body, headers=auth(key(world)))
    assert again.status_code == 409, again.text
    assert again.headers["content-type"].startswith("application/problem+json")
    assert again.json()["detail"] == detail
