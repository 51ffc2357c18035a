"""Notices by e-mail through the configured SMTP server (off while BACKLOT_SMTP_HOST is unset)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from app.config import get_settings
from app.notices.webhooks import DeliveryError


def send(to: str, subject: str, text: str, notice_id: str, at_rfc2822: str | None = None) -> None:
    """Send one notice; DeliveryError when the server cannot be reached or refuses it.

    The notice's id rides in ``X-Backlot-Notice-Id`` (the same on every retry), so a mail
    filter can drop a duplicate of a message sent twice.
    """
    settings = get_settings()
    if not settings.smtp_host:
        raise DeliveryError("e-mail is not configured (BACKLOT_SMTP_HOST)")
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(idstring=notice_id.replace("-", ""), domain="backlot")
    message["X-Backlot-Notice-Id"] = notice_id
    if at_rfc2822:
        message["Date"] = at_rfc2822
    message.set_content(text)
    try:
        with smtplib.SMTP(
            settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout
        ) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"SMTP: {type(exc).__name__}: {exc}") from exc
