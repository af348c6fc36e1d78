"""``contactops tickets``: the ticket tasks an operator scripts."""

from __future__ import annotations

from datetime import datetime

import typer

from contactops.domains.tickets.scanner import SCAN_BATCH, scan_sla
from contactops.platform.commands import JsonOption, console, migrated_database

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
