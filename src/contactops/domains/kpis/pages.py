"""Page: the Measure dashboard — KPI tiles against targets, trend, interval × weekday heat map,
the queue table and exports of what is on screen. Every figure comes from the KPI catalog."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import get_day_names
from fastapi import Depends, Request
from fastapi.responses import Response

from contactops.domains.kpis import service
from contactops.domains.organization import service as organization
from contactops.engines.kpi.catalog import CATALOG, GROUPS, KpiParameters, kpi
from contactops.platform.auth import Permission, Principal, require, tenant_session
from contactops.platform.errors import InvalidInput
from contactops.platform.i18n import current_locale
from contactops.platform.i18n import gettext as _
from contactops.platform.i18n import lazy_gettext as _l
from contactops.platform.web import NavItem, page_router, register_nav, register_templates, render

register_templates(Path(__file__).parent / "templates")
register_nav(
    NavItem("measure", _l("KPI dashboard"), "/measure/dashboard", Permission.VIEW_MEASURE, 10)
)
router = page_router()

# Tiles in reading order: (KPI id, comparison, target). Service level's target comes from the
# queue settings; the others are common industry defaults shown as such.
TILES: tuple[tuple[str, str | None, float | None], ...] = (
    ("offered", None, None),
    ("answered", None, None),
    ("sl_abandons_against", ">=", None),
    ("asa", None, None),
    ("abandon_rate", "<=", 0.05),
    ("aht", None, None),
    ("occupancy", "<=", 0.85),
    ("transfer_rate", "<=", 0.10),
    ("fcr", ">=", 0.70),
    ("contacts_per_agent_hour", None, None),
)
TABLE_KPIS = (
    "offered",
    "answered",
    "abandoned",
    "abandon_rate",
    "sl_abandons_against",
    "sl_answered",
    "asa",
    "longest_wait",
    "aht",
    "transfer_rate",
    "fcr",
)


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise InvalidInput(name, _("Enter a date as YYYY-MM-DD.")) from error


def _number(value: str | None, name: str) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError as error:
        raise InvalidInput(name, _("Enter a number.")) from error


def _met(value: float | None, comparison: str | None, target: float | None) -> bool | None:
    if value is None or comparison is None or target is None:
        return None
    return value >= target if comparison == ">=" else value <= target


@router.get("/measure/dashboard")
def dashboard(
    request: Request, principal: Principal = Depends(require(Permission.VIEW_MEASURE))
) -> Response:
    db = request.app.state.db
    args = request.query_params
    queues = organization.list_queues(db, principal)
    chosen_queue = next((q for q in queues if q.code == args.get("queue")), None)
    errors: dict[str, str] = {}
    try:
        threshold = _number(args.get("sl"), "sl")
        if threshold is None:
            threshold = float(chosen_queue.service_level_threshold_s if chosen_queue else 20)
        interval = int(args.get("interval") or 30)
        query = service.parse_query(
            first_day=_date(args.get("from"), "from"),
            last_day=_date(args.get("to"), "to"),
            today=datetime.now(ZoneInfo(principal.time_zone)).date(),
            interval_minutes=interval if interval in (15, 30, 60) else 30,
            queues=[chosen_queue.code] if chosen_queue else [],
            channels=[args["channel"]] if args.get("channel") else [],
            params={"service_level_threshold_s": threshold},
        )
    except InvalidInput as error:
        errors = {e.field: e.message for e in error.errors}
        query = service.parse_query(
            first_day=None, last_day=None, today=datetime.now(ZoneInfo(principal.time_zone)).date()
        )
    with tenant_session(db, principal) as session:
        inputs = service.inputs_in(session, principal.time_zone, query)
    tz, label = principal.time_zone, principal.tenant_slug
    totals = service.compute(inputs, label, tz, query, ()).rows()[0]
    single_day = query.first_day == query.last_day
    trend = service.compute(inputs, label, tz, query, ("interval",) if single_day else ("day",))
    heat = service.compute(inputs, label, tz, query, ("weekday", "time_of_day"))
    by_queue = service.compute(inputs, label, tz, query, ("queue",))
    sl_target = (
        chosen_queue.service_level_target
        if chosen_queue
        else (min((q.service_level_target for q in queues), default=0.8))
    )
    tiles = []
    for kpi_id, comparison, target in TILES:
        target = sl_target if kpi_id == "sl_abandons_against" else target
        item = kpi(kpi_id)
        tiles.append(
            {
                "kpi": item,
                "value": totals.get(kpi_id),
                "target": target,
                "comparison": comparison,
                "met": _met(totals.get(kpi_id), comparison, target),
            }
        )
    export_args = {
        "from": query.first_day.isoformat(),
        "to": query.last_day.isoformat(),
        "by": "queue",
        "kpis": ",".join(TABLE_KPIS),
        "sl_threshold_s": f"{threshold:g}" if not errors else "20",
        **({"queue": chosen_queue.code} if chosen_queue else {}),
        **({"channel": args["channel"]} if args.get("channel") else {}),
    }
    context: dict[str, Any] = {
        "query": query,
        "values": {
            "from": query.first_day.isoformat(),
            "to": query.last_day.isoformat(),
            "queue": chosen_queue.code if chosen_queue else "",
            "channel": args.get("channel", ""),
            "sl": f"{query.params.service_level_threshold_s:g}",
            "interval": str(query.interval_minutes),
        },
        "errors": errors,
        "queues": queues,
        "tiles": tiles,
        "table_kpis": [kpi(k) for k in TABLE_KPIS],
        "queue_rows": by_queue.rows(),
        "totals": totals,
        "chart": _chart_data(trend, heat, single_day),
        "csv_url": "/api/v1/kpis?" + urlencode({**export_args, "format": "csv"}),
        "xlsx_url": "/api/v1/kpis?" + urlencode({**export_args, "format": "xlsx"}),
    }
    status = 422 if errors else 200
    return render(
        request, "kpis/dashboard.html", context, title=_("KPI dashboard"), status_code=status
    )


def _chart_data(
    trend: service.KpiResult, heat: service.KpiResult, single_day: bool
) -> dict[str, Any]:
    """What kpis.js draws: the trend and the heat map, with translated labels."""
    day_names = get_day_names("abbreviated", locale=current_locale().replace("_Hans", ""))
    trend_rows = trend.rows()
    key = "interval" if single_day else "day"
    heat_rows = heat.rows()
    times = sorted({r["time_of_day"] for r in heat_rows})
    return {
        "trend": {
            "x": [
                r[key].strftime("%H:%M") if single_day else r[key].isoformat() for r in trend_rows
            ],
            "offered": [r["offered"] for r in trend_rows],
            "answered": [r["answered"] for r in trend_rows],
            "service_level": [r["sl_abandons_against"] for r in trend_rows],
        },
        "heat": {
            "times": times,
            "days": [day_names[d - 1] for d in range(1, 8)],
            "cells": [
                [times.index(r["time_of_day"]), r["weekday"] - 1, r["offered"]]
                for r in heat_rows
                if r["offered"]
            ],
        },
        "labels": {
            "offered": _("Offered"),
            "answered": _("Answered"),
            "service_level": _("Service level"),
            "contacts": _("Contacts"),
            "percent": _("Percent"),
        },
    }


GROUP_NAMES = {
    "volume": _l("Volume"),
    "speed": _l("Speed of answer"),
    "service_level": _l("Service level"),
    "handling": _l("Handling"),
    "quality": _l("Resolution and repeats"),
    "workforce": _l("Workforce"),
    "cost": _l("Cost"),
    "experience": _l("Customer experience"),
}


@router.get("/measure/catalog")
def catalog(
    request: Request, principal: Principal = Depends(require(Permission.VIEW_MEASURE))
) -> Response:
    """Every KPI with its formula, definition and default parameters: the one definition."""
    defaults = KpiParameters()
    groups = [
        (
            GROUP_NAMES[group],
            [
                (item, {name: getattr(defaults, name) for name in item.parameters})
                for item in CATALOG
                if item.group == group
            ],
        )
        for group in GROUPS
    ]
    return render(request, "kpis/catalog.html", {"groups": groups}, title=_("KPI definitions"))
