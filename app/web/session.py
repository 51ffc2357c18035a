"""Page sessions: an API key is exchanged for a signed cookie; every form carries a CSRF token.

The cookie (HttpOnly, SameSite=Lax, Secure over https) holds the user id, a few
characters of the key's hash, a CSRF token and a one-shot flash message, signed
with itsdangerous. The key's hash fragment means that revoking or rotating the key
ends its sessions at once. Nothing else is stored: no server-side session table.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from app.config import get_settings
from app.deps import USER_WITH_SCOPE
from app.models import User

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


def key_fingerprint(user: User) -> str:
    return user.api_key_hash[:16]


@dataclass
class PageSession:
    """What the cookie holds. ``dirty`` means the response must set it again."""

    csrf: str
    user_id: int | None = None
    key: str | None = None
    flash: list[dict[str, Any]] = field(default_factory=list)
    dirty: bool = False
    clear: bool = False

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
                return cls(
                    csrf=data["c"],
                    user_id=data.get("u") if isinstance(data.get("u"), int) else None,
                    key=data.get("k") if isinstance(data.get("k"), str) else None,
                    flash=list(data.get("f") or []),
                )
        return cls(csrf=secrets.token_urlsafe(24), dirty=True)

    def user(self, session: Session) -> User | None:
        """The signed-in user, if the key behind the session is still valid."""
        if self.user_id is None:
            return None
        user = (
            session.execute(USER_WITH_SCOPE.where(User.id == self.user_id))
            .unique()
            .scalar_one_or_none()
        )
        # End the read now: a transaction must never wait across a thread hop (app.routing).
        session.commit()
        if user is None or not user.active or self.key != key_fingerprint(user):
            self.sign_out()
            return None
        return user

    def sign_in(self, user: User) -> None:
        # A new CSRF token on every sign-in: a token seen before cannot be replayed.
        self.user_id, self.key = user.id, key_fingerprint(user)
        self.csrf = secrets.token_urlsafe(24)
        self.dirty = True

    def sign_out(self) -> None:
        self.user_id = self.key = None
        self.csrf = secrets.token_urlsafe(24)
        self.dirty = True

    def csrf_ok(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf, token or "")

    def add_flash(self, kind: str, text: str, details: list[str] | None = None) -> None:
        self.flash.append({"kind": kind, "text": text[:1500], "details": (details or [])[:12]})
        self.dirty = True

    def take_flash(self) -> list[dict[str, Any]]:
        shown, self.flash = self.flash, []
        if shown:
            self.dirty = True
        return shown

    def write(self, request: Request, response: Response) -> None:
        if not self.dirty:
            return
        data: dict[str, Any] = {"c": self.csrf}
        if self.user_id is not None:
            data.update(u=self.user_id, k=self.key)
        if self.flash:
            data["f"] = self.flash
        response.set_cookie(
            SESSION_COOKIE,
            _serializer().dumps(data),
            max_age=get_settings().session_hours * 3600,
            path="/",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
