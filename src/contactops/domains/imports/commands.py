"""``contactops import ...``: bring history into the event log from files."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from contactops.domains.imports import service
from contactops.domains.imports.service import ImportKind, ImportReport, ImportRequest
from contactops.platform.commands import (
    JsonOption,
    TenantOption,
    byte_progress,
    console,
    fail,
    migrated_database,
    tenant_by_slug,
)
from contactops.platform.errors import DomainError

app = typer.Typer(
    help="Import history into a tenant's event log (idempotent and resumable).",
    no_args_is_help=True,
)
PathArgument = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="The file (.gz too).")
]
ZoneOption = Annotated[
    str | None,
    typer.Option("--tz", help="IANA time zone of the file's clock times (default: the tenant's)."),
]


def _run(tenant: str, request: ImportRequest, as_json: bool) -> None:
    db = migrated_database()
    target = tenant_by_slug(db, tenant)
    if request.time_zone == "":
        request = ImportRequest(**{**asdict(request), "time_zone": target.time_zone})
    try:
        with byte_progress(f"importing {request.path.name}", enabled=not as_json) as bar:
            task = bar.task_ids[0]
            report = service.import_file(
                db,
                target.id,
                request,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except DomainError as error:
        fail(error.detail)
    _print_report(report, as_json)


def _print_report(report: ImportReport, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(asdict(report), indent=2, ensure_ascii=False, default=str))
        return
    if report.already_imported:
        console.print(
            f"{report.source_name} was imported completely by run {report.run_id}; nothing to add."
        )
        return
    if report.resumed_after_line:
        console.print(f"Resumed run {report.run_id} after line {report.resumed_after_line:,}.")
    console.print(
        f"[bold]{report.source_name}[/bold]: {report.lines_read:,} lines read — "
        f"{report.lines_imported:,} imported, {report.lines_duplicate:,} already stored, "
        f"{report.lines_empty:,} without records (headers, system events), "
        f"{report.lines_skipped:,} skipped."
    )
    console.print(
        f"Added {report.contact_events_added:,} contact events, "
        f"{report.agent_events_added:,} agent-state events, "
        f"{report.intervals_added:,} intervals (run {report.run_id})."
    )
    for code, entry in sorted(report.issue_counts.items()):
        label = "skipped" if entry["kind"] == "skipped" else "note"
        console.print(f"  {label:<7} {entry['count']:>8,}  {code}")
    for issue in report.issues[:20]:
        where = f"{report.source_name}:{issue['line']}" if issue["line"] else report.source_name
        console.print(f"  {where}: {issue['reason']}")
    if len(report.issues) > 20:
        console.print(f"  ... see `contactops import runs --json` for up to {service.MAX_ISSUES}.")


@app.command("queue-log")
def queue_log(path: PathArgument, tenant: TenantOption, as_json: JsonOption = False) -> None:
    """Asterisk queue_log file (epoch|callid|queue|agent|EVENT|data...)."""
    _run(tenant, ImportRequest(ImportKind.QUEUE_LOG, path, time_zone="UTC"), as_json)


@app.command("queue-log-table")
def queue_log_table(
    path: PathArgument, tenant: TenantOption, tz: ZoneOption = None, as_json: JsonOption = False
) -> None:
    """The queue_log database table exported as CSV (Asterisk realtime or PBXware layout)."""
    _run(tenant, ImportRequest(ImportKind.QUEUE_LOG_TABLE, path, time_zone=tz or ""), as_json)


@app.command("anonymous-bank")
def anonymous_bank(
    path: PathArgument, tenant: TenantOption, tz: ZoneOption = None, as_json: JsonOption = False
) -> None:
    """Per-call records of the Technion "Anonymous Bank" format (tab-separated, .gz too)."""
    _run(tenant, ImportRequest(ImportKind.ANONYMOUS_BANK, path, time_zone=tz or ""), as_json)


@app.command("intervals")
def intervals(
    path: PathArgument,
    tenant: TenantOption,
    tz: ZoneOption = None,
    queue: Annotated[
        str | None, typer.Option(help="Queue of every row, when the file has no queue column.")
    ] = None,
    interval_minutes: Annotated[
        int | None, typer.Option("--interval", help="Interval length in minutes (else inferred).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Per-interval volume history (CSV), as WFM tools export it."""
    request = ImportRequest(
        ImportKind.INTERVALS,
        path,
        time_zone=tz or "",
        queue=queue,
        interval_minutes=interval_minutes,
    )
    _run(tenant, request, as_json)


@app.command("csv")
def generic_csv(
    path: PathArgument,
    tenant: TenantOption,
    mapping: Annotated[
        Path, typer.Option(exists=True, dir_okay=False, help="Column mapping (JSON or TOML).")
    ],
    tz: ZoneOption = None,
    as_json: JsonOption = False,
) -> None:
    """Any CSV of events or contacts, read through a column mapping (docs/import-csv.md)."""
    try:
        mapping_dict = service.load_mapping(mapping)
    except DomainError as error:
        fail(error.detail)
    request = ImportRequest(ImportKind.CSV, path, time_zone=tz or "", mapping=mapping_dict)
    _run(tenant, request, as_json)


@app.command("runs")
def runs(tenant: TenantOption, as_json: JsonOption = False) -> None:
    """The tenant's latest imports and what each reported."""
    db = migrated_database()
    reports = service.recent_runs(db, tenant_by_slug(db, tenant).id)
    if as_json:
        typer.echo(json.dumps([asdict(r) for r in reports], indent=2, default=str))
        return
    for report in reports:
        console.print(
            f"run {report.run_id} {report.kind} {report.source_name} [{report.status}] "
            f"read {report.lines_read:,}, imported {report.lines_imported:,}, "
            f"skipped {report.lines_skipped:,}"
        )
