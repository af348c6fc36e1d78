"""REST: upload history files into the event log, and read what each import reported."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

from fastapi import Depends, File, Form, Request, UploadFile

from contactops.domains.imports import service
from contactops.domains.imports.schemas import ImportRunOut
from contactops.domains.imports.service import ImportKind, ImportRequest
from contactops.domains.imports.uploads import save_upload
from contactops.platform.auth import Permission, Principal, require
from contactops.platform.errors import InvalidInput
from contactops.platform.i18n import gettext as _
from contactops.platform.web import api_router

router = api_router("/imports", "imports")


@router.get("", response_model=list[ImportRunOut])
def list_runs(
    request: Request,
    principal: Annotated[Principal, Depends(require(Permission.VIEW_MEASURE))],
) -> list[ImportRunOut]:
    """The tenant's latest imports, newest first, with their counts and issues."""
    reports = service.recent_runs(request.app.state.db, principal.tenant_id)
    return [ImportRunOut.model_validate(asdict(r)) for r in reports]


def run_upload(
    request: Request,
    principal: Principal,
    upload: UploadFile,
    kind: str,
    time_zone: str | None,
    queue: str | None,
    interval_minutes: int | None,
    mapping: str | None,
) -> service.ImportReport:
    """Save the upload, import it, remove it: shared by the API and the page."""
    try:
        import_kind = ImportKind(kind)
    except ValueError as error:
        raise InvalidInput(
            "kind",
            _(
                "Unknown import kind %(kind)s; use one of: %(kinds)s.",
                kind=kind,
                kinds=", ".join(k.value for k in ImportKind),
            ),
        ) from error
    try:
        mapping_dict = json.loads(mapping) if mapping else None
    except ValueError as error:
        raise InvalidInput("mapping", _("The mapping is not valid JSON.")) from error
    path = save_upload(upload.file, upload.filename or "", request.app.state.settings.var_dir)
    try:
        return service.import_file(
            request.app.state.db,
            principal.tenant_id,
            ImportRequest(
                import_kind,
                path,
                time_zone=time_zone or principal.time_zone,
                queue=queue or None,
                interval_minutes=interval_minutes,
                mapping=mapping_dict,
            ),
            started_by=principal.user_id,
            source_name=upload.filename,
        )
    finally:
        path.unlink(missing_ok=True)


@router.post("", response_model=ImportRunOut)
def upload(
    request: Request,
    principal: Annotated[Principal, Depends(require(Permission.IMPORT_HISTORY))],
    file: Annotated[UploadFile, File(description="The file to import (.gz accepted).")],
    kind: Annotated[
        str, Form(description="queue-log, queue-log-table, anonymous-bank, intervals, csv")
    ],
    time_zone: Annotated[
        str | None, Form(description="IANA zone of clock times; default the tenant's.")
    ] = None,
    queue: Annotated[str | None, Form()] = None,
    interval_minutes: Annotated[int | None, Form()] = None,
    mapping: Annotated[str | None, Form(description="csv: the column mapping as JSON.")] = None,
) -> ImportRunOut:
    """Import one file. Idempotent: the same file again adds nothing; an interrupted import of
    the same file resumes. Bad lines are reported with their line number and kept out."""
    report = run_upload(request, principal, file, kind, time_zone, queue, interval_minutes, mapping)
    return ImportRunOut.model_validate(asdict(report))
