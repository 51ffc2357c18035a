"""Property-based: random sequences of holds, direct bookings, confirms, releases,
challenges, cancellations and clock moves on two sets with three crews.

A small reference model predicts every answer (201/200 or 409) and the state of every
booking; after each step the API and the database must agree with it, and:

- no two confirmed bookings of a set overlap;
- an active hold's rank is 1 + the active overlapping holds placed before it;
- a crew asking again for days it holds or has confirmed on a set gets that booking (or a
  409 naming its own bookings), never a second hold behind its own;
- a confirm succeeds iff no earlier active overlapping hold, confirmed overlap or blackout;
- an expired hold (expires_at <= now) never blocks anyone, swept or not;
- released, cancelled and expired bookings never come back;
- every state change has its audit event, and the events chain to the stored state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, select

from app.clock import get_now
from app.config import get_settings
from app.db import transaction
from app.models import Booking, BookingEvent, utcnow
from tests.conftest import _truncate
from tests.factories import World, auth, day, make_blackout, make_world

TTL_HOURS = 72
CHALLENGE_HOURS = 24
FIRST_DAY = 10  # days from today; the clock never moves far enough to make them past
MAX_ADVANCE = timedelta(days=8)
BLACKOUT = (16, 18)  # on the second set, [16, 18)
TERMINAL = {"released", "cancelled", "expired"}


def overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


@dataclass
class Model:
    """What the API should say about one booking."""

    id: int
    set: int  # index into the machine's sets
    crew: int
    days: tuple[int, int]  # [start, end) in days from today
    seq: int  # placement order: the rank order among holds
    status: str  # hold / confirmed / released / cancelled (expiry is derived from the clock)
    expires_at: datetime
    deadline: datetime | None = None
    seen: list[str] = field(default_factory=list)  # statuses the API reported, in order

    def state(self, now: datetime) -> str:
        return "expired" if self.status == "hold" and self.expires_at <= now else self.status

    def active(self, now: datetime) -> bool:
        return self.state(now) == "hold"


class HoldMachine(RuleBasedStateMachine):
    client: TestClient
    engine: Engine

    def __init__(self) -> None:
        super().__init__()
        _truncate(self.engine)
        self.w: World = make_world(ttl=TTL_HOURS, challenge=CHALLENGE_HOURS)
        with transaction() as s:
            make_blackout(s, self.w.set_a2, *BLACKOUT)
        self.sets = [self.w.set_a1, self.w.set_a2]
        self.crews = [self.w.crew1, self.w.crew2, self.w.crew3]
        self.start = utcnow()
        self.now = self.start
        self.client.app.dependency_overrides[get_now] = lambda: self.now  # type: ignore[attr-defined]
        self.bookings: dict[int, Model] = {}
        self.placed = 0

    def teardown(self) -> None:
        self.client.app.dependency_overrides.clear()  # type: ignore[attr-defined]

    # --- the model's rules ---------------------------------------------------------------

    def _others(self, b: Model) -> list[Model]:
        return [
            o
            for o in self.bookings.values()
            if o.id != b.id and o.set == b.set and overlap(o.days, b.days)
        ]

    def _ahead(self, b: Model) -> list[Model]:
        """Active overlapping holds placed before ``b``."""
        return [o for o in self._others(b) if o.active(self.now) and o.seq < b.seq]

    def _may_confirm(self, b: Model) -> bool:
        closed = b.set == 1 and overlap(b.days, BLACKOUT)
        confirmed = any(o.status == "confirmed" for o in self._others(b))
        return not closed and not confirmed and not self._ahead(b)

    def _quota_reached(self, crew: int) -> bool:
        held = sum(1 for o in self.bookings.values() if o.crew == crew and o.active(self.now))
        return held >= get_settings().max_active_holds_per_base  # both sets are on one base

    # --- actions -------------------------------------------------------------------------

    @rule(
        crew=st.integers(0, 2),
        set_=st.integers(0, 1),
        first=st.integers(0, 8),
        length=st.integers(1, 4),
        direct=st.sampled_from([False, False, False, True]),
    )
    def place(self, crew: int, set_: int, first: int, length: int, direct: bool) -> None:
        days = (FIRST_DAY + first, FIRST_DAY + first + length)
        crew_id = self.crews[crew]
        r = self.client.post(
            "/bookings",
            headers=auth(self.w.key_for(crew_id)),
            json={
                "set_id": self.sets[set_],
                "crew_id": crew_id,
                "start": day(days[0]).isoformat(),
                "end": day(days[1]).isoformat(),
                "status": "confirmed" if direct else "hold",
            },
        )
        b = Model(
            id=0,
            set=set_,
            crew=crew,
            days=days,
            seq=self.placed,
            status="hold",
            expires_at=self.now + timedelta(hours=TTL_HOURS),
        )
        # A crew never queues behind itself: its own booking covering the days is the answer
        # (a direct booking only over its own confirmed one), any other own overlap a 409.
        own = sorted(
            (
                o
                for o in self.bookings.values()
                if o.crew == crew
                and o.set == set_
                and overlap(o.days, days)
                and (o.status == "confirmed" or o.active(self.now))
            ),
            key=lambda o: (o.status != "confirmed", o.days[0]),
        )
        if own:
            covering = [
                o
                for o in own
                if o.days[0] <= days[0]
                and o.days[1] >= days[1]
                and (o.status == "confirmed" or not direct)
            ]
            if covering:
                assert r.status_code == 200, r.text
                assert r.json()["id"] == covering[0].id
            else:
                assert r.status_code == 409, r.text
                assert {c["booking_id"] for c in r.json()["conflicts"]} == {o.id for o in own}
            return
        closed = set_ == 1 and overlap(days, BLACKOUT)
        # A direct confirmation leaves no active hold, so only holds count against the quota.
        quota = not direct and self._quota_reached(crew)
        if closed or quota or (direct and not self._may_confirm(b)):
            assert r.status_code == 409, r.text
            return
        assert r.status_code == 201, r.text
        b.id = r.json()["id"]
        b.status = "confirmed" if direct else "hold"
        self.bookings[b.id] = b
        self.placed += 1

    @precondition(lambda self: self.bookings)
    @rule(pick=st.integers(0, 10**6))
    def confirm(self, pick: int) -> None:
        b = self._pick(pick)
        ok = b.active(self.now) and self._may_confirm(b)
        self._expect(self._act(b, "confirm"), ok)
        if ok:
            b.status, b.deadline = "confirmed", None

    @precondition(lambda self: self.bookings)
    @rule(pick=st.integers(0, 10**6))
    def release(self, pick: int) -> None:
        b = self._pick(pick)
        ok = b.active(self.now)
        self._expect(self._act(b, "release"), ok)
        if ok:
            b.status = "released"

    @precondition(lambda self: self.bookings)
    @rule(pick=st.integers(0, 10**6))
    def cancel(self, pick: int) -> None:
        b = self._pick(pick)
        ok = b.status == "confirmed"
        self._expect(self._act(b, "cancel"), ok)
        if ok:
            b.status = "cancelled"

    @precondition(lambda self: self.bookings)
    @rule(pick=st.integers(0, 10**6))
    def challenge(self, pick: int) -> None:
        b = self._pick(pick)
        ahead = self._ahead(b)
        confirmed = any(o.status == "confirmed" for o in self._others(b))
        ok = b.active(self.now) and not confirmed and bool(ahead)
        r = self._act(b, "challenge")
        self._expect(r, ok)
        if not ok:
            return
        deadline = self.now + timedelta(hours=CHALLENGE_HOURS)
        assert r.json()["challenged"] == len(ahead)
        for o in ahead:
            if o.deadline is not None and o.deadline <= deadline:
                continue  # an earlier challenge's deadline stands
            o.deadline = deadline
            o.expires_at = min(o.expires_at, deadline)

    @precondition(lambda self: self.now - self.start < MAX_ADVANCE)
    @rule(hours=st.integers(1, 60))
    def advance_clock(self, hours: int) -> None:
        self.now = min(self.now + timedelta(hours=hours), self.start + MAX_ADVANCE)

    def _pick(self, pick: int) -> Model:
        ids = sorted(self.bookings)
        return self.bookings[ids[pick % len(ids)]]

    def _act(self, b: Model, action: str) -> Any:
        key = self.w.key_for(self.crews[b.crew])
        return self.client.post(f"/bookings/{b.id}/{action}", headers=auth(key))

    @staticmethod
    def _expect(r: Any, ok: bool) -> None:
        assert r.status_code == (200 if ok else 409), r.text
        if not ok:
            assert r.headers["content-type"].startswith("application/problem+json")

    # --- invariants ----------------------------------------------------------------------

    @invariant()
    def api_and_database_agree_with_the_model(self) -> None:
        self._check_api()
        self._check_database()

    def _check_api(self) -> None:
        r = self.client.get("/bookings", params={"limit": 200}, headers=auth(self.w.admin))
        assert r.status_code == 200, r.text
        listed = {item["id"]: item for item in r.json()["items"]}
        assert set(listed) == set(self.bookings)
        for b in self.bookings.values():
            item, state = listed[b.id], b.state(self.now)
            assert item["status"] == state, (b, item)
            if state == "hold":
                # Ranks: 1 + the active overlapping holds placed before it, expired ones excluded.
                assert item["rank"] == len(self._ahead(b)) + 1, (b, item)
                assert datetime.fromisoformat(item["expires_at"]) == b.expires_at, (b, item)
            else:
                assert item["rank"] is None
            # Released, cancelled and expired are final: never seen as anything else after.
            if b.seen and b.seen[-1] in TERMINAL:
                assert state == b.seen[-1], (b, state)
            b.seen.append(state)

    def _check_database(self) -> None:
        with transaction() as s:
            rows = {b.id: b for b in s.scalars(select(Booking))}
            events = list(s.scalars(select(BookingEvent).order_by(BookingEvent.id)))
        confirmed = [b for b in rows.values() if b.status == "confirmed"]
        for i, a in enumerate(confirmed):
            for b in confirmed[i + 1 :]:
                assert not (a.set_id == b.set_id and _overlap_dates(a, b)), (a.id, b.id)
        chains: dict[int, list[BookingEvent]] = {}
        for e in events:
            chains.setdefault(e.booking_id, []).append(e)
        for booking_id, row in rows.items():
            model = self.bookings[booking_id]
            # A lapsed hold is "expired" at once, whether or not a sweep has stored it yet.
            assert row.status == model.state(self.now) or (
                row.status == "hold" and model.state(self.now) == "expired"
            ), (row.status, model)
            chain = chains[booking_id]
            assert (chain[0].from_status, chain[0].to_status) == (None, "hold")
            state = "hold"
            for e in chain[1:]:
                assert e.from_status == state, (
                    booking_id,
                    [(x.from_status, x.to_status) for x in chain],
                )
                assert state not in TERMINAL or e.to_status == state
                state = e.to_status
            assert state == row.status, (booking_id, state, row.status)


def _overlap_dates(a: Booking, b: Booking) -> bool:
    return bool(a.start_date < b.end_date and b.start_date < a.end_date)


def test_hold_invariants_over_random_sequences(client: TestClient, engine: Engine) -> None:
    # The clock moves at most MAX_ADVANCE, so every day the machine books stays in the future.
    assert timedelta(days=FIRST_DAY) > MAX_ADVANCE
    HoldMachine.client = client
    HoldMachine.engine = engine
    run_state_machine_as_test(
        HoldMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
