"""Export of the event log to partitioned Parquet: the same KPI SQL then runs on any engine.

Layout: ``<dir>/<dataset>/tenant=<slug>/month=<YYYY-MM>/part-<n>.parquet`` for the datasets
``contact_events``, ``agent_states`` and ``legs`` (Hive partitioning, read by DuckDB, Spark SQL and
Trino as it is). Months are UTC months of the event time (legs: of the arrival). Re-exporting a
month replaces its files, so an export can be refreshed.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contactops.domains.events.models import AgentStateRecord, ContactEventRecord, ContactLegRecord
from contactops.domains.events.service import EVENT_COLUMNS, events_table_from_rows
from contactops.engines.events import AGENT_STATE_SCHEMA, LEG_SCHEMA
from contactops.platform.database import Database

ROWS_PER_BATCH = 200_000


@dataclass
class ExportReport:
    directory: Path
    rows: dict[str, int] = field(default_factory=dict)  # dataset -> rows written
    files: list[Path] = field(default_factory=list)


def _months(first: datetime, last: datetime) -> Iterator[tuple[datetime, datetime]]:
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        start = datetime(year, month, 1, tzinfo=UTC)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        yield start, datetime(year, month, 1, tzinfo=UTC)


def _contact_events(session: Session, start: datetime, end: datetime) -> Iterator[pa.Table]:
    result = session.execute(
        select(*EVENT_COLUMNS)
        .where(ContactEventRecord.occurred_at >= start, ContactEventRecord.occurred_at < end)
        .order_by(ContactEventRecord.occurred_at, ContactEventRecord.id)
        .execution_options(yield_per=ROWS_PER_BATCH)
    )
    for rows in result.partitions():
        yield events_table_from_rows(rows)


def _plain_rows(
    session: Session,
    model: Any,
    time_column: Any,
    schema: pa.Schema,
    start: datetime,
    end: datetime,
) -> Iterator[pa.Table]:
    columns = [getattr(model, name) for name in schema.names]  # ORM attributes: tenant-scoped
    result = session.execute(
        select(*columns)
        .where(time_column >= start, time_column < end)
        .order_by(time_column)
        .execution_options(yield_per=ROWS_PER_BATCH)
    )
    for rows in result.partitions():
        yield pa.Table.from_pylist([dict(zip(schema.names, r, strict=True)) for r in rows], schema)


def export_parquet(
    db: Database,
    tenant_id: int,
    tenant_slug: str,
    directory: Path,
    *,
    first: datetime | None = None,
    last: datetime | None = None,
    progress: Callable[[str, str], None] | None = None,
) -> ExportReport:
    """Write the tenant's events, agent states and legs for the months touching [first, last]."""
    report = ExportReport(directory)
    with db.session(tenant_id=tenant_id) as session:
        lo, hi = session.execute(
            select(
                func.min(ContactEventRecord.occurred_at), func.max(ContactEventRecord.occurred_at)
            )
        ).one()
        if lo is None:
            return report
        first, last = max(first or lo, lo), min(last or hi, hi)
        for start, end in _months(first, last):
            month = f"{start:%Y-%m}"
            datasets = {
                "contact_events": _contact_events(session, start, end),
                "agent_states": _plain_rows(
                    session,
                    AgentStateRecord,
                    AgentStateRecord.occurred_at,
                    AGENT_STATE_SCHEMA,
                    start,
                    end,
                ),
                "legs": _plain_rows(
                    session, ContactLegRecord, ContactLegRecord.arrived_at, LEG_SCHEMA, start, end
                ),
            }
            for name, batches in datasets.items():
                if progress:
                    progress(name, month)
                folder = directory / name / f"tenant={tenant_slug}" / f"month={month}"
                if folder.exists():
                    shutil.rmtree(folder)
                written = _write_batches(folder, batches)
                if written:
                    report.rows[name] = report.rows.get(name, 0) + written
                    report.files.extend(sorted(folder.glob("*.parquet")))
    return report


def _write_batches(folder: Path, batches: Iterator[pa.Table]) -> int:
    written, writer = 0, None
    try:
        for table in batches:
            if not table.num_rows:
                continue
            if writer is None:
                folder.mkdir(parents=True, exist_ok=True)
                writer = pq.ParquetWriter(
                    folder / "part-0.parquet", table.schema, compression="zstd"
                )
            writer.write_table(table)
            written += table.num_rows
    finally:
        if writer is not None:
            writer.close()
    return written
