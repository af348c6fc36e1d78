"""``contactops kpi``: KPIs from the event log, as a table, JSON or CSV."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from contactops.domains.kpis import service
from contactops.engines.kpi.catalog import CATALOG
from contactops.platform.commands import (
    TenantOption,
    console,
    fail,
    migrated_database,
    tenant_by_slug,
)
from contactops.platform.errors import DomainError


def _format(value: Any, unit: str | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if unit == "ratio":
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def kpi(
    tenant: TenantOption,
    first_day: Annotated[
        datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="First local day.")
    ] = None,
    last_day: Annotated[
        datetime | None,
        typer.Option("--to", formats=["%Y-%m-%d"], help="Last local day (included)."),
    ] = None,
    by: Annotated[
        str, typer.Option(help="Group by, comma-separated: interval, day, week, month, queue, ...")
    ] = "",
    interval_minutes: Annotated[int, typer.Option("--interval", help="Interval minutes.")] = 30,
    kpis: Annotated[
        str | None, typer.Option(help="KPI ids, comma-separated (default: all).")
    ] = None,
    queue: Annotated[str | None, typer.Option(help="Only these queues (comma-separated).")] = None,
    channel: Annotated[str | None, typer.Option(help="Only these channels.")] = None,
    agent: Annotated[str | None, typer.Option(help="Only these agents.")] = None,
    sl_threshold_s: Annotated[
        float | None, typer.Option("--sl-threshold", help="Service-level threshold T, seconds.")
    ] = None,
    short_abandon_s: Annotated[
        float | None, typer.Option("--short-abandon", help="Short-abandon threshold S, seconds.")
    ] = None,
    cost_per_agent_hour: Annotated[
        float | None, typer.Option(help="Cost of one logged-in agent hour, for cost per contact.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON rows.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
    catalog: Annotated[bool, typer.Option("--catalog", help="List the KPIs and exit.")] = False,
) -> None:
    """KPIs of a tenant by any grouping, every figure from the one catalog (docs/metrics.md)."""
    if catalog:
        for item in CATALOG:
            console.print(f"[bold]{item.id}[/bold]  {item.name} — {item.formula}")
        return
    db = migrated_database()
    target = tenant_by_slug(db, tenant)
    try:
        query = service.parse_query(
            first_day=first_day.date() if first_day else None,
            last_day=last_day.date() if last_day else None,
            today=datetime.now(ZoneInfo(target.time_zone)).date(),
            group_by=by,
            interval_minutes=interval_minutes,
            kpi_ids=kpis,
            queues=queue,
            channels=channel,
            agents=agent,
            params={
                "service_level_threshold_s": sl_threshold_s,
                "short_abandon_s": short_abandon_s,
                "cost_per_agent_hour": cost_per_agent_hour,
            },
        )
        result = service.tenant_kpis(db, target.id, target.slug, target.time_zone, query)
    except DomainError as error:
        fail(error.detail)
    if as_csv:
        typer.echo(service.to_csv(result), nl=False)
    elif as_json:
        typer.echo(json.dumps(result.json_rows(), indent=2, ensure_ascii=False))
    else:
        _print_table(result)


def _print_table(result: service.KpiResult) -> None:
    """Few groups: KPIs down, groups across; many: one row per group."""
    units = {k.id: k.unit for k in result.kpis}
    names = {k.id: k.name for k in result.kpis}
    rows = result.rows()
    title = (
        f"{result.query.first_day} – {result.query.last_day} ({result.time_zone}), "
        f"SL threshold {result.query.params.service_level_threshold_s:g} s"
    )
    table = Table(title=title)
    if len(rows) <= 6:
        table.add_column("KPI")
        for row in rows:
            label = " · ".join(_format(row[g], None) for g in result.group_columns) or "all"
            table.add_column(label, justify="right")
        for kpi_id in (c for c in result.columns if c in units):
            table.add_row(names[kpi_id], *(_format(row[kpi_id], units[kpi_id]) for row in rows))
    else:
        for column in result.columns:
            table.add_column(column, justify="left" if column in result.group_columns else "right")
        for row in rows:
            table.add_row(*(_format(row[c], units.get(c)) for c in result.columns))
    console.print(table)
