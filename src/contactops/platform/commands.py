"""What every ``contactops`` sub-command shares: the console, the database, failing clearly."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from sqlalchemy import select

from contactops.platform import migrate
from contactops.platform.database import Database
from contactops.platform.settings import get_settings
from contactops.platform.tenancy import Tenant

console = Console()
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
TenantOption = Annotated[
    str, typer.Option("--tenant", "-t", help="The tenant's identifier (slug).")
]


def database() -> Database:
    return Database(get_settings().resolved_database_url)


def fail(message: str) -> NoReturn:
    console.print(f"[red]Error:[/red] {message}")
    raise typer.Exit(code=1)


def ensure_migrated(db: Database) -> None:
    if not migrate.is_up_to_date(db.engine):
        fail("the database schema is not current: run `contactops db upgrade` first")


def migrated_database() -> Database:
    db = database()
    ensure_migrated(db)
    return db


def tenant_by_slug(db: Database, slug: str) -> Tenant:
    """The tenant named on the command line, or a clear error listing the known ones."""
    with db.session(system=True) as session:
        tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
        if tenant is None:
            known = ", ".join(session.scalars(select(Tenant.slug).order_by(Tenant.slug))) or "none"
            fail(f"no tenant {slug!r} (known: {known})")
        session.expunge(tenant)
        return tenant


def print_rows(rows: list[dict[str, object]], as_json: bool, title: str) -> None:
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False, default=str))
        return
    table = Table(title=title)
    for column in rows[0] if rows else ["(none)"]:
        table.add_column(str(column))
    for row in rows:
        table.add_row(*("" if value is None else str(value) for value in row.values()))
    console.print(table)


@contextmanager
def byte_progress(description: str, *, enabled: bool = True) -> Iterator[Progress]:
    """A progress bar over the bytes of a file (hidden with ``enabled=False``, e.g. for --json)."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True, disable=not enabled) as bar:
        bar.add_task(description, total=None)
        yield bar
