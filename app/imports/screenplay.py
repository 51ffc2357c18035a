"""Screenplays into scenes: Fountain (plain text) and Final Draft (.fdx, XML).

Both are read into the same elements (scene heading, action, character cue, dialogue…),
then into scenes: the heading gives INT/EXT, the set as the script names it and DAY/NIGHT
(English ``INT. INN - LOBBY - NIGHT #12A#`` or Chinese ``1-3 客栈大堂 日 内``, ``内景 客栈 夜``);
the characters who speak in the scene, those a ``人物：`` line lists, and the script's
characters (those who speak somewhere, or are introduced in capitals with an age, "MEI (30s)")
named in its action give its cast; its length in eighths of a page is Final Draft's own
figure when the file has one, else counted by the usual convention (55 lines a page).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element as XmlElement

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from app.imports import values as v
from app.imports.messages import Problem
from app.imports.rows import Parsed, SceneRow

LINES_PER_PAGE = 55
# Characters per line of each element in a standard screenplay page (Courier 12).
WIDTH = {"heading": 61, "action": 61, "character": 38, "parenthetical": 26, "dialogue": 35,
         "transition": 61}  # fmt: skip
MAX_SCENES = 2000


class ScriptRefused(ValueError):
    """The file cannot be read as a screenplay at all (not one row of it: the whole file)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Element:
    kind: str  # heading, action, character, dialogue, parenthetical, transition, synopsis, cast
    text: str
    at: int
    number: str | None = None  # a heading's scene number, when the script numbers it
    eighths: int | None = None  # a heading's length, when the file states it (Final Draft)


# --- scene headings ---------------------------------------------------------------------------

_EN_HEADING = re.compile(
    r"^(INT\.?\s*/\s*EXT|EXT\.?\s*/\s*INT|INT/EXT|I/E|E/I|INT|EXT|EST)(?:\.|\s)\s*(.*)$",
    re.IGNORECASE,
)
_SCENE_NUMBER = re.compile(r"\s*#([^#\s]{1,20})#\s*$")
_DASHES = re.compile(r"\s+[-–—]+\s+|\s+[-–—]+$")
_CN_NUMBER = re.compile(
    r"^(\d{1,4}(?:-\d{1,4})?[A-Za-z]?|第[0-9一二三四五六七八九十百]+场)(?=[\s.、:：])"
)
_CN_SPLIT = re.compile(r"[\s，,、·・。.：:|\-—–]+")
_CN_PLACES = {"内", "外", "内景", "外景", "内外", "内外景", "外内", "室内", "室外"}


def _time_word(text: str) -> str | None:
    """DAY, NIGHT, SAME (continues the previous scene's time) or None."""
    word = v.text_of(text).upper().replace(".", "").replace(" ", "").replace("'", "")
    if word in v.SAME_TIME:
        return "SAME"
    try:
        return v.day_night_of(word)
    except v.BadValue:
        return None


@dataclass
class Heading:
    int_ext: str | None
    both: bool
    time: str | None  # DAY, NIGHT, SAME or None
    place: str
    number: str | None


def english_heading(text: str) -> Heading | None:
    number = None
    if m := _SCENE_NUMBER.search(text):
        number, text = m.group(1), text[: m.start()]
    m = _EN_HEADING.match(text.strip())
    if m is None:
        return None
    int_ext, both = v.int_ext_of(m.group(1))
    parts = [p.strip() for p in _DASHES.split(m.group(2)) if p and p.strip()]
    time = _time_word(parts[-1]) if parts else None
    if time is not None:
        parts = parts[:-1]
    return Heading(int_ext, both, time, " - ".join(parts).strip(" .-"), number)


def forced_heading(text: str) -> Heading:
    """``.FLASHBACK - NIGHT``: a heading because the writer says so."""
    found = english_heading(text) or chinese_heading(text, forced=True)
    if found is not None:
        return found
    number = None
    if m := _SCENE_NUMBER.search(text):
        number, text = m.group(1), text[: m.start()]
    parts = [p.strip() for p in _DASHES.split(text) if p and p.strip()]
    time = _time_word(parts[-1]) if parts else None
    if time is not None:
        parts = parts[:-1]
    return Heading(None, False, time, " - ".join(parts), number)


def chinese_heading(text: str, forced: bool = False) -> Heading | None:
    """``1-3 客栈大堂 日 内``, ``内景 客栈 夜``, ``第12场 日 外 长街``: a place (内/外) and a time
    (日/夜) written as words of their own; a line starting with 内景/外景 needs no time."""
    line = v.text_of(text)
    if len(line) > 80:
        return None
    number = None
    if m := _CN_NUMBER.match(line):
        number, line = m.group(1), line[m.end() :]
    line = line.replace("内/外", "内外").replace("外/内", "外内").replace("／", "/")
    words = [w for w in _CN_SPLIT.split(line) if w]
    place = [w for w in words if w in _CN_PLACES]
    times = [w for w in words if _time_word(w) is not None and not w.isascii()]
    leads = bool(words) and words[0] in ("内景", "外景")
    if not place or (not times and not leads and not forced):
        return None
    int_ext, both = v.int_ext_of(place[0])
    rest = [w for w in words if w not in place[:1] and w not in times[:1]]
    return Heading(int_ext, both, _time_word(times[0]) if times else None, " ".join(rest), number)


# --- character names ----------------------------------------------------------------------------

_EXTENSION = re.compile(r"\s*[(（][^)）]*[)）]")
_CN_CAST_LINE = re.compile(r"^(?:人物|出场人物|主要人物|演员|角色)\s*[：:]\s*(.+)$")
_CN_SPEECH = re.compile(r"^([\u3400-\u9fff·]{1,6})\s*(?:[(（][^)）]{0,20}[)）])?\s*[：:]\s*\S")
_NOT_NAMES = {"时间", "地点", "场景", "人物", "内容", "备注", "字幕", "画外音", "旁白", "镜头",
              "标题", "片名", "剧名", "编剧", "作者", "导演", "日期", "版本"}  # fmt: skip
# A 人物 line may end with the extras (群演若干): they are not cast members.
_EXTRAS = ("群演", "群众", "路人")


def character_name(cue: str) -> str:
    """The name a cue speaks under: without (V.O.), (CONT'D), （画外音）, dual-dialogue ^, @."""
    name = cue.strip().removeprefix("@").rstrip("^").strip()
    name = _EXTENSION.sub("", name).strip()
    if name.isupper() and name.isascii():
        name = name.title()
    return name


# A character introduced in action the screenwriter's way: in capitals with an age or a
# description after ("MEI (30s, soaked)", "her FATHER (60s)").
_INTRODUCED = re.compile(r"(?<![\w'])([A-Z][A-Z'’.\-]+(?:\s+[A-Z][A-Z'’.\-]+)*)\s*\((?=[0-9a-z])")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _lines(element: Element) -> int:
    """Printed lines of an element, with the blank line before it where there is one."""
    width = WIDTH.get(element.kind)
    if width is None:
        return 0
    body = max(1, math.ceil(_width(element.text) / width))
    return body + (0 if element.kind in ("dialogue", "parenthetical") else 1)


def _mentions(text: str, names: Iterable[str]) -> set[str]:
    """Speaking characters named in action: JOHN or John as a word, 李逍遥 anywhere."""
    found = set()
    for name in names:
        if name.isascii():
            for form in {name.upper(), name}:
                if re.search(rf"(?<![\w']){re.escape(form)}(?![\w'])", text):
                    found.add(name)
        elif len(name) >= 2 and name in text:
            found.add(name)
    return found


# --- elements into scenes -------------------------------------------------------------------


@dataclass
class _Scene:
    heading: Element
    parsed: Heading
    elements: list[Element] = field(default_factory=list)


def scenes_from(elements: list[Element], fmt: str, unit: str) -> Parsed:
    parsed = Parsed(format=fmt, unit=unit)
    scenes: list[_Scene] = []
    for element in elements:
        if element.kind == "heading":
            if len(scenes) >= MAX_SCENES:
                raise ScriptRefused(
                    f"The script has more than {MAX_SCENES} scenes.", "too_many_rows"
                )
            heading = _parse_heading(element)
            if heading is None:
                continue
            scenes.append(_Scene(element, heading))
        elif scenes:
            scenes[-1].elements.append(element)
    if not scenes:
        parsed.errors.append(Problem("no_scenes"))
        return parsed
    known = {
        character_name(e.text): None for s in scenes for e in s.elements if e.kind == "character"
    }
    for scene in scenes:
        for e in scene.elements:
            if e.kind == "action":
                known.update((character_name(m), None) for m in _INTRODUCED.findall(e.text))
    numbered = any(s.parsed.number or s.heading.number for s in scenes)
    if not numbered:
        parsed.warnings.append(Problem("numbered_in_order"))
    first_at: dict[str, int] = {}
    time = None
    for position, scene in enumerate(scenes, start=1):
        at = scene.heading.at
        raw_number = scene.heading.number or scene.parsed.number or str(position)
        try:
            number = v.scene_number(raw_number)
        except v.BadValue as bad:
            parsed.errors.append(Problem(bad.code, at, "#", bad.params))
            continue
        key = v.canonical_number(number)
        if key in first_at:
            parsed.errors.append(
                Problem("duplicate", at, "#", {"number": number, "first": first_at[key]})
            )
            continue
        first_at[key] = at
        heading = scene.parsed
        fields: dict[str, Any] = {}
        if heading.int_ext is None:
            parsed.warnings.append(Problem("heading_without_place", at))
            fields["int_ext"] = "INT"
        else:
            fields["int_ext"] = heading.int_ext
            if heading.both:
                parsed.warnings.append(
                    Problem("both_int_ext", at, None, {"value": scene.heading.text[:40]})
                )
        if heading.time in ("DAY", "NIGHT"):
            time = heading.time
        elif heading.time is None or time is None:
            time = time or "DAY"
            zh = "日戏" if time == "DAY" else "夜戏"
            parsed.warnings.append(
                Problem("no_day_night", at, None, {"value": time, "value_zh": zh})
            )
        fields["day_night"] = time
        fields["set_description"] = heading.place[:200]
        synopsis = " ".join(e.text for e in scene.elements if e.kind == "synopsis").strip()
        if synopsis:
            fields["description"] = synopsis[:2000]
        eighths = scene.heading.eighths
        if eighths is None:
            lines = _lines(scene.heading) + sum(_lines(e) for e in scene.elements)
            eighths = max(1, round(lines * 8 / LINES_PER_PAGE))
        fields["page_eighths"] = min(eighths, v.MAX_EIGHTHS)
        fields["cast"] = _cast(scene, known)[:200]
        parsed.rows.append(SceneRow(at, number, fields))
    return parsed


def _parse_heading(element: Element) -> Heading | None:
    text = element.text.strip()
    if text.startswith(".") and not text.startswith(".."):
        return forced_heading(text[1:].strip())
    return english_heading(text) or chinese_heading(text, forced=True)


def _cast(scene: _Scene, known: dict[str, None]) -> list[str]:
    """Who is in the scene, in order of appearance, each once."""
    names: dict[str, str] = {}

    def add(name: str) -> None:
        if name and len(name) <= 200:
            names.setdefault(v.name_key(name), name)

    for e in scene.elements:
        if e.kind == "character":
            add(character_name(e.text))
        elif e.kind == "cast":
            for name in v.list_of(e.text):
                if not name.startswith(_EXTRAS):
                    add(character_name(name))
    action = "\n".join(e.text for e in scene.elements if e.kind == "action")
    for name in sorted(_mentions(action, known)):
        add(name)
    return list(names.values())


# --- Fountain -------------------------------------------------------------------------------

_BONEYARD = re.compile(r"/\*.*?\*/", re.DOTALL)
_NOTE = re.compile(r"\[\[.*?\]\]", re.DOTALL)
_TITLE_KEY = re.compile(r"^[A-Za-z][A-Za-z ]{0,30}:")
_TRANSITION = re.compile(r"^[A-Z0-9 .'’]+TO:$")


def _blank_out(m: re.Match[str]) -> str:
    """Removed text keeps its line breaks, so that line numbers stay true."""
    return "\n" * m.group(0).count("\n")


def _is_cue(text: str) -> bool:
    if text.startswith("@"):
        return len(text) > 1
    name = _EXTENSION.sub("", text.rstrip("^").strip()).strip()
    return (
        bool(re.search(r"[A-Z]", name))
        and name == name.upper()
        and not name.endswith(":")
        and not name.startswith("!")
        and len(name) <= 50
    )


def fountain_elements(text: str) -> list[Element]:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    text = _NOTE.sub(_blank_out, _BONEYARD.sub(_blank_out, text))
    lines = text.split("\n")
    start = 0
    first = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    if first < len(lines) and _TITLE_KEY.match(lines[first].strip()):
        start = next((i for i in range(first, len(lines)) if not lines[i].strip()), len(lines))
    elements: list[Element] = []
    i = start
    while i < len(lines):
        line = lines[i].strip()
        at = i + 1
        after_blank = i == 0 or not lines[i - 1].strip()
        next_line = lines[i + 1].strip() if i + 1 < len(lines) else ""
        i += 1
        if not line or line.startswith("#") or line.startswith("==="):
            continue
        if line.startswith("="):
            elements.append(Element("synopsis", line[1:].strip(), at))
            continue
        if cast := _CN_CAST_LINE.match(line):
            elements.append(Element("cast", cast.group(1), at))
            continue
        if after_blank and _is_heading_line(line):
            number = None
            if m := _SCENE_NUMBER.search(line):
                number = m.group(1)
            elements.append(Element("heading", line, at, number=number))
            continue
        if line.startswith(">") and not line.endswith("<"):
            elements.append(Element("transition", line[1:].strip(), at))
            continue
        if after_blank and not next_line and _TRANSITION.match(line):
            elements.append(Element("transition", line, at))
            continue
        if after_blank and next_line and not line.startswith("!") and _is_cue(line):
            elements.append(Element("character", line, at))
            while i < len(lines) and lines[i].strip():
                said = lines[i].strip()
                kind = "parenthetical" if said.startswith("(") else "dialogue"
                elements.append(Element(kind, said, i + 1))
                i += 1
            continue
        if (speech := _CN_SPEECH.match(line)) and speech.group(1) not in _NOT_NAMES:
            name = speech.group(1)
            elements.append(Element("character", name, at))
            elements.append(Element("dialogue", line[len(name) :].lstrip(" ：:"), at))
            continue
        elements.append(Element("action", line.removeprefix("!"), at))
    return elements


def _is_heading_line(line: str) -> bool:
    if line.startswith(".") and not line.startswith(".."):
        return True
    return english_heading(line) is not None or chinese_heading(line) is not None


def read_fountain(text: str) -> Parsed:
    return scenes_from(fountain_elements(text), "fountain", "line")


# --- Final Draft ------------------------------------------------------------------------------

FDX_KINDS = {
    "Scene Heading": "heading",
    "Action": "action",
    "Character": "character",
    "Dialogue": "dialogue",
    "Parenthetical": "parenthetical",
    "Transition": "transition",
    "Cast List": "cast",
    "General": "action",
    "Shot": "action",
}


def _fdx_text(paragraph: XmlElement) -> str:
    return "".join("".join(t.itertext()) for t in paragraph.findall("Text")).strip()


def _fdx_paragraphs(content: XmlElement) -> Iterable[XmlElement]:
    """The script's paragraphs in order; a dual-dialogue block's two speeches included."""
    for paragraph in content.findall("Paragraph"):
        dual = paragraph.find("DualDialogue")
        if dual is not None:
            yield from dual.findall("Paragraph")
        else:
            yield paragraph


def fdx_elements(data: bytes) -> list[Element]:
    try:
        # No DTD, no entities, no external references: a billion laughs or an XXE is refused.
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ScriptRefused(
            "The Final Draft file declares XML entities or a DTD, which Backlot refuses "
            "(a known attack; Final Draft itself never writes them).",
            "entities",
        ) from exc
    except (ParseError, ValueError) as exc:
        raise ScriptRefused(
            f"The Final Draft file is damaged: its XML cannot be read ({exc}).", "script_damaged"
        ) from exc
    content = root.find("Content") if root.tag == "FinalDraft" else None
    if content is None:
        raise ScriptRefused(
            "This XML file is not a Final Draft script (no FinalDraft content).", "not_fdx"
        )
    elements = []
    for index, paragraph in enumerate(_fdx_paragraphs(content), start=1):
        kind = FDX_KINDS.get(paragraph.get("Type", ""))
        if kind is None:
            continue
        text = _fdx_text(paragraph)
        element = Element(kind, text, index)
        if kind == "heading":
            element.number = paragraph.get("Number") or None
            props = paragraph.find("SceneProperties")
            length = props.get("Length") if props is not None else None
            if length:
                try:
                    element.eighths = v.eighths_of(length)
                except v.BadValue:
                    element.eighths = None
            summary = props.find("Summary") if props is not None else None
            elements.append(element)
            if summary is not None:
                said = " ".join(_fdx_text(p) for p in summary.iter("Paragraph")).strip()
                if said:
                    elements.append(Element("synopsis", said, index))
            continue
        if text:
            elements.append(element)
    return elements


def read_fdx(data: bytes) -> Parsed:
    return scenes_from(fdx_elements(data), "fdx", "paragraph")
