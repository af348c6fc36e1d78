"""``contactops schedule solve | build | publish | adherence``: a schedule for a problem file
(format in docs/scheduling.md); a tenant's schedule built from its staffing plan and
published; adherence of its agents to the published schedule."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn
from zoneinfo import ZoneInfo

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from contactops.domains.scheduling import service
from contactops.engines.scheduling import ProblemError, solve
from contactops.engines.scheduling.mapping import (
    options_from_mapping,
    problem_from_mapping,
    schedule_to_mapping,
)
from contactops.platform.audit import Actor
from contactops.platform.auth import Scope
from contactops.platform.commands import (
    JsonOption,
    console,
    fail,
    migrated_database,
    tenant_by_slug,
)
from contactops.platform.database import Database
from contactops.platform.errors import DomainError

app = typer.Typer(help="Shift schedules under labour rules.", no_args_is_help=True)


def _read(path: Path) -> Any:
    if not path.is_file():
        fail(f"{path}: no such file")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        fail(f"{path}: line {error.lineno}, column {error.colno}: {error.msg}")


@app.command("solve")
def solve_command(
    problem_file: Annotated[Path, typer.Argument(help="Problem file (JSON, docs/scheduling.md).")],
    out: Annotated[Path, typer.Option("--out", help="Write the schedule JSON here.")],
    time_limit: Annotated[
        float | None,
        typer.Option("--time-limit", min=0.1, help="Seconds (default: the file's, else 60)."),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Solver seed (default: the file's).")] = None,
) -> None:
    """Choose each agent's shifts and breaks: under-coverage first, then over-coverage, cost and
    fairness; the best schedule found within the time limit, with the solver's bound."""
    data = _read(problem_file)
    try:
        problem = problem_from_mapping(data)
        options = options_from_mapping(data)
    except ProblemError as error:
        fail(f"{problem_file}: {error}")
    if time_limit is not None:
        options = replace(options, time_limit_s=time_limit)
    if seed is not None:
        options = replace(options, seed=seed)
    columns = (SpinnerColumn(), TextColumn("Solving (at most {task.fields[limit]:.0f} s)"),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=console, transient=True) as bar:
        bar.add_task("solve", total=None, limit=options.time_limit_s)
        try:
            schedule = solve(problem, options)
        except ProblemError as error:
            fail(f"{problem_file}: {error}")
    mapping = schedule_to_mapping(schedule)
    out.write_text(json.dumps(mapping, indent=1), encoding="utf-8")
    under = sum(c["under_total"] for c in mapping["coverage"].values())
    over = sum(c["over_total"] for c in mapping["coverage"].values())
    gap = mapping["relative_gap"]
    console.print(
        f"{schedule.status}: {len(mapping['shifts'])} shifts, under-coverage {under}, "
        f"over-coverage {over} agent-intervals, gap "
        f"{'—' if gap is None else f'{gap:.1%}'}, {schedule.wall_time_s:.1f} s → {out}"
    )


# --- stored schedules ------------------------------------------------------------------------

TenantOption = Annotated[str, typer.Option("--tenant", "-t", help="The tenant (slug).")]
CLI_ACTOR = Actor.system("cli")


def _scope(tenant: str) -> tuple[Database, Scope]:
    db = migrated_database()
    target = tenant_by_slug(db, tenant)
    return db, Scope(target.id, target.slug, target.time_zone, CLI_ACTOR)


def _domain_failure(error: DomainError) -> NoReturn:
    fail(f"{error.field + ': ' if getattr(error, 'field', None) else ''}{error.detail}")


@app.command("build")
def build_command(
    tenant: TenantOption,
    plan_version: Annotated[
        int | None, typer.Option("--plan", help="Plan version (default latest).")
    ] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", min=1, max=600)] = 60.0,
    seed: Annotated[int, typer.Option(help="Solver seed.")] = 0,
    publish_it: Annotated[bool, typer.Option("--publish", help="Publish it at once.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Build a schedule for the tenant's staffing plan and store it as a draft version."""
    db, scope = _scope(tenant)
    columns = (SpinnerColumn(), TextColumn("Scheduling (at most {task.fields[limit]:.0f} s)"),
               TimeElapsedColumn())  # fmt: skip
    try:
        with Progress(*columns, console=console, transient=True, disable=as_json) as bar:
            bar.add_task("build", total=None, limit=time_limit)
            view = service.build_schedule(
                db, scope, plan_version=plan_version, time_limit_s=time_limit, seed=seed
            )
        summary = service.publish(db, scope, view.summary.version) if publish_it else view.summary
    except DomainError as error:
        _domain_failure(error)
    step_h = view.summary.interval_minutes / 60
    figures = {
        "version": summary.version,
        "status": summary.status,
        "solver": view.summary.result.get("status"),
        "gap": view.summary.result.get("relative_gap"),
        "shifts": len(view.shifts),
        "under_coverage_hours": round(view.coverage.under * step_h, 1),
        "over_coverage_hours": round(view.coverage.over * step_h, 1),
        "rule_problems": len(view.problems),
    }
    if as_json:
        typer.echo(json.dumps(figures, indent=2))
        return
    console.print(", ".join(f"{k.replace('_', ' ')} {v}" for k, v in figures.items()))


@app.command("publish")
def publish_command(
    tenant: TenantOption,
    version: Annotated[int, typer.Argument(help="The draft version to publish.")],
) -> None:
    """Publish a draft: agents see it; published versions of the same days are superseded."""
    db, scope = _scope(tenant)
    try:
        summary = service.publish(db, scope, version)
    except DomainError as error:
        _domain_failure(error)
    console.print(f"version {summary.version} {summary.status}")


@app.command("adherence")
def adherence_command(
    tenant: TenantOption,
    day: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="First local day (default today)."),
    ] = None,
    days: Annotated[int, typer.Option(min=1, max=62, help="Days reported.")] = 1,
    by: Annotated[str, typer.Option(help="Group by: agent, team, day, week, interval.")] = (
        "agent,day"
    ),
    live: Annotated[bool, typer.Option("--live", help="Who is out of adherence now.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Schedule adherence and conformance from the agent-state log against the published
    schedule (KPI catalog definitions), or the live out-of-adherence list."""
    db, scope = _scope(tenant)
    try:
        if live:
            rows = [asdict(r) for r in service.live_adherence(db, scope)]
        else:
            first = day.date() if day else datetime.now(ZoneInfo(scope.time_zone)).date()
            groups = [g.strip() for g in by.split(",") if g.strip()]
            rows = service.adherence_report(db, scope, first, days, groups)
    except DomainError as error:
        _domain_failure(error)
    if as_json:
        typer.echo(json.dumps(rows, indent=2, default=str))
        return
    table = Table(title="Live adherence" if live else "Schedule adherence")
    for column in rows[0] if rows else ["agent"]:
        table.add_column(column)
    for row in rows:
        table.add_row(*(_cell(v) for v in row.values()))
    console.print(table)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    return "—" if value is None else str(value)
