"""A dispatch run in its own process: ``python -m app.extras.worker RUN_ID``."""

from __future__ import annotations

import sys

from app.extras.run import execute


def main(argv: list[str]) -> int:
    try:
        execute(int(argv[1]))
    except Exception as exc:
        print(f"dispatch run {argv[1]} failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
