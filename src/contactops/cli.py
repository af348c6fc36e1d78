"""Composition root of the ``contactops`` command: one sub-command group per concern."""

from __future__ import annotations

import os
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select

from contactops import __version__
from contactops.domains.accounts import service as accounts
from contactops.domains.admin import service as admin
from contactops.domains.demo import service as demo_service
from contactops.domains.events import commands as events_commands
from contactops.domains.forecasting import commands as forecasting_commands
from contactops.domains.imports import commands as imports_commands
from contactops.domains.kpis import commands as kpis_commands
from contactops.domains.scheduling import commands as scheduling_commands
from contactops.domains.simulation import commands as simulation_commands
from contactops.domains.staffing import service as staffing
from contactops.domains.tickets import commands as tickets_commands
from contactops.platform import migrate
from contactops.platform.audit import Actor
from contactops.platform.commands import JsonOption, console, ensure_migrated, fail, print_rows
from contactops.platform.commands import database as _database
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
staffing_app = typer.Typer(
    help="Required agents (or lines) by Erlang B, C or A; no database needed.",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")
app.add_typer(tenants_app, name="tenants")
app.add_typer(users_app, name="users")
app.add_typer(staffing_app, name="staffing")
app.add_typer(forecasting_commands.app, name="forecast")
app.add_typer(scheduling_commands.app, name="schedule")
app.add_typer(imports_commands.app, name="import")
app.add_typer(events_commands.app, name="export")
app.add_typer(tickets_commands.app, name="tickets")
app.command("kpi")(kpis_commands.kpi)
app.command("simulate")(simulation_commands.simulate)
CLI_ACTOR = Actor.system("cli")
_fail = fail
_ensure_migrated = ensure_migrated


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
    workers: Annotated[
        int,
        typer.Option(
            help="Web worker processes; with more than one, the live center runs in a process "
            "of its own that they all use."
        ),
    ] = 1,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
    access_log: Annotated[
        bool, typer.Option(help="Log every request (off when a proxy in front logs them).")
    ] = True,
) -> None:
    """Run the web application and the REST API."""
    import uvicorn

    from contactops.app import CenterHostProcess

    settings = get_settings()
    db = _database()
    _ensure_migrated(db)
    db.dispose()
    host, port = host or settings.host, port or settings.port
    console.print(f"ContactOps {__version__} on [bold]http://{host}:{port}[/bold]")
    with ExitStack() as stack:
        if workers > 1 and not reload:
            # One live center for all workers: they forward to a host process of its own.
            settings.resolved_secret_key()  # created once, before the processes read it
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="contactops-"))
            address = str(Path(folder) / "live-center.sock")
            center_host = CenterHostProcess(address)
            center_host.start()
            stack.callback(center_host.stop)
            os.environ["CONTACTOPS_LIVE_CENTER"] = address
            console.print(f"Live center in its own process; {workers} web workers.")
        uvicorn.run(
            "contactops.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            reload=reload,
            proxy_headers=True,
            access_log=access_log,
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
    print_rows(data, as_json, "Tenants")


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
    print_rows(data, as_json, "Users")


# --- staffing ---------------------------------------------------------------------------


@staffing_app.command("calc")
def staffing_calc(
    calls: Annotated[float, typer.Option(help="Arrivals in the interval.")],
    aht_s: Annotated[float, typer.Option(help="Average handle time in seconds.")],
    model: Annotated[str, typer.Option(help="erlang_b, erlang_c or erlang_a.")] = "erlang_c",
    interval_s: Annotated[float, typer.Option(help="Interval length in seconds.")] = 1800,
    agents: Annotated[int | None, typer.Option(help="Evaluate this many agents.")] = None,
    lines: Annotated[int | None, typer.Option(help="erlang_b: evaluate this many lines.")] = None,
    target_sl: Annotated[float | None, typer.Option(help="Service level target (0.8).")] = None,
    target_s: Annotated[float | None, typer.Option(help="SL threshold, seconds.")] = None,
    target_asa_s: Annotated[float | None, typer.Option(help="Maximum ASA, seconds.")] = None,
    max_abandon: Annotated[float | None, typer.Option(help="Most abandoned (0.05).")] = None,
    max_occupancy: Annotated[float | None, typer.Option(help="Highest occupancy (0.85).")] = None,
    max_blocking: Annotated[float | None, typer.Option(help="erlang_b: most blocked.")] = None,
    patience_s: Annotated[float | None, typer.Option(help="erlang_a: mean, seconds.")] = None,
    shrinkage: Annotated[float | None, typer.Option(help="Time off contacts (0.3).")] = None,
    concurrency: Annotated[int | None, typer.Option(help="Contacts at once (chat).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Staff one interval (the fewest agents meeting the targets), or evaluate given agents."""
    given = {
        "model": model,
        "calls": calls,
        "interval_s": interval_s,
        "aht_s": aht_s,
        "agents": agents,
        "lines": lines,
        "target_sl": target_sl,
        "target_s": target_s,
        "target_asa_s": target_asa_s,
        "max_abandon": max_abandon,
        "max_occupancy": max_occupancy,
        "max_blocking": max_blocking,
        "patience_s": patience_s,
        "shrinkage": shrinkage,
        "concurrency": concurrency,
    }
    try:
        result = staffing.calculate({k: v for k, v in given.items() if v is not None})
    except DomainError as error:
        _fail(error.detail)
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    table = Table(title=f"Staffing ({model})", show_header=False)
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_row("Lines" if model == "erlang_b" else "Agents", str(result.agents))
    table.add_row("Scheduled (after shrinkage)", str(result.scheduled_agents))
    fractions = (
        (f"Service level (within {target_s:g} s)", result.service_level),
        ("Waiting", result.p_wait),
        ("Occupancy", result.occupancy),
        ("Abandoned", result.p_abandon),
        ("Blocked", result.p_block),
    )
    for label, fraction in fractions:
        if fraction is not None:
            table.add_row(label, f"{fraction:.1%}")
    if result.asa_s is not None:
        table.add_row("ASA", f"{result.asa_s:.1f} s")
    table.add_row("Feasible", "yes" if result.feasible else "[red]no[/red]")
    console.print(table)


def _count_lines(path: Path) -> int:
    with path.open("rb") as source:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: source.read(1 << 20), b""))


def _write_answers(lines: TextIO, out: TextIO, total_lines: int | None) -> None:
    if total_lines is None:
        for answer in staffing.answer_lines(lines):
            out.write(answer.model_dump_json() + "\n")
        return
    columns = (TextColumn("rows"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("rows", total=total_lines)
        for answer in staffing.answer_lines(lines, progress=lambda n: bar.advance(task, n)):
            out.write(answer.model_dump_json() + "\n")


@staffing_app.command("batch")
def staffing_batch(
    source: Annotated[
        Path,
        typer.Argument(help="JSON lines, one row each ('-' reads standard input)."),
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here, not to standard output.")
    ] = None,
) -> None:
    """Answer a JSON-lines file: one JSON line out per row in, in order.

    Row: model, calls, interval_s, aht_s; agents (lines for erlang_b)
    to evaluate, or targets to solve for: target_sl with target_s,
    target_asa_s, max_occupancy, max_abandon (erlang_a), max_blocking
    (erlang_b); patience_s (erlang_a, required), shrinkage, concurrency.
    Fractions are fractions (0.8), times are seconds.

    Answer: agents, scheduled_agents, service_level, asa_s, p_wait,
    p_abandon, occupancy, p_block (null where they do not apply or are
    infinite) and feasible.

    A row that is not valid gets {"error", "field", "line"} in its place.
    Blank lines are skipped.
    """
    from_stdin = str(source) == "-"
    if not from_stdin and not source.is_file():
        _fail(f"no such file: {source}")
    # The bar goes to stderr, and only when a person is watching it.
    total_lines = None if from_stdin or not sys.stderr.isatty() else _count_lines(source)
    with ExitStack() as files:
        lines = sys.stdin if from_stdin else files.enter_context(source.open(encoding="utf-8"))
        out = files.enter_context(output.open("w", encoding="utf-8")) if output else sys.stdout
        _write_answers(lines, out, total_lines)


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
                label = {
                    "simulate": "simulating days",
                    "store": "storing events",
                    "plan": "forecasting next week",
                    "schedule": "scheduling next week",
                }.get(stage, stage)
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
