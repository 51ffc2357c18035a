"""The image recipe, checked statically (no Docker engine in CI): hadolint plus our own rules."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def _instructions() -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_hadolint_finds_nothing() -> None:
    exe = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(exe).exists():
        pytest.fail("hadolint is not installed (it comes with the dev dependencies)")
    result = subprocess.run([exe, str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_multi_stage_slim_and_non_root() -> None:
    stages = [rest for word, rest in _instructions() if word == "FROM"]
    assert len(stages) >= 2 and all("slim" in s for s in stages)
    users = [rest for word, rest in _instructions() if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")


def test_dependencies_come_from_the_lock() -> None:
    runs = " ".join(rest for word, rest in _instructions() if word == "RUN")
    assert "-r requirements.lock" in runs
    assert "--no-deps ." in runs  # the project itself adds nothing unpinned
    assert (ROOT / "requirements.lock").exists()
    pinned = [
        line
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert pinned and all("==" in line for line in pinned)


def test_the_lock_pins_every_runtime_dependency() -> None:
    """The image installs the project with --no-deps: a dependency missing from the lock
    would be missing from the image (icalendar and itsdangerous once were)."""
    import tomllib

    def name(requirement: str) -> str:
        return re.split(r"[\[<>=!~;\s]", requirement, maxsplit=1)[0].lower().replace("_", "-")

    wanted = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    locked = {
        name(line)
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if line and not line.startswith("#")
    }
    missing = sorted(name(r) for r in wanted if name(r) not in locked)
    assert not missing, f"requirements.lock lacks {missing}: regenerate it (see its header)"


def test_migrates_before_serving_and_checks_health() -> None:
    cmd = next(rest for word, rest in reversed(_instructions()) if word == "CMD")
    assert cmd.index("backlot db upgrade") < cmd.index("backlot serve")
    health = next(rest for word, rest in _instructions() if word == "HEALTHCHECK")
    assert "/healthz" in health


def test_configuration_only_through_environment() -> None:
    copies = [rest for word, rest in _instructions() if word == "COPY"]
    assert not any(".env" in c or "var/" in c for c in copies)
    assert "ARG" not in {word for word, _ in _instructions()}
