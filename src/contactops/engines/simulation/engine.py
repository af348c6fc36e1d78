"""The general discrete-event engine: any number of queues, skills, shifts, breaks, chat
concurrency, overflow, callbacks, retrials, transfers and line limits.

Routing decisions are the live router's (:class:`contactops.engines.routing.Router`). The engine
only keeps time: first arrivals come from a pre-sampled sorted array, everything else from an
event calendar (a binary heap). A contact's life:

1. arrives (ARRIVED), spends its entry time (IVR), enters the queue — or is blocked when every
   phone line is taken or the queue already holds ``max_waiting`` contacts;
2. goes to an agent at once, or waits. While it waits, the earliest of its patience (abandons),
   the queue's maximum wait (times out), the overflow time (moves queue, keeping its age) or the
   callback offer (leaves the line, keeps its place and is called back) ends the wait;
3. once offered, it rings ``ring`` seconds, talks ``talk`` seconds, then the agent wraps up;
   ``transfer.probability`` of answered contacts join the transfer queue as a new leg;
4. an abandoned or blocked contact retries with ``retrial.probability`` after ``retrial.delay``
   (a new contact of the same customer).

Agents log in at shift start and out at shift end (after finishing open contacts), and take
breaks when free. Contacts arrive during the horizon; the run goes on until every contact has
finished, and contacts still waiting with nobody left to serve them stay ``open``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from contactops.engines.events import Channel
from contactops.engines.routing import RoutingAgent, RoutingQueue
from contactops.engines.routing.router import router_state
from contactops.engines.simulation import event_loop
from contactops.engines.simulation.event_loop import (
    AT_BOUNDARY,
    BREAK_START,
    DONE,
    PURPOSES,
    SHIFT_END,
    SHIFT_START,
)
from contactops.engines.simulation.records import (
    ContactColumns,
    StateColumns,
    VisitColumns,
    single_pool_states,
)
from contactops.engines.simulation.scenario import Scenario
from contactops.engines.simulation.streams import Pool, QueueStreams, agent_roster, run_inputs

DRAWS_PER_STREAM = 4096  # draws held per random stream between top-ups


@dataclass(frozen=True)
class SimulationRun:
    """One replication: its records, the names behind their indices, and how it was run."""

    scenario: Scenario
    seed: int
    contacts: ContactColumns
    visits: VisitColumns
    recorded_states: StateColumns | None  # None: agents always on, one queue (derived)
    agent_codes: tuple[str, ...]
    engine: str  # "general" or "fast"
    end_s: float  # when the last contact finished

    @property
    def queue_codes(self) -> tuple[str, ...]:
        return tuple(q.code for q in self.scenario.queues)

    @cached_property
    def states(self) -> StateColumns:
        """Agent state changes: as recorded, or derived from the visits on first use."""
        if self.recorded_states is not None:
            return self.recorded_states
        return single_pool_states(self.visits, len(self.agent_codes), self.end_s)


def _queue_rules(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """The queue rules as the event loop reads them (see :func:`event_loop.engine_new`)."""
    index = {q.code: i for i, q in enumerate(scenario.queues)}
    inf, nan = math.inf, math.nan
    rules_f, rules_i = [], []
    for q in scenario.queues:
        handle_s = q.talk.mean_s + sum(d.mean_s for d in (q.wrapup, q.ring) if d is not None)
        rules_f.append(
            (
                inf if q.max_wait_s is None else q.max_wait_s,
                q.overflow.after_s if q.overflow else inf,
                q.callback.offer_after_s if q.callback else nan,
                q.callback.accept_probability if q.callback else 0.0,
                q.retrial.probability if q.retrial else 0.0,
                q.transfer.probability if q.transfer else 0.0,
                handle_s,
            )
        )
        rules_i.append(
            (
                q.channel in (Channel.PHONE, Channel.CALLBACK),
                -1 if q.max_waiting is None else q.max_waiting,
                index[q.overflow.to] if q.overflow else -1,
                q.retrial.max_attempts if q.retrial else 0,
                index[q.transfer.to] if q.transfer else -1,
            )
        )
    f = np.array(rules_f, dtype=np.float64).reshape(-1, 7).T.copy()
    i = np.array(rules_i, dtype=np.int64).reshape(-1, 5).T.copy()
    return f, i


def _shift_events(scenario: Scenario, roster: list[tuple[str, int]]) -> tuple[np.ndarray, ...]:
    """Log-ins, breaks (length in ms) and log-outs, agent by agent; agents without shifts are
    on from the start until the last contact is done."""
    rows: list[tuple[float, int, int, int]] = []
    for agent, (_code, g) in enumerate(roster):
        shifts = scenario.agents[g].shifts
        if not shifts:
            rows.append((0.0, SHIFT_START, agent, 0))
        for shift in shifts:
            rows.append((shift.start_s, SHIFT_START, agent, 0))
            rows += [(s, BREAK_START, agent, round(d * 1000)) for s, d in shift.breaks]
            rows.append((shift.end_s, SHIFT_END, agent, 0))
    t_s = np.array([r[0] for r in rows], dtype=np.float64)
    kind, a, b = (np.array([r[k] for r in rows], dtype=np.int64) for k in (1, 2, 3))
    return t_s, kind, a, b


class _Draws:
    """The random streams of a run as one array [stream, k] the event loop reads in place,
    topped up from the streams' pools whenever the loop reports one running low."""

    def __init__(self, streams: list[QueueStreams], margin: int) -> None:
        self.pools: list[Pool] = [
            pool
            for s in streams
            for pool in (
                s.patience,
                s.talk,
                s.wrapup,
                s.ring,
                s.entry,
                s.retrial_delay,
                s.decisions,
            )
        ]
        assert len(self.pools) == PURPOSES * len(streams)
        self.size = max(DRAWS_PER_STREAM, 4 * margin)
        self.values = np.empty((max(len(self.pools), 1), self.size))
        self.position = np.zeros(max(len(self.pools), 1), dtype=np.int64)
        self.low = np.zeros(1, dtype=np.int64)
        for k, pool in enumerate(self.pools):
            self.values[k] = pool.take_array(self.size)

    def top_up(self) -> None:
        """Move each half-used stream's unread draws to the front and refill behind them."""
        for k, pool in enumerate(self.pools):
            used = int(self.position[k])
            if used >= self.size // 2:
                row = self.values[k]
                row[: self.size - used] = row[used:]
                row[self.size - used :] = pool.take_array(used)
                self.position[k] = 0
        self.low[0] = 0


def _run_state(
    scenario: Scenario, seed: int
) -> tuple[event_loop.EngineState, _Draws, list[tuple[str, int]]]:
    inputs = run_inputs(scenario, seed)
    roster = agent_roster(scenario)
    queues = scenario.queues
    router = router_state(
        [
            RoutingQueue(q.code, q.priority, q.head_start_s, q.concurrency, q.selection)
            for q in queues
        ],
        [
            RoutingAgent(code, scenario.agents[g].skills, scenario.agents[g].max_contacts)
            for code, g in roster
        ],
    )
    # An event offers an agent at most max-concurrency contacts, each taking a few draws.
    margin = max((q.concurrency for q in queues), default=1) + 8
    draws = _Draws(inputs.streams, margin)
    rules_f, rules_i = _queue_rules(scenario)
    state = event_loop.engine_new(
        rules_f,
        rules_i,
        math.inf if scenario.lines is None else float(scenario.lines),
        inputs.arrival_s,
        inputs.entered_s,
        inputs.queue.astype(np.int64),
        inputs.customer.astype(np.int64),
        draws.values,
        draws.position,
        draws.low,
        margin,
        router,
        len(roster),
    )
    event_loop.schedule(state, *_shift_events(scenario, roster))
    return state, draws, roster


def run_end_s(scenario: Scenario, *times: Sequence[float] | np.ndarray) -> float:
    """The end of a run: the horizon, or the last contact's last step if later."""
    last = [float(np.nanmax(t)) for t in times if len(t) and not np.all(np.isnan(t))]
    return max([scenario.horizon_s, *last])


def run_general(
    scenario: Scenario, seed: int | None = None, progress: Callable[[int], None] | None = None
) -> SimulationRun:
    """One replication of ``scenario`` with the general engine; ``progress(days_done)`` is
    called as the simulated clock passes each ``scenario.day_s``."""
    seed = scenario.seed if seed is None else seed
    state, draws, roster = _run_state(scenario, seed)
    days = math.ceil(scenario.horizon_s / scenario.day_s)
    days_done = 0
    while True:
        boundary_s = math.inf
        if progress is not None and days_done < days:
            boundary_s = (days_done + 1) * scenario.day_s
        status = event_loop.run_events(state, boundary_s)
        if status == DONE:
            break
        if status == AT_BOUNDARY:
            days_done += 1
            assert progress is not None
            progress(days_done)
        else:
            draws.top_up()
    while progress is not None and days_done < days:
        days_done += 1
        progress(days_done)
    contacts, visits, _states = event_loop.records(state)
    end_s = run_end_s(scenario, visits[3], visits[8])
    event_loop.log_everyone_out(state, end_s)
    contacts, visits, states = event_loop.records(state)
    return SimulationRun(
        scenario=scenario,
        seed=seed,
        contacts=ContactColumns(*(np.array(c) for c in contacts)),
        visits=VisitColumns(*(np.array(v) for v in visits)),
        recorded_states=StateColumns(*(np.array(c) for c in states)),
        agent_codes=tuple(code for code, _g in roster),
        engine="general",
        end_s=end_s,
    )


__all__ = ["SimulationRun", "run_end_s", "run_general"]
