"""``contactops tickets``: the ticket tasks an operator scripts."""

from __future__ import annotations

from datetime import datetime

import typer

from contactops.domains.tickets.mail import poll_all, send_outbox
from contactops.domains.tickets.scanner import SCAN_BATCH, scan_sla
from contactops.platform.commands import JsonOption, console, migrated_database
from contactops.platform.settings import get_settings
from contactops.platform.storage import store_of

app = typer.Typer(help="Tickets and their SLA clocks.", no_args_is_help=True)


@app.command("scan-sla")
def scan(as_json: JsonOption = False) -> None:
    """Raise every SLA warning and breach that is due now, in every tenant (the server does
    this by itself every few seconds; run it when the server is down)."""
    db = migrated_database()
    tickets = warnings = breaches = 0
    with console.status("scanning SLA clocks..."):
        while True:
            result = scan_sla(db)
            tickets, warnings = tickets + result.tickets, warnings + result.warnings
            breaches += result.breaches
            if result.tickets < SCAN_BATCH:
                break
    if as_json:
        console.print_json(data={"tickets": tickets, "warnings": warnings, "breaches": breaches})
        return
    console.print(
        f"{tickets:,} tickets looked at: {warnings:,} warnings and {breaches:,} breaches raised "
        f"({datetime.now().astimezone():%Y-%m-%d %H:%M %Z})."
    )


@app.command("poll-mail")
def poll(as_json: JsonOption = False) -> None:
    """Read every active mailbox once: new messages become tickets or join theirs, their
    attachments kept in the attachment store."""
    db = migrated_database()
    with console.status("reading mailboxes..."):
        results = poll_all(db, store=store_of(get_settings()))
    if as_json:
        console.print_json(data=[vars(r) for r in results])
        return
    for r in results:
        line = (
            f"{r.mailbox}: {r.fetched} read, {r.opened} new tickets, {r.appended} added to "
            f"tickets, {r.duplicates} already stored, {r.refused} refused"
        )
        console.print(line + (f" [red]({r.error})[/red]" if r.error else ""))
    if not results:
        console.print("No active mailbox.")


@app.command("send-mail")
def send(as_json: JsonOption = False) -> None:
    """Send the e-mail outbox now (the server does it by itself every few seconds)."""
    db = migrated_database()
    with console.status("sending..."):
        result = send_outbox(db)
    if as_json:
        console.print_json(data=vars(result))
        return
    console.print(
        f"{result.sent} sent, {result.failed} failed, {result.waiting} waiting to be tried again."
    )
