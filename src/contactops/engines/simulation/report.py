"""Replications of a scenario, measured by the KPI engine, with confidence intervals.

Each replication runs with its own seed (spawned from the scenario's), its events go through
the same leg derivation and KPI SQL as imported or live history, and every KPI is reported as
the mean over replications ± the half-width of a 95% Student-t interval:
mean ± t₀.₉₇₅,ᵣ₋₁ · s / √r  (s the sample standard deviation of the r replication values).
"""

from __future__ import annotations

import math
import time as clock
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import duckdb
import numpy as np
import pyarrow as pa
from scipy import stats  # type: ignore[import-untyped]

from contactops.engines.kpi.catalog import KpiParameters
from contactops.engines.kpi.compute import compute_kpis
from contactops.engines.kpi.legs import derive_legs
from contactops.engines.simulation.engine import SimulationRun, run_general
from contactops.engines.simulation.fast import fast_path_applies, run_fast
from contactops.engines.simulation.output import agent_state_events, contact_events
from contactops.engines.simulation.scenario import Scenario

ALL = "all"  # the scope of the whole center in a report
# The KPIs a simulation report shows, per queue and for the whole center.
SUMMARY_KPIS: tuple[str, ...] = (
    "offered",
    "answered",
    "abandoned",
    "blocked",
    "timed_out",
    "overflowed",
    "callbacks_requested",
    "abandon_rate",
    "sl_abandons_against",
    "sl_answered",
    "asa",
    "avg_wait",
    "longest_wait",
    "aht",
    "transfer_rate",
    "occupancy",
    "agent_hours",
)
INTERVAL_KPIS: tuple[str, ...] = ("offered", "abandon_rate", "sl_abandons_against", "asa")
# The report's summary: plain names for the figures planners and queueing formulas speak of,
# each one catalog KPI. Service level is answered within the threshold over all offered
# (abandons count against it) — Erlang A's definition, and Erlang C's when nobody abandons.
SUMMARY_NAMES: dict[str, str] = {
    "offered": "offered",
    "answered": "answered",
    "abandoned": "abandoned",
    "blocked": "blocked",
    "service_level": "sl_abandons_against",
    "asa_s": "asa",
    "abandon_rate": "abandon_rate",
    "aht_s": "aht",
    "occupancy": "occupancy",
}
CONFIDENCE = 0.95
ENGINES = ("auto", "general", "fast")


@dataclass(frozen=True, slots=True)
class Estimate:
    """A KPI over replications: mean and 95% half-width (None with one replication or when the
    KPI is undefined in some replication)."""

    mean: float | None
    half_width: float | None
    values: tuple[float | None, ...]

    @classmethod
    def of(cls, values: Sequence[float | None]) -> Estimate:
        known = [v for v in values if v is not None and math.isfinite(v)]
        if not known:
            return cls(None, None, tuple(values))
        mean = sum(known) / len(known)
        if len(known) < 2 or len(known) < len(values):
            return cls(mean, None, tuple(values))
        sd = float(np.std(known, ddof=1))
        t = float(stats.t.ppf(0.975, len(known) - 1))
        return cls(mean, t * sd / math.sqrt(len(known)), tuple(values))

    def half_width_at(self, level: float) -> float | None:
        """The half-width of a Student-t interval at another confidence ``level``."""
        known = [v for v in self.values if v is not None and math.isfinite(v)]
        if len(known) < 2 or len(known) < len(self.values):
            return None
        t = float(stats.t.ppf(0.5 + level / 2, len(known) - 1))
        return t * float(np.std(known, ddof=1)) / math.sqrt(len(known))

    def contains(self, value: float, level: float = 0.95) -> bool:
        """Whether ``value`` lies inside the interval at ``level`` (needs two replications)."""
        half_width = self.half_width if level == 0.95 else self.half_width_at(level)
        if self.mean is None or half_width is None:
            return False
        return abs(value - self.mean) <= half_width


@dataclass(frozen=True)
class SimulationReport:
    scenario: Scenario
    engine: str
    seeds: tuple[int, ...]
    contacts: tuple[int, ...]  # per replication
    events: tuple[int, ...]  # contact + agent-state events per replication
    run_seconds: tuple[float, ...]  # engine time per replication (not measuring)
    kpis: dict[str, dict[str, Estimate]]  # scope (ALL or a queue code) -> KPI id -> estimate
    intervals: pa.Table  # per interval and queue (and ALL): mean of INTERVAL_KPIS over replications
    first_run: SimulationRun = field(repr=False)

    @property
    def replications(self) -> int:
        return len(self.seeds)

    @property
    def contacts_per_second(self) -> float:
        busy = sum(self.run_seconds)
        return sum(self.contacts) / busy if busy > 0 else math.inf

    def estimate(self, kpi_id: str, scope: str = ALL) -> Estimate:
        return self.kpis[scope][kpi_id]

    def summary(self, scope: str = ALL) -> dict[str, Estimate]:
        """The figures of :data:`SUMMARY_NAMES` for one scope."""
        return {name: self.kpis[scope][kpi_id] for name, kpi_id in SUMMARY_NAMES.items()}


def replication_seeds(seed: int, replications: int) -> tuple[int, ...]:
    """Independent seeds for replications; replication 1 uses ``seed`` itself, so a single run
    and the first of many agree."""
    children = np.random.SeedSequence(seed).generate_state(max(replications - 1, 0), np.uint32)
    return (seed, *(int(c) for c in children))


def run_once(scenario: Scenario, seed: int, engine: str = "auto") -> SimulationRun:
    """One replication with the chosen engine (``auto``: the fast path where it applies)."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if engine == "fast" or (engine == "auto" and fast_path_applies(scenario)):
        return run_fast(scenario, seed)
    return run_general(scenario, seed)


def measure(
    run: SimulationRun, connection: duckdb.DuckDBPyConnection | None = None
) -> tuple[dict[str, dict[str, float | None]], pa.Table, int]:
    """KPIs of one run over [start + warm-up, start + horizon): per queue (service level against
    each queue's threshold) and for the center (against the first queue's), the per-interval
    table, and the number of events."""
    scenario = run.scenario
    events = contact_events(run)
    states = agent_state_events(run)
    legs = derive_legs(events, connection)
    start = scenario.start + timedelta(seconds=scenario.warmup_s)
    end = scenario.start + timedelta(seconds=scenario.horizon_s)

    def kpis(
        group_by: tuple[str, ...],
        kpi_ids: Sequence[str],
        threshold_s: float,
        agent_states: pa.Table | None = None,
    ) -> pa.Table:
        return compute_kpis(
            legs,
            start=start,
            end=end,
            group_by=group_by,
            timezone=scenario.time_zone,
            interval_minutes=_interval_minutes(scenario),
            params=KpiParameters(service_level_threshold_s=threshold_s),
            kpi_ids=kpi_ids,
            agent_states=agent_states,
            connection=connection,
        )

    first_threshold_s = scenario.queues[0].service_level_s
    center = kpis((), SUMMARY_KPIS, first_threshold_s, states).to_pylist()
    values: dict[str, dict[str, float | None]] = {ALL: _row(center[0] if center else {})}
    # Each queue's service level is measured against its own threshold.
    for threshold_s in sorted({q.service_level_s for q in scenario.queues}):
        own = {q.code for q in scenario.queues if q.service_level_s == threshold_s}
        by_queue = kpis(("queue",), SUMMARY_KPIS, threshold_s).to_pylist()
        values.update({str(r["queue"]): _row(r) for r in by_queue if r["queue"] in own})
    per_queue = kpis(("interval", "queue"), INTERVAL_KPIS, first_threshold_s)
    center_rows = kpis(("interval",), INTERVAL_KPIS, first_threshold_s)
    center_rows = center_rows.add_column(
        1, "queue", pa.array([ALL] * center_rows.num_rows, type=pa.string())
    )
    intervals = pa.concat_tables([center_rows.cast(per_queue.schema), per_queue])
    return values, intervals, events.num_rows + states.num_rows


def simulate(
    scenario: Scenario,
    replications: int = 1,
    *,
    engine: str = "auto",
    progress: Callable[[int, int], None] | None = None,
) -> SimulationReport:
    """Run ``replications`` independent replications and measure each with the KPI engine;
    ``progress(done, total)`` after each."""
    if replications < 1:
        raise ValueError(f"replications must be ≥ 1, got {replications}")
    seeds = replication_seeds(scenario.seed, replications)
    per_scope: dict[str, dict[str, list[float | None]]] = {}
    contacts, events, seconds, interval_tables = [], [], [], []
    first: SimulationRun | None = None
    with duckdb.connect() as connection:
        for done, seed in enumerate(seeds, start=1):
            began = clock.perf_counter()
            run = run_once(scenario, seed, engine)
            seconds.append(clock.perf_counter() - began)
            first = first or run
            values, intervals, event_count = measure(run, connection)
            contacts.append(int(run.contacts.arrival_s.size))
            events.append(event_count)
            interval_tables.append(intervals)
            scopes = [ALL, *run.queue_codes]
            for scope in scopes:
                row = values.get(scope, {})
                target = per_scope.setdefault(scope, {k: [] for k in SUMMARY_KPIS})
                for kpi_id in SUMMARY_KPIS:
                    target[kpi_id].append(row.get(kpi_id))
            if progress:
                progress(done, replications)
    assert first is not None
    return SimulationReport(
        scenario=scenario,
        engine=first.engine,
        seeds=seeds,
        contacts=tuple(contacts),
        events=tuple(events),
        run_seconds=tuple(seconds),
        kpis={
            scope: {k: Estimate.of(v) for k, v in kpis.items()} for scope, kpis in per_scope.items()
        },
        intervals=_mean_intervals(interval_tables),
        first_run=first,
    )


def _row(row: dict[str, object]) -> dict[str, float | None]:
    return {k: (None if row.get(k) is None else float(row[k])) for k in SUMMARY_KPIS}  # type: ignore[arg-type]


def _interval_minutes(scenario: Scenario) -> int:
    minutes = round(scenario.interval_s / 60)
    return minutes if minutes > 0 and 1440 % minutes == 0 else 30


def _mean_intervals(tables: list[pa.Table]) -> pa.Table:
    """Mean of each interval KPI over replications, per (interval, queue)."""
    if not tables:
        return pa.table({})
    combined = pa.concat_tables(tables)
    with duckdb.connect() as con:
        con.register("intervals", combined)
        averages = ", ".join(f'avg("{k}") AS "{k}"' for k in INTERVAL_KPIS)
        return con.sql(
            f"SELECT interval, queue, {averages} FROM intervals GROUP BY ALL ORDER BY ALL"  # noqa: S608 - fixed KPI ids
        ).to_arrow_table()
