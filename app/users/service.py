"""Users, their scopes and API keys."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.access import admins, is_admin
from app.errors import Conflict, InvalidInput
from app.lookup import get_or_404
from app.models import (
    Base,
    Crew,
    FeedToken,
    PerformerLink,
    User,
    UserBase,
    UserCrew,
    WebSession,
    utcnow,
)
from app.security import hash_api_key, key_display_prefix, new_api_key
from app.users.schemas import UserOut


def _ids(
    session: Session, model: type[Base] | type[Crew], codes: Sequence[str], what: str
) -> list[int]:
    found = {
        c: i for c, i in session.execute(select(model.code, model.id).where(model.code.in_(codes)))
    }
    missing = sorted(set(codes) - set(found))
    if missing:
        raise InvalidInput(f"{what}: no {what[:-1]} with code {', '.join(missing)}.")
    return [found[c] for c in sorted(set(codes))]


def create_user(
    session: Session, name: str, role: str, bases: Sequence[str] = (), crews: Sequence[str] = ()
) -> tuple[User, str]:
    """Create a user and return it with its new API key (never stored in clear).

    An extras office without bases serves the whole town."""
    if role == "base_manager" and not bases:
        raise InvalidInput("bases: a base manager needs at least one base.")
    if role == "coordinator" and not crews:
        raise InvalidInput("crews: a coordinator needs at least one crew.")
    if role not in ("base_manager", "extras_office") and bases:
        raise InvalidInput("bases: only base managers and extras offices are scoped to bases.")
    if role != "coordinator" and crews:
        raise InvalidInput("crews: only coordinators are scoped to crews.")
    key = new_api_key()
    user = User(
        name=name, role=role, api_key_hash=hash_api_key(key), api_key_prefix=key_display_prefix(key)
    )
    user.base_links = [UserBase(base_id=i) for i in _ids(session, Base, bases, "bases")]
    user.crew_links = [UserCrew(crew_id=i) for i in _ids(session, Crew, crews, "crews")]
    session.add(user)
    session.flush()
    return user, key


def end_access(session: Session, user: User) -> None:
    """What was opened with the user's key ends with it: their page sessions, their calendar
    feeds and the performers' private links they made, marked revoked for good.

    Feeds and links are revoked rather than checked against the key at each read: one revoked
    stays dead when the key is rotated later (rotation makes the user active again), the feeds
    page shows it as revoked, and one made with a leaked key dies with the rotation that
    answers the leak. The user shares new links with their new key.
    """
    now = utcnow()
    opened = (
        (WebSession, WebSession.user_id),
        (FeedToken, FeedToken.created_by_id),
        (PerformerLink, PerformerLink.created_by_id),
    )
    for model, owner in opened:
        session.execute(
            update(model).where(owner == user.id, model.revoked_at.is_(None)).values(revoked_at=now)
        )


def rotate_key(session: Session, user: User) -> str:
    """A new key; the old one, and everything opened with it, stops working."""
    key = new_api_key()
    user.api_key_hash = hash_api_key(key)
    user.api_key_prefix = key_display_prefix(key)
    user.active = True
    end_access(session, user)
    session.flush()
    return key


def revoke(session: Session, user: User) -> None:
    """Revoke a key; the last active administrator's key stays (nobody could manage users)."""
    if is_admin(user) and user.active:
        active = session.scalar(select(func.count()).select_from(User).where(admins(), User.active))
        if (active or 0) <= 1:
            raise Conflict("This is the last active administrator; create another one first.")
    user.active = False
    end_access(session, user)
    session.flush()


def get_user(session: Session, user_id: int) -> User:
    return get_or_404(session, User, user_id, f"User {user_id} not found.")


def user_out(session: Session, user: User) -> UserOut:
    bases = session.scalars(select(Base.code).where(Base.id.in_(user.base_ids)).order_by(Base.code))
    crews = session.scalars(select(Crew.code).where(Crew.id.in_(user.crew_ids)).order_by(Crew.code))
    return UserOut(
        id=user.id,
        name=user.name,
        role=user.role,
        active=user.active,
        api_key_prefix=user.api_key_prefix,
        bases=list(bases),
        crews=list(crews),
        created_at=user.created_at,
    )
