"""KPIs of one tenant: read legs and agent states from the event log, compute with the catalog.

Every page, export, API answer and CLI figure comes from :func:`tenant_kpis`, which calls the one
KPI engine (:mod:`contactops.engines.kpi`); nothing here computes a metric itself.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from contactops.domains.events import service as events
from contactops.domains.organization import service as organization
from contactops.domains.scheduling import service as scheduling
from contactops.engines.kpi.catalog import CATALOG, Kpi, KpiParameters, kpi
from contactops.engines.kpi.compute import DIMENSIONS, compute_kpis
from contactops.engines.kpi.tickets import ticket_facts
from contactops.platform.database import Database
from contactops.platform.errors import InvalidInput
from contactops.platform.i18n import gettext as _

MAX_DAYS = 400  # one request covers at most about a year of history
DEFAULT_DAYS = 7


@dataclass(frozen=True)
class KpiQuery:
    """What to compute: a local period, a grouping, filters and the definitions' parameters."""

    first_day: date  # local days of the tenant, both included
    last_day: date
    group_by: tuple[str, ...] = ()
    interval_minutes: int = 30
    kpi_ids: tuple[str, ...] | None = None
    queues: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()
    params: KpiParameters = field(default_factory=KpiParameters)

    def bounds(self, time_zone: str) -> tuple[datetime, datetime]:
        """[start, end) as aware instants: local midnight of the first day to after the last."""
        zone = ZoneInfo(time_zone)
        start = datetime.combine(self.first_day, time(), zone)
        end = datetime.combine(self.last_day + timedelta(days=1), time(), zone)
        return start, end


@dataclass(frozen=True)
class KpiResult:
    query: KpiQuery
    time_zone: str
    columns: tuple[str, ...]  # the group columns, then the KPI ids
    group_columns: tuple[str, ...]
    kpis: tuple[Kpi, ...]
    table: pa.Table

    def json_rows(self) -> list[dict[str, Any]]:
        """:meth:`rows` with dates and times as ISO 8601 text."""
        return [{k: _plain(v) for k, v in row.items()} for row in self.rows()]

    def rows(self) -> list[dict[str, Any]]:
        """Plain rows; local timestamps keep their offset, also on the night clocks go back."""
        table, local = self.table, ZoneInfo(self.time_zone)
        zoned = [
            f.name for f in table.schema if pa.types.is_timestamp(f.type) and f.type.tz is not None
        ]
        for name in zoned:  # through UTC: a zone-aware to_pylist loses which 02:00 is which
            index = table.schema.get_field_index(name)
            table = table.set_column(index, name, table[name].cast(pa.timestamp("us", tz="UTC")))
        rows: list[dict[str, Any]] = table.to_pylist()
        for row in rows:
            for name in zoned:
                if row[name] is not None:
                    row[name] = row[name].astimezone(local)
        return rows


def split_list(values: str | Sequence[str] | None) -> list[str]:
    """Items given comma-separated, repeated, or both (``by=queue,day`` or ``by=queue&by=day``)."""
    if values is None:
        return []
    texts = [values] if isinstance(values, str) else values
    return [part.strip() for text in texts for part in text.split(",") if part.strip()]


def parse_query(
    *,
    first_day: date | None,
    last_day: date | None,
    today: date,
    group_by: str | Sequence[str] | None = (),
    interval_minutes: int = 30,
    kpi_ids: str | Sequence[str] | None = None,
    queues: str | Sequence[str] | None = (),
    channels: str | Sequence[str] | None = (),
    agents: str | Sequence[str] | None = (),
    params: dict[str, Any] | None = None,
) -> KpiQuery:
    """A validated query; every problem names its field. Lists may come comma-separated;
    parameters given as None keep their catalog defaults."""
    group_by, queues, channels, agents = (
        split_list(v) for v in (group_by, queues, channels, agents)
    )
    kpi_ids = split_list(kpi_ids) or None
    params = {name: value for name, value in (params or {}).items() if value is not None}
    last = last_day or today
    first = first_day or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise InvalidInput("from", _("The first day must not be after the last day."))
    if (last - first).days >= MAX_DAYS:
        raise InvalidInput("to", _("Ask for at most %(days)d days at once.", days=MAX_DAYS))
    unknown = [d for d in group_by if d not in DIMENSIONS]
    if unknown:
        raise InvalidInput(
            "by",
            _(
                "Unknown grouping %(names)s; use any of: %(valid)s.",
                names=", ".join(unknown),
                valid=", ".join(DIMENSIONS),
            ),
        )
    if interval_minutes <= 0 or 1440 % interval_minutes:
        raise InvalidInput(
            "interval", _("The interval must divide a day into whole minutes (15, 30, 60...).")
        )
    if kpi_ids is not None:
        known = {k.id for k in CATALOG}
        missing = [k for k in kpi_ids if k not in known]
        if missing:
            raise InvalidInput(
                "kpis",
                _("Unknown KPI %(names)s; see /api/v1/kpis/catalog.", names=", ".join(missing)),
            )
    try:
        parameters = replace(KpiParameters(), **params)
    except (TypeError, ValueError) as error:
        raise InvalidInput("params", str(error)) from error
    return KpiQuery(
        first_day=first,
        last_day=last,
        group_by=tuple(dict.fromkeys(group_by)),
        interval_minutes=interval_minutes,
        kpi_ids=tuple(kpi_ids) if kpi_ids is not None else None,
        queues=tuple(queues),
        channels=tuple(channels),
        agents=tuple(agents),
        params=parameters,
    )


def _filtered(table: pa.Table, column: str, values: tuple[str, ...]) -> pa.Table:
    if not values:
        return table
    return table.filter(pc.is_in(table[column], value_set=pa.array(values, pa.string())))


@dataclass(frozen=True)
class KpiInputs:
    """What the engine reads for one period: legs, agent states, the agent → team map."""

    legs: pa.Table
    agent_states: pa.Table
    agent_teams: dict[str, str]
    schedules: pa.Table | None = None  # the published schedule's activities (adherence)
    tickets: pa.Table | None = None  # one fact row per ticket opened in the period


def inputs_in(session: Session, time_zone: str, query: KpiQuery) -> KpiInputs:
    """Read the period's legs and agent states from the session's tenant, filters applied."""
    start, end = query.bounds(time_zone)
    # The repeat window looks past the period's end: a repeat the day after still counts.
    horizon = end + timedelta(hours=query.params.repeat_window_h)
    legs = events.legs_table_in(session, start, horizon)
    for column, values in (
        ("queue", query.queues),
        ("channel", query.channels),
        ("agent", query.agents),
    ):
        legs = _filtered(legs, column, values)
    states = _filtered(events.agent_states_table_in(session, start, end), "agent", query.agents)
    plan = _filtered(scheduling.schedule_table_in(session, start, end, time_zone), "agent",
                     query.agents)  # fmt: skip
    tickets = ticket_facts(events.ticket_events_table_in(session, start, end))
    for column, values in (
        ("queue", query.queues),
        ("channel", query.channels),
        ("agent", query.agents),
    ):
        tickets = _filtered(tickets, column, values)
    return KpiInputs(legs, states, organization.agent_teams_in(session), plan, tickets)


def compute(
    inputs: KpiInputs,
    tenant_label: str,
    time_zone: str,
    query: KpiQuery,
    group_by: tuple[str, ...] | None = None,
) -> KpiResult:
    """Run the catalog over ``inputs``; ``group_by`` overrides the query's grouping."""
    start, end = query.bounds(time_zone)
    groups = query.group_by if group_by is None else group_by
    table = compute_kpis(
        inputs.legs,
        start=start,
        end=end,
        group_by=groups,
        timezone=time_zone,
        interval_minutes=query.interval_minutes,
        params=query.params,
        kpi_ids=query.kpi_ids,
        agent_states=inputs.agent_states,
        agent_teams=inputs.agent_teams,
        tenant=tenant_label,
        schedules=inputs.schedules,
        tickets=inputs.tickets,
    )
    chosen = tuple(kpi(k) for k in query.kpi_ids) if query.kpi_ids else CATALOG
    return KpiResult(
        query=query,
        time_zone=time_zone,
        columns=tuple(table.column_names),
        group_columns=groups,
        kpis=chosen,
        table=table,
    )


def tenant_kpis(
    db: Database, tenant_id: int, tenant_label: str, time_zone: str, query: KpiQuery
) -> KpiResult:
    """Compute ``query`` over the tenant's event log."""
    with db.session(tenant_id=tenant_id) as session:
        inputs = inputs_in(session, time_zone, query)
    return compute(inputs, tenant_label, time_zone, query)


# --- exports ----------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def to_csv(result: KpiResult) -> str:
    """The result as CSV: one header row of column ids, one row per group."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(result.columns)
    for row in result.rows():
        writer.writerow(["" if row[c] is None else _plain(row[c]) for c in result.columns])
    return out.getvalue()


def to_xlsx(result: KpiResult, headers: dict[str, str]) -> bytes:
    """An Excel workbook: the data with translated headers, and a sheet of definitions."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "remove_timezone": True})
    sheet = book.add_worksheet(_("KPIs"))
    bold = book.add_format({"bold": True})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    percent = book.add_format({"num_format": "0.0%"})
    ratio_ids = {k.id for k in result.kpis if k.unit == "ratio"}
    for col, name in enumerate(result.columns):
        sheet.write(0, col, headers.get(name, name), bold)
    for r, row in enumerate(result.rows(), start=1):
        for col, name in enumerate(result.columns):
            value = row[name]
            if value is None:
                continue
            if isinstance(value, datetime):
                sheet.write_datetime(r, col, value.replace(tzinfo=None), stamp)
            elif name in ratio_ids:
                sheet.write_number(r, col, value, percent)
            elif isinstance(value, int | float):
                sheet.write_number(r, col, value)
            else:
                sheet.write(r, col, str(_plain(value)))
    definitions = book.add_worksheet(_("Definitions"))
    for col, title in enumerate((_("KPI"), _("Id"), _("Formula"), _("Definition"))):
        definitions.write(0, col, title, bold)
    for r, item in enumerate(result.kpis, start=1):
        definitions.write_row(r, 0, (_(item.name), item.id, item.formula, item.definition))
    book.close()
    return out.getvalue()
