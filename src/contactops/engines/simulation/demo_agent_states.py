"""Agent-state timeline for demo history: working blocks and handled contacts become states.

Contiguous working blocks form a logged-in session that lasts until its last wrap-up ends. Inside
it the agent is on_contact while any contact is in talk, else in wrapup while any is in
wrap-up, else ready for the queue the agent is scheduled on; an event marks each change.
"""

from __future__ import annotations

import enum
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import groupby
from operator import attrgetter, itemgetter

from contactops.engines.events import AgentState, AgentStateEvent
from contactops.engines.simulation.demo_staffing import Block


@dataclass(slots=True)
class Answered:
    """How one agent handled a contact; times are seconds since the Unix epoch."""

    agent: str
    offered_s: float
    answered_s: float
    ended_s: float
    wrapup_ended_s: float
    transferred_to: str | None


def utc(at_s: float) -> datetime:
    """Seconds since the Unix epoch as an aware UTC datetime."""
    return datetime.fromtimestamp(at_s, UTC)


@dataclass(slots=True)
class _Session:
    """An agent logged in without interruption: contiguous blocks plus overrunning contacts."""

    start_s: float
    end_s: float
    blocks: list[Block]
    handled: list[tuple[Answered, str]] = field(default_factory=list)  # with the queue code


def agent_events(
    agent_codes: Sequence[str], blocks: list[Block], handled: Iterable[tuple[Answered, str]]
) -> list[AgentStateEvent]:
    """Each agent's sessions as state events; ``handled`` pairs a contact with its queue code."""
    blocks_by_agent: dict[str, list[Block]] = {}
    for block in sorted(blocks, key=attrgetter("start_s")):
        blocks_by_agent.setdefault(block.agent, []).append(block)
    handled_by_agent: dict[str, list[tuple[Answered, str]]] = {}
    for answered, queue_code in handled:
        handled_by_agent.setdefault(answered.agent, []).append((answered, queue_code))
    events: list[AgentStateEvent] = []
    for agent in agent_codes:
        sessions = _sessions(blocks_by_agent.get(agent, []), handled_by_agent.get(agent, []))
        for session in sessions:
            events += _session_events(agent, session)
    return events


def _sessions(blocks: list[Block], handled: list[tuple[Answered, str]]) -> list[_Session]:
    """Contiguous blocks form a session; it lasts until its last wrap-up ends, and sessions
    that then overlap are one."""
    scheduled: list[_Session] = []
    for block in blocks:
        if scheduled and block.start_s <= scheduled[-1].end_s:
            scheduled[-1].blocks.append(block)
            scheduled[-1].end_s = max(scheduled[-1].end_s, block.end_s)
        else:
            scheduled.append(_Session(block.start_s, block.end_s, [block]))
    starts = [session.start_s for session in scheduled]
    for answered, queue_code in sorted(handled, key=lambda pair: pair[0].offered_s):
        session = scheduled[bisect_right(starts, answered.offered_s) - 1]
        session.handled.append((answered, queue_code))
        session.end_s = max(session.end_s, answered.wrapup_ended_s)
    merged: list[_Session] = []
    for session in scheduled:
        if merged and session.start_s <= merged[-1].end_s:
            merged[-1].blocks += session.blocks
            merged[-1].handled += session.handled
            merged[-1].end_s = max(merged[-1].end_s, session.end_s)
        else:
            merged.append(session)
    return merged


class _Change(enum.IntEnum):
    """What happens to an agent at a moment; at equal times they apply in this order."""

    SCHEDULE = 0  # a block starts: the agent now serves its queue
    TALK = 1
    WRAP = 2
    DONE = 3


def _session_events(agent: str, session: _Session) -> list[AgentStateEvent]:
    """logged_in, then a state event whenever (state, queue) changes, then logged_out.

    The state is on_contact while any contact is in talk, else wrapup while any is in wrap-up,
    else ready for the queue the agent is scheduled on.
    """
    changes = [(block.start_s, _Change.SCHEDULE, block.queue) for block in session.blocks]
    for answered, queue_code in session.handled:
        changes += [
            (answered.answered_s, _Change.TALK, queue_code),
            (answered.ended_s, _Change.WRAP, queue_code),
            (answered.wrapup_ended_s, _Change.DONE, queue_code),
        ]
    changes.sort()
    scheduled_queue = session.blocks[0].queue
    events = [
        AgentStateEvent(utc(session.start_s), agent, AgentState.LOGGED_IN, None, scheduled_queue)
    ]
    talking: list[str] = []
    wrapping: list[str] = []
    shown: tuple[AgentState, str] | None = None
    for at_s, group in groupby(changes, key=itemgetter(0)):
        for _at_s, kind, queue_code in group:
            if kind == _Change.SCHEDULE:
                scheduled_queue = queue_code
            elif kind == _Change.TALK:
                talking.append(queue_code)
            elif kind == _Change.WRAP:
                talking.remove(queue_code)
                wrapping.append(queue_code)
            else:
                wrapping.remove(queue_code)
        if talking:
            state = (AgentState.ON_CONTACT, talking[-1])
        elif wrapping:
            state = (AgentState.WRAPUP, wrapping[-1])
        else:
            state = (AgentState.READY, scheduled_queue)
        if state != shown:
            events.append(AgentStateEvent(utc(at_s), agent, state[0], None, state[1]))
            shown = state
    events.append(
        AgentStateEvent(utc(session.end_s), agent, AgentState.LOGGED_OUT, None, scheduled_queue)
    )
    return events
