"""Load benchmark: the API under uvicorn on PostgreSQL, driven open-loop.

    .venv/bin/python -m benchmarks.load [--servers 3] [--threads 4] [--seconds 8]
        [--rates 100,200,300] [--kinds create,availability,occupancy] [--connections 16,64]

It creates a fresh PostgreSQL database, seeds bases, sets, crews and coordinators,
measures the raw PostgreSQL rate of the same booking INSERT (pgbench, 16 and 64
clients) and the load generator's own ceiling (against a canned-answer server), then
starts N app servers (``uvicorn app.main:app``, one process each, as behind a load
balancer) and drives them from a separate process at a fixed request rate: open loop,
each request has a scheduled send time and its latency is measured from that time, so
a slow server cannot hide queueing. For 16 and 64 connections it prints throughput and
p50/p95/p99 for booking creation, availability searches and occupancy reads; last, a
conflict storm (1,000 requests for overlapping days of three sets: zero 5xx, no day
confirmed twice).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ADMIN_URL = os.environ.get(
    "BACKLOT_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SETS = 400
CREWS = 64


def _fresh_database() -> str:
    name = f"backlot_load_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def _drop_database(url: str) -> None:
    name = make_url(url).database
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _seed(url: str) -> dict[str, Any]:
    """Bases, SETS sets, CREWS crews with a coordinator each; returns ids and keys."""
    from app.db import make_engine, set_engine, transaction
    from app.migrate import upgrade
    from app.models import Base, Crew, FilmSet, SetTag
    from app.timeutil import today_local
    from app.users.service import create_user

    upgrade(url)
    engine = make_engine(url)
    set_engine(engine)
    today = today_local()
    with transaction() as s:
        bases = [Base(code=f"B{i}", name_zh=f"基地{i}", name_en=f"Base {i}") for i in range(8)]
        s.add_all(bases)
        s.flush()
        sets = []
        for i in range(SETS):
            fs = FilmSet(
                base_id=bases[i % 8].id,
                code=f"S{i:04d}",
                name_zh=f"景{i}",
                name_en=f"Set {i}",
                kind="backlot",
                day_rate=(i % 5) * 5000,
            )
            fs.tag_rows = [SetTag(tag=t) for t in ("street", "exterior", f"era{i % 4}")]
            sets.append(fs)
        s.add_all(sets)
        crews = [
            Crew(
                code=f"C{i:03d}",
                name=f"Crew {i}",
                company="Bench",
                licence_no="B",
                window_start=today,
                window_end=today + timedelta(days=3000),
                day_cost=100000,
                max_minutes_per_day=720,
            )
            for i in range(CREWS)
        ]
        s.add_all(crews)
        s.flush()
        keys = [create_user(s, f"coord {c.code}", "coordinator", crews=[c.code])[1] for c in crews]
        _, admin_key = create_user(s, "bench admin", "admin")
        out = {
            "sets": [x.id for x in sets],
            "crews": [c.id for c in crews],
            "keys": keys,
            "admin": admin_key,
            "base": bases[0].id,
            "today": today.isoformat(),
        }
    engine.dispose()
    set_engine(None)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_servers(url: str, servers: int) -> tuple[list[subprocess.Popen[bytes]], str]:
    """``servers`` app server processes (uvicorn, one worker each) on their own ports.

    Stateless app servers behind a load balancer: the driver spreads its connections over
    them evenly. (``uvicorn --workers N`` shares one socket and lets whichever worker wakes
    first accept: 16 connections opened at once mostly landed on one worker, measuring one
    process instead of N.)
    """
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "BACKLOT_MAX_ACTIVE_HOLDS_PER_BASE": "1000000",
        # Counted, as in production, but high enough never to refuse the benchmark.
        "BACKLOT_RATE_LIMIT_PER_MINUTE": os.environ.get(
            "BACKLOT_RATE_LIMIT_PER_MINUTE", "100000000"
        ),
    }
    procs, bases = [], []
    for _ in range(servers):
        port = _free_port()
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "app.main:app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--log-level",
                    "warning",
                    "--no-access-log",
                ],
                env=env,
            )
        )
        bases.append(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 60
    waiting = list(bases)
    while waiting and time.monotonic() < deadline:
        try:
            if httpx.get(waiting[0] + "/healthz", timeout=1).status_code == 200:
                waiting.pop(0)
                continue
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    if waiting:
        _stop(procs)
        raise RuntimeError("an app server did not start")
    return procs, ",".join(bases)


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        proc.wait(timeout=20)


def _request(
    kind: str, world: dict[str, Any], rng: random.Random, n: int
) -> tuple[str, str, Any, str]:
    """(method, path, json, key) for one request of ``kind``."""
    from datetime import date

    today = date.fromisoformat(world["today"])
    i = rng.randrange(len(world["crews"]))
    if kind == "create":
        # Spread over sets and far-apart days: mostly fresh ranges, some conflicts.
        set_id = world["sets"][n % len(world["sets"])]
        start = today + timedelta(days=1 + (n // len(world["sets"])) * 3 % 2900)
        body = {
            "set_id": set_id,
            "crew_id": world["crews"][i],
            "status": "confirmed",
            "start": start.isoformat(),
            "end": (start + timedelta(days=2)).isoformat(),
        }
        return "POST", "/bookings", body, world["keys"][i]
    if kind == "availability":
        start = today + timedelta(days=rng.randrange(1, 300))
        path = (
            f"/availability?start={start}&end={start + timedelta(days=3)}"
            f"&tags=era{rng.randrange(4)}&limit=20"
        )
        return "GET", path, None, world["keys"][i]
    start = today + timedelta(days=rng.randrange(0, 300))
    path = f"/bases/{world['base']}/occupancy?start={start}&end={start + timedelta(days=31)}"
    return "GET", path, None, world["admin"]


def _encode(method: str, path: str, body: Any, key: str, host: str) -> bytes:
    """One HTTP/1.1 request, encoded once before the clock starts."""
    payload = json.dumps(body).encode() if body is not None else b""
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Length: {len(payload)}\r\n"
    )
    if body is not None:
        head += "Content-Type: application/json\r\n"
    return head.encode() + b"\r\n" + payload


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> int:
    """Send one request on a kept-alive connection and read the whole answer; its status."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def _open_loop(
    base: str, requests: list[bytes], rate: float, connections: int
) -> tuple[list[float], Counter[int], float]:
    """Send ``requests[n]`` at t0 + n/rate over ``connections`` kept-alive connections.

    Latency runs from the scheduled send time, so time spent waiting for a free
    connection (a server that falls behind) is counted, not hidden.
    """
    addresses = [b.removeprefix("http://").split(":") for b in base.split(",")]
    queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()
    latencies: list[float] = []
    codes: Counter[int] = Counter()

    async def connection(i: int) -> None:
        host, port = addresses[i % len(addresses)]
        reader, writer = await asyncio.open_connection(host, int(port))
        while (item := await queue.get()) is not None:
            scheduled, request = item
            try:
                codes[await _exchange(reader, writer, request)] += 1
            except (OSError, asyncio.IncompleteReadError, ValueError):
                codes[0] += 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, int(port))
            latencies.append(time.perf_counter() - scheduled)
        writer.close()

    workers = [asyncio.create_task(connection(i)) for i in range(connections)]
    await asyncio.sleep(0.2)  # connections open before the clock starts
    t0 = time.perf_counter()
    for n, request in enumerate(requests):
        scheduled = t0 + n / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((scheduled, request))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    return latencies, codes, time.perf_counter() - t0


def _drive(
    base: str,
    world: dict[str, Any],
    kind: str,
    rate: float,
    seconds: float,
    connections: int,
    offset: int,
) -> dict[str, Any]:
    rng = random.Random(offset)
    total = int(rate * seconds)
    host = base.split(",")[0].removeprefix("http://")
    requests = [_encode(*_request(kind, world, rng, offset + n), host=host) for n in range(total)]
    latencies, codes, elapsed = _run_loop(_open_loop(base, requests, rate, connections))
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "kind": kind,
        "connections": connections,
        "rate": rate,
        "sent": total,
        "throughput": sum(n for c, n in codes.items() if c) / elapsed,
        "p50": pct(0.50),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "codes": dict(codes),
    }


def _run_loop(coro: Any) -> Any:
    try:
        import uvloop

        return uvloop.run(coro)
    except ImportError:
        return asyncio.run(coro)


def _driver_process(args: tuple[Any, ...], queue: mp.Queue[Any]) -> None:
    queue.put(_drive(*args))


def drive(*args: Any) -> dict[str, Any]:
    """Run the load generator in its own process (not sharing the server's interpreter)."""
    queue: mp.Queue[Any] = mp.Queue()
    proc = mp.Process(target=_driver_process, args=(args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result  # type: ignore[no-any-return]


def _canned_server(port: int) -> None:
    """A server that answers every request with the same small JSON: the generator's ceiling."""
    answer = (
        b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\n"
        b'content-length: 11\r\n\r\n{"id": 123}'
    )

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        await reader.readexactly(int(line.split(b":")[1]))
                writer.write(answer)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def serve() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port)
        await server.serve_forever()

    _run_loop(serve())


def generator_ceiling(world: dict[str, Any], rate: float, seconds: float) -> dict[str, Any]:
    """The load generator alone (canned answers, no app, no database), same requests."""
    port = _free_port()
    server = mp.Process(target=_canned_server, args=(port,), daemon=True)
    server.start()
    time.sleep(0.5)
    try:
        return drive(f"http://127.0.0.1:{port}", world, "create", rate, seconds, 16, 0)
    finally:
        server.kill()


def raw_insert_rate(url: str, clients: int, seconds: int, world: dict[str, Any]) -> float | None:
    """pgbench running the same booking INSERT the API does (one row, same columns)."""
    pgbench = shutil.which("pgbench") or next(
        (
            p
            for p in sorted(
                os.popen("ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null").read().split()
            )
        ),
        None,
    )
    if not pgbench:
        return None
    u = make_url(url)
    script = tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False)  # noqa: SIM115 - pgbench reads it by name
    crew = world["crews"][0]
    script.write(
        f"\\set s random(1, {len(world['sets'])})\n"
        "\\set d random(4000, 40000)\n"
        "INSERT INTO bookings (set_id, crew_id, start_date, end_date, status, placed_at, "
        "expires_at, note, version) VALUES (:s, " + str(crew) + ", DATE '2040-01-01' + :d, "
        "DATE '2040-01-01' + :d + 2, 'hold', now(), now() + interval '7 days', '', 1);\n"
    )
    script.close()
    out = subprocess.run(
        [
            pgbench,
            "-n",
            "-f",
            script.name,
            "-c",
            str(clients),
            "-j",
            "2",
            "-T",
            str(seconds),
            "-h",
            u.host or "127.0.0.1",
            "-p",
            str(u.port or 5432),
            "-U",
            u.username or "postgres",
            u.database or "",
        ],
        capture_output=True,
        text=True,
    )
    for line in out.stdout.splitlines():
        if line.startswith("tps"):
            return float(line.split("=")[1].split()[0])
    print(out.stdout, out.stderr)
    return None


def conflict_storm(base: str, world: dict[str, Any], requests: int = 1000) -> dict[str, Any]:
    """Many crews confirming overlapping days of three sets at once."""
    from datetime import date

    today = date.fromisoformat(world["today"])
    contested = world["sets"][-3:]

    async def storm() -> Counter[int]:
        codes: Counter[int] = Counter()
        limits = httpx.Limits(max_connections=64)
        bases = base.split(",")
        async with httpx.AsyncClient(limits=limits, timeout=60) as client:

            async def one(n: int) -> None:
                i = n % len(world["crews"])
                start = today + timedelta(days=2950 + n % 4)
                body = {
                    "set_id": contested[n % 3],
                    "crew_id": world["crews"][i],
                    "status": "confirmed" if n % 2 else "hold",
                    "start": start.isoformat(),
                    "end": (start + timedelta(days=3)).isoformat(),
                }
                r = await client.post(
                    bases[n % len(bases)] + "/bookings",
                    json=body,
                    headers={"Authorization": f"Bearer {world['keys'][i]}"},
                )
                codes[r.status_code] += 1

            await asyncio.gather(*(one(n) for n in range(requests)))
        return codes

    codes = asyncio.run(storm())
    return {
        "codes": dict(codes),
        "contested_sets": contested,
        "first_day": today + timedelta(days=2950),
    }


def _print_row(row: dict[str, Any]) -> None:
    print(
        f"{row['kind']:12} conn={row['connections']:3} rate={row['rate']:6.0f}/s -> "
        f"{row['throughput']:7.1f}/s  p50={row['p50']:7.1f} ms  "
        f"p95={row['p95']:7.1f} ms  p99={row['p99']:7.1f} ms  {row['codes']}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=3, help="app server processes")
    parser.add_argument("--threads", type=int, default=4, help="BACKLOT_WORKER_THREADS")
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--rates", default="100,200,300")
    parser.add_argument("--kinds", default="create,availability,occupancy")
    parser.add_argument("--connections", default="16,64")
    parser.add_argument("--quick", action="store_true", help="skip pgbench, ceiling and storm")
    args = parser.parse_args()
    url = _fresh_database()
    os.environ["BACKLOT_WORKER_THREADS"] = str(args.threads)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        world = _seed(url)
        raw: dict[int, float | None] = {}
        if not args.quick:
            # The raw rate first, while no app server holds connections.
            raw = {c: raw_insert_rate(url, c, 8, world) for c in (16, 64)}
            ceiling = generator_ceiling(world, 4000, 4)
            print("load generator alone (canned answers):", end=" ")
            _print_row(ceiling)
        procs, base = _start_servers(url, args.servers)
        offset = 0
        for connections in [int(c) for c in args.connections.split(",")]:
            for kind in args.kinds.split(","):
                for rate in [float(r) for r in args.rates.split(",")]:
                    row = drive(base, world, kind, rate, args.seconds, connections, offset)
                    offset += row["sent"]
                    _print_row(row)
        if args.quick:
            return
        print(f"raw PostgreSQL booking INSERT (pgbench): {raw}")
        storm = conflict_storm(base, world)
        engine = create_engine(url)
        with engine.connect() as conn:
            per_day = conn.execute(
                text(
                    "SELECT set_id, d, count(*) FROM bookings, "
                    "generate_series(start_date, end_date - 1, interval '1 day') AS d "
                    "WHERE status = 'confirmed' AND set_id = ANY(:s) AND end_date > :first "
                    "GROUP BY set_id, d "
                    "HAVING count(*) > 1"
                ),
                {"s": storm["contested_sets"], "first": storm["first_day"]},
            ).all()
            confirmed_days = conn.execute(
                text(
                    "SELECT count(*) FROM bookings "
                    "WHERE status = 'confirmed' AND set_id = ANY(:s) AND end_date > :first"
                ),
                {"s": storm["contested_sets"], "first": storm["first_day"]},
            ).scalar()
        engine.dispose()
        fivexx = sum(n for c, n in storm["codes"].items() if c >= 500 or c == 0)
        print(
            f"conflict storm: {storm['codes']}  5xx={fivexx}  confirmed bookings on the "
            f"contested days={confirmed_days}  days confirmed twice={len(per_day)}"
        )
    finally:
        _stop(procs)
        _drop_database(url)


if __name__ == "__main__":
    main()
