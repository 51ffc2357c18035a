"""A call sheet as an .xlsx workbook (openpyxl): one sheet laid out like the printed page.

Every text cell goes through ``as_text_cell`` (the CSV export's rule): text that a
spreadsheet program would run as a formula is written as text.
"""

from __future__ import annotations

import io
from datetime import time

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from app.callsheets.service import CallSheet
from app.exports.service import as_text_cell
from app.web.i18n import Lang, Translator, pages_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _hm(at: time | None) -> str:
    return at.strftime("%H:%M") if at is not None else "—"


def callsheet_xlsx(sheet: CallSheet, lang: Lang) -> bytes:
    t = Translator(lang)
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet.date.isoformat()
    bold = Font(bold=True)

    def row(*cells: object, strong: bool = False) -> None:
        ws.append([as_text_cell(c) for c in cells])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text
            if strong:
                cell.font = bold

    row(f"{t('cs.title')} · {sheet.crew_name}", strong=True)
    row(t("cs.company"), sheet.company)
    row(t("cs.date"), t.ymd(sheet.date), t("cs.day_of", n=sheet.day_number, m=sheet.days_total))
    row(t("cs.call"), _hm(sheet.call_time))
    row(t("cs.sunrise"), _hm(sheet.sunrise), t("cs.sunset"), _hm(sheet.sunset))
    row()
    row(t("cs.where"), strong=True)
    row(t("cs.set"), t("cs.base"), t("cs.address"), "", strong=True)
    for p in sheet.places:
        booking = t(f"cs.booking.{p.booking or 'none'}")
        address = p.set_address or p.base_address
        row(
            f"{t.name(p.set_name_zh, p.set_name_en)} ({p.set_code})",
            t.name(p.base_name_zh, p.base_name_en),
            address,
            booking,
        )
    row()
    row(t("cs.scenes"), strong=True)
    row(
        t("cs.scene"), t("cs.ie"), t("cs.dn"), t("cs.pages"), t("cs.synopsis"), t("cs.cast"),
        t("cs.extras"), t("cs.set"), strong=True,
    )  # fmt: skip
    for s in sheet.scenes:
        synopsis = s.synopsis
        if s.parts > 1:
            synopsis += f" ({t('cs.part', i=s.part, n=s.parts)})"
        row(
            s.number, t(f"cs.{s.int_ext}"), t(f"cs.{s.day_night}"), pages_text(s.page_eighths),
            synopsis, ", ".join(f"{c.number}. {c.name}" for c in s.cast), s.extras,
            s.set_code or "",
        )  # fmt: skip
    row(t("cs.total"), "", "", pages_text(sheet.page_eighths), "", "", sheet.extras, strong=True)
    row()
    row(t("cs.cast_calls"), strong=True)
    row("#", t("cs.cast"), t("cs.makeup"), t("cs.on_set"), t("cs.in_scenes"), strong=True)
    for c in sheet.cast:
        row(c.number, c.name, _hm(c.makeup_at), _hm(c.on_set_at), ", ".join(c.scenes))
    row()
    row(t("cs.notes"), strong=True)
    for note in sheet.notes or [t("cs.no_notes")]:
        row(note)
    for column, width in zip("ABCDEFGH", (16, 14, 14, 12, 48, 36, 8, 14), strict=True):
        ws.column_dimensions[column].width = width
    for line in ws.iter_rows():
        for cell in line:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
