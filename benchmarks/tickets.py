"""Tickets at volume: list views and the SLA scan with a million tickets in the database.

Seeds N tickets in one tenant (a fifth of them active, spread over 20 teams and 200 agents,
the rest solved or closed), then times, on SQLite and on PostgreSQL side by side:

- the team queue (``list_tickets_in(view="team")``, 50 rows by SLA urgency, names joined);
- "breached" and "about to breach" (the whole tenant, by urgency);
- "my tickets";
- the SLA scan (:func:`scan_sla`) with 50 tickets whose warning or deadline has just come,
  as a 15-second scan interval of a busy center would find them.

Usage: ``python benchmarks/tickets.py [--tickets 1000000] [--runs 200] [--write]``
(PostgreSQL is included when CONTACTOPS_TEST_POSTGRES_URL is set).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from rich.progress import Progress
from sqlalchemy import insert, update

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import databases, write_section

from contactops.domains.admin.service import add_member_in, create_tenant_in
from contactops.domains.organization.service import ensure_team_in
from contactops.domains.tickets import configuration, scanner, service
from contactops.domains.tickets.models import Ticket, TicketCounter
from contactops.platform import migrate, passwords
from contactops.platform.database import Database
from contactops.platform.identity import Role

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
TEAMS, AGENTS, ACTIVE_SHARE, DUE_PER_SCAN = 20, 200, 0.2, 50
BATCH = 10_000
# The seeded agents never sign in: hash their generated passwords at the lowest cost.
passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _seed(db: Database, tickets: int, progress: Progress) -> tuple[int, list[int], list[int]]:
    with db.session(system=True) as session:
        tenant_id = create_tenant_in(
            session, slug="bench", name="Bench", time_zone="Europe/Oslo"
        ).id
    with db.session(tenant_id=tenant_id) as session:
        teams = [ensure_team_in(session, f"Team {i}").id for i in range(TEAMS)]
        users = [
            add_member_in(session, f"a{i}@bench.example", f"Agent {i}", Role.AGENT, None).user_id
            for i in range(AGENTS)
        ]
        configuration.save_calendar_in(
            session, "office", "Office", "Europe/Oslo", "mon-fri 08:00-17:00", []
        )
        policy = configuration.save_policy_in(
            session, "all", {"name": "All", "calendar_code": "office",
                             "first_response_s": 4 * 3600, "resolution_s": 45 * 3600,
                             "warn_before_s": 1800},
        ).id  # fmt: skip
        session.add(TicketCounter(tenant_id=tenant_id, last_number=tickets))
    rng = random.Random(7)  # noqa: S311 - reproducible test data
    task = progress.add_task("seeding tickets", total=tickets)
    with db.engine.begin() as connection:
        for start in range(0, tickets, BATCH):
            rows = [
                _row(tenant_id, n + 1, teams, users, policy, rng)
                for n in range(start, min(start + BATCH, tickets))
            ]
            connection.execute(insert(Ticket), rows)
            progress.advance(task, len(rows))
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE ticket")
    else:
        with db.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    return tenant_id, teams, users


def _row(
    tenant_id: int, number: int, teams: list[int], users: list[int], policy: int, rng: random.Random
) -> dict[str, object]:
    created = NOW - timedelta(minutes=rng.randrange(60, 60 * 24 * 120))
    active = rng.random() < ACTIVE_SHARE
    due = NOW + timedelta(minutes=rng.randrange(-3 * 24 * 60, 5 * 24 * 60)) if active else None
    return {
        "tenant_id": tenant_id,
        "number": number,
        "subject": f"Case {number}",
        "channel": "email",
        "ticket_type": "complaint",
        "priority": "normal",
        "status": "open" if active else "closed",
        "status_category": "open" if active else "closed",
        "team_id": rng.choice(teams),
        "assignee_user_id": rng.choice(users) if rng.random() < 0.7 else None,
        "tier": 1,
        "escalations": 0,
        "tags": [],
        "custom_fields": {},
        "version": 1,
        "created_at": created,
        "updated_at": created,
        "resolved_at": None if active else created + timedelta(hours=5),
        "sla_policy_id": policy,
        "sla_pauses": [],
        "sla_marks": {"resolution": "breached"} if due and due < NOW else {},
        "sla_breached": bool(due and due < NOW),
        "resolution_due_at": due,
        "sla_due_at": due,
        # Overdue tickets were raised already; the others wait for their warning.
        "sla_check_at": None if due is None or due < NOW else due - timedelta(minutes=30),
    }


def _time(call: Callable[[], object], runs: int) -> tuple[float, float]:
    latencies = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - start)
    latencies.sort()
    return statistics.median(latencies) * 1000, latencies[int(0.95 * (len(latencies) - 1))] * 1000


def run(
    label: str, url: str, engine_kwargs: dict[str, object], tickets: int, runs: int
) -> list[str]:
    db = Database(url, **engine_kwargs)
    migrate.upgrade(db.engine)
    with Progress() as progress:
        tenant_id, teams, users = _seed(db, tickets, progress)
    rng = random.Random(11)  # noqa: S311 - reproducible test data

    def listing(view: str, **kwargs: object) -> Callable[[], object]:
        def call() -> object:
            with db.session(tenant_id=tenant_id) as session:
                picked = {k: (v() if callable(v) else v) for k, v in kwargs.items()}
                found = service.list_tickets_in(session, view, now=NOW, **picked)  # type: ignore[arg-type]
                assert found, view
                return found

        return call

    rows = []
    cases = [
        ("team queue (50 by urgency)", listing("team", team_id=lambda: rng.choice(teams))),
        ("my tickets", listing("mine", user_id=lambda: rng.choice(users))),
        ("breached", listing("breached")),
        ("about to breach", listing("at_risk")),
    ]
    for name, call in cases:
        p50, p95 = _time(call, runs)
        rows.append(f"| {label} | {name} | {p50:.1f} | {p95:.1f} |")
    scan_runs = max(10, runs // 10)
    latencies = []
    for _ in range(scan_runs):
        with db.engine.begin() as connection:
            numbers = rng.sample(range(1, tickets + 1), DUE_PER_SCAN)
            connection.execute(
                update(Ticket)
                .where(Ticket.tenant_id == tenant_id, Ticket.number.in_(numbers))
                .values(sla_check_at=NOW - timedelta(seconds=1), sla_marks={})
            )
        start = time.perf_counter()
        scanner.scan_sla(db, NOW)
        latencies.append(time.perf_counter() - start)
    latencies.sort()
    p50, p95 = (
        statistics.median(latencies) * 1000,
        latencies[int(0.95 * (len(latencies) - 1))] * 1000,
    )
    rows.append(f"| {label} | SLA scan ({DUE_PER_SCAN} due) | {p50:.1f} | {p95:.1f} |")
    db.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--write", action="store_true", help="record in benchmarks/RESULTS.md")
    args = parser.parse_args()
    rows = ["| database | operation | p50 ms | p95 ms |", "|---|---|---|---|"]
    for label, url, kwargs in databases():
        rows += run(label, url, kwargs, args.tickets, args.runs)
        print("\n".join(rows))
    body = (
        f"{args.tickets:,} tickets in one tenant ({ACTIVE_SHARE:.0%} active, {TEAMS} teams, "
        f"{AGENTS} agents); each list {args.runs} times, the scan {max(10, args.runs // 10)} "
        f"times. Target: p95 under 200 ms.\n\n" + "\n".join(rows)
    )
    print(body)
    if args.write:
        command = (
            f"python benchmarks/tickets.py --tickets {args.tickets} --runs {args.runs} --write"
        )
        write_section("Tickets: views and the SLA scan at volume", command, body)


if __name__ == "__main__":
    main()
