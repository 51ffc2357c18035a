"""A dispatch run in its own process: ``python -m app.extras.worker RUN_ID``."""

from __future__ import annotations

import sys

from app.extras.run import execute
from app.jobs import worker_main


def main(argv: list[str]) -> int:
    return worker_main(execute, "dispatch run", argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
