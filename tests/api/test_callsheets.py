"""Call sheets: sunrise and sunset, the sheet built from firm days only, who may read it,
the .xlsx download and the crew feed's events (both databases)."""

from __future__ import annotations

import io
from datetime import date, time
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from openpyxl import load_workbook
from sqlalchemy import select

from app.bookings.service import place
from app.callsheets.sun import sun_times
from app.crews.service import create_cast, create_scene, get_crew
from app.db import transaction
from app.exports.service import create_feed
from app.models import Base, FilmSet, PlanRun, Proposal, Scene, User, utcnow
from tests.api.test_access import assert_problem
from tests.factories import World, auth, day

SHANGHAI = ZoneInfo("Asia/Shanghai")


# --- sunrise and sunset ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "sunrise", "sunset"),
    [
        # Reference: Meeus's algorithm as implemented by the astral package (3.2), Hengdian
        # 29.16 N 120.31 E, Asia/Shanghai: 05:00:20 / 19:00:35 at the June solstice, 06:48:22
        # / 17:04:43 at the December one, 06:03:38 / 18:09:31 at the March equinox.
        (date(2027, 6, 21), time(5, 0, 20), time(19, 0, 35)),
        (date(2027, 12, 21), time(6, 48, 22), time(17, 4, 43)),
        (date(2027, 3, 20), time(6, 3, 38), time(18, 9, 31)),
    ],
)
def test_sunrise_and_sunset_at_hengdian_within_a_minute(
    on: date, sunrise: time, sunset: time
) -> None:
    found = sun_times(on, 29.16, 120.31, SHANGHAI)
    assert found.sunrise is not None and found.sunset is not None
    for got, want in ((found.sunrise, sunrise), (found.sunset, sunset)):
        assert got.date() == on and got.utcoffset() == SHANGHAI.utcoffset(got.replace(tzinfo=None))
        seconds = abs(
            (got.hour * 3600 + got.minute * 60 + got.second)
            - (want.hour * 3600 + want.minute * 60 + want.second)
        )
        assert seconds <= 60, (got, want)


def test_sun_far_from_the_base_and_in_polar_day() -> None:
    """West of Greenwich the local date is not the UTC date; beyond the Arctic circle in June
    the sun never sets."""
    ny = sun_times(date(2027, 6, 21), 40.71, -74.0, ZoneInfo("America/New_York"))
    assert ny.sunrise is not None and ny.sunset is not None
    assert (ny.sunrise.hour, ny.sunrise.minute) in ((5, 24), (5, 25))
    assert (ny.sunset.hour, ny.sunset.minute) in ((20, 30), (20, 31))
    assert ny.sunset.date() == date(2027, 6, 21)
    polar = sun_times(date(2027, 6, 21), 78.2, 15.6, ZoneInfo("Europe/Oslo"))
    assert polar.sunrise is None and polar.sunset is None


# --- the sheet -------------------------------------------------------------------------------


def make_days(world: World) -> dict[str, int]:
    """Crew C1: a confirmed day on AAA-1 (day 10, two scenes), an accepted proposal on AAA-2
    (day 11, a hold), a mere proposal on day 12 (no call sheet)."""
    with transaction() as s:
        base = s.get(Base, world.base_a)
        assert base is not None
        base.latitude, base.longitude = 29.16, 120.31
        base.address = "浙江省东阳市横店镇 Hengdian, Dongyang, Zhejiang"
        a1 = s.get(FilmSet, world.set_a1)
        assert a1 is not None
        a1.address, a1.notes = "万盛南街 1 号", '=HYPERLINK("http://x") park at gate 3'
        crew = get_crew(s, world.crew1)
        crew.call_time = time(6, 30)
        lead = create_cast(s, crew, "=lead", 100000, [])
        lead.makeup_minutes = 120
        second = create_cast(s, crew, "配角 Support", 1000, [])

        def scene(number: str, ie: str, dn: str, cast: list[int], extras: int) -> Scene:
            found = create_scene(
                s,
                crew,
                {"number": number, "int_ext": ie, "day_night": dn, "minutes": 60,
                 "page_eighths": 11, "cast": cast, "description": f"scene {number}"},
            )  # fmt: skip
            found.extras = extras
            return found

        night = scene("7", "EXT", "NIGHT", [lead.id], 40)
        morning = scene("3", "INT", "DAY", [lead.id, second.id], 5)
        for sc in (night, morning):
            sc.pinned_date, sc.pinned_set_id, sc.status = day(10), world.set_a1, "scheduled"
        accepted = scene("9", "INT", "DAY", [second.id], 0)
        proposed = scene("12", "EXT", "DAY", [second.id], 100)
        run = PlanRun(status="succeeded", params={})
        s.add(run)
        s.flush()
        s.add(
            Proposal(run_id=run.id, crew_id=crew.id, scene_id=accepted.id, set_id=world.set_a2,
                     date=day(11), days=1, accepted_at=utcnow())
        )  # fmt: skip
        accepted.pinned_date, accepted.pinned_set_id = day(11), world.set_a2
        s.add(
            Proposal(run_id=run.id, crew_id=crew.id, scene_id=proposed.id, set_id=world.set_a2,
                     date=day(12), days=1)
        )  # fmt: skip
        actor = s.scalars(select(User).where(User.role == "admin")).one()
        now = utcnow()
        place(s, actor, crew, world.set_a1, day(10), day(11), confirm_now=True, note="", now=now)
        place(s, actor, crew, world.set_a2, day(11), day(12), confirm_now=False, note="", now=now)
        return {"lead": lead.id, "second": second.id}


def test_a_call_sheet_from_confirmed_and_accepted_days_only(
    client: TestClient, world: World
) -> None:
    cast = make_days(world)
    r = client.get(f"/crews/{world.crew1}/callsheets/{day(10)}", headers=auth(world.coord1))
    assert r.status_code == 200, r.text
    sheet = r.json()
    assert (sheet["day_number"], sheet["days_total"]) == (1, 2)
    assert sheet["call_time"] == "06:30"
    assert sheet["sunrise"] and sheet["sunset"] and sheet["sunrise"] < sheet["sunset"]
    (where,) = sheet["places"]
    assert where["set_code"] == "AAA-1" and where["booking"] == "confirmed"
    assert where["base_address"].startswith("浙江省东阳市横店镇")
    # Shooting order within a place: day before night.
    assert [s["number"] for s in sheet["scenes"]] == ["3", "7"]
    assert [s["pages"] for s in sheet["scenes"]] == ["1 3/8", "1 3/8"]
    assert sheet["extras"] == 45 and sheet["page_eighths"] == 22
    calls = {c["cast_id"]: c for c in sheet["cast"]}
    assert calls[cast["lead"]]["makeup_at"] == "04:30"  # 06:30 less 120 minutes
    assert calls[cast["second"]]["makeup_at"] == "05:00"  # the default 90 minutes
    assert calls[cast["lead"]]["on_set_at"] == "06:30"
    assert calls[cast["lead"]]["scenes"] == ["3", "7"]
    assert sheet["notes"] == ['AAA-1: =HYPERLINK("http://x") park at gate 3']

    accepted = client.get(f"/crews/{world.crew1}/callsheets/{day(11)}", headers=auth(world.coord1))
    assert accepted.status_code == 200
    body = accepted.json()
    assert body["day_number"] == 2 and body["places"][0]["booking"] == "hold"
    # A mere proposal makes no call sheet; the crew's own coordinator is told why.
    missing = client.get(f"/crews/{world.crew1}/callsheets/{day(12)}", headers=auth(world.coord1))
    assert "no call sheet" in assert_problem(missing, 404)["detail"]


def test_who_reads_a_call_sheet(client: TestClient, world: World) -> None:
    make_days(world)
    path = f"/crews/{world.crew1}/callsheets/{day(10)}"
    for key, status in [
        (world.admin, 200),
        (world.coord1, 200),
        (world.manager_a, 200),  # the crew shoots on her base that day
        (world.manager_b, 404),
        (world.coord2, 404),
    ]:
        r = client.get(path, headers=auth(key))
        if status == 200:
            assert r.status_code == 200, r.text
        else:
            body = assert_problem(r, 404)
            assert "Production C1" not in body["detail"]
    assert_problem(client.get(path), 401)
    # A manager of a base where the crew does not shoot that day: 404, never "no sheet".
    day_off = f"/crews/{world.crew1}/callsheets/{day(12)}"
    assert assert_problem(client.get(day_off, headers=auth(world.manager_a)), 404)["detail"] == (
        "Call sheet not found."
    )


def test_call_sheet_xlsx_in_both_languages_with_formulas_as_text(
    client: TestClient, world: World
) -> None:
    make_days(world)
    for lang, title in (("zh", "通告单"), ("en", "Call sheet")):
        r = client.get(
            f"/crews/{world.crew1}/callsheets/{day(10)}.xlsx",
            params={"lang": lang},
            headers=auth(world.coord1),
        )
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
        assert "attachment" in r.headers["content-disposition"]
        book = load_workbook(io.BytesIO(r.content))
        ws = book.active
        assert ws is not None
        cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
        texts = [str(c.value) for c in cells]
        assert texts[0].startswith(title)
        assert "06:30" in texts and "04:30" in texts
        # Nothing the sheet holds runs as a formula.
        assert not any(c.data_type == "f" for c in cells)
        # The cast member named "=lead" has a cell of their own: written as text.
        assert "'=lead" in texts
        assert not any(t.startswith("=") for t in texts)
    assert_problem(
        client.get(
            f"/crews/{world.crew1}/callsheets/{day(10)}.xlsx", headers=auth(world.manager_b)
        ),
        404,
    )


def test_crew_feed_events_carry_the_call_sheet(client: TestClient, world: World) -> None:
    make_days(world)
    with transaction() as s:
        creator = s.scalars(select(User).where(User.name == "coord 1")).one()
        _, token = create_feed(s, creator, "crew", world.crew1, None)
    r = client.get(f"/feeds/{token}.ics")
    assert r.status_code == 200
    events = {
        str(e["uid"]): str(e["description"]) for e in Calendar.from_ical(r.content).walk("VEVENT")
    }
    confirmed = next(d for d in events.values() if "Call sheet" in d and "06:30" in d)
    assert "Day 1 of 2" in confirmed and "Sunrise" in confirmed
    assert "Sc. 3 INT DAY" in confirmed and "Sc. 7 EXT NIGHT" in confirmed
    assert "makeup 04:30" in confirmed and "Extras: 45" in confirmed
