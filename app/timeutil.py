"""Calendar dates live in the film base's zone (Asia/Shanghai); instants are UTC."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from app.config import get_settings
from app.models import utcnow


def base_zone() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def today_local(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(base_zone()).date()


def local_text(instant: datetime) -> str:
    """'2026-12-03 10:00 (Asia/Shanghai)' — how a coordinator reads a deadline."""
    return instant.astimezone(base_zone()).strftime("%Y-%m-%d %H:%M") + " (Asia/Shanghai)"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
