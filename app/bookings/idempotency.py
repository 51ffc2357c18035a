"""Idempotency-Key: a retry with the same key and body gets the first answer, acting once.

The key's row is inserted before acting, inside the same transaction, so a concurrent
retry waits on it (unique key) and then reads the stored answer instead of acting twice.
Only successful answers are stored: a refused request changed nothing, so retrying it
simply asks again.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Header
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.errors import InvalidInput
from app.models import IdempotencyRecord, User

Answer = tuple[int, dict[str, Any]]
# 1-200 printable ASCII characters, not starting or ending with a space (HTTP trims those).
KEY_PATTERN = r"^[!-~](?:[ -~]{0,198}[!-~])?$"

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=KEY_PATTERN,
        description="Retry safely: the same key and body return the first answer; "
        "1-200 printable ASCII characters",
    ),
]


def fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def _replay(record: IdempotencyRecord, fp: str) -> Answer:
    if record.fingerprint != fp:
        raise InvalidInput(
            "This Idempotency-Key was already used for a different request; "
            "use a new key for a new request."
        )
    return record.status_code, json.loads(record.body)


def run(
    session: Session, user: User, key: str | None, fp: str, perform: Callable[[], Answer]
) -> Answer:
    if key is None:
        return perform()
    if not re.fullmatch(KEY_PATTERN, key):
        raise InvalidInput("Idempotency-Key must be 1–200 printable ASCII characters.")
    user_id = user.id
    existing = session.get(IdempotencyRecord, (user_id, key))
    if existing is not None:
        return _replay(existing, fp)
    record = IdempotencyRecord(user_id=user_id, key=key, fingerprint=fp, status_code=0, body="{}")
    session.add(record)
    try:
        session.flush()
    except IntegrityError:
        # A concurrent request with this key committed first: answer as it did.
        session.rollback()
        stored = session.get(IdempotencyRecord, (user_id, key))
        if stored is None:
            raise
        return _replay(stored, fp)
    status, payload = perform()
    record.status_code = status
    record.body = json.dumps(payload, default=str)
    session.flush()
    return status, payload
