"""Access logs never carry a calendar feed's secret token.

A feed's address is its only credential (``/feeds/<token>.ics``), and access logs are read by
more people, and kept longer, than the database. A feed served is logged by its id
(``/feeds/12.ics``: the route rewrites its own path once it knows the feed); anything else
under ``/feeds/`` that is not an id (an unknown or revoked token, a wrong method) is redacted
by a filter on the loggers that print request paths.
"""

from __future__ import annotations

import logging
import re

from starlette.requests import Request

# Loggers that print request paths: uvicorn's access log, and ours (errors name the path).
PATH_LOGGERS = ("uvicorn.access", "backlot")
_FEED_SEGMENT = re.compile(r"/feeds/([^/?#\s\"]+)")
REDACTED = "/feeds/<token>.ics"
# A performer's private link (/p/<token>, its page, calendar and form) is redacted whole.
_PERFORMER_LINK = re.compile(r"/p/blp_[^/?#\s\"]*")


def redact(text: str) -> str:
    """``text`` with every feed token in a path replaced; feed ids (``/feeds/12``) kept."""

    def keep_ids(found: re.Match[str]) -> str:
        segment = found.group(1)
        return found.group(0) if segment.removesuffix(".ics").isdigit() else REDACTED

    return _PERFORMER_LINK.sub("/p/<token>", _FEED_SEGMENT.sub(keep_ids, text))


class RedactFeedTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/feeds/" in message or "/p/blp_" in message:
            record.msg, record.args = redact(message), None
        return True


def install() -> None:
    """Put the filter on the path loggers (once, however many apps a process creates)."""
    for name in PATH_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactFeedTokens) for f in logger.filters):
            logger.addFilter(RedactFeedTokens())


def log_feed_as(request: Request, feed_id: int) -> None:
    """Name the feed by its id wherever the server logs this request's path."""
    path = f"/feeds/{feed_id}.ics"
    request.scope["path"] = path
    request.scope["raw_path"] = path.encode("ascii")
