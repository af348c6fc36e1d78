"""``contactops simulate SCENARIO.yaml``: replications of a scenario, KPIs with 95% intervals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import pyarrow.parquet as pq
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from contactops.domains.simulation import service
from contactops.engines.kpi.catalog import kpi as catalog_kpi
from contactops.engines.simulation.output import agent_state_events, contact_events
from contactops.engines.simulation.report import ENGINES, SimulationReport
from contactops.platform.commands import JsonOption, console, fail
from contactops.platform.errors import DomainError


def _estimate_text(mean: float | None, half_width: float | None, unit: str) -> str:
    if mean is None:
        return "—"
    if unit == "ratio":
        text = f"{mean:.1%}"
        return text if half_width is None else f"{text} ± {half_width:.1%}"
    digits = 0 if unit == "count" else 1
    text = f"{mean:,.{digits}f}"
    return text if half_width is None else f"{text} ± {half_width:,.{digits}f}"


def _print_report(report: SimulationReport) -> None:
    scopes = list(report.kpis)
    table = Table(title=f"{report.scenario.name} — {report.replications} replication(s)")
    table.add_column("KPI")
    for scope in scopes:
        table.add_column(scope, justify="right")
    for kpi_id in next(iter(report.kpis.values())):
        entry = catalog_kpi(kpi_id)
        cells = [
            _estimate_text(e.mean, e.half_width, entry.unit)
            for e in (report.kpis[s][kpi_id] for s in scopes)
        ]
        table.add_row(entry.name, *cells)
    console.print(table)
    console.print(
        f"engine: {report.engine} · contacts per replication: "
        f"{sum(report.contacts) / report.replications:,.0f} · "
        f"simulated {report.contacts_per_second:,.0f} contacts/s · ± is the 95% interval"
    )


def simulate(
    scenario_file: Annotated[Path, typer.Argument(help="Scenario file (YAML or JSON).")],
    replications: Annotated[
        int | None,
        typer.Option(min=1, help="Independent replications (default: the file's, else 1)."),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed (default: the file's).")] = None,
    engine: Annotated[
        str, typer.Option(help=f"Engine: {', '.join(ENGINES)} (auto: fast path when it fits).")
    ] = "auto",
    events_dir: Annotated[
        Path | None,
        typer.Option(
            "--events", help="Write the first replication's events as Parquet into this folder."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Simulate a scenario and report every KPI, measured by the KPI engine, per queue."""
    if not scenario_file.is_file():
        fail(f"no such file: {scenario_file}")
    if engine not in ENGINES:
        fail(f"--engine must be one of {', '.join(ENGINES)}")
    try:
        variant = service.parse_scenario(
            scenario_file.read_text(encoding="utf-8"), base_dir=scenario_file.parent
        )
    except DomainError as error:
        fail(f"{scenario_file}: {error}")
    count = replications or int(variant.mapping.get("replications") or 1)
    scenario = variant.scenario
    if seed is not None:
        scenario = service.with_seed(scenario, seed)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=console, transient=True, disable=as_json) as bar:
        task = bar.add_task("replications", total=count)
        try:
            report = service.simulate_scenario(
                scenario,
                count,
                engine=engine,
                progress=lambda done, _total: bar.update(task, completed=done),
            )
        except ValueError as error:
            fail(str(error))
    if events_dir is not None:
        events_dir.mkdir(parents=True, exist_ok=True)
        pq.write_table(contact_events(report.first_run), events_dir / "contact_events.parquet")
        pq.write_table(agent_state_events(report.first_run), events_dir / "agent_states.parquet")
    if as_json:
        typer.echo(json.dumps(service.report_dict(report), indent=2, ensure_ascii=False))
        return
    _print_report(report)
    if events_dir is not None:
        console.print(f"Events of replication 1 written to {events_dir}/")
