"""The extras office's day board: demand against supply by profile, and unfilled slots."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.extras import run as runs
from app.extras.schemas import DayBoard, ProfileDemand
from app.extras.service import profile_of
from app.jobs import settle_lost_runs
from app.models import DispatchRun, ExtrasAssignment, ExtrasRequest
from scheduler import dispatch as dp


def day_board(session: Session, day: date, base_id: int | None) -> DayBoard:
    where = [ExtrasRequest.day == day, ExtrasRequest.status == "open"]
    if base_id is not None:
        where.append(ExtrasRequest.base_id == base_id)
    requests = list(session.scalars(select(ExtrasRequest).where(*where)))
    got: dict[int, int] = defaultdict(int)
    for rid in session.scalars(
        select(ExtrasAssignment.request_id).where(
            ExtrasAssignment.request_id.in_([r.id for r in requests])
        )
    ):
        got[rid] += 1
    problem = runs.build_problem(session, day, base_id)
    free = dp.free_by_profile(problem, [profile_of(r) for r in requests])
    by_profile: dict[str, list[ExtrasRequest]] = defaultdict(list)
    for r in requests:
        by_profile[profile_of(r).describe()].append(r)
    profiles = [
        ProfileDemand(
            profile=name,
            requests=len(rs),
            slots=sum(r.count for r in rs),
            filled=sum(min(r.count, got[r.id]) for r in rs),
            eligible_free=free[profile_of(rs[0])],
        )
        for name, rs in sorted(by_profile.items())
    ]
    settle_lost_runs(session, DispatchRun, DispatchRun.day == day)
    stmt = select(DispatchRun).where(DispatchRun.day == day).order_by(DispatchRun.id.desc())
    stmt = stmt.where(
        DispatchRun.base_id.is_(None) if base_id is None else DispatchRun.base_id == base_id
    )
    last = session.scalars(stmt).first()
    return DayBoard(
        day=day,
        base_id=base_id,
        slots=sum(p.slots for p in profiles),
        filled=sum(p.filled for p in profiles),
        profiles=profiles,
        unfilled=list(last.unfilled or []) if last else [],
        last_run=runs.run_out(last) if last else None,
    )
