"""The pages: sign-in, occupancy board and the summary across bases, find a set, bookings and
a booking's history, schedule, plans and a run's progress, calendar feeds.

Each page authorises with app.access and calls the same services as the JSON API;
the only logic here is choosing what to show and how. Forms post with the session's
CSRF token and answer with a redirect (post/redirect/get) carrying a flash message.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Path, Query, UploadFile
from fastapi.responses import RedirectResponse
from pydantic import Field
from sqlalchemy import select
from starlette.responses import Response

from app.access import (
    booking_crew,
    booking_to_change,
    crews_acted_for_stmt,
    is_coordinator,
    is_extras_office,
    managed_sets_stmt,
    own_crew,
    own_notice,
    own_webhook,
    places_bookings,
    require_runs_plans,
    runs_plans,
    viewable_crew,
    visible_bases_stmt,
    visible_booking,
    visible_crews_stmt,
    webhooks_scope,
    works_for_crew,
)
from app.bookings import service as bookings
from app.bookings.availability import find_free_sets, range_problem
from app.bookings.history import booking_history
from app.bookings.queries import BookingFilter, describe, list_visible
from app.callsheets import service as callsheets
from app.catalog.service import closest_tags, get_base_by_ref, known_tags
from app.clock import NowDep
from app.config import get_settings
from app.deps import SessionDep, user_for_key
from app.errors import DomainError, Forbidden, InvalidInput, NotFound
from app.exports import service as exports
from app.imports import service as imports
from app.imports.messages import render as render_problem
from app.imports.router import import_out, preview_upload
from app.imports.values import pages_text
from app.jobs import worker_database_url
from app.models import (
    NOTICE_KINDS,
    Base,
    Crew,
    FilmSet,
    NoticeDelivery,
    PlanRun,
    User,
    WebhookSubscription,
)
from app.notices import service as notices
from app.notices import webhooks
from app.notices.router import get_preferences, notice_out
from app.occupancy import service as occupancy
from app.pagination import PageParams
from app.planning import service as planning
from app.planning.lock import RunInProgress
from app.planning.schedule import crew_schedule
from app.planning.service import spawn
from app.schemas import BASE_ID_OR_CODE, DATE_BOUNDS, IsoDate, PathId, parse_date
from app.timeutil import today_local
from app.web import board as board_view
from app.web.core import Page, PageContext, WebRoute, read_kept_form, safe_next
from app.web.i18n import LANGS, MESSAGES, Translator

router = APIRouter(route_class=WebRoute, include_in_schema=False)
ISO_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
Csrf = Annotated[str, Form(max_length=200)]
# Tags as typed or ticked on the find page: known or not, each said so (?tags=a&tags=b c).
TypedTags = Annotated[str, Field(max_length=400)]
# ?base= in page addresses: a base's id or its code (?base=DBD); empty for none.
BASE_REF = BASE_ID_OR_CODE + "|^$"
BaseRef = Annotated[str | None, Query(pattern=BASE_REF)]


def home_for(user: User) -> str:
    if is_extras_office(user):
        return "/ui/extras"
    return "/ui/find" if is_coordinator(user) else "/ui/board"


# --- sign-in, sign-out, language -------------------------------------------------------------


@router.get("/")
def root() -> Response:
    return RedirectResponse("/ui/", status_code=303)


@router.get("/ui/")
def ui_home(page: Page) -> Response:
    user = page.require_user()
    return page.redirect(home_for(user))


@router.get("/ui/signin")
def signin_form(page: Page, next: str | None = None) -> Response:
    if page.user is not None:
        return page.redirect(safe_next(next, home_for(page.user)))
    return page.render("signin.html", next=safe_next(next, ""), error=None)


@router.post("/ui/signin")
def signin(
    page: Page,
    session: SessionDep,
    csrf: Csrf,
    api_key: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
    resume: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    """Sign in; with ``resume`` (a form interrupted by the end of a session), back to that
    form's page, which shows what was typed."""
    kept = read_kept_form(resume)
    again: dict[str, Any] = {"next": safe_next(next, ""), "resume": resume if kept else None}
    if not page.csrf_valid(csrf):
        # Never signed in without the token (login CSRF); the form comes back, fresh.
        return page.render("signin.html", status_code=403, error=page.t("csrf.bad"), **again)
    key = api_key.strip()
    user = user_for_key(session, key) if key else None
    if user is None or not user.active:
        return page.render("signin.html", status_code=401, error=page.t("signin.bad"), **again)
    page.store.sign_in(session, user)
    page.user = user
    if kept is not None:
        page.store.keep_form(kept)
        page.store.add_flash("ok", page.t("form.kept"))
    return page.redirect(safe_next(next, home_for(user)))


@router.post("/ui/signout")
def signout(page: Page, session: SessionDep, csrf: Csrf) -> Response:
    if page.user is None:  # the session is over already
        return page.redirect("/ui/signin")
    page.check_csrf(csrf)
    page.store.sign_out()
    page.store.add_flash("ok", page.t("signin.out"))
    return page.redirect("/ui/signin")


@router.get("/ui/lang/{lang}")
def switch_language(page: Page, lang: str, next: str | None = None) -> Response:
    if lang not in LANGS:
        raise NotFound("Unknown language.")
    page.lang = "zh" if lang == "zh" else "en"
    page.t = Translator(page.lang)
    page.lang_cookie = True
    return page.redirect(safe_next(next, "/ui/"))


# --- helpers ----------------------------------------------------------------------------------


def _month(value: str | None, today: date) -> date:
    if not value:
        return today.replace(day=1)
    m = ISO_MONTH.match(value)
    if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
        raise InvalidInput("month must be written YYYY-MM.")
    return date(int(m.group(1)), int(m.group(2)), 1)


def _next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def _prev_month(d: date) -> date:
    return date(d.year - (d.month == 1), (d.month - 2) % 12 + 1, 1)


def _bases_for(session: SessionDep, user: User) -> list[Base]:
    return list(session.scalars(visible_bases_stmt(user)))


def _crews_for(session: SessionDep, user: User) -> list[Crew]:
    """Crews the user acts for: a coordinator's own, every crew for an admin."""
    return list(session.scalars(crews_acted_for_stmt(user)))


def _crews_seen(session: SessionDep, user: User) -> list[Crew]:
    """Crews whose schedule and proposals the user may look at."""
    if places_bookings(user):
        return _crews_for(session, user)
    return list(session.scalars(visible_crews_stmt(user)))


def _pick_crew(session: SessionDep, user: User, crew: int | None, crews: list[Crew]) -> Crew:
    if crew is not None:
        return viewable_crew(session, user, crew)
    if not crews:
        raise Forbidden("This page is for a crew's coordinators.")
    return crews[0]


def _conflict_lines(t: Translator, exc: DomainError) -> list[str]:
    """The 409's structured blockers, in the page's language."""
    lines = []
    for c in exc.extra.get("conflicts") or []:
        try:
            start, end = date.fromisoformat(c["start"]), date.fromisoformat(c["end"])
        except (KeyError, ValueError):
            continue
        days = t.span(start, end)
        who = c.get("crew") or c.get("set_code") or t("conflict.someone")
        kind = c.get("kind")
        if kind == "blackout":
            text = t("conflict.blackout", days=days)
            if c.get("reason"):
                text += f" ({c['reason']})"
        elif kind == "confirmed":
            text = t("conflict.confirmed", who=who, days=days)
        elif kind == "own":
            text = t("conflict.own", id=c.get("booking_id"), status=t(f"status.{c.get('status')}"),
                     days=days)  # fmt: skip
        else:
            until = datetime.fromisoformat(c["until"]) if c.get("until") else None
            text = t(
                "conflict.hold",
                who=who,
                rank=t.ordinal_hold(c.get("rank")),
                until=t.instant(until),
                days=days,
            )
        lines.append(text)
    return lines


def _refused(page: PageContext, session: SessionDep, exc: DomainError) -> None:
    """Undo the attempt and tell the user why. A 409 that names what is in the way lists
    each thing once, in the page's language (its English sentence would repeat them)."""
    session.rollback()
    lines = _conflict_lines(page.t, exc)
    own = all(c.get("kind") == "own" for c in exc.extra.get("conflicts") or [{}])
    heading = page.t("conflict.heading_own" if own else "conflict.heading")
    page.store.add_flash("error", heading if lines else exc.detail, lines)


# --- occupancy board --------------------------------------------------------------------------


def _cell_param(value: str | None) -> tuple[int, date] | None:
    if not value:
        return None
    set_part, _, day_part = value.partition(":")
    try:
        return int(set_part), parse_date(day_part)
    except ValueError as exc:
        raise InvalidInput(f"cell must be written SET_ID:YYYY-MM-DD ({DATE_BOUNDS}).") from exc


@router.get("/ui/board")
def board(
    page: Page,
    session: SessionDep,
    now: NowDep,
    base: BaseRef = None,
    month: Annotated[str | None, Query(max_length=7)] = None,
    cell: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    user = page.require_user()
    bases = _bases_for(session, user)
    if not bases:
        raise NotFound("There is no base you may see.")
    chosen = get_base_by_ref(session, base).id if base else bases[0].id
    first = _month(month, today_local(now))
    last = _next_month(first)
    occ = occupancy.base_occupancy(session, user, chosen, first, last, now)
    picked = _cell_param(cell)
    detail = board_view.detail(occ, *picked) if picked else None
    return page.render(
        "board.html",
        occ=occ,
        bases=bases,
        month=first,
        prev=_prev_month(first).strftime("%Y-%m"),
        next=last.strftime("%Y-%m"),
        this_month=today_local(now).strftime("%Y-%m"),
        today=today_local(now),
        rows=board_view.grid(occ, page.t),
        chart=board_view.crews_chart(occ.crews_on_site, page.t),
        detail=detail,
        days=[first + timedelta(days=i) for i in range(occ.days)],
        csv_url=f"/bases/{occ.base_id}/occupancy.csv?"
        + urlencode({"start": first.isoformat(), "end": last.isoformat()}),
    )


@router.get("/ui/summary")
def summary(
    page: Page,
    session: SessionDep,
    now: NowDep,
    month: Annotated[str | None, Query(max_length=7)] = None,
) -> Response:
    """The month's figures of every base the user may see, side by side (GET
    /occupancy/summary as a page)."""
    user = page.require_user()
    first = _month(month, today_local(now))
    last = _next_month(first)
    found = occupancy.summary(session, user, first, last, now)
    return page.render(
        "summary.html",
        summary=found,
        month=first,
        prev=_prev_month(first).strftime("%Y-%m"),
        next=last.strftime("%Y-%m"),
        this_month=today_local(now).strftime("%Y-%m"),
        chart=board_view.crews_chart(found.crews_on_site, page.t),
    )


@router.get("/ui/board/cell")
def board_cell(
    page: Page,
    session: SessionDep,
    now: NowDep,
    base: Annotated[str, Query(pattern=BASE_ID_OR_CODE)],
    set_id: Annotated[int, Query(alias="set")],
    day: Annotated[IsoDate, Query(alias="date")],
) -> Response:
    """The details panel of one cell, for the board's script (the page works without it)."""
    user = page.require_user()
    base_id = get_base_by_ref(session, base).id
    occ = occupancy.base_occupancy(session, user, base_id, day, day + timedelta(days=1), now)
    found = board_view.detail(occ, set_id, day)
    if found is None:
        raise NotFound("No such set on this base.")
    return page.render("_cell.html", fragment=True, detail=found, occ=occ)


# --- find a set and place a hold ---------------------------------------------------------------


def _tags(values: list[str]) -> list[str]:
    """The tags asked for, as typed: repeated, or separated by spaces or commas."""
    return sorted({t for v in values for t in re.split(r"[\s,]+", v.strip().lower()) if t})


@dataclass(frozen=True)
class _UnknownTag:
    tag: str
    closest: list[tuple[str, str]]  # (tag, the search's address with it instead)


def _range_error(t: Translator, start: date, last: date, today: date) -> str | None:
    """What is wrong with the dates asked for, in plain words (None when nothing is)."""
    problem = range_problem(start, last + timedelta(days=1), today)
    if problem == "reversed":
        return t("find.err.reversed", first=t.ymd(start), last=t.ymd(last))
    if problem == "past":
        return t("find.err.past", first=t.ymd(start), today=t.ymd(today))
    if problem == "too_long":
        days = t.count(get_settings().max_booking_days, "day")
        return t("find.err.too_long", days=days)
    return None


@router.get("/ui/find")
def find(
    page: Page,
    session: SessionDep,
    now: NowDep,
    start: Annotated[IsoDate | None, Query()] = None,
    last: Annotated[IsoDate | None, Query()] = None,
    tags: Annotated[list[TypedTags] | None, Query(max_length=30)] = None,
    base_param: Annotated[str | None, Query(alias="base", pattern=BASE_REF)] = None,
    kind: Annotated[str | None, Query(pattern="^(backlot|stage)?$")] = None,
    p: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> Response:
    """The search form and, for dates and tags that make sense, the free sets. Dates that do
    not (the last day before the first, days gone by) and tags no set carries are said so
    beside the form, which keeps what was asked."""
    user = page.require_user()
    today = today_local(now)
    # The form sends '' for any base.
    base = get_base_by_ref(session, base_param).id if base_param else None
    asked = _tags(tags or [])
    all_tags = known_tags(session)
    wanted = [t for t in asked if t in all_tags]
    bases = list(session.scalars(select(Base).order_by(Base.code)))
    crews = _crews_for(session, user)
    searched = start is not None and last is not None
    start = start or today + timedelta(days=7)
    last = last or start + timedelta(days=2)
    query = {"start": start.isoformat(), "last": last.isoformat(), "base": base or "",
             "kind": kind or ""}  # fmt: skip

    def search_with(tag_list: list[str]) -> str:
        return "/ui/find?" + urlencode([*query.items(), *(("tags", x) for x in tag_list)])

    unknown = [
        _UnknownTag(
            tag,
            [(c, search_with(sorted({*wanted, c}))) for c in closest_tags(tag, all_tags)],
        )
        for tag in asked
        if tag not in all_tags
    ]
    date_error = _range_error(page.t, start, last, today) if searched else None
    result = None
    if searched and date_error is None and not unknown:
        limit = 20
        result = find_free_sets(
            session,
            user,
            start,
            last + timedelta(days=1),
            tags=wanted,
            base_id=base,
            kind=kind or None,
            now=now,
            page=PageParams(limit=limit, offset=(p - 1) * limit),
        )
    return page.render(
        "find.html",
        start=start,
        last=last,
        today=today,
        wanted=wanted,
        unknown=unknown,
        date_error=date_error,
        all_tags=all_tags,
        bases=bases,
        base=base,
        kind=kind or "",
        crews=crews,
        result=result,
        p=p,
        pages=max(1, -(-result.total // result.limit)) if result else 1,
        query=search_with(wanted).removeprefix("/ui/find?"),
    )


@router.post("/ui/holds")
def place_hold(
    page: Page,
    session: SessionDep,
    now: NowDep,
    csrf: Csrf,
    set_id: Annotated[int, Form(ge=1)],
    crew_id: Annotated[int, Form(ge=1)],
    start: Annotated[IsoDate, Form()],
    end: Annotated[IsoDate, Form()],
    note: Annotated[str, Form(max_length=2000)] = "",
    back: Annotated[str, Form(max_length=2000)] = "/ui/find",
) -> Response:
    page.check_csrf(csrf)
    user = page.require_user()
    try:
        crew = booking_crew(session, user, crew_id)
        placed = bookings.place(
            session, user, crew, set_id, start, end, confirm_now=False, note=note.strip(),
            now=now,
        )  # fmt: skip
    except DomainError as exc:
        _refused(page, session, exc)
        return page.redirect(safe_next(back, "/ui/find"))
    out = placed.booking
    done = "done.place" if placed.created else "done.place_own"
    rank = page.t.ordinal_hold(out.rank) if out.rank else page.t("status.confirmed")
    page.store.add_flash("ok", page.t(done, id=out.id, rank=rank, set=out.set_code))
    return page.redirect(f"/ui/bookings?crew={crew.id}#b{out.id}")


# --- bookings ---------------------------------------------------------------------------------


@router.get("/ui/bookings")
def my_bookings(
    page: Page,
    session: SessionDep,
    now: NowDep,
    crew: int | None = None,
    past: bool = False,
) -> Response:
    user = page.require_user()
    crews = _crews_for(session, user)
    if crew is not None:
        viewable_crew(session, user, crew)
    wanted = BookingFilter(crew_id=crew, current=not past)
    rows = list_visible(session, user, now, wanted, limit=200)
    acting = {b.id for b in rows if works_for_crew(user, b.crew_id)}
    csv_query = {"live": "false" if past else "true"}
    if crew is not None:
        csv_query["crew_id"] = str(crew)
    return page.render(
        "bookings.html",
        rows=rows,
        acting=acting,
        crews=crews,
        crew=crew,
        past=past,
        csv_url="/bookings.csv?" + urlencode(csv_query),
    )


@router.get("/ui/bookings/{booking_id}")
def booking_page(page: Page, session: SessionDep, now: NowDep, booking_id: PathId) -> Response:
    """One booking with its history; another crew's booking does not exist (404)."""
    user = page.require_user()
    booking = visible_booking(session, user, booking_id)
    return page.render(
        "booking.html",
        b=describe(session, booking, now),
        acting=works_for_crew(user, booking.crew_id),
        history=booking_history(session, user, booking),
    )


ACTIONS: dict[str, Callable[..., Any]] = {
    "confirm": bookings.confirm,
    "release": bookings.release,
    "cancel": bookings.cancel,
    "challenge": bookings.challenge,
}


@router.post("/ui/bookings/{booking_id}/{action}")
def booking_action(
    page: Page,
    session: SessionDep,
    now: NowDep,
    booking_id: int,
    action: str,
    csrf: Csrf,
    version: Annotated[int | None, Form(ge=1)] = None,
    back: Annotated[str, Form(max_length=2000)] = "/ui/bookings",
) -> Response:
    page.check_csrf(csrf)
    user = page.require_user()
    perform = ACTIONS.get(action)
    if perform is None:
        raise NotFound("Unknown action.")
    t = page.t
    try:
        booking = booking_to_change(session, user, booking_id)
        bookings.lock(session, booking, now, None if version is None else {version})
        result = perform(session, user, booking, now, "")
    except DomainError as exc:
        _refused(page, session, exc)
        return page.redirect(safe_next(back, "/ui/bookings") + f"#b{booking_id}")
    if action == "challenge":
        deadline, count = result
        page.store.add_flash(
            "ok",
            t("done.challenge", holds=t.count(count, "earlier_hold"), deadline=t.instant(deadline)),
        )
    else:
        page.store.add_flash("ok", t(f"done.{action}", id=booking_id))
    return page.redirect(safe_next(back, "/ui/bookings") + f"#b{booking_id}")


# --- shooting schedule ------------------------------------------------------------------------


@router.get("/ui/schedule")
def schedule(page: Page, session: SessionDep, crew: int | None = None) -> Response:
    user = page.require_user()
    crews = _crews_seen(session, user)
    chosen = _pick_crew(session, user, crew, crews)
    plan = crew_schedule(session, chosen)
    # Days with a pinned or accepted scene have a call sheet.
    firm = {d.date for d in plan.days if any(s.source in callsheets.FIRM for s in d.strips)}
    return page.render(
        "schedule.html",
        plan=plan,
        crews=crews,
        crew=chosen,
        can_import=works_for_crew(user, chosen.id),
        firm=firm,
    )


# --- importing a breakdown or screenplay ------------------------------------------------------


def _import_page(
    page: PageContext, session: SessionDep, crew: Crew, preview: dict[str, Any] | None
) -> Response:
    user = page.require_user()
    unit = preview["unit"] if preview else "row"
    return page.render(
        "import.html",
        crew=crew,
        crews=_crews_for(session, user),
        preview=preview,
        problem=lambda p: render_problem(p, page.lang, unit),
        pages_text=pages_text,
        limits={
            "mb": get_settings().max_import_bytes // 1_000_000,
            "rows": f"{get_settings().max_import_rows:,}",
        },
    )


@router.get("/ui/crews/{crew_id}/import")
def import_form(page: Page, session: SessionDep, crew_id: int) -> Response:
    crew = own_crew(session, page.require_user(), crew_id)
    return _import_page(page, session, crew, None)


@router.post("/ui/crews/{crew_id}/import")
def import_upload(
    page: Page,
    session: SessionDep,
    now: NowDep,
    crew_id: int,
    csrf: Csrf,
    file: Annotated[UploadFile, File()],
) -> Response:
    page.check_csrf(csrf)
    user = page.require_user()
    crew = own_crew(session, user, crew_id)
    back = f"/ui/crews/{crew.id}/import"
    try:
        found = preview_upload(session, crew, user, file, now)
    except DomainError as exc:
        # The file as a whole cannot be read: say why, in the reader's language when known.
        session.rollback()
        code = exc.extra.get("code")
        text = page.t(f"import.refused.{code}") if f"import.refused.{code}" in MESSAGES else ""
        page.store.add_flash("error", page.t("import.refused"), [text or exc.detail])
        return page.redirect(back)
    return page.redirect(f"{back}/{found.id}")


@router.get("/ui/crews/{crew_id}/import/{import_id}")
def import_preview(
    page: Page, session: SessionDep, now: NowDep, crew_id: int, import_id: int
) -> Response:
    crew = own_crew(session, page.require_user(), crew_id)
    found = imports.get_import(session, crew, import_id)
    return _import_page(page, session, crew, import_out(found, now))


@router.post("/ui/crews/{crew_id}/import/{import_id}/apply")
def import_apply(
    page: Page, session: SessionDep, now: NowDep, crew_id: int, import_id: int, csrf: Csrf
) -> Response:
    page.check_csrf(csrf)
    user = page.require_user()
    crew = own_crew(session, user, crew_id)
    found = imports.get_import(session, crew, import_id)
    back = f"/ui/crews/{crew.id}/import/{found.id}"
    try:
        done = imports.apply_import(session, crew, found, now)
    except DomainError as exc:
        session.rollback()
        page.store.add_flash("error", exc.detail, list(exc.extra.get("differences") or []))
        return page.redirect(back)
    page.store.add_flash(
        "ok",
        page.t(
            "import.done",
            created=page.t.count(len(done.created), "scene"),
            updated=page.t.count(len(done.updated), "scene"),
            cast=page.t.count(len(done.cast_created), "cast_member"),
        ),
    )
    return page.redirect(f"/ui/schedule?crew={crew_id}#pool")


@router.get("/ui/crews/{crew_id}/callsheet/{day}")
def callsheet(
    page: Page,
    session: SessionDep,
    now: NowDep,
    crew_id: int,
    day: Annotated[IsoDate, Path()],
) -> Response:
    """The crew's call sheet for a shooting day, laid out to print on A4."""
    user = page.require_user()
    sheet = callsheets.callsheet(session, user, crew_id, day, now)
    xlsx = f"/crews/{crew_id}/callsheets/{day.isoformat()}.xlsx?lang={page.lang}"
    return page.render("callsheet.html", sheet=sheet, xlsx_url=xlsx)


# --- plans ------------------------------------------------------------------------------------


@router.get("/ui/plans")
def plans(page: Page, session: SessionDep) -> Response:
    user = page.require_user()
    active = planning.active_run(session)  # first: it settles runs whose worker is gone
    # As the API lists them: a coordinator counts only their crews' unscheduled scenes.
    runs = [
        planning.run_out(r, user)
        for r in session.scalars(select(PlanRun).order_by(PlanRun.id.desc()).limit(15))
    ]
    crews = _crews_seen(session, user)
    return page.render(
        "plans.html",
        runs=runs,
        crews=crews,
        runs_plans=runs_plans(user),
        active=active.id if active is not None else None,
        defaults=planning.RunParams.defaults(),
    )


@router.post("/ui/plans")
def start_plan(
    page: Page,
    session: SessionDep,
    csrf: Csrf,
    horizon_days: Annotated[int, Form(ge=1, le=366)],
    time_limit: Annotated[int, Form(ge=1, le=3600)],
    back: Annotated[str, Form(max_length=2000)] = "/ui/plans",
) -> Response:
    """Start an optimizer run as POST /plans does, then watch it on its progress page."""
    page.check_csrf(csrf)
    user = page.require_user()
    require_runs_plans(user)
    defaults = planning.RunParams.defaults()
    params = planning.RunParams(horizon_days, float(time_limit), defaults.workers)
    try:
        run = planning.start_run(session, params, user)
    except RunInProgress:
        session.rollback()
        active = planning.active_run(session)
        page.store.add_flash(
            "error", page.t("plans.in_progress", id=active.id if active is not None else "?")
        )
        return page.redirect("/ui/plans")
    session.commit()  # before the worker looks for it
    spawn(run.id, worker_database_url())
    return page.redirect(f"/ui/plans/{run.id}/progress")


def _progress(page: PageContext, session: SessionDep, run_id: int, fragment: bool) -> Response:
    user = page.require_user()
    run = planning.run_out(planning.get_run(session, run_id), user)
    crews = _crews_seen(session, user)
    result = f"/ui/plans/{run.id}" + (f"?crew={crews[0].id}" if crews else "")
    return page.render(
        "_progress.html" if fragment else "plan_progress.html",
        fragment=fragment,
        run=run,
        done=run.status not in ("queued", "running"),
        result=result if run.status in ("succeeded", "stopped") else None,
        runs_plans=runs_plans(user),
    )


@router.get("/ui/plans/{run_id}/progress")
def plan_progress(page: Page, session: SessionDep, run_id: PathId) -> Response:
    """A run as it goes: status, phase, best plan and bound so far; the result once done.
    The page's script refreshes the figures from the fragment below; without it, the page
    reloads itself until the run ends."""
    return _progress(page, session, run_id, fragment=False)


@router.get("/ui/plans/{run_id}/progress/live")
def plan_progress_live(page: Page, session: SessionDep, run_id: PathId) -> Response:
    return _progress(page, session, run_id, fragment=True)


@router.post("/ui/plans/{run_id}/cancel")
def cancel_plan(page: Page, session: SessionDep, run_id: PathId, csrf: Csrf) -> Response:
    """Stop a run early, keeping its best plan (as POST /plans/{id}/cancel)."""
    page.check_csrf(csrf)
    user = page.require_user()
    require_runs_plans(user)
    if planning.cancel_run(session, planning.get_run(session, run_id)):
        page.store.add_flash("ok", page.t("plans.cancel_sent", id=run_id))
    return page.redirect(f"/ui/plans/{run_id}/progress")


@router.get("/ui/plans/{run_id}")
def plan_detail(
    page: Page, session: SessionDep, now: NowDep, run_id: int, crew: int | None = None
) -> Response:
    user = page.require_user()
    run = planning.get_run(session, run_id)
    crews = _crews_seen(session, user)
    if crew is None and not crews and run.crews:
        crew = int(next(iter(run.crews)))
    chosen = _pick_crew(session, user, crew, crews)
    proposal = planning.crew_proposal(session, run, chosen, now)
    latest = planning.latest_run_id(session)
    can_accept = works_for_crew(user, chosen.id) and not proposal.accepted and bool(proposal.days)
    return page.render(
        "plan.html",
        run=run,
        proposal=proposal,
        crews=crews,
        crew=chosen,
        can_accept=can_accept,
        latest=latest,
        cost_keys=("rent", "crew_days", "cast", "moves"),
    )


@router.post("/ui/plans/{run_id}/crews/{crew_id}/accept")
def accept_plan(
    page: Page,
    session: SessionDep,
    now: NowDep,
    run_id: int,
    crew_id: int,
    csrf: Csrf,
    release_unused: Annotated[bool, Form()] = False,
) -> Response:
    page.check_csrf(csrf)
    user = page.require_user()
    back = f"/ui/plans/{run_id}?crew={crew_id}"
    try:
        run = planning.get_run(session, run_id)
        crew = own_crew(session, user, crew_id)
        done = planning.accept(session, user, run, crew, now, release_unused=release_unused)
    except DomainError as exc:
        _refused(page, session, exc)
        return page.redirect(back)
    t = page.t
    placed, released = t.count(len(done.placed), "hold"), t.count(len(done.released), "unused_hold")
    page.store.add_flash("ok", t("done.accept", placed=placed, released=released))
    return page.redirect(f"/ui/bookings?crew={crew_id}")


# --- calendar feeds ---------------------------------------------------------------------------


def _feed_choices(session: SessionDep, user: User) -> tuple[list[Crew], list[FilmSet]]:
    """Crews the user may share (their own) and sets of the bases they manage."""
    return _crews_for(session, user), list(session.scalars(managed_sets_stmt(user)))


@router.get("/ui/feeds")
def feeds(page: Page, session: SessionDep) -> Response:
    """The user's feeds; right after "Create link", the new one's secret link, once."""
    user = page.require_user()
    crews, sets = _feed_choices(session, user)
    feeds = [(f, exports.feed_subject(session, f)) for f in exports.feeds_of(session, user)]
    token = page.store.take_once("feed_token")
    links = None
    if isinstance(token, str):
        https = f"{str(page.request.base_url).rstrip('/')}/feeds/{token}.ics"
        links = {"https": https, "webcal": "webcal://" + https.partition("://")[2]}
    return page.render("feeds.html", feeds=feeds, crews=crews, sets=sets, links=links)


@router.post("/ui/feeds")
def create_feed(
    page: Page,
    session: SessionDep,
    csrf: Csrf,
    subject: Annotated[str, Form(max_length=40, pattern=r"^(crew|set):\d+$")],
) -> Response:
    page.check_csrf(csrf)
    user = page.require_user()
    kind, _, ident = subject.partition(":")
    _, token = exports.create_feed(
        session, user, kind, int(ident) if kind == "crew" else None,
        int(ident) if kind == "set" else None,
    )  # fmt: skip
    # Post/redirect/get: reloading the page that shows the link creates no second feed.
    page.store.show_once("feed_token", token)
    return page.redirect("/ui/feeds")


@router.post("/ui/feeds/{feed_id}/revoke")
def revoke_feed(page: Page, session: SessionDep, now: NowDep, feed_id: int, csrf: Csrf) -> Response:
    page.check_csrf(csrf)
    user = page.require_user()
    exports.revoke_feed(session, user, feed_id, now)
    page.store.add_flash("ok", page.t("feeds.done_revoke"))
    return page.redirect("/ui/feeds")


# --- notices: the inbox and settings -------------------------------------------------------


@router.get("/ui/inbox")
def inbox(page: Page, session: SessionDep) -> Response:
    user = page.require_user()
    rows = session.scalars(notices.inbox_stmt(user).limit(200)).all()
    items = [notice_out(r, page.lang) for r in rows]
    return page.render("inbox.html", items=items, unread=page.unread())


@router.post("/ui/inbox/read-all")
def inbox_read_all(page: Page, session: SessionDep, now: NowDep, csrf: Csrf) -> Response:
    page.check_csrf(csrf)
    notices.mark_all_read(session, page.require_user(), now)
    page.store.add_flash("ok", page.t("inbox.done_read"))
    return page.redirect("/ui/inbox")


@router.post("/ui/inbox/{notice_id}/read")
def inbox_read(
    page: Page, session: SessionDep, now: NowDep, notice_id: uuid.UUID, csrf: Csrf
) -> Response:
    page.check_csrf(csrf)
    notices.mark_read(own_notice(session, page.require_user(), notice_id), now)
    return page.redirect("/ui/inbox")


def _settings_page(
    page: PageContext, session: SessionDep, user: User, secret: str | None = None
) -> Response:
    hooks = []
    for hook in session.scalars(
        select(WebhookSubscription).where(webhooks_scope(user)).order_by(WebhookSubscription.id)
    ):
        log = session.scalars(
            select(NoticeDelivery)
            .where(NoticeDelivery.subscription_id == hook.id)
            .order_by(NoticeDelivery.created_at.desc())
            .limit(10)
        ).all()
        hooks.append((hook, log))
    prefs = get_preferences(session, user)
    return page.render("settings.html", prefs=prefs, hooks=hooks, secret=secret, kinds=NOTICE_KINDS)


@router.get("/ui/settings")
def settings_page(page: Page, session: SessionDep) -> Response:
    return _settings_page(page, session, page.require_user())


@router.post("/ui/settings")
def save_settings(
    page: Page,
    session: SessionDep,
    csrf: Csrf,
    language: Annotated[str, Form(pattern="^(zh|en)$")] = "zh",
    email: Annotated[str, Form(max_length=254, pattern=r"^([^@\s\x00]+@[^@\s\x00]+)?$")] = "",
    email_enabled: Annotated[bool, Form()] = False,
) -> Response:
    page.check_csrf(csrf)
    user = page.require_user()
    notices.set_preferences(
        session,
        user,
        {"language": language, "email": email.strip(), "email_enabled": email_enabled},
    )
    page.store.add_flash("ok", page.t("settings.saved"))
    return page.redirect("/ui/settings")


@router.post("/ui/settings/webhooks")
def add_webhook(
    page: Page,
    session: SessionDep,
    csrf: Csrf,
    url: Annotated[str, Form(max_length=2000)],
    kinds: Annotated[list[str] | None, Form()] = None,
) -> Response:
    page.check_csrf(csrf)
    user = page.require_user()
    chosen = [k for k in kinds or [] if k in NOTICE_KINDS]
    if not chosen:
        raise InvalidInput("kinds: choose at least one kind of notice.")
    hook = webhooks.create(session, user.id, url.strip(), chosen)
    return _settings_page(page, session, user, secret=hook.secret)


@router.post("/ui/settings/webhooks/{webhook_id}/delete")
def delete_webhook(page: Page, session: SessionDep, webhook_id: int, csrf: Csrf) -> Response:
    page.check_csrf(csrf)
    session.delete(own_webhook(session, page.require_user(), webhook_id))
    page.store.add_flash("ok", page.t("settings.deleted"))
    return page.redirect("/ui/settings")


# --- anything else under /ui/ ------------------------------------------------------------------


@router.get("/ui")
def ui_without_slash() -> Response:
    return RedirectResponse("/ui/", status_code=303)


# Registered last: every /ui/ address no page answers (or not with this method) is a page
# in the reader's language, not the API's JSON.
@router.api_route("/ui/{rest:path}", methods=["GET", "HEAD", "POST"])
def unknown_page(page: Page, rest: str) -> Response:
    return page.render(
        "error.html",
        status_code=404,
        title_key="error.no_page_title",
        detail=page.t("error.no_page"),
        keep_flash=True,
    )
