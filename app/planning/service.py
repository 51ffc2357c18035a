"""Plan runs as users see them: starting one, a crew's proposal, accepting it as holds.

A run is recorded here and solved in a process of its own (:func:`spawn`,
:mod:`app.planning.worker`): the web process never loads the solver.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import sees_all_unscheduled
from app.bookings.queries import describe, live, overlaps
from app.bookings.schemas import BookingOut
from app.bookings.service import lock, lock_crew, place, release
from app.catalog.service import overlapping_blackouts
from app.config import get_settings
from app.errors import Conflict, InvalidInput
from app.jobs import settle_lost_runs, spawn_worker
from app.lookup import get_or_404
from app.models import Base, Booking, Crew, FilmSet, PlanRun, Proposal, Scene, User
from app.planning.lock import RunInProgress
from app.planning.schemas import Acceptance, CrewProposal, PlanRunOut, ProposalDay, ProposedHold


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


def start_run(session: Session, params: RunParams, user: User) -> PlanRun:
    """Record a run to start (409 while another is queued or running). The caller commits,
    then spawns its worker (:func:`spawn`): the worker must find the run in the database."""
    if active_run(session) is not None:
        raise RunInProgress()
    return create_run(session, params, user)


def active_run(session: Session) -> PlanRun | None:
    """A run still queued or running. Runs whose worker is gone (a queued run never taken in
    ten minutes, a running one that stopped answering) are settled first, as failed."""
    settle_lost_runs(session, PlanRun)
    return session.scalars(
        select(PlanRun).where(PlanRun.status.in_(("queued", "running"))).order_by(PlanRun.id)
    ).first()


def spawn(run_id: int, database_url: str) -> None:
    """Start the plan run's worker process (``app.planning.worker``)."""
    spawn_worker("app.planning.worker", run_id, database_url)


def cancel_run(session: Session, run: PlanRun) -> bool:
    """Ask a queued or running run to stop, keeping its best plan; False if it has ended."""
    if run.status not in ("queued", "running"):
        return False
    run.cancel_requested = True
    session.flush()
    return True


def run_out(run: PlanRun, user: User) -> PlanRunOut:
    """A run as ``user`` may see it: a coordinator sees only their crews' unscheduled scenes."""
    out = PlanRunOut.model_validate(run)
    if not sees_all_unscheduled(user):
        mine = {str(crew_id) for crew_id in user.crew_ids}
        codes = {info.get("code") for key, info in (run.crews or {}).items() if key in mine}
        out.unscheduled = [u for u in out.unscheduled if u.get("crew") in codes]
    return out


def get_run(session: Session, run_id: int) -> PlanRun:
    """The run as it stands: if its worker is gone, it is settled first (and so its cancel
    ends it at once rather than wait for a worker that will never read the flag)."""
    settle_lost_runs(session, PlanRun, PlanRun.id == run_id)
    return get_or_404(session, PlanRun, run_id, f"Plan run {run_id} not found.")


def _proposals(session: Session, run: PlanRun, crew_id: int) -> list[Proposal]:
    return list(
        session.scalars(
            select(Proposal)
            .where(Proposal.run_id == run.id, Proposal.crew_id == crew_id)
            .order_by(Proposal.date, Proposal.id)
            # Re-read under the crew's lock: a concurrent accept may have just committed.
            .execution_options(populate_existing=True)
        )
    )


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days)]


def _plan_days(proposals: list[Proposal]) -> dict[date, int]:
    """The set the proposal puts the crew on, per date (one set a date, rule 4)."""
    return {p.date + timedelta(days=i): p.set_id for p in proposals for i in range(p.days)}


def _own_live(session: Session, crew_id: int, now: datetime) -> list[Booking]:
    """The crew's confirmed bookings and holds that still count."""
    return list(
        session.scalars(
            select(Booking)
            .where(Booking.crew_id == crew_id, live(Booking, now))
            .order_by(Booking.start_date, Booking.id)
        )
    )


def holds_for(plan: dict[date, int], own: list[Booking]) -> list[tuple[int, date, date]]:
    """The proposal's days as holds: one per set and run of consecutive days the crew does
    not already hold or have confirmed on that set."""
    had = {(b.set_id, d) for b in own for d in _days(b.start_date, b.end_date)}
    by_set: dict[int, list[date]] = defaultdict(list)
    for day, set_id in sorted(plan.items()):
        if (set_id, day) not in had:
            by_set[set_id].append(day)
    holds = []
    for set_id, days in by_set.items():
        start = prev = days[0]
        for day in days[1:]:
            if day != prev + timedelta(days=1):
                holds.append((set_id, start, prev + timedelta(days=1)))
                start = day
            prev = day
        holds.append((set_id, start, prev + timedelta(days=1)))
    return sorted(holds, key=lambda h: (h[1], h[0]))


@dataclass(frozen=True)
class _OwnUse:
    """How the crew's own bookings stand against a proposal."""

    unused: list[Booking]  # holds in the run's horizon on no set-day the plan uses
    in_the_way: list[Booking]  # holds of another set on a date the plan shoots elsewhere
    clashing: list[Booking]  # confirmed bookings of another set on such a date


def _own_use(run: PlanRun, plan: dict[date, int], own: list[Booking]) -> _OwnUse:
    unused, in_the_way, clashing = [], [], []
    for b in own:
        days = _days(b.start_date, b.end_date)
        elsewhere = any(d in plan and plan[d] != b.set_id for d in days)
        if b.status == "confirmed":
            if elsewhere:
                clashing.append(b)
            continue
        in_horizon = (run.horizon_start is None or b.end_date > run.horizon_start) and (
            run.horizon_end is None or b.start_date < run.horizon_end
        )
        if elsewhere:
            in_the_way.append(b)
        elif in_horizon and not any(plan.get(d) == b.set_id for d in days):
            unused.append(b)
    return _OwnUse(unused=unused + in_the_way, in_the_way=in_the_way, clashing=clashing)


def crew_proposal(session: Session, run: PlanRun, crew: Crew, now: datetime) -> CrewProposal:
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
            set_name_zh=sets[set_id].name_zh,
            base_code=base_codes[sets[set_id].base_id],
            scenes=scenes,
        )
        for (day, set_id), scenes in sorted(day_map.items())
    ]
    own = _own_live(session, crew.id, now)
    pending = [p for p in proposals if p.accepted_at is None]
    plan = _plan_days(pending)
    holds = [
        ProposedHold(set_id=s, set_code=sets[s].code, start=a, end=b)
        for s, a, b in holds_for(plan, own)
    ]
    unused = _own_use(run, plan, own).unused if pending else []
    info: dict[str, Any] = (run.crews or {}).get(str(crew.id), {})
    unscheduled = [u for u in (run.unscheduled or []) if u.get("crew") == crew.code]
    return CrewProposal(
        run_id=run.id,
        crew_id=crew.id,
        crew_name=crew.name,
        accepted=bool(proposals) and all(p.accepted_at is not None for p in proposals),
        days=days,
        holds=holds,
        unused_holds=[describe(session, b, now) for b in unused],
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
    session: Session,
    user: User,
    run: PlanRun,
    crew: Crew,
    now: datetime,
    *,
    release_unused: bool = False,
) -> Acceptance:
    """Turn the crew's proposal into ranked holds, all or nothing.

    The crew's row is locked first, so parallel accepts of one proposal place one set of
    holds (the others find it accepted). The crew is never put on two sets on one date:
    its own holds elsewhere on the plan's dates are released only with ``release_unused``
    (the coordinator's consent, which also releases holds the plan no longer uses), and a
    confirmed booking elsewhere on such a date refuses the proposal.
    """
    lock_crew(session, crew.id)
    pending = [p for p in _proposals(session, run, crew.id) if p.accepted_at is None]
    if not pending:
        latest = latest_run_id(session)
        if latest is not None and latest != run.id:
            raise Conflict(f"This proposal was replaced by plan run {latest}; accept that one.")
        raise Conflict("This proposal has already been accepted; its holds are in My bookings.")
    plan = _plan_days(pending)
    use = _own_use(run, plan, _own_live(session, crew.id, now))
    if use.clashing:
        raise Conflict(
            f"{crew.name} is confirmed elsewhere on days this proposal shoots: "
            f"{_listed(use.clashing)}. "
            "Nothing was held; wait for tonight's plan, which keeps your confirmed days.",
            conflicts=[_own_conflict(b) for b in use.clashing],
        )
    if use.in_the_way and not release_unused:
        raise Conflict(
            f"{crew.name} holds other sets on days this proposal shoots: "
            f"{_listed(use.in_the_way)}. "
            "Accept again with release_unused_holds to release them in the same step.",
            conflicts=[_own_conflict(b) for b in use.in_the_way],
        )
    released: list[BookingOut] = []
    if release_unused:
        for b in use.unused:
            lock(session, b, now, None)
            release(session, user, b, now, f"not used by plan run {run.id}")
            released.append(describe(session, b, now))
    holds = holds_for(plan, _own_live(session, crew.id, now))
    _refuse_days_taken(session, crew, holds)
    try:
        placed = [
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
            ).booking
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
    unused = [] if release_unused else [describe(session, b, now) for b in use.unused]
    return Acceptance(placed=placed, released=released, unused_holds=unused)


def _listed(bookings: list[Booking]) -> str:
    return "; ".join(
        f"#{b.id} {b.film_set.code} {b.start_date}–{b.end_date - timedelta(days=1)}"
        for b in bookings
    )


def _own_conflict(b: Booking) -> dict[str, Any]:
    return {
        "kind": "own",
        "booking_id": b.id,
        "status": b.status,
        "set_code": b.film_set.code,
        "start": b.start_date.isoformat(),
        "end": b.end_date.isoformat(),
    }


def _refuse_days_taken(session: Session, crew: Crew, holds: list[tuple[int, date, date]]) -> None:
    """Name every proposed day another crew has confirmed or a blackout closed, at once."""
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
