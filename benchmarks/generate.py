"""Seeded generator of Hengdian-like planning problems (exchange-format JSON dicts).

Four sizes follow the optimizer issue: small (3 crews, ~60 scenes, ~20 sets,
30 days), medium (10, ~300, ~50, 60), large (40, ~1,200, ~120, 90) and xl
(100, ~4,000, ~300, 120); ``solo`` is one crew with 800 scenes over 60 sets
and 200 days (the time-limit test: one crew too big for any single model).
What makes them Hengdian-like:

- bases of Hengdian World Studios a short drive apart (travel 3,000-12,000
  yuan), open-air sets free of charge, sound stages and dressed interiors
  priced per day, maintenance days on every set;
- productions of one era each (qin-han, tang, song, ming-qing, republic-era,
  modern) whose scripts keep returning to a handful of story places, each a
  tag requirement that several sets of the right era can meet;
- casts with leads in many scenes, one or two expensive stars (big names,
  often guest roles) in fewer, supporting actors in some and day players in a
  few; stars have other commitments (unavailable days);
- other productions' confirmed days on popular sets (``fixed``, crews not in
  the problem), a few confirmed days of the problem's own crews, a few
  multi-day scenes (battles, stunts), continuity chains (``after``), crew
  windows, and earliest/latest dates on some scenes.

Two versions of the planning spec: ``version=1`` (the default) has no night
scenes and no confirmed days of the problem's own crews; ``version=2`` adds
night scenes (about 40 % of the exterior scenes and 15 % of the others, a
quarter overall) and the crews' own confirmed bookings (about half the crews
booked a set of one of their story places for two to five days, plus the
single confirmed first day some crews have). Version 2 draws its additions
from a random stream of its own, so both versions share everything else.

Usage: ``python -m benchmarks.generate large --seed 3 --version 2 -o large-3.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

START = date(2027, 3, 1)


@dataclass(frozen=True)
class Size:
    crews: int
    scenes: int
    sets: int
    days: int


SIZES: dict[str, Size] = {
    "small": Size(crews=3, scenes=60, sets=20, days=30),
    "medium": Size(crews=10, scenes=300, sets=50, days=60),
    "large": Size(crews=40, scenes=1200, sets=120, days=90),
    "xl": Size(crews=100, scenes=4000, sets=300, days=120),
    "solo": Size(crews=1, scenes=800, sets=60, days=200),
}

ERAS = ("qin-han", "tang", "song", "ming-qing", "republic-era", "modern")

# (base id, name, eras it serves, open-air set types)
BASES: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("QWG", "秦王宫 Qin Palace", ("qin-han",), ("palace", "square", "city-wall", "street")),
    (
        "MQG",
        "明清宫苑 Ming-Qing Palace",
        ("ming-qing",),
        ("palace", "courtyard", "street", "garden"),
    ),
    ("QMS", "清明上河图 Qingming Riverside", ("song", "tang"), ("street", "market", "bridge")),
    (
        "JNS",
        "江南水乡 Jiangnan Water Town",
        ("ming-qing", "republic-era"),
        ("water-town", "street"),
    ),
    ("DZS", "大智禅寺 Dazhi Temple", ("tang", "song", "ming-qing"), ("temple", "courtyard")),
    (
        "GZJ",
        "广州街·香港街 Guangzhou & Hong Kong Streets",
        ("republic-era", "modern"),
        ("street", "harbour", "market"),
    ),
    ("MWT", "梦外滩 Dream Bund", ("republic-era", "modern"), ("street", "bund", "office")),
    ("YMY", "圆明新园 New Yuanming Garden", ("ming-qing",), ("garden", "palace")),
    ("PYD", "屏岩洞府 Pingyan Caves", ("qin-han", "tang", "song"), ("mountain", "cave")),
    ("STG", "横店影视产业园 Sound Stages", ERAS, ()),
)

INTERIOR_TYPES: dict[str, tuple[str, ...]] = {
    "qin-han": ("palace", "residence", "tavern"),
    "tang": ("palace", "residence", "tavern", "temple"),
    "song": ("residence", "tavern", "shop"),
    "ming-qing": ("palace", "residence", "courtyard", "shop"),
    "republic-era": ("office", "residence", "ballroom", "shop"),
    "modern": ("office", "apartment", "hospital", "restaurant"),
}


def day(offset: int) -> str:
    return (START + timedelta(days=offset)).isoformat()


def generate(size: str | Size, seed: int, version: int = 1) -> dict[str, Any]:
    """One problem in the exchange format; the same (size, seed, version) gives the same dict."""
    spec = SIZES[size] if isinstance(size, str) else size
    rng = random.Random(f"backlot-{seed}-{spec}")
    bases, travel = _bases(rng)
    locations = _locations(rng, spec)
    crews, cast, scenes = _productions(rng, spec, locations)
    fixed = _fixed(rng, spec, locations, crews, scenes)
    crew_ids = {c["id"] for c in crews}
    if version == 1:
        fixed = [f for f in fixed if f["crew"] not in crew_ids]
    elif version == 2:
        extra = random.Random(f"backlot-v2-{seed}-{spec}")
        _nights(extra, scenes)
        fixed += _own_bookings(extra, locations, crews, scenes, fixed)
    else:
        raise ValueError(f"unknown spec version {version}")
    return {
        "horizon": {"start": day(0), "end": day(spec.days)},
        "same_base_move_cost": 2000,
        "unscheduled_penalty": 10_000_000,
        "bases": bases,
        "travel": travel,
        "locations": locations,
        "crews": crews,
        "cast": cast,
        "scenes": scenes,
        "fixed": fixed,
    }


def _bases(rng: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    bases = [{"id": b, "name": name} for b, name, _, _ in BASES]
    travel = []
    for i, (a, *_rest) in enumerate(BASES):
        for b, *_more in BASES[i + 1 :]:
            # The town's bases are all a short drive apart.
            travel.append({"from": a, "to": b, "cost": rng.randrange(3000, 12001, 500)})
    return bases, travel


def _locations(rng: random.Random, spec: Size) -> list[dict[str, Any]]:
    """Sets: open-air ones (free) at every base, dressed interiors and priced stages."""
    templates: list[tuple[str, list[str], int]] = []  # (base, tags, day_rate)
    for base, _, eras, outdoor in BASES:
        for kind in outdoor:
            for era in eras:
                templates.append((base, [era, kind, "exterior"], 0))
        if base != "STG":
            for era in eras:
                for kind in INTERIOR_TYPES[era][:2]:
                    templates.append(
                        (base, [era, kind, "interior"], rng.randrange(3000, 15001, 1000))
                    )
    for era in ERAS:
        for kind in INTERIOR_TYPES[era]:
            templates.append(
                ("STG", [era, kind, "interior", "stage"], rng.randrange(20000, 80001, 5000))
            )
    rng.shuffle(templates)
    # Every template once (as far as the size allows), then popular ones again.
    chosen = templates[: spec.sets]
    while len(chosen) < spec.sets:
        chosen.append(rng.choice(templates))
    counter: dict[str, int] = {}
    locations = []
    for base, tags, rate in chosen:
        counter[base] = counter.get(base, 0) + 1
        n_off = rng.randint(0, 3) + (1 if "exterior" in tags else 0)
        off = sorted({day(rng.randrange(spec.days)) for _ in range(n_off)})
        locations.append(
            {
                "id": f"{base}-{counter[base]:02d}",
                "base": base,
                "tags": list(tags),
                "day_rate": rate,
                "unavailable": off,
            }
        )
    return locations


def _productions(
    rng: random.Random, spec: Size, locations: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    crews: list[dict[str, Any]] = []
    cast: list[dict[str, Any]] = []
    scenes: list[dict[str, Any]] = []
    tag_sets = [frozenset(loc["tags"]) for loc in locations]
    eras_present = [e for e in ERAS if any(e in t for t in tag_sets)]
    per_crew = _split(rng, spec.scenes, spec.crews)
    for c in range(spec.crews):
        crew_id = f"C{c + 1:03d}"
        era = rng.choice(eras_present)
        # Story places: requirements that at least one set of the era meets.
        options = sorted({tuple(sorted(t - {"stage"})) for t in tag_sets if era in t})
        places = rng.sample(options, min(len(options), rng.randint(4, 8)))
        weights = [1.0 / (i + 1) for i in range(len(places))]
        n_scenes = per_crew[c]
        max_minutes = rng.choice((600, 660, 720))
        minutes = [_scene_minutes(rng, max_minutes) for _ in range(n_scenes)]
        # Days of shooting the scenes need, with slack for sets that cannot share a day.
        need_days = 1.3 * sum(minutes) / max_minutes + 2
        length = min(spec.days, max(7, int(need_days * rng.uniform(1.8, 3.0))))
        first = rng.randrange(0, spec.days - length + 1)
        crews.append(
            {
                "id": crew_id,
                "window": {"start": day(first), "end": day(first + length)},
                "day_cost": rng.randrange(50000, 300001, 10000),
                "max_minutes_per_day": max_minutes,
            }
        )
        members = _cast(rng, crew_id, first, length)
        cast += [m for m, _ in members]
        crew_scenes: list[dict[str, Any]] = []
        for i in range(n_scenes):
            place = rng.choices(places, weights)[0]
            requires = [t for t in place if t not in ("interior", "exterior") or rng.random() < 0.8]
            in_scene = [m["id"] for m, share in members if rng.random() < share]
            scene: dict[str, Any] = {
                "id": f"{crew_id}-{i + 1:03d}",
                "crew": crew_id,
                "minutes": minutes[i],
                "requires": requires,
                "cast": in_scene,
                "earliest": None,
                "latest": None,
                "locations": None,
                "after": [],
            }
            roll = rng.random()
            if roll < 0.04:
                lo = first + rng.randrange(length // 2)
                scene["earliest"] = day(lo)
            elif roll < 0.08:
                scene["latest"] = day(first + length - 1 - rng.randrange(length // 3 + 1))
            crew_scenes.append(scene)
        # Continuity chains: a later scene of the same place must follow an earlier one.
        for i in range(1, n_scenes):
            if rng.random() < 0.08:
                j = rng.randrange(max(0, i - 6), i)
                crew_scenes[i]["after"] = [crew_scenes[j]["id"]]
        # A few scenes tied to one named set (a set dressed for the production).
        for scene in crew_scenes:
            if rng.random() < 0.04:
                fits = [
                    loc["id"] for loc in locations if set(scene["requires"]) <= set(loc["tags"])
                ]
                if fits:
                    scene["locations"] = [rng.choice(fits)]
        scenes += crew_scenes
    return crews, cast, scenes


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    weights = [rng.uniform(0.6, 1.4) for _ in range(parts)]
    scale = total / sum(weights)
    counts = [max(3, round(w * scale)) for w in weights]
    return counts


def _scene_minutes(rng: random.Random, max_minutes: int) -> int:
    if rng.random() < 0.025:
        # Battles and stunts that take several whole days.
        return max_minutes * rng.randint(2, 3) - rng.randrange(0, 120, 30)
    return rng.choice((30, 45, 60, 60, 90, 90, 120, 120, 150, 180, 240, 300))


def _cast(
    rng: random.Random, crew_id: str, first: int, length: int
) -> list[tuple[dict[str, Any], float]]:
    """Cast members with the share of scenes they appear in."""
    roles: list[tuple[str, int, float]] = []
    # Leads carry the story; stars (big names, often guest roles) cost most a day but
    # appear in fewer scenes.
    for _ in range(rng.randint(2, 3)):
        roles.append(("lead", rng.randrange(30000, 150001, 5000), rng.uniform(0.35, 0.7)))
    for _ in range(rng.randint(1, 2)):
        roles.append(("star", rng.randrange(200000, 600001, 10000), rng.uniform(0.08, 0.2)))
    for _ in range(rng.randint(3, 6)):
        roles.append(("support", rng.randrange(5000, 20001, 1000), rng.uniform(0.08, 0.25)))
    for _ in range(rng.randint(2, 5)):
        roles.append(("day", rng.randrange(1000, 5001, 500), rng.uniform(0.02, 0.08)))
    members = []
    for n, (role, cost, share) in enumerate(roles):
        off: list[str] = []
        if role == "star" and rng.random() < 0.7:
            # Another commitment: a few days in the middle of the window.
            a = first + rng.randrange(max(1, length))
            off = [day(a + i) for i in range(rng.randint(1, 3))]
        elif rng.random() < 0.15:
            off = [day(first + rng.randrange(max(1, length)))]
        members.append(
            (
                {
                    "id": f"{crew_id}-{role}{n + 1:02d}",
                    "crew": crew_id,
                    "day_cost": cost,
                    "unavailable": sorted(set(off)),
                },
                share,
            )
        )
    return members


def _fixed(
    rng: random.Random,
    spec: Size,
    locations: list[dict[str, Any]],
    crews: list[dict[str, Any]],
    scenes: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Other productions' confirmed days on popular sets, and a few of our crews'."""
    taken: set[tuple[str, str]] = set()
    fixed: list[dict[str, Any]] = []
    n_other = len(locations) * spec.days // 12
    for _ in range(n_other):
        loc = rng.choice(locations)
        start = rng.randrange(spec.days)
        other = f"EXT-{rng.randrange(1, 30):02d}"
        for i in range(rng.randint(1, 4)):
            if start + i >= spec.days:
                break
            key = (loc["id"], day(start + i))
            if key in taken or key[1] in loc["unavailable"]:
                continue
            taken.add(key)
            fixed.append({"location": key[0], "crew": other, "date": key[1]})
    for crew in crews:
        if rng.random() < 0.3:
            own = [s for s in scenes if s["crew"] == crew["id"]]
            scene = rng.choice(own)
            fits = [loc for loc in locations if set(scene["requires"]) <= set(loc["tags"])]
            if not fits:
                continue
            loc = rng.choice(fits)
            d = crew["window"]["start"]
            key = (loc["id"], d)
            if key not in taken and d not in loc["unavailable"]:
                taken.add(key)
                fixed.append({"location": key[0], "crew": crew["id"], "date": d})
    return fixed


def _nights(rng: random.Random, scenes: list[dict[str, Any]]) -> None:
    """Mark night scenes: exteriors most often (street fights, escapes), interiors less."""
    for scene in scenes:
        share = 0.4 if "exterior" in scene["requires"] else 0.15
        if rng.random() < share:
            scene["night"] = True


def _own_bookings(
    rng: random.Random,
    locations: list[dict[str, Any]],
    crews: list[dict[str, Any]],
    scenes: list[dict[str, Any]],
    fixed: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Sets the problem's crews confirmed themselves: a few consecutive days inside the
    window at a set one of their scenes fits, where nothing else stands."""
    taken = {(f["location"], f["date"]) for f in fixed}
    own_dates = {(f["crew"], f["date"]) for f in fixed}
    by_crew: dict[str, list[dict[str, Any]]] = {}
    for scene in scenes:
        by_crew.setdefault(scene["crew"], []).append(scene)
    added: list[dict[str, Any]] = []
    for crew in crews:
        if rng.random() >= 0.5 or not by_crew.get(crew["id"]):
            continue
        scene = rng.choice(by_crew[crew["id"]])
        fits = [loc for loc in locations if set(scene["requires"]) <= set(loc["tags"])]
        if not fits:
            continue
        loc = rng.choice(fits)
        first = date.fromisoformat(crew["window"]["start"])
        length = (date.fromisoformat(crew["window"]["end"]) - first).days
        n_days = rng.randint(2, 5)
        start = rng.randrange(max(1, length - n_days + 1))
        for i in range(min(n_days, length - start)):
            d = (first + timedelta(days=start + i)).isoformat()
            key = (loc["id"], d)
            if key in taken or d in loc["unavailable"] or (crew["id"], d) in own_dates:
                continue
            taken.add(key)
            own_dates.add((crew["id"], d))
            added.append({"location": loc["id"], "crew": crew["id"], "date": d})
    return added


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", choices=sorted(SIZES))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--version", type=int, choices=(1, 2), default=1, help="spec version")
    parser.add_argument("-o", "--output", help="file to write (default: standard output)")
    args = parser.parse_args(argv)
    text = json.dumps(generate(args.size, args.seed, args.version), ensure_ascii=False, indent=1)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
