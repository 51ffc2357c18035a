"""Runs whose worker is gone end by themselves (app.jobs), on both databases: the
heartbeat a worker keeps, and ``backlot sweep``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from app.cli import cli
from app.config import Settings
from app.db import transaction
from app.jobs import Heartbeat
from app.models import DispatchRun, PlanRun, User, WebSession, utcnow
from app.timeutil import today_local
from tests.conftest import heartbeats_while_running
from tests.factories import World


def test_the_heartbeat_goes_on_through_a_silent_phase_and_sees_its_run_settled(
    engine: Engine, quick_heartbeats: dict[str, str]
) -> None:
    with transaction() as s:
        run = PlanRun(status="running", params={}, started_at=utcnow(), heartbeat_at=utcnow())
        s.add(run)
        s.flush()
        run_id = run.id
    with Heartbeat(PlanRun, run_id) as heartbeat:
        heartbeats_while_running(PlanRun, run_id, count=4, timeout=10)  # nothing else writes
        assert not heartbeat.lost.is_set()
        with transaction() as s:
            settled = s.get(PlanRun, run_id)
            assert settled is not None
            settled.status = "failed"
        assert heartbeat.lost.wait(timeout=5)  # its worker is to stop, writing nothing


def test_sweep_settles_the_runs_whose_worker_is_gone(engine: Engine) -> None:
    now, today = utcnow(), today_local()
    tomorrow = today + timedelta(days=1)
    silent, heard = now - timedelta(seconds=61), now - timedelta(seconds=30)
    with transaction() as s:
        runs = [
            PlanRun(status="running", params={}, started_at=silent, heartbeat_at=silent),
            PlanRun(status="queued", params={}, created_at=now - timedelta(minutes=11)),
            DispatchRun(day=today, status="running", started_at=silent, heartbeat_at=silent),
            DispatchRun(day=tomorrow, status="running", started_at=heard, heartbeat_at=heard),
        ]
        s.add_all(runs)
        s.flush()
        ids = [(type(r), r.id) for r in runs]
    result = CliRunner().invoke(cli, ["sweep"])
    assert result.exit_code == 0, result.output
    assert "plan or dispatch runs whose worker was gone, recorded failed: 3" in result.output
    with transaction() as s:
        statuses = [getattr(s.get(model, run_id), "status", None) for model, run_id in ids]
    assert statuses == ["failed", "failed", "failed", "running"]


def test_a_run_is_not_declared_lost_on_one_late_heartbeat() -> None:
    with pytest.raises(ValidationError, match="three heartbeats"):
        Settings(run_heartbeat_seconds=30, run_dead_after_seconds=60)
    assert Settings(run_heartbeat_seconds=20, run_dead_after_seconds=60).run_heartbeat_seconds == 20


def test_sweep_deletes_page_sessions_that_ended_and_keeps_the_live_one(
    engine: Engine, world: World
) -> None:
    now = utcnow()
    with transaction() as s:
        user_id = s.scalars(select(User.id).order_by(User.id)).first()
        for sid, expires, revoked in (
            ("expired", now - timedelta(minutes=1), None),
            ("signed-out", now + timedelta(hours=1), now - timedelta(minutes=5)),
            ("live", now + timedelta(hours=1), None),
        ):
            s.add(
                WebSession(
                    id=sid,
                    user_id=user_id,
                    created_at=now - timedelta(hours=2),
                    expires_at=expires,
                    last_seen=now,
                    revoked_at=revoked,
                )
            )
    result = CliRunner().invoke(cli, ["sweep"])
    assert result.exit_code == 0, result.output
    assert "ended page sessions deleted: 2" in result.output
    with transaction() as s:
        assert list(s.scalars(select(WebSession.id))) == ["live"]
