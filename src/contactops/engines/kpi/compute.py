"""Compute catalog KPIs from legs (and agent states, surveys) in one DuckDB query.

The Arrow tables are registered, not copied. Each source is aggregated once at the finest
grouping asked for (time-grid cell × queue × channel × agent), the parts are summed to the
report's groups, and every KPI is its catalog formula over those sums (see :mod:`.sql`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from datetime import datetime

import duckdb
import pyarrow as pa

from contactops.engines.events import TIMESTAMP
from contactops.engines.kpi.adherence import SCHEDULE_SCHEMA, check_schedules
from contactops.engines.kpi.agent_time import with_row_order
from contactops.engines.kpi.catalog import CATALOG, KpiParameters, kpi
from contactops.engines.kpi.codes import encode
from contactops.engines.kpi.queries import Scope
from contactops.engines.kpi.report_sql import report_sql
from contactops.engines.kpi.sql import Part
from contactops.engines.kpi.tickets import TICKET_FACTS_SCHEMA
from contactops.engines.kpi.time_grid import (
    TIME_COLUMNS,
    TimeGrid,
    epoch_us,
    time_grid,
    zone,
)

# Grouping dimensions and their columns: interval (local interval start, timestamp in the report's
# zone), time_of_day ("HH:MM"), weekday (ISO 1 = Monday … 7, int64), day, week (its Monday) and
# month (its first day) as dates, then queue, channel, agent (the answering agent for leg KPIs),
# team (from agent_teams) and tenant (the ``tenant`` argument) as strings.
DIMENSIONS: tuple[str, ...] = (*TIME_COLUMNS, "queue", "channel", "agent", "team", "tenant")
TIME_DIMENSIONS = frozenset(TIME_COLUMNS)
# Survey answers: attributed to the contact's last answered leg (see catalog.SURVEY_TIME).
SURVEY_SCHEMA = pa.schema(
    [
        pa.field("contact_id", pa.string(), nullable=False),
        pa.field("responded_at", TIMESTAMP),
        pa.field("survey", pa.string(), nullable=False),  # csat (1–5), nps (0–10), ces; no other
        pa.field("score", pa.float64()),
    ]
)
_REQUIRED = {
    "legs": ("contact_id", "leg_no", "legs", "channel", "customer_id", "queue", "arrived_at",
             "queued_at", "answered_at", "agent", "wait_s", "talk_s", "hold_s", "wrapup_s",
             "handle_s", "outcome", "transferred", "resolved"),
    "agent_states": ("occurred_at", "agent", "state"),
    "surveys": ("contact_id", "survey", "score"),
    "schedules": SCHEDULE_SCHEMA.names,
    "tickets": TICKET_FACTS_SCHEMA.names,
}  # fmt: skip


def compute_kpis(
    legs: pa.Table,
    *,
    start: datetime,
    end: datetime,
    group_by: Sequence[str] = (),
    timezone: str = "UTC",
    interval_minutes: int = 30,
    params: KpiParameters = KpiParameters(),
    kpi_ids: Sequence[str] | None = None,
    agent_states: pa.Table | None = None,
    surveys: pa.Table | None = None,
    agent_teams: Mapping[str, str] | None = None,
    tenant: str | None = None,
    schedules: pa.Table | None = None,
    tickets: pa.Table | None = None,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> pa.Table:
    """KPIs of [start, end) per group: the group columns in ``group_by`` order, then one column
    per KPI (catalog order, or ``kpi_ids`` order), sorted by the group columns.

    Legs count in the local interval (``timezone``) of their queue entry, or of the contact's
    arrival when they never queued. Counts are int64, everything else float64; a ratio with a
    zero denominator is null. Agent-time KPIs are null without ``agent_states`` and when grouped
    by queue or channel; survey KPIs are null without ``surveys`` (:data:`SURVEY_SCHEMA`);
    schedule KPIs are null without ``schedules`` (:data:`SCHEDULE_SCHEMA`, checked by
    :func:`.adherence.check_schedules`) and when grouped by queue or channel, and adherence and
    conformance also without ``agent_states``. Ticket KPIs are null without ``tickets``
    (:data:`.tickets.TICKET_FACTS_SCHEMA`, from :func:`.tickets.ticket_facts`).
    An unknown KPI id raises KeyError listing the known ones; an unknown dimension or any other
    bad argument raises ValueError naming it.
    """
    dims = _check_dimensions(group_by, tenant)
    ids = _check_kpi_ids(kpi_ids)
    start_us, end_us = _check_period(start, end)
    if interval_minutes <= 0 or 1440 % interval_minutes:
        raise ValueError(f"interval_minutes must divide a day (1440), got {interval_minutes}")
    zone(timezone)
    _check_columns("legs", legs)
    if agent_states is not None:
        _check_columns("agent_states", agent_states)
    if surveys is not None:
        _check_columns("surveys", surveys)
    if schedules is not None:
        check_schedules(schedules)
    if tickets is not None:
        _check_columns("tickets", tickets)

    grid = None
    if TIME_DIMENSIONS & set(dims):
        # Day-level dimensions only need day cells: fewer groups in the first stage.
        fine = {"interval", "time_of_day"} & set(dims)
        grid = time_grid(start, end, timezone, interval_minutes if fine else 1440)
    scope = Scope(
        start_us,
        end_us,
        grid,
        by_queue="queue" in dims,
        by_channel="channel" in dims,
        by_agent=bool({"agent", "team"} & set(dims)),
    )
    available: set[Part] = {"legs", "answered_contacts", "first_legs"}
    if surveys is not None:
        available.add("surveys")
    if tickets is not None:
        available.add("tickets")
    per_agent = not (scope.by_queue or scope.by_channel)  # agent and schedule time only
    states = agent_states if per_agent else None
    plan = schedules if per_agent else None
    if states is not None:
        available.add("agent_states")
    if plan is not None:
        available.add("schedules")
        if states is not None:
            available.add("schedule_states")
    tables = _inputs(legs, scope, grid, states, surveys, agent_teams, plan, tickets)
    names = {key: f"kpi_{key}_{uuid.uuid4().hex}" for key in tables}
    sql = report_sql(scope, dims, ids, params, available, names)
    with ExitStack() as stack:
        con = connection if connection is not None else stack.enter_context(duckdb.connect())
        for key, table in tables.items():
            con.register(names[key], table)
            stack.callback(con.unregister, names[key])
        result = con.sql(sql).to_arrow_table()
    return _finish(result, dims, ids, timezone, tenant)


def _inputs(
    legs: pa.Table,
    scope: Scope,
    grid: TimeGrid | None,
    agent_states: pa.Table | None,
    surveys: pa.Table | None,
    agent_teams: Mapping[str, str] | None,
    schedules: pa.Table | None = None,
    tickets: pa.Table | None = None,
) -> dict[str, pa.Table]:
    """The tables to register: inputs plus code columns (shared buffers), grid, dictionaries.

    Each grouped dimension is one code space over the legs and the tickets; agent codes also
    span the agent-state log and the schedules, so states join schedules and both join legs
    on the code.
    """
    tables: dict[str, pa.Table] = {}
    grouped = [d for d in ("queue", "channel") if getattr(scope, f"by_{d}")]
    for dimension in grouped:
        columns = [legs.column(dimension)]
        if tickets is not None:
            columns.append(tickets.column(dimension))
        codes, coded = encode(columns)
        legs = legs.append_column(f"_{dimension}", coded[0])
        if tickets is not None:
            tickets = tickets.append_column(f"_{dimension}", coded[1])
        tables[f"codes_{dimension}"] = codes.table()
    timed = {
        key: table
        for key, table in (("agent_states", agent_states), ("schedules", schedules))
        if table is not None
    }
    if scope.by_agent or timed:
        grouped_tables = {"legs": legs, "tickets": tickets} if scope.by_agent else {}
        grouped_agent = {k: t for k, t in grouped_tables.items() if t is not None}
        columns = [t.column("agent") for t in (*grouped_agent.values(), *timed.values())]
        codes, coded = encode(columns)
        for key in grouped_agent:
            grouped_agent[key] = grouped_agent[key].append_column("_agent", coded.pop(0))
        legs = grouped_agent.get("legs", legs)
        tickets = grouped_agent.get("tickets", tickets)
        if scope.by_agent:
            tables["codes_agent"] = codes.table()
        for (key, table), column in zip(timed.items(), coded, strict=True):
            timed[key] = table.append_column("_agent", column)
    tables["legs"] = legs
    if tickets is not None:
        tables["tickets"] = tickets
    if grid is not None:
        tables["grid"] = grid.table
    if "agent_states" in timed:
        tables["agent_states"] = with_row_order(timed["agent_states"])
    if "schedules" in timed:
        tables["schedules"] = timed["schedules"]
    if surveys is not None:
        tables["surveys"] = surveys
    if agent_teams is not None:
        tables["teams"] = pa.table(
            {"agent": list(agent_teams), "team": list(agent_teams.values())},
            schema=pa.schema([("agent", pa.string()), ("team", pa.string())]),
        )
    return tables


def _finish(
    result: pa.Table, dims: list[str], ids: list[str], timezone: str, tenant: str | None
) -> pa.Table:
    """Interval in the report's zone, the constant tenant column, exact output types."""
    columns: list[pa.Array | pa.ChunkedArray] = []
    fields: list[pa.Field] = []
    for name in [*dims, *ids]:
        if name == "tenant":
            fields.append(pa.field("tenant", pa.string()))
            columns.append(pa.array([tenant] * result.num_rows, pa.string()))
            continue
        target = _dimension_type(name, timezone) if name in DIMENSIONS else None
        if target is None:
            target = pa.int64() if kpi(name).unit == "count" else pa.float64()
        fields.append(pa.field(name, target))
        columns.append(result.column(name).cast(target))
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def _dimension_type(name: str, timezone: str) -> pa.DataType:
    if name == "interval":
        return pa.timestamp("us", tz=timezone)
    if name == "weekday":
        return pa.int64()
    if name in ("day", "week", "month"):
        return pa.date32()
    return pa.string()


def _check_dimensions(group_by: Sequence[str], tenant: str | None) -> list[str]:
    if isinstance(group_by, str):
        group_by = [group_by]
    dims = list(group_by)
    for name in dims:
        if name not in DIMENSIONS:
            raise ValueError(
                f"group_by: unknown dimension {name!r}; valid dimensions: {', '.join(DIMENSIONS)}"
            )
    if len(set(dims)) != len(dims):
        raise ValueError(f"group_by: a dimension is repeated in {dims}")
    if "tenant" in dims and tenant is None:
        raise ValueError("group_by 'tenant' needs the tenant argument (the legs' tenant code)")
    return dims


def _check_kpi_ids(kpi_ids: Sequence[str] | None) -> list[str]:
    if kpi_ids is None:
        return [k.id for k in CATALOG]
    if isinstance(kpi_ids, str):
        kpi_ids = [kpi_ids]
    ids = [kpi(kpi_id).id for kpi_id in kpi_ids]
    if not ids:
        raise ValueError("kpi_ids: name at least one KPI, or pass None for all of them")
    if len(set(ids)) != len(ids):
        raise ValueError(f"kpi_ids: an id is repeated in {ids}")
    return ids


def _check_period(start: datetime, end: datetime) -> tuple[int, int]:
    for name, at in (("start", start), ("end", end)):
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError(f"{name} must be timezone-aware, got naive {at.isoformat()}")
    start_us, end_us = epoch_us(start), epoch_us(end)
    if end_us <= start_us:
        raise ValueError(f"end must be after start, got {start.isoformat()} → {end.isoformat()}")
    return start_us, end_us


def _check_columns(name: str, table: pa.Table) -> None:
    missing = [c for c in _REQUIRED[name] if c not in table.column_names]
    if missing:
        raise ValueError(f"{name}: missing columns {', '.join(missing)}")
