"""The role matrix: every route × actor (admin, the resource's base manager, another base's
manager, the resource's crew coordinator, another crew's coordinator, no key, a revoked key).

Each route has one case: how to name its resource, the body to send, and the status each
actor gets. A refusal must be problem+json and leave the database exactly as it was; a
route added to the API without a case here fails ``test_every_route_has_an_access_case``.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, select

from app.bookings.service import place
from app.catalog.service import add_blackout, create_set, get_set
from app.crews.schemas import SceneCreate
from app.crews.service import create_cast, create_scene, get_crew
from app.db import transaction
from app.exports.service import create_feed
from app.imports.files import read_upload
from app.imports.service import create_preview
from app.main import create_app
from app.models import Model, PlanRun, Proposal, Scene, User, utcnow
from app.notices import service as notices
from app.notices import webhooks
from app.users.service import create_user
from tests.factories import World, auth, day, iso

ACTORS = ("admin", "mgr_own", "mgr_other", "coord_own", "coord_other", "anon", "revoked")

# --- helpers the other API test modules share ----------------------------------------------


# Bookkeeping that every request may touch, refused or not (when the limit is on).
NOT_DATA = {"rate_counters"}


@functools.cache
def _tables() -> list[str]:
    return [t.name for t in Model.metadata.sorted_tables if t.name not in NOT_DATA]


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: two equal snapshots mean nothing at all changed."""
    tables = _tables()
    with engine.connect() as conn:
        # The driver's cursor: raw rows, several times faster than going through the ORM.
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        rows = {}
        for name in tables:
            cursor.execute(f"SELECT * FROM {name}")
            rows[name] = sorted((tuple(row) for row in cursor.fetchall()), key=repr)
        cursor.close()
        return rows


def assert_problem(r: Response, status: int | set[int]) -> dict[str, Any]:
    """``r`` is an RFC 9457 problem with ``status`` (or one of them) and a message a person
    can read."""
    wanted = {status} if isinstance(status, int) else status
    where = f"{r.request.method} {r.request.url}"
    assert r.status_code in wanted, f"{where}: expected {status}, got {r.status_code}: {r.text}"
    assert r.headers["content-type"].startswith("application/problem+json"), (where, r.headers)
    body: dict[str, Any] = r.json()
    assert body["status"] == r.status_code, (where, body)
    assert isinstance(body.get("detail"), str) and body["detail"].strip(), (where, body)
    assert body.get("title"), (where, body)
    return body


# --- the world every case runs in -----------------------------------------------------------


@dataclass
class Ctx:
    """The world plus one resource of each kind owned by crew C1 on base AAA."""

    client: TestClient
    w: World
    revoked_key: str = ""
    booking: int = 0
    cast: int = 0
    scene: int = 0
    blackout: int = 0
    user: int = 0
    feed: int = 0
    feed_token: str = ""
    performer_token: str = ""
    shooting: bool = False
    webhook: int = 0
    _n: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    # Days of fresh bookings on AAA-1: after C1's hold (days 60-63), disjoint from each other.
    _days: Iterator[int] = field(default_factory=lambda: itertools.count(64, 3))

    def n(self) -> int:
        """A fresh number per call, for unique codes and names."""
        return next(self._n)

    def key(self, actor: str) -> str | None:
        w = self.w
        return {
            "admin": w.admin,
            "mgr_own": w.manager_a,
            "mgr_other": w.manager_b,
            "coord_own": w.coord1,
            "coord_other": w.coord2,
            "anon": None,
            "revoked": self.revoked_key,
        }[actor]

    # Fresh resources, for attempts that use theirs up (delete, confirm, revoke…). They are
    # made by the services, not over HTTP: the same rules, a fraction of the time.
    def new_set(self) -> int:
        with transaction() as s:
            return create_set(
                s,
                base_id=self.w.base_a,
                tags=["street"],
                code=f"AAA-X{self.n()}",
                name_zh="新景",
                name_en="New set",
                kind="backlot",
                day_rate=0,
            ).id

    def new_blackout(self) -> int:
        with transaction() as s:
            film_set = get_set(s, self.w.set_a2)
            return add_blackout(s, film_set, day(180), day(181), "灯会").id

    def new_cast(self) -> int:
        with transaction() as s:
            return create_cast(s, get_crew(s, self.w.crew1), f"演员{self.n()}", 1000, []).id

    def new_scene(self) -> int:
        with transaction() as s:
            body = SceneCreate.model_validate(scene_body(self)).model_dump()
            return create_scene(s, get_crew(s, self.w.crew1), body).id

    def new_user(self, role: str = "coordinator") -> int:
        with transaction() as s:
            crews = ["C3"] if role == "coordinator" else []
            return create_user(s, f"user {self.n()}", role, crews=crews)[0].id

    def new_booking(self, status: str = "hold", crew: int | None = None, start: int = 0) -> int:
        start = start or next(self._days)
        with transaction() as s:
            actor = s.scalars(select(User).where(User.role == "admin")).first()
            assert actor is not None
            booking = place(
                s,
                actor,
                get_crew(s, crew or self.w.crew1),
                self.w.set_a1,
                day(start),
                day(start + 2),
                confirm_now=status == "confirmed",
                note="",
                now=utcnow(),
            )
            return booking.booking.id

    def new_challenger(self) -> int:
        """C1's hold placed behind C3's on the same days: C1 may challenge."""
        start = next(self._days)
        self.new_booking(crew=self.w.crew3, start=start)
        return self.new_booking(crew=self.w.crew1, start=start)

    def new_feed(self) -> int:
        """A calendar feed of C1's bookings, shared by C1's coordinator."""
        with transaction() as s:
            creator = s.scalars(select(User).where(User.name == "coord 1")).one()
            return create_feed(s, creator, "crew", self.w.crew1, None)[0].id

    def new_run(self, status: str = "succeeded") -> int:
        """A plan run proposing C1's scene on AAA-2 (clear of the bookings on AAA-1)."""
        with transaction() as s:
            run = PlanRun(status=status, params={})
            s.add(run)
            s.flush()
            s.add(
                Proposal(
                    run_id=run.id,
                    crew_id=self.w.crew1,
                    scene_id=self.scene,
                    set_id=self.w.set_a2,
                    date=day(120),
                    days=1,
                )
            )
            return run.id

    def new_import(self) -> int:
        """A preview of a one-scene breakdown for C1, made by C1's coordinator."""
        with transaction() as s:
            creator = s.scalars(select(User).where(User.name == "coord 1")).one()
            data = breakdown(self)
            parsed = read_upload(data, "b.csv", 1_000_000, 100)
            crew = get_crew(s, self.w.crew1)
            return create_preview(s, crew, creator, parsed, data, "b.csv", utcnow()).id

    # --- the extras pool: C1 shoots on AAA-1 on day 150 (confirmed), with one request.
    def extras_request(self) -> int:
        from app.extras.schemas import RequestCreate
        from app.extras.service import create_request

        if not self.shooting:
            self.new_booking("confirmed", start=150)
            self.shooting = True
        with transaction() as s:
            actor = s.scalars(select(User).where(User.name == "coord 1")).one()
            body = {"set_id": self.w.set_a1, "day": iso(150), "count": 2}
            return create_request(
                s, actor, get_crew(s, self.w.crew1), RequestCreate.model_validate(body), utcnow()
            ).id

    def new_performer(self) -> int:
        from app.models import Performer

        with transaction() as s:
            n = self.n()
            p = Performer(name=f"演员{n}", gender="m", card_no=f"AC-{n}", phone="13800000000")
            s.add(p)
            s.flush()
            return p.id

    def new_register_import(self) -> int:
        """A preview of a one-performer register sheet, uploaded by an administrator."""
        from app.extras.register_import import create_preview
        from app.extras.register_sheet import REGISTER_SUBJECT, read_register
        from app.imports.files import read_sheet

        data = register_sheet(self)
        with transaction() as s:
            actor = s.scalars(select(User).where(User.role == "admin")).first()
            assert actor is not None
            sheet = read_sheet(data, "r.csv", 1_000_000, 100, read_register, REGISTER_SUBJECT)
            return create_preview(s, actor, sheet, data, "r.csv", utcnow()).id

    def new_link(self) -> int:
        from app.extras.service import create_link, get_performer

        performer = self.new_performer()
        with transaction() as s:
            actor = s.scalars(select(User).where(User.role == "admin", User.active)).first()
            assert actor is not None
            return create_link(s, actor, get_performer(s, performer))[0].id

    def new_dispatch_run(self, status: str = "succeeded") -> int:
        from app.models import DispatchRun

        with transaction() as s:
            # A day of its own: one run of a day is queued or running at a time.
            run = DispatchRun(day=day(300 + self.n()), status=status)
            s.add(run)
            s.flush()
            return run.id

    def confirmed_assignment(self) -> int:
        from app.models import ExtrasAssignment

        rid, performer = self.extras_request(), self.new_performer()
        with transaction() as s:
            a = ExtrasAssignment(
                request_id=rid,
                performer_id=performer,
                day=day(150),
                status="confirmed",
                tasks=[],
            )
            s.add(a)
            s.flush()
            return a.id

    def callsheet_day(self) -> dict[str, object]:
        """C1 shoots a pinned scene on AAA-1 on day 60 (its hold's first day): a call sheet
        that C1's coordinator and AAA's managers read."""
        scene = self.new_scene()
        with transaction() as s:
            found = s.get(Scene, scene)
            assert found is not None
            found.pinned_date, found.pinned_set_id = day(60), self.w.set_a1
        return {"crew_id": self.w.crew1, "day": day(60).isoformat()}

    def _coord1(self, s: Any) -> User:
        return s.scalars(select(User).where(User.name == "coord 1")).one()

    def new_notice(self) -> str:
        """A notice in C1's coordinator's inbox."""
        with transaction() as s:
            made = notices.record(s, [self._coord1(s).id], "import_finished", {"summary": "x"})
            return str(made[0].id)

    def new_webhook(self) -> int:
        """A webhook subscription of C1's coordinator."""
        with transaction() as s:
            user = self._coord1(s)
            return webhooks.create(s, user.id, "https://hooks.example.com/c1", ["hold_first"]).id

    def no_run_active(self) -> dict[str, int]:
        """Finish earlier runs, so that starting one is not refused as 'already running'."""
        with transaction() as s:
            for run in s.scalars(select(PlanRun).where(PlanRun.status.in_(("queued", "running")))):
                run.status = "succeeded"
        return {}


def scene_body(ctx: Ctx) -> dict[str, Any]:
    return {"number": f"{ctx.n()}A", "int_ext": "INT", "day_night": "DAY", "minutes": 30}


def breakdown(ctx: Ctx) -> bytes:
    """A one-scene breakdown (CSV) with a fresh scene number."""
    return f"场次,内/外,日/夜,页数\nI{ctx.n()},内,日,1\n".encode()


def register_sheet(ctx: Ctx) -> bytes:
    """The extras office's register (CSV) with one performer of a fresh card number."""
    return f"姓名,性别,演员证号\n演员,女,RI-{ctx.n()}\n".encode()


def user_body(ctx: Ctx) -> dict[str, Any]:
    return {"name": f"user {ctx.n()}", "role": "coordinator", "crews": ["C3"]}


def make_ctx(client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch) -> Ctx:
    # Starting a plan run spawns a solver process; here only the request matters.
    monkeypatch.setattr("app.planning.router.spawn", lambda run_id, url: None)
    monkeypatch.setattr("app.extras.run.spawn", lambda run_id, url: None)
    c = Ctx(client, world)
    with transaction() as s:
        gone, c.revoked_key = create_user(s, "gone", "admin")
        gone.active = False
    # C1's hold on AAA-1 also makes C1 visible to AAA's manager (a crew booking their base).
    c.booking = c.new_booking(start=60)
    c.cast = c.new_cast()
    c.scene = c.new_scene()
    c.blackout = c.new_blackout()
    c.user = c.new_user()
    with transaction() as s:
        creator = s.scalars(select(User).where(User.name == "coord 1")).one()
        feed, c.feed_token = create_feed(s, creator, "crew", world.crew1, None)
        c.feed = feed.id
    from app.extras.service import create_link, get_performer

    performer = c.new_performer()
    with transaction() as s:
        # An active admin: a link dies with its creator's access (the revoked "gone" is one).
        actor = s.scalars(select(User).where(User.role == "admin", User.active)).first()
        assert actor is not None
        c.performer_token = create_link(s, actor, get_performer(s, performer))[1]
    c.webhook = c.new_webhook()
    return c


@pytest.fixture
def ctx(client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch) -> Ctx:
    return make_ctx(client, world, monkeypatch)


# --- the cases --------------------------------------------------------------------------------

Params = Callable[[Ctx], dict[str, Any]]
Check = Callable[[Ctx, str, Response], None]


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # the template exactly as the OpenAPI schema spells it
    expect: dict[str, int]
    params: Params = lambda ctx: {}
    body: Callable[[Ctx], Any] | None = None
    check: Check | None = None  # what a successful answer must (not) reveal to this actor
    files: Callable[[Ctx], Any] | None = None  # a multipart upload instead of a JSON body

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


def expect(
    *,
    admin: int,
    mgr_own: int,
    mgr_other: int,
    coord_own: int,
    coord_other: int,
    anon: int = 401,
    revoked: int = 401,
) -> dict[str, int]:
    return {
        "admin": admin,
        "mgr_own": mgr_own,
        "mgr_other": mgr_other,
        "coord_own": coord_own,
        "coord_other": coord_other,
        "anon": anon,
        "revoked": revoked,
    }


def everyone(ok: int = 200) -> dict[str, int]:
    """Any signed-in user (bases, sets, blackouts, travel, availability are public to staff)."""
    return expect(admin=ok, mgr_own=ok, mgr_other=ok, coord_own=ok, coord_other=ok)


def admin_only(ok: int = 200) -> dict[str, int]:
    return expect(admin=ok, mgr_own=403, mgr_other=403, coord_own=403, coord_other=403)


def base_managers(ok: int = 200) -> dict[str, int]:
    """The base's managers and admins change its sets; the rest may look, hence 403."""
    return expect(admin=ok, mgr_own=ok, mgr_other=403, coord_own=403, coord_other=403)


def crew_only(ok: int = 200, mgr_own: int = 404) -> dict[str, int]:
    """A crew's data: another crew (and a manager who never saw it) gets 404."""
    return expect(admin=ok, mgr_own=mgr_own, mgr_other=404, coord_own=ok, coord_other=404)


def booking_readers() -> dict[str, int]:
    return expect(admin=200, mgr_own=200, mgr_other=404, coord_own=200, coord_other=404)


def booking_actors() -> dict[str, int]:
    """The crew acts; the base's manager sees the booking but may not touch it (403)."""
    return expect(admin=200, mgr_own=403, mgr_other=404, coord_own=200, coord_other=404)


def sees(should: set[str], ids: Callable[[Any], set[int]], target: Callable[[Ctx], int]) -> Check:
    """A listing shows the target to the actors in ``should`` and hides it from the rest."""

    def check(ctx: Ctx, actor: str, r: Response) -> None:
        present = target(ctx) in ids(r.json())
        assert present == (actor in should), f"{actor} {'sees' if present else 'misses'} it"

    return check


def item_ids(body: Any) -> set[int]:
    return {int(i["id"]) for i in body["items"]}


def hold_names(ctx: Ctx, actor: str, r: Response) -> None:
    """Other productions' names on a hold: only the base's managers, admins and the crew."""
    (aaa1,) = [i for i in r.json()["items"] if i["set_id"] == ctx.w.set_a1]
    names = {h["crew"] for h in aaa1["holds"]}
    shown = actor in {"admin", "mgr_own", "coord_own"}
    assert names == ({"Production C1"} if shown else {None}), (actor, names)


def _names_c1(actor: str, r: Response) -> None:
    assert r.headers["content-type"].startswith("text/csv")
    assert ("Production C1" in r.text) == (actor in OWN), (actor, r.text[:300])


def me_check(ctx: Ctx, actor: str, r: Response) -> None:
    role = {
        "admin": "admin",
        "mgr_own": "base_manager",
        "mgr_other": "base_manager",
        "coord_own": "coordinator",
        "coord_other": "coordinator",
    }[actor]
    assert r.json()["role"] == role


OWN = {"admin", "mgr_own", "coord_own"}


def _w(attr: str) -> Params:
    """Path parameter ``<name>_id`` taken from the world (bases, sets, crews)."""
    name, _, source = attr.partition("=")
    return lambda ctx: {name: getattr(ctx.w, source)}


def _c(name: str, make: Callable[[Ctx], object]) -> Params:
    return lambda ctx: {name: make(ctx)}


CASES: list[Case] = [
    Case("GET", "/healthz", everyone() | {"anon": 200, "revoked": 200}),
    Case("GET", "/me", everyone(), check=me_check),
    # --- catalogue: public to read, base managers write, admins create bases and travel.
    Case("GET", "/bases", everyone()),
    Case(
        "POST",
        "/bases",
        admin_only(201),
        body=lambda ctx: {"code": f"NEW{ctx.n()}", "name_zh": "新基地", "name_en": "New base"},
    ),
    Case("GET", "/bases/{base_id}", everyone(), _w("base_id=base_a")),
    Case(
        "PATCH",
        "/bases/{base_id}",
        base_managers(),
        _w("base_id=base_a"),
        body=lambda ctx: {"name_en": f"Renamed {ctx.n()}", "hold_ttl_hours": 100},
    ),
    Case("GET", "/sets", everyone()),
    Case(
        "POST",
        "/sets",
        base_managers(201),
        body=lambda ctx: {
            "base_id": ctx.w.base_a,
            "code": f"AAA-N{ctx.n()}",
            "name_zh": "新景",
            "name_en": "New",
            "kind": "stage",
            "day_rate": 100,
        },
    ),
    Case("GET", "/sets/{set_id}", everyone(), _w("set_id=set_a1")),
    Case(
        "PATCH",
        "/sets/{set_id}",
        base_managers(),
        _w("set_id=set_a1"),
        body=lambda ctx: {"day_rate": 1234, "tags": ["street"]},
    ),
    Case("DELETE", "/sets/{set_id}", base_managers(204), _c("set_id", Ctx.new_set)),
    Case("GET", "/sets/{set_id}/blackouts", everyone(), _w("set_id=set_a1")),
    Case(
        "POST",
        "/sets/{set_id}/blackouts",
        base_managers(201),
        _w("set_id=set_a2"),
        body=lambda ctx: {"start": iso(190), "end": iso(191), "reason": "maintenance"},
    ),
    Case(
        "DELETE",
        "/blackouts/{blackout_id}",
        base_managers(204),
        _c("blackout_id", Ctx.new_blackout),
    ),
    Case("GET", "/travel", everyone()),
    Case(
        "PUT",
        "/travel",
        admin_only(),
        body=lambda ctx: {"from_base": "AAA", "to_base": "BBB", "cost": 5000 + ctx.n()},
    ),
    Case("GET", "/availability", everyone(), check=hold_names),
    # --- occupancy: a base's grid for its managers (free/busy for crews), not other managers.
    Case(
        "GET",
        "/bases/{base_id}/occupancy",
        expect(admin=200, mgr_own=200, mgr_other=404, coord_own=200, coord_other=200),
        _w("base_id=base_a"),
    ),
    Case("GET", "/occupancy/summary", everyone()),
    # --- exports: CSV as the API shows it; calendar feeds are private to whoever shared them,
    # and the feed's secret token is its only credential.
    Case(
        "GET",
        "/bases/{base_id}/occupancy.csv",
        expect(admin=200, mgr_own=200, mgr_other=404, coord_own=200, coord_other=200),
        _w("base_id=base_a"),
    ),
    Case("GET", "/bookings.csv", everyone(), check=lambda ctx, actor, r: _names_c1(actor, r)),
    Case(
        "GET",
        "/feeds",
        everyone(),
        check=sees(
            {"admin", "coord_own"}, lambda body: {f["id"] for f in body}, lambda ctx: ctx.feed
        ),
    ),
    Case(
        "POST",
        "/feeds",
        crew_only(201, mgr_own=403),
        body=lambda ctx: {"kind": "crew", "crew_id": ctx.w.crew1},
    ),
    Case("POST", "/feeds/{feed_id}/revoke", crew_only(mgr_own=404), _c("feed_id", Ctx.new_feed)),
    Case(
        "GET",
        "/feeds/{token}.ics",
        everyone() | {"anon": 200, "revoked": 200},
        lambda ctx: {"token": ctx.feed_token},
    ),
    # --- call sheets: the crew's coordinators, admins, and managers of the day's base.
    Case(
        "GET",
        "/crews/{crew_id}/callsheets/{day}",
        booking_readers(),
        Ctx.callsheet_day,
    ),
    Case(
        "GET",
        "/crews/{crew_id}/callsheets/{day}.xlsx",
        booking_readers(),
        Ctx.callsheet_day,
    ),
    # --- crews: admins create; a crew's coordinators see and change it.
    Case("GET", "/crews", everyone(), check=sees(OWN, item_ids, lambda ctx: ctx.w.crew1)),
    Case(
        "POST",
        "/crews",
        admin_only(201),
        body=lambda ctx: {
            "code": f"NC{ctx.n()}",
            "name": "New crew",
            "company": "Co",
            "window_start": iso(0),
            "window_end": iso(90),
            "day_cost": 1,
        },
    ),
    Case("GET", "/crews/{crew_id}", crew_only(mgr_own=200), _w("crew_id=crew1")),
    Case(
        "PATCH",
        "/crews/{crew_id}",
        crew_only(mgr_own=403),
        _w("crew_id=crew1"),
        body=lambda ctx: {"company": f"Films {ctx.n()}"},
    ),
    Case("GET", "/crews/{crew_id}/cast", crew_only(mgr_own=403), _w("crew_id=crew1")),
    Case(
        "POST",
        "/crews/{crew_id}/cast",
        crew_only(201, mgr_own=403),
        _w("crew_id=crew1"),
        body=lambda ctx: {"name": "替身", "day_cost": 10, "unavailable": [iso(30)]},
    ),
    Case("GET", "/cast/{cast_id}", crew_only(), lambda ctx: {"cast_id": ctx.cast}),
    Case(
        "PATCH",
        "/cast/{cast_id}",
        crew_only(),
        lambda ctx: {"cast_id": ctx.cast},
        body=lambda ctx: {"day_cost": 2000 + ctx.n()},
    ),
    Case("DELETE", "/cast/{cast_id}", crew_only(204), _c("cast_id", Ctx.new_cast)),
    Case("GET", "/crews/{crew_id}/scenes", crew_only(mgr_own=403), _w("crew_id=crew1")),
    Case(
        "POST",
        "/crews/{crew_id}/scenes",
        crew_only(201, mgr_own=403),
        _w("crew_id=crew1"),
        body=scene_body,
    ),
    Case("GET", "/scenes/{scene_id}", crew_only(), lambda ctx: {"scene_id": ctx.scene}),
    Case(
        "PATCH",
        "/scenes/{scene_id}",
        crew_only(),
        lambda ctx: {"scene_id": ctx.scene},
        body=lambda ctx: {"description": f"take {ctx.n()}", "status": "scheduled"},
    ),
    Case("DELETE", "/scenes/{scene_id}", crew_only(204), _c("scene_id", Ctx.new_scene)),
    # --- imports: only the crew's coordinators (and admins) import its breakdown.
    Case(
        "GET",
        "/crews/{crew_id}/imports/template.xlsx",
        crew_only(mgr_own=403),
        _w("crew_id=crew1"),
    ),
    Case(
        "GET",
        "/crews/{crew_id}/imports/template.csv",
        crew_only(mgr_own=403),
        _w("crew_id=crew1"),
    ),
    Case(
        "POST",
        "/crews/{crew_id}/imports",
        crew_only(201, mgr_own=403),
        _w("crew_id=crew1"),
        files=lambda ctx: {"file": ("b.csv", breakdown(ctx), "text/csv")},
    ),
    Case(
        "GET",
        "/crews/{crew_id}/imports/{import_id}",
        crew_only(mgr_own=403),
        lambda ctx: {"crew_id": ctx.w.crew1, "import_id": ctx.new_import()},
    ),
    Case(
        "POST",
        "/crews/{crew_id}/imports/{import_id}/apply",
        crew_only(mgr_own=403),
        lambda ctx: {"crew_id": ctx.w.crew1, "import_id": ctx.new_import()},
    ),
    # --- bookings: the crew acts, the base's managers watch, everyone else never saw them.
    Case("GET", "/bookings", everyone(), check=sees(OWN, item_ids, lambda ctx: ctx.booking)),
    Case(
        "POST",
        "/bookings",
        expect(admin=201, mgr_own=403, mgr_other=403, coord_own=201, coord_other=404),
        # Days of their own for each caller: the crew's own hold would answer a repeat.
        body=lambda ctx: (
            lambda n: {
                "set_id": ctx.w.set_a2,
                "crew_id": ctx.w.crew1,
                "start": iso(100 + 3 * (n % 25)),
                "end": iso(102 + 3 * (n % 25)),
            }
        )(ctx.n()),
    ),
    Case(
        "GET",
        "/crews/{crew_id}/bookings",
        booking_readers(),
        _w("crew_id=crew1"),
        check=sees(OWN, item_ids, lambda ctx: ctx.booking),
    ),
    Case(
        "GET", "/bookings/{booking_id}", booking_readers(), lambda ctx: {"booking_id": ctx.booking}
    ),
    Case(
        "GET",
        "/bookings/{booking_id}/events",
        booking_readers(),
        lambda ctx: {"booking_id": ctx.booking},
    ),
    Case(
        "POST",
        "/bookings/{booking_id}/confirm",
        booking_actors(),
        _c("booking_id", Ctx.new_booking),
    ),
    Case(
        "POST",
        "/bookings/{booking_id}/release",
        booking_actors(),
        _c("booking_id", Ctx.new_booking),
    ),
    Case(
        "POST",
        "/bookings/{booking_id}/cancel",
        booking_actors(),
        _c("booking_id", lambda ctx: ctx.new_booking("confirmed")),
    ),
    Case(
        "POST",
        "/bookings/{booking_id}/challenge",
        booking_actors(),
        _c("booking_id", Ctx.new_challenger),
    ),
    # --- optimizer runs: admins and base managers start and stop them; a crew reads its own
    # proposal and its coordinators accept it.
    Case("GET", "/plans", everyone()),
    Case(
        "POST",
        "/plans",
        expect(admin=202, mgr_own=202, mgr_other=202, coord_own=403, coord_other=403),
        Ctx.no_run_active,
        body=lambda ctx: {"horizon_days": 30, "time_limit": 1},
    ),
    Case("GET", "/plans/{run_id}", everyone(), _c("run_id", Ctx.new_run)),
    Case(
        "POST",
        "/plans/{run_id}/cancel",
        expect(admin=200, mgr_own=200, mgr_other=200, coord_own=403, coord_other=403),
        _c("run_id", lambda ctx: ctx.new_run("queued")),
    ),
    Case(
        "GET",
        "/plans/{run_id}/crews/{crew_id}",
        crew_only(mgr_own=200),
        lambda ctx: {"run_id": ctx.new_run(), "crew_id": ctx.w.crew1},
    ),
    Case(
        "POST",
        "/plans/{run_id}/crews/{crew_id}/accept",
        crew_only(mgr_own=403),
        lambda ctx: {"run_id": ctx.new_run(), "crew_id": ctx.w.crew1},
    ),
    # --- the extras pool: the register is the extras office's (admins here); a crew orders
    # and reads its own requests and pay sheets, never phone numbers; managers see none of it.
    # The extras office's own scope is tested in tests/api/test_extras.py.
    Case("GET", "/performers", admin_only()),
    Case(
        "POST",
        "/performers",
        admin_only(201),
        body=lambda ctx: {"name": "演员", "gender": "f", "card_no": f"NEW-{ctx.n()}"},
    ),
    Case("GET", "/performers/{performer_id}", admin_only(), _c("performer_id", Ctx.new_performer)),
    Case(
        "PATCH",
        "/performers/{performer_id}",
        admin_only(),
        _c("performer_id", Ctx.new_performer),
        body=lambda ctx: {"skills": ["dance"]},
    ),
    Case(
        "POST",
        "/performers/{performer_id}/links",
        admin_only(201),
        _c("performer_id", Ctx.new_performer),
    ),
    Case("POST", "/performer-links/{link_id}/revoke", admin_only(), _c("link_id", Ctx.new_link)),
    # Importing the register: the office's (admins here); a preview is its uploader's (and
    # admins'), as tests/api/test_register_import.py checks for office users.
    Case("GET", "/performer-imports/template.xlsx", admin_only()),
    Case(
        "POST",
        "/performer-imports",
        admin_only(201),
        files=lambda ctx: {"file": ("r.csv", register_sheet(ctx), "text/csv")},
    ),
    Case(
        "GET",
        "/performer-imports/{import_id}",
        admin_only(),
        _c("import_id", Ctx.new_register_import),
    ),
    Case(
        "POST",
        "/performer-imports/{import_id}/apply",
        admin_only(),
        _c("import_id", Ctx.new_register_import),
    ),
    Case(
        "GET",
        "/p/{token}.ics",
        everyone() | {"anon": 200, "revoked": 200},
        lambda ctx: {"token": ctx.performer_token},
    ),
    Case(
        "POST",
        "/crews/{crew_id}/extras-requests",
        crew_only(201, mgr_own=403),
        lambda ctx: (ctx.extras_request(), {"crew_id": ctx.w.crew1})[1],
        body=lambda ctx: {"set_id": ctx.w.set_a1, "day": iso(150), "count": 3},
    ),
    Case("GET", "/crews/{crew_id}/extras-requests", crew_only(mgr_own=403), _w("crew_id=crew1")),
    Case("GET", "/extras-requests", everyone()),
    Case(
        "GET",
        "/extras-requests/{request_id}",
        crew_only(),
        _c("request_id", Ctx.extras_request),
        check=lambda ctx, actor, r: _no_phone(r),
    ),
    Case(
        "PATCH",
        "/extras-requests/{request_id}",
        crew_only(),
        _c("request_id", Ctx.extras_request),
        body=lambda ctx: {"count": 3, "call_time": "06:00"},
        check=lambda ctx, actor, r: _no_phone(r),
    ),
    Case(
        "POST",
        "/extras-requests/{request_id}/cancel",
        crew_only(),
        _c("request_id", Ctx.extras_request),
    ),
    Case(
        "POST",
        "/extras/dispatch-runs",
        admin_only(202),
        body=lambda ctx: {"day": iso(151 + ctx.n())},
    ),
    Case("GET", "/extras/dispatch-runs/{run_id}", admin_only(), _c("run_id", Ctx.new_dispatch_run)),
    Case(
        "POST",
        "/extras/dispatch-runs/{run_id}/cancel",
        admin_only(),
        _c("run_id", lambda ctx: ctx.new_dispatch_run("queued")),
    ),
    Case("POST", "/extras/publish", admin_only(), body=lambda ctx: {"day": iso(150)}),
    Case("GET", "/extras/board", admin_only()),
    Case(
        "PUT",
        "/extras-assignments/{assignment_id}/attendance",
        expect(admin=200, mgr_own=404, mgr_other=404, coord_own=403, coord_other=404),
        _c("assignment_id", Ctx.confirmed_assignment),
        body=lambda ctx: {"attendance": "present", "hours_worked": 9},
    ),
    Case("GET", "/bases/{base_id}/extras-pay-rules", admin_only(), _w("base_id=base_a")),
    Case(
        "PUT",
        "/bases/{base_id}/extras-pay-rules/{category}",
        admin_only(),
        lambda ctx: {"base_id": ctx.w.base_a, "category": "ordinary"},
        body=lambda ctx: {"base_fee": 120},
    ),
    Case("GET", "/crews/{crew_id}/extras-pay-sheet", crew_only(), _w("crew_id=crew1")),
    Case("GET", "/crews/{crew_id}/extras-pay-sheet.csv", crew_only(), _w("crew_id=crew1")),
    Case("GET", "/crews/{crew_id}/extras-pay-sheet.xlsx", crew_only(), _w("crew_id=crew1")),
    # --- notices: each user's own inbox and preferences; webhooks too, but an administrator
    # may see and stop anyone's.
    Case("GET", "/notices", everyone()),
    Case(
        "POST",
        "/notices/{notice_id}/read",
        expect(admin=404, mgr_own=404, mgr_other=404, coord_own=200, coord_other=404),
        _c("notice_id", Ctx.new_notice),
    ),
    Case("GET", "/notices/preferences", everyone()),
    Case("PUT", "/notices/preferences", everyone(), body=lambda ctx: {"language": "en"}),
    Case("GET", "/webhooks", everyone()),
    Case(
        "POST",
        "/webhooks",
        everyone(201),
        body=lambda ctx: {"url": "https://hooks.example.com/x", "kinds": ["hold_first"]},
    ),
    Case(
        "DELETE",
        "/webhooks/{webhook_id}",
        expect(admin=204, mgr_own=404, mgr_other=404, coord_own=204, coord_other=404),
        _c("webhook_id", Ctx.new_webhook),
    ),
    Case(
        "GET",
        "/webhooks/{webhook_id}/deliveries",
        expect(admin=200, mgr_own=404, mgr_other=404, coord_own=200, coord_other=404),
        lambda ctx: {"webhook_id": ctx.webhook},
    ),
    # --- users: administrators only; /me for everyone signed in.
    Case("GET", "/users", admin_only()),
    Case("POST", "/users", admin_only(201), body=user_body),
    Case("GET", "/users/{user_id}", admin_only(), lambda ctx: {"user_id": ctx.user}),
    Case("POST", "/users/{user_id}/revoke", admin_only(), _c("user_id", Ctx.new_user)),
    Case("POST", "/users/{user_id}/rotate-key", admin_only(), _c("user_id", Ctx.new_user)),
]


def _no_phone(r: Response) -> None:
    """A crew's view of a request never carries performers' phone numbers or birth years."""
    assert "phone" not in r.text and "birth_year" not in r.text


def query_for(case: Case) -> dict[str, str]:
    if case.path in (
        "/crews/{crew_id}/extras-requests",
        "/extras-requests",
        "/extras/board",
        "/crews/{crew_id}/extras-pay-sheet",
        "/crews/{crew_id}/extras-pay-sheet.csv",
        "/crews/{crew_id}/extras-pay-sheet.xlsx",
    ):
        return {"day": iso(150)}
    if case.path in (
        "/availability",
        "/bases/{base_id}/occupancy",
        "/occupancy/summary",
        "/bases/{base_id}/occupancy.csv",
    ):
        return {"start": iso(60), "end": iso(63)}
    return {}


def test_every_route_has_an_access_case() -> None:
    schema = create_app().openapi()["paths"]
    routes = {(m.upper(), p) for p, ops in schema.items() for m in ops}
    covered = {(c.method, c.path) for c in CASES}
    assert not routes - covered, f"routes without an access case: {sorted(routes - covered)}"
    assert not covered - routes, f"cases for routes that do not exist: {sorted(covered - routes)}"
    assert len(covered) == len(CASES), "two cases for one route"
    for case in CASES:
        assert set(case.expect) == set(ACTORS), case.id


def test_role_matrix(ctx: Ctx, engine: Engine, subtests: pytest.Subtests) -> None:
    """Every case in one world: attempts that use their resource up get a fresh one, so the
    cases do not disturb each other (and the world is built once, not 70 times)."""
    for case in CASES:
        with subtests.test(case.id):
            check_case(case, ctx, engine)


def check_case(case: Case, ctx: Ctx, engine: Engine) -> None:
    for actor in ACTORS:
        path = case.path.format(**case.params(ctx))
        body = case.body(ctx) if case.body else None
        key = ctx.key(actor)
        headers = auth(key) if key else {}
        before = snapshot(engine)
        files = case.files(ctx) if case.files else None
        r = ctx.client.request(
            case.method, path, json=body, files=files, params=query_for(case), headers=headers
        )
        wanted = case.expect[actor]
        where = f"{case.id} as {actor}"
        if wanted >= 400:
            problem = assert_problem(r, wanted)
            assert snapshot(engine) == before, f"{where} was refused but changed the database"
            if wanted == 401:
                assert r.headers["www-authenticate"].startswith("Bearer"), where
            if actor not in OWN:  # a refusal never names a production the actor cannot see
                assert "Production C1" not in problem["detail"], where
            continue
        assert r.status_code == wanted, f"{where}: expected {wanted}, got {r.status_code}: {r.text}"
        if case.method == "GET":
            assert snapshot(engine) == before, f"{where} is a read but changed the database"
        if case.check:
            case.check(ctx, actor, r)


# --- keys: revoking and rotating ------------------------------------------------------------


def test_revoked_key_is_401_everywhere_and_rotation_restores(
    client: TestClient, world: World, engine: Engine
) -> None:
    made = client.post(
        "/users",
        json={"name": "c", "role": "coordinator", "crews": ["C1"]},
        headers=auth(world.admin),
    )
    uid, old = made.json()["id"], made.json()["api_key"]
    assert client.get("/me", headers=auth(old)).json()["crews"] == ["C1"]
    revoked = client.post(f"/users/{uid}/revoke", headers=auth(world.admin))
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    before = snapshot(engine)
    for method, path in [
        ("GET", "/me"),
        ("GET", f"/crews/{world.crew1}/bookings"),
        ("POST", "/bookings"),
    ]:
        body = {"set_id": world.set_a1, "crew_id": world.crew1, "start": iso(10), "end": iso(12)}
        r = client.request(method, path, json=body if method == "POST" else None, headers=auth(old))
        assert_problem(r, 401)
    assert snapshot(engine) == before
    rotated = client.post(f"/users/{uid}/rotate-key", headers=auth(world.admin)).json()
    assert rotated["active"] is True and rotated["api_key"] != old
    assert rotated["api_key_prefix"] == rotated["api_key"][:10]
    assert_problem(client.get("/me", headers=auth(old)), 401)  # the old key stays dead
    assert client.get("/me", headers=auth(rotated["api_key"])).json()["id"] == uid


def test_rotating_a_key_kills_the_old_one(client: TestClient, world: World) -> None:
    me = client.get("/me", headers=auth(world.coord1)).json()
    new = client.post(f"/users/{me['id']}/rotate-key", headers=auth(world.admin)).json()["api_key"]
    assert_problem(client.get("/me", headers=auth(world.coord1)), 401)
    assert client.get("/me", headers=auth(new)).json()["id"] == me["id"]


def test_bad_authorization_headers_are_401(client: TestClient, world: World) -> None:
    for header in [
        "",
        "Bearer",
        "Bearer ",
        "Basic YWRtaW46YWRtaW4=",
        "Bearer bl_not-a-real-key",
        "bl_raw",
        f"Bearer {world.admin}x",
        f"Token {world.admin}",
    ]:
        r = client.get("/me", headers={"Authorization": header})
        assert_problem(r, 401)
        assert r.headers["www-authenticate"].startswith("Bearer"), header


def test_a_coordinator_cannot_grant_themselves_more(
    client: TestClient, world: World, engine: Engine
) -> None:
    """No escalation: a coordinator may not create an admin nor rotate another user's key."""
    before = snapshot(engine)
    admin_id = client.get("/me", headers=auth(world.admin)).json()["id"]
    for path, body in [
        ("/users", {"name": "me too", "role": "admin"}),
        (f"/users/{admin_id}/rotate-key", None),
        (f"/users/{admin_id}/revoke", None),
    ]:
        assert_problem(client.post(path, json=body, headers=auth(world.coord1)), 403)
    assert snapshot(engine) == before
