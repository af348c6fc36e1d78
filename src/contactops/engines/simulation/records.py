"""What a simulation run records: contacts, queue visits and agent state changes, as columns.

A run fills these while it goes (plain lists, cheap to append) and freezes them into NumPy
arrays at the end; :mod:`.output` turns them into canonical events.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from contactops.engines.events import AgentState, LegOutcome


class Outcome(enum.IntEnum):
    """How a queue visit ended (the leg outcome the event log will show)."""

    ANSWERED = 0
    ABANDONED = 1
    TIMED_OUT = 2
    OVERFLOWED = 3
    BLOCKED = 4
    CALLBACK_REQUESTED = 5
    OPEN = 6  # still waiting when the run ended

    @property
    def leg_outcome(self) -> LegOutcome:
        return LegOutcome(self.name.lower())


class StateCode(enum.IntEnum):
    """Agent states in the order the run records them."""

    LOGGED_IN = 0
    READY = 1
    ON_CONTACT = 2
    WRAPUP = 3
    BREAK = 4
    LOGGED_OUT = 5

    @property
    def agent_state(self) -> AgentState:
        return AgentState(self.name.lower())


NO_AGENT = -1


@dataclass(slots=True)
class Contacts:
    """One row per contact (a retrial is a new contact of the same customer)."""

    arrival_s: list[float] = field(default_factory=list)
    queue: list[int] = field(default_factory=list)  # the queue it arrived for
    customer: list[int] = field(default_factory=list)  # −1: anonymous
    attempt: list[int] = field(default_factory=list)  # 1 = first try

    def add(self, arrival_s: float, queue: int, customer: int, attempt: int) -> int:
        self.arrival_s.append(arrival_s)
        self.queue.append(queue)
        self.customer.append(customer)
        self.attempt.append(attempt)
        return len(self.arrival_s) - 1


@dataclass(slots=True)
class Visits:
    """One row per queue visit (a leg). Times in seconds from the scenario start; NaN where a
    step did not happen."""

    contact: list[int] = field(default_factory=list)
    queue: list[int] = field(default_factory=list)
    entered_s: list[float] = field(default_factory=list)  # NaN: blocked at the door
    exit_s: list[float] = field(default_factory=list)  # offered to an agent, or left the queue
    outcome: list[int] = field(default_factory=list)
    agent: list[int] = field(default_factory=list)
    answered_s: list[float] = field(default_factory=list)
    ended_s: list[float] = field(default_factory=list)
    wrapup_end_s: list[float] = field(default_factory=list)
    transferred: list[bool] = field(default_factory=list)
    callback: list[bool] = field(default_factory=list)  # a callback leg (virtual hold)

    def add(self, contact: int, queue: int, entered_s: float, *, callback: bool = False) -> int:
        self.contact.append(contact)
        self.queue.append(queue)
        self.entered_s.append(entered_s)
        self.exit_s.append(math.nan)
        self.outcome.append(Outcome.OPEN)
        self.agent.append(NO_AGENT)
        self.answered_s.append(math.nan)
        self.ended_s.append(math.nan)
        self.wrapup_end_s.append(math.nan)
        self.transferred.append(False)
        self.callback.append(callback)
        return len(self.contact) - 1


@dataclass(slots=True)
class StateChanges:
    """Agent state changes in the order they happened."""

    at_s: list[float] = field(default_factory=list)
    agent: list[int] = field(default_factory=list)
    state: list[int] = field(default_factory=list)
    queue: list[int] = field(default_factory=list)  # on_contact: the contact's queue, else −1


IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class ContactColumns:
    arrival_s: FloatArray
    queue: IntArray
    customer: IntArray
    attempt: IntArray

    @classmethod
    def of(cls, rows: Contacts) -> ContactColumns:
        return cls(
            np.asarray(rows.arrival_s, dtype=np.float64),
            np.asarray(rows.queue, dtype=np.int64),
            np.asarray(rows.customer, dtype=np.int64),
            np.asarray(rows.attempt, dtype=np.int64),
        )


@dataclass(frozen=True, slots=True)
class VisitColumns:
    contact: IntArray
    queue: IntArray
    entered_s: FloatArray
    exit_s: FloatArray
    outcome: IntArray
    agent: IntArray
    answered_s: FloatArray
    ended_s: FloatArray
    wrapup_end_s: FloatArray
    transferred: BoolArray
    callback: BoolArray

    @classmethod
    def of(cls, rows: Visits) -> VisitColumns:
        f, i = np.float64, np.int64
        return cls(
            np.asarray(rows.contact, dtype=i),
            np.asarray(rows.queue, dtype=i),
            np.asarray(rows.entered_s, dtype=f),
            np.asarray(rows.exit_s, dtype=f),
            np.asarray(rows.outcome, dtype=i),
            np.asarray(rows.agent, dtype=i),
            np.asarray(rows.answered_s, dtype=f),
            np.asarray(rows.ended_s, dtype=f),
            np.asarray(rows.wrapup_end_s, dtype=f),
            np.asarray(rows.transferred, dtype=np.bool_),
            np.asarray(rows.callback, dtype=np.bool_),
        )

    @property
    def wait_s(self) -> FloatArray:
        """Time in queue: entry to offer or exit (NaN when blocked or still open)."""
        return self.exit_s - self.entered_s


@dataclass(frozen=True, slots=True)
class StateColumns:
    at_s: FloatArray
    agent: IntArray
    state: IntArray
    queue: IntArray

    @classmethod
    def of(cls, rows: StateChanges) -> StateColumns:
        return cls(
            np.asarray(rows.at_s, dtype=np.float64),
            np.asarray(rows.agent, dtype=np.int64),
            np.asarray(rows.state, dtype=np.int64),
            np.asarray(rows.queue, dtype=np.int64),
        )


def single_pool_states(visits: VisitColumns, agents: int, end_s: float) -> StateColumns:
    """The state changes of always-on agents serving one queue (the fast path's runs): logged
    in and ready at 0; per contact on_contact at the offer, wrapup at the end of talk,
    ready when wrap-up ends; logged out at the end. At one instant an agent's changes keep the
    order of its contacts, and within a contact the order above."""
    answered = visits.agent != NO_AGENT
    agent = visits.agent[answered]
    offered = visits.exit_s[answered]
    everyone = np.arange(agents, dtype=np.int64)
    parts = [  # (time, agent, state, contact order)
        (np.zeros(agents), everyone, StateCode.LOGGED_IN, np.full(agents, -math.inf)),
        (np.zeros(agents), everyone, StateCode.READY, np.full(agents, -math.inf)),
        (offered, agent, StateCode.ON_CONTACT, offered),
        (visits.ended_s[answered], agent, StateCode.WRAPUP, offered),
        (visits.wrapup_end_s[answered], agent, StateCode.READY, offered),
        (np.full(agents, end_s), everyone, StateCode.LOGGED_OUT, np.full(agents, math.inf)),
    ]
    at_s = np.concatenate([p[0] for p in parts])
    who = np.concatenate([p[1] for p in parts])
    state = np.concatenate([np.full(p[1].size, p[2], dtype=np.int64) for p in parts])
    contact = np.concatenate([p[3] for p in parts])
    phase = np.concatenate([np.full(p[1].size, n, dtype=np.int64) for n, p in enumerate(parts)])
    order = np.lexsort((phase, contact, who, at_s))
    queue = np.where(state[order] == StateCode.ON_CONTACT, 0, -1).astype(np.int64)
    return StateColumns(at_s[order], who[order], state[order], queue)
