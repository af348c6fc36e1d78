"""Random streams of a simulation run: one independent stream per queue and purpose.

Separate streams give *common random numbers*: two what-if variants of a scenario with the same
seed see the same arrivals and the same durations for the same contacts, so the difference
between their results comes from the change, not from noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from contactops.engines.simulation.distributions import Duration, FloatArray
from contactops.engines.simulation.scenario import QueueSpec, Scenario

CHUNK = 4096  # draws are made this many at a time


class Pool:
    """Draws of one duration, one at a time (``take``) or many (``take_array``), in one
    sequence: the n-th value is the same whichever way it is taken. Draws are made CHUNK at a
    time; a chunk becomes a Python list only when values are taken one by one."""

    __slots__ = ("_array", "_duration", "_list", "_next", "_rng")

    def __init__(self, duration: Duration | None, seed: np.random.SeedSequence) -> None:
        self._duration = duration
        self._rng = np.random.default_rng(seed)
        self._array: FloatArray = np.empty(0)
        self._list: list[float] | None = None
        self._next = 0

    def _draw(self) -> FloatArray:
        if self._duration is None:
            return np.full(CHUNK, math.inf)
        return self._duration.sample(self._rng, CHUNK)

    def _refill(self) -> None:
        self._array = self._draw()
        self._list = None
        self._next = 0

    def take(self) -> float:
        if self._next == self._array.size:
            self._refill()
        if self._list is None:
            self._list = self._array.tolist()
        value = self._list[self._next]
        self._next += 1
        return value

    def take_array(self, size: int) -> FloatArray:
        out = np.empty(size)
        filled = 0
        while filled < size:
            if self._next == self._array.size:
                self._refill()
            step = min(size - filled, self._array.size - self._next)
            out[filled : filled + step] = self._array[self._next : self._next + step]
            self._next += step
            filled += step
        return out


class Uniforms(Pool):
    """U(0, 1) draws for yes/no decisions (transfer, callback acceptance, retrial)."""

    def _draw(self) -> FloatArray:
        return self._rng.random(CHUNK)


@dataclass(slots=True)
class QueueStreams:
    """Per-visit draws of one queue, taken in the order visits are created."""

    patience: Pool
    talk: Pool
    wrapup: Pool
    ring: Pool
    entry: Pool
    retrial_delay: Pool
    decisions: Uniforms

    @classmethod
    def of(cls, queue: QueueSpec, seed: np.random.SeedSequence) -> QueueStreams:
        s = seed.spawn(7)
        zero = Duration.fixed(0.0)
        return cls(
            patience=Pool(queue.patience, s[0]),
            talk=Pool(queue.talk, s[1]),
            wrapup=Pool(queue.wrapup or zero, s[2]),
            ring=Pool(queue.ring or zero, s[3]),
            entry=Pool(queue.entry or zero, s[4]),
            retrial_delay=Pool(queue.retrial.delay if queue.retrial else None, s[5]),
            decisions=Uniforms(None, s[6]),
        )


@dataclass(frozen=True, slots=True)
class Arrivals:
    """Scheduled first arrivals of a run, in time order: times (s) and queue indices."""

    at_s: FloatArray
    queue: np.ndarray


def run_streams(scenario: Scenario, seed: int) -> tuple[Arrivals, list[QueueStreams], Uniforms]:
    """The arrivals, each queue's duration streams and the customer stream of one run."""
    root = np.random.SeedSequence(seed)
    arrivals_seed, customers_seed, *queue_seeds = root.spawn(2 + len(scenario.queues))
    arrivals = sample_arrivals(scenario, np.random.default_rng(arrivals_seed))
    streams = [QueueStreams.of(q, s) for q, s in zip(scenario.queues, queue_seeds, strict=True)]
    return arrivals, streams, Uniforms(None, customers_seed)


def sample_arrivals(scenario: Scenario, rng: np.random.Generator) -> Arrivals:
    """Non-homogeneous Poisson arrivals, constant rate inside each interval.

    Count in interval i ~ Poisson(λᵢ · F_d), times uniform in the interval (the order statistics
    of a Poisson process). F_d, one per queue and day, is Gamma(k, 1/k) with k = 1/cv²: mean 1,
    coefficient of variation ``overdispersion`` (0: F_d = 1). The mixture gives the day-to-day
    variation real volumes show beyond Poisson.
    """
    times: list[FloatArray] = []
    queues: list[np.ndarray] = []
    interval_s = scenario.interval_s
    starts = np.arange(scenario.intervals) * interval_s
    day_of_interval = (starts // scenario.day_s).astype(np.int64)
    for index, queue in enumerate(scenario.queues):
        expected = np.asarray(queue.arrivals, dtype=np.float64)
        if queue.overdispersion > 0:
            shape = 1.0 / queue.overdispersion**2
            factors = rng.gamma(shape, 1.0 / shape, int(day_of_interval[-1]) + 1)
            expected = expected * factors[day_of_interval]
        counts = rng.poisson(expected)
        at_s = np.repeat(starts, counts) + rng.random(int(counts.sum())) * interval_s
        times.append(at_s)
        queues.append(np.full(at_s.size, index, dtype=np.int64))
    all_times = np.concatenate(times) if times else np.empty(0)
    all_queues = np.concatenate(queues) if queues else np.empty(0, dtype=np.int64)
    order = np.argsort(all_times, kind="stable")
    return Arrivals(all_times[order], all_queues[order])


def agent_roster(scenario: Scenario) -> list[tuple[str, int]]:
    """(agent code, group index) of every agent, in group order."""
    return [(code, g) for g, group in enumerate(scenario.agents) for code in group.agent_codes()]


def customer_pool_size(scenario: Scenario) -> int:
    """Returning customers: known share × expected contacts / contacts per customer."""
    expected = sum(sum(q.arrivals) for q in scenario.queues)
    share = scenario.customers.known_share
    return max(1, round(share * expected / scenario.customers.contacts_per_customer))


@dataclass(frozen=True, slots=True)
class RunInputs:
    """What a run starts from: first contacts in queue-entry order and the duration streams."""

    arrival_s: FloatArray
    entered_s: FloatArray  # arrival + entry (IVR) time
    queue: np.ndarray
    customer: np.ndarray  # < pool: a returning customer; ≥ pool: a new one
    streams: list[QueueStreams]


def run_inputs(scenario: Scenario, seed: int) -> RunInputs:
    """Sample the first contacts of a run; the engines share this, so equal seeds give equal
    contacts whichever engine runs them."""
    arrivals, streams, customers = run_streams(scenario, seed)
    entry = np.empty(arrivals.at_s.size)
    for q, stream in enumerate(streams):
        mine = np.flatnonzero(arrivals.queue == q)
        entry[mine] = stream.entry.take_array(mine.size)
    entered = arrivals.at_s + entry
    order = np.argsort(entered, kind="stable")
    pool = customer_pool_size(scenario)
    n = order.size
    known = customers.take_array(n) < scenario.customers.known_share
    picks = (customers.take_array(n) * pool).astype(np.int64)
    return RunInputs(
        arrival_s=arrivals.at_s[order],
        entered_s=entered[order],
        queue=arrivals.queue[order],
        customer=np.where(known, picks, pool + np.arange(n)),
        streams=streams,
    )
