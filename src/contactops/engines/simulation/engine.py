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

import heapq
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from contactops.engines.events import Channel
from contactops.engines.routing import (
    Router,
    RoutingAgent,
    RoutingQueue,
    WaitExit,
    offer_callback,
    wait_exit,
)
from contactops.engines.simulation.records import (
    ContactColumns,
    Contacts,
    Outcome,
    StateChanges,
    StateCode,
    StateColumns,
    VisitColumns,
    Visits,
    single_pool_states,
)
from contactops.engines.simulation.scenario import Scenario
from contactops.engines.simulation.streams import agent_roster, run_inputs

CALLBACK_PROMPT_S = 10.0  # the announcement and key press that accept a callback
HANDOFF_S = 0.001  # a transferred or called-back contact joins its next queue this much later

_EXITS = list(WaitExit)
# Calendar event kinds.
_END_TALK, _WRAP_END, _WAIT_LIMIT, _CALLBACK, _RETRY, _ENTER = range(6)
_SHIFT_START, _SHIFT_END, _BREAK_START, _BREAK_END = range(6, 10)


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


class _Run:
    def __init__(
        self, scenario: Scenario, seed: int, progress: Callable[[int], None] | None = None
    ) -> None:
        self.s = scenario
        self.progress = progress
        inputs = run_inputs(scenario, seed)
        self.streams = inputs.streams
        queues = scenario.queues
        self.roster = agent_roster(scenario)
        self.router = Router(
            [
                RoutingQueue(q.code, q.priority, q.head_start_s, q.concurrency, q.selection)
                for q in queues
            ],
            [
                RoutingAgent(code, scenario.agents[g].skills, scenario.agents[g].max_contacts)
                for code, g in self.roster
            ],
        )
        self.first_arrival_s = inputs.arrival_s.tolist()
        self.first_entered_s = inputs.entered_s.tolist()
        self.first_queue = inputs.queue.tolist()
        self.first_customer = inputs.customer.tolist()
        self.contacts = Contacts()
        self.visits = Visits()
        self.states = StateChanges()
        self.calendar: list[tuple[float, int, int, int, int]] = []
        self.seq = 0
        self.is_phone = [q.channel in (Channel.PHONE, Channel.CALLBACK) for q in queues]
        self.lines_free = math.inf if scenario.lines is None else scenario.lines
        self.holds_line: set[int] = set()  # contacts holding a phone line
        self.deadline: dict[int, float] = {}  # visit -> patience deadline (absolute)
        self.routed: dict[int, float] = {}  # visit -> routing time inherited from a past leg
        agents = len(self.roster)
        self.logged_in = [False] * agents
        self.on_break = [False] * agents
        self.pending_break = [0.0] * agents  # break length owed once open contacts finish
        self.pending_logout = [False] * agents
        self.in_talk = [0] * agents
        self.in_wrap = [0] * agents
        self.state = [-1] * agents
        self.staffed = [0] * len(queues)  # logged-in agents skilled for each queue
        self.skill_queues = [
            [self.router.queue_index[c] for c in scenario.agents[g].skills] for _c, g in self.roster
        ]
        self.mean_handle_s = [
            q.talk.mean_s
            + (q.wrapup.mean_s if q.wrapup else 0.0)
            + (q.ring.mean_s if q.ring else 0.0)
            for q in queues
        ]
        self.now = 0.0

    # --- calendar ----------------------------------------------------------------------------

    def at(self, t: float, kind: int, a: int, b: int = 0) -> None:
        self.seq += 1
        heapq.heappush(self.calendar, (t, self.seq, kind, a, b))

    def run(self) -> tuple[Contacts, Visits, StateChanges, float]:
        self._schedule_shifts()
        first_entered, calendar = self.first_entered_s, self.calendar
        total, i = len(first_entered), 0
        handlers = {  # the two commonest kinds are dispatched directly in the loop below
            _WAIT_LIMIT: self._wait_limit,
            _CALLBACK: self._callback,
            _RETRY: self._retry,
            _ENTER: self._enter_again,
            _SHIFT_START: self._shift_start,
            _SHIFT_END: self._shift_end,
            _BREAK_START: self._break_start,
            _BREAK_END: self._break_end,
        }
        end_talk, wrap_end = self._end_talk, self._wrap_end
        day_s, days_done = self.s.day_s, 0
        days = math.ceil(self.s.horizon_s / day_s)
        while True:
            next_first = first_entered[i] if i < total else math.inf
            if (
                self.progress is not None
                and min(next_first, self._next_event_s()) >= (days_done + 1) * day_s
                and days_done < days
            ):
                days_done += 1
                self.progress(days_done)
                continue
            if calendar and calendar[0][0] <= next_first:
                t, _seq, kind, a, b = heapq.heappop(calendar)
                self.now = t
                if kind == _END_TALK:
                    end_talk(a, b)
                elif kind == _WRAP_END:
                    wrap_end(a, b)
                else:
                    handlers[kind](a, b)
            elif i < total:
                self.now = next_first
                self._first_arrival(i)
                i += 1
            else:
                break
        while self.progress is not None and days_done < days:
            days_done += 1
            self.progress(days_done)
        end_s = run_end_s(self.s, self.visits.exit_s, self.visits.wrapup_end_s)
        for agent in range(len(self.roster)):
            if self.logged_in[agent]:
                self._set_state(agent, StateCode.LOGGED_OUT, end_s)
        return self.contacts, self.visits, self.states, end_s

    def _next_event_s(self) -> float:
        return self.calendar[0][0] if self.calendar else math.inf

    # --- agents ------------------------------------------------------------------------------

    def _schedule_shifts(self) -> None:
        for agent, (_code, g) in enumerate(self.roster):
            shifts = self.s.agents[g].shifts
            if not shifts:  # on until the last contact is done
                self.at(0.0, _SHIFT_START, agent)
                continue
            for shift in shifts:
                self.at(shift.start_s, _SHIFT_START, agent)
                for start_s, duration_s in shift.breaks:
                    self.at(start_s, _BREAK_START, agent, _as_ms(duration_s))
                self.at(shift.end_s, _SHIFT_END, agent)

    def _set_state(self, agent: int, state: int, t: float, queue: int = -1) -> None:
        if self.state[agent] != state:
            self.state[agent] = state
            states = self.states
            states.at_s.append(t)
            states.agent.append(agent)
            states.state.append(state)
            states.queue.append(queue)

    def _idle_state(self, agent: int) -> int:
        if self.in_talk[agent]:
            return StateCode.ON_CONTACT
        if self.in_wrap[agent]:
            return StateCode.WRAPUP
        return StateCode.BREAK if self.on_break[agent] else StateCode.READY

    def _shift_start(self, agent: int, _b: int) -> None:
        if self.logged_in[agent]:
            self.pending_logout[agent] = False
        else:
            self.logged_in[agent] = True
            for q in self.skill_queues[agent]:
                self.staffed[q] += 1
            self._set_state(agent, StateCode.LOGGED_IN, self.now)
        self.pending_logout[agent] = False
        if not self.on_break[agent] and not self.pending_break[agent]:
            self._set_state(agent, self._idle_state(agent), self.now)
            self._assign(agent, self.router.make_available(agent, self.now))

    def _shift_end(self, agent: int, _b: int) -> None:
        if not self.logged_in[agent]:
            return
        self.router.make_unavailable(agent)
        self.pending_break[agent] = 0.0
        if self.router.open_contacts(agent):
            self.pending_logout[agent] = True
        else:
            self._log_out(agent)

    def _log_out(self, agent: int) -> None:
        self.logged_in[agent] = False
        self.on_break[agent] = False
        self.pending_logout[agent] = False
        for q in self.skill_queues[agent]:
            self.staffed[q] -= 1
        self._set_state(agent, StateCode.LOGGED_OUT, self.now)

    def _break_start(self, agent: int, duration_ms: int) -> None:
        if not self.logged_in[agent] or self.pending_logout[agent]:
            return
        self.router.make_unavailable(agent)
        if self.router.open_contacts(agent):
            self.pending_break[agent] = duration_ms / 1000
        else:
            self._go_on_break(agent, duration_ms / 1000)

    def _go_on_break(self, agent: int, duration_s: float) -> None:
        self.on_break[agent] = True
        self.pending_break[agent] = 0.0
        self._set_state(agent, StateCode.BREAK, self.now)
        self.at(self.now + duration_s, _BREAK_END, agent)

    def _break_end(self, agent: int, _b: int) -> None:
        if not self.on_break[agent]:
            return
        self.on_break[agent] = False
        if not self.logged_in[agent] or self.pending_logout[agent]:
            return
        self._set_state(agent, StateCode.READY, self.now)
        self._assign(agent, self.router.make_available(agent, self.now))

    # --- contacts ----------------------------------------------------------------------------

    def _first_arrival(self, i: int) -> None:
        contact = self.contacts.add(
            self.first_arrival_s[i], self.first_queue[i], self.first_customer[i], 1
        )
        self._enter(contact, self.first_queue[i], self.now)

    def _retry(self, contact: int, _b: int) -> None:
        rows = self.contacts
        queue = rows.queue[contact]
        again = rows.add(self.now, queue, rows.customer[contact], rows.attempt[contact] + 1)
        self._enter(again, queue, self.now + self.streams[queue].entry.take())

    def _enter(self, contact: int, queue: int, entered_s: float) -> None:
        """A contact reaches the door of ``queue`` (its first visit) at ``entered_s``."""
        if entered_s > self.now:
            self.at(entered_s, _ENTER, contact, queue)
            return
        spec = self.s.queues[queue]
        if self.is_phone[queue]:
            if self.lines_free < 1:
                self._block(contact, queue)
                return
            self.lines_free -= 1
            self.holds_line.add(contact)
        visit = self.visits.add(contact, queue, self.now)
        patience_s = self.streams[queue].patience.take()
        agent = self.router.arrive(visit, queue, self.now)
        if agent is not None:
            self._offer(visit, agent)
            return
        if spec.max_waiting is not None and self.router.waiting(queue) > spec.max_waiting:
            self.router.withdraw(visit)
            self._release_line(contact)
            self.visits.entered_s[visit] = math.nan
            self._block_visit(visit, contact, queue)
            return
        self.deadline[visit] = self.now + patience_s
        self._schedule_wait_limit(visit, queue)
        offer_after_s = spec.callback.offer_after_s if spec.callback else None
        waiting = self.router.waiting(queue)
        if offer_callback(waiting, self.mean_handle_s[queue], self.staffed[queue], offer_after_s):
            self.at(self.now + CALLBACK_PROMPT_S, _CALLBACK, visit)

    def _enter_again(self, contact: int, queue: int) -> None:
        self._enter(contact, queue, self.now)

    def _schedule_wait_limit(self, visit: int, queue: int) -> None:
        """The first of patience, maximum wait and overflow; a callback leg waits for its turn
        whatever it takes (the customer is not on the line)."""
        if self.visits.callback[visit]:
            return
        spec = self.s.queues[queue]
        ends = wait_exit(
            self.visits.entered_s[visit],
            self.deadline[visit],
            spec.max_wait_s,
            spec.overflow.after_s if spec.overflow else None,
        )
        if ends is not None:
            self.at(max(ends[0], self.now), _WAIT_LIMIT, visit, _EXITS.index(ends[1]))

    def _wait_limit(self, visit: int, exit_code: int) -> None:
        queue = self.router.withdraw(visit)
        if queue is None:
            return
        spec = self.s.queues[queue]
        contact = self.visits.contact[visit]
        exit_ = _EXITS[exit_code]
        if exit_ == WaitExit.ABANDON:
            self._close(visit, Outcome.ABANDONED)
            self._release_line(contact)
            self._maybe_retry(contact, queue)
            return
        if exit_ == WaitExit.TIME_OUT:
            self._close(visit, Outcome.TIMED_OUT)
            self._release_line(contact)
            return
        assert spec.overflow is not None
        self._close(visit, Outcome.OVERFLOWED)
        target = self.router.queue_index[spec.overflow.to]
        self._move(visit, target, callback=False)

    def _move(self, visit: int, queue: int, *, callback: bool) -> None:
        """The contact of ``visit`` joins ``queue`` as a new leg, keeping its age and patience."""
        v = self.visits
        routed_s = self._routed_s(visit)
        contact = v.contact[visit]
        entered_s = self.now + HANDOFF_S
        again = v.add(contact, queue, entered_s, callback=callback)
        self.routed[again] = routed_s
        agent = self.router.arrive(again, queue, entered_s, routed_s)
        if agent is not None:
            self._offer(again, agent, at_s=entered_s)
            return
        self.deadline[again] = math.inf if callback else self.deadline.pop(visit, math.inf)
        self._schedule_wait_limit(again, queue)

    def _routed_s(self, visit: int) -> float:
        """The routing time a visit inherited from earlier legs, else its queue entry."""
        return self.routed.get(visit, self.visits.entered_s[visit])

    def _callback(self, visit: int, _b: int) -> None:
        if not self.router.is_waiting(visit):
            return
        queue = self.visits.queue[visit]
        spec = self.s.queues[queue]
        assert spec.callback is not None
        if self.streams[queue].decisions.take() >= spec.callback.accept_probability:
            return
        self.router.withdraw(visit)
        self._close(visit, Outcome.CALLBACK_REQUESTED)
        self._release_line(self.visits.contact[visit])
        self._move(visit, queue, callback=True)

    def _close(self, visit: int, outcome: Outcome) -> None:
        self.visits.exit_s[visit] = self.now
        self.visits.outcome[visit] = outcome

    def _block(self, contact: int, queue: int) -> None:
        visit = self.visits.add(contact, queue, math.nan)
        self._block_visit(visit, contact, queue)

    def _block_visit(self, visit: int, contact: int, queue: int) -> None:
        self._close(visit, Outcome.BLOCKED)
        self._maybe_retry(contact, queue)

    def _maybe_retry(self, contact: int, queue: int) -> None:
        retrial = self.s.queues[queue].retrial
        if retrial is None or self.contacts.attempt[contact] >= retrial.max_attempts:
            return
        stream = self.streams[queue]
        if stream.decisions.take() < retrial.probability:
            self.at(self.now + stream.retrial_delay.take(), _RETRY, contact)

    def _release_line(self, contact: int) -> None:
        if contact in self.holds_line:
            self.holds_line.discard(contact)
            self.lines_free += 1

    def _assign(self, agent: int, taken: list[tuple[object, int]]) -> None:
        for visit, _queue in taken:
            self._offer(visit, agent)  # type: ignore[arg-type]

    def _offer(self, visit: int, agent: int, at_s: float | None = None) -> None:
        v = self.visits
        # A contact handed to its next queue joins it HANDOFF_S later; never offer it before.
        now = max(self.now if at_s is None else at_s, v.entered_s[visit])
        queue = v.queue[visit]
        stream = self.streams[queue]
        v.exit_s[visit] = now
        v.outcome[visit] = Outcome.ANSWERED
        v.agent[visit] = agent
        answered_s = now + stream.ring.take()
        ended_s = answered_s + stream.talk.take()
        v.answered_s[visit] = answered_s
        v.ended_s[visit] = ended_s
        v.wrapup_end_s[visit] = ended_s + stream.wrapup.take()
        self.deadline.pop(visit, None)
        self.in_talk[agent] += 1
        self._set_state(agent, StateCode.ON_CONTACT, now, queue)
        self.at(ended_s, _END_TALK, visit, agent)

    def _end_talk(self, visit: int, agent: int) -> None:
        v = self.visits
        queue = v.queue[visit]
        spec = self.s.queues[queue]
        stream = self.streams[queue]
        contact = v.contact[visit]
        transfer = spec.transfer
        if transfer is not None and stream.decisions.take() < transfer.probability:
            v.transferred[visit] = True
            target = self.router.queue_index[transfer.to]
            self._move_transfer(contact, target)
        else:
            self._release_line(contact)
        self.in_talk[agent] -= 1
        self.in_wrap[agent] += 1
        self._set_state(agent, self._idle_state(agent), self.now)
        if v.wrapup_end_s[visit] > self.now:
            self.at(v.wrapup_end_s[visit], _WRAP_END, visit, agent)
        else:
            self._wrap_end(visit, agent)  # no after-contact work

    def _move_transfer(self, contact: int, queue: int) -> None:
        entered_s = self.now + HANDOFF_S
        visit = self.visits.add(contact, queue, entered_s)
        patience_s = self.streams[queue].patience.take()
        agent = self.router.arrive(visit, queue, entered_s)
        if agent is not None:
            self._offer(visit, agent, at_s=entered_s)
            return
        self.deadline[visit] = entered_s + patience_s
        self._schedule_wait_limit(visit, queue)

    def _wrap_end(self, visit: int, agent: int) -> None:
        queue = self.visits.queue[visit]
        self.in_wrap[agent] -= 1
        if self.pending_logout[agent] or self.pending_break[agent] or not self.logged_in[agent]:
            self.router.release(agent, queue, self.now)  # unavailable: takes nothing
            if self.router.open_contacts(agent) == 0:
                if self.pending_logout[agent]:
                    self._log_out(agent)
                elif self.pending_break[agent]:
                    self._go_on_break(agent, self.pending_break[agent])
            else:
                self._set_state(agent, self._idle_state(agent), self.now)
            return
        self._set_state(agent, self._idle_state(agent), self.now)
        self._assign(agent, self.router.release(agent, queue, self.now))


def run_end_s(scenario: Scenario, *times: Sequence[float] | np.ndarray) -> float:
    """The end of a run: the horizon, or the last contact's last step if later."""
    last = [float(np.nanmax(t)) for t in times if len(t) and not np.all(np.isnan(t))]
    return max([scenario.horizon_s, *last])


def _as_ms(seconds: float) -> int:
    return round(seconds * 1000)


def run_general(
    scenario: Scenario, seed: int | None = None, progress: Callable[[int], None] | None = None
) -> SimulationRun:
    """One replication of ``scenario`` with the general engine; ``progress(days_done)`` is
    called as the simulated clock passes each ``scenario.day_s``."""
    seed = scenario.seed if seed is None else seed
    run = _Run(scenario, seed, progress)
    contacts, visits, states, end_s = run.run()
    return SimulationRun(
        scenario=scenario,
        seed=seed,
        contacts=ContactColumns.of(contacts),
        visits=VisitColumns.of(visits),
        recorded_states=StateColumns.of(states),
        agent_codes=tuple(code for code, _g in run.roster),
        engine="general",
        end_s=end_s,
    )


__all__ = ["SimulationRun", "run_end_s", "run_general"]
