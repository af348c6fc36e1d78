"""``contactops export parquet``: the event log as partitioned Parquet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from contactops.domains.events.export import export_parquet
from contactops.platform.commands import TenantOption, console, migrated_database, tenant_by_slug

app = typer.Typer(help="Export the event log for other engines.", no_args_is_help=True)


@app.command("parquet")
def parquet(
    directory: Annotated[Path, typer.Argument(file_okay=False, help="Where to write.")],
    tenant: TenantOption,
    first_day: Annotated[
        datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="First UTC day.")
    ] = None,
    last_day: Annotated[
        datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last UTC day (included).")
    ] = None,
) -> None:
    """Contact events, agent states and legs, partitioned by tenant and month (Hive layout)."""
    db = migrated_database()
    target = tenant_by_slug(db, tenant)
    first = first_day.replace(tzinfo=UTC) if first_day else None
    last = (
        last_day.replace(tzinfo=UTC) + timedelta(days=1) - timedelta(microseconds=1)
        if last_day
        else None
    )
    with console.status("exporting...") as status:
        report = export_parquet(
            db,
            target.id,
            target.slug,
            directory,
            first=first,
            last=last,
            progress=lambda dataset, month: status.update(f"exporting {dataset} {month}"),
        )
    if not report.rows:
        console.print("The event log has nothing in that period; no files written.")
        return
    for dataset, rows in report.rows.items():
        console.print(f"{dataset}: {rows:,} rows")
    console.print(f"{len(report.files)} files under {directory}")
