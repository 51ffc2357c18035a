"""An uploaded file: what it is (by its content, not its name), within limits, read.

Excel workbooks are zip archives: their declared uncompressed size and number of parts are
checked before anything is inflated (a zip bomb is refused unread), then openpyxl reads them
in read-only mode, which streams the sheet. openpyxl parses the workbook's XML through
defusedxml when it is installed (it is a dependency): no entity expansion, no external
references. A password-protected workbook is not a zip but an OLE compound file holding an
``EncryptionInfo`` stream; an old ``.xls`` is an OLE file without one. Both are told apart
and refused with what to do. Text files are read as UTF-8 (with or without BOM), UTF-16 with
a BOM, or GB18030 (what Excel on Chinese Windows writes for "CSV").
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import openpyxl
from defusedxml import DefusedXmlException
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.xml import DEFUSEDXML

from app.errors import DomainError, PayloadTooLarge
from app.imports import screenplay
from app.imports.messages import Problem
from app.imports.rows import Parsed
from app.imports.tables import BREAKDOWN, read_table

if not DEFUSEDXML:  # pragma: no cover - a deployment that turned it off (OPENPYXL_DEFUSEDXML)
    raise RuntimeError(
        "openpyxl must parse workbooks through defusedxml: unset OPENPYXL_DEFUSEDXML"
    )

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
MAX_XLSX_UNCOMPRESSED = 50_000_000
MAX_XLSX_PARTS = 2000
# Physical rows scanned in a sheet or CSV: blank rows count, so that a sheet formatted down
# to row 1,048,576 is refused quickly rather than walked. A longer import (the register) may
# scan twice its rows.
MAX_SCANNED_ROWS = 20_000
MAX_COLUMNS = 60
BINARY_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
    b"\x1f\x8b": "a gzip archive",
    b"{\\rtf": "an RTF document",
}
# A .txt may be either: Excel's "Unicode text" breakdown, or a screenplay (its content says).
TEXT_EXTENSIONS = {"csv": "csv", "tsv": "csv", "fountain": "fountain", "spmd": "fountain"}
WHAT_WE_READ = (
    "Backlot reads breakdowns as Excel (.xlsx) or CSV, and screenplays as Fountain "
    "(.fountain) or Final Draft (.fdx)."
)
Rows = Iterable[tuple[int, Sequence[object]]]


@dataclass(frozen=True)
class Subject:
    """What an upload should hold, in the words its refusals use."""

    what_we_read: str  # the kinds of file read, said after a refusal
    sheet: str  # what the sheet is: "breakdown"
    rows: str  # what its rows are: "scenes"
    in_parts: str  # how to split a file that is too long


SCENES = Subject(WHAT_WE_READ, "breakdown", "scenes", "one episode or block at a time")


class Table(Protocol):
    """What a sheet's reader returns: the rows it read and the problems it found."""

    @property
    def rows(self) -> Sequence[object]: ...

    @property
    def errors(self) -> Sequence[Problem]: ...


T = TypeVar("T", bound=Table)


class UnsupportedFile(DomainError):
    status, title, slug = 415, "Unsupported file type", "unsupported-file"


class UnreadableFile(DomainError):
    status, title, slug = 422, "File cannot be read", "unreadable-file"


def _extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def read_upload(data: bytes, filename: str, max_bytes: int, max_rows: int) -> Parsed:
    """The file's scenes and problems; a file that cannot be read at all is refused here."""
    text = _text_or_workbook(data, max_bytes, SCENES)
    if text is None:
        return _xlsx(data, max_rows, read_table, SCENES)
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("<"):
        if "<FinalDraft" not in stripped[:4096]:
            raise UnsupportedFile(
                f"This is an XML or HTML file, not a Final Draft script. {WHAT_WE_READ}",
                code="kind",
            )
        try:
            return _within(screenplay.read_fdx(data), max_rows, SCENES)
        except screenplay.ScriptRefused as exc:
            raise UnreadableFile(str(exc), code=exc.code) from exc
    extension = _extension(filename)
    if extension == "fdx":
        raise UnreadableFile(
            "This file is named .fdx but is not a Final Draft (XML) file.", code="not_fdx"
        )
    _not_named_a_workbook(extension)
    kind = TEXT_EXTENSIONS.get(extension) or _guess_text(text)
    try:
        if kind == "csv":
            return _csv(text, max_rows, read_table, SCENES)
        return _within(screenplay.read_fountain(text), max_rows, SCENES)
    except screenplay.ScriptRefused as exc:
        raise UnreadableFile(str(exc), code=exc.code) from exc


def read_sheet(
    data: bytes,
    filename: str,
    max_bytes: int,
    max_rows: int,
    read: Callable[[str, Rows], T],
    subject: Subject,
) -> T:
    """A spreadsheet (Excel .xlsx or CSV) read by ``read`` (format, rows), under the same
    checks and limits as a breakdown: the first sheet of a workbook whose header ``read``
    finds."""
    text = _text_or_workbook(data, max_bytes, subject)
    if text is None:
        return _xlsx(data, max_rows, read, subject)
    if text.lstrip("\ufeff \t\r\n").startswith("<"):
        raise UnsupportedFile(
            f"This is an XML or HTML file, not a spreadsheet. {subject.what_we_read}", code="kind"
        )
    _not_named_a_workbook(_extension(filename))
    return _csv(text, max_rows, read, subject)


def _text_or_workbook(data: bytes, max_bytes: int, subject: Subject) -> str | None:
    """The file's text, or None for a zip (a workbook); kinds never read are refused."""
    if len(data) > max_bytes:
        raise PayloadTooLarge(
            f"The file is larger than {max_bytes:,} bytes. {subject.what_we_read}",
            code="too_large",
        )
    if not data.strip():
        raise UnreadableFile("The file is empty.", code="empty")
    head = data[:8]
    if head.startswith(ZIP_MAGIC):
        return None
    if head.startswith(OLE_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise UnreadableFile(
                "The workbook is password-protected. Open it in Excel, remove the password "
                "(File > Info > Protect Workbook > Encrypt with Password: clear it), save it "
                "and upload it again.",
                code="password",
            )
        raise UnsupportedFile(
            "This is an old Excel .xls (or another Office) file. Save it as Excel Workbook "
            f"(.xlsx) and upload that. {subject.what_we_read}",
            code="xls",
        )
    for magic, what in BINARY_MAGIC.items():
        if data.startswith(magic):
            raise UnsupportedFile(f"This file is {what}. {subject.what_we_read}", code="kind")
    return _decode(data, subject)


def _not_named_a_workbook(extension: str) -> None:
    if extension in ("xlsx", "xlsm", "xls"):
        raise UnreadableFile(
            f"This file is named .{extension} but is not an Excel workbook (it is plain text).",
            code="kind",
        )


def _csv(text: str, max_rows: int, read: Callable[[str, Rows], T], subject: Subject) -> T:
    return _within(read("csv", _limited(_csv_rows(text), max_rows, subject)), max_rows, subject)


def _within(parsed: T, max_rows: int, subject: Subject) -> T:
    if len(parsed.rows) + len({p.at for p in parsed.errors}) > max_rows:
        raise UnreadableFile(
            f"The file has more than {max_rows:,} {subject.rows}: import it in parts "
            f"({subject.in_parts}).",
            code="too_many_rows",
        )
    return parsed


def _decode(data: bytes, subject: Subject) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnreadableFile(
                "The file says it is UTF-16 text but is not.", code="encoding"
            ) from exc
    if b"\x00" in data:
        raise UnsupportedFile(
            f"This is a binary file of a kind Backlot does not read. {subject.what_we_read}",
            code="kind",
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(
        "The text is neither UTF-8 nor GB18030 (GBK): save it as UTF-8.", code="encoding"
    )


def _delimiter(text: str) -> str:
    """The separator the top lines use most: comma, tab (Excel's "Unicode text") or semicolon."""
    top = "\n".join(text.splitlines()[:10])
    return max((",", "\t", ";"), key=top.count)


def _csv_rows(text: str) -> Iterator[tuple[int, Sequence[object]]]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=_delimiter(text))
    try:
        for cells in reader:
            yield reader.line_num, cells[:MAX_COLUMNS]
    except csv.Error as exc:
        raise UnreadableFile(
            f"The CSV file is malformed at line {reader.line_num}: {exc}.", code="csv"
        ) from exc


def _guess_text(text: str) -> str:
    """A text file without a telling name: a breakdown if its top rows name the columns."""
    top = list(_csv_rows("\n".join(text.splitlines()[:10])))
    header, clash = BREAKDOWN.find_header(top)
    return "csv" if header is not None or clash is not None else "fountain"


def _limited(
    rows: Iterator[tuple[int, Sequence[object]]], max_rows: int, subject: Subject
) -> Iterator[tuple[int, Sequence[object]]]:
    """Rows up to the limits: at most ``max_rows`` filled ones (besides the header and title
    rows) and ``MAX_SCANNED_ROWS`` (or twice ``max_rows``) in all."""
    filled = 0
    most = max(MAX_SCANNED_ROWS, 2 * max_rows)
    for scanned, (at, cells) in enumerate(rows, start=1):
        if scanned > most:
            raise UnreadableFile(
                f"The sheet runs past {most:,} rows (blank ones included): delete "
                f"the rows below the {subject.sheet} and upload it again.",
                code="too_many_rows",
            )
        if any(c is not None and str(c).strip() for c in cells):
            filled += 1
            if filled > max_rows + 10:
                raise UnreadableFile(
                    f"The file has more than {max_rows:,} rows: import it in parts "
                    f"({subject.in_parts}).",
                    code="too_many_rows",
                )
        yield at, cells


def _xlsx(data: bytes, max_rows: int, read: Callable[[str, Rows], T], subject: Subject) -> T:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, zlib.error, ValueError, EOFError) as exc:
        raise UnreadableFile(
            "The file looks like an Excel workbook but is damaged (the zip archive cannot be "
            "read). Open it in Excel, save it again and upload that.",
            code="damaged",
        ) from exc
    names = {p.filename for p in parts}
    if "xl/workbook.xml" not in names and not any(n.endswith("workbook.xml") for n in names):
        what = "a Word document" if "word/document.xml" in names else "a zip archive"
        raise UnsupportedFile(
            f"This is {what}, not an Excel workbook. {subject.what_we_read}", code="kind"
        )
    if len(parts) > MAX_XLSX_PARTS or sum(p.file_size for p in parts) > MAX_XLSX_UNCOMPRESSED:
        raise UnreadableFile(
            f"The workbook unpacks to more than {MAX_XLSX_UNCOMPRESSED // 1_000_000} MB: a "
            f"{subject.sheet} is far smaller. Copy the {subject.sheet} sheet into a new workbook "
            "and upload that.",
            code="too_large",
        )
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return _within(_first_table(book, max_rows, read, subject), max_rows, subject)
        finally:
            book.close()
    except DomainError:
        raise
    except (
        DefusedXmlException,
        InvalidFileException,
        zipfile.BadZipFile,
        zlib.error,
        KeyError,
        ValueError,
        TypeError,
        EOFError,
        OSError,
        SyntaxError,  # xml.etree's ParseError
    ) as exc:
        if _caused_by(exc, DefusedXmlException):
            raise UnreadableFile(
                "The workbook declares XML entities or a DTD, which Backlot refuses (a known "
                "attack; Excel never writes them).",
                code="entities",
            ) from exc
        raise UnreadableFile(
            "The workbook is damaged and cannot be read. Open it in Excel, save it again and "
            "upload that.",
            code="damaged",
        ) from exc


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """Whether ``exc`` is, or was raised from, a ``kind`` (openpyxl wraps its readers' errors)."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _sheet_rows(sheet: Any) -> Iterator[tuple[int, Sequence[object]]]:
    yield from enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1)


def _first_table(book: Any, max_rows: int, read: Callable[[str, Rows], T], subject: Subject) -> T:
    """The first sheet whose top rows hold the header ``read`` looks for."""
    first: T | None = None
    for sheet in book.worksheets:
        parsed = read("xlsx", _limited(_sheet_rows(sheet), max_rows, subject))
        if parsed.rows or not any(
            p.code == "missing_column" and p.at is None for p in parsed.errors
        ):
            return parsed
        first = first or parsed
    assert first is not None
    return first
