"""Bad input: every kind gets its 4xx problem with a readable detail, and changes nothing.

Dates, ranges, ids, pages, unknown fields, wrong JSON types, bodies that are not JSON or
too large, stale or garbage If-Match, a reused Idempotency-Key. Routes are taken from the
role matrix (``test_access.CASES``), so a new route is probed here as well.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine

from app.config import get_settings
from app.main import create_app
from tests.api.test_access import (
    CASES,
    Case,
    Ctx,
    assert_problem,
    make_ctx,
    query_for,
    snapshot,
)
from tests.factories import World, auth, iso

MAX_PAGE = get_settings().max_page_size
UNKNOWN = 999_999


@dataclass
class Api:
    """Requests as the admin (who may reach everything) unless told otherwise."""

    ctx: Ctx
    engine: Engine

    def send(self, method: str, path: str, *, key: str | None = None, **kw: Any) -> Response:
        headers = {**auth(key or self.ctx.w.admin), **kw.pop("headers", {})}
        r: Response = self.ctx.client.request(method, path, headers=headers, **kw)
        return r

    def refused(
        self, method: str, path: str, status: int | set[int] = 422, **kw: Any
    ) -> dict[str, Any]:
        """The request is refused with ``status`` and leaves every row as it was."""
        before = snapshot(self.engine)
        body = assert_problem(self.send(method, path, **kw), status)
        assert snapshot(self.engine) == before, f"{method} {path} was refused but changed data"
        return body


@pytest.fixture
def api(client: TestClient, world: World, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Api:
    return Api(make_ctx(client, world, monkeypatch), engine)


def _path(case: Case, ctx: Ctx, **override: Any) -> str:
    return case.path.format(**{**case.params(ctx), **override})


@functools.cache
def _openapi() -> dict[str, Any]:
    return create_app().openapi()


def _body_required(case: Case) -> bool:
    op = _openapi()["paths"][case.path][case.method.lower()]
    return bool(op.get("requestBody", {}).get("required"))


# Ids in a path that are UUIDs, not integers: a malformed one is a 422 from validation, an
# unknown one a 404 (tests/api/test_notices.py).
UUID_IDS = {"notice_id"}


def _id_params(case: Case) -> list[str]:
    """The integer ids in a route's path (a feed's secret token, a notice's UUID are not)."""
    names = [part.split("}")[0] for part in case.path.split("{")[1:]]
    return [name for name in names if name.endswith("_id") and name not in UUID_IDS]


@dataclass(frozen=True)
class Site:
    """Somewhere a value goes: a body field, a list in a body, or a query parameter."""

    method: str
    path: Callable[[Ctx], str]
    body: Callable[[Ctx, Any], Any] | None = None
    query: Callable[[Ctx, Any], dict[str, Any]] | None = None
    actor: str = "admin"

    def send(self, api: Api, value: Any, status: int | set[int] = 422) -> dict[str, Any]:
        ctx = api.ctx
        kw: dict[str, Any] = {"key": ctx.key(self.actor)}
        if self.body:
            kw["json"] = self.body(ctx, value)
        if self.query:
            kw["params"] = self.query(ctx, value)
        return api.refused(self.method, self.path(ctx), status, **kw)


def booking(ctx: Ctx, **fields: Any) -> dict[str, Any]:
    return {
        "set_id": ctx.w.set_a1,
        "crew_id": ctx.w.crew1,
        "start": iso(20),
        "end": iso(22),
        **fields,
    }


def crew(ctx: Ctx, **fields: Any) -> dict[str, Any]:
    return {
        "code": "NEWC",
        "name": "New",
        "company": "Co",
        "window_start": iso(0),
        "window_end": iso(90),
        "day_cost": 1,
        **fields,
    }


def scene(ctx: Ctx, **fields: Any) -> dict[str, Any]:
    return {"number": "99Z", "int_ext": "INT", "day_night": "DAY", "minutes": 30, **fields}


def set_body(ctx: Ctx, **fields: Any) -> dict[str, Any]:
    return {
        "base_id": ctx.w.base_a,
        "code": "AAA-NEW",
        "name_zh": "新",
        "name_en": "New",
        "kind": "stage",
        "day_rate": 100,
        **fields,
    }


def window(ctx: Ctx, value: Any, first: str, second: str) -> dict[str, Any]:
    return {first: value, second: iso(30)} if first == "start" else {first: iso(10), second: value}


BOOKINGS = lambda ctx: "/bookings"  # noqa: E731
BLACKOUTS = lambda ctx: f"/sets/{ctx.w.set_a1}/blackouts"  # noqa: E731
CREW = lambda ctx: f"/crews/{ctx.w.crew1}"  # noqa: E731
CAST = lambda ctx: f"/crews/{ctx.w.crew1}/cast"  # noqa: E731
SCENES = lambda ctx: f"/crews/{ctx.w.crew1}/scenes"  # noqa: E731

# Every place a date is accepted.
DATE_SITES = {
    "booking start": Site("POST", BOOKINGS, lambda c, v: booking(c, start=v), actor="coord_own"),
    "booking end": Site("POST", BOOKINGS, lambda c, v: booking(c, end=v), actor="coord_own"),
    "blackout start": Site("POST", BLACKOUTS, lambda c, v: {"start": v, "end": iso(30)}),
    "blackout end": Site("POST", BLACKOUTS, lambda c, v: {"start": iso(20), "end": v}),
    "crew window_start": Site("POST", lambda c: "/crews", lambda c, v: crew(c, window_start=v)),
    "crew window_end": Site("POST", lambda c: "/crews", lambda c, v: crew(c, window_end=v)),
    "crew patch window": Site("PATCH", CREW, lambda c, v: {"window_start": v}, actor="coord_own"),
    "cast unavailable": Site(
        "POST", CAST, lambda c, v: {"name": "A", "day_cost": 1, "unavailable": [v]}
    ),
    "cast patch unavailable": Site(
        "PATCH", lambda c: f"/cast/{c.cast}", lambda c, v: {"unavailable": [iso(5), v]}
    ),
    "scene earliest": Site("POST", SCENES, lambda c, v: scene(c, earliest=v)),
    "scene latest": Site("POST", SCENES, lambda c, v: scene(c, latest=v)),
    "scene pinned_date": Site("POST", SCENES, lambda c, v: scene(c, pinned_date=v)),
    "scene patch earliest": Site(
        "PATCH", lambda c: f"/scenes/{c.scene}", lambda c, v: {"earliest": v}
    ),
    "bookings ?start": Site("GET", BOOKINGS, query=lambda c, v: {"start": v}),
    "bookings ?end": Site("GET", BOOKINGS, query=lambda c, v: {"end": v}),
    "crew bookings ?start": Site(
        "GET", lambda c: f"/crews/{c.w.crew1}/bookings", query=lambda c, v: {"start": v}
    ),
    "availability ?start": Site(
        "GET", lambda c: "/availability", query=lambda c, v: {"start": v, "end": iso(30)}
    ),
    "availability ?end": Site(
        "GET", lambda c: "/availability", query=lambda c, v: {"start": iso(10), "end": v}
    ),
}
BAD_DATES = ["2026-13-40", "tomorrow", 1700000000, "2026-1-5", "2026-02-30"]
MORE_BAD_DATES = [
    "2026-12-03T10:00",
    "03/12/2026",
    "",
    " ",
    "2026-12-03Z",
    "+2026-12-03",
    "２０２６-１２-０３",
    "2026-12-03\n",
    None,
    True,
    20261203.0,
    ["2026-12-03"],
    {"year": 2026},
]


def test_malformed_dates_are_422(api: Api) -> None:
    for name, site in DATE_SITES.items():
        thorough = name in ("booking start", "availability ?end")
        for value in BAD_DATES + (MORE_BAD_DATES if thorough else []):
            if value is None and site.query:
                continue  # an absent query parameter
            if isinstance(value, (list, dict)) and site.query:
                continue
            detail = site.send(api, value)["detail"]
            assert name.split()[-1].strip("?") in detail or "date" in detail, (name, value, detail)


def test_inverted_empty_and_too_long_ranges_are_422(api: Api) -> None:
    w = api.ctx.w
    for start, end in [(20, 20), (22, 20)]:
        for site in (DATE_SITES["booking start"], DATE_SITES["blackout start"]):
            body = site.body(api.ctx, iso(start)) if site.body else {}
            body["end"] = iso(end)
            api.refused(site.method, site.path(api.ctx), json=body, key=api.ctx.key(site.actor))
        for path in ("/availability", "/bookings", f"/crews/{w.crew1}/bookings"):
            api.refused("GET", path, params={"start": iso(start), "end": iso(end)})
        api.refused(
            "POST", "/crews", json=crew(api.ctx, window_start=iso(start), window_end=iso(end))
        )
    # A PATCH that would invert the crew's window, one end at a time.
    api.refused("PATCH", f"/crews/{w.crew1}", json={"window_end": iso(-10)})
    api.refused("PATCH", f"/crews/{w.crew1}", json={"window_start": iso(300)})
    api.refused(
        "POST", f"/crews/{w.crew1}/scenes", json=scene(api.ctx, earliest=iso(20), latest=iso(19))
    )
    api.refused("PATCH", f"/scenes/{api.ctx.scene}", json={"earliest": iso(20), "latest": iso(19)})
    longest = get_settings().max_booking_days
    api.refused("POST", "/bookings", json=booking(api.ctx, start=iso(10), end=iso(11 + longest)))
    api.refused("GET", "/availability", params={"start": iso(10), "end": iso(11 + longest)})
    api.refused("POST", "/bookings", json=booking(api.ctx, start=iso(-2), end=iso(3)))  # past
    api.refused("POST", "/bookings", json=booking(api.ctx, start=iso(190), end=iso(210)))
    for far in ("0001-01-01", "9999-12-31"):  # the ends of the calendar: 4xx, not 500
        api.refused("POST", "/bookings", json=booking(api.ctx, start=far, end="9999-12-31"))


EDGE_DATES = ["9999-12-31", "9999-12-30", "9001-01-01", "1999-12-31", "0001-01-01"]


def test_dates_at_the_edges_of_the_calendar_are_422_never_500(api: Api) -> None:
    """Dates lie in 2000-01-01..9000-12-31 everywhere: no day arithmetic can overflow."""
    w = api.ctx.w
    for name, site in DATE_SITES.items():
        for value in EDGE_DATES:
            detail = site.send(api, value)["detail"]
            assert "out of range" in detail and "9000-12-31" in detail, (name, value, detail)
    ranges = {
        "/availability": {},
        "/occupancy/summary": {},
        f"/bases/{w.base_a}/occupancy": {},
        f"/bases/{w.base_a}/occupancy.csv": {},
        "/bookings.csv": {},
    }
    for path in ranges:
        for start, end in [("9999-12-30", "9999-12-31"), ("9000-12-31", "9999-12-31")]:
            api.refused("GET", path, params={"start": start, "end": end})
    # The last day allowed works: a crew shooting until the end of 9000, a booking on its
    # last days, the grid and the CSV of those days.
    made = api.send("POST", "/crews", json=crew(api.ctx, window_end="9000-12-31"))
    assert made.status_code == 201, made.text
    last = {"start": "9000-12-29", "end": "9000-12-31"}
    assert api.send("GET", "/availability", params=last).status_code == 200
    assert api.send("GET", f"/bases/{w.base_a}/occupancy.csv", params=last).status_code == 200


def test_a_pinned_date_lies_in_the_crews_window(api: Api) -> None:
    ctx, w = api.ctx, api.ctx.w
    outside = [iso(-6), iso(200), iso(400)]  # the window is [day -5, day 200)
    for day in outside:
        body = api.refused("POST", f"/crews/{w.crew1}/scenes", json=scene(ctx, pinned_date=day))
        assert "shooting window" in body["detail"]
        api.refused("PATCH", f"/scenes/{ctx.scene}", json={"pinned_date": day})
    ok = api.send("POST", f"/crews/{w.crew1}/scenes", json=scene(ctx, pinned_date=iso(199)))
    assert ok.status_code == 201, ok.text
    # Nor may the window move away from a pinned scene.
    body = api.refused("PATCH", f"/crews/{w.crew1}", json={"window_end": iso(150)})
    assert "99Z" in body["detail"]
    assert api.send("PATCH", f"/crews/{w.crew1}", json={"window_end": iso(250)}).status_code == 200


# --- ids -------------------------------------------------------------------------------------

ID_CASES = [c for c in CASES if _id_params(c)]


def test_unknown_ids_are_404_on_every_id_route(api: Api) -> None:
    ctx = api.ctx
    for case in ID_CASES:
        for name in _id_params(case):
            body = case.body(ctx) if case.body else None
            problem = api.refused(
                case.method,
                _path(case, ctx, **{name: UNKNOWN}),
                404,
                json=body,
                params=query_for(case),
            )
            assert "not found" in problem["detail"].lower(), (case.id, problem)


def test_unknown_ids_inside_requests(api: Api) -> None:
    ctx, w = api.ctx, api.ctx.w
    api.refused("POST", "/bookings", 404, json=booking(ctx, set_id=UNKNOWN))
    api.refused("POST", "/bookings", 404, json=booking(ctx, crew_id=UNKNOWN))
    api.refused("POST", "/sets", 404, json=set_body(ctx, base_id=UNKNOWN))
    api.refused("PUT", "/travel", 404, json={"from_base": "AAA", "to_base": "ZZZ", "cost": 1})
    api.refused(
        "GET", "/availability", 404, params={"start": iso(10), "end": iso(12), "base": str(UNKNOWN)}
    )
    api.refused(
        "GET", "/availability", 404, params={"start": iso(10), "end": iso(12), "base": "ZZZ"}
    )
    # Ids a crew refers to in its own data: named as the field that is wrong.
    for field, value in [
        ("cast", [UNKNOWN]),
        ("sets", [UNKNOWN]),
        ("after", [UNKNOWN]),
        ("pinned_set_id", UNKNOWN),
    ]:
        problem = api.refused("POST", f"/crews/{w.crew1}/scenes", json=scene(ctx, **{field: value}))
        named = "sets" if field == "pinned_set_id" else field
        assert problem["detail"].startswith(f"{named}:"), problem
    api.refused("GET", "/feeds/fd_not-a-token.ics", 404)
    api.refused("POST", "/feeds", 404, json={"kind": "crew", "crew_id": UNKNOWN})
    api.refused("POST", "/feeds", 404, json={"kind": "set", "set_id": UNKNOWN})
    api.refused("POST", "/users", json={"name": "x", "role": "coordinator", "crews": ["ZZZ"]})
    api.refused("POST", "/users", json={"name": "x", "role": "base_manager", "bases": ["ZZZ"]})


HUGE_IDS = ["99999999999999999999", "9223372036854775808", "2147483648", str(2**31 - 1)]


def test_ids_that_are_not_ints_are_422_and_huge_ones_never_500(api: Api) -> None:
    ctx = api.ctx
    for case in ID_CASES:
        body = case.body(ctx) if case.body else None
        params = case.params(ctx)
        before = snapshot(api.engine)
        thorough = case.path.startswith("/bookings/")
        for name in _id_params(case):
            some = (
                ("abc", "1.5", "1e3", "0x10", "１", "-", *HUGE_IDS)
                if thorough
                else ("abc", HUGE_IDS[0], HUGE_IDS[2])
            )
            for bad in some:
                r = api.send(
                    case.method,
                    case.path.format(**{**params, name: bad}),
                    json=body,
                    params=query_for(case),
                )
                # Not an integer: 422. Too large for the database: 404 or 422, never a 500.
                assert_problem(r, {404, 422} if bad in HUGE_IDS else 422)
        assert snapshot(api.engine) == before, case.id
    before = snapshot(api.engine)
    for huge in HUGE_IDS:
        for path, param in [
            ("/bookings", "crew_id"),
            ("/bookings", "set_id"),
            ("/bookings", "base_id"),
            ("/sets", "base_id"),
        ]:
            r = api.send("GET", path, params={param: huge})
            assert r.status_code == 200 or assert_problem(r, 422), (path, param, huge)
        assert_problem(
            api.send(
                "GET", "/availability", params={"start": iso(10), "end": iso(12), "base": huge}
            ),
            {404, 422},
        )
    assert snapshot(api.engine) == before
    # In a body, an id or an amount beyond the database's integers is refused up front.
    w = ctx.w
    for big in (int(h) for h in HUGE_IDS[:3]):
        api.refused("POST", "/bookings", json=booking(ctx, set_id=big), key=w.coord1)
        api.refused("POST", "/bookings", json=booking(ctx, crew_id=big), key=w.coord1)
        api.refused("POST", "/sets", json=set_body(ctx, base_id=big))
        api.refused("POST", f"/crews/{w.crew1}/scenes", json=scene(ctx, cast=[big]))
        api.refused("POST", f"/crews/{w.crew1}/scenes", json=scene(ctx, pinned_set_id=big))
        api.refused("PATCH", f"/sets/{w.set_a1}", json={"day_rate": big})
        api.refused("PATCH", f"/crews/{w.crew1}", json={"day_cost": big})
        api.refused("PUT", "/travel", json={"from_base": "AAA", "to_base": "BBB", "cost": big})
        api.refused("POST", f"/crews/{w.crew1}/cast", json={"name": "A", "day_cost": big})


def test_the_largest_day_rate_still_prices_the_longest_booking(api: Api) -> None:
    """A day rate the API accepts never overflows the price of a confirmed booking."""
    w = api.ctx.w
    schema = _openapi()["components"]["schemas"]["SetUpdate"]["properties"]
    top = int(max(v.get("maximum", 0) for v in schema["day_rate"]["anyOf"]))
    assert api.send("PATCH", f"/sets/{w.set_a2}", json={"day_rate": top}).status_code == 200
    api.refused("PATCH", f"/sets/{w.set_a2}", json={"day_rate": top + 1})
    longest = get_settings().max_booking_days
    r = api.send(
        "POST",
        "/bookings",
        key=w.coord1,
        json={
            "set_id": w.set_a2,
            "crew_id": w.crew1,
            "start": iso(1),
            "end": iso(1 + longest),
            "status": "confirmed",
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["price"] == top * longest


# --- pages -----------------------------------------------------------------------------------


def _paged_cases() -> Iterator[Case]:
    schema = _openapi()["paths"]
    for case in CASES:
        op = schema[case.path].get(case.method.lower(), {})
        if any(p["name"] == "limit" for p in op.get("parameters", [])):
            yield case


def test_oversized_and_negative_pages_are_422(api: Api) -> None:
    paged = list(_paged_cases())
    assert len(paged) >= 8, [c.id for c in paged]
    bad_pages: list[dict[str, Any]] = [
        {"limit": MAX_PAGE + 1},
        {"limit": 10**9},
        {"limit": 0},
        {"limit": -1},
        {"limit": "ten"},
        {"offset": -1},
        {"offset": 10**12},
        {"offset": "1.5"},
        {"limit": "99999999999999999999"},
    ]
    # Paths first: naming some of them creates what they show (a register preview).
    paths = {case.id: _path(case, api.ctx) for case in paged}
    before = snapshot(api.engine)
    for case in paged:
        path = paths[case.id]
        extra = query_for(case)
        for page in bad_pages:
            problem = assert_problem(api.send("GET", path, params={**extra, **page}), 422)
            assert problem["errors"][0]["field"] in page, (case.id, page, problem)
        ok = api.send("GET", path, params={**extra, "limit": MAX_PAGE, "offset": 0})
        assert ok.status_code == 200, (case.id, ok.text)
        body = ok.json()
        # A list is the page itself; a register import's preview pages its rows.
        page = body if "limit" in body else body["rows"]
        assert page["limit"] == MAX_PAGE, (case.id, ok.text)
    assert snapshot(api.engine) == before


# --- bodies ----------------------------------------------------------------------------------

BODY_CASES = [c for c in CASES if c.body is not None]
ACTION_PATHS = ("confirm", "release", "cancel", "challenge")


def test_unknown_fields_are_422_on_every_body(api: Api) -> None:
    ctx = api.ctx
    for case in BODY_CASES:
        body = {**case.body(ctx), "unexpected": 1}  # type: ignore[misc]
        problem = api.refused(case.method, _path(case, ctx), json=body)
        assert problem["errors"][0]["field"] == "unexpected", (case.id, problem)
    for action in ACTION_PATHS:  # the actions take an optional body with a note only
        api.refused(
            "POST",
            f"/bookings/{ctx.booking}/{action}",
            json={"status": "confirmed"},
            key=ctx.w.coord1,
        )


def test_no_mass_assignment(api: Api) -> None:
    """Fields a client must never set: status, crew, role, version, price, ids, keys."""
    ctx, w = api.ctx, api.ctx.w
    own: dict[str, Any] = {"key": w.coord1}
    for field, value in [
        ("price", 0),
        ("version", 9),
        ("id", 5),
        ("expires_at", iso(90)),
        ("placed_at", iso(1)),
        ("created_by_id", 1),
        ("rank", 1),
    ]:
        api.refused("POST", "/bookings", json=booking(ctx, **{field: value}), **own)
    api.refused("POST", "/bookings", json=booking(ctx, status="cancelled"), **own)
    for path, body in [
        (f"/crews/{w.crew1}", {"code": "HACK"}),
        (f"/crews/{w.crew1}", {"id": w.crew2}),
        (f"/cast/{ctx.cast}", {"crew_id": w.crew2}),
        (f"/scenes/{ctx.scene}", {"crew_id": w.crew2}),
        (f"/scenes/{ctx.scene}", {"status": "confirmed"}),
    ]:
        api.refused("PATCH", path, json=body, **own)
    for path, body in [
        (f"/sets/{w.set_a1}", {"base_id": w.base_b}),
        (f"/sets/{w.set_a1}", {"code": "AAA-9"}),
        (f"/bases/{w.base_a}", {"code": "ZZZ"}),
        (f"/bases/{w.base_a}", {"id": w.base_b}),
    ]:
        api.refused("PATCH", path, json=body, key=w.manager_a)
    extras: list[dict[str, Any]] = [
        {"active": False},
        {"api_key": "bl_mine"},
        {"api_key_hash": "0" * 64},
        {"id": 1},
    ]
    for extra in extras:
        api.refused("POST", "/users", json={"name": "x", "role": "admin", **extra})
    api.refused("POST", "/users", json={"name": "x", "role": "superuser"})
    api.refused(
        "POST",
        "/users",
        json={"name": "x", "role": "coordinator", "crews": ["C1"], "bases": ["AAA"]},
    )
    api.refused("POST", "/plans", json={"status": "succeeded"})
    for body in [
        {"kind": "crew", "crew_id": w.crew1, "set_id": w.set_a1},
        {"kind": "set", "crew_id": w.crew1},
        {"kind": "crew", "crew_id": w.crew1, "token": "fd_mine"},
    ]:
        api.refused("POST", "/feeds", json=body)


WRONG_TYPES: list[tuple[str, Callable[[Ctx], str], Callable[[Ctx], Any]]] = [
    # strings for ints, booleans and floats for money, null for required, lists for scalars
    ("POST", lambda c: "/sets", lambda c: set_body(c, day_rate="100")),
    ("POST", lambda c: "/sets", lambda c: set_body(c, day_rate=True)),
    ("POST", lambda c: "/sets", lambda c: set_body(c, day_rate=100.5)),
    ("POST", lambda c: "/sets", lambda c: set_body(c, day_rate=-1)),
    ("POST", lambda c: "/sets", lambda c: set_body(c, day_rate=None)),
    ("POST", lambda c: "/sets", lambda c: set_body(c, day_rate=[100])),
    ("POST", lambda c: "/sets", lambda c: set_body(c, name_en=None)),
    ("POST", lambda c: "/sets", lambda c: set_body(c, kind="cave")),
    ("POST", lambda c: "/sets", lambda c: set_body(c, tags="street")),
    ("POST", lambda c: "/sets", lambda c: set_body(c, tags=["Not A Tag"])),
    ("POST", lambda c: "/sets", lambda c: set_body(c, code="lower case")),
    ("POST", lambda c: "/sets", lambda c: set_body(c, name_en="")),
    ("POST", lambda c: "/sets", lambda c: set_body(c, name_en="x" * 201)),
    ("PATCH", lambda c: f"/sets/{c.w.set_a1}", lambda c: {"day_rate": "free"}),
    ("PATCH", lambda c: f"/sets/{c.w.set_a1}", lambda c: {"tags": [1, 2]}),
    ("POST", lambda c: "/bookings", lambda c: booking(c, set_id="1")),
    ("POST", lambda c: "/bookings", lambda c: booking(c, set_id=True)),
    ("POST", lambda c: "/bookings", lambda c: booking(c, set_id=1.0)),
    ("POST", lambda c: "/bookings", lambda c: booking(c, crew_id=None)),
    ("POST", lambda c: "/bookings", lambda c: booking(c, start=None)),
    ("POST", lambda c: "/bookings", lambda c: booking(c, note=5)),
    ("POST", lambda c: "/bookings", lambda c: booking(c, note="x" * 2001)),
    ("POST", lambda c: "/bookings", lambda c: {"set_id": c.w.set_a1}),
    ("PUT", lambda c: "/travel", lambda c: {"from_base": "AAA", "to_base": "BBB", "cost": True}),
    ("PUT", lambda c: "/travel", lambda c: {"from_base": "AAA", "to_base": "AAA", "cost": 1}),
    ("POST", lambda c: "/crews", lambda c: crew(c, day_cost="1")),
    ("POST", lambda c: "/crews", lambda c: crew(c, max_minutes_per_day=0)),
    ("PATCH", lambda c: f"/bases/{c.w.base_a}", lambda c: {"hold_ttl_hours": True}),
    ("PATCH", lambda c: f"/bases/{c.w.base_a}", lambda c: {"hold_ttl_hours": "24"}),
    ("PATCH", lambda c: f"/bases/{c.w.base_a}", lambda c: {"challenge_hours": 0}),
    ("POST", lambda c: f"/crews/{c.w.crew1}/cast", lambda c: {"name": "A", "day_cost": 1.5}),
    (
        "POST",
        lambda c: f"/crews/{c.w.crew1}/cast",
        lambda c: {"name": "A", "day_cost": 1, "unavailable": iso(3)},
    ),
    ("POST", lambda c: f"/crews/{c.w.crew1}/scenes", lambda c: scene(c, minutes="30")),
    ("POST", lambda c: f"/crews/{c.w.crew1}/scenes", lambda c: scene(c, cast=["1"])),
    ("POST", lambda c: f"/crews/{c.w.crew1}/scenes", lambda c: scene(c, requires="street")),
    ("POST", lambda c: f"/crews/{c.w.crew1}/scenes", lambda c: scene(c, int_ext="OUTSIDE")),
    ("PATCH", lambda c: f"/scenes/{c.scene}", lambda c: {"after": [c.scene]}),
    ("POST", lambda c: "/users", lambda c: {"name": None, "role": "admin"}),
    ("POST", lambda c: "/users", lambda c: {"name": "x", "role": 1}),
    ("POST", lambda c: "/users", lambda c: {"name": "x", "role": "coordinator", "crews": "C1"}),
    ("POST", lambda c: "/plans", lambda c: {"time_limit": "fast"}),
    ("POST", lambda c: "/plans", lambda c: {"workers": True}),
    ("POST", lambda c: "/plans", lambda c: {"horizon_days": 0}),
]


def test_wrong_json_types_are_422(api: Api) -> None:
    for method, path, body in WRONG_TYPES:
        api.refused(method, path(api.ctx), json=body(api.ctx))
    for case in BODY_CASES:  # a body that is JSON but not an object
        assert case.body is not None
        bodies: list[Any] = [[], None]
        if case.path == "/bookings":
            bodies += ["text", 123, [case.body(api.ctx)]]
        for body in bodies:
            kw: dict[str, Any] = {"json": body}
            if body is None:
                if not _body_required(case):
                    continue  # null is "no body", which an optional body allows
                kw = {"content": b"null", "headers": {"Content-Type": "application/json"}}
            api.refused(case.method, _path(case, api.ctx), **kw)


def test_bodies_that_are_not_json_are_422(api: Api) -> None:
    ctx = api.ctx
    for case in BODY_CASES:
        path = _path(case, ctx)
        good = json.dumps(case.body(ctx)).encode()  # type: ignore[misc]
        variants = [(b"not json", "application/json"), (good, "text/plain")]
        if case.path == "/bookings":
            variants += [
                (b'{"a": ', "application/json"),
                (b"\xff\xfe\x00", "application/json"),
                (b"", "application/json"),
                (b"a=1&b=2", "application/x-www-form-urlencoded"),
                (good, "application/xml"),
            ]
        for content, ctype in variants:
            if not content and not _body_required(case):
                continue
            # 400 when the bytes cannot even be decoded, 422 when they are not the JSON asked for
            api.refused(
                case.method, path, {400, 422}, content=content, headers={"Content-Type": ctype}
            )


def test_huge_bodies_are_413(api: Api) -> None:
    ctx = api.ctx
    limit = get_settings().max_body_bytes
    padded = b'{"note": "' + b"x" * limit + b'"}'
    for case in BODY_CASES[:6] + [c for c in CASES if c.path == "/bookings/{booking_id}/confirm"]:
        path = _path(case, ctx)
        api.refused(
            case.method, path, 413, content=padded, headers={"Content-Type": "application/json"}
        )

    # Sent in chunks without a Content-Length: counted while read, refused all the same —
    # even when the JSON inside is a valid booking padded with whitespace.
    valid = json.dumps(booking(ctx, start=iso(40), end=iso(42))).encode()

    def chunks() -> Iterator[bytes]:
        yield valid
        for _ in range(limit // 65536 + 2):
            yield b" " * 65536

    problem = api.refused(
        "POST",
        "/bookings",
        413,
        content=chunks(),
        key=ctx.w.coord1,
        headers={"Content-Type": "application/json"},
    )
    assert str(limit) in problem["detail"]
    # A malformed length is a bad request, not a big one.
    api.refused(
        "POST",
        "/bookings",
        400,
        content=valid,
        key=ctx.w.coord1,
        headers={"Content-Type": "application/json", "Content-Length": "abc"},
    )


# --- headers: If-Match and Idempotency-Key ---------------------------------------------------


def test_stale_or_garbage_if_match_is_412_and_changes_nothing(api: Api) -> None:
    ctx = api.ctx
    targets = {
        "confirm": ctx.new_booking(),
        "release": ctx.new_booking(),
        "cancel": ctx.new_booking("confirmed"),
        "challenge": ctx.new_challenger(),
    }
    for action, booking_id in targets.items():
        current = api.send("GET", f"/bookings/{booking_id}").headers["etag"]
        assert current == '"1"' or current == '"2"', current
        for tag in [
            '"99"',
            '"0"',
            'W/"98"',
            "garbage",
            '"abc"',
            '"-1"',
            "",
            '"99999999999999999999"',
            '"1.0"',
        ]:
            if tag == current:
                continue
            api.refused(
                "POST",
                f"/bookings/{booking_id}/{action}",
                412,
                key=ctx.w.coord1,
                headers={"If-Match": tag},
            )
        api.refused(
            "POST",
            f"/bookings/{booking_id}/{action}",
            422,
            key=ctx.w.coord1,
            headers={"If-Match": '"' + "9" * 300 + '"'},
        )
        ok = api.send(
            "POST",
            f"/bookings/{booking_id}/{action}",
            key=ctx.w.coord1,
            headers={"If-Match": current},
        )
        assert ok.status_code == 200, (action, ok.text)


def test_reused_idempotency_key_with_another_request_is_422(api: Api) -> None:
    ctx, w = api.ctx, api.ctx.w
    first = api.send(
        "POST",
        "/bookings",
        key=w.coord1,
        headers={"Idempotency-Key": "k"},
        json=booking(ctx, start=iso(40), end=iso(42)),
    )
    assert first.status_code == 201, first.text
    for body in (
        booking(ctx, start=iso(40), end=iso(43)),
        booking(ctx, start=iso(40), end=iso(42), status="confirmed"),
        booking(ctx, start=iso(40), end=iso(42), note="again"),
    ):
        problem = api.refused(
            "POST", "/bookings", key=w.coord1, json=body, headers={"Idempotency-Key": "k"}
        )
        assert "Idempotency-Key" in problem["detail"]
    # The same key on an action, another booking or another action: also another request.
    other = ctx.new_booking()
    api.refused(
        "POST",
        f"/bookings/{first.json()['id']}/confirm",
        key=w.coord1,
        headers={"Idempotency-Key": "k"},
    )
    assert (
        api.send(
            "POST", f"/bookings/{other}/release", key=w.coord1, headers={"Idempotency-Key": "a"}
        ).status_code
        == 200
    )
    api.refused(
        "POST",
        f"/bookings/{first.json()['id']}/release",
        key=w.coord1,
        headers={"Idempotency-Key": "a"},
    )
    api.refused("POST", f"/bookings/{other}/cancel", key=w.coord1, headers={"Idempotency-Key": "a"})
    api.refused(
        "POST",
        f"/bookings/{other}/release",
        key=w.coord1,
        json={"note": "changed"},
        headers={"Idempotency-Key": "a"},
    )
    api.refused(
        "POST", "/bookings", key=w.coord1, json=booking(ctx), headers={"Idempotency-Key": "x" * 201}
    )


# --- queries, routes and methods -------------------------------------------------------------


def test_bad_query_parameters_are_422(api: Api) -> None:
    for path, params in [
        ("/bookings", {"status": "pencilled"}),
        ("/bookings", {"crew_id": "abc"}),
        ("/bookings", {"set_id": "1.5"}),
        ("/sets", {"kind": "cave"}),
        ("/sets", {"tags": "Not A Tag"}),
        ("/sets", {"base_id": "AAA"}),
        ("/availability", {"end": iso(10)}),
        ("/availability", {"start": iso(10)}),
        ("/availability", {"start": iso(10), "end": iso(12), "kind": "cave"}),
        ("/availability", {"start": iso(10), "end": iso(12), "tags": "UPPER"}),
        ("/availability", {"start": iso(10), "end": iso(12), "base": "x" * 33}),
    ]:
        api.refused("GET", path, params=params)


def test_unknown_routes_and_methods_are_problems(api: Api) -> None:
    api.refused("GET", "/nowhere", 404)
    api.refused("GET", "/bookings/1/nothing", 404)
    api.refused("DELETE", "/bases", 405)
    api.refused("PUT", f"/bookings/{api.ctx.booking}", 405)
    api.refused(
        "POST", f"/bookings/{api.ctx.booking}/confirm", 401, key="", headers={"Authorization": ""}
    )
