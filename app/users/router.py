"""Routes for users and API keys (admin), and /me for everyone."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from app.access import require_admin
from app.deps import CurrentUser, SessionDep
from app.errors import API_KEY_ROUTE, problems
from app.models import User
from app.pagination import PageDep, page_of
from app.routing import TransactionalRoute
from app.schemas import Page, PathId
from app.users import service
from app.users.schemas import UserCreate, UserOut, UserWithKey

router = APIRouter(tags=["users"], route_class=TransactionalRoute, responses=API_KEY_ROUTE)
# Administrators only (403); an unknown user (404).
_ADMIN = problems(403)
_ADMIN_USER = problems(403, 404)


@router.get("/me", response_model=UserOut, summary="Who am I, and what may I see")
def me(session: SessionDep, user: CurrentUser) -> UserOut:
    return service.user_out(session, user)


@router.get("/users", response_model=Page[UserOut], responses=_ADMIN)
def list_users(session: SessionDep, user: CurrentUser, page: PageDep) -> Page[UserOut]:
    require_admin(user)
    return page_of(
        session, select(User).order_by(User.id), page, lambda u: service.user_out(session, u)
    )


@router.post(
    "/users", response_model=UserWithKey, status_code=status.HTTP_201_CREATED, responses=_ADMIN
)
def create_user(body: UserCreate, session: SessionDep, user: CurrentUser) -> UserWithKey:
    require_admin(user)
    created, key = service.create_user(session, body.name, body.role, body.bases, body.crews)
    return UserWithKey(**service.user_out(session, created).model_dump(), api_key=key)


@router.get("/users/{user_id}", response_model=UserOut, responses=_ADMIN_USER)
def get_user(user_id: PathId, session: SessionDep, user: CurrentUser) -> UserOut:
    require_admin(user)
    return service.user_out(session, service.get_user(session, user_id))


@router.post(
    "/users/{user_id}/revoke",
    response_model=UserOut,
    responses=problems(403, 404, 409),
    summary="Revoke the user's API key",
)
def revoke(user_id: PathId, session: SessionDep, user: CurrentUser) -> UserOut:
    require_admin(user)
    target = service.get_user(session, user_id)
    service.revoke(session, target)
    return service.user_out(session, target)


@router.post(
    "/users/{user_id}/rotate-key",
    response_model=UserWithKey,
    responses=_ADMIN_USER,
    summary="Issue a new API key",
)
def rotate(user_id: PathId, session: SessionDep, user: CurrentUser) -> UserWithKey:
    require_admin(user)
    target = service.get_user(session, user_id)
    key = service.rotate_key(session, target)
    return UserWithKey(**service.user_out(session, target).model_dump(), api_key=key)
