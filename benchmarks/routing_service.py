"""The live center's own cost a call, without HTTP: what the one live-center thread spends.

A call is the four steps a desktop and a PBX make: the arrival (the caller's number matched to a
customer, a new one for most numbers), the agent's accept, end and wrap-up, each one transaction
through ``contactops.domains.live.service`` on the thread that owns the center. 500 agents on
10 queues are ready; a call arrives every half second of simulated time, so each is offered at
once. Measured per call: the process's CPU time and the SQL statements sent. The inverse of the
CPU time is the most calls a second the live-center thread could take if it had a core to itself.

``queued``: the same steps queued 32 at a time while the thread is busy, as they come under load
(8 arrivals, and the accepts, ends and wrap-ups of the calls of the three batches before), so
that the thread runs them as one group (one transaction, see ``contactops.domains.live.runner``).
"""

from __future__ import annotations

import functools
import random
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from routing_load import Database_, LoadOptions, populate, postgres_database, sqlite_database
from sqlalchemy import event

from contactops.domains.live import service

T0 = datetime(2026, 11, 24, 9, tzinfo=UTC)


def run(
    backend: str, calls: int, desktops: int, postgres_url: str, queued: bool = False
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        database: Database_ = (
            sqlite_database(Path(folder))
            if backend == "sqlite"
            else postgres_database(postgres_url)
        )
        try:
            return _measure(database, calls, desktops, queued)
        finally:
            database.db.dispose()
            database.cleanup()


def _measure(database: Database_, calls: int, desktops: int, queued: bool) -> dict[str, Any]:
    db = database.db
    populate(db, LoadOptions(desktops=desktops))
    tenant = service.tenant_by_slug(db, "load")[0]
    agents = {f"a{n}": service.agent_id_of(db, tenant, f"a{n}") for n in range(desktops)}
    for agent_id in agents.values():
        service.set_presence(db, tenant, agent_id, "ready", now=T0)
    statements = [0]

    def count(*_args: object) -> None:
        statements[0] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    rng = random.Random(7)  # noqa: S311 - a reproducible workload
    cpu, wall = time.process_time(), time.perf_counter()
    steps = _queued_steps if queued else _one_by_one
    handled = steps(db, tenant, agents, calls, rng)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    event.remove(db.engine, "before_cursor_execute", count)
    return {
        "calls": calls,
        "handled": handled,
        "cpu_ms": cpu * 1000 / calls,
        "wall_ms": wall * 1000 / calls,
        "statements": statements[0] / calls,
    }


def _arrive(db: Any, tenant: int, n: int, moment: datetime, rng: random.Random) -> Any:
    return service.contact_arrived(
        db, tenant, channel="phone", queue=f"q{rng.randrange(10)}",
        caller=f"+4790{rng.randrange(10**6):06d}", external_ref=f"call-{n}", now=moment,
        identify=True,
    )  # fmt: skip


def _one_by_one(
    db: Any, tenant: int, agents: dict[str, int], calls: int, rng: random.Random
) -> int:
    moment, handled = T0, 0
    for n in range(calls):
        moment += timedelta(seconds=0.5)
        view = _arrive(db, tenant, n, moment, rng)
        if view.agent is None:
            continue
        agent_id, contact = agents[view.agent], view.contact_id
        service.accept(db, tenant, agent_id, contact, now=moment + timedelta(seconds=1))
        service.end(db, tenant, agent_id, contact, now=moment + timedelta(seconds=2))
        service.wrap_up(
            db, tenant, agent_id, contact, code="resolved", now=moment + timedelta(seconds=3)
        )
        handled += 1
    return handled


QUEUED_ARRIVALS = 8  # a batch: 8 arrivals and the next step of the 24 calls before them


def _queued_steps(
    db: Any, tenant: int, agents: dict[str, int], calls: int, rng: random.Random
) -> int:
    """Batches of 32 calls queued behind a busy live-center thread (private API: the thread)."""
    thread = service._registry(db).thread
    stages: list[list[tuple[int, str]]] = [[], [], []]  # offered, talking, wrapping up
    moment, n, handled = T0, 0, 0
    while n < calls or any(stages):
        moment += timedelta(seconds=1)
        batch: list[Callable[[], Any]] = []
        arrivals = range(n, min(n + QUEUED_ARRIVALS, calls))
        batch += [functools.partial(_arrive, db, tenant, k, moment, rng) for k in arrivals]
        n += len(arrivals)
        steps = (service.accept, service.end, service.wrap_up)
        for step, stage in zip(steps, stages, strict=True):
            extra = {"code": "resolved"} if step is service.wrap_up else {}
            batch += [
                functools.partial(step, db, tenant, agent_id, contact, now=moment, **extra)
                for agent_id, contact in stage
            ]
        gate = threading.Event()
        thread.submit(gate.wait)  # the thread is busy while the batch is queued
        futures = [thread.submit(work, group_key=tenant) for work in batch]
        gate.set()
        results = [future.result() for future in futures]
        handled += len(stages[2])
        offered = [
            (agents[view.agent], view.contact_id)
            for view in results[: len(arrivals)]
            if view.agent is not None
        ]
        stages = [offered, stages[0], stages[1]]
    return handled
