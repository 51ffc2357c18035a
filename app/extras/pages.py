"""The performer's private page (no account: the link's token is the credential), zh/en.

The page lists the performer's own days and lets them mark days they cannot work. Its form
carries no session cookie, so there is nothing for another site to ride on; the POST needs
the secret token in its path and an ``Origin`` of this host (a page elsewhere that learned
the link still cannot post from the performer's browser).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, select_autoescape

from app.clock import NowDep
from app.deps import SessionDep
from app.errors import Forbidden
from app.extras import service
from app.routing import TransactionalRoute
from app.schemas import IsoDate
from app.timeutil import today_local

pages = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

TEXT = {
    "zh": {
        "title": "我的通告",
        "days": "派工",
        "none": "暂无派工",
        "off": "不能开工的日子",
        "mark": "标记不能开工",
        "clear": "取消",
        "calendar": "订阅日历",
        "confirmed": "已确认",
        "proposed": "拟派",
        "call": "报到",
    },
    "en": {
        "title": "My calls",
        "days": "Assignments",
        "none": "No assignments yet",
        "off": "Days I cannot work",
        "mark": "Mark as unavailable",
        "clear": "Clear",
        "calendar": "Subscribe to the calendar",
        "confirmed": "confirmed",
        "proposed": "proposed",
        "call": "call",
    },
}

_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
PAGE = _env.from_string(
    """<!doctype html><html lang="{{ lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>{{ t.title }} · {{ p.name }}</title></head>
<body><main>
<h1>{{ t.title }} · {{ p.name }} ({{ p.card_no }})</h1>
<p><a href="?lang=zh">中文</a> · <a href="?lang=en">English</a> ·
<a href="{{ base }}.ics">{{ t.calendar }}</a></p>
<h2>{{ t.days }}</h2>
{% if rows %}<table id="days"><tbody>
{% for a, r, crew, s in rows %}<tr><td>{{ a.day }}</td><td>{{ crew.name }}</td>
<td>{{ s.name_zh if lang == 'zh' else s.name_en }} ({{ s.code }})</td>
<td>{{ t.call }} {{ r.call_time }}, {{ r.hours }} h</td>
<td>{{ t.confirmed if a.status == 'confirmed' else t.proposed }}</td></tr>
{% endfor %}</tbody></table>{% else %}<p>{{ t.none }}</p>{% endif %}
<h2>{{ t.off }}</h2>
<ul id="off">{% for d in off %}<li>{{ d }}
<form method="post" action="{{ base }}/unavailable" style="display:inline">
<input type="hidden" name="day" value="{{ d }}"><input type="hidden" name="off" value="0">
<button>{{ t.clear }}</button></form></li>{% endfor %}</ul>
<form method="post" action="{{ base }}/unavailable">
<input type="date" name="day" required min="{{ today }}"><input type="hidden" name="off" value="1">
<button>{{ t.mark }}</button></form>
</main></body></html>"""
)


def _lang(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in TEXT:
        return asked
    return "en" if request.headers.get("accept-language", "").startswith("en") else "zh"


@pages.get("/p/{token}", response_class=HTMLResponse)
def performer_page(token: str, request: Request, session: SessionDep, now: NowDep) -> Response:
    performer = service.performer_by_token(session, token)
    today = today_local(now)
    lang = _lang(request)
    html = PAGE.render(
        lang=lang,
        t=TEXT[lang],
        p=performer,
        base=f"/p/{token}",
        rows=service.performer_days(session, performer, today - timedelta(days=30)),
        off=[u.day for u in performer.unavailable if u.day >= today],
        today=today.isoformat(),
    )
    return HTMLResponse(
        html,
        headers={
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
            "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
        },
    )


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin:
        return False
    return urlsplit(origin).netloc == request.headers.get("host", "")


@pages.post("/p/{token}/unavailable")
def mark_unavailable(
    token: str,
    request: Request,
    session: SessionDep,
    now: NowDep,
    day: Annotated[IsoDate, Form()],
    off: Annotated[bool, Form()] = True,
) -> Response:
    performer = service.performer_by_token(session, token)
    if not _same_origin(request):
        raise Forbidden("This form is accepted from the performer's own page only.")
    if day < today_local(now):
        return RedirectResponse(f"/p/{token}", status_code=303)
    service.set_unavailable(session, performer, day, off)
    return RedirectResponse(f"/p/{token}", status_code=303)
