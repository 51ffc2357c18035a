"""Small factory functions for test data, written straight through the ORM."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from app.db import transaction
from app.models import Base, Blackout, Crew, FilmSet, SetTag
from app.timeutil import today_local
from app.users.service import create_user


def day(offset: int) -> date:
    """A date ``offset`` days from today in Asia/Shanghai."""
    return today_local() + timedelta(days=offset)


def iso(offset: int) -> str:
    return day(offset).isoformat()


def long_text(n: int) -> str:
    """``n`` characters that do not compress, as a real reason written in Chinese would not."""
    pick = random.Random(n)
    return "".join(
        chr(pick.randrange(0x4E00, 0x9FA5)) if pick.random() < 0.8 else pick.choice(" ,.;abc123")
        for _ in range(n)
    )


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@dataclass
class World:
    """Two bases, sets on each, three crews, a user per role and scope."""

    base_a: int
    base_b: int
    set_a1: int
    set_a2: int
    set_b1: int
    crew1: int
    crew2: int
    crew3: int
    admin: str
    manager_a: str
    manager_b: str
    coord1: str
    coord2: str
    coord3: str

    def key_for(self, crew_id: int) -> str:
        return {self.crew1: self.coord1, self.crew2: self.coord2, self.crew3: self.coord3}[crew_id]


def make_base(session: Session, code: str, ttl: int = 168, challenge: int = 48) -> Base:
    base = Base(
        code=code,
        name_zh=f"基地{code}",
        name_en=f"Base {code}",
        hold_ttl_hours=ttl,
        challenge_hours=challenge,
    )
    session.add(base)
    session.flush()
    return base


def make_set(
    session: Session,
    base: Base,
    code: str,
    rate: int = 10000,
    tags: tuple[str, ...] = ("street", "exterior"),
    kind: str = "backlot",
) -> FilmSet:
    film_set = FilmSet(
        base_id=base.id,
        code=code,
        name_zh=f"景{code}",
        name_en=f"Set {code}",
        kind=kind,
        day_rate=rate,
    )
    film_set.tag_rows = [SetTag(tag=t) for t in tags]
    session.add(film_set)
    session.flush()
    return film_set


def make_crew(session: Session, code: str, start: int = -5, end: int = 200) -> Crew:
    crew = Crew(
        code=code,
        name=f"Production {code}",
        company="Test Films",
        licence_no="X-1",
        window_start=day(start),
        window_end=day(end),
        day_cost=100000,
        max_minutes_per_day=720,
    )
    session.add(crew)
    session.flush()
    return crew


def make_blackout(session: Session, set_id: int, start: int, end: int) -> Blackout:
    blackout = Blackout(
        set_id=set_id, start_date=day(start), end_date=day(end), reason="maintenance"
    )
    session.add(blackout)
    session.flush()
    return blackout


def make_world(ttl: int = 168, challenge: int = 48) -> World:
    with transaction() as s:
        a = make_base(s, "AAA", ttl, challenge)
        b = make_base(s, "BBB", ttl, challenge)
        a1 = make_set(s, a, "AAA-1", 10000, ("street", "exterior", "republic-era"))
        a2 = make_set(s, a, "AAA-2", 0, ("palace", "interior"))
        b1 = make_set(s, b, "BBB-1", 30000, ("stage", "interior"), kind="stage")
        c1, c2, c3 = make_crew(s, "C1"), make_crew(s, "C2"), make_crew(s, "C3")
        keys = {
            "admin": create_user(s, "admin", "admin")[1],
            "manager_a": create_user(s, "manager A", "base_manager", ["AAA"])[1],
            "manager_b": create_user(s, "manager B", "base_manager", ["BBB"])[1],
            "coord1": create_user(s, "coord 1", "coordinator", crews=["C1"])[1],
            "coord2": create_user(s, "coord 2", "coordinator", crews=["C2"])[1],
            "coord3": create_user(s, "coord 3", "coordinator", crews=["C3"])[1],
        }
        return World(a.id, b.id, a1.id, a2.id, b1.id, c1.id, c2.id, c3.id, **keys)
