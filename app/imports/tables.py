"""Breakdown sheets (分场表), from Excel or CSV: one row per scene, headers in Chinese or English.

The header row is the first of the top rows that names the scene number and at least two
other known columns (a title row above it is fine). A blank episode cell takes the episode
of the row above (an episode cell merged down several rows reads that way); a row with
only an episode ("第2集") starts that episode. Columns Backlot does not read are listed as
warnings and ignored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from app.imports import values as v
from app.imports.messages import Problem
from app.imports.rows import Parsed, SceneRow


@dataclass(frozen=True)
class Column:
    field: str
    zh: str  # the template's header, Chinese
    en: str  # the template's header, English
    aliases: tuple[str, ...]


COLUMNS: tuple[Column, ...] = (
    Column("episode", "集", "Episode", ("集", "集数", "集次", "第几集", "episode", "ep", "epno")),
    Column(
        "number",
        "场次",
        "Scene",
        ("场次", "场号", "场", "场次号", "scene", "sceneno", "scenenumber", "sc", "scno", "no"),
    ),
    Column(
        "int_ext",
        "内/外",
        "INT/EXT",
        ("内外", "内外景", "内景外景", "intext", "ie", "interiorexterior", "inex"),
    ),
    Column(
        "day_night",
        "日/夜",
        "DAY/NIGHT",
        ("日夜", "日夜景", "时间", "时段", "日戏夜戏", "daynight", "dn", "time"),
    ),
    Column(
        "set_description",
        "场景",
        "Set",
        (
            "场景",
            "场景名",
            "场景名称",
            "地点",
            "场地",
            "set",
            "setdescription",
            "location",
            "setting",
        ),
    ),
    Column(
        "description",
        "内容",
        "Synopsis",
        (
            "内容",
            "剧情",
            "内容提要",
            "剧情提要",
            "剧情梗概",
            "梗概",
            "主要内容",
            "场景内容",
            "synopsis",
            "description",
            "content",
            "summary",
        ),
    ),
    Column("pages", "页数", "Pages", ("页数", "页", "pages", "pagecount", "length", "eighths")),
    Column(
        "minutes",
        "时长（分钟）",
        "Minutes",
        (
            "时长",
            "拍摄时长",
            "分钟",
            "预计时长",
            "预估时长",
            "minutes",
            "shootingminutes",
            "mins",
            "duration",
        ),
    ),
    Column(
        "cast",
        "主要演员",
        "Cast",
        (
            "主要演员",
            "演员",
            "角色",
            "主要角色",
            "人物",
            "主要人物",
            "出场人物",
            "cast",
            "characters",
            "actors",
        ),
    ),
    Column(
        "extras",
        "群演",
        "Extras",
        (
            "群演",
            "群众演员",
            "群演人数",
            "群演数量",
            "群众",
            "extras",
            "background",
            "backgroundactors",
        ),
    ),
    Column(
        "requires",
        "要求（标签）",
        "Requirements (tags)",
        ("要求", "特殊要求", "标签", "场景要求", "requirements", "requires", "tags", "needs"),
    ),
    Column(
        "earliest",
        "最早日期",
        "Earliest",
        ("最早", "最早拍摄", "最早拍摄日期", "不早于", "earliest", "earliestdate", "notbefore"),
    ),
    Column(
        "latest",
        "最晚日期",
        "Latest",
        ("最晚", "最晚拍摄", "最晚拍摄日期", "不晚于", "latest", "latestdate", "notafter"),
    ),
    Column(
        "after",
        "接戏（在某场之后）",
        "After (must follow scenes)",
        ("接戏", "衔接", "前置场次", "continuity", "after", "mustfollow", "follows"),
    ),
)
REQUIRED = ("number", "int_ext", "day_night")
HEADER_SCAN_ROWS = 10
MAX_COLUMNS = 60
MAX_CELL_CHARS = 2000
LIMITS = {"set_description": 200, "description": 2000}


def _norm_header(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s()（）\[\]【】:：*#.。_\-/／\\、,，]+", "", folded)


@dataclass
class Header:
    at: int
    columns: dict[str, int]  # field -> column index
    names: dict[str, str]  # field -> the header as written
    ignored: list[str]


class Layout:
    """A kind of sheet: its columns, each known by several headers in Chinese or English, and
    the column whose header marks the header row (with at least two other known columns)."""

    def __init__(self, columns: tuple[Column, ...], key: str) -> None:
        self.columns, self.key = columns, key
        self.by_field = {c.field: c for c in columns}
        self.aliases: dict[str, str] = {}
        for column in columns:
            for alias in (*column.aliases, column.zh, column.en):
                self.aliases.setdefault(_norm_header(alias), column.field)

    def field_of(self, header: object) -> str | None:
        """The field a header names: as written, else without its bracketed note (页数(1/8))."""
        text = v.text_of(header)
        if not text:
            return None
        found = self.aliases.get(_norm_header(text))
        if found is None:
            bare = re.sub(r"[(（\[【].*?[)）\]】]", "", text)
            found = self.aliases.get(_norm_header(bare))
        return found

    def label(self, field: str) -> str:
        column = self.by_field[field]
        return f"{column.zh} / {column.en}"

    def find_header(
        self, rows: Sequence[tuple[int, Sequence[object]]]
    ) -> tuple[Header | None, Problem | None]:
        """The header among the top rows, or why there is none."""
        for at, cells in rows[:HEADER_SCAN_ROWS]:
            columns: dict[str, int] = {}
            names: dict[str, str] = {}
            ignored: list[str] = []
            clash: Problem | None = None
            for index, cell in enumerate(cells[:MAX_COLUMNS]):
                text = v.text_of(cell)
                found = self.field_of(text)
                if found is None:
                    if text:
                        ignored.append(text[:60])
                    continue
                if found in columns and clash is None:
                    clash = Problem(
                        "duplicate_column",
                        at,
                        self.label(found),
                        {"first": names[found], "second": text[:60]},
                    )
                columns.setdefault(found, index)
                names.setdefault(found, text[:60])
            if self.key in columns and len(columns) >= 3:
                if clash is not None:
                    return None, clash
                return Header(at, columns, names, ignored), None
        return None, None

    def header_of(
        self, rows: Sequence[tuple[int, Sequence[object]]], problems: list[Problem]
    ) -> Header | None:
        """The header row, or None with why added to ``problems``."""
        header, clash = self.find_header(rows)
        if clash is not None:
            problems.append(clash)
        elif header is None:
            problems.append(Problem("missing_column", None, self.label(self.key)))
        return header if clash is None else None

    def missing(self, header: Header, required: Iterable[str]) -> list[Problem]:
        return [
            Problem("missing_column", header.at, self.label(f))
            for f in required
            if f not in header.columns
        ]

    @staticmethod
    def ignored(header: Header) -> list[Problem]:
        """Columns no field reads: worth a warning, not an error."""
        return [Problem("ignored_column", header.at, None, {"value": t}) for t in header.ignored]

    def cells_below(
        self, rows: Iterable[tuple[int, Sequence[object]]], header: Header
    ) -> Iterator[tuple[int, dict[str, object]]]:
        """The rows under the header as cells by field; blank rows left out."""
        for at, cells in rows:
            if at <= header.at:
                continue
            cell = {f: cells[i] if i < len(cells) else None for f, i in header.columns.items()}
            if any(v.text_of(c) != "" for c in cell.values()):
                yield at, cell


BREAKDOWN = Layout(COLUMNS, "number")


def read_table(fmt: str, rows: Iterable[tuple[int, Sequence[object]]]) -> Parsed:
    """A breakdown's rows (row number, cells) into scenes, with problems by row and column."""
    parsed = Parsed(format=fmt, unit="row")
    rows = list(rows)
    header = BREAKDOWN.header_of(rows, parsed.errors)
    if header is None:
        return parsed
    missing = BREAKDOWN.missing(header, REQUIRED)
    if "pages" not in header.columns and "minutes" not in header.columns:
        missing.append(Problem("missing_column", header.at, "页数 / Pages, 时长 / Minutes"))
    if missing:
        parsed.errors += missing
        return parsed
    parsed.warnings += BREAKDOWN.ignored(header)
    parsed.columns = dict(header.names)

    episode: str | None = None
    first_at: dict[str, int] = {}
    for at, cell in BREAKDOWN.cells_below(rows, header):
        reader = _SceneReader(at, header, cell, parsed)
        if "episode" in cell and v.text_of(cell["episode"]):
            found = reader.read("episode", v.episode_of)
            episode = found if isinstance(found, str) else episode
        if not any(v.text_of(cell.get(f)) for f in REQUIRED):
            continue  # an episode's title row, a subtotal, a note
        row = reader.scene(episode)
        if row is None:
            continue
        key = v.canonical_number(row.number)
        if key in first_at:
            parsed.errors.append(
                Problem(
                    "duplicate",
                    at,
                    header.names["number"],
                    {"number": row.number, "first": first_at[key]},
                )
            )
            continue
        first_at[key] = at
        parsed.rows.append(row)
    if not parsed.rows and not parsed.errors:
        parsed.errors.append(Problem("no_scenes"))
    return parsed


class RowReader:
    """One row's cells read field by field, each problem named by its column as written."""

    def __init__(
        self, at: int, header: Header, cells: dict[str, object], errors: list[Problem]
    ) -> None:
        self.at, self.header, self.cells, self.errors = at, header, cells, errors
        self.ok = True

    def problem(self, code: str, field: str, **params: Any) -> None:
        self.errors.append(Problem(code, self.at, self.header.names[field], params))
        self.ok = False

    def read(self, field: str, parse: Callable[[object], Any]) -> Any:
        raw = self.cells[field]
        if len(v.text_of(raw)) > MAX_CELL_CHARS:
            self.problem("too_long", field, limit=MAX_CELL_CHARS)
            return None
        try:
            return parse(raw)
        except v.BadValue as bad:
            self.problem(bad.code, field, **bad.params)
            return None

    def required(self, field: str, parse: Callable[[object], Any]) -> Any:
        if not v.text_of(self.cells[field]):
            self.problem("required", field)
            return None
        return self.read(field, parse)

    def filled(self, field: str) -> bool:
        return bool(v.text_of(self.cells[field]))


class _SceneReader(RowReader):
    """A breakdown's row read into a scene."""

    def __init__(self, at: int, header: Header, cells: dict[str, object], parsed: Parsed) -> None:
        super().__init__(at, header, cells, parsed.errors)
        self.parsed = parsed

    def text(self, field: str) -> str:
        text = v.text_of(self.cells[field])
        limit = LIMITS[field]
        if len(text) > limit:
            self.problem("too_long", field, limit=limit)
        return text[:limit]

    def scene(self, episode: str | None) -> SceneRow | None:
        has = self.cells.__contains__
        number = self.required("number", lambda c: v.scene_number(c, episode))
        fields: dict[str, Any] = {}
        int_ext = self.required("int_ext", v.int_ext_of)
        if int_ext is not None:
            fields["int_ext"], both = int_ext
            if both:
                self.parsed.warnings.append(
                    Problem(
                        "both_int_ext",
                        self.at,
                        self.header.names["int_ext"],
                        {"value": v.text_of(self.cells["int_ext"])},
                    )
                )
        fields["day_night"] = self.required("day_night", v.day_night_of)
        for name in ("set_description", "description"):
            if has(name):
                fields[name] = self.text(name)
        self._length(fields)
        if has("cast"):
            names = self.read("cast", v.list_of) or []
            if len(names) > 200:
                self.problem("too_many", "cast", limit=200)
            if any(len(n) > 200 for n in names):
                self.problem("too_long", "cast", limit=200)
            fields["cast"] = names
        if has("extras"):
            fields["extras"] = self.read("extras", v.count_of) if self.filled("extras") else 0
        if has("requires"):
            tags = self.read("requires", v.tags_of) or []
            if len(tags) > 30:
                self.problem("too_many", "requires", limit=30)
            fields["requires"] = tags
        for name in ("earliest", "latest"):
            if has(name):
                day = self.read(name, v.date_of) if self.filled(name) else None
                fields[name] = day.isoformat() if day else None
        if (
            fields.get("earliest")
            and fields.get("latest")
            and fields["latest"] < fields["earliest"]
        ):
            self.problem(
                "dates_reversed", "latest", earliest=fields["earliest"], latest=fields["latest"]
            )
        if has("after"):
            after = self.read("after", v.list_of) or []
            numbers = []
            for item in after:
                try:
                    numbers.append(v.scene_number(item, episode if "-" not in item else None))
                except v.BadValue as bad:
                    self.problem(bad.code, "after", **bad.params)
            if len(numbers) > 200:
                self.problem("too_many", "after", limit=200)
            fields["after"] = sorted(set(numbers))
        if number is not None:
            self.parsed.numbers.add(v.canonical_number(number))
        if not self.ok or number is None:
            return None
        return SceneRow(self.at, number, fields)

    def _length(self, fields: dict[str, Any]) -> None:
        pages = self.filled("pages") if "pages" in self.cells else False
        minutes = self.filled("minutes") if "minutes" in self.cells else False
        if not pages and not minutes:
            field = "pages" if "pages" in self.cells else "minutes"
            self.problem("no_length", field)
            return
        if pages:
            fields["page_eighths"] = self.read("pages", v.eighths_of)
        if minutes:
            fields["minutes"] = self.read("minutes", v.minutes_of)
