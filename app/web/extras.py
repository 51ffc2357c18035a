"""The extras (横漂) pool's pages: the office's day board, the register, attendance; a crew's
requests and dispatch list. The performer's own page is ``app.extras.pages`` (no account).

Every rule comes from app.access and every change from the services the API calls
(``app.extras.service``, ``app.extras.run``, ``app.extras.board``); a crew's pages show
performers through ``service.request_out``, whose crew view has no phone or birth year.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from starlette.responses import Response

from app.access import (
    dispatches_base,
    extras_requests_scope,
    may_change_extras_request,
    own_crew,
    register_import_of,
    require_dispatches,
    require_keeps_register,
    visible_extras_request,
)
from app.catalog.service import get_base_by_ref
from app.clock import NowDep
from app.config import get_settings
from app.deps import SessionDep
from app.errors import DomainError, unique_clash
from app.extras import register_import, service
from app.extras import run as runs
from app.extras.board import day_board
from app.extras.register_import import entry_out
from app.extras.router import preview_register_upload
from app.extras.schemas import (
    Attendance,
    PerformerCreate,
    RequestCreate,
    RequestOut,
    RequestUpdate,
)
from app.imports.messages import render as render_problem
from app.imports.service import preview_out
from app.models import REGISTER_ACTIONS, Base, ExtrasRequest, FilmSet
from app.pagination import PageParams, page_of
from app.schemas import IsoDate, PathId
from app.timeutil import today_local
from app.web.core import Page, PageContext, WebRoute, kept_form, page_links, safe_next
from app.web.i18n import MESSAGES
from app.web.pages import BaseRef

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Csrf = Annotated[str, Form(max_length=200)]
Text = Annotated[str, Form(max_length=2000)]
CATEGORIES = ("ordinary", "group_featured", "featured_small", "featured_mid", "featured_large")
SPLIT = re.compile(r"[\s,，、]+")


def _words(value: str) -> list[str]:
    return [w for w in SPLIT.split(value.strip().lower()) if w]


def _int(value: str) -> int | None:
    value = value.strip()
    return int(value) if value else None


def _refused(page: PageContext, session: SessionDep, detail: str, fields: Any, action: str) -> None:
    """Undo the attempt, say why, and keep what was typed for the form to show again."""
    session.rollback()
    page.store.add_flash("error", detail)
    page.store.keep_form(kept_form(action, fields))


def _invalid(exc: ValidationError | ValueError) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '?'}: {e['msg']}" for e in exc.errors()
        )
    return str(exc)


# --- the office's day board --------------------------------------------------------------------


def _office_bases(session: SessionDep, page: PageContext) -> list[Base]:
    user = page.require_user()
    return [
        b for b in session.scalars(select(Base).order_by(Base.code)) if dispatches_base(user, b.id)
    ]


def _board_url(day: date, base_id: int | None) -> str:
    query = {"day": day.isoformat()} | ({"base": str(base_id)} if base_id else {})
    return "/ui/extras?" + urlencode(query)


@router.get("/ui/extras")
def office_board(
    page: Page,
    session: SessionDep,
    now: NowDep,
    day: Annotated[IsoDate | None, Query()] = None,
    base: BaseRef = None,
) -> Response:
    user = page.require_user()
    bases = _office_bases(session, page)
    base_id = get_base_by_ref(session, base).id if base else None
    if base_id is None and not dispatches_base(user, None) and bases:
        base_id = bases[0].id  # an office of some bases: its first one
    require_dispatches(user, base_id)
    day = day or today_local(now) + timedelta(days=1)
    board = day_board(session, day, base_id)
    stmt = (
        select(ExtrasRequest)
        .where(ExtrasRequest.day == day, extras_requests_scope(user))
        .order_by(ExtrasRequest.id)
    )
    if base_id is not None:
        stmt = stmt.where(ExtrasRequest.base_id == base_id)
    reasons = runs.unfilled_reasons(session, day)
    requests = [
        service.request_out(session, r, user, reasons.get(r.id)) for r in session.scalars(stmt)
    ]
    crews = sorted({(r.crew_id, r.crew_name) for r in requests if r.status == "open"})
    confirmed = [(r, a) for r in requests for a in r.assignments if a.status == "confirmed"]
    # The day's run still going, whatever its base: it holds the day for every office.
    active = runs.active_run(session, day)
    going = None
    if active is not None:
        going = {
            "run": runs.run_out(active),
            "scope": session.get(Base, active.base_id) if active.base_id else None,
            "elapsed": int((now - (active.started_at or active.created_at)).total_seconds()),
            "may_cancel": dispatches_base(user, active.base_id) and not active.cancel_requested,
        }
    return page.render(
        "extras_board.html",
        board=board,
        day=day,
        base_id=base_id,
        bases=bases,
        whole_town=dispatches_base(user, None),
        requests=requests,
        crews=crews,
        confirmed=confirmed,
        going=going,
        here=_board_url(day, base_id),
        prev=(day - timedelta(days=1)).isoformat(),
        next=(day + timedelta(days=1)).isoformat(),
    )


@router.post("/ui/extras/dispatch")
def start_dispatch(
    page: Page,
    session: SessionDep,
    csrf: Csrf,
    day: Annotated[IsoDate, Form()],
    base_id: Annotated[int | None, Form(ge=1)] = None,
) -> Response:
    page.check_csrf(csrf)
    user = page.require_user()
    try:
        run = runs.start_run(session, user, day, base_id)
    except (DomainError, IntegrityError) as exc:
        # Another run of the day started at the same moment: the database's rule refused it.
        detail = exc.detail if isinstance(exc, DomainError) else unique_clash(exc)
        if detail is None:
            raise
        session.rollback()
        page.store.add_flash("error", detail)
        return page.redirect(_board_url(day, base_id))
    page.store.add_flash("ok", page.t("extras.run_started", id=run.id))
    return page.redirect(_board_url(day, base_id))


@router.post("/ui/extras/dispatch-runs/{run_id}/cancel")
def cancel_dispatch(
    page: Page, session: SessionDep, run_id: PathId, csrf: Csrf, back: Text = ""
) -> Response:
    """Stop a day's run as POST /extras/dispatch-runs/{id}/cancel does (a queued one at once)."""
    page.check_csrf(csrf)
    user = page.require_user()
    run = runs.get_run(session, run_id)
    back = safe_next(back, _board_url(run.day, run.base_id))
    if not runs.cancel_run(session, user, run):
        page.store.add_flash("error", page.t("extras.run_over", id=run.id))
    elif run.status == "stopped":
        page.store.add_flash("ok", page.t("extras.run_stopped", id=run.id))
    else:
        page.store.add_flash("ok", page.t("extras.run_cancel_sent", id=run.id))
    return page.redirect(back)


@router.post("/ui/extras/publish")
def publish(
    page: Page,
    session: SessionDep,
    now: NowDep,
    csrf: Csrf,
    day: Annotated[IsoDate, Form()],
    base_id: Annotated[int | None, Form(ge=1)] = None,
) -> Response:
    page.check_csrf(csrf)
    n = runs.publish_day(session, page.require_user(), day, base_id, now)
    page.store.add_flash("ok", page.t("extras.published", n=page.t.count(n, "assignment")))
    return page.redirect(_board_url(day, base_id))


@router.post("/ui/extras/assignments/{assignment_id}/attendance")
def record_attendance(
    page: Page,
    session: SessionDep,
    assignment_id: int,
    csrf: Csrf,
    attendance: Annotated[str, Form(max_length=20)],
    hours_worked: Annotated[str, Form(max_length=5)] = "",
    tasks: Text = "",
    back: Text = "/ui/extras",
) -> Response:
    page.check_csrf(csrf)
    user = page.require_user()
    back = safe_next(back, "/ui/extras")
    a = service.assignment_for_office(session, user, assignment_id)
    try:
        body = Attendance.model_validate(
            {"attendance": attendance, "hours_worked": _int(hours_worked), "tasks": _words(tasks)}
        )
        service.record_attendance(session, a, body)
    except (ValidationError, ValueError) as exc:
        fields = [("attendance", attendance), ("hours_worked", hours_worked), ("tasks", tasks)]
        _refused(page, session, _invalid(exc), fields, page.request.url.path)
        return page.redirect(back)
    except DomainError as exc:
        session.rollback()
        page.store.add_flash("error", exc.detail)
        return page.redirect(back)
    page.store.add_flash("ok", page.t("extras.attendance_done"))
    return page.redirect(back)


# --- the register ------------------------------------------------------------------------------


def _register_page(
    page: PageContext, session: SessionDep, q: str, new_link: str | None
) -> Response:
    user = page.require_user()
    require_keeps_register(user)
    found = list(session.scalars(service.performers_stmt(q or None).limit(200)))
    people = [service.performer_out(p, user) for p in found]
    return page.render(
        "extras_performers.html",
        people=people,
        q=q,
        new_link=new_link,
        categories=CATEGORIES,
        limits=_import_limits(),
    )


@router.get("/ui/extras/performers")
def register(
    page: Page, session: SessionDep, q: Annotated[str, Query(max_length=100)] = ""
) -> Response:
    return _register_page(page, session, q.strip(), None)


@router.post("/ui/extras/performers")
def create_performer(
    page: Page,
    session: SessionDep,
    csrf: Csrf,
    name: Annotated[str, Form(max_length=200)] = "",
    gender: Annotated[str, Form(max_length=5)] = "",
    card_no: Annotated[str, Form(max_length=64)] = "",
    phone: Annotated[str, Form(max_length=64)] = "",
    birth_year: Annotated[str, Form(max_length=8)] = "",
    height_cm: Annotated[str, Form(max_length=8)] = "",
    category: Annotated[str, Form(max_length=40)] = "ordinary",
    skills: Text = "",
    looks: Text = "",
    dialects: Text = "",
) -> Response:
    page.check_csrf(csrf)
    require_keeps_register(page.require_user())
    typed = [("name", name), ("gender", gender), ("card_no", card_no), ("phone", phone),
             ("birth_year", birth_year), ("height_cm", height_cm), ("category", category),
             ("skills", skills), ("looks", looks), ("dialects", dialects)]  # fmt: skip
    action = "/ui/extras/performers"
    try:
        body = PerformerCreate.model_validate(
            {"name": name.strip(), "gender": gender, "card_no": card_no.strip(),
             "phone": phone.strip(), "birth_year": _int(birth_year),
             "height_cm": _int(height_cm), "category": category, "skills": _words(skills),
             "looks": _words(looks), "dialects": _words(dialects)}
        )  # fmt: skip
        p = service.create_performer(session, body)
    except (ValidationError, ValueError) as exc:
        _refused(page, session, _invalid(exc), typed, action)
        return page.redirect(action)
    except DomainError as exc:
        _refused(page, session, exc.detail, typed, action)
        return page.redirect(action)
    page.store.add_flash("ok", page.t("extras.registered", name=p.name, card=p.card_no))
    return page.redirect(action + "?" + urlencode({"q": p.card_no}))


@router.post("/ui/extras/performers/{performer_id}/link")
def create_link(page: Page, session: SessionDep, performer_id: int, csrf: Csrf) -> Response:
    page.check_csrf(csrf)
    user = page.require_user()
    require_keeps_register(user)
    performer = service.get_performer(session, performer_id)
    _link, token = service.create_link(session, user, performer)
    url = str(page.request.base_url).rstrip("/") + f"/p/{token}"
    return _register_page(page, session, performer.card_no, url)


# --- the register from the office's sheet ------------------------------------------------------


def _import_limits() -> dict[str, object]:
    settings = get_settings()
    return {
        "mb": settings.max_register_import_bytes // 1_000_000,
        "rows": f"{settings.max_register_import_rows:,}",
    }


def _in_words(page: PageContext, exc: DomainError) -> str:
    """A refusal in the reader's language when its code is known (the register's words first,
    then those of any import), else as the service said it."""
    code = exc.extra.get("code")
    for key in (f"extras.import.refused.{code}", f"import.refused.{code}"):
        if key in MESSAGES:
            return page.t(key, **_import_limits())
    return exc.detail


@router.post("/ui/extras/performers/imports")
def register_upload(
    page: Page, session: SessionDep, now: NowDep, csrf: Csrf, file: Annotated[UploadFile, File()]
) -> Response:
    page.check_csrf(csrf)
    user = page.require_user()
    require_keeps_register(user)
    try:
        found = preview_register_upload(session, user, file, now)
    except DomainError as exc:
        session.rollback()  # the file as a whole cannot be read: nothing is kept
        page.store.add_flash("error", page.t("import.refused"), [_in_words(page, exc)])
        return page.redirect("/ui/extras/performers#import")
    return page.redirect(f"/ui/extras/performers/imports/{found.id}")


# A preview page lists this many rows, or problems, at a time.
PREVIEW_PAGE = 200
ShownRows = Literal["all", "create", "update", "unchanged", "problems"]


@router.get("/ui/extras/performers/imports/{import_id}")
def register_preview(
    page: Page,
    session: SessionDep,
    now: NowDep,
    import_id: int,
    show: Annotated[ShownRows | None, Query()] = None,
    p: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    """The counts, then the file's problems or its rows (all, or those of one action) a page
    at a time; the problems first when there are any."""
    found = register_import_of(session, page.require_user(), import_id)
    preview = preview_out(found, now)
    counts = found.preview.get("counts", {})
    errors = preview["errors"]
    shown = show or ("problems" if errors else "all")
    if shown == "problems":
        total = len(errors)
    else:
        total = sum(counts.get(a, 0) for a in REGISTER_ACTIONS if shown in ("all", a))
    pages = max(1, -(-total // PREVIEW_PAGE))
    p = min(p, pages)
    offset = (p - 1) * PREVIEW_PAGE
    rows: list[dict[str, Any]] = []
    problems = errors[offset : offset + PREVIEW_PAGE] if shown == "problems" else []
    if shown != "problems":
        stmt = register_import.entries_stmt(found, None if shown == "all" else shown)
        window = PageParams(limit=PREVIEW_PAGE, offset=offset)
        rows = page_of(session, stmt, window, entry_out).items
    here = f"/ui/extras/performers/imports/{found.id}"
    return page.render(
        "extras_register_import.html",
        preview=preview,
        counts=counts,
        shown=shown,
        rows=rows,
        problems=problems,
        listed=(offset + 1, min(offset + PREVIEW_PAGE, total), total),
        pager=page_links(p, pages, f"{here}?{urlencode({'show': shown})}&p="),
        here=here,
        problem=lambda said: render_problem(said, page.lang, "row"),
        limits=_import_limits(),
    )


@router.post("/ui/extras/performers/imports/{import_id}/apply")
def register_apply(
    page: Page, session: SessionDep, now: NowDep, import_id: int, csrf: Csrf
) -> Response:
    page.check_csrf(csrf)
    found = register_import_of(session, page.require_user(), import_id)
    try:
        done = register_import.apply_import(session, found, now)
    except DomainError as exc:
        session.rollback()  # the preview stays as it was shown, with why it was refused
        page.store.add_flash("error", _in_words(page, exc), list(exc.extra.get("differences", [])))
        return page.redirect(f"/ui/extras/performers/imports/{import_id}")
    created, updated = (page.t.count(len(ids), "performer") for ids in (done.created, done.updated))
    page.store.add_flash("ok", page.t("extras.import.done", created=created, updated=updated))
    return page.redirect("/ui/extras/performers")


# --- a crew's requests and dispatch list ------------------------------------------------------


@router.get("/ui/crews/{crew_id}/extras")
def crew_extras(page: Page, session: SessionDep, now: NowDep, crew_id: int) -> Response:
    user = page.require_user()
    crew = own_crew(session, user, crew_id)
    today = today_local(now)
    shooting = service.shooting_days(session, crew.id, today, today + timedelta(days=120))
    found = list(
        session.scalars(
            select(ExtrasRequest)
            .where(ExtrasRequest.crew_id == crew.id, ExtrasRequest.day >= today - timedelta(days=7))
            .order_by(ExtrasRequest.day, ExtrasRequest.id)
        )
    )
    reasons: dict[date, dict[int, str]] = {}
    requests: list[RequestOut] = []
    for r in found:
        if r.day not in reasons:
            reasons[r.day] = runs.unfilled_reasons(session, r.day)
        requests.append(service.request_out(session, r, user, reasons[r.day].get(r.id)))
    # Which requests this user may still change (the crew until the cut-off), and the sets a
    # request may move to: the crew's sets of its day.
    changeable = {
        r.id: r.status == "open"
        and may_change_extras_request(user, r.crew_id, r.base_id, now < r.cutoff)
        for r in requests
    }
    sets_of_day: dict[date, list[FilmSet]] = {}
    for d, film_set in shooting:
        sets_of_day.setdefault(d, []).append(film_set)
    return page.render(
        "extras_crew.html",
        crew=crew,
        shooting=shooting,
        requests=requests,
        changeable=changeable,
        sets_of_day=sets_of_day,
        categories=CATEGORIES,
        now=now,
        action=f"/ui/crews/{crew.id}/extras/requests",
    )


class RequestForm:
    """The fields the order and change forms share, as typed (kept when a form is refused)."""

    def __init__(
        self,
        count: Annotated[str, Form(max_length=8)] = "",
        gender: Annotated[str, Form(max_length=5)] = "",
        age_min: Annotated[str, Form(max_length=5)] = "",
        age_max: Annotated[str, Form(max_length=5)] = "",
        categories: Annotated[list[str] | None, Form(max_length=5)] = None,
        tags: Text = "",
        priority: Annotated[str, Form(max_length=5)] = "",
        call_time: Annotated[str, Form(max_length=10)] = "",
        hours: Annotated[str, Form(max_length=5)] = "",
        wardrobe_notes: Text = "",
        continuity_of: Annotated[str, Form(max_length=12)] = "",
    ) -> None:
        self.categories = list(categories or [])
        self.typed = [("count", count), ("gender", gender), ("age_min", age_min),
                      ("age_max", age_max), ("categories", ",".join(self.categories)),
                      ("tags", tags), ("priority", priority), ("call_time", call_time),
                      ("hours", hours), ("wardrobe_notes", wardrobe_notes),
                      ("continuity_of", continuity_of)]  # fmt: skip

    def values(self) -> dict[str, Any]:
        """The fields as the API takes them, None where the form left one empty (an order
        takes the default, a change clears gender, ages and continuity, keeps the rest).
        Raises ValueError for a number that is not one."""
        typed = dict(self.typed)
        numbers = ("count", "age_min", "age_max", "priority", "hours", "continuity_of")
        return {
            **{name: _int(typed[name]) for name in numbers},
            "gender": typed["gender"] or None,
            "categories": self.categories,
            "tags": _words(typed["tags"]),
            "call_time": typed["call_time"].strip() or None,
            "wardrobe_notes": typed["wardrobe_notes"].strip(),
        }


RequestFields = Annotated[RequestForm, Depends()]


@router.post("/ui/crews/{crew_id}/extras/requests")
def order_extras(
    page: Page,
    session: SessionDep,
    now: NowDep,
    crew_id: int,
    csrf: Csrf,
    form: RequestFields,
    shoot: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    page.check_csrf(csrf)
    user = page.require_user()
    crew = own_crew(session, user, crew_id)
    back = f"/ui/crews/{crew.id}/extras"
    action = f"{back}/requests"
    typed = [("shoot", shoot), *form.typed]
    try:
        day_text, _, set_text = shoot.partition(":")
        given = {k: v for k, v in form.values().items() if v is not None}
        body = RequestCreate.model_validate({"set_id": _int(set_text), "day": day_text, **given})
        r = service.create_request(session, user, crew, body, now)
    except (ValidationError, ValueError) as exc:
        _refused(page, session, _invalid(exc), typed, action)
        return page.redirect(back + "#order")
    except DomainError as exc:
        _refused(page, session, exc.detail, typed, action)
        return page.redirect(back + "#order")
    page.store.add_flash("ok", page.t("extras.ordered", id=r.id, n=r.count, day=page.t.ymd(r.day)))
    return page.redirect(f"{back}#r{r.id}")


@router.post("/ui/extras-requests/{request_id}/change")
def change_request(
    page: Page,
    session: SessionDep,
    now: NowDep,
    request_id: int,
    csrf: Csrf,
    form: RequestFields,
    version: Annotated[str, Form(max_length=12)] = "",
    set_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Change a request as PATCH /extras-requests/{id} does, from the form's copy (version).
    The form carries the fields the order form has; the others (heights) stay."""
    page.check_csrf(csrf)
    user = page.require_user()
    r = visible_extras_request(session, user, request_id)
    back = f"/ui/crews/{r.crew_id}/extras#r{r.id}"
    action = page.request.url.path
    typed = [("set_id", set_id), *form.typed]
    try:
        body = RequestUpdate.model_validate({"set_id": _int(set_id), **form.values()})
        seen = _int(version)
        changes = body.model_dump(exclude_unset=True)
        expected = None if seen is None else {seen}
        withdrawn = service.change_request(session, user, r, changes, now, expected)
    except (ValidationError, ValueError) as exc:
        _refused(page, session, _invalid(exc), typed, action)
        return page.redirect(back)
    except DomainError as exc:
        _refused(page, session, exc.detail, typed, action)
        return page.redirect(back)
    if withdrawn:
        n = page.t.count(withdrawn, "proposed_performer")
        page.store.add_flash("ok", page.t("extras.changed_withdrawn", id=request_id, n=n))
    else:
        page.store.add_flash("ok", page.t("extras.changed", id=request_id))
    return page.redirect(back)


@router.post("/ui/extras-requests/{request_id}/cancel")
def cancel_request(
    page: Page,
    session: SessionDep,
    now: NowDep,
    request_id: int,
    csrf: Csrf,
    reason: Text = "",
    back: Text = "/ui/",
) -> Response:
    page.check_csrf(csrf)
    user = page.require_user()
    r = visible_extras_request(session, user, request_id)
    back = safe_next(back, f"/ui/crews/{r.crew_id}/extras")
    try:
        service.cancel_request(session, user, r, reason.strip(), now)
    except DomainError as exc:
        session.rollback()
        page.store.add_flash("error", exc.detail)
        return page.redirect(back)
    page.store.add_flash("ok", page.t("extras.cancelled", id=request_id))
    return page.redirect(back)
