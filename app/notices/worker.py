"""``backlot notify``: deliver the notices' pending deliveries, at least once.

One cycle: warn of holds lapsing within a day (``scan_lapsing``), then claim due deliveries
and send them. Claiming is a short transaction that leases each delivery (moves its next
attempt past the send and counts the attempt; ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
workers never take the same one; SQLite's write lock makes them take turns). Sending happens
outside any transaction; its outcome is recorded in another short one: delivered, or tried
again after ``backoff × 2^(attempt − 1)`` seconds (capped), or given up after the last
attempt. A worker killed mid-send leaves the lease to run out: the delivery is sent again,
with the same notice id for the receiver to drop a duplicate.

A webhook subscription whose attempts keep failing is disabled; its owner gets a notice.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.config import get_settings
from app.db import transaction
from app.models import (
    Notice,
    NoticeDelivery,
    NoticePreference,
    WebhookSubscription,
    utcnow,
)
from app.notices import email as mail
from app.notices import webhooks
from app.notices.service import notice_text, record, scan_lapsing
from app.notices.webhooks import DeliveryError
from app.web.i18n import Lang

log = logging.getLogger("backlot.notify")


@dataclass(frozen=True)
class Job:
    """A claimed delivery, as plain values (sent outside any transaction)."""

    delivery_id: uuid.UUID
    channel: str
    attempt: int
    notice_id: uuid.UUID
    kind: str
    payload: dict[str, Any]
    created_at: datetime
    lang: Lang
    subscription_id: int | None = None
    url: str = ""
    secret: str = ""
    email: str = ""


@dataclass
class Report:
    warned: int = 0
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    disabled: int = 0
    disabled_ids: set[int] = field(default_factory=set)

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if isinstance(v, int)}


def backoff(attempt: int) -> timedelta:
    settings = get_settings()
    seconds = settings.notify_backoff_seconds * 2 ** max(0, attempt - 1)
    return timedelta(seconds=min(seconds, settings.notify_backoff_max_seconds))


def webhook_body(job: Job) -> bytes:
    """The JSON a receiver gets (Standard Webhooks' type, timestamp, data)."""
    title, text = notice_text(job.kind, job.payload, job.lang)
    data = {"id": str(job.notice_id), "kind": job.kind, "title": title, "text": text,
            **job.payload}  # fmt: skip
    message = {"type": job.kind, "timestamp": job.created_at.isoformat(), "data": data}
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def claim(now: datetime, limit: int) -> list[Job]:
    """Lease up to ``limit`` due deliveries; deliveries whose channel went away are cancelled."""
    lease = timedelta(seconds=get_settings().notify_lease_seconds)
    jobs = []
    with transaction() as s:
        due = s.scalars(
            select(NoticeDelivery)
            .where(NoticeDelivery.status == "pending", NoticeDelivery.next_attempt_at <= now)
            .order_by(NoticeDelivery.next_attempt_at, NoticeDelivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for d in due:
            notice = s.get(Notice, d.notice_id)
            assert notice is not None
            pref = s.get(NoticePreference, notice.user_id)
            lang: Lang = "en" if pref is not None and pref.language == "en" else "zh"
            extra: dict[str, Any] = {}
            if d.channel == "webhook":
                hook = s.get(WebhookSubscription, d.subscription_id)
                if hook is None or not hook.active:
                    d.status, d.last_error = "cancelled", "the subscription is disabled"
                    continue
                extra = {"url": hook.url, "secret": hook.secret, "subscription_id": hook.id}
            else:
                if pref is None or not pref.email_enabled or not pref.email:
                    d.status, d.last_error = "cancelled", "e-mail was turned off"
                    continue
                extra = {"email": pref.email}
            d.attempts += 1
            d.last_attempt_at = now
            d.next_attempt_at = now + lease
            jobs.append(
                Job(
                    delivery_id=d.id,
                    channel=d.channel,
                    attempt=d.attempts,
                    notice_id=notice.id,
                    kind=notice.kind,
                    payload=dict(notice.payload),
                    created_at=notice.created_at,
                    lang=lang,
                    **extra,
                )
            )
    return jobs


def send(job: Job, now: datetime) -> None:
    """One attempt; DeliveryError when it failed."""
    if job.channel == "webhook":
        webhooks.send(job.url, job.secret, str(job.notice_id), now, webhook_body(job))
        return
    title, text = notice_text(job.kind, job.payload, job.lang)
    body = f"{text}\n\n— Backlot ({job.created_at.isoformat()})"
    mail.send(job.email, f"[Backlot] {title}", body, str(job.notice_id),
              format_datetime(job.created_at))  # fmt: skip


def finish(job: Job, error: str | None, now: datetime, report: Report) -> None:
    """Record an attempt's outcome: delivered, retried later, given up; a webhook that keeps
    failing is disabled and its owner told."""
    settings = get_settings()
    with transaction() as s:
        d = s.get(NoticeDelivery, job.delivery_id)
        if d is None or d.status != "pending":
            return
        hook = s.get(WebhookSubscription, d.subscription_id) if d.subscription_id else None
        if error is None:
            d.status, d.delivered_at, d.last_error = "delivered", now, ""
            if hook is not None:
                hook.failures = 0
            report.delivered += 1
            return
        d.last_error = error[:2000]
        if d.attempts >= settings.notify_max_attempts:
            d.status = "failed"
            report.failed += 1
        else:
            d.next_attempt_at = now + backoff(d.attempts)
            report.retrying += 1
        if hook is None:
            return
        hook.failures += 1
        if hook.active and hook.failures >= settings.webhook_disable_after:
            hook.active, hook.disabled_at = False, now
            s.execute(
                update(NoticeDelivery)
                .where(
                    NoticeDelivery.subscription_id == hook.id,
                    NoticeDelivery.status == "pending",
                )
                .values(status="cancelled", last_error="the subscription was disabled")
            )
            s.flush()
            record(
                s,
                [hook.user_id],
                "webhook_disabled",
                {"subscription_id": hook.id, "url": hook.url, "failures": hook.failures},
                now=now,
            )
            report.disabled += 1
            report.disabled_ids.add(hook.id)


def run_once(now: datetime | None = None, limit: int = 50) -> Report:
    """One cycle: lapse warnings, then every due delivery (up to ``limit``)."""
    now = now or utcnow()
    report = Report()
    try:
        with transaction() as s:
            report.warned = scan_lapsing(s, now)
    except IntegrityError:  # another worker warned at the same moment
        log.info("lapse warnings written by another worker")
    jobs = claim(now, limit)
    report.claimed = len(jobs)
    for job in jobs:
        if job.subscription_id in report.disabled_ids:
            continue  # disabled during this cycle: its deliveries were cancelled
        try:
            send(job, now)
            error = None
        except DeliveryError as exc:
            error = str(exc)
        except Exception as exc:  # a bug must not stop the other deliveries
            log.exception("delivery %s failed unexpectedly", job.delivery_id)
            error = f"{type(exc).__name__}: {exc}"
        finish(job, error, now, report)
    return report


def run_forever(interval: float, limit: int, stop: threading.Event) -> None:
    """Cycle until ``stop`` is set; straight on while a cycle found a full batch."""
    while not stop.is_set():
        try:
            report = run_once(limit=limit)
        except Exception:
            log.exception("notify cycle failed; trying again in %s s", interval)
            report = Report()
        if report.claimed or report.warned:
            log.info("notify: %s", report.as_dict())
        if report.claimed < limit:
            stop.wait(interval)
