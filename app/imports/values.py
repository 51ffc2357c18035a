"""How breakdowns and scripts write a scene's values, read into Backlot's.

Every reader (spreadsheet, Fountain, Final Draft) turns its text into the same values here:
INT/EXT from 内/外 or INT./EXT., DAY/NIGHT from 日/夜, pages and eighths from "1 3/8", a
scene number with its episode ("3-12A"), cast names compared the way people read them.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from app.schemas import MAX_DATE, MIN_DATE

SCENE_NUMBER = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-/]{0,15}\Z")
TAG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}\Z")
MAX_MINUTES = 60 * 24 * 60
MAX_EIGHTHS = 8 * 200


class BadValue(ValueError):
    """A cell or heading that cannot be read: a problem code and the value as written."""

    def __init__(self, code: str, value: object = "", **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = {"value": _shown(value), **params}


def _shown(value: object) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def text_of(value: object) -> str:
    """A cell as text: NFKC (full-width digits and letters become ASCII), trimmed; a whole
    float written by a spreadsheet ("12.0") as the integer it is."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    return unicodedata.normalize("NFKC", str(value)).replace("\x00", "").strip()


def name_key(name: str) -> str:
    """Names compared as people read them: width, case and spaces do not matter."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in folded if not ch.isspace())


def canonical_number(number: str) -> str:
    """Scene numbers compared as people read them: 3-012a is 3-12A."""
    upper = unicodedata.normalize("NFKC", number).strip().upper()
    return re.sub(r"\d+", lambda m: str(int(m.group())), upper)


_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}  # fmt: skip
_EPISODE_PREFIX = re.compile(r"^(?:第|EP\.?|EPISODE)\s*", re.IGNORECASE)
_SCENE_PREFIX = re.compile(r"^(?:第|SC\.?|SCENE)\s*", re.IGNORECASE)


def _chinese_numeral(text: str) -> str:
    """一 .. 九十九 as digits (第十二场 is scene 12); anything else unchanged."""
    if not text or any(ch not in _CN_DIGITS and ch != "十" for ch in text):
        return text
    if "十" not in text:
        return "".join(str(_CN_DIGITS[ch]) for ch in text)
    tens, _, ones = text.partition("十")
    value = (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return str(value)


def episode_of(value: object) -> str | None:
    """An episode (集) as written: 3, 03, 第3集, 第三集, EP3; None when empty."""
    text = text_of(value)
    if not text:
        return None
    core = _chinese_numeral(_EPISODE_PREFIX.sub("", text).removesuffix("集").strip())
    if not re.fullmatch(r"[0-9A-Za-z]{1,6}", core):
        raise BadValue("bad_episode", text)
    return canonical_number(core)


def scene_number(value: object, episode: str | None = None) -> str:
    """The scene's number in Backlot: the episode first when there is one (3-12A)."""
    text = text_of(value)
    core = _SCENE_PREFIX.sub("", text).removesuffix("场").strip()
    core = canonical_number(_chinese_numeral(core).replace(" ", ""))
    if episode and not core.startswith(f"{episode}-"):
        core = f"{episode}-{core}"
    if not SCENE_NUMBER.match(core):
        raise BadValue("bad_number", text)
    return core


INTERIOR = {"INT", "I", "内", "内景", "室内", "棚", "棚内", "INTERIOR"}
EXTERIOR = {"EXT", "E", "外", "外景", "室外", "EXTERIOR", "EST"}
BOTH = {"INT/EXT", "EXT/INT", "I/E", "E/I", "INTEXT", "内/外", "外/内", "内外", "内外景", "内外景/"}


def int_ext_of(value: object) -> tuple[str, bool]:
    """INT or EXT, and whether the text said both (an INT./EXT. scene plans as EXT: part of
    it is outside, so it needs the weather)."""
    raw = text_of(value)
    text = raw.upper().replace(".", "").replace(" ", "").replace("／", "/")
    if text in INTERIOR:
        return "INT", False
    if text in EXTERIOR:
        return "EXT", False
    if text in BOTH:
        return "EXT", True
    raise BadValue("bad_int_ext", raw)


DAY = {"DAY", "D", "日", "白天", "昼", "晨", "清晨", "早", "早晨", "上午", "中午", "午", "下午",
       "MORNING", "AFTERNOON", "NOON", "DAWN", "SUNRISE", "日景", "日戏"}  # fmt: skip
NIGHT = {"NIGHT", "N", "夜", "晚", "夜晚", "晚上", "傍晚", "黄昏", "深夜", "凌晨", "午夜",
         "EVENING", "DUSK", "SUNSET", "MIDNIGHT", "夜景", "夜戏"}  # fmt: skip
# A heading that continues the previous scene's time.
SAME_TIME = {"CONTINUOUS", "CONT", "LATER", "MOMENTSLATER", "SAME", "SAMETIME", "连续", "同时",
             "稍后", "接上"}  # fmt: skip


def day_night_of(value: object) -> str:
    raw = text_of(value)
    text = raw.upper().replace(".", "").replace(" ", "")
    if text in DAY:
        return "DAY"
    if text in NIGHT:
        return "NIGHT"
    raise BadValue("bad_day_night", raw)


_PAGES = re.compile(r"^(?:(\d{1,3})(?:\s+|\s*\+\s*))?(\d)\s*/\s*8$")


def eighths_of(value: object) -> int:
    """A length in pages as eighths: "1 3/8" is 11, "3/8" is 3, 1.5 is 12, "2页" is 16."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        text = text_of(value).removesuffix("页").replace("pages", "").replace("page", "").strip()
        m = _PAGES.match(text)
        if m:
            whole, part = int(m.group(1) or 0), int(m.group(2))
            if part >= 8:
                raise BadValue("bad_pages", value)
            return _eighths_bound(whole * 8 + part, value)
        try:
            number = float(Fraction(text)) if "/" in text else float(text)
        except (ValueError, ZeroDivisionError) as exc:
            raise BadValue("bad_pages", value) from exc
    if not math.isfinite(number) or number < 0:
        raise BadValue("bad_pages", value)
    return _eighths_bound(round(number * 8), value)


def _eighths_bound(eighths: int, value: object) -> int:
    if not 0 <= eighths <= MAX_EIGHTHS:
        raise BadValue("bad_pages", value)
    return eighths


def pages_text(eighths: int) -> str:
    whole, rest = divmod(eighths, 8)
    if not rest:
        return str(whole)
    return f"{whole} {rest}/8" if whole else f"{rest}/8"


_MINUTES = re.compile(r"^(\d{1,5})\s*(?:分钟|分|MIN|MINS|MINUTES|M|')?$", re.IGNORECASE)
_CLOCK = re.compile(r"^(\d{1,3}):(\d{2})$")
_HOURS = re.compile(r"^(\d{1,3})\s*(?:小时|H|HOURS?)\s*(?:(\d{1,2})\s*(?:分钟|分|MIN|M)?)?$",
                    re.IGNORECASE)  # fmt: skip


def minutes_of(value: object) -> int:
    """Shooting minutes: 45, "45分钟", "1:30", "1小时30分"."""
    if isinstance(value, float) and not value.is_integer():
        minutes = math.ceil(value)
    else:
        text = text_of(value)
        if m := _MINUTES.match(text):
            minutes = int(m.group(1))
        elif m := _CLOCK.match(text):
            minutes = int(m.group(1)) * 60 + int(m.group(2))
        elif m := _HOURS.match(text):
            minutes = int(m.group(1)) * 60 + int(m.group(2) or 0)
        else:
            raise BadValue("bad_minutes", value)
    if not 1 <= minutes <= MAX_MINUTES:
        raise BadValue("bad_minutes", value)
    return minutes


def minutes_for(eighths: int, minutes_per_page: int) -> int:
    """Shooting minutes for a length in eighths of a page, at the crew's rate (at least 1)."""
    return max(1, min(MAX_MINUTES, math.ceil(eighths * minutes_per_page / 8)))


def count_of(value: object) -> int:
    """A head count: 20, "20人", "约20"; "20-30人" plans for the most (30)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value < 0 or not float(value).is_integer() or value > 100_000:
            raise BadValue("bad_count", value)
        return int(value)
    text = text_of(value)
    numbers = [int(n) for n in re.findall(r"\d{1,6}", text)]
    if not numbers or re.search(r"[A-Za-z]", text) or max(numbers) > 100_000:
        raise BadValue("bad_count", value)
    return max(numbers)


_DATE_FORMS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
)


def date_of(value: object) -> date:
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        text = text_of(value).split(" ")[0]
        for form in _DATE_FORMS:
            if m := form.match(text):
                try:
                    day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                except ValueError as exc:
                    raise BadValue("bad_date", value) from exc
                break
        else:
            raise BadValue("bad_date", value)
    if not MIN_DATE <= day <= MAX_DATE:
        raise BadValue("bad_date", value)
    return day


_LIST_SEPARATORS = re.compile(r"[,，、;；/\n|]+")


def list_of(value: object) -> list[str]:
    """A cell listing several things: comma, 、, semicolon, slash or one per line."""
    seen: dict[str, str] = {}
    for part in _LIST_SEPARATORS.split(text_of(value)):
        item = part.strip()
        if item:
            seen.setdefault(name_key(item), item)
    return list(seen.values())


def words_of(value: object) -> list[str]:
    """A cell of words, lowercased, sorted and once each: spaces, commas, 、, semicolons,
    slashes or bars between them."""
    return sorted({p for p in re.split(r"[\s,，、;；/|]+", text_of(value).lower()) if p})


def tags_of(value: object) -> list[str]:
    tags = words_of(value)
    for tag in tags:
        if not TAG.match(tag):
            raise BadValue("bad_tag", tag)
    return tags
