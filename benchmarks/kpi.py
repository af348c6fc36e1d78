"""KPI engine vs plain pandas: every catalog KPI by queue × 30-minute interval for a month.

A synthetic month (``kpi_workload.py``: 10 million contacts, about 10.4 million legs, 1.6 million
agent-state events, 1.2 million survey answers; its 55 million contact events for the legs
derivation) is generated once and written to Arrow IPC files. Each side then runs in its own
spawned process that reads the files, so its peak RSS (``VmHWM``) is its own: the input tables
plus whatever the computation needs.

- engine: ``compute_kpis`` over the Arrow tables, the whole catalog, grouped by
  ("queue", "interval"), 30-minute intervals, UTC, default parameters (median of ``--repeat``);
- pandas: ``kpi_pandas.kpis_pandas``, the same KPIs written with groupby / merge / shift,
  ``to_pandas()`` included in its time;
- legs derivation, for reference: ``derive_legs`` over the contact events.

Before any timing, both sides run on a small month (``--check-contacts``) in four
configurations (queue × interval in UTC; interval in America/New_York across the March clock
change with other thresholds and a cost; agent × hour; channel) and must agree on every KPI of
every group (counts equal, floats within 1e-9 relative, null where null), and the legs derived
from the generated events must equal the generated legs. Nothing is written otherwise.

Usage: ``python benchmarks/kpi.py [--contacts 10000000] [--pandas-contacts N] [--seed 7]
[--repeat 3] [--check-contacts 50000]`` (needs the bench extra: ``pip install -e '.[bench]'``).
``--pandas-contacts`` runs pandas on a smaller month and scales its time linearly to
``--contacts``; the section says so when it is used.
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kpi_pandas import kpis_pandas
from kpi_workload import MONTH_START, Month, events_of, generate_month, month_end
from results import write_section

from contactops.engines.kpi.catalog import CATALOG, KpiParameters
from contactops.engines.kpi.compute import compute_kpis
from contactops.engines.kpi.legs import derive_legs

GROUP_BY = ("queue", "interval")
INTERVAL_MINUTES = 30
TARGET_S, TARGET_GB, TARGET_RATIO = 10.0, 4.0, 10.0
RELATIVE_TOLERANCE = 1e-9
TABLES = ("legs", "agent_states", "surveys")


@dataclass(frozen=True)
class Check:
    label: str
    group_by: tuple[str, ...]
    timezone: str = "UTC"
    interval_minutes: int = INTERVAL_MINUTES
    params: KpiParameters = field(default_factory=KpiParameters)


CHECKS = (
    Check("queue × 30 min, UTC, default parameters (the benchmark's query)", GROUP_BY),
    Check(
        "30 min in America/New_York (clocks forward on 8 March), T = 30 s, S = 10 s, 24 h "
        "repeat window, flow-outs not counted, CSAT 5 only, 30 per agent hour",
        ("interval",),
        "America/New_York",
        params=KpiParameters(
            service_level_threshold_s=30,
            short_abandon_s=10,
            repeat_window_h=24,
            include_flow_outs=False,
            cost_per_agent_hour=30.0,
            csat_satisfied_min=5,
        ),
    ),
    Check("agent × 60 min, UTC", ("agent", "interval"), interval_minutes=60),
    Check("channel, whole month", ("channel",)),
)


# --- correctness: engine and pandas on a small month ------------------------------------------


def _normalised(frame: pd.DataFrame, keys: tuple[str, ...]) -> pd.DataFrame:
    frame = frame.copy()
    for key in keys:
        if key == "interval":
            frame[key] = frame[key].dt.tz_convert("UTC").dt.as_unit("us").astype("int64")
        else:
            frame[key] = frame[key].astype("object").where(frame[key].notna(), "<null>")
    return frame


def _readable(row: pd.Series, keys: tuple[str, ...]) -> str:
    return ", ".join(
        f"{key} {pd.Timestamp(row[key], unit='us', tz='UTC') if key == 'interval' else row[key]}"
        for key in keys
    )


def compare(engine: pa.Table, peer: pd.DataFrame, keys: tuple[str, ...]) -> tuple[list[str], int]:
    """(disagreements, values compared): groups on one side only, then per KPI the groups whose
    values differ (counts exactly, floats beyond 1e-9 relative, null against a value)."""
    merged = _normalised(engine.to_pandas(), keys).merge(
        _normalised(peer, keys), on=list(keys), how="outer", suffixes=("_e", "_p"), indicator=True
    )
    problems = []
    for side, name in (("left_only", "engine"), ("right_only", "pandas")):
        only = merged[merged["_merge"] == side]
        if len(only):
            example = _readable(only.iloc[0], keys)
            problems.append(f"{len(only)} groups only in the {name}'s output, e.g. {example}")
    both = merged[merged["_merge"] == "both"]
    for k in CATALOG:
        a, b = both[f"{k.id}_e"].astype("float64"), both[f"{k.id}_p"].astype("float64")
        close = (a - b).abs() <= RELATIVE_TOLERANCE * np.maximum(a.abs(), b.abs())
        same = (a.isna() & b.isna()) | (close if k.unit != "count" else a == b).fillna(False)
        if not same.all():
            row = both[~same].iloc[0]
            where = _readable(row, keys)
            problems.append(
                f"{k.id}: {int((~same).sum())} of {len(both)} groups differ, e.g. {where}: "
                f"engine {row[f'{k.id}_e']}, pandas {row[f'{k.id}_p']}"
            )
    return problems, len(both) * len(CATALOG)


def check_legs_derivation(month: Month) -> tuple[list[str], int]:
    """(columns where the legs derived from the generated events differ from the generated
    legs, number of events)."""
    events = events_of(month.legs)
    derived = derive_legs(events)
    generated = month.legs.sort_by([("contact_id", "ascending"), ("leg_no", "ascending")])
    if derived.num_rows != generated.num_rows:
        return [f"{derived.num_rows} legs derived, {generated.num_rows} generated"], len(events)
    differing = []
    for name in generated.column_names:
        x, y = generated[name], derived[name]
        same = pc.or_kleene(pc.equal(x, y), pc.and_(pc.is_null(x), pc.is_null(y)))
        if not pc.all(pc.fill_null(same, False)).as_py():
            differing.append(name)
    return differing, len(events)


def cross_check(contacts: int, seed: int) -> tuple[list[str], str]:
    """(disagreements, a Markdown summary) of every check on a month of ``contacts``."""
    month = generate_month(contacts, seed)
    lines, problems = [], []
    for check in CHECKS:
        common: dict[str, Any] = dict(
            start=month.start,
            end=month.end,
            group_by=check.group_by,
            timezone=check.timezone,
            interval_minutes=check.interval_minutes,
            params=check.params,
            agent_states=month.agent_states,
            surveys=month.surveys,
        )
        engine = compute_kpis(month.legs, **common)
        peer = kpis_pandas(month.legs, **common)
        found, values = compare(engine, peer, check.group_by)
        nulls = sum(engine[k.id].null_count for k in CATALOG)
        verdict = "agree" if not found else f"DISAGREE on {len(found)} points"
        lines.append(
            f"- {check.label}: {engine.num_rows:,} groups, {values:,} values "
            f"({values - nulls:,} non-null) — {verdict}"
        )
        problems += [f"[{check.label}] {p}" for p in found]
    differing, events = check_legs_derivation(month)
    lines.append(
        f"- legs derived from the generated events ({events:,}) equal "
        "the generated legs in every column"
        if not differing
        else f"- derived legs differ from the generated legs in: {', '.join(differing)}"
    )
    problems += [f"[legs derivation] column {c} differs" for c in differing]
    return problems, "\n".join(lines)


# --- timing: each side in its own process ---------------------------------------------------


def _write(table: pa.Table, path: Path) -> None:
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=1 << 20)


def _read(path: Path) -> pa.Table:
    with pa.OSFile(str(path), "rb") as source:
        return pa.ipc.open_file(source).read_all()


def _memory_gb(key: str) -> float:
    """``VmHWM`` (peak) or ``VmRSS`` (now) of this process, in GB.

    Not ``ru_maxrss``: a spawned child starts as a fork of the parent, and Linux carries the
    fork's resident set into the child's ``ru_maxrss`` across the exec; ``VmHWM`` belongs to
    the child's own address space.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) * 1024 / 1e9
    raise RuntimeError(f"/proc/self/status has no {key}")


def side_generate(folder: Path, contacts: int, seed: int, events: bool) -> dict[str, Any]:
    started = time.perf_counter()
    month = generate_month(contacts, seed)
    generate_s = time.perf_counter() - started
    for name in TABLES:
        _write(getattr(month, name), folder / f"{name}.arrow")
    out = {
        "generate_s": generate_s,
        "legs": month.legs.num_rows,
        "agent_states": month.agent_states.num_rows,
        "surveys": month.surveys.num_rows,
    }
    if events:
        started = time.perf_counter()
        contact_events = events_of(month.legs)
        out["events_s"] = time.perf_counter() - started
        out["events"] = contact_events.num_rows
        del month
        _write(contact_events, folder / "events.arrow")
    return out


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # every thread of this process
    return usage.ru_utime + usage.ru_stime


def _measured(call: Callable[[], Any], repeat: int = 1) -> tuple[Any, dict[str, Any]]:
    """Run ``call`` ``repeat`` times: (last result, wall and CPU seconds of each run, RSS
    before the first run and the process's peak RSS after the last)."""
    before_gb = _memory_gb("VmRSS")
    seconds, cpu_s, result = [], [], None
    for _ in range(repeat):
        del result
        gc.collect()
        started, cpu_started = time.perf_counter(), _cpu_s()
        result = call()
        seconds.append(time.perf_counter() - started)
        cpu_s.append(_cpu_s() - cpu_started)
    figures = {
        "seconds": seconds,
        "cpu_s": cpu_s,
        "before_gb": before_gb,
        "peak_gb": _memory_gb("VmHWM"),
    }
    return result, figures


def side_engine(folder: Path, repeat: int) -> dict[str, Any]:
    legs, states, surveys = (_read(folder / f"{name}.arrow") for name in TABLES)
    result, figures = _measured(
        lambda: compute_kpis(
            legs,
            start=MONTH_START,
            end=month_end(),
            group_by=GROUP_BY,
            interval_minutes=INTERVAL_MINUTES,
            agent_states=states,
            surveys=surveys,
        ),
        repeat,
    )
    _write(result, folder / "engine_result.arrow")
    return {**figures, "groups": len(result)}


def side_pandas(folder: Path) -> dict[str, Any]:
    legs, states, surveys = (_read(folder / f"{name}.arrow") for name in TABLES)
    result, figures = _measured(
        lambda: kpis_pandas(
            legs,
            start=MONTH_START,
            end=month_end(),
            group_by=GROUP_BY,
            interval_minutes=INTERVAL_MINUTES,
            agent_states=states,
            surveys=surveys,
        )
    )
    _write(pa.Table.from_pandas(result, preserve_index=False), folder / "pandas_result.arrow")
    return {**figures, "groups": len(result)}


def side_legs(folder: Path) -> dict[str, Any]:
    events = _read(folder / "events.arrow")
    legs, figures = _measured(lambda: derive_legs(events))
    return {**figures, "legs": len(legs)}


SIDES: dict[str, Callable[..., dict[str, Any]]] = {
    "generate": side_generate,
    "engine": side_engine,
    "pandas": side_pandas,
    "legs": side_legs,
}


def _child(side: str, out: str, args: tuple[Any, ...]) -> None:
    # Should memory run out, the kernel ends this process before any other.
    Path("/proc/self/oom_score_adj").write_text("1000")
    result = SIDES[side](*args)
    Path(out).write_text(json.dumps(result))


def run_side(side: str, folder: Path, *args: Any) -> dict[str, Any]:
    """Run ``side`` in a fresh spawned process and return what it reports."""
    out = folder / f"{side}.json"
    out.unlink(missing_ok=True)
    process = multiprocessing.get_context("spawn").Process(
        target=_child, args=(side, str(out), (folder, *args))
    )
    print(f"… {side}", flush=True)
    process.start()
    process.join()
    if process.exitcode != 0 or not out.exists():
        raise RuntimeError(f"the {side} process failed (exit code {process.exitcode})")
    result: dict[str, Any] = json.loads(out.read_text())
    print(f"  {result}", flush=True)
    return result


# --- the report -------------------------------------------------------------------------------


def _row(label: str, counts: list[str], result: dict[str, Any] | None) -> str:
    if result is None:
        return f"| {label} | {' | '.join(counts)} | failed | — | — | — |"
    seconds, cpu_s = statistics.median(result["seconds"]), statistics.median(result["cpu_s"])
    return (
        f"| {label} | {' | '.join(counts)} | {seconds:.2f} | {cpu_s:.1f} | "
        f"{result['peak_gb']:.2f} | {result['before_gb']:.2f} |"
    )


def report(
    args: argparse.Namespace,
    generated: dict[str, Any],
    engine: dict[str, Any],
    peer: dict[str, Any],
    peer_generated: dict[str, Any],
    legs: dict[str, Any] | None,
    check_summary: str,
    full_size_agreement: str,
    load: tuple[float, float],
) -> str:
    engine_s = statistics.median(engine["seconds"])
    peer_measured_s = peer["seconds"][0]
    scaled = peer_generated is not generated
    peer_s = peer_measured_s * args.contacts / args.pandas_contacts if scaled else peer_measured_s
    ratio = peer_s / engine_s
    peer_cpu_s = peer["cpu_s"][0] * (args.contacts / args.pandas_contacts if scaled else 1)
    cpu_ratio = peer_cpu_s / statistics.median(engine["cpu_s"])
    n, states = f"{args.contacts:,}", f"{generated['agent_states']:,}"
    runs = ", ".join(f"{s:.2f}" for s in engine["seconds"])
    rows = [
        "| run | contacts | legs | contact events | agent-state events | seconds | CPU seconds "
        "| peak RSS GB | RSS before the call GB |",
        "|---|---|---|---|---|---|---|---|---|",
        _row(
            f"engine: `compute_kpis`, median of {len(engine['seconds'])} ({runs})",
            [n, f"{generated['legs']:,}", "—", states],
            engine,
        ),
        _row(
            "pandas: `kpis_pandas`, `to_pandas()` included",
            [
                f"{args.pandas_contacts if scaled else args.contacts:,}",
                f"{peer_generated['legs']:,}",
                "—",
                f"{peer_generated['agent_states']:,}",
            ],
            peer,
        ),
    ]
    if scaled:
        rows.append(
            f"| pandas, time scaled linearly to {n} contacts (not measured) | {n} | — | — | — "
            f"| {peer_s:.1f} | — | — | — |"
        )
    rows.append(
        _row(
            "legs derivation: `derive_legs` (for reference)",
            [n, f"{legs['legs']:,}" if legs else "—", f"{generated['events']:,}", "—"],
            legs,
        )
    )

    def verdict(ok: bool) -> str:
        return "**met**" if ok else "**not met**"

    paragraphs = [
        f"{n} contacts over March 2026 (seed {args.seed}): {generated['legs']:,} legs, {states} "
        f"agent-state events, {generated['surveys']:,} survey answers. Every catalog KPI "
        f"({len(CATALOG)}) by queue × 30-minute interval in UTC with the default parameters: "
        f"{engine['groups']:,} groups. Agent-time KPIs are null by queue, as the catalog defines "
        "them, on both sides.",
        "Each row is its own process, which reads the month from Arrow IPC files and then runs "
        "the call; CPU seconds are its user + system time during the call, every thread "
        "counted; peak RSS is its high-water mark (`VmHWM`), input tables included; the last "
        "column is its RSS just before the call (interpreter, libraries, input). "
        f"The machine was shared: 1-minute load average {load[0]:.2f} when the timing started "
        f"and {load[1]:.2f} when it ended ({os.cpu_count()} cores).",
    ]
    if scaled:
        paragraphs.append(
            f"pandas ran on a month of {args.pandas_contacts:,} contacts and its time is scaled "
            f"linearly to {n} contacts: the ratio below is **extrapolated, not measured**."
        )
    paragraphs += [
        "\n".join(rows),
        f"pandas ÷ engine: **{ratio:,.1f}×** in wall time, {cpu_ratio:,.1f}× in CPU seconds. "
        f"Targets: engine under {TARGET_S:g} s "
        f"{verdict(engine_s < TARGET_S)} ({engine_s:.2f} s); under {TARGET_GB:g} GB "
        f"{verdict(engine['peak_gb'] < TARGET_GB)} ({engine['peak_gb']:.2f} GB); at least "
        f"{TARGET_RATIO:g}× pandas {verdict(ratio >= TARGET_RATIO)} ({ratio:,.1f}×).",
        f"Generating the month with NumPy took {generated['generate_s']:.1f} s, its "
        f"{generated['events']:,} contact events {generated['events_s']:.1f} s more (in no row).",
        f"Cross-check on a month of {args.check_contacts:,} contacts, engine against pandas, "
        "every KPI of every group (counts equal, floats within 1e-9 relative, null where null):",
        check_summary,
        full_size_agreement,
    ]
    return "\n\n".join(paragraphs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=10_000_000)
    parser.add_argument(
        "--pandas-contacts",
        type=int,
        help="run pandas on a month of this many contacts and scale its time linearly",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="engine runs (median reported)")
    parser.add_argument("--check-contacts", type=int, default=50_000)
    args = parser.parse_args()

    print(f"cross-check on {args.check_contacts:,} contacts", flush=True)
    problems, check_summary = cross_check(args.check_contacts, args.seed)
    print(check_summary, flush=True)
    if problems:
        print("\n".join(problems))
        kpis = sorted({p.split("] ", 1)[1].split(":", 1)[0] for p in problems})
        raise SystemExit(
            f"the engine and pandas disagree ({', '.join(kpis)}); RESULTS.md is not written"
        )

    load_before = os.getloadavg()[0]
    found: list[str] = []
    scaled = args.pandas_contacts is not None and args.pandas_contacts < args.contacts
    with tempfile.TemporaryDirectory(prefix="kpi-bench-") as tmp:
        full = Path(tmp) / "full"
        full.mkdir()
        generated = run_side("generate", full, args.contacts, args.seed, True)
        engine = run_side("engine", full, args.repeat)
        try:
            legs: dict[str, Any] | None = run_side("legs", full)
        except RuntimeError as error:
            print(error)
            legs = None
        (full / "events.arrow").unlink()
        if scaled:
            small = Path(tmp) / "pandas"
            small.mkdir()
            peer_generated = run_side("generate", small, args.pandas_contacts, args.seed, False)
            peer = run_side("pandas", small)
            agreement = "pandas ran on a smaller month, so the full-size outputs were not compared."
        else:
            peer_generated = generated
            peer = run_side("pandas", full)
            found, values = compare(
                _read(full / "engine_result.arrow"),
                _read(full / "pandas_result.arrow").to_pandas(),
                GROUP_BY,
            )
            agreement = (
                f"At full size the two outputs agree too: {values:,} values, every KPI of every "
                "group."
                if not found
                else "At full size the outputs DISAGREE: " + "; ".join(found[:10])
            )
    load = (load_before, os.getloadavg()[0])
    body = report(
        args, generated, engine, peer, peer_generated, legs, check_summary, agreement, load
    )
    print(body)
    if not scaled and found:
        raise SystemExit("the full-size outputs disagree; RESULTS.md is not written")
    command = f"python benchmarks/kpi.py --contacts {args.contacts}"
    if scaled:
        command += f" --pandas-contacts {args.pandas_contacts}"
    write_section("KPI engine", command, body)


if __name__ == "__main__":
    main()
