"""The peers of ``simulation.py``: the same contact-center models written with SimPy and Ciw.

Each peer reads the model from a ContactOps :class:`Scenario` (arrival rate per queue, talk and
patience distributions, queue priorities, agent groups with skill levels), so every side runs
the same model. Each returns what it recorded per contact and the seconds of the timed part:

- SimPy, one queue: a ``simpy.Resource`` with one slot per agent, a contact process requesting
  it and, with abandonment, waiting on ``request | timeout(patience)`` — the textbook M/M/N+M.
  Timed: creating the environment and ``env.run()`` until the last contact has left.
- SimPy, multi-skill: an agent pool with the router's rules. An arriving contact goes to the
  eligible agent idle longest (ties: the first in agent order), else it waits in its queue's
  line; an agent freed takes the waiting contact with the best (its skill level for the queue
  desc, queue priority desc, age) — else joins the idle agents; a waiting contact abandons
  when its patience runs out. Timed as above.
- Ciw, one queue: ``ciw.create_network`` with exponential distributions, ``number_of_servers``
  and ``reneging_time_distributions``. Timed: ``simulate_until_max_time`` only (Ciw keeps its
  records during the run; ``get_all_records`` afterwards is not timed). A Ciw node's servers
  serve that node's one queue, so Ciw cannot express agents shared by several queues with
  skills; it runs the single-queue models only.

Arrivals stop at the end of the horizon and every side runs until the last contact has left,
as ContactOps does. By default each peer draws its own random numbers (Python's ``random``,
which Ciw uses too); given :class:`Draws` it uses those instead, so that it can be held to
ContactOps' per-contact results exactly. Patience is drawn when a contact arrives, talk time
when it is answered — the order in which ContactOps takes its draws.
"""

from __future__ import annotations

import gc
import math
import random
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

import ciw  # type: ignore[import-untyped]  # no stubs or py.typed
import numpy as np
import numpy.typing as npt
import simpy

from contactops.engines.simulation.distributions import Duration, Shape
from contactops.engines.simulation.scenario import Scenario

Draw = Callable[[], float]


@dataclass(frozen=True)
class Draws:
    """Per queue: the time to the next arrival (∞ when no more come), each contact's patience
    in arrival order (None: nobody abandons) and each answered contact's talk time in answer
    order."""

    gap: Sequence[Draw]
    patience: Sequence[Draw | None]
    talk: Sequence[Draw]

    @classmethod
    def given(
        cls,
        arrivals_s: Sequence[Sequence[float]],
        patience: Sequence[Draw | None],
        talk: Sequence[Draw],
    ) -> Draws:
        """Draws that replay the arrival times ``arrivals_s`` of each queue."""
        return cls([_replay(times) for times in arrivals_s], patience, talk)


def _replay(times: Sequence[float]) -> Draw:
    gaps: Iterator[float] = iter(np.diff(np.asarray(times), prepend=0.0).tolist())
    return lambda: next(gaps, math.inf)


@dataclass(frozen=True)
class PeerRun:
    """Per contact: queue index, queue entry (s), wait until answer or abandon (s), answered,
    agent index (−1: abandoned, or a peer that does not name agents); the timed seconds
    (wall and CPU)."""

    seconds: float
    cpu_s: float
    queue: npt.NDArray[np.int64]
    entered_s: npt.NDArray[np.float64]
    wait_s: npt.NDArray[np.float64]
    answered: npt.NDArray[np.bool_]
    agent: npt.NDArray[np.int64]


class _Records:
    """What a peer writes per contact while it runs: plain lists, frozen after the timing."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, float, float, bool, int]] = []

    def add(self, queue: int, entered_s: float, wait_s: float, answered: bool, agent: int) -> None:
        self.rows.append((queue, entered_s, wait_s, answered, agent))

    def frozen(self, seconds: float, cpu_s: float) -> PeerRun:
        columns = list(zip(*self.rows, strict=True)) or [()] * 5
        queue, entered, wait, answered, agent = columns
        return PeerRun(
            seconds,
            cpu_s,
            np.asarray(queue, dtype=np.int64),
            np.asarray(entered, dtype=np.float64),
            np.asarray(wait, dtype=np.float64),
            np.asarray(answered, dtype=np.bool_),
            np.asarray(agent, dtype=np.int64),
        )


def rate_per_s(scenario: Scenario, queue: int) -> float:
    """The queue's arrival rate; the peers run stationary models only."""
    spec = scenario.queues[queue]
    if len(set(spec.arrivals)) != 1:
        raise ValueError(f"queue {spec.code!r}: the peers need the same arrivals every interval")
    return spec.arrivals[0] / scenario.interval_s


def sampler(duration: Duration, rng: random.Random) -> Draw:
    """Draws of ``duration`` from Python's ``random``, as a SimPy model draws them."""
    if duration.shape == Shape.EXPONENTIAL:
        rate = 1.0 / duration.mean_s
        return lambda: rng.expovariate(rate)
    if duration.shape == Shape.LOGNORMAL:
        sigma2 = math.log1p(duration.cv**2)
        mu, sigma = math.log(duration.mean_s) - sigma2 / 2, math.sqrt(sigma2)
        return lambda: rng.lognormvariate(mu, sigma)
    if duration.shape == Shape.FIXED:
        return lambda: duration.mean_s
    raise ValueError(f"the peers do not model {duration.shape} durations")


def own_draws(scenario: Scenario, seed: int) -> Draws:
    """A peer's own random numbers: one ``random.Random`` for everything."""
    rng = random.Random(seed)  # noqa: S311 - a simulation, not cryptography
    queues = range(len(scenario.queues))
    return Draws(
        [sampler(Duration.exponential(1.0 / rate_per_s(scenario, q)), rng) for q in queues],
        [sampler(q.patience, rng) if q.patience else None for q in scenario.queues],
        [sampler(q.talk, rng) for q in scenario.queues],
    )


def _check_plain(scenario: Scenario) -> None:
    for q in scenario.queues:
        extras = (q.wrapup, q.ring, q.entry, q.overflow, q.callback, q.retrial, q.transfer)
        if any(x is not None for x in extras) or q.max_wait_s or q.max_waiting or q.head_start_s:
            raise ValueError(f"queue {q.code!r}: the peers model talk and patience only")
        if q.concurrency != 1 or q.overdispersion:
            raise ValueError(f"queue {q.code!r}: the peers model one contact per agent")
    if scenario.lines is not None or any(g.shifts for g in scenario.agents):
        raise ValueError("the peers model agents logged in all the time and no line limit")


def _timed(run: Callable[[], object], records: _Records) -> PeerRun:
    gc.collect()
    started, cpu_started = time.perf_counter(), time.process_time()
    run()
    return records.frozen(time.perf_counter() - started, time.process_time() - cpu_started)


# --- SimPy, one queue --------------------------------------------------------------------------


def simpy_single_queue(scenario: Scenario, seed: int, draws: Draws | None = None) -> PeerRun:
    """M/M/N(+M) with a ``simpy.Resource`` of N agents, first come first served."""
    _check_plain(scenario)
    if len(scenario.queues) != 1:
        raise ValueError("simpy_single_queue runs one queue")
    draws = draws or own_draws(scenario, seed)
    gap, patience, talk = draws.gap[0], draws.patience[0], draws.talk[0]
    agents_count = sum(g.count for g in scenario.agents)
    horizon_s = scenario.horizon_s
    records = _Records()

    def run() -> None:
        env = simpy.Environment()
        agents = simpy.Resource(env, capacity=agents_count)

        def contact(patience_s: float | None) -> Generator[Any, Any, None]:
            entered_s = env.now
            with agents.request() as request:
                if patience_s is None:
                    yield request
                else:
                    yield request | env.timeout(patience_s)
                    if not request.triggered:
                        records.add(0, entered_s, env.now - entered_s, False, -1)
                        return
                records.add(0, entered_s, env.now - entered_s, True, -1)
                yield env.timeout(talk())

        def arrivals() -> Generator[Any, Any, None]:
            while True:
                wait_s = gap()
                if env.now + wait_s >= horizon_s:
                    return
                yield env.timeout(wait_s)
                env.process(contact(patience() if patience else None))

        env.process(arrivals())
        env.run()

    return _timed(run, records)


# --- SimPy, multi-skill --------------------------------------------------------------------------


class _Ticket:
    """A waiting contact: its agent arrives through ``event``; ``gone`` once served or
    abandoned (the lines drop gone tickets lazily)."""

    __slots__ = ("entered_s", "event", "gone", "seq")

    def __init__(self, event: simpy.Event, entered_s: float, seq: int) -> None:
        self.event = event
        self.entered_s = entered_s
        self.seq = seq
        self.gone = False


class _SkillPool:
    """Agents with skills, one line of waiting contacts per queue, the router's rules."""

    def __init__(self, scenario: Scenario) -> None:
        index = {q.code: i for i, q in enumerate(scenario.queues)}
        self.priority = [q.priority for q in scenario.queues]
        # Per agent (in group order, as ContactOps numbers them): (queue, level), and whether
        # it may take each queue.
        self.skills: list[list[tuple[int, int]]] = []
        self.able: list[list[bool]] = []
        for group in scenario.agents:
            levels = [(index[code], level) for code, level in group.skills.items()]
            able = [i in {q for q, _level in levels} for i in range(len(index))]
            for _ in range(group.count):
                self.skills.append(levels)
                self.able.append(able)
        # Idle agents in the order they became idle: the first is the one idle longest.
        self.idle: dict[int, None] = dict.fromkeys(range(len(self.skills)))
        self.lines: list[deque[_Ticket]] = [deque() for _ in scenario.queues]
        self.seq = 0

    def agent_for(self, queue: int) -> int | None:
        """The eligible agent idle longest, taken; None if every eligible agent is busy."""
        for agent in self.idle:
            if self.able[agent][queue]:
                del self.idle[agent]
                return agent
        return None

    def wait(self, env: simpy.Environment, queue: int) -> _Ticket:
        self.seq += 1
        ticket = _Ticket(env.event(), env.now, self.seq)
        self.lines[queue].append(ticket)
        return ticket

    def release(self, agent: int) -> None:
        """``agent`` is free: it takes the best waiting contact, else becomes idle."""
        best: tuple[int, int, float, int] | None = None
        best_queue = -1
        for queue, level in self.skills[agent]:
            line = self.lines[queue]
            while line and line[0].gone:
                line.popleft()
            if line:
                head = line[0]
                key = (-level, -self.priority[queue], head.entered_s, head.seq)
                if best is None or key < best:
                    best, best_queue = key, queue
        if best is None:
            self.idle[agent] = None
            return
        ticket = self.lines[best_queue].popleft()
        ticket.gone = True
        ticket.event.succeed(agent)


def simpy_multi_skill(scenario: Scenario, seed: int, draws: Draws | None = None) -> PeerRun:
    """Several queues and agent groups with skill levels, routed as the module docstring says."""
    _check_plain(scenario)
    draws = draws or own_draws(scenario, seed)
    horizon_s = scenario.horizon_s
    records = _Records()

    def run() -> None:
        env = simpy.Environment()
        pool = _SkillPool(scenario)

        def contact(queue: int, patience_s: float | None) -> Generator[Any, Any, None]:
            entered_s = env.now
            idle = pool.agent_for(queue)
            if idle is not None:
                agent = idle
            else:
                ticket = pool.wait(env, queue)
                if patience_s is None:
                    yield ticket.event
                else:
                    yield ticket.event | env.timeout(patience_s)
                    if not ticket.event.triggered:
                        ticket.gone = True
                        records.add(queue, entered_s, env.now - entered_s, False, -1)
                        return
                agent = cast(int, ticket.event.value)  # sent by ``release``
            records.add(queue, entered_s, env.now - entered_s, True, agent)
            yield env.timeout(draws.talk[queue]())
            pool.release(agent)

        def arrivals(queue: int) -> Generator[Any, Any, None]:
            gap, patience = draws.gap[queue], draws.patience[queue]
            while True:
                wait_s = gap()
                if env.now + wait_s >= horizon_s:
                    return
                yield env.timeout(wait_s)
                env.process(contact(queue, patience() if patience else None))

        for queue in range(len(scenario.queues)):
            env.process(arrivals(queue))
        env.run()

    return _timed(run, records)


# --- Ciw, one queue ------------------------------------------------------------------------------


class _UntilHorizon(ciw.dists.Distribution):  # type: ignore[misc]
    """Inter-arrival times of ``inner`` until ``horizon_s``, then none."""

    def __init__(self, inner: ciw.dists.Distribution, horizon_s: float) -> None:
        self.inner = inner
        self.horizon_s = horizon_s

    def sample(self, t: float | None = None, ind: object = None) -> float:
        if t is not None and t >= self.horizon_s:
            return math.inf
        return float(self.inner.sample(t, ind))


class _Given(ciw.dists.Distribution):  # type: ignore[misc]
    """Values from a :class:`Draws` callable."""

    def __init__(self, draw: Draw) -> None:
        self.draw = draw

    def sample(self, t: float | None = None, ind: object = None) -> float:
        return self.draw()


def _ciw_exponential(duration: Duration) -> ciw.dists.Distribution:
    if duration.shape != Shape.EXPONENTIAL:
        raise ValueError("the Ciw peer is written for exponential durations")
    return ciw.dists.Exponential(rate=1.0 / duration.mean_s)


def ciw_single_queue(
    scenario: Scenario, seed: int, draws: Draws | None = None, drain_s: float = 4 * 3600.0
) -> PeerRun:
    """M/M/N(+M) as one Ciw node; runs ``drain_s`` past the horizon so that every contact
    has left (arrivals stop at the horizon)."""
    _check_plain(scenario)
    if len(scenario.queues) != 1:
        raise ValueError("Ciw runs the single-queue models only")
    spec = scenario.queues[0]
    if draws is None:
        arrivals = _UntilHorizon(ciw.dists.Exponential(rate_per_s(scenario, 0)), scenario.horizon_s)
        service = _ciw_exponential(spec.talk)
        patience = _ciw_exponential(spec.patience) if spec.patience else None
    else:
        arrivals, service = _Given(draws.gap[0]), _Given(draws.talk[0])
        given_patience = draws.patience[0]
        patience = _Given(given_patience) if given_patience else None
    reneging = {} if patience is None else {"reneging_time_distributions": [patience]}
    network = ciw.create_network(
        arrival_distributions=[arrivals],
        service_distributions=[service],
        number_of_servers=[sum(g.count for g in scenario.agents)],
        **reneging,
    )
    ciw.seed(seed)
    simulation = ciw.Simulation(network)
    gc.collect()
    started, cpu_started = time.perf_counter(), time.process_time()
    simulation.simulate_until_max_time(scenario.horizon_s + drain_s)
    seconds, cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
    if simulation.transitive_nodes[0].number_of_individuals:
        raise RuntimeError("Ciw: contacts still in the system after the drain time")
    records = _Records()
    for r in simulation.get_all_records():
        records.add(0, r.arrival_date, r.waiting_time, r.record_type == "service", -1)
    return records.frozen(seconds, cpu_s)
