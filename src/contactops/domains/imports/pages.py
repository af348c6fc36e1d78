"""Page: imports of history — upload a file, see every run's counts and the lines it reported."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from contactops.domains.imports import service
from contactops.domains.imports.api import run_upload
from contactops.domains.imports.service import ImportKind
from contactops.platform.auth import Permission, Principal, require
from contactops.platform.errors import DomainError
from contactops.platform.i18n import gettext as _
from contactops.platform.i18n import lazy_gettext as _l
from contactops.platform.web import (
    NavItem,
    page_router,
    redirect_with_notice,
    register_nav,
    register_templates,
    render,
)

register_templates(Path(__file__).parent / "templates")
register_nav(NavItem("measure", _l("Imports"), "/measure/imports", Permission.VIEW_MEASURE, 20))
router = page_router()


def _kinds() -> list[tuple[str, str]]:
    return [
        (ImportKind.QUEUE_LOG.value, _("Asterisk queue_log file")),
        (ImportKind.QUEUE_LOG_TABLE.value, _("queue_log database table (CSV)")),
        (ImportKind.ANONYMOUS_BANK.value, _("Per-call records (Anonymous Bank format)")),
        (ImportKind.INTERVALS.value, _("Interval volume history (CSV)")),
    ]


def _page(request: Request, principal: Principal, error: str | None = None) -> Response:
    runs = service.recent_runs(request.app.state.db, principal.tenant_id)
    context = {"runs": runs, "kinds": _kinds(), "error": error}
    return render(
        request,
        "imports/imports.html",
        context,
        title=_("Imports"),
        status_code=422 if error else 200,
    )


@router.get("/measure/imports")
def imports_page(
    request: Request, principal: Principal = Depends(require(Permission.VIEW_MEASURE))
) -> Response:
    return _page(request, principal)


@router.post("/measure/imports")
def upload(
    request: Request,
    principal: Principal = Depends(require(Permission.IMPORT_HISTORY)),
    file: UploadFile = File(),
    kind: str = Form(),
    time_zone: str = Form(""),
    queue: str = Form(""),
) -> Response:
    try:
        report = run_upload(request, principal, file, kind, time_zone, queue, None, None)
    except DomainError as error:
        return _page(request, principal, error.detail)
    if report.already_imported:
        message = _("%(file)s was already imported; nothing was added.", file=report.source_name)
    else:
        message = _(
            "%(file)s: %(imported)s lines imported, %(skipped)s skipped.",
            file=report.source_name,
            imported=report.lines_imported,
            skipped=report.lines_skipped,
        )
    return redirect_with_notice(request, "/measure/imports", message)
