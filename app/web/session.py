"""Page sessions: an API key is exchanged for a session kept on the server; forms carry a token.

The cookie (HttpOnly, SameSite=Lax, Secure over https, signed with itsdangerous) holds an
opaque random session id, a CSRF token and, for a visitor not signed in, a short one-shot
message. Everything else lives in the session's row (``web_sessions``, keyed by the id's
SHA-256): the user, an absolute expiry fixed at sign-in (``session_hours``; re-issuing the
cookie never extends it), the revocation time, and the messages the next page shows. So
signing out, or revoking or rotating the user's key (``app.users.service``), ends the
session on the server: a copied cookie stops working at once, for reads and for changes.
Checking a session is one lookup by primary key, in the query that loads the user.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import CursorResult, bindparam, delete, or_
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from app.config import get_settings
from app.deps import USER_WITH_SCOPE
from app.models import User, WebSession, utcnow

SESSION_COOKIE = "backlot_session"
log = logging.getLogger("backlot.web")
_secret_cache: dict[Path, str] = {}


def secret_key() -> str:
    """The configured secret, else one generated once and kept (0600) for this installation."""
    settings = get_settings()
    if settings.secret_key:
        return settings.secret_key
    path = settings.secret_key_file
    if path in _secret_cache:
        return _secret_cache[path]
    try:
        value = path.read_text().strip()
    except FileNotFoundError:
        value = ""
    if len(value) < 32:
        value = secrets.token_urlsafe(48)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(value + "\n")
        except OSError:
            # A read-only image: sessions last until restart; set BACKLOT_SECRET_KEY instead.
            log.warning("cannot keep the session secret in %s; set BACKLOT_SECRET_KEY", path)
    _secret_cache[path] = value
    return value


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key(), salt="backlot.page-session")


# The signed-in user and their session, in one round trip: the session must be live (not
# revoked, not expired) and the user's key active.
_USER_BY_SESSION = (
    USER_WITH_SCOPE.add_columns(WebSession)
    .join(WebSession, WebSession.user_id == User.id)
    .where(
        WebSession.id == bindparam("session_hash"),
        WebSession.revoked_at.is_(None),
        WebSession.expires_at > bindparam("now"),
        User.active,
    )
)
# last_seen is a hint for people, not a security rule: written at most once a minute.
LAST_SEEN_STEP = timedelta(minutes=1)
# A visitor who is not signed in has no row: their rare messages (signed out, sign in to
# continue) ride in the cookie, cut to this length so that the cookie stays small.
ANON_FLASH_CHARS = 300


def forget_ended_sessions(session: Session, now: datetime, user_id: int | None = None) -> int:
    """Delete sessions past their expiry or ended (signed out, key revoked): they open
    nothing. At each sign-in for that user; for everyone by ``backlot sweep``."""
    ended = delete(WebSession).where(
        or_(WebSession.expires_at <= now, WebSession.revoked_at.is_not(None))
    )
    if user_id is not None:
        ended = ended.where(WebSession.user_id == user_id)
    result: CursorResult[Any] = session.execute(ended)  # type: ignore[assignment]
    return result.rowcount or 0


def session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def _message(kind: str, text: str, details: list[str] | None) -> dict[str, Any]:
    return {"kind": kind, "text": text, "details": list(details or [])[:12]}


@dataclass
class PageSession:
    """What the cookie holds, and the session row once ``user()`` found it.

    ``dirty`` means the response must set the cookie again.
    """

    csrf: str
    session_id: str | None = None
    anon_flash: list[dict[str, Any]] = field(default_factory=list)
    row: WebSession | None = None
    dirty: bool = False

    @classmethod
    def read(cls, request: Request) -> PageSession:
        raw = request.cookies.get(SESSION_COOKIE)
        if raw:
            max_age = get_settings().session_hours * 3600
            try:
                data = _serializer().loads(raw, max_age=max_age)
            except BadSignature:  # includes SignatureExpired
                data = None
            if isinstance(data, dict) and isinstance(data.get("c"), str):
                sid = data.get("s")
                flash = data.get("f")
                return cls(
                    csrf=data["c"],
                    session_id=sid if isinstance(sid, str) else None,
                    anon_flash=list(flash) if isinstance(flash, list) else [],
                )
        return cls(csrf=secrets.token_urlsafe(24), dirty=True)

    def user(self, session: Session) -> User | None:
        """The signed-in user, if their session is live and their key still valid."""
        if self.session_id is None:
            return None
        now = utcnow()
        found = (
            session.execute(
                _USER_BY_SESSION, {"session_hash": session_hash(self.session_id), "now": now}
            )
            .unique()
            .first()
        )
        if found is None:
            self._forget()
            return None
        user: User = found[0]
        self.row = found[1]
        if now - self.row.last_seen >= LAST_SEEN_STEP:
            self.row.last_seen = now
        # The caller counts the request and ends the transaction (app.deps.admit).
        return user

    def _forget(self) -> None:
        """Drop the session from the cookie, with a new CSRF token."""
        self.session_id, self.row = None, None
        self.csrf = secrets.token_urlsafe(24)
        self.dirty = True

    def sign_in(self, session: Session, user: User) -> None:
        """A new session (a new id at every sign-in: an id seen before is worth nothing),
        ending at a fixed time; the session it replaces ends now."""
        now = utcnow()
        if self.row is not None:
            self.row.revoked_at = now
        forget_ended_sessions(session, now, user.id)
        self._forget()
        self.session_id = secrets.token_urlsafe(32)
        self.row = WebSession(
            id=session_hash(self.session_id),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(hours=get_settings().session_hours),
            last_seen=now,
        )
        session.add(self.row)
        session.flush()

    def sign_out(self) -> None:
        """End the session on the server: its cookie, wherever copied, opens nothing."""
        if self.row is not None:
            self.row.revoked_at = utcnow()
        self._forget()

    def csrf_ok(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf, token or "")

    def add_flash(self, kind: str, text: str, details: list[str] | None = None) -> None:
        """A message for the next page, whole: kept in the session's row when signed in."""
        if self.row is not None:
            kept = dict(self.row.flash or {})
            kept["messages"] = [*kept.get("messages", []), _message(kind, text, details)]
            self.row.flash = kept
            return
        short = [d[:ANON_FLASH_CHARS] for d in (details or [])]
        self.anon_flash.append(_message(kind, text[:ANON_FLASH_CHARS], short))
        self.dirty = True

    def take_flash(self) -> list[dict[str, Any]]:
        shown = list(self.anon_flash)
        if shown:
            self.anon_flash, self.dirty = [], True
        return shown + (self._take("messages") or [])

    def keep_form(self, form: dict[str, Any]) -> None:
        """A form's fields for the next page to show again (signed in only: it needs a row)."""
        if self.row is not None:
            self.row.flash = {**(self.row.flash or {}), "form": form}

    def take_form(self) -> dict[str, Any] | None:
        form = self._take("form")
        return form if isinstance(form, dict) else None

    def show_once(self, key: str, value: Any) -> None:
        """Something the next page shows, and only it (a new feed's secret link): kept in the
        session's row, so that reloading that page does not show it again."""
        if self.row is not None:
            once = dict((self.row.flash or {}).get("once") or {})
            self.row.flash = {**(self.row.flash or {}), "once": {**once, key: value}}

    def take_once(self, key: str) -> Any:
        once = self._take("once")
        if not isinstance(once, dict):
            return None
        value = once.pop(key, None)
        if once and self.row is not None:
            self.row.flash = {**(self.row.flash or {}), "once": once}
        return value

    def _take(self, key: str) -> Any:
        """Remove and return one of the row's one-shot items."""
        if self.row is None or not self.row.flash or key not in self.row.flash:
            return None
        value = self.row.flash[key]
        self.row.flash = {k: v for k, v in self.row.flash.items() if k != key} or None
        return value

    def write(self, request: Request, response: Response) -> None:
        if not self.dirty:
            return
        data: dict[str, Any] = {"c": self.csrf}
        max_age = get_settings().session_hours * 3600
        if self.session_id is not None and self.row is not None:
            data["s"] = self.session_id
            # The cookie lives no longer than its session (which re-issuing never extends).
            max_age = max(0, int((self.row.expires_at - utcnow()).total_seconds()))
        if self.anon_flash:
            data["f"] = self.anon_flash
        response.set_cookie(
            SESSION_COOKIE,
            _serializer().dumps(data),
            max_age=max_age,
            path="/",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
