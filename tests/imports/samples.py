"""Files shaped like the ones crews send: built here from readable rows, or read from
tests/fixtures/imports/."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from openpyxl import Workbook

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"

# A Chinese series' breakdown as coordinators keep it: a title row above the header, the
# episode written once per block (a merged cell reads as blanks below it), names separated
# by 、, a length in pages or in minutes, a column Backlot does not read (备注).
BREAKDOWN_ZH: list[list[object]] = [
    ["《清河夜渡》分场表  第1-2集", None, None, None, None, None, None, None, None, None, None,
     None, None],
    ["集", "场次", "内/外", "日/夜", "场景", "内容", "页数", "时长（分钟）", "主要演员", "群演",
     "要求", "接戏", "备注"],
    [1, 1, "外", "日", "清河镇长街", "沈青骑马入镇", "1 3/8", None, "沈青", "30人",
     "street", None, "马匹两匹"],
    [None, 2, "内", "日", "悦来客栈大堂", "沈青向掌柜打听消息", "2", 150, "沈青、周掌柜", 8,
     None, "1", None],
    [None, "3", "内", "夜", "悦来客栈客房", "夜半有人潜入", "6/8", None, "沈 青、黑衣人",
     None, None, "2", None],
    ["第2集", "1A", "外", "夜", "清河镇码头", "黑衣人乘船逃走", 1, None, "黑衣人", "20-30", None,
     "1-3", None],
]  # fmt: skip


def xlsx(rows: list[list[object]], title: str = "分场表") -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_text(rows: list[list[object]]) -> str:
    import csv

    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(
        [["" if c is None else c for c in row] for row in rows]
    )
    return out.getvalue()


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def zip_of(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A small zip that claims to be a workbook and inflates to 60 MB."""
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * 60_000_000)
    return bomb.getvalue()


def with_part(workbook: bytes, name: str, data: bytes) -> bytes:
    """A copy of a workbook with one part replaced."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    parts = {n: source.read(n) for n in source.namelist()}
    parts[name] = data
    return zip_of(parts)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
"""


def password_protected() -> bytes:
    """The start of what Excel writes for an encrypted workbook: an OLE compound file whose
    directory names the EncryptionInfo and EncryptedPackage streams."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    directory = "EncryptionInfo".encode("utf-16-le") + b"\x00" * 50
    directory += "EncryptedPackage".encode("utf-16-le") + b"\x00" * 50
    return header + directory + b"\x00" * 1024


def old_xls() -> bytes:
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    return header + "Workbook".encode("utf-16-le") + b"\x00" * 1024
