"""The current instant, as a dependency so tests can move time (hold expiry, challenges)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends

from app.models import utcnow


async def get_now() -> datetime:
    """Async: reading the clock needs no worker thread."""
    return utcnow()


NowDep = Annotated[datetime, Depends(get_now)]
