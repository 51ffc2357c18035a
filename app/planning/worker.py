"""A plan run in its own process: ``python -m app.planning.worker RUN_ID``.

The web request that starts a run only records it and spawns this process
(:func:`app.planning.service.spawn`, with ``DATABASE_URL`` in its environment);
the solve never runs inside a request.
"""

from __future__ import annotations

import sys

from app.jobs import worker_main
from app.planning.nightly import execute


def main(argv: list[str]) -> int:
    return worker_main(execute, "plan run", argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
