"""REST: ``GET /api/v1/kpis`` — KPIs of the caller's tenant, as JSON, CSV or XLSX."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import Depends, Query, Request
from fastapi.responses import Response

from contactops.domains.kpis import service
from contactops.domains.kpis.schemas import KpiDefinition, KpiPeriod, KpiResponse
from contactops.engines.kpi.catalog import CATALOG, Kpi, KpiParameters
from contactops.platform.auth import Permission, Principal, require
from contactops.platform.i18n import gettext as _
from contactops.platform.web import api_router

router = api_router("/kpis", "kpis")


def definition(item: Kpi, params: Any) -> KpiDefinition:
    values = asdict(params)
    return KpiDefinition(
        id=item.id,
        name=_(item.name),
        short=_(item.short),
        unit=item.unit,
        better=item.better,
        formula=item.formula,
        definition=item.definition,
        group=item.group,
        parameters={name: values[name] for name in item.parameters},
    )


def query_from(
    principal: Principal,
    *,
    first_day: date | None,
    last_day: date | None,
    by: list[str] | None,
    interval: int,
    kpis: list[str] | None,
    queue: list[str] | None,
    channel: list[str] | None,
    agent: list[str] | None,
    sl_threshold_s: float | None,
    short_abandon_s: float | None,
    repeat_window_h: float | None,
    cost_per_agent_hour: float | None,
) -> service.KpiQuery:
    return service.parse_query(
        first_day=first_day,
        last_day=last_day,
        today=datetime.now(ZoneInfo(principal.time_zone)).date(),
        group_by=by,
        interval_minutes=interval,
        kpi_ids=kpis,
        queues=queue,
        channels=channel,
        agents=agent,
        params={
            "service_level_threshold_s": sl_threshold_s,
            "short_abandon_s": short_abandon_s,
            "repeat_window_h": repeat_window_h,
            "cost_per_agent_hour": cost_per_agent_hour,
        },
    )


@router.get("", response_model=KpiResponse)
def kpis(
    request: Request,
    principal: Annotated[Principal, Depends(require(Permission.VIEW_MEASURE))],
    first_day: Annotated[date | None, Query(alias="from", description="First local day.")] = None,
    last_day: Annotated[
        date | None, Query(alias="to", description="Last local day (included).")
    ] = None,
    by: Annotated[
        list[str] | None,
        Query(
            description="Group by (comma-separated or repeated): interval, time_of_day, "
            "weekday, day, week, month, queue, channel, agent, team, tenant."
        ),
    ] = None,
    interval: Annotated[int, Query(description="Interval minutes for by=interval.")] = 30,
    kpis: Annotated[list[str] | None, Query(description="KPI ids (default: all).")] = None,
    queue: Annotated[list[str] | None, Query()] = None,
    channel: Annotated[list[str] | None, Query()] = None,
    agent: Annotated[list[str] | None, Query()] = None,
    sl_threshold_s: Annotated[float | None, Query(description="Service-level T, seconds.")] = None,
    short_abandon_s: Annotated[float | None, Query(description="Short abandon S, seconds.")] = None,
    repeat_window_h: Annotated[float | None, Query(description="FCR/repeat window, hours.")] = None,
    cost_per_agent_hour: Annotated[float | None, Query()] = None,
    format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
) -> Any:
    """KPIs of the caller's tenant over local days, grouped as asked.

    Each KPI comes with its definition and the parameter values used (service-level threshold,
    short-abandon threshold...), so a figure is never shown without its variant.
    """
    query = query_from(
        principal,
        first_day=first_day,
        last_day=last_day,
        by=by,
        interval=interval,
        kpis=kpis,
        queue=queue,
        channel=channel,
        agent=agent,
        sl_threshold_s=sl_threshold_s,
        short_abandon_s=short_abandon_s,
        repeat_window_h=repeat_window_h,
        cost_per_agent_hour=cost_per_agent_hour,
    )
    result = service.tenant_kpis(
        request.app.state.db, principal.tenant_id, principal.tenant_slug, principal.time_zone, query
    )
    name = f"kpis-{principal.tenant_slug}-{query.first_day}-{query.last_day}"
    if format == "csv":
        return Response(
            service.to_csv(result),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if format == "xlsx":
        headers = {k.id: _(k.name) for k in result.kpis}
        return Response(
            service.to_xlsx(result, headers),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    start, end = query.bounds(principal.time_zone)
    return KpiResponse(
        period=KpiPeriod(
            first_day=query.first_day.isoformat(),
            last_day=query.last_day.isoformat(),
            time_zone=principal.time_zone,
            start=start.astimezone(UTC).isoformat(),
            end=end.astimezone(UTC).isoformat(),
        ),
        group_by=list(query.group_by),
        interval_minutes=query.interval_minutes,
        filters={
            "queue": list(query.queues),
            "channel": list(query.channels),
            "agent": list(query.agents),
        },
        kpis=[definition(k, query.params) for k in result.kpis],
        rows=result.json_rows(),
    )


@router.get("/catalog", response_model=list[KpiDefinition])
def catalog(
    principal: Annotated[Principal, Depends(require(Permission.VIEW_MEASURE))],
) -> list[KpiDefinition]:
    """Every KPI: id, name, unit, which way is better, formula, definition, default parameters."""

    return [definition(k, KpiParameters()) for k in CATALOG]
