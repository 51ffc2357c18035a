"""Request dependencies written once: the session (one transaction per request) and the user."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from app.db import session_factory
from app.errors import Unauthorized
from app.models import User, utcnow
from app.ratelimit import count_request
from app.security import hash_api_key


async def get_session() -> AsyncIterator[Session]:
    """The request's session. Its endpoint commits or rolls back (see app.routing); this closes.

    Opening a session does no I/O, and neither does closing one whose transaction has
    ended (the usual case): both stay on the event loop instead of taking a worker
    thread twice per request. A transaction still open is rolled back in a thread.
    """
    session = session_factory()()
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


# scope="function": the session is closed before the response leaves.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer bl_…`")
# The bearer credentials if sent (documented as the API's security scheme), else None.
ApiKey = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]

# A user with its scope (bases, crews) in one round trip.
USER_WITH_SCOPE = select(User).options(joinedload(User.base_links), joinedload(User.crew_links))
_USER_BY_KEY = USER_WITH_SCOPE.where(User.api_key_hash == bindparam("key_hash"))


def user_for_key(session: Session, key: str) -> User | None:
    """The user behind an API key, active or not; None for an unknown key."""
    found = session.execute(_USER_BY_KEY, {"key_hash": hash_api_key(key)})
    return found.unique().scalar_one_or_none()


def admit(request: Request, session: Session, user: User | None) -> None:
    """Count a signed-in user's request against their one rate limit, whichever way it came
    (API key, page session, download), and end the authentication's transaction.

    Refused requests count too; no transaction may wait across a thread hop (app.routing).
    """
    try:
        if user is not None:
            request.state.user_id = user.id
            count_request(session, user, utcnow())
    finally:
        session.commit()


def authenticate(request: Request, session: Session, key: str | None) -> User:
    """The API key's user, its request counted against the rate limit; refused if unknown."""
    if not key:
        raise Unauthorized("Sign in with your API key: send 'Authorization: Bearer <key>'.")
    user = user_for_key(session, key)
    valid = user is not None and user.active
    admit(request, session, user if valid else None)
    if user is None or not valid:
        raise Unauthorized("This API key is not valid or has been revoked.")
    return user


def get_current_user(
    request: Request,
    session: SessionDep,
    credentials: ApiKey,
) -> User:
    return authenticate(request, session, credentials.credentials if credentials else None)


CurrentUser = Annotated[User, Depends(get_current_user)]
