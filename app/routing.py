"""Routes that end their transaction in the thread that ran them.

FastAPI runs a sync endpoint and the exit code of a sync generator dependency in
different threadpool threads. If the session were committed in the dependency,
a request holding a lock (the set row, SQLite's write lock) would wait for a free
thread to commit while every thread waits for that lock: a pool-starvation
deadlock under load. So the endpoint's own thread commits on success and rolls
back on error, before the thread is given back; the dependency only closes.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute
from sqlalchemy.orm import Session


def _transactional(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        session: Session = kwargs["session"]
        try:
            result = endpoint(*args, **kwargs)
            session.commit()
            return result
        except BaseException:
            session.rollback()
            raise

    return wrapped


class TransactionalRoute(APIRoute):
    """An APIRoute whose sync endpoint with a ``session`` parameter owns its transaction."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if "session" in inspect.signature(endpoint).parameters and not inspect.iscoroutinefunction(
            endpoint
        ):
            endpoint = _transactional(endpoint)
        super().__init__(path, endpoint, **kwargs)
