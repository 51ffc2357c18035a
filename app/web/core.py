"""What every page shares: the route class, the request's page context, rendering, headers.

Pages are server-rendered by Jinja2 in the endpoint's own thread (``WebRoute`` is a
``TransactionalRoute``), call the same services as the JSON API, and turn the
services' domain errors into readable pages instead of problem+json.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.templating import Jinja2Templates
from starlette.responses import RedirectResponse, Response

from app.access import places_bookings
from app.deps import SessionDep, admit
from app.errors import DomainError, overflow_detail
from app.models import User
from app.ratelimit import TooManyRequests
from app.routing import TransactionalRoute
from app.web.i18n import LANG_COOKIE, Lang, Translator, pick_language
from app.web.session import PageSession

log = logging.getLogger("backlot.web")
HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals["urlencode"] = urlencode

# Pages load only their own CSS and JS; nothing inline, nothing from elsewhere.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class SignInRequired(Exception):
    """The page needs a signed-in user: answered by a redirect to the sign-in page."""


class CsrfRefused(Exception):
    """A form arrived without this session's CSRF token."""


def secure(response: Response, request: Request) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.url.scheme == "https":
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


@dataclass
class PageContext:
    """The request as a page sees it: language, session cookie, the user if signed in."""

    request: Request
    lang: Lang
    t: Translator
    store: PageSession
    user: User | None
    lang_cookie: bool = False

    @property
    def csrf(self) -> str:
        return self.store.csrf

    def require_user(self) -> User:
        if self.user is None:
            raise SignInRequired()
        return self.user

    def check_csrf(self, token: str | None) -> None:
        """Refuse a form without this session's token, or posted from another origin."""
        origin = self.request.headers.get("origin")
        own = f"{self.request.url.scheme}://{self.request.url.netloc}"
        if origin is not None and origin != "null" and origin != own:
            raise CsrfRefused()
        if not self.store.csrf_ok(token):
            raise CsrfRefused()

    def finish(self, response: Response) -> Response:
        self.store.write(self.request, response)
        if self.lang_cookie:
            response.set_cookie(
                LANG_COOKIE,
                self.lang,
                max_age=365 * 86400,
                samesite="lax",
                httponly=True,
                secure=self.request.url.scheme == "https",
            )
        return secure(response, self.request)

    def render(
        self, template: str, status_code: int = 200, *, fragment: bool = False, **context: Any
    ) -> Response:
        """A page (which shows and clears the flash messages) or a fragment (which keeps them).

        Error pages keep them too (``keep_flash``): their transaction is already over.
        """
        keep = fragment or context.pop("keep_flash", False)
        flash = [] if keep else self.store.take_flash()
        response = templates.TemplateResponse(
            self.request,
            template,
            {"page": self, "t": self.t, "user": self.user, "flash": flash, **context},
            status_code=status_code,
        )
        return self.finish(response)

    def redirect(self, url: str) -> Response:
        return self.finish(RedirectResponse(url, status_code=303))

    def nav(self) -> list[tuple[str, str]]:
        """The menu for the user's role: (path, label key)."""
        user = self.user
        if user is None:
            return []
        items = [("/ui/board", "nav.board")]
        if places_bookings(user):
            items += [("/ui/find", "nav.find")]
        items += [("/ui/bookings", "nav.bookings")]
        if places_bookings(user):
            items += [("/ui/schedule", "nav.schedule")]
        items += [("/ui/plans", "nav.plans"), ("/ui/feeds", "nav.feeds")]
        return items

    def here(self) -> str:
        """This page's path and query, for 'come back here' links."""
        path = self.request.url.path
        query = self.request.url.query
        return f"{path}?{query}" if query else path

    def lang_url(self, lang: str) -> str:
        return f"/ui/lang/{lang}?next={quote(self.here(), safe='')}"


def page_context(request: Request, session: SessionDep) -> PageContext:
    """The page's context; a signed-in user's page counts against their rate limit."""
    store = PageSession.read(request)
    cookie = request.cookies.get(LANG_COOKIE)
    lang = pick_language(cookie, request.headers.get("accept-language"))
    ctx = PageContext(request, lang, Translator(lang), store, store.user(session))
    request.state.page = ctx
    admit(request, session, ctx.user)
    return ctx


Page = Annotated[PageContext, Depends(page_context)]


def safe_next(value: str | None, default: str = "/ui/") -> str:
    """Only local page paths: no open redirect to another site."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value


def _error_page(request: Request, status: int, title_key: str, detail: str) -> Response:
    ctx: PageContext | None = getattr(request.state, "page", None)
    if ctx is None:
        lang = pick_language(
            request.cookies.get(LANG_COOKIE), request.headers.get("accept-language")
        )
        ctx = PageContext(request, lang, Translator(lang), PageSession.read(request), None)
    return ctx.render(
        "error.html", status_code=status, title_key=title_key, detail=detail, keep_flash=True
    )


class WebRoute(TransactionalRoute):
    """A page: transactional like the API routes, but errors become pages, not problem+json."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                response = RedirectResponse(
                    "/ui/signin?" + urlencode({"next": target}), status_code=303
                )
                return secure(response, request)
            except TooManyRequests as exc:
                t = Translator(_lang_of(request))
                detail = t("error.too_many", limit=exc.limit, retry=exc.retry_after)
                page = _error_page(request, 429, "error.too_many_title", detail)
                page.headers.update(exc.headers)
                return page
            except CsrfRefused:
                t = Translator(_lang_of(request))
                return _error_page(request, 403, "error.title", t("csrf.bad"))
            except DomainError as exc:
                return _error_page(request, exc.status, "error.title", exc.detail)
            except OverflowError as exc:
                # Input past what the bounds allow, met in day arithmetic: the API's 422 too.
                found = overflow_detail(exc)
                if found is None:
                    raise
                return _error_page(request, 422, "error.title", found)
            except RequestValidationError as exc:
                errors = exc.errors()
                fields = ", ".join(
                    ".".join(str(p) for p in e.get("loc", ())[1:]) or "?" for e in errors
                )
                t = Translator(_lang_of(request))
                return _error_page(request, 400, "error.title", f"{t('error.input')} {fields}")

        return page_handler


def _lang_of(request: Request) -> Lang:
    ctx: PageContext | None = getattr(request.state, "page", None)
    if ctx is not None:
        return ctx.lang
    return pick_language(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


__all__ = ["Page", "PageContext", "WebRoute", "safe_next"]
