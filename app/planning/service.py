"""Plan runs as users see them: starting one, a crew's proposal, accepting it as holds.

A run is recorded here and solved in a process of its own (:func:`spawn`,
:mod:`app.planning.worker`): the web process never loads the solver.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bookings.schemas import BookingOut
from app.bookings.service import overlaps, place
from app.catalog.service import overlapping_blackouts
from app.config import get_settings
from app.errors import Conflict, InvalidInput, NotFound
from app.models import Base, Booking, Crew, FilmSet, PlanRun, Proposal, Scene, User, utcnow
from app.planning.schemas import CrewProposal, PlanRunOut, ProposalDay, ProposedHold


@dataclass(frozen=True)
class RunParams:
    horizon_days: int
    time_limit: float
    workers: int
    seed: int | None = None

    @classmethod
    def defaults(cls) -> RunParams:
        s = get_settings()
        return cls(s.plan_horizon_days, s.plan_time_limit, s.plan_workers, None)


def create_run(session: Session, params: RunParams, user: User | None = None) -> PlanRun:
    run = PlanRun(status="queued", params=asdict(params), requested_by_id=user.id if user else None)
    session.add(run)
    session.flush()
    return run


def active_run(session: Session) -> PlanRun | None:
    """A run still queued or running (a queued run that never started lapses after 10 minutes)."""
    stale = utcnow() - timedelta(minutes=10)
    for run in session.scalars(
        select(PlanRun).where(PlanRun.status.in_(("queued", "running"))).order_by(PlanRun.id)
    ):
        if run.status == "running" or run.created_at > stale:
            return run
    return None


def spawn(run_id: int, database_url: str) -> None:
    """Start the worker detached from the request; a thread reaps it when it ends."""
    env = {**os.environ, "DATABASE_URL": database_url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.planning.worker", str(run_id)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    threading.Thread(target=proc.wait, daemon=True).start()


def run_out(run: PlanRun, user: User) -> PlanRunOut:
    """A run as ``user`` may see it: a coordinator sees only their crews' unscheduled scenes."""
    out = PlanRunOut.model_validate(run)
    if user.role == "coordinator":
        mine = {str(crew_id) for crew_id in user.crew_ids}
        codes = {info.get("code") for key, info in (run.crews or {}).items() if key in mine}
        out.unscheduled = [u for u in out.unscheduled if u.get("crew") in codes]
    return out


def get_run(session: Session, run_id: int) -> PlanRun:
    run = session.get(PlanRun, run_id)
    if run is None:
        raise NotFound(f"Plan run {run_id} not found.")
    return run


def _proposals(session: Session, run: PlanRun, crew_id: int) -> list[Proposal]:
    return list(
        session.scalars(
            select(Proposal)
            .where(Proposal.run_id == run.id, Proposal.crew_id == crew_id)
            .order_by(Proposal.date, Proposal.id)
        )
    )


def _own_confirmed_days(session: Session, crew_id: int, set_id: int) -> set[date]:
    days: set[date] = set()
    for b in session.scalars(
        select(Booking).where(
            Booking.crew_id == crew_id, Booking.set_id == set_id, Booking.status == "confirmed"
        )
    ):
        days.update(b.start_date + timedelta(days=i) for i in range(b.days))
    return days


def holds_for(
    session: Session, crew_id: int, proposals: list[Proposal]
) -> list[tuple[int, date, date]]:
    """The proposal's days as holds: one per set and run of consecutive days not yet confirmed."""
    by_set: dict[int, set[date]] = defaultdict(set)
    for p in proposals:
        by_set[p.set_id].update(p.date + timedelta(days=i) for i in range(p.days))
    holds = []
    for set_id, days in sorted(by_set.items()):
        wanted = sorted(days - _own_confirmed_days(session, crew_id, set_id))
        start = prev = None
        for day in wanted:
            if start is None:
                start = prev = day
            elif prev is not None and day == prev + timedelta(days=1):
                prev = day
            else:
                assert prev is not None
                holds.append((set_id, start, prev + timedelta(days=1)))
                start = prev = day
        if start is not None and prev is not None:
            holds.append((set_id, start, prev + timedelta(days=1)))
    return sorted(holds, key=lambda h: (h[1], h[0]))


def crew_proposal(session: Session, run: PlanRun, crew: Crew) -> CrewProposal:
    proposals = _proposals(session, run, crew.id)
    sets = {
        s.id: s
        for s in session.scalars(
            select(FilmSet).where(FilmSet.id.in_({p.set_id for p in proposals}))
        )
    }
    base_codes = dict((i, c) for i, c in session.execute(select(Base.id, Base.code)))
    numbers = dict(
        (i, n)
        for i, n in session.execute(
            select(Scene.id, Scene.number).where(Scene.id.in_({p.scene_id for p in proposals}))
        )
    )
    day_map: dict[tuple[date, int], list[str]] = defaultdict(list)
    for p in proposals:
        for i in range(p.days):
            day_map[(p.date + timedelta(days=i), p.set_id)].append(numbers.get(p.scene_id, "?"))
    days = [
        ProposalDay(
            date=day,
            set_id=set_id,
            set_code=sets[set_id].code,
            set_name=sets[set_id].name_en,
            base_code=base_codes[sets[set_id].base_id],
            scenes=scenes,
        )
        for (day, set_id), scenes in sorted(day_map.items())
    ]
    holds = [
        ProposedHold(set_id=s, set_code=sets[s].code, start=a, end=b)
        for s, a, b in holds_for(session, crew.id, [p for p in proposals if p.accepted_at is None])
    ]
    info: dict[str, Any] = (run.crews or {}).get(str(crew.id), {})
    unscheduled = [u for u in (run.unscheduled or []) if u.get("crew") == crew.code]
    return CrewProposal(
        run_id=run.id,
        crew_id=crew.id,
        crew_name=crew.name,
        accepted=bool(proposals) and all(p.accepted_at is not None for p in proposals),
        days=days,
        holds=holds,
        cost=info,
        unscheduled=unscheduled,
    )


def latest_run_id(session: Session) -> int | None:
    """The last finished plan run: its un-accepted proposals are tonight's offer."""
    return session.scalar(
        select(PlanRun.id)
        .where(PlanRun.status.in_(("succeeded", "stopped")))
        .order_by(PlanRun.id.desc())
        .limit(1)
    )


def accept(
    session: Session, user: User, run: PlanRun, crew: Crew, now: datetime
) -> list[BookingOut]:
    """Turn the crew's proposal into ranked holds, all or nothing."""
    pending = [p for p in _proposals(session, run, crew.id) if p.accepted_at is None]
    if not pending:
        latest = latest_run_id(session)
        if latest is not None and latest != run.id:
            raise Conflict(f"This proposal was replaced by plan run {latest}; accept that one.")
        raise Conflict("There is nothing left to accept in this proposal.")
    holds = holds_for(session, crew.id, pending)
    conflicts: list[dict[str, Any]] = []
    for set_id, start, end in holds:
        film_set = session.get(FilmSet, set_id)
        assert film_set is not None
        for b in session.scalars(
            select(Booking).where(
                Booking.set_id == set_id,
                Booking.crew_id != crew.id,
                Booking.status == "confirmed",
                overlaps(Booking, start, end),
            )
        ):
            conflicts.append(
                {
                    "set_code": film_set.code,
                    "kind": "confirmed",
                    "start": max(start, b.start_date).isoformat(),
                    "end": min(end, b.end_date).isoformat(),
                }
            )
        for bo in overlapping_blackouts(session, set_id, start, end):
            conflicts.append(
                {
                    "set_code": film_set.code,
                    "kind": "blackout",
                    "start": max(start, bo.start_date).isoformat(),
                    "end": min(end, bo.end_date).isoformat(),
                }
            )
    if conflicts:
        listed = "; ".join(
            f"{c['set_code']} {c['start']}–{c['end']} ({c['kind']})" for c in conflicts
        )
        raise Conflict(
            f"Some proposed days are no longer free: {listed}. Nothing was held; "
            "wait for tonight's plan or hold the free days yourself.",
            conflicts=conflicts,
        )
    try:
        bookings = [
            place(
                session,
                user,
                crew,
                set_id,
                start,
                end,
                confirm_now=False,
                note=f"from plan run {run.id}",
                now=now,
            )
            for set_id, start, end in holds
        ]
    except InvalidInput as exc:
        # Nothing in the request is wrong: the proposal went stale (its days passed, or the
        # crew's shooting window moved since the run).
        raise Conflict(
            f"This proposal no longer fits: {exc.detail} Nothing was held; "
            "wait for tonight's plan or hold the days yourself."
        ) from exc
    for p in pending:
        p.accepted_at = now
        scene = session.get(Scene, p.scene_id)
        if scene is not None:
            scene.status = "scheduled"
            scene.pinned_date = p.date
            scene.pinned_set_id = p.set_id
    session.flush()
    return bookings
