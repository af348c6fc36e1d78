"""The live center end to end: ``contactops serve`` under a contact center's load on loopback.

One run, per database (SQLite file, PostgreSQL schema):

1. A fresh database with one tenant, ``--queues`` phone queues (one skill each) and
   ``--desktops`` agents, each with two skills, a user and an API token.
2. ``contactops serve --workers N`` starts (one worker: the live center lives in it; more: the
   live center runs in a host process of its own that the web workers forward to).
3. Every agent's desktop connects to its Server-Sent-Events stream and goes ready. An agent
   offered a call accepts it, talks (exponential, mean ``--talk-s``), ends it, wraps up
   (``--wrap-s``) — each step one API call, as the desktop page makes them.
4. A PBX reports ``--rate`` new calls a second (Poisson) for ``--duration`` seconds to random
   queues; a caller still waiting after their patience (exponential, mean ``--patience-s``)
   hangs up (the PBX reports the end: abandoned).
5. When the arrivals stop, the center drains; then every call's outcome is checked in the
   database: each call is one contact with exactly one outcome, its events tell it once
   (one ``arrived``, one terminal event of the outcome's kind), nothing is left open.

Latency is measured at the client for every API request (not the event streams): p50, p99 and
max per kind of request and overall; the server's own timing is not trusted for it.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import httpx
import numpy as np
import uvloop
from sqlalchemy import create_engine, func, select, text

from contactops.domains.admin.service import add_member_in, create_tenant_in
from contactops.domains.events.models import ContactEventRecord
from contactops.domains.live.models import LiveContact
from contactops.domains.organization import service as organization
from contactops.platform import migrate
from contactops.platform.audit import Actor
from contactops.platform.auth import TOKEN_SCHEME_PREFIX, digest
from contactops.platform.database import Database
from contactops.platform.identity import ApiToken, Role

TERMINAL_EVENT = {
    "answered": "answered",
    "abandoned": "abandoned",
    "blocked": "blocked",
    "timed_out": "timed_out",
    "callback": "callback_requested",
}


@dataclass
class LoadOptions:
    duration_s: float = 300.0
    rate: float = 100.0
    desktops: int = 500
    queues: int = 10
    talk_s: float = 2.0
    wrap_s: float = 0.5
    patience_s: float = 60.0
    seed: int = 7
    drain_s: float = 120.0
    customers: int = 200_000  # distinct callers numbers are drawn from
    workers: int = 1  # web worker processes of the server


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    calls: list[str] = field(default_factory=list)
    offers_seen: int = 0
    streams_open: int = 0
    handled: int = 0
    refused: int = 0  # blocked at the door

    def record(self, kind: str, started: float, status: int) -> None:
        self.latencies[kind].append((time.perf_counter() - started) * 1000)
        self.statuses[(kind, status)] += 1


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds a process and its living descendants have used (``/proc``)."""
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        child = int(stat.parent.name)
        parents[child] = int(fields[1])
        used[child] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    tree, grew = {pid}, True
    while grew:
        more = {child for child, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(used.get(member, 0.0) for member in tree)


def machine_cpu_s() -> float:
    """CPU seconds every process of the machine has used (``/proc/stat``: all but idle and
    I/O wait), the database server's included."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- setting up --------------------------------------------------------------------------------


@dataclass
class Database_:
    url: str  # for the server (SQLAlchemy URL, search_path in ?options= for PostgreSQL)
    db: Database
    cleanup: Any


def sqlite_database(folder: Path) -> Database_:
    url = f"sqlite:///{folder / 'load.db'}"
    db = Database(url)
    migrate.upgrade(db.engine)
    return Database_(url, db, lambda: None)


@contextmanager
def private_postgres() -> Iterator[str]:
    """A throwaway PostgreSQL cluster with the server's default settings (autovacuum on), on a
    free loopback port, for runs whose result depends on how the server is set up; yields its
    URL. Made with the installed server's initdb and pg_ctl, as the ``postgres`` user when run
    as root (the server refuses to run as root)."""
    on_path = shutil.which("initdb")
    bin_dir = (  # Debian keeps the server's tools out of PATH
        Path(on_path).parent
        if on_path
        else sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))[-1]
    )
    owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder = Path(tempfile.mkdtemp(prefix="contactops-pg-"))
    if owner:
        shutil.chown(folder, "postgres")
    data = folder / "data"
    port = _free_port()
    quiet = {"check": True, "capture_output": True}
    subprocess.run(  # noqa: S603 - the installed server's own tools
        [*owner, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
         "-E", "UTF8"], **quiet,
    )  # fmt: skip
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
    subprocess.run(  # noqa: S603
        [*owner, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"),
         "-o", options, "-w", "start"], **quiet,
    )  # fmt: skip
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(  # noqa: S603
            [*owner, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


def server_settings(url: str) -> str:
    """The PostgreSQL server's version and the settings a write-heavy run depends on."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            version = connection.execute(text("SHOW server_version")).scalar()
            settings = {
                name: connection.execute(text(f"SHOW {name}")).scalar()
                for name in ("autovacuum", "synchronous_commit", "shared_buffers")
            }
    finally:
        engine.dispose()
    return f"PostgreSQL {version}, " + ", ".join(f"{k} {v}" for k, v in settings.items())


def postgres_database(base_url: str) -> Database_:
    schema = f"load_{secrets.token_hex(4)}"
    admin = create_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    options = f"-csearch_path={schema}"
    db = Database(base_url, connect_args={"options": options})
    migrate.upgrade(db.engine)

    def cleanup() -> None:
        db.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return Database_(f"{base_url}?options={quote(options)}", db, cleanup)


def populate(db: Database, options: LoadOptions) -> tuple[str, list[str]]:
    """One tenant: queues q0.., agents with two skills each, a token per agent user and one
    for the PBX. Returns (PBX token, agents' tokens)."""
    rng = random.Random(options.seed)  # noqa: S311 - a reproducible workload, not secrets
    actor = Actor.system("load benchmark")
    with db.session(system=True, actor=actor) as session:
        tenant_id = create_tenant_in(session, slug="load", name="Load Center").id
    tokens: list[str] = []

    def token_for(session: Any, user_id: int, name: str) -> str:
        prefix = secrets.token_hex(4)
        token = f"{TOKEN_SCHEME_PREFIX}{prefix}_{secrets.token_urlsafe(24)}"
        session.add(ApiToken(user_id=user_id, name=name, prefix=prefix, secret_hash=digest(token)))
        return token

    with db.session(tenant_id=tenant_id, actor=actor) as session:
        pbx_user = add_member_in(session, "pbx@load.example", "PBX", Role.ADMIN, None).user_id
        pbx = token_for(session, pbx_user, "pbx")
        for q in range(options.queues):
            organization.create_queue_in(
                session, code=f"q{q}", name=f"Queue {q}", skill_code=f"s{q}"
            )
        for n in range(options.desktops):
            user_id = add_member_in(
                session, f"agent{n}@load.example", f"Agent {n}", Role.AGENT, None
            ).user_id
            skills = rng.sample(range(options.queues), 2)
            organization.create_agent_in(
                session,
                code=f"a{n}",
                display_name=f"Agent {n}",
                team_name=f"Team {n % 10}",
                skills={f"s{q}": rng.randint(3, 10) for q in skills},
                user_id=user_id,
            )
            tokens.append(token_for(session, user_id, "desktop"))
    return pbx, tokens


class Server:
    def __init__(self, url: str, var_dir: Path, log_path: Path, workers: int = 1) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log_path.open("wb")
        env = {
            **os.environ,
            "CONTACTOPS_DATABASE_URL": url,
            "CONTACTOPS_VAR_DIR": str(var_dir),
            "CONTACTOPS_SECRET_KEY": secrets.token_urlsafe(32),
        }
        command = [
            str(Path(sys.executable).parent / "contactops"),
            "serve",
            "--port",
            str(self.port),
            "--no-access-log",  # as behind a proxy that logs; the server's errors still log
            "--workers",
            str(workers),
        ]
        self.process = subprocess.Popen(command, env=env, stdout=self.log, stderr=self.log)  # noqa: S603

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        raise RuntimeError("the server did not start; see its log")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


# --- the load ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any  # the JSON answer, or None


async def _request(
    stats: Stats, client: aiohttp.ClientSession, kind: str, method: str, url: str, **kwargs: Any
) -> Reply | None:
    """One API request, timed at the client; None when it failed before an answer."""
    started = time.perf_counter()
    try:
        async with client.request(method, url, **kwargs) as response:
            raw = await response.read()
    except (aiohttp.ClientError, TimeoutError) as error:
        stats.record(kind, started, 0)
        stats.errors[f"{kind}: {type(error).__name__}"] += 1
        return None
    stats.record(kind, started, response.status)
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = None
    return Reply(response.status, body)


async def desktop(
    client: aiohttp.ClientSession,
    token: str,
    options: LoadOptions,
    stats: Stats,
    rng: random.Random,
    stop: asyncio.Event,
    ready: asyncio.Event,
) -> None:
    """One agent: its event stream open, ready, handling every call offered to it."""
    headers = {"Authorization": f"Bearer {token}"}
    handling: set[str] = set()

    async def handle(contact_id: str) -> None:
        path = f"/api/v1/live/desktop/contacts/{contact_id}"
        response = await _request(
            stats, client, "accept", "POST", path + "/accept", headers=headers
        )
        if response is None or response.status != 200:
            handling.discard(contact_id)
            return
        await asyncio.sleep(rng.expovariate(1 / options.talk_s))
        await _request(stats, client, "end", "POST", path + "/end", headers=headers)
        await asyncio.sleep(options.wrap_s)
        response = await _request(
            stats,
            client,
            "wrapup",
            "POST",
            path + "/wrapup",
            headers=headers,
            json={"code": "resolved"},
        )
        if response is not None and response.status == 200:
            stats.handled += 1
        handling.discard(contact_id)

    tasks: set[asyncio.Task[None]] = set()
    async with client.get(
        "/api/v1/live/desktop/stream", headers=headers, timeout=aiohttp.ClientTimeout(total=None)
    ) as stream:
        stats.streams_open += 1
        ready.set()
        event = ""
        async for raw_line in stream.content:
            if stop.is_set():
                break
            line = raw_line.decode().rstrip("\r\n")
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event == "changed":
                data = json.loads(line[5:])
                for contact_id in data.get("offered", ()):
                    if contact_id not in handling:
                        stats.offers_seen += 1
                        handling.add(contact_id)
                        task = asyncio.create_task(handle(contact_id))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
    for task in list(tasks):
        await task


async def caller(
    client: aiohttp.ClientSession,
    headers: dict[str, str],
    call_id: str,
    queue: str,
    number: str,
    options: LoadOptions,
    stats: Stats,
    rng: random.Random,
) -> None:
    """One call: reported, then hung up if still waiting after the caller's patience."""
    response = await _request(
        stats,
        client,
        "call_arrived",
        "POST",
        "/api/v1/telephony/calls",
        headers=headers,
        json={"call_id": call_id, "queue": queue, "caller": number},
    )
    stats.calls.append(call_id)
    if response is None or response.status != 200:
        return
    if response.body["status"] == "ended":
        stats.refused += 1
    if response.body["status"] != "waiting":
        return
    await asyncio.sleep(rng.expovariate(1 / options.patience_s))
    status = await _request(
        stats, client, "call_status", "GET", f"/api/v1/telephony/calls/{call_id}", headers=headers
    )
    if status is not None and status.status == 200 and status.body["status"] == "waiting":
        url = f"/api/v1/telephony/calls/{call_id}/ended"
        await _request(stats, client, "call_ended", "POST", url, headers=headers, json={})


async def drive(
    base: str, pbx: str, tokens: list[str], options: LoadOptions, stats: Stats, server_pid: int
) -> None:
    rng = random.Random(options.seed)  # noqa: S311 - a reproducible workload
    # Idle connections are let go before the server would close them (uvicorn: after 5 s).
    connector = aiohttp.TCPConnector(limit=len(tokens) + 400, keepalive_timeout=3)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as client:
        stop = asyncio.Event()
        readies = [asyncio.Event() for _ in tokens]
        rngs = [random.Random(n) for n in range(len(tokens))]  # noqa: S311 - a workload
        desks = [
            asyncio.create_task(desktop(client, t, options, stats, g, stop, r))
            for t, g, r in zip(tokens, rngs, readies, strict=True)
        ]
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 120)
        for n, token in enumerate(tokens):  # every agent goes ready
            await _request(
                stats,
                client,
                "state",
                "POST",
                "/api/v1/live/desktop/state",
                headers={"Authorization": f"Bearer {token}"},
                json={"state": "ready"},
            )
            if n % 50 == 49:
                await asyncio.sleep(0)
        headers = {"Authorization": f"Bearer {pbx}"}
        callers: set[asyncio.Task[None]] = set()
        started = time.monotonic()
        cpu_at_start = (process_cpu_s(server_pid), time.process_time(), machine_cpu_s())
        next_at, n = started, 0
        while next_at - started < options.duration_s:
            delay = next_at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            queue = f"q{rng.randrange(options.queues)}"
            task = asyncio.create_task(
                caller(client, headers, f"c{n}", queue, _number(rng, options), options, stats, rng)
            )
            callers.add(task)
            task.add_done_callback(callers.discard)
            n += 1
            next_at += rng.expovariate(options.rate)
        stats.arrival_seconds = time.monotonic() - started  # type: ignore[attr-defined]
        stats.cpu_s = (  # type: ignore[attr-defined]
            process_cpu_s(server_pid) - cpu_at_start[0],
            time.process_time() - cpu_at_start[1],
            machine_cpu_s() - cpu_at_start[2],
        )
        deadline = time.monotonic() + options.drain_s
        while time.monotonic() < deadline and not await _drained(client, headers):
            await asyncio.sleep(1.0)
        stop.set()
        for task in callers:
            task.cancel()
        for desk in desks:
            desk.cancel()
        await asyncio.gather(*desks, *callers, return_exceptions=True)


async def _drained(client: aiohttp.ClientSession, headers: dict[str, str]) -> bool:
    """Nobody waits, rings, talks or wraps up any more (the supervisor's wallboard)."""
    try:
        async with client.get("/api/v1/live/wallboard", headers=headers) as response:
            board = await response.json()
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return False
    busy = {"ringing", "on_contact", "wrapup"}
    return not any(q["waiting"] for q in board["queues"]) and not any(
        a["state"] in busy for a in board["agents"]
    )


def _number(rng: random.Random, options: LoadOptions) -> str:
    """A caller from the center's customers: most call rarely, so most numbers are new."""
    return f"+4740{rng.randrange(options.customers):06d}"


# --- checking and reporting ------------------------------------------------------------------


def check_outcomes(db: Database, calls: list[str]) -> dict[str, Any]:
    """Every reported call is one contact with one outcome, its events told once."""
    with db.session(system=True) as session:
        rows = session.execute(
            select(
                LiveContact.external_ref,
                LiveContact.public_id,
                LiveContact.outcome,
                LiveContact.status,
            )
        ).all()
        events = Counter(
            (contact_id, event_type)
            for contact_id, event_type in session.execute(
                select(ContactEventRecord.contact_id, ContactEventRecord.event_type)
            )
        )
        event_total = session.scalar(select(func.count()).select_from(ContactEventRecord))
    by_ref = {ref: (public_id, outcome, status) for ref, public_id, outcome, status in rows}
    problems: list[str] = []
    outcomes: Counter[str] = Counter()
    unreported = still_open = 0
    for call in calls:
        if call not in by_ref:
            unreported += 1  # the report itself failed at the client (timed out): never arrived
            continue
        public_id, outcome, status = by_ref[call]
        if outcome is None or status != "ended":
            still_open += 1
            problems.append(f"{call}: open ({status}) when the run ended")
            continue
        outcomes[outcome] += 1
        if events[(public_id, "arrived")] != 1:
            problems.append(f"{call}: {events[(public_id, 'arrived')]} arrivals")
        if events[(public_id, TERMINAL_EVENT[outcome])] != 1:
            problems.append(f"{call}: outcome {outcome} not told once")
    return {
        "calls": len(calls),
        "unreported": unreported,
        "still_open": still_open,
        "contacts": len(rows),
        "outcomes": dict(outcomes),
        "events": event_total,
        "problems": problems,
    }


def percentiles(values: list[float]) -> tuple[float, float, float]:
    array = np.asarray(values)
    return (
        float(np.percentile(array, 50)),
        float(np.percentile(array, 99)),
        float(array.max()),
    )


def run(backend: str, options: LoadOptions, postgres_url: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="contactops-load-") as folder_name:
        folder = Path(folder_name)
        database = (
            sqlite_database(folder) if backend == "sqlite" else postgres_database(postgres_url)
        )
        try:
            pbx, tokens = populate(database.db, options)
            server = Server(database.url, folder / "var", folder / "server.log", options.workers)
            try:
                server.wait_ready()
                load_before = os.getloadavg()[0]
                started = time.monotonic()
                stats = Stats()
                bound_s = options.duration_s + options.drain_s + 300  # the run is bounded
                try:
                    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                        runner.run(
                            asyncio.wait_for(
                                drive(server.base, pbx, tokens, options, stats, server.process.pid),
                                bound_s,
                            )
                        )
                except TimeoutError:
                    stats.errors["the run passed its time bound and was stopped"] += 1
                elapsed = time.monotonic() - started
                load_after = os.getloadavg()[0]
            finally:
                server.stop()
            check = check_outcomes(database.db, stats.calls)
            log_tail = (folder / "server.log").read_text(errors="replace")[-2000:]
        finally:
            database.cleanup()
    every = [v for values in stats.latencies.values() for v in values]
    return {
        "backend": backend,
        "elapsed_s": elapsed,
        "arrival_s": getattr(stats, "arrival_seconds", options.duration_s),
        "streams": stats.streams_open,
        "requests": len(every),
        "overall": percentiles(every),
        "by_kind": {kind: (len(v), *percentiles(v)) for kind, v in stats.latencies.items()},
        "non_2xx": {f"{k} {s}": n for (k, s), n in stats.statuses.items() if not 200 <= s < 300},
        "errors": dict(stats.errors),
        "check": check,
        "load": (load_before, load_after),
        "cpu_s": getattr(stats, "cpu_s", None),  # (server, client, machine) while calls arrived
        "server_log_tail": log_tail if check["problems"] else "",
    }
