"""The ``backlot`` command: database, seed data, users, the server, and the optimizer."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from app.config import PROJECT_ROOT

cli = typer.Typer(
    help="Backlot: set booking and shooting schedules for film bases.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_cli = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
user_cli = typer.Typer(help="Users and API keys.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
plan_cli = typer.Typer(help="The nightly optimizer run.", no_args_is_help=True)
cli.add_typer(user_cli, name="user")
cli.add_typer(plan_cli, name="plan")
extras_cli = typer.Typer(help="The extras (横漂) pool's dispatch.", no_args_is_help=True)
cli.add_typer(extras_cli, name="extras")

DEMO_KEYS = PROJECT_ROOT / "var" / "demo-keys.txt"


@db_cli.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Migrate the database named by DATABASE_URL to REVISION (default: latest)."""
    from app.migrate import upgrade

    upgrade(revision=revision)
    typer.echo(f"database at {revision}")


@db_cli.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument()] = "-1") -> None:
    """Step the schema back (default: one migration)."""
    from app.migrate import downgrade

    downgrade(revision=revision)
    typer.echo(f"database downgraded to {revision}")


@cli.command("seed")
def seed(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Only when the database holds no bases yet")
    ] = False,
) -> None:
    """Load the Hengdian seed data (idempotent: loading twice adds nothing)."""
    from app.db import transaction
    from seed.loader import database_is_empty, load

    with transaction() as session:
        if if_empty and not database_is_empty(session):
            typer.echo("database already holds data; seed skipped")
            return
        report = load(session)
    summary = ", ".join(f"{n} {what}" for what, n in report.created.items()) or "nothing new"
    typer.echo(f"seed loaded: {summary}")
    if report.keys:
        lines = [f"{role:13} {name}: {key}" for name, role, key in report.keys]
        DEMO_KEYS.parent.mkdir(parents=True, exist_ok=True)
        DEMO_KEYS.write_text("\n".join(lines) + "\n", encoding="utf-8")
        DEMO_KEYS.chmod(0o600)
        typer.echo(f"demo API keys (also in {DEMO_KEYS}):")
        for line in lines:
            typer.echo("  " + line)


@cli.command("sweep")
def sweep() -> None:
    """Mark every lapsed hold as expired (holds stop counting on time regardless), every
    plan or dispatch run whose worker is gone as failed (as reading them does), and delete
    page sessions that have ended."""
    from app.bookings.service import sweep_expired
    from app.db import transaction
    from app.jobs import settle_every_lost_run
    from app.models import utcnow
    from app.web.session import forget_ended_sessions

    with transaction() as session:
        now = utcnow()
        n = sweep_expired(session, now)
        lost = settle_every_lost_run(session)
        ended = forget_ended_sessions(session, now)
    typer.echo(f"holds expired: {n}")
    typer.echo(f"plan or dispatch runs whose worker was gone, recorded failed: {lost}")
    typer.echo(f"ended page sessions deleted: {ended}")


@cli.command("notify")
def notify(
    once: Annotated[
        bool, typer.Option("--once", help="One cycle, then exit (for cron); else run on")
    ] = False,
    interval: Annotated[float, typer.Option(help="Seconds between cycles when idle")] = 10.0,
    batch: Annotated[int, typer.Option(help="Deliveries claimed per cycle")] = 50,
) -> None:
    """Deliver notices (webhooks, e-mail) and warn of holds lapsing within a day."""
    import json
    import logging
    import signal
    import threading

    from app.notices.worker import run_forever, run_once

    if once:
        typer.echo(json.dumps(run_once(limit=batch).as_dict()))
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    typer.echo(f"backlot notify: every {interval:g} s until stopped")
    run_forever(interval, batch, stop)


@user_cli.command("create")
def user_create(
    role: Annotated[str, typer.Option(help="admin | base_manager | coordinator | extras_office")],
    name: Annotated[str, typer.Option(help="Person's name")],
    base: Annotated[
        list[str] | None,
        typer.Option(help="Base code (base managers; extras office: none for the whole town)"),
    ] = None,
    crew: Annotated[list[str] | None, typer.Option(help="Crew code (coordinators)")] = None,
) -> None:
    """Create a user; its new API key is the last line printed."""
    from app.db import transaction
    from app.errors import DomainError
    from app.models import ROLES
    from app.users.service import create_user

    if role not in ROLES:
        typer.echo("role must be admin, base_manager, coordinator or extras_office", err=True)
        raise typer.Exit(2)
    try:
        with transaction() as session:
            user, key = create_user(session, name, role, base or [], crew or [])
            typer.echo(f"created user #{user.id} {user.name} ({user.role})")
    except DomainError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(key)


@plan_cli.command("nightly")
def plan_nightly(
    horizon_days: Annotated[int, typer.Option(help="Days to plan from today")] = 60,
    time_limit: Annotated[float, typer.Option(help="Solver time limit, seconds")] = 60.0,
    workers: Annotated[int, typer.Option(help="CP-SAT worker threads")] = 2,
    seed: Annotated[
        int | None, typer.Option(help="Random seed (with --workers 1: repeatable)")
    ] = None,
) -> None:
    """Plan every crew's scenes now (what cron runs each night) and store the proposals."""
    import json

    from app.db import transaction
    from app.errors import DomainError
    from app.planning.nightly import execute
    from app.planning.service import RunParams, create_run

    with transaction() as session:
        run_id = create_run(session, RunParams(horizon_days, time_limit, workers, seed)).id
    try:
        run = execute(run_id)
    except DomainError as exc:
        typer.echo(f"plan run {run_id}: {exc.detail}", err=True)
        raise typer.Exit(3) from exc
    summary = {
        "run": run.id,
        "status": run.status,
        "size": run.size,
        "greedy_total": run.greedy_total,
        "total": run.total,
        "lower_bound": run.lower_bound,
        "savings": run.savings,
        "changed_assignments": run.changed_assignments,
        "unscheduled": len(run.unscheduled or []),
        "message": run.message,
    }
    typer.echo(json.dumps(summary, ensure_ascii=False))


@extras_cli.command("dispatch")
def extras_dispatch(
    day: Annotated[str, typer.Option(help="The shooting day, YYYY-MM-DD")],
    base: Annotated[
        str | None, typer.Option(help="Base code or id (default: the whole town)")
    ] = None,
) -> None:
    """Dispatch a day's open extras requests now (what cron runs after the cut-off)."""
    import json
    from datetime import date

    from sqlalchemy.exc import IntegrityError

    from app.catalog.service import get_base_by_ref
    from app.db import transaction
    from app.errors import DomainError, unique_clash
    from app.extras.run import create_run, execute

    try:
        wanted = date.fromisoformat(day)
    except ValueError:
        typer.echo("--day must be written YYYY-MM-DD", err=True)
        raise typer.Exit(2) from None
    try:
        with transaction() as session:
            base_id = get_base_by_ref(session, base).id if base else None
            run_id = create_run(session, None, wanted, base_id).id
        run = execute(run_id)
    except (DomainError, IntegrityError) as exc:
        # A run of the day started at the same moment: the database's rule refused this one.
        detail = exc.detail if isinstance(exc, DomainError) else unique_clash(exc)
        if detail is None:
            raise
        typer.echo(f"error: {detail}", err=True)
        raise typer.Exit(3) from exc
    summary = {
        "run": run.id,
        "day": run.day.isoformat(),
        "status": run.status,
        "slots": run.slots,
        "filled": run.filled,
        "changes": run.changes,
        "unfilled": len(run.unfilled or []),
        "message": run.message,
    }
    typer.echo(json.dumps(summary, ensure_ascii=False))


@cli.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
) -> None:
    """Serve the API (OpenAPI at /docs)."""
    import uvicorn

    uvicorn.run("app.main:app", host=host, port=port, workers=workers, proxy_headers=True)


@cli.command("run")
def run(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
) -> None:
    """Migrate, load the seed data into an empty database, and serve."""
    db_upgrade("head")
    seed(if_empty=True)
    if DEMO_KEYS.exists() and not os.environ.get("DATABASE_URL"):
        typer.echo(f"demo API keys: {DEMO_KEYS}")
    typer.echo(f"Backlot on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    serve(host=host, port=port, workers=1)


def _register_optimizer() -> None:
    """The optimizer's commands (solve, check, greedy, explain) come from scheduler/."""
    try:
        from scheduler.cli import register
    except ImportError:  # pragma: no cover - the optimizer package is part of the project
        return
    register(cli)


_register_optimizer()


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
