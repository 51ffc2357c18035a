"""What every page shares: the route class, the request's page context, rendering, headers.

Pages are server-rendered by Jinja2 in the endpoint's own thread (``WebRoute`` is a
``TransactionalRoute``), call the same services as the JSON API, and turn the
services' domain errors into readable pages instead of problem+json.

A form that arrives after its session ended, or with a CSRF token gone stale, is never a
dead end: its fields are kept (never the CSRF token or an API key), the sign-in page
carries them when the session is over, and the form's page shows them again once signed
in, for the user to check and send. Nothing is replayed on their behalf.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from app.access import keeps_register, oversees_bases, places_bookings
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


@dataclass(frozen=True)
class Pager:
    """Links to the pages of a long list: the first, the last and those around this one
    (``None`` stands for the pages left out between)."""

    page: int
    pages: int
    prev: str | None
    next: str | None
    links: list[tuple[int, str] | None]


def page_links(page: int, pages: int, href: str, around: int = 2) -> Pager:
    """``href`` followed by a page's number is that page's address."""
    page = min(max(1, page), pages)
    wanted = {1, pages, *range(page - around, page + around + 1)}
    links: list[tuple[int, str] | None] = []
    for n in sorted(n for n in wanted if 1 <= n <= pages):
        if links and links[-1] is not None and links[-1][0] < n - 1:
            links.append(None)
        links.append((n, f"{href}{n}"))
    return Pager(
        page,
        pages,
        f"{href}{page - 1}" if page > 1 else None,
        f"{href}{page + 1}" if page < pages else None,
        links,
    )


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
    db: Session | None = None
    _unread: int | None = None

    @property
    def csrf(self) -> str:
        return self.store.csrf

    def require_user(self) -> User:
        if self.user is None:
            raise SignInRequired()
        return self.user

    def csrf_valid(self, token: str | None) -> bool:
        """The form carries this session's token and was not posted from another origin."""
        return not _from_elsewhere(self.request) and self.store.csrf_ok(token)

    def check_csrf(self, token: str | None) -> None:
        """Refuse a form without this session's token, or posted from another origin."""
        if not self.csrf_valid(token):
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
        kept = None if keep else self.store.take_form()
        response = templates.TemplateResponse(
            self.request,
            template,
            {"page": self, "t": self.t, "user": self.user, "flash": flash, "kept": kept,
             **context},
            status_code=status_code,
        )  # fmt: skip
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
        if oversees_bases(user):
            items += [("/ui/summary", "nav.summary")]
        if places_bookings(user) and user.crew_ids:
            items += [(f"/ui/crews/{min(user.crew_ids)}/extras", "nav.extras_crew")]
        items += [("/ui/plans", "nav.plans"), ("/ui/feeds", "nav.feeds")]
        if keeps_register(user):
            items += [("/ui/extras", "nav.extras"), ("/ui/extras/performers", "nav.performers")]
        return items

    def unread(self) -> int:
        """The signed-in user's unread notices, for the header: one count per page."""
        if self._unread is None:
            from app.notices.service import unread_count

            self._unread = (
                unread_count(self.db, self.user) if self.user and self.db is not None else 0
            )
        return self._unread

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
    ctx = PageContext(request, lang, Translator(lang), store, store.user(session), db=session)
    request.state.page = ctx
    admit(request, session, ctx.user)
    return ctx


Page = Annotated[PageContext, Depends(page_context)]


def own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


# Fields a kept form never holds: the stale token, and a key typed into the sign-in form.
NEVER_KEPT = frozenset({"csrf", "api_key", "resume"})
MAX_KEPT_FIELDS = 30
MAX_KEPT_CHARS = 2000


def kept_form(action: str, fields: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """A form's typed fields, to be shown again: text only, bounded."""
    kept: dict[str, str] = {}
    for name, value in fields:
        if isinstance(value, str) and name not in NEVER_KEPT and len(kept) < MAX_KEPT_FIELDS:
            kept.setdefault(name[:100], value[:MAX_KEPT_CHARS])
    return {"action": action, "fields": kept}


def read_kept_form(raw: str) -> dict[str, Any] | None:
    """A kept form sent back by the sign-in page, checked: it came through the browser."""
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("fields"), dict):
        return None
    action = data.get("action")
    if not isinstance(action, str) or safe_next(action, "") != action:
        return None
    return kept_form(action, data["fields"].items())


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
            except (SignInRequired, CsrfRefused) as exc:
                if request.method == "POST" and _posted_here(request):
                    return await _interrupted_form(request)
                if isinstance(exc, CsrfRefused):
                    t = Translator(_lang_of(request))
                    return _error_page(request, 403, "error.title", t("csrf.bad"))
                if request.method != "GET":
                    return secure(RedirectResponse("/ui/signin", status_code=303), request)
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


def _from_elsewhere(request: Request) -> bool:
    """Sent by another site, or another origin of this one (another port of the host).

    Browsers say so in Sec-Fetch-Site; older ones in Origin. Our pages' own form posts carry
    ``Origin: null`` (their Referrer-Policy is no-referrer), which says nothing either way.
    """
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return True
    origin = request.headers.get("origin")
    return origin is not None and origin != "null" and origin != own_origin(request)


def _posted_here(request: Request) -> bool:
    """Known to come from one of our pages: only such a form is kept (an attacker's never)."""
    if _from_elsewhere(request):
        return False
    if "sec-fetch-site" in request.headers:
        return True
    return request.headers.get("origin", own_origin(request)) == own_origin(request)


async def _interrupted_form(request: Request) -> Response:
    """A form whose session ended or whose token went stale: keep what was typed.

    Signed out (the session expired or ended elsewhere): the sign-in page, carrying the
    fields and coming back to the form's page. Still signed in (a token from before another
    sign-in): straight back to the form's page, the fields kept in the session.
    """
    ctx: PageContext | None = getattr(request.state, "page", None)
    if ctx is None:
        return _error_page(request, 403, "error.title", Translator(_lang_of(request))("csrf.bad"))
    form = await request.form()
    kept = kept_form(request.url.path, form.multi_items())
    back = safe_next(kept["fields"].get("back"), "/ui/")
    if ctx.user is None or ctx.db is None:
        return ctx.render(
            "signin.html",
            status_code=401,
            next=back,
            error=None,
            notice=ctx.t("signin.resume"),
            resume=json.dumps(kept, ensure_ascii=False),
            keep_flash=True,
        )
    db = ctx.db

    def keep() -> None:
        ctx.store.keep_form(kept)
        ctx.store.add_flash("error", ctx.t("form.expired"))
        db.commit()

    await run_in_threadpool(keep)
    return ctx.redirect(back)


def _lang_of(request: Request) -> Lang:
    ctx: PageContext | None = getattr(request.state, "page", None)
    if ctx is not None:
        return ctx.lang
    return pick_language(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


__all__ = ["Page", "PageContext", "WebRoute", "safe_next"]
