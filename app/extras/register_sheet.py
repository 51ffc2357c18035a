"""The extras office's register as a sheet (Excel or CSV): one row per performer, headers in
Chinese or English, read into performers checked by the rules of one typed in
(``PerformerCreate``), each problem at its row and column in words the office reads.

A blank cell gives nothing: applying leaves that field of a registered performer as it is
(a new performer gets the register's default). Name, gender and guild card number are on
every row; a card number twice in the file is a problem. Cells are values, never formulas:
a cell written "=1+2" in a CSV is the text "=1+2" (a workbook's formula cell reads as the
value Excel shows).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import chain, islice
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from app.extras.schemas import PerformerCreate
from app.imports import values as v
from app.imports.files import Subject
from app.imports.messages import Problem
from app.imports.tables import HEADER_SCAN_ROWS, Column, Layout, RowReader
from app.imports.template import workbook

COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", "Name", ("姓名", "名字", "演员姓名", "群演姓名", "name", "fullname")),
    Column("gender", "性别", "Gender", ("性别", "gender", "sex")),
    Column(
        "birth_year",
        "出生年份",
        "Birth year",
        ("出生年份", "出生年", "出生", "出生日期", "birthyear", "yearofbirth", "born"),
    ),
    Column("height_cm", "身高（厘米）", "Height (cm)", ("身高", "height", "heightcm")),
    Column(
        "card_no",
        "演员证号",
        "Card no.",
        (
            "演员证号",
            "工会证号",
            "证号",
            "演员证",
            "工会证",
            "群演证号",
            "cardno",
            "card",
            "guildcard",
            "guildcardno",
            "cardnumber",
            "guildcardnumber",
        ),
    ),
    Column(
        "phone",
        "电话",
        "Phone",
        (
            "电话",
            "手机",
            "手机号",
            "手机号码",
            "电话号码",
            "联系电话",
            "phone",
            "mobile",
            "tel",
            "telephone",
        ),
    ),
    Column("category", "类别", "Category", ("类别", "演员类别", "级别", "category")),
    Column("skills", "技能", "Skills", ("技能", "特长", "才艺", "skills", "skill")),
    Column("looks", "形象", "Looks", ("形象", "外形", "形象类型", "looks", "look", "types")),
    Column("dialects", "方言", "Dialects", ("方言", "口音", "dialects", "dialect")),
    Column(
        "wardrobe",
        "服装尺码",
        "Wardrobe sizes",
        ("服装尺码", "尺码", "服装", "wardrobe", "wardrobesize", "wardrobesizes", "sizes"),
    ),
    Column("status", "状态", "Status", ("状态", "status")),
    Column(
        "max_days_per_week",
        "每周最多天数",
        "Most days a week",
        ("每周最多天数", "每周最多", "每周天数", "maxdaysperweek", "mostdaysaweek", "daysperweek"),
    ),
)
REGISTER = Layout(COLUMNS, "card_no")
REQUIRED = ("name", "gender", "card_no")
REGISTER_SUBJECT = Subject(
    "Backlot reads the register as Excel (.xlsx) or CSV.",
    "register",
    "performers",
    "a sheet of fewer performers at a time",
)


# --- values as the office writes them ----------------------------------------------------------


def _key(value: object) -> str:
    """A word compared as people read it: width, case, spaces, brackets, - and _ do not matter."""
    return re.sub(r"[\s_\-()]+", "", unicodedata.normalize("NFKC", v.text_of(value)).casefold())


def _table(words: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {_key(word): value for value, said in words.items() for word in (value, *said)}


GENDERS = _table({"m": ("男", "男性", "male", "man"), "f": ("女", "女性", "female", "woman")})
CATEGORIES = _table(
    {
        "ordinary": ("普通", "普通群演", "群演", "群众", "群众演员", "background", "extra"),
        "group_featured": ("群特", "群众特约", "featured group"),
        "featured_small": ("小特", "小特约", "small featured", "featured (small)"),
        "featured_mid": ("中特", "中特约", "mid featured", "featured (mid)", "featured middle"),
        "featured_large": ("大特", "大特约", "large featured", "featured (large)"),
    }
)
STATUSES = _table(
    {
        "active": ("在册", "有效", "正常", "可用", "启用", "在职"),
        "inactive": ("停用", "无效", "暂停", "不可用", "离开"),
    }
)


def _one_of(table: dict[str, str], code: str) -> Callable[[object], str]:
    def parse(value: object) -> str:
        found = table.get(_key(value))
        if found is None:
            raise v.BadValue(code, v.text_of(value))
        return found

    return parse


_YEAR = re.compile(r"^(\d{4})(?:\s*年.*|[-/.]\d{1,2}(?:[-/.]\d{1,2})?)?$")
_NUMBER = re.compile(r"^(\d{1,3}(?:\.\d+)?)\s*(cm|厘米|公分|m|米|天|days?)?$", re.IGNORECASE)


def year_of(value: object) -> int:
    """A birth year: 1995, "1995年", or a birth date (1995-03-02, a date cell)."""
    if isinstance(value, date):
        return value.year
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return int(value)
    m = _YEAR.match(v.text_of(value))
    if m is None:
        raise v.BadValue("bad_year", value)
    return int(m.group(1))


def _number(value: object, code: str) -> tuple[float, str]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value), ""
    m = _NUMBER.match(v.text_of(value))
    if m is None:
        raise v.BadValue(code, value)
    return float(m.group(1)), (m.group(2) or "").lower()


def height_of(value: object) -> int:
    """Centimetres: 175, "175cm", "175厘米"; metres as the office may write them (1.75m)."""
    number, unit = _number(value, "bad_height")
    if unit in ("m", "米") or (not unit and number < 3):
        number *= 100
    return round(number)


def days_of(value: object) -> int:
    number, unit = _number(value, "bad_whole_number")
    if unit not in ("", "天", "day", "days") or not number.is_integer():
        raise v.BadValue("bad_whole_number", value)
    return int(number)


PARSERS: dict[str, Callable[[object], Any]] = {
    "name": v.text_of,
    "gender": _one_of(GENDERS, "bad_gender"),
    "birth_year": year_of,
    "height_cm": height_of,
    "card_no": v.text_of,
    "phone": v.text_of,
    "category": _one_of(CATEGORIES, "bad_category"),
    "skills": v.words_of,
    "looks": v.words_of,
    "dialects": v.words_of,
    "wardrobe": v.text_of,
    "status": _one_of(STATUSES, "bad_status"),
    "max_days_per_week": days_of,
}
# A value the register's rules refuse, by field, when its pattern does not match.
PATTERN_PROBLEMS = {
    "card_no": "bad_card_no",
    "phone": "bad_phone",
    "skills": "bad_profile_tag",
    "looks": "bad_profile_tag",
    "dialects": "bad_profile_tag",
}


# --- the sheet -----------------------------------------------------------------------------------


@dataclass
class PerformerRow:
    """One performer as the sheet gives them: only the fields of its non-blank cells."""

    at: int
    card_no: str
    fields: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at, "card_no": self.card_no, "fields": self.fields}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PerformerRow:
        return cls(int(data["at"]), str(data["card_no"]), dict(data["fields"]))


@dataclass
class RegisterSheet:
    format: str
    rows: list[PerformerRow] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    unit: str = "row"


def read_register(fmt: str, rows: Iterable[tuple[int, Sequence[object]]]) -> RegisterSheet:
    """The sheet's rows (row number, cells) into performers, with problems by row and column.
    The rows are read as they come: only the top ones (where the header is) are kept."""
    sheet = RegisterSheet(fmt)
    rest = iter(rows)
    top = list(islice(rest, HEADER_SCAN_ROWS))
    header = REGISTER.header_of(top, sheet.errors)
    if header is None:
        return sheet
    missing = REGISTER.missing(header, REQUIRED)
    if missing:
        sheet.errors += missing
        return sheet
    sheet.warnings += REGISTER.ignored(header)
    first_at: dict[str, int] = {}
    for at, cells in REGISTER.cells_below(chain(top, rest), header):
        reader = RowReader(at, header, cells, sheet.errors)
        card = v.text_of(cells["card_no"])
        if card and card in first_at:
            reader.problem("duplicate_card", "card_no", value=card, first=first_at[card])
        elif card:
            first_at[card] = at
        given: dict[str, Any] = {}
        for name in header.columns:
            if not reader.filled(name):
                if name in REQUIRED:
                    reader.problem("required", name)
                continue
            value = reader.read(name, PARSERS[name])
            if value is not None:
                given[name] = value
        fields = _checked(reader, given)
        if fields is not None and reader.ok:
            sheet.rows.append(PerformerRow(at, fields["card_no"], fields))
    if not sheet.rows and not sheet.errors:
        sheet.errors.append(Problem("no_performers"))
    return sheet


def _checked(reader: RowReader, given: dict[str, Any]) -> dict[str, Any] | None:
    """The row's fields by the rules of a performer typed in, or None with their problems
    (every cell's: a row's problems are all shown at once)."""
    try:
        body = PerformerCreate.model_validate(given)
    except ValidationError as exc:
        for error in exc.errors():
            if error["type"] == "missing":
                continue  # a blank or unreadable cell, said already
            name = str(error["loc"][0])
            bad = _problem(name, error)
            reader.problem(bad.code, name, **bad.params)
        return None
    return body.model_dump(include=set(given))


def _problem(name: str, error: ErrorDetails) -> v.BadValue:
    """A rule broken, in the words of the file's problems (app.imports.messages)."""
    kind, ctx, value = error["type"], error.get("ctx", {}), error["input"]
    if kind == "string_too_long":
        return v.BadValue("too_long", value, limit=ctx["max_length"])
    if kind == "too_long":
        return v.BadValue("too_many", value, limit=ctx["max_length"])
    if kind == "greater_than_equal":
        return v.BadValue("too_small", value, limit=ctx["ge"])
    if kind == "less_than_equal":
        return v.BadValue("too_big", value, limit=ctx["le"])
    if kind == "string_pattern_mismatch" and name in PATTERN_PROBLEMS:
        return v.BadValue(PATTERN_PROBLEMS[name], value)
    return v.BadValue("invalid", value, reason=error["msg"])


# --- the template --------------------------------------------------------------------------------

EXAMPLES: dict[str, list[list[object]]] = {
    "zh": [
        ["王小明", "男", 1995, 178, "HD-2024-01234", "138 0000 0001", "普通",
         "骑马, 武术", "古装士兵", "", "L", "在册", 6],
        ["李芳", "女", 1998, 165, "HD-2024-01235", "139 0000 0002", "群特", "dance",
         "modern-office", "cantonese", "M", "在册", 5],
    ],
    "en": [
        ["Wang Xiaoming", "M", 1995, 178, "HD-2024-01234", "138 0000 0001", "ordinary",
         "horse-riding, martial-arts", "ancient-soldier", "", "L", "active", 6],
        ["Li Fang", "F", 1998, 165, "HD-2024-01235", "139 0000 0002", "group featured", "dance",
         "modern-office", "cantonese", "M", "active", 5],
    ],
}  # fmt: skip
NOTES = {
    "zh": (
        "群演名册模板：每行一位演员。姓名、性别（男/女）、演员证号必填；按证号匹配名册中已有的演员"
        "并更新，新证号登记为新演员；空白单元格不修改原有内容。类别：普通、群特、小特、中特、大特；"
        "技能、形象、方言写标签（汉字、小写字母、数字、连字符），用逗号或空格分隔；状态：在册或停用。"
    ),
    "en": (
        "Extras register template: one row per performer. Name, gender (M/F) and card number "
        "are required; a known card number updates that performer, a new one registers a new "
        "performer; a blank cell changes nothing. Category: ordinary, group featured, featured "
        "small, mid or large; skills, looks and dialects are tags (Chinese characters, "
        "lowercase letters, digits, hyphens) separated by commas or spaces; "
        "status: active or inactive."
    ),
}


def template_xlsx(lang: str) -> bytes:
    return workbook(
        "群演名册" if lang == "zh" else "Register",
        NOTES[lang],
        [c.zh if lang == "zh" else c.en for c in COLUMNS],
        EXAMPLES[lang],
        [14, 8, 10, 12, 18, 16, 10, 26, 20, 14, 12, 8, 14],
    )
