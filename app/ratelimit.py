"""Rate limit per user: a fixed one-minute window counted in the database.

One budget per user, whichever way a request comes: the API key, the pages' session,
a download (``app.deps.admit``). One upsert per authenticated request, in the short
transaction that authenticates it, so the count is shared by any number of app servers
and the row is locked only for an instant.
"""

from __future__ import annotations

import math
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.config import get_settings
from app.errors import DomainError
from app.models import RateCounter, User


class TooManyRequests(DomainError):
    status, title, slug = 429, "Too many requests", "too-many-requests"

    def __init__(self, detail: str, retry_after: int, limit: int) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.retry_after, self.limit = retry_after, limit
        self.headers = {"Retry-After": str(retry_after)}


@cache
def _statements(dialect: str) -> tuple[Any, Any]:
    """The upsert that counts (per dialect) and the delete of past minutes, built once:
    they run on every authenticated request."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    count = (
        insert(RateCounter)
        .values(user_id=bindparam("user_id"), minute=bindparam("minute"), count=1)
        .on_conflict_do_update(
            index_elements=["user_id", "minute"], set_={"count": RateCounter.count + 1}
        )
        .returning(RateCounter.count)
    )
    forget = delete(RateCounter).where(
        RateCounter.user_id == bindparam("user_id"), RateCounter.minute < bindparam("minute")
    )
    return count, forget


def count_request(session: Session, user: User, now: datetime) -> None:
    """Count this request against the user's minute; refuse it past the limit."""
    limit = get_settings().rate_limit_per_minute
    if limit <= 0:
        return
    epoch = now.timestamp()
    minute = int(epoch // 60)
    count, forget = _statements(session.get_bind().dialect.name)
    params = {"user_id": user.id, "minute": minute}
    used = int(session.execute(count, params).scalar_one())
    if used == 1:  # first request of a new minute: forget the old ones
        session.execute(forget, params)
    if used > limit:
        retry = max(1, math.ceil((minute + 1) * 60 - epoch))
        raise TooManyRequests(
            f"Too many requests for this user: at most {limit} a minute across the API, "
            f"the pages and downloads. Try again in {retry} s.",
            retry,
            limit,
        )
