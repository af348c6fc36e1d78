"""``contactops schedule solve PROBLEM.json --out SCHEDULE.json``: a schedule under labour
rules for a problem file (format in docs/scheduling.md), with its coverage and rule report."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from contactops.engines.scheduling import ProblemError, solve
from contactops.engines.scheduling.mapping import (
    options_from_mapping,
    problem_from_mapping,
    schedule_to_mapping,
)
from contactops.platform.commands import console, fail

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
