"""Routes for importing a crew's breakdown or screenplay: upload for a preview, then apply.

Only the crew's coordinators (and admins) import (``OwnCrew``). Uploading and applying take
the API key; the template downloads also accept the page session, so that the import
page's links work.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, UploadFile, status
from fastapi.responses import Response

from app.access import OwnCrew, own_crew
from app.clock import NowDep
from app.config import get_settings
from app.deps import CurrentUser, SessionDep
from app.errors import API_KEY_ROUTE, PayloadTooLarge, problems
from app.exports.router import ExportUser
from app.imports import service, template
from app.imports.files import SCENES, Subject, read_upload
from app.imports.schemas import ImportApplied, ImportOut
from app.models import Crew, SceneImport
from app.routing import TransactionalRoute
from app.schemas import PathId

router = APIRouter(tags=["imports"], route_class=TransactionalRoute, responses=API_KEY_ROUTE)
_CREW_DATA = problems(403, 404)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Lang = Annotated[Literal["zh", "en"], Query(description="Headers and examples: 中文 or English")]


def import_out(found: SceneImport, now: datetime) -> dict[str, Any]:
    preview = found.preview
    return {
        **service.preview_out(found, now),
        "crew_id": found.crew_id,
        "unit": preview.get("unit", "row"),
        "counts": preview.get("counts", {}),
        "scenes": preview.get("scenes", []),
        "new_cast": preview.get("new_cast", []),
    }


def read_file(upload: UploadFile, subject: Subject = SCENES, limit: int | None = None) -> bytes:
    """The uploaded bytes, refused past the size limit (the import's unless given) without
    reading further."""
    limit = get_settings().max_import_bytes if limit is None else limit
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(
            f"The file is larger than {limit:,} bytes. {subject.what_we_read}", code="too_large"
        )
    return data


def preview_upload(
    session: SessionDep, crew: Crew, user: Any, upload: UploadFile, now: datetime
) -> SceneImport:
    """Read an uploaded file and keep its preview (the API and the import page alike)."""
    settings = get_settings()
    data = read_file(upload)
    filename = upload.filename or ""
    parsed = read_upload(data, filename, settings.max_import_bytes, settings.max_import_rows)
    return service.create_preview(session, crew, user, parsed, data, filename, now)


_TEMPLATE_ROUTE: dict[int | str, dict[str, Any]] = {
    **problems(401, 403, 404, 422, 429, 503),
}


def _template_crew(crew_id: PathId, session: SessionDep, user: ExportUser) -> Crew:
    return own_crew(session, user, crew_id)


def download(body: bytes, media_type: str, filename: str) -> Response:
    """A file to save, never shown in the browser nor kept in a cache."""
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get(
    "/crews/{crew_id}/imports/template.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "An Excel workbook"}, **_TEMPLATE_ROUTE},
    summary="The breakdown template (分场表) as Excel, with example rows",
)
def template_xlsx(
    crew_id: PathId, session: SessionDep, user: ExportUser, lang: Lang = "zh"
) -> Response:
    _template_crew(crew_id, session, user)
    return download(template.template_xlsx(lang), XLSX, f"breakdown-template-{lang}.xlsx")


@router.get(
    "/crews/{crew_id}/imports/template.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a byte-order mark"},
        **_TEMPLATE_ROUTE,
    },
    summary="The breakdown template (分场表) as CSV, with example rows",
)
def template_csv(
    crew_id: PathId, session: SessionDep, user: ExportUser, lang: Lang = "zh"
) -> Response:
    _template_crew(crew_id, session, user)
    return download(
        template.template_csv(lang), "text/csv; charset=utf-8", f"breakdown-template-{lang}.csv"
    )


@router.post(
    "/crews/{crew_id}/imports",
    response_model=ImportOut,
    status_code=status.HTTP_201_CREATED,
    responses=problems(403, 404, 413, 415, 422),
    summary="Upload a breakdown (.xlsx, .csv) or screenplay (.fountain, .fdx) for a preview",
)
def upload(
    crew: OwnCrew,
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
    file: Annotated[UploadFile, File(description="The breakdown or screenplay")],
) -> dict[str, Any]:
    """Reads the file and keeps a preview of what applying it would do; changes no scene.

    Problems in single rows are listed in the preview (``errors``, which block applying);
    a file that cannot be read at all (the wrong kind, damaged, password-protected, too big,
    too many rows) is refused with a problem and nothing is kept.
    """
    return import_out(preview_upload(session, crew, user, file, now), now)


@router.get(
    "/crews/{crew_id}/imports/{import_id}",
    response_model=ImportOut,
    responses=_CREW_DATA,
    summary="An import's preview",
)
def get_import(
    crew: OwnCrew, import_id: PathId, session: SessionDep, now: NowDep
) -> dict[str, Any]:
    return import_out(service.get_import(session, crew, import_id), now)


@router.post(
    "/crews/{crew_id}/imports/{import_id}/apply",
    response_model=ImportApplied,
    responses=problems(403, 404, 409),
    summary="Apply a preview, all or nothing",
)
def apply_import(
    crew: OwnCrew, import_id: PathId, session: SessionDep, now: NowDep
) -> dict[str, Any]:
    """Creates and updates exactly the scenes the preview showed, and the new cast, in one
    transaction. 409 (and nothing changed) if the file had errors, the preview expired or
    was applied already, or the crew's scenes or cast changed since the preview."""
    found = service.get_import(session, crew, import_id)
    done = service.apply_import(session, crew, found, now)
    return {
        **import_out(found, now),
        "created": done.created,
        "updated": done.updated,
        "cast_created": done.cast_created,
    }
