"""Call sheets: JSON and .xlsx. Reads, so the page session is accepted like the downloads."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from app.callsheets import service
from app.callsheets.schemas import CallSheetOut
from app.callsheets.xlsx import XLSX, callsheet_xlsx
from app.clock import NowDep
from app.deps import SessionDep
from app.errors import problems
from app.exports.router import ExportUser
from app.routing import TransactionalRoute
from app.schemas import IsoDate, PathId

router = APIRouter(tags=["call sheets"], route_class=TransactionalRoute)
PathDate = Annotated[IsoDate, Path(description="The shooting day, YYYY-MM-DD")]
_READ = problems(401, 404, 413, 422, 429, 503)
_XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {XLSX: {}}, "description": "An Excel workbook (.xlsx)"},
}


# Registered before the JSON route, whose {day} would otherwise take "…xlsx" too.
@router.get(
    "/crews/{crew_id}/callsheets/{day}.xlsx",
    response_class=Response,
    responses={**_XLSX_RESPONSE, **_READ},
    summary="A crew's call sheet for a shooting day, as an .xlsx workbook",
)
def callsheet_xlsx_download(
    crew_id: PathId,
    day: PathDate,
    session: SessionDep,
    user: ExportUser,
    now: NowDep,
    lang: Annotated[Literal["zh", "en"], Query(description="Language of the sheet")] = "zh",
) -> Response:
    sheet = service.callsheet(session, user, crew_id, day, now)
    return Response(
        callsheet_xlsx(sheet, lang),
        media_type=XLSX,
        headers={
            "Content-Disposition": (
                f'attachment; filename="callsheet-{sheet.crew_code}-{day.isoformat()}.xlsx"'
            ),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get(
    "/crews/{crew_id}/callsheets/{day}",
    response_model=CallSheetOut,
    responses=_READ,
    summary="A crew's call sheet (通告单) for a shooting day",
    description=(
        "Built from the crew's pinned scenes and accepted proposals (never mere proposals). "
        "Readable by the crew's coordinators, administrators, and the managers of a base "
        "where the crew shoots that day."
    ),
)
def get_callsheet(
    crew_id: PathId, day: PathDate, session: SessionDep, user: ExportUser, now: NowDep
) -> CallSheetOut:
    return CallSheetOut.model_validate(service.callsheet(session, user, crew_id, day, now))
