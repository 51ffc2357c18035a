"""Reading files into scenes, without a database: breakdown sheets, Fountain, Final Draft,
and the files that must be refused whole (what kind, damaged, hostile, too big)."""

from __future__ import annotations

import io
import zipfile

import openpyxl.xml.functions
import pytest

from app.errors import DomainError
from app.imports import values as v
from app.imports.files import read_upload
from app.imports.rows import Parsed
from app.imports.template import template_csv, template_xlsx
from tests.imports.samples import (
    BILLION_LAUGHS,
    BREAKDOWN_ZH,
    csv_text,
    fixture,
    old_xls,
    password_protected,
    with_part,
    xlsx,
    zip_bomb,
    zip_of,
)

LIMIT, ROWS = 5_000_000, 2000


def read(data: bytes, name: str) -> Parsed:
    return read_upload(data, name, LIMIT, ROWS)


def by_number(parsed: Parsed) -> dict[str, dict[str, object]]:
    return {r.number: r.fields for r in parsed.rows}


def refused(data: bytes, name: str) -> DomainError:
    with pytest.raises(DomainError) as caught:
        read(data, name)
    return caught.value


# --- values as breakdowns write them -----------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "eighths"),
    [("1 3/8", 11), ("3/8", 3), ("2", 16), (1.5, 12), ("2页", 16), ("0.25", 2), (" 1 + 4/8", 12)],
)
def test_lengths_in_pages_and_eighths(written: object, eighths: int) -> None:
    assert v.eighths_of(written) == eighths


@pytest.mark.parametrize("written", ["1 9/8", "-1", "abc", "1/0", "nan", "999"])
def test_lengths_that_are_not_lengths(written: str) -> None:
    with pytest.raises(v.BadValue):
        v.eighths_of(written)


def test_episode_and_scene_numbers_as_crews_write_them() -> None:
    assert v.scene_number("12a") == "12A"
    assert v.scene_number("第十二场", v.episode_of("第三集")) == "3-12"
    assert v.scene_number(12.0, v.episode_of(3)) == "3-12"
    assert v.scene_number("3-12", "3") == "3-12"  # the episode already written in
    assert v.canonical_number("3-012a") == v.canonical_number("3-12A")
    with pytest.raises(v.BadValue):
        v.scene_number("客栈")


def test_names_match_whatever_their_width_case_and_spaces() -> None:
    assert v.name_key("ＭＥＩ") == v.name_key("mei") == v.name_key(" Mei ")
    assert v.name_key("沈 青") == v.name_key("沈青")
    assert v.list_of("沈青、周掌柜, 黑衣人；沈青") == ["沈青", "周掌柜", "黑衣人"]


def test_interior_exterior_and_day_night_in_both_languages() -> None:
    assert [v.int_ext_of(x)[0] for x in ("内", "外景", "INT.", "ext")] == [
        "INT",
        "EXT",
        "INT",
        "EXT",
    ]
    assert v.int_ext_of("I/E") == ("EXT", True)
    assert [v.day_night_of(x) for x in ("日", "夜", "DAY", "黄昏", "晨")] == [
        "DAY",
        "NIGHT",
        "DAY",
        "NIGHT",
        "DAY",
    ]
    assert v.minutes_of("1小时30分") == v.minutes_of("1:30") == v.minutes_of("90分钟") == 90
    assert v.minutes_for(11, 60) == 83 and v.minutes_for(0, 60) == 1


# --- breakdown sheets ----------------------------------------------------------------------------


def test_a_chinese_breakdown_in_excel() -> None:
    parsed = read(xlsx(BREAKDOWN_ZH), "分场表.xlsx")
    assert parsed.format == "xlsx" and parsed.unit == "row" and parsed.errors == []
    scenes = by_number(parsed)
    assert list(scenes) == ["1-1", "1-2", "1-3", "2-1A"]  # the episode carries down its block
    assert scenes["1-1"] == {
        "int_ext": "EXT",
        "day_night": "DAY",
        "set_description": "清河镇长街",
        "description": "沈青骑马入镇",
        "page_eighths": 11,
        "cast": ["沈青"],
        "extras": 30,
        "requires": ["street"],
        "after": [],
    }
    assert scenes["1-2"]["minutes"] == 150 and scenes["1-2"]["after"] == ["1-1"]
    assert scenes["1-3"]["cast"] == ["沈 青", "黑衣人"]
    assert scenes["2-1A"]["after"] == ["1-3"] and scenes["2-1A"]["extras"] == 30
    assert [r.at for r in parsed.rows] == [3, 4, 5, 6]  # spreadsheet rows, title included
    assert [(w.code, w.params.get("value")) for w in parsed.warnings] == [
        ("ignored_column", "备注")
    ]


def test_the_same_breakdown_as_csv_from_chinese_excel_in_gbk() -> None:
    """Excel on Chinese Windows saves "CSV" in GB18030/GBK, not UTF-8."""
    text = csv_text(BREAKDOWN_ZH)
    for data in (text.encode("gb18030"), ("\ufeff" + text).encode("utf-8")):
        parsed = read(data, "breakdown.csv")
        assert parsed.format == "csv" and parsed.errors == []
        assert list(by_number(parsed)) == ["1-1", "1-2", "1-3", "2-1A"]
    tabs = text.replace(",", "\t").encode("utf-16")  # Excel's "Unicode text"
    assert list(by_number(read(tabs, "breakdown.txt"))) == ["1-1", "1-2", "1-3", "2-1A"]


def test_english_headers() -> None:
    rows = [
        ["Scene", "INT/EXT", "DAY/NIGHT", "Set", "Synopsis", "Minutes", "Cast", "Earliest",
         "Latest", "Requirements (tags)"],
        ["12A", "INT", "NIGHT", "Inn - hall", "Mei asks for a room", "90", "Mei, Old Zhou",
         "2027-03-01", "2027/3/20", "teahouse ming-qing"],
    ]  # fmt: skip
    parsed = read(csv_text(rows).encode(), "breakdown.csv")
    assert parsed.errors == []
    assert by_number(parsed)["12A"] == {
        "int_ext": "INT",
        "day_night": "NIGHT",
        "set_description": "Inn - hall",
        "description": "Mei asks for a room",
        "minutes": 90,
        "cast": ["Mei", "Old Zhou"],
        "earliest": "2027-03-01",
        "latest": "2027-03-20",
        "requires": ["ming-qing", "teahouse"],
    }


def test_row_problems_name_the_row_and_the_column_as_written() -> None:
    rows = [
        ["场次", "内/外", "日/夜", "页数", "最早日期", "最晚日期", "要求"],
        ["1", "内", "日", "1", "", "", ""],
        ["2", "内", "黄昏后", "1", "", "", ""],  # not a time of day
        ["", "外", "日", "1", "", "", ""],  # no number
        ["4", "外", "日", "", "", "", ""],  # no length
        ["5", "外", "日", "1", "2027-04-01", "2027-03-01", "雨戏"],  # reversed, not a tag
        ["1", "外", "夜", "1", "", "", ""],  # number 1 again
    ]
    parsed = read(csv_text(rows).encode(), "b.csv")
    found = sorted((p.at, p.column, p.code) for p in parsed.errors)
    assert found == [
        (3, "日/夜", "bad_day_night"),
        (4, "场次", "required"),
        (5, "页数", "no_length"),
        (6, "最晚日期", "dates_reversed"),
        (6, "要求", "bad_tag"),
        (7, "场次", "duplicate"),
    ]
    assert [r.number for r in parsed.rows] == ["1"]
    message = next(p for p in parsed.errors if p.code == "bad_day_night").render("en")
    assert "'黄昏后' is neither day nor night" in message
    duplicate = next(p for p in parsed.errors if p.code == "duplicate")
    assert "first at row 2" in duplicate.render("en", "row")
    assert "首次在第 2 行" in duplicate.render("zh", "row")


def test_a_sheet_without_the_columns_says_which_are_missing() -> None:
    parsed = read(csv_text([["场次", "场景", "内容"], ["1", "客栈", "x"]]).encode(), "b.csv")
    assert sorted(p.column or "" for p in parsed.errors if p.code == "missing_column") == [
        "内/外 / INT/EXT",
        "日/夜 / DAY/NIGHT",
        "页数 / Pages, 时长 / Minutes",
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_templates_read_back_without_a_problem(lang: str) -> None:
    for data, name in ((template_xlsx(lang), "t.xlsx"), (template_csv(lang), "t.csv")):
        parsed = read(data, name)
        assert parsed.errors == [], parsed.errors
        assert [r.number for r in parsed.rows] == ["1-1", "1-2", "1-3", "2-1A"]


# --- screenplays -----------------------------------------------------------------------------


def test_a_fountain_screenplay() -> None:
    parsed = read(fixture("the-last-ferry.fountain"), "the-last-ferry.fountain")
    assert parsed.format == "fountain" and parsed.unit == "line" and parsed.errors == []
    scenes = by_number(parsed)
    # Numbers from the headings (#1#…); the scene in the boneyard is not there.
    assert list(scenes) == ["1", "2", "3", "4", "5"]
    assert [r.at for r in parsed.rows] == [13, 29, 55, 62, 69]
    one, two, three, four, five = scenes.values()
    assert (one["int_ext"], one["day_night"], one["set_description"]) == (
        "EXT",
        "NIGHT",  # DUSK is shot as night
        "QINGHE WHARF",
    )
    assert one["cast"] == ["Mei", "Ferryman"]  # (O.S.) is the ferryman's voice
    assert two["cast"] == ["Mei", "Old Zhou"]  # (CONT'D) and the ^ of dual dialogue dropped
    # INT./EXT. plans as EXT; CONTINUOUS keeps the night; a character named in action is in it.
    assert (three["int_ext"], three["day_night"]) == ("EXT", "NIGHT")
    assert three["cast"] == ["Mei", "Man In Black", "Old Zhou"]
    assert (four["int_ext"], four["day_night"], four["cast"]) == ("INT", "DAY", ["Father"])
    assert five["cast"] == ["Man In Black"]  # introduced in scene 3, named here
    assert all(s["page_eighths"] >= 1 for s in scenes.values())
    assert two["page_eighths"] > five["page_eighths"]
    assert sorted(w.code for w in parsed.warnings) == ["both_int_ext", "heading_without_place"]


def test_a_chinese_fountain_screenplay() -> None:
    parsed = read(fixture("qinghe-zh.fountain"), "清河夜渡.fountain")
    assert parsed.errors == []
    scenes = by_number(parsed)
    assert list(scenes) == ["1-1", "1-2", "3", "4"]
    assert [(s["int_ext"], s["day_night"], s["set_description"]) for s in scenes.values()] == [
        ("EXT", "NIGHT", "清河镇码头"),
        ("INT", "NIGHT", "悦来客栈大堂"),
        ("INT", "NIGHT", "悦来客栈客房"),
        ("EXT", "DAY", "清河镇长街"),
    ]
    # 人物 lines, 名字：台词 and @forced cues; the extras of a 人物 line are not cast.
    assert scenes["1-1"]["cast"] == ["沈青", "船夫"]
    assert scenes["1-2"]["cast"] == ["沈青", "周掌柜", "黑衣人"]
    assert scenes["4"]["cast"] == ["周掌柜", "沈青", "黑衣人"]


def test_a_final_draft_screenplay() -> None:
    parsed = read(fixture("the-last-ferry.fdx"), "the-last-ferry.fdx")
    assert parsed.format == "fdx" and parsed.unit == "paragraph" and parsed.errors == []
    scenes = by_number(parsed)
    assert list(scenes) == ["1", "2", "3A", "4"]
    assert scenes["1"]["page_eighths"] == 11  # Final Draft's own Length="1 3/8"
    assert scenes["1"]["description"] == "Mei misses the last ferry."
    assert scenes["2"]["cast"] == ["Mei", "Old Zhou"]  # both sides of the dual dialogue
    assert scenes["3A"]["cast"] == ["Mei", "Man In Black"]
    assert scenes["3A"]["int_ext"] == "EXT" and scenes["3A"]["page_eighths"] >= 1
    assert (scenes["4"]["int_ext"], scenes["4"]["set_description"]) == ("INT", "悦来客栈客房")


def test_headings_of_every_shape() -> None:
    script = "\n\n".join(
        [
            "INT. HOUSE - KITCHEN - NIGHT #12A#",
            "EXT. STREET -- DAY",
            "I/E CAR - MOVING - DAY",
            "int. office - later",
            "1-3 客栈大堂 日 内",
            "内景 客栈 夜",
            "外景·长街·日",
            ".MONTAGE",
        ]
    )
    rows = read(script.encode(), "s.fountain").rows
    assert [
        (r.fields["int_ext"], r.fields["day_night"], r.fields["set_description"]) for r in rows
    ] == [
        ("INT", "NIGHT", "HOUSE - KITCHEN"),
        ("EXT", "DAY", "STREET"),
        ("EXT", "DAY", "CAR - MOVING"),
        ("INT", "DAY", "office"),  # LATER: the time goes on from the scene before
        ("INT", "DAY", "客栈大堂"),
        ("INT", "NIGHT", "客栈"),
        ("EXT", "DAY", "长街"),
        ("INT", "DAY", "MONTAGE"),
    ]
    assert [r.number for r in rows] == ["12A", "2", "3", "4", "1-3", "6", "7", "8"]


def test_uppercase_lines_that_are_not_characters() -> None:
    script = "EXT. PIER - NIGHT\n\nBANG!\n\nCUT TO:\n\nMEI\nHello.\n\n!SHOUTING CROWD\nNoise.\n"
    (row,) = read(script.encode(), "s.fountain").rows
    assert row.fields["cast"] == ["Mei"]


# --- files refused whole -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "status", "code"),
    [
        (password_protected(), "breakdown.xlsx", 422, "password"),
        (old_xls(), "breakdown.xls", 415, "xls"),
        (b"PK\x03\x04" + b"\x00garbage" * 50, "breakdown.xlsx", 422, "damaged"),
        (zip_of({"word/document.xml": b"<w/>"}), "breakdown.xlsx", 415, "kind"),
        (b"%PDF-1.7\n...", "script.pdf", 415, "kind"),
        (b"\x89PNG\r\n\x1a\n....", "breakdown.png", 415, "kind"),
        (b"", "breakdown.csv", 422, "empty"),
    ],
)
def test_files_that_are_not_a_breakdown_or_a_script(
    data: bytes, name: str, status: int, code: str
) -> None:
    error = refused(data, name)
    assert (error.status, error.extra.get("code")) == (status, code), error.detail


def test_a_text_file_named_like_a_workbook_is_refused() -> None:
    assert refused(b"just text", "breakdown.xlsx").status == 422
    assert refused(b"INT. HOUSE - DAY", "script.fdx").status == 422


def test_a_zip_bomb_is_refused_before_it_is_inflated() -> None:
    data = zip_bomb()
    assert len(data) < 200_000
    error = refused(data, "breakdown.xlsx")
    assert error.status == 422 and "unpacks to more than 50 MB" in error.detail


def test_openpyxl_parses_workbooks_through_defusedxml() -> None:
    assert openpyxl.xml.DEFUSEDXML
    assert openpyxl.xml.functions.iterparse.__module__.startswith("defusedxml")


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/worksheets/sheet1.xml"])
def test_a_workbook_with_entity_expansion_is_refused(part: str) -> None:
    """A billion laughs in the workbook (read whole) or in the sheet (streamed)."""
    book = xlsx(BREAKDOWN_ZH)
    xml = zipfile.ZipFile(io.BytesIO(book)).read(part)
    body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
    # The entity used where the XML allows text: a sheet's inline string, else an attribute.
    body = body.replace(b"<t>\xe6\xb8\x85", b"<t>&lol4;\xe6\xb8\x85", 1)
    data = with_part(book, part, BILLION_LAUGHS + body.replace(b'name="', b'name="&lol4;', 1))
    error = refused(data, "breakdown.xlsx")
    assert error.status == 422 and "entities or a DTD" in error.detail


@pytest.mark.parametrize(
    "prologue",
    [
        BILLION_LAUGHS,
        b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n',
    ],
)
def test_a_final_draft_file_with_entities_is_refused(prologue: bytes) -> None:
    script = b'<Paragraph Type="Scene Heading"><Text>INT. A - DAY &lol4;</Text></Paragraph>'
    data = prologue + b"<FinalDraft><Content>" + script + b"</Content></FinalDraft>"
    error = refused(data, "attack.fdx")
    assert error.status == 422 and "entities or a DTD" in error.detail


def test_damaged_and_foreign_xml() -> None:
    assert refused(b"<FinalDraft><Content><Paragraph>", "s.fdx").status == 422
    assert refused(b"<html><body>hi</body></html>", "s.fdx").status == 415


def test_limits_of_size_and_rows() -> None:
    big = b"INT. A - DAY\n\n" + b"x" * 2000
    with pytest.raises(DomainError) as caught:
        read_upload(big, "s.fountain", 1000, ROWS)
    assert caught.value.status == 413
    rows = [["场次", "内/外", "日/夜", "页数"]] + [[str(i), "内", "日", "1"] for i in range(1, 32)]
    with pytest.raises(DomainError) as caught:
        read_upload(csv_text(rows).encode(), "b.csv", LIMIT, 20)
    assert caught.value.status == 422 and "more than 20" in caught.value.detail
    script = "\n\n".join(f"INT. ROOM {i} - DAY" for i in range(1, 32))
    with pytest.raises(DomainError) as caught:
        read_upload(script.encode(), "s.fountain", LIMIT, 20)
    assert caught.value.status == 422
