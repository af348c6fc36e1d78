"""Composition root of the ``contactops`` command: one sub-command group per concern."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select

from contactops import __version__
from contactops.domains.accounts import service as accounts
from contactops.domains.admin import service as admin
from contactops.domains.demo import service as demo_service
from contactops.platform import migrate
from contactops.platform.audit import Actor
from contactops.platform.database import Database
from contactops.platform.errors import DomainError
from contactops.platform.i18n import SUPPORTED_LOCALES
from contactops.platform.identity import Membership, Role, User
from contactops.platform.settings import get_settings
from contactops.platform.tenancy import Tenant

app = typer.Typer(help="ContactOps: plan, run and measure a contact center.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
tenants_app = typer.Typer(
    help="Tenants (the client companies this installation serves).", no_args_is_help=True
)
users_app = typer.Typer(help="Users and their roles in tenants.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(tenants_app, name="tenants")
app.add_typer(users_app, name="users")
console = Console()
CLI_ACTOR = Actor.system("cli")
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _database() -> Database:
    return Database(get_settings().resolved_database_url)


def _fail(message: str) -> None:
    console.print(f"[red]Error:[/red] {message}")
    raise typer.Exit(code=1)


def _ensure_migrated(db: Database) -> None:
    if not migrate.is_up_to_date(db.engine):
        _fail("the database schema is not current: run `contactops db upgrade` first")


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False,
) -> None:
    if version:
        console.print(f"ContactOps {__version__}")
        raise typer.Exit()


# --- serve ------------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes (use PostgreSQL for > 1).")] = 1,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
) -> None:
    """Run the web application and the REST API."""
    import uvicorn

    settings = get_settings()
    db = _database()
    _ensure_migrated(db)
    db.dispose()
    host, port = host or settings.host, port or settings.port
    console.print(f"ContactOps {__version__} on [bold]http://{host}:{port}[/bold]")
    uvicorn.run(
        "contactops.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=True,
    )


# --- db ---------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Migrate the database schema up to REVISION (default: the newest)."""
    db = _database()
    migrate.upgrade(db.engine, revision)
    console.print(f"Database at revision [bold]{migrate.current_revision(db.engine)}[/bold].")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision.")]) -> None:
    """Migrate the database schema down to REVISION (``base`` removes every table)."""
    db = _database()
    migrate.downgrade(db.engine, revision)
    console.print(
        f"Database at revision [bold]{migrate.current_revision(db.engine) or 'base'}[/bold]."
    )


@db_app.command("current")
def db_current() -> None:
    """Print the schema revision of the database and the newest one available."""
    db = _database()
    console.print(f"current: {migrate.current_revision(db.engine) or 'base'}")
    console.print(f"head:    {migrate.head_revision()}")


@db_app.command("revision")
def db_revision(message: Annotated[str, typer.Option("-m", "--message")]) -> None:
    """Write a new migration from the difference between the models and the database."""
    migrate.new_revision(_database().engine, message)


@db_app.command("purge")
def db_purge(
    keep_days: Annotated[int, typer.Option(help="Keep records of the last N days.")] = 90,
) -> None:
    """Delete ended browser sessions and login attempts older than KEEP_DAYS."""
    db = _database()
    _ensure_migrated(db)
    try:
        report = accounts.purge_security_records(db, keep_days)
    except DomainError as error:
        _fail(error.detail)
    console.print(
        f"Deleted {report.sessions:,} sessions and {report.login_attempts:,} login attempts."
    )


# --- tenants ----------------------------------------------------------------------------


@tenants_app.command("create")
def tenants_create(
    slug: Annotated[str, typer.Argument(help="Short identifier, e.g. acme-support.")],
    name: Annotated[str, typer.Option(help="Display name.")],
    time_zone: Annotated[str, typer.Option(help="IANA time zone.")] = "UTC",
    locale: Annotated[str, typer.Option(help=f"One of {', '.join(SUPPORTED_LOCALES)}.")] = "en",
) -> None:
    """Create a tenant."""
    db = _database()
    _ensure_migrated(db)
    try:
        with db.session(system=True, actor=CLI_ACTOR) as session:
            tenant = admin.create_tenant_in(
                session, slug=slug, name=name, time_zone=time_zone, locale=locale
            )
    except DomainError as error:
        _fail(error.detail)
    console.print(f"Tenant [bold]{tenant.slug}[/bold] created (id {tenant.id}).")


@tenants_app.command("list")
def tenants_list(as_json: JsonOption = False) -> None:
    """List tenants with their number of members."""
    db = _database()
    _ensure_migrated(db)
    with db.session(system=True) as session:
        rows = session.execute(
            select(Tenant, func.count(Membership.id))
            .outerjoin(Membership, Membership.tenant_id == Tenant.id)
            .group_by(Tenant.id)
            .order_by(Tenant.slug)
        ).all()
    data = [
        {
            "id": t.id,
            "slug": t.slug,
            "name": t.name,
            "time_zone": t.time_zone,
            "locale": t.locale,
            "members": members,
        }
        for t, members in rows
    ]
    _print_rows(data, as_json, "Tenants")


# --- users ------------------------------------------------------------------------------


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Argument(help="E-mail address (the login).")],
    tenant: Annotated[str, typer.Option(help="Tenant identifier (slug).")],
    name: Annotated[str, typer.Option(help="Display name.")],
    role: Annotated[Role, typer.Option(help="Role in the tenant.")] = Role.AGENT,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a user (or give an existing one a role) in a tenant."""
    db = _database()
    _ensure_migrated(db)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with db.session(system=True, actor=CLI_ACTOR) as session:
            tenant_id = admin.find_tenant_in(session, tenant).id
        with db.session(tenant_id=tenant_id, actor=CLI_ACTOR) as session:
            member = admin.add_member_in(session, email.strip().lower(), name, role, password)
    except DomainError as error:
        _fail(error.detail)
    console.print(f"[bold]{member.email}[/bold] is {member.role.value} in {tenant}.")


@users_app.command("list")
def users_list(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List users with their role in each tenant."""
    db = _database()
    _ensure_migrated(db)
    query = (
        select(User.email, User.display_name, Tenant.slug, Membership.role, User.is_active)
        .join(Membership, Membership.user_id == User.id)
        .join(Tenant, Tenant.id == Membership.tenant_id)
        .order_by(Tenant.slug, User.email)
    )
    if tenant:
        query = query.where(Tenant.slug == tenant)
    with db.session(system=True) as session:
        rows = session.execute(query).all()
    data = [
        {"email": e, "name": n, "tenant": t, "role": r.value, "active": a} for e, n, t, r, a in rows
    ]
    _print_rows(data, as_json, "Users")


def _print_rows(rows: list[dict[str, object]], as_json: bool, title: str) -> None:
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(title=title)
    for column in rows[0] if rows else ["(none)"]:
        table.add_column(str(column))
    for row in rows:
        table.add_row(*(str(value) for value in row.values()))
    console.print(table)


# --- demo -------------------------------------------------------------------------------


@app.command()
def demo(
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the server afterwards.")
    ] = True,
    weeks: Annotated[
        int | None, typer.Option(min=1, max=12, help="Weeks of history (default per tenant).")
    ] = None,
) -> None:
    """Migrate, load the demo tenants (once), print the demo login, and serve."""
    db_upgrade("head")
    db = _database()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        tasks: dict[tuple[str, str], object] = {}

        def progress(tenant: str, stage: str, done: int, total: int) -> None:
            key = (tenant, stage)
            if key not in tasks:
                label = "simulating days" if stage == "simulate" else "storing events"
                tasks[key] = bar.add_task(f"{tenant}: {label}", total=total)
            bar.update(tasks[key], completed=done)  # type: ignore[arg-type]

        report = demo_service.load_demo(db, weeks=weeks, progress=progress)
    for name in report.created:
        console.print(f"Loaded demo tenant [bold]{name}[/bold].")
    for name in report.skipped:
        console.print(f"Demo tenant [bold]{name}[/bold] is already there; left as it is.")
    if report.created:
        console.print(f"{report.contacts:,} contacts, {report.events:,} events in the event log.")
    console.print(
        f"Sign in as [bold]admin@northwind.example[/bold] / "
        f"[bold]{demo_service.DEMO_PASSWORD}[/bold] (every demo user has this password)."
    )
    if serve_after:
        serve()


def main() -> None:
    app()
