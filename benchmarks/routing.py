"""Routing: the compiled router (``contactops.engines.routing.Router``) at center scale.

Sub-commands, one function each; ``--write`` replaces the sub-command's own section of
benchmarks/RESULTS.md (through :func:`write_results`):

- ``engine`` — "Routing engine": 1,000 agents, 50 queues, 20 skills, a seeded stream of
  operations that keeps the center busy (arrivals, releases, breaks, abandons). Every routing
  decision (an arrival, a release, an agent becoming ready) is timed on its own with
  ``time.perf_counter_ns`` through the Python face the live service uses. The peer, in the same
  run and on the same stream: :class:`ReferenceRouter`, the same rules in plain Python (scans
  of agents and lines, no heaps); before any timing it must make exactly the decisions of the
  compiled router on a prefix of the stream.
- ``load`` — "Routing: the live center under load": ``contactops serve`` on SQLite and on
  PostgreSQL with agent desktops connected and a PBX reporting calls (see routing_load.py);
  API latency at the client, the CPU the server and the client used a call, and every call's
  outcome checked in the event log.
- ``service`` — "Routing: the live center's cost a call": the live service in process, without
  HTTP, on SQLite and on PostgreSQL side by side (see routing_service.py): CPU and SQL
  statements a call, and the calls a second that cost allows the live-center thread.

Usage: ``python benchmarks/routing.py engine [--ops 1000000] [--load 1.2] [--seed 7]
[--check-ops 20000] [--write]``; ``python benchmarks/routing.py load [--backend both]
[--duration 300] [--rate 100] [--desktops 500] [--write]``; ``python benchmarks/routing.py
service [--calls 2000] [--write]``
"""

from __future__ import annotations

import argparse
import bisect
import gc
import heapq
import math
import os
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import write_section

from contactops.engines.routing import AgentSelection, Router, RoutingAgent, RoutingQueue

ENGINE_SECTION = "Routing engine"
SERVICE_SECTION = "Routing: the live center's cost a call"
TARGET_DECISIONS_PER_S = 10_000
TARGET_P99_MS = 5.0

ARRIVE, WITHDRAW, RELEASE, AVAILABLE, UNAVAILABLE = range(5)
KIND_NAMES = ("arrive", "withdraw", "release", "make_available", "make_unavailable")
Operation = tuple[int, int, int, float]  # (kind, contact or agent, queue, now_s)


def write_results(section: str, body: str) -> None:
    """Replace ``section`` of RESULTS.md with ``body`` and the command line that made it."""
    write_section(section, "python benchmarks/routing.py " + " ".join(sys.argv[1:]), body)


# --- the peer ------------------------------------------------------------------------------


class ReferenceRouter:
    """The router's rules (see ``contactops.engines.routing.router``) as plain scans: a new
    contact goes to the skilled agent that can take it with the lowest (open contacts, minus
    1000 × level where the queue picks the best skill; idle since; number); a freed agent takes
    the waiting contact with the highest (level, priority), then the lowest (age key, seq)."""

    def __init__(self, queues: Sequence[RoutingQueue], agents: Sequence[RoutingAgent]) -> None:
        index = {q.code: i for i, q in enumerate(queues)}
        self.priority = [q.priority for q in queues]
        self.head_start_s = [q.head_start_s for q in queues]
        self.concurrency = [q.concurrency for q in queues]
        self.best_skill = [q.selection == AgentSelection.BEST_SKILL for q in queues]
        self.skills = [{index[code]: level for code, level in a.skills.items()} for a in agents]
        self.skilled = [
            [a for a, s in enumerate(self.skills) if q in s] for q in range(len(queues))
        ]
        self.max_contacts = [a.max_contacts for a in agents]
        self.limit = list(self.max_contacts)
        self.available = [False] * len(agents)
        self.active = [0] * len(agents)
        self.held: list[dict[int, int]] = [{} for _agent in agents]
        self.idle_since_s = [-math.inf] * len(agents)
        self.lines: list[list[tuple[float, int, object]]] = [[] for _queue in queues]
        self.waiting_queue: dict[object, int] = {}
        self.seq = 0

    def _can_take(self, agent: int, queue: int) -> bool:
        active = self.active[agent]
        return self.available[agent] and (
            active == 0 or active < min(self.limit[agent], self.concurrency[queue])
        )

    def _take(self, agent: int, queue: int) -> None:
        self.active[agent] += 1
        self.held[agent][queue] = self.held[agent].get(queue, 0) + 1
        self.limit[agent] = min(self.limit[agent], self.concurrency[queue])

    def arrive(self, contact: object, queue: int, now_s: float) -> int | None:
        best: tuple[float, float, int] | None = None
        for agent in self.skilled[queue]:
            if self._can_take(agent, queue):
                active = self.active[agent]
                rank = (
                    active - 1000 * self.skills[agent][queue] if self.best_skill[queue] else active
                )
                candidate = (rank, self.idle_since_s[agent], agent)
                if best is None or candidate < best:
                    best = candidate
        if best is not None:
            self._take(best[2], queue)
            return best[2]
        self.seq += 1
        self.lines[queue].append((now_s - self.head_start_s[queue], self.seq, contact))
        self.waiting_queue[contact] = queue
        return None

    def withdraw(self, contact: object) -> int | None:
        queue = self.waiting_queue.pop(contact, None)
        if queue is not None:
            line = self.lines[queue]
            line.pop(next(k for k, entry in enumerate(line) if entry[2] == contact))
        return queue

    def _refill(self, agent: int) -> list[tuple[object, int]]:
        taken: list[tuple[object, int]] = []
        while self.available[agent]:
            best: tuple[int, int, float, int] | None = None
            best_queue = -1
            for queue, level in self.skills[agent].items():
                line = self.lines[queue]
                if line and self._can_take(agent, queue):
                    key, seq, _contact = min(line)
                    candidate = (-level, -self.priority[queue], key, seq)
                    if best is None or candidate < best:
                        best, best_queue = candidate, queue
            if best is None:
                break
            line = self.lines[best_queue]
            head = min(line)
            line.remove(head)
            del self.waiting_queue[head[2]]
            self._take(agent, best_queue)
            taken.append((head[2], best_queue))
        return taken

    def release(self, agent: int, queue: int, now_s: float) -> list[tuple[object, int]]:
        held = self.held[agent]
        held[queue] -= 1
        if not held[queue]:
            del held[queue]
        self.active[agent] -= 1
        self.limit[agent] = min([self.max_contacts[agent]] + [self.concurrency[q] for q in held])
        self.idle_since_s[agent] = now_s
        return self._refill(agent)

    def make_available(self, agent: int, now_s: float) -> list[tuple[object, int]]:
        if not self.available[agent]:
            self.available[agent] = True
            self.idle_since_s[agent] = now_s
        return self._refill(agent)

    def make_unavailable(self, agent: int) -> None:
        self.available[agent] = False


class Routes(Protocol):
    def arrive(self, contact: object, queue: int, now_s: float) -> int | None: ...
    def withdraw(self, contact: object) -> int | None: ...
    def release(self, agent: int, queue: int, now_s: float) -> list[tuple[object, int]]: ...
    def make_available(self, agent: int, now_s: float) -> list[tuple[object, int]]: ...
    def make_unavailable(self, agent: int) -> None: ...


# --- the center and its stream ---------------------------------------------------------------


@dataclass(frozen=True)
class Center:
    queues: list[RoutingQueue]
    agents: list[RoutingAgent]
    arrival_weights: list[float]
    handle_s: list[float]  # mean handle time per queue
    arrivals_per_s: float
    patience_s: float = 180.0
    break_every_s: float = 1800.0  # mean time between an agent's breaks
    break_s: float = 300.0


def build_center(seed: int, agents: int, queues: int, skills: int, load: float) -> Center:
    """Each queue needs one skill (queue q needs skill q mod skills); a fifth of the queues are
    chats with concurrency 3; agents hold 2–5 skills at levels 1–10, a fifth of them at most
    2 contacts at once. Arrivals are Poisson, split over the queues by gamma-drawn weights, at
    ``load`` × the contacts per second the agents could finish."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible workload, not secrets
    chat = set(rng.sample(range(queues), queues // 5))
    queue_list = [
        RoutingQueue(
            f"q{q}",
            priority=rng.choice((0, 0, 0, 1, 2)),
            head_start_s=rng.choice((0.0, 0.0, 30.0, 60.0, 120.0)),
            concurrency=3 if q in chat else 1,
            selection=AgentSelection.BEST_SKILL
            if rng.random() < 0.3
            else AgentSelection.LONGEST_IDLE,
        )
        for q in range(queues)
    ]
    queues_of_skill = [[q for q in range(queues) if q % skills == s] for s in range(skills)]
    agent_list = []
    for a in range(agents):
        held = {s: rng.randint(1, 10) for s in rng.sample(range(skills), rng.randint(2, 5))}
        agent_list.append(
            RoutingAgent(
                f"a{a}",
                {f"q{q}": level for s, level in held.items() for q in queues_of_skill[s]},
                max_contacts=2 if rng.random() < 0.2 else 1_000_000,
            )
        )
    weights = [rng.gammavariate(2.0, 1.0) for _q in range(queues)]
    handle_s = [600.0 if q in chat else 300.0 for q in range(queues)]
    total = sum(weights)
    # An agent finishes 1 / 300 phone contacts or about 2.5 / 600 chats a second.
    seconds_per_contact = sum(
        w / total * (h / 2.5 if q in chat else h)
        for q, (w, h) in enumerate(zip(weights, handle_s, strict=True))
    )
    ready_share = 1800.0 / (1800.0 + 300.0)
    arrivals_per_s = load * agents * ready_share / seconds_per_contact
    return Center(queue_list, agent_list, weights, handle_s, arrivals_per_s)


@dataclass
class Stream:
    operations: list[Operation]
    results: list[object]  # what the compiled router answered to each
    simulated_s: float
    waited: int  # arrivals that joined a line
    abandoned: int
    mean_in_line: float  # contacts waiting in the whole center, seen by each arrival
    most_in_line: int


def generate_stream(center: Center, count: int, seed: int) -> Stream:
    """Drive the compiled router through a small event loop and record each operation with its
    answer: agents log in over the first 10 minutes, contacts arrive and are handled, waiting
    contacts abandon when their patience runs out, agents take breaks."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible workload, not secrets
    router = Router(center.queues, center.agents)
    cumulative = list(np.cumsum(center.arrival_weights) / sum(center.arrival_weights))
    calendar: list[tuple[float, int, int, int, int]] = []
    tick = 0

    def at(when_s: float, kind: int, a: int, b: int = 0) -> None:
        nonlocal tick
        tick += 1
        heapq.heappush(calendar, (when_s, tick, kind, a, b))

    def handled(agent: int, taken: list[tuple[object, int]], now_s: float) -> None:
        for _contact, queue in taken:
            at(now_s + rng.expovariate(1.0 / center.handle_s[queue]), RELEASE, agent, queue)

    for agent in range(len(center.agents)):
        at(rng.uniform(0.0, 600.0), AVAILABLE, agent)
    at(rng.expovariate(center.arrivals_per_s), ARRIVE, 0)
    operations: list[Operation] = []
    results: list[object] = []
    arrived = waited = abandoned = in_line = seen_in_line = most_in_line = 0
    now_s = 0.0
    while len(operations) < count:
        now_s, _tick, kind, a, b = heapq.heappop(calendar)
        if kind == ARRIVE:
            queue = min(bisect.bisect(cumulative, rng.random()), len(cumulative) - 1)
            arrived += 1
            seen_in_line += in_line
            most_in_line = max(most_in_line, in_line)
            at(now_s + rng.expovariate(center.arrivals_per_s), ARRIVE, a + 1)
            result: object = router.arrive(a, queue, now_s)
            operation = (ARRIVE, a, queue, now_s)
            if result is None:
                waited += 1
                in_line += 1
                at(now_s + rng.expovariate(1.0 / center.patience_s), WITHDRAW, a)
            else:
                assert isinstance(result, int)
                handled(result, [(a, queue)], now_s)
        elif kind == WITHDRAW:
            if not router.is_waiting(a):
                continue
            abandoned += 1
            in_line -= 1
            result, operation = router.withdraw(a), (WITHDRAW, a, 0, now_s)
        elif kind == RELEASE:
            result, operation = router.release(a, b, now_s), (RELEASE, a, b, now_s)
            handled(a, result, now_s)
            in_line -= len(result)
        elif kind == AVAILABLE:
            result, operation = router.make_available(a, now_s), (AVAILABLE, a, 0, now_s)
            handled(a, result, now_s)
            in_line -= len(result)
            at(now_s + rng.expovariate(1.0 / center.break_every_s), UNAVAILABLE, a)
        else:
            router.make_unavailable(a)
            result, operation = None, (UNAVAILABLE, a, 0, now_s)
            at(now_s + rng.expovariate(1.0 / center.break_s), AVAILABLE, a)
        operations.append(operation)
        results.append(result)
    return Stream(
        operations, results, now_s, waited, abandoned, seen_in_line / max(arrived, 1), most_in_line
    )


@dataclass
class Replay:
    latencies_ns: np.ndarray  # of each decision, in stream order
    decision_kinds: np.ndarray
    first_difference: int  # the first operation answered otherwise than expected; −1: none


def replay(router: Routes, operations: Sequence[Operation], expected: Sequence[object]) -> Replay:
    """Run ``operations``, timing each decision (arrive, release, make_available) alone and
    comparing every answer with ``expected`` outside the timing."""
    clock = time.perf_counter_ns
    latencies: list[int] = []
    kinds: list[int] = []
    first_difference = -1
    for k, (kind, a, b, now_s) in enumerate(operations):
        if kind == ARRIVE:
            started = clock()
            result: object = router.arrive(a, b, now_s)
            latencies.append(clock() - started)
        elif kind == RELEASE:
            started = clock()
            result = router.release(a, b, now_s)
            latencies.append(clock() - started)
        elif kind == AVAILABLE:
            started = clock()
            result = router.make_available(a, now_s)
            latencies.append(clock() - started)
        elif kind == WITHDRAW:
            result = router.withdraw(a)
        else:
            router.make_unavailable(a)
            result = None
        if kind in (ARRIVE, RELEASE, AVAILABLE):
            kinds.append(kind)
        if result != expected[k] and first_difference < 0:
            first_difference = k
    return Replay(np.array(latencies, dtype=np.int64), np.array(kinds), first_difference)


def latency_row(label: str, latencies_ns: np.ndarray) -> str:
    rate = latencies_ns.size / (latencies_ns.sum() / 1e9)
    p50_us, p99_us = np.percentile(latencies_ns, [50, 99]) / 1e3
    return (
        f"| {label} | {latencies_ns.size:,} | {rate:,.0f} | {p50_us:.1f} | {p99_us:.1f} | "
        f"{latencies_ns.max() / 1e3:,.0f} |"
    )


# --- sub-commands ----------------------------------------------------------------------------


def engine(args: argparse.Namespace) -> str:
    """Time the compiled router and the reference on one stream; the section's body."""
    load_before = os.getloadavg()
    center = build_center(args.seed, args.agents, args.queues, args.skills, args.load)
    started = time.perf_counter()
    stream = generate_stream(center, args.ops, args.seed)  # also compiles the router
    print(
        f"stream of {len(stream.operations):,} operations in {time.perf_counter() - started:.1f} s"
    )

    prefix = stream.operations[: args.check_ops]
    check = replay(ReferenceRouter(center.queues, center.agents), prefix, stream.results)
    differs = check.first_difference
    assert differs < 0, f"the reference differs at operation {differs}: {prefix[differs]}"

    sides: list[tuple[str, Callable[[], Routes]]] = [
        ("ContactOps `Router` (compiled)", lambda: Router(center.queues, center.agents)),
        ("plain-Python reference (peer)", lambda: ReferenceRouter(center.queues, center.agents)),
    ]
    rows, kind_rows, rates, p99s_ms, agreement = [], [], [], [], []
    for label, make in sides:
        router = make()
        gc.collect()
        gc.freeze()  # the recorded stream is not the router's: keep it out of the collector
        run = replay(router, stream.operations, stream.results)
        latencies = run.latencies_ns
        agreement.append(run.first_difference < 0)
        rates.append(latencies.size / (latencies.sum() / 1e9))
        p99s_ms.append(float(np.percentile(latencies, 99)) / 1e6)
        rows.append(latency_row(label, latencies))
        for kind in (ARRIVE, RELEASE, AVAILABLE):
            of_kind = latencies[run.decision_kinds == kind]
            kind_rows.append(latency_row(f"{label}: {KIND_NAMES[kind]}", of_kind))
        print(rows[-1], flush=True)
    load_after = os.getloadavg()

    kinds = [KIND_NAMES[kind] for kind, *_rest in stream.operations]
    counts = ", ".join(f"{kinds.count(name):,} {name}" for name in KIND_NAMES)
    arrivals = kinds.count("arrive")
    verdict = (
        f"{rates[0]:,.0f} decisions/s against a target of ≥ {TARGET_DECISIONS_PER_S:,} "
        f"({'met' if rates[0] >= TARGET_DECISIONS_PER_S else 'missed'}); p99 "
        f"{p99s_ms[0]:.3f} ms against < {TARGET_P99_MS:g} ms "
        f"({'met' if p99s_ms[0] < TARGET_P99_MS else 'missed'})."
    )
    return "\n".join(
        [
            f"{args.agents:,} agents, {args.queues} queues, {args.skills} skills (each queue "
            "needs one; agents hold 2–5 at levels 1–10; a fifth of the queues chats with "
            "concurrency 3; priorities 0–2, head starts 0–120 s, 30 % best-skill selection), "
            f"seed {args.seed}. The stream: {len(stream.operations):,} operations over "
            f"{stream.simulated_s / 3600:.1f} simulated hours ({counts}); arrivals at about "
            f"{args.load:g} × what the ready agents can finish (phone 300 s, chat 600 s), "
            f"{stream.waited / arrivals:.0%} of them waited, {stream.abandoned / arrivals:.0%} "
            "abandoned (patience mean 180 s); an arrival found "
            f"{stream.mean_in_line:,.0f} contacts waiting in the center on average, "
            f"{stream.most_in_line:,} at most; breaks every 30 min on average for 5 min.",
            "",
            "Each decision (arrive, release, make_available) timed alone with "
            "`time.perf_counter_ns` through the Python face (`Router`, what the live service "
            "calls); decisions/s = decisions ÷ their summed time. The router was compiled "
            "before timing (the stream is generated with it). The peer makes the same "
            f"decisions: checked on the first {len(prefix):,} operations before timing "
            f"(identical), and on the whole stream by both timed runs "
            f"({'identical' if all(agreement) else 'DIFFERENT'}).",
            "",
            "| router | decisions | decisions/s | p50 µs | p99 µs | max µs |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            "By decision:",
            "",
            "| router: decision | count | decisions/s | p50 µs | p99 µs | max µs |",
            "|---|---|---|---|---|---|",
            *kind_rows,
            "",
            f"The compiled router makes **{rates[0] / rates[1]:.1f}×** the peer's decisions per "
            f"second. {verdict} The peer's cost per decision grows with what it scans: every "
            "skilled agent on an arrival, the lines of the freed agent's queues on a release.",
            "",
            f"1-minute load average {load_before[0]:.2f} before, {load_after[0]:.2f} after "
            f"(shared machine); whole run {time.perf_counter() - started:.0f} s.",
        ]
    )


LOAD_SECTION = "Routing: the live center under load"


def load(args: argparse.Namespace) -> str:
    """``contactops serve`` on each database under the desktops and the calls (routing_load)."""
    from routing_load import LoadOptions, run

    options = LoadOptions(
        duration_s=args.duration,
        rate=args.rate,
        desktops=args.desktops,
        queues=args.queues,
        talk_s=args.talk_s,
        wrap_s=args.wrap_s,
        patience_s=args.patience_s,
        seed=args.seed,
        workers=args.workers,
    )
    server = (
        "One `contactops serve` process (one worker)"
        if options.workers == 1
        else f"`contactops serve --workers {options.workers}` ({options.workers} web worker "
        "processes and the live center's host process)"
    )
    lines = [
        f"{options.desktops} agent desktops connected (Server-Sent Events, each agent's API "
        f"token), {options.rate:g} new calls a second (Poisson) to {options.queues} queues for "
        f"{options.duration_s:g} s; talk exponential, mean {options.talk_s:g} s, wrap-up "
        f"{options.wrap_s:g} s, callers' patience exponential, mean {options.patience_s:g} s. "
        f"{server}; client and server share the machine's {os.cpu_count()} cores. Latency is "
        "measured at the client, per API request (streams excluded).",
        "",
        "| database | calls | requests | API p50 ms | API p99 ms | max ms | outcomes | "
        "every outcome in the log | load avg before → after |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    details = []
    for label, backend, url, settings in database_runs(args):
        result = run(backend, options, url)
        check = result["check"]
        p50, p99, worst = result["overall"]
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(check["outcomes"].items()))
        verdict = (
            "yes"
            if not check["problems"]
            else f"NO: {len(check['problems'])} ({check['still_open']} still open at the end)"
        )
        lines.append(
            f"| {label} | {check['calls']:,} | {result['requests']:,} | {p50:.1f} | "
            f"{p99:.1f} | {worst:.0f} | {outcomes} | {verdict} | "
            f"{result['load'][0]:.1f} → {result['load'][1]:.1f} |"
        )
        kinds = ", ".join(
            f"{kind} {count:,} × p50 {k50:.1f} / p99 {k99:.1f}"
            for kind, (count, k50, k99, _max) in sorted(result["by_kind"].items())
        )
        details.append(
            f"- {label}{settings}: {result['streams']} streams open; arrivals for "
            f"{result['arrival_s']:.0f} s, whole run {result['elapsed_s']:.0f} s; per request "
            f"kind (ms): {kinds}. Non-2xx: {result['non_2xx'] or 'none'}; client errors: "
            f"{result['errors'] or 'none'}; {check['events']:,} contact events; "
            f"{check['unreported']:,} reports the client gave up on (never arrived)."
        )
        if result["cpu_s"] is not None:
            server_cpu, client_cpu, machine_cpu = result["cpu_s"]
            calls_per_s = check["calls"] / max(result["arrival_s"], 1e-9)
            per_call = 1000 / max(check["calls"], 1)
            details.append(
                f"  While calls arrived ({calls_per_s:.1f} calls/s reported): the server used "
                f"{server_cpu / result['arrival_s']:.2f} cores, "
                f"{server_cpu * per_call:.1f} ms of CPU a call; the load "
                f"client {client_cpu / result['arrival_s']:.2f} cores, "
                f"{client_cpu * per_call:.1f} ms a call; the whole machine (database server "
                f"included) {machine_cpu / result['arrival_s']:.2f} of {os.cpu_count()} cores, "
                f"{machine_cpu * per_call:.1f} ms a call."
            )
        if check["problems"]:
            details.append(f"  First problems: {check['problems'][:5]}")
            print(result["server_log_tail"], file=sys.stderr)
    return "\n".join([*lines, "", *details])


def service_cost(args: argparse.Namespace) -> str:
    """The live service's CPU and statements a call on each database (routing_service)."""
    from routing_service import run

    lines = [
        f"{args.desktops} agents ready on 10 queues; {args.calls:,} calls, each arrival (the "
        "caller's number matched to a customer), accept, end and wrap-up: four calls on the "
        "live-center thread, in process (no HTTP). One by one: each its own transaction. Queued: "
        "32 calls at a time queue up behind the busy thread (8 arrivals and the next step of the "
        "24 calls before them), as under load, and share a transaction (group commit). One "
        "core's worth of calls a second = 1,000 ÷ CPU ms a call.",
        "",
        "| database | calls | calls handled | CPU ms a call | wall ms a call | "
        "SQL statements a call | calls/s on one core |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, backend, url, _settings in database_runs(args):
        for queued in (False, True):
            r = run(backend, args.calls, args.desktops, url, queued=queued)
            lines.append(
                f"| {label} | {'queued 32' if queued else 'one by one'} | "
                f"{r['handled']:,} of {r['calls']:,} | {r['cpu_ms']:.2f} | "
                f"{r['wall_ms']:.2f} | {r['statements']:.1f} | {1000 / r['cpu_ms']:.0f} |"
            )
    return "\n".join(lines)


def database_runs(args: argparse.Namespace) -> Iterator[tuple[str, str, str, str]]:
    """(label, backend, PostgreSQL URL, the server's settings) of each run: SQLite, then
    PostgreSQL on the given server, on a private cluster with the default settings, or both."""
    from routing_load import private_postgres, server_settings

    if args.backend in ("sqlite", "both"):
        yield "sqlite", "sqlite", "", ""
    if args.backend not in ("postgresql", "both"):
        return
    if args.postgres_cluster in ("given", "both"):
        url = args.postgres_url
        yield "postgresql", "postgresql", url, f" ({server_settings(url)})"
    if args.postgres_cluster in ("private", "both"):
        with private_postgres() as url:
            label = "postgresql, private cluster"
            yield label, "postgresql", url, f" ({server_settings(url)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--write", action="store_true", help="replace the section of RESULTS.md")
    commands = parser.add_subparsers(dest="command", required=True)

    engine_parser = commands.add_parser(
        "engine", parents=[common], help="the compiled router against the reference"
    )
    engine_parser.add_argument(
        "--ops", type=int, default=1_000_000, help="operations in the stream"
    )
    engine_parser.add_argument("--check-ops", type=int, default=20_000)
    engine_parser.add_argument("--agents", type=int, default=1_000)
    engine_parser.add_argument("--queues", type=int, default=50)
    engine_parser.add_argument("--skills", type=int, default=20)
    engine_parser.add_argument("--load", type=float, default=1.2, help="offered ÷ capacity")
    engine_parser.add_argument("--seed", type=int, default=7)
    engine_parser.set_defaults(run=engine, section=ENGINE_SECTION)

    databases = argparse.ArgumentParser(add_help=False)
    databases.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    databases.add_argument(
        "--postgres-cluster",
        choices=("given", "private", "both"),
        default="given",
        help="PostgreSQL at --postgres-url, a private cluster with the server's default settings "
        "(initdb and pg_ctl of the installed server), or both",
    )
    databases.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "CONTACTOPS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    load_parser = commands.add_parser(
        "load",
        parents=[common, databases],
        help="contactops serve under 500 desktops and 100 calls/s",
    )
    load_parser.add_argument("--duration", type=float, default=300.0, help="seconds of arrivals")
    load_parser.add_argument("--rate", type=float, default=100.0, help="new calls a second")
    load_parser.add_argument("--desktops", type=int, default=500)
    load_parser.add_argument("--queues", type=int, default=10)
    load_parser.add_argument("--talk-s", type=float, default=2.0)
    load_parser.add_argument("--wrap-s", type=float, default=0.5)
    load_parser.add_argument("--patience-s", type=float, default=60.0)
    load_parser.add_argument("--seed", type=int, default=7)
    load_parser.add_argument("--workers", type=int, default=1, help="the server's web workers")
    load_parser.set_defaults(run=load, section=LOAD_SECTION)

    service_parser = commands.add_parser(
        "service", parents=[common, databases], help="the live service's CPU and statements a call"
    )
    service_parser.add_argument("--calls", type=int, default=2_000)
    service_parser.add_argument("--desktops", type=int, default=500)
    service_parser.set_defaults(run=service_cost, section=SERVICE_SECTION)

    # Each sub-command adds its parser here, with set_defaults(run=<its function>, section=...).

    args = parser.parse_args()
    body = args.run(args)
    print(body)
    if args.write:
        write_results(args.section, body)


if __name__ == "__main__":
    main()
