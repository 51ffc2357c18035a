"""Notices (the inbox), notice preferences and webhook subscriptions. Each is the caller's
own: another user's notice or subscription is a 404, whatever the role."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from fastapi.responses import Response
from sqlalchemy import select

from app.access import own_notice, own_webhook, webhooks_scope
from app.clock import NowDep
from app.config import get_settings
from app.deps import CurrentUser, SessionDep
from app.errors import API_KEY_ROUTE, problems
from app.models import Notice, NoticeDelivery, NoticePreference, WebhookSubscription
from app.notices import service, webhooks
from app.notices.schemas import (
    DeliveryOut,
    NoticeOut,
    PreferencesIn,
    PreferencesOut,
    WebhookCreate,
    WebhookCreated,
    WebhookOut,
)
from app.pagination import PageDep, page_of
from app.routing import TransactionalRoute
from app.schemas import Page, PathId
from app.web.i18n import Lang

router = APIRouter(tags=["notices"], route_class=TransactionalRoute, responses=API_KEY_ROUTE)


def notice_out(notice: Notice, lang: Lang) -> NoticeOut:
    title, text = service.notice_text(notice.kind, notice.payload, lang)
    return NoticeOut(
        id=notice.id,
        kind=notice.kind,
        title=title,
        text=text,
        link=service.notice_link(notice.kind, notice.payload),
        payload=notice.payload,
        created_at=notice.created_at,
        read_at=notice.read_at,
    )


@router.get("/notices", response_model=Page[NoticeOut], summary="Your notices, newest first")
def list_notices(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    unread: Annotated[bool, Query(description="Only notices not yet read")] = False,
) -> Page[NoticeOut]:
    lang = service.language_of(session, user.id)
    return page_of(session, service.inbox_stmt(user, unread), page, lambda n: notice_out(n, lang))


@router.post(
    "/notices/{notice_id}/read",
    response_model=NoticeOut,
    responses=problems(404),
    summary="Mark one of your notices read",
)
def read_notice(
    notice_id: Annotated[uuid.UUID, Path(description="The notice's id (a UUID)")],
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
) -> NoticeOut:
    notice = service.mark_read(own_notice(session, user, notice_id), now)
    session.flush()
    return notice_out(notice, service.language_of(session, user.id))


def _preferences_out(pref: NoticePreference | None) -> PreferencesOut:
    available = bool(get_settings().smtp_host)
    if pref is None:
        return PreferencesOut(
            email="", email_enabled=False, language="zh", email_available=available
        )
    return PreferencesOut(
        email=pref.email,
        email_enabled=pref.email_enabled,
        language="en" if pref.language == "en" else "zh",
        email_available=available,
    )


@router.get(
    "/notices/preferences",
    response_model=PreferencesOut,
    summary="How you hear of notices: e-mail on or off, and their language",
)
def get_preferences(session: SessionDep, user: CurrentUser) -> PreferencesOut:
    return _preferences_out(session.get(NoticePreference, user.id))


@router.put(
    "/notices/preferences",
    response_model=PreferencesOut,
    summary="Choose e-mail (address, on or off) and the language of your notices",
)
def put_preferences(body: PreferencesIn, session: SessionDep, user: CurrentUser) -> PreferencesOut:
    return _preferences_out(service.set_preferences(session, user, body.model_dump()))


def webhook_out(hook: WebhookSubscription) -> WebhookOut:
    return WebhookOut.model_validate(hook)


@router.get("/webhooks", response_model=list[WebhookOut], summary="Your webhook subscriptions")
def list_webhooks(session: SessionDep, user: CurrentUser) -> list[WebhookOut]:
    stmt = select(WebhookSubscription).where(webhooks_scope(user))
    return [webhook_out(h) for h in session.scalars(stmt.order_by(WebhookSubscription.id))]


@router.post(
    "/webhooks",
    response_model=WebhookCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Subscribe a URL to notices of some kinds (the signing secret is shown once)",
)
def create_webhook(body: WebhookCreate, session: SessionDep, user: CurrentUser) -> WebhookCreated:
    hook = webhooks.create(session, user.id, body.url, list(body.kinds))
    return WebhookCreated(**webhook_out(hook).model_dump(), secret=hook.secret)


@router.delete(
    "/webhooks/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(404),
    summary="Delete a webhook subscription (and its pending deliveries)",
)
def delete_webhook(webhook_id: PathId, session: SessionDep, user: CurrentUser) -> Response:
    session.delete(own_webhook(session, user, webhook_id))
    session.flush()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response_model=Page[DeliveryOut],
    responses=problems(404),
    summary="A subscription's delivery log, newest first",
)
def webhook_deliveries(
    webhook_id: PathId, session: SessionDep, user: CurrentUser, page: PageDep
) -> Page[DeliveryOut]:
    hook = own_webhook(session, user, webhook_id)
    stmt = (
        select(NoticeDelivery)
        .where(NoticeDelivery.subscription_id == hook.id)
        .order_by(NoticeDelivery.created_at.desc(), NoticeDelivery.id)
    )
    return page_of(session, stmt, page, DeliveryOut.model_validate)
