"""A plan run in its own process: ``python -m app.planning.worker RUN_ID [DATABASE_URL]``.

The web request that starts a run only records it and spawns this process; the
solve never runs inside a request.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading


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


def main(argv: list[str]) -> int:
    from app.planning.nightly import execute

    try:
        execute(int(argv[1]))
    except Exception as exc:
        print(f"plan run {argv[1]} failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
