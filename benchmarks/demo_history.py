"""The demo history generator, and writing its events to the event log, side by side.

Usage: ``python benchmarks/demo_history.py [--weeks 3]`` — generates the Northwind demo tenant's
history and stores it (SQLite; PostgreSQL too when CONTACTOPS_TEST_POSTGRES_URL is set).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import databases, write_section

from contactops.domains.demo import service as demo
from contactops.platform import migrate
from contactops.platform.database import Database

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def timed_load(label: str, url: str, engine_kwargs: dict[str, object], weeks: int) -> str:
    db = Database(url, **engine_kwargs)
    migrate.upgrade(db.engine)
    marks: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        marks.setdefault(f"{stage}-start", time.perf_counter())
        marks[f"{stage}-end"] = time.perf_counter()

    start = time.perf_counter()
    contacts, events = demo.load_demo_tenant(
        db, demo.NORTHWIND, now=NOW, weeks=weeks, progress=progress
    ) or (0, 0)
    total_s = time.perf_counter() - start
    simulate_s = marks["store-start"] - start
    store_s = total_s - simulate_s
    db.dispose()
    return (
        f"| {label} | {contacts:,} | {events:,} | {simulate_s:.2f} | "
        f"{events / simulate_s:,.0f} | {store_s:.2f} | {events / store_s:,.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weeks", type=int, default=3)
    args = parser.parse_args()
    rows = [timed_load(label, url, options, args.weeks) for label, url, options in databases()]
    table = "\n".join(
        [
            "| database | contacts | events | generate s | generated events/s | store s | "
            "stored events/s |",
            "|---|---|---|---|---|---|---|",
            *rows,
        ]
    )
    print(table)
    write_section(
        "Demo history: generate vs store",
        f"python benchmarks/demo_history.py --weeks {args.weeks}",
        f"Northwind demo tenant, {args.weeks} weeks, 36 agents, 5 queues; one transaction, "
        "bulk inserts of 5,000 rows.\n\n" + table,
    )


if __name__ == "__main__":
    main()
