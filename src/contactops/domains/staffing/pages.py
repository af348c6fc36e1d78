"""Page: the staffing calculator (Plan section) — a GET form, so answers are linkable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import Response

from contactops.domains.staffing import service
from contactops.domains.staffing.schemas import StaffingRow
from contactops.platform.auth import Permission, Principal, require
from contactops.platform.i18n import gettext as _
from contactops.platform.i18n import lazy_gettext as _l
from contactops.platform.web import NavItem, page_router, register_nav, register_templates, render

register_templates(Path(__file__).parent / "templates")
register_nav(NavItem("plan", _l("Staffing calculator"), "/plan/staffing", Permission.VIEW_PLAN, 10))
router = page_router()

# What an empty form starts from: 100 calls per half hour of 3-minute calls, 80 % in 20 s.
FORM_DEFAULTS = {
    "model": "erlang_c",
    "calls": "100",
    "interval_minutes": "30",
    "aht_s": "180",
    "target_sl_percent": "80",
    "target_s": "20",
    "max_blocking_percent": "1",
    "patience_s": "120",
    "shrinkage_percent": "30",
    "concurrency": "1",
}
# Which models each form input applies to (the page hides the others for the chosen model).
FIELD_MODELS = {
    field.name: " ".join(
        model for model in service.MODELS if field.row_field in service.FIELDS_FOR_MODEL[model]
    )
    for field in service.FORM_FIELDS
}


def _chart_data(row: StaffingRow, curve: service.Curve) -> dict[str, Any]:
    """What staffing.js draws: the metrics per staffing level, with translated labels."""
    fraction_series = (
        ("service_level", _("Service level")),
        ("occupancy", _("Occupancy")),
        ("p_abandon", _("Abandoned")),
        ("p_block", _("Blocked")),
    )
    series = [
        {"name": label, "axis": "fraction", "values": getattr(curve, key)}
        for key, label in fraction_series
        if getattr(curve, key) is not None
    ]
    if curve.asa_s is not None:
        series.append({"name": _("ASA (seconds)"), "axis": "seconds", "values": curve.asa_s})
    return {
        "agents": curve.agents,
        "answer": curve.answer,
        "series": series,
        "labels": {
            "agents": _("Lines") if row.model == "erlang_b" else _("Agents"),
            "percent": _("Percent"),
            "seconds": _("Seconds"),
            "answer": _("Answer"),
        },
    }


@router.get("/plan/staffing")
def calculator(
    request: Request, principal: Principal = Depends(require(Permission.VIEW_PLAN))
) -> Response:
    submitted = "model" in request.query_params
    values = dict(request.query_params) if submitted else FORM_DEFAULTS
    context: dict[str, Any] = {"values": values, "errors": {}, "field_models": FIELD_MODELS}
    title = _("Staffing calculator")
    if not submitted:
        return render(request, "staffing/calculator.html", context, title=title)
    try:
        row = service.row_from_form(values)
    except service.InvalidRow as error:
        context["errors"] = {e.field: e.message for e in error.errors}
        return render(
            request, "staffing/calculator.html", context, status_code=error.status, title=title
        )
    result = service.calculate_row(row)
    context.update(
        row=row,
        result=result,
        evaluating=service.staffing_of(row) is not None,
        load_erlangs=service.offered_load_erlangs(row),
        chart=_chart_data(row, service.curve(row, result.agents or 0)),
    )
    return render(request, "staffing/calculator.html", context, title=title)
