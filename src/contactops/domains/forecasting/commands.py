"""``contactops forecast run | backtest | plan``: forecasts from a CSV or the event log, their
accuracy, and the staffing plan stored for scheduling."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from contactops.domains.forecasting import service
from contactops.platform.audit import Actor
from contactops.platform.commands import (
    JsonOption,
    console,
    fail,
    migrated_database,
    tenant_by_slug,
)
from contactops.platform.errors import DomainError

app = typer.Typer(help="Forecasts, their accuracy, and the staffing plan.", no_args_is_help=True)
CLI_ACTOR = Actor.system("cli")

HistoryOption = Annotated[
    Path | None,
    typer.Option(
        "--history", help="CSV with start (local ISO time), queue, calls and optionally aht_s."
    ),
]
FromDbOption = Annotated[
    bool, typer.Option("--from-db", help="Read the history from a tenant's event log.")
]
TenantOption = Annotated[
    str | None, typer.Option("--tenant", "-t", help="The tenant (slug), with --from-db.")
]
IntervalOption = Annotated[
    int, typer.Option("--interval-minutes", help="Interval length: 15, 30 or 60 minutes.")
]
EventsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--event",
        help="A special day: DAY (closed, e.g. a holiday) or DAY:MULTIPLIER (1.3 = 30 % more); "
        "left out of fitting. Repeat for more.",
    ),
]
WeeksOption = Annotated[
    int, typer.Option("--history-weeks", min=1, help="Weeks of event-log history to read.")
]


def _spinner(text: str, enabled: bool = True) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn(text),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not enabled,
    )


def _history(
    history: Path | None,
    from_db: bool,
    tenant: str | None,
    until: date | None,
    weeks: int,
    interval_minutes: int,
) -> tuple[service.HistoryRows, str | None]:
    """The history rows and the time zone they are local to (None for a CSV: as given)."""
    if (history is None) == (not from_db):
        fail("give either --history FILE or --from-db --tenant SLUG")
    if history is not None:
        if not history.is_file():
            fail(f"{history}: no such file")
        rows, problems = service.read_history_csv(history.read_text(encoding="utf-8"))
        for p in problems[:20]:
            console.print(f"[yellow]{history}:{p.line}[/yellow] {p.column}: {p.message}")
        if problems:
            console.print(f"{len(problems)} line(s) left out, {len(rows)} read.")
        return rows, None
    if tenant is None:
        fail("--from-db needs --tenant SLUG")
    db = migrated_database()
    target = tenant_by_slug(db, tenant)
    scope = service.Scope(target.id, target.slug, target.time_zone, CLI_ACTOR)
    until = until or datetime.now(ZoneInfo(target.time_zone)).date()  # the tenant's today
    first = until - timedelta(weeks=weeks)
    last = until - timedelta(days=1)
    return service.event_log_rows(db, scope, first, last, interval_minutes), target.time_zone


@app.command("run")
def run(
    start: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="First day to forecast.")],
    days: Annotated[int, typer.Option(min=1, help="Days to forecast.")] = 7,
    interval_minutes: IntervalOption = 30,
    history: HistoryOption = None,
    from_db: FromDbOption = False,
    tenant: TenantOption = None,
    history_weeks: WeeksOption = service.DEFAULT_HISTORY_WEEKS,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the forecast CSV here (default: stdout).")
    ] = None,
    model: Annotated[str, typer.Option(help="auto, or a model name.")] = service.AUTO,
    level: Annotated[float, typer.Option(help="Prediction interval level.")] = 0.8,
    time_zone: Annotated[
        str | None, typer.Option(help="IANA zone of a CSV's times, for clock-change days.")
    ] = None,
    event: EventsOption = None,
) -> None:
    """Forecast calls (with a prediction interval) and handle time per queue and interval."""
    first_day = start.date()
    try:
        rows, zone = _history(history, from_db, tenant, first_day, history_weeks, interval_minutes)
        if time_zone is not None:
            service.check_time_zone(time_zone)
        events = [service.parse_event(e) for e in event or []]
        with _spinner("Forecasting...", enabled=out is not None):
            forecasts = service.run_forecasts(
                rows, first_day, days, interval_minutes,
                model=model, time_zone=zone or time_zone, level=level, events=events,
            )  # fmt: skip
    except DomainError as error:
        fail(f"{error.field + ': ' if getattr(error, 'field', None) else ''}{error.detail}")
    except (KeyError, ValueError) as error:
        fail(str(error))
    text = service.forecast_csv(forecasts, with_aht=rows.has_aht)
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    chosen = ", ".join(f"{f.queue}: {f.model}" for f in forecasts)
    console.print(f"{len(text.splitlines()) - 1:,} intervals written to {out} ({chosen}).")


@app.command("backtest")
def run_backtest(
    history: HistoryOption = None,
    from_db: FromDbOption = False,
    tenant: TenantOption = None,
    history_weeks: WeeksOption = service.DEFAULT_HISTORY_WEEKS,
    interval_minutes: IntervalOption = 30,
    weeks: Annotated[int, typer.Option(min=1, help="Rolling weekly origins to score.")] = 4,
    horizon_days: Annotated[int, typer.Option(min=1, help="Days ahead scored per origin.")] = 7,
    by_day: Annotated[bool, typer.Option("--by-day", help="Also one row per horizon day.")] = False,
    event: EventsOption = None,
    as_json: JsonOption = False,
) -> None:
    """WAPE, MASE and bias of every model, per queue, on rolling weekly origins."""
    try:
        rows, zone = _history(history, from_db, tenant, None, history_weeks, interval_minutes)
        events = [service.parse_event(e) for e in event or []]
        with _spinner("Backtesting every model...", enabled=not as_json):
            origins, report = service.run_backtest(
                rows, interval_minutes, weeks=weeks, horizon_days=horizon_days, time_zone=zone,
                events=events,
            )  # fmt: skip
    except DomainError as error:
        fail(error.detail)
    except (KeyError, ValueError) as error:
        fail(str(error))
    accuracy = [r for r in service.accuracy_rows(report) if by_day or r.horizon_day is None]
    if as_json:
        payload = {
            "origins": [o.isoformat() for o in origins],
            "horizon_days": horizon_days,
            "rows": [asdict(r) for r in accuracy],
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    table = Table(
        title=f"Accuracy over {len(origins)} origin(s) {origins[0]} … {origins[-1]}, "
        f"{horizon_days} day(s) ahead"
    )
    for column in ("queue", "model", "day", "WAPE", "MASE", "bias"):
        table.add_column(column, justify="left" if column in ("queue", "model") else "right")
    for r in accuracy:
        table.add_row(
            r.queue, r.model, "all" if r.horizon_day is None else str(r.horizon_day),
            "—" if r.wape is None else f"{r.wape:.1%}",
            "—" if r.mase is None else f"{r.mase:.3f}",
            "—" if r.bias is None else f"{r.bias:+.1%}",
        )  # fmt: skip
    console.print(table)


@app.command("plan")
def plan(
    tenant: Annotated[str, typer.Option("--tenant", "-t", help="The tenant (slug).")],
    start: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="First day planned.")],
    days: Annotated[int, typer.Option(min=1, help="Days planned.")] = 7,
    interval_minutes: IntervalOption = 30,
    history_weeks: WeeksOption = service.DEFAULT_HISTORY_WEEKS,
    model: Annotated[str, typer.Option(help="auto, or a model name.")] = service.AUTO,
    shrinkage: Annotated[float, typer.Option(help="Share of paid time off contacts.")] = 0.3,
    note: Annotated[str, typer.Option(help="A note kept with the version.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Forecast every active queue of a tenant and store the staffing as the next plan
    version."""
    db = migrated_database()
    target = tenant_by_slug(db, tenant)
    scope = service.Scope(target.id, target.slug, target.time_zone, CLI_ACTOR)
    try:
        with _spinner("Forecasting and staffing...", enabled=not as_json):
            view = service.create_plan(
                db, scope, first_day=start.date(), days=days, interval_minutes=interval_minutes,
                model=model, history_weeks=history_weeks, shrinkage=shrinkage, note=note,
            )  # fmt: skip
    except DomainError as error:
        fail(f"{error.field + ': ' if getattr(error, 'field', None) else ''}{error.detail}")
    totals = [
        {
            "queue": q.queue,
            "model": q.model,
            "calls": round(sum(q.calls), 1),
            "peak_required": max(q.required_agents, default=0),
            "peak_scheduled": max(q.scheduled_agents, default=0),
            "scheduled_hours": round(sum(q.scheduled_agents) * interval_minutes / 60, 1),
        }
        for q in view.queues
    ]
    if as_json:
        typer.echo(json.dumps({"version": view.version, "queues": totals}, indent=2))
        return
    table = Table(title=f"Plan version {view.version}: {view.first_day} + {view.days} day(s)")
    for column in totals[0] if totals else ["queue"]:
        table.add_column(column)
    for row in totals:
        table.add_row(*(str(v) for v in row.values()))
    console.print(table)
