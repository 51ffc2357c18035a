"""Request dependencies written once: the session (one transaction per request) and the user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import session_factory
from app.errors import Unauthorized
from app.models import User, utcnow
from app.ratelimit import count_request
from app.security import hash_api_key


def get_session() -> Iterator[Session]:
    """The request's session. Its endpoint commits or rolls back (see app.routing); this closes."""
    session = session_factory()()
    try:
        yield session
    finally:
        session.close()


# scope="function": the session is closed before the response leaves.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer bl_…`")


def authenticate(session: Session, key: str | None) -> User:
    if not key:
        raise Unauthorized("Sign in with your API key: send 'Authorization: Bearer <key>'.")
    user = session.scalars(select(User).where(User.api_key_hash == hash_api_key(key))).first()
    # End the read now: a transaction must never wait across a thread hop (see app.routing).
    session.commit()
    if user is None or not user.active:
        raise Unauthorized("This API key is not valid or has been revoked.")
    return user


def get_current_user(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    key = credentials.credentials if credentials else None
    user = authenticate(session, key)
    request.state.user_id = user.id
    try:
        count_request(session, user, utcnow())
    finally:
        session.commit()  # refused requests count too; no transaction crosses a thread hop
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]
