"""The breakdown template to download: every column Backlot reads, with example rows."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from app.imports.tables import COLUMNS

EXAMPLES: dict[str, list[list[object]]] = {
    "zh": [
        [
            1,
            "1",
            "外",
            "日",
            "清河镇长街",
            "沈青骑马入镇，街上人来人往",
            "1 3/8",
            "",
            "沈青",
            30,
            "street, ming-qing",
            "",
            "",
            "",
        ],
        [
            1,
            "2",
            "内",
            "日",
            "悦来客栈大堂",
            "沈青向掌柜打听消息",
            "2",
            120,
            "沈青、周掌柜",
            8,
            "teahouse",
            "",
            "",
            "1",
        ],
        [
            1,
            "3",
            "内",
            "夜",
            "悦来客栈客房",
            "夜半有人潜入，沈青拔剑",
            "6/8",
            "",
            "沈青、黑衣人",
            0,
            "",
            "2027-03-01",
            "2027-03-31",
            "2",
        ],
        [
            2,
            "1A",
            "外",
            "夜",
            "清河镇码头",
            "黑衣人乘船逃走",
            "1",
            90,
            "黑衣人",
            12,
            "wharf, river",
            "",
            "",
            "1-3",
        ],
    ],
    "en": [
        [
            1,
            "1",
            "EXT",
            "DAY",
            "Qinghe town - main street",
            "Shen Qing rides into town",
            "1 3/8",
            "",
            "Shen Qing",
            30,
            "street, ming-qing",
            "",
            "",
            "",
        ],
        [
            1,
            "2",
            "INT",
            "DAY",
            "Yuelai inn - hall",
            "Shen Qing asks the innkeeper for news",
            "2",
            120,
            "Shen Qing, Innkeeper Zhou",
            8,
            "teahouse",
            "",
            "",
            "1",
        ],
        [
            1,
            "3",
            "INT",
            "NIGHT",
            "Yuelai inn - guest room",
            "An intruder at midnight",
            "6/8",
            "",
            "Shen Qing, Man in black",
            0,
            "",
            "2027-03-01",
            "2027-03-31",
            "2",
        ],
        [
            2,
            "1A",
            "EXT",
            "NIGHT",
            "Qinghe town - wharf",
            "The man in black escapes by boat",
            "1",
            90,
            "Man in black",
            12,
            "wharf, river",
            "",
            "",
            "1-3",
        ],
    ],
}
NOTES = {
    "zh": (
        "分场表模板：每行一场。集可留空（电影）；页数写 1 3/8 或 1.5；"
        "时长为拍摄分钟数，留空则按剧组“每页分钟数”由页数推算；"
        "主要演员用顿号或逗号分隔；要求写场景标签；接戏写须在其之后拍的场次。"
    ),
    "en": (
        "Breakdown template: one row per scene. Leave Episode empty for a feature; "
        "Pages as 1 3/8 or 1.5; Minutes are shooting minutes (empty: worked out from Pages "
        "at the crew's minutes per page); Cast comma-separated; Requirements are set tags; "
        "After lists scenes shot before it."
    ),
}


def headers(lang: str) -> list[str]:
    return [c.zh if lang == "zh" else c.en for c in COLUMNS]


def template_csv(lang: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers(lang))
    writer.writerows(EXAMPLES[lang])
    # A BOM, so that spreadsheet programs read the Chinese as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(lang: str) -> bytes:
    return workbook(
        "分场表" if lang == "zh" else "Breakdown",
        NOTES[lang],
        headers(lang),
        EXAMPLES[lang],
        [6, 8, 8, 8, 22, 36, 8, 12, 24, 8, 22, 12, 12, 16],
    )


def workbook(
    title: str, note: str, header: list[str], rows: list[list[object]], widths: list[int]
) -> bytes:
    """A template sheet: a note on the first row, the header (bold) on the second, examples
    below it; the header stays in view when scrolling."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    sheet.append([note])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    sheet["A1"].font = Font(italic=True, color="555555")
    sheet["A1"].alignment = Alignment(wrap_text=False)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FCE9C8")
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(row=2, column=index).column_letter].width = width
    sheet.freeze_panes = "A3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
