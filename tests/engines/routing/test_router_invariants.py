"""Invariants of the router under any sequence of arrivals, withdrawals, releases, agent state
changes and direct assignments, checked against a plain record of where every contact is."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from contactops.engines.routing import AgentSelection, Router, RoutingAgent, RoutingQueue

QUEUES = [
    RoutingQueue("phone", priority=1),
    RoutingQueue("chat", concurrency=2, head_start_s=30.0),
    RoutingQueue("chat-vip", concurrency=3, selection=AgentSelection.BEST_SKILL),
    RoutingQueue("mail", head_start_s=600.0),
]
AGENTS = [
    RoutingAgent("a0", {"phone": 5, "chat": 3}),
    RoutingAgent("a1", {"chat": 7, "chat-vip": 2}, max_contacts=2),
    RoutingAgent("a2", {"phone": 2, "chat-vip": 9, "mail": 4}),
    RoutingAgent("a3", {"mail": 6}),
    RoutingAgent("a4", {"phone": 8, "chat": 8, "chat-vip": 8, "mail": 8}),
]
AGENT_NUMBERS = st.integers(0, len(AGENTS) - 1)
QUEUE_NUMBERS = st.integers(0, len(QUEUES) - 1)
PICK = st.integers(0, 1_000)  # which waiting or assigned contact an operation concerns

OPERATIONS = st.one_of(
    st.tuples(st.just("arrive"), QUEUE_NUMBERS, st.none() | AGENT_NUMBERS),
    st.tuples(st.just("withdraw"), PICK),
    st.tuples(st.just("release"), PICK),
    st.tuples(st.just("make_available"), AGENT_NUMBERS),
    st.tuples(st.just("make_unavailable"), AGENT_NUMBERS),
    st.tuples(st.just("assign"), AGENT_NUMBERS, QUEUE_NUMBERS, st.booleans()),
)


@dataclass
class Center:
    """Where every contact is, kept beside the router by the test."""

    router: Router
    waiting: dict[int, int] = field(default_factory=dict)  # contact -> queue
    assigned: dict[int, tuple[int, int]] = field(default_factory=dict)  # contact -> (agent, queue)
    over_limit: set[int] = field(default_factory=set)  # agents a forced contact put past it
    next_contact: int = 0

    def new_contact(self) -> int:
        self.next_contact += 1
        return self.next_contact

    def took(self, agent: int, queue: int, contact: int) -> None:
        assert contact not in self.assigned
        self.assigned[contact] = (agent, queue)

    def limit(self, agent: int) -> int:
        held = {queue for a, queue in self.assigned.values() if a == agent}
        return min([AGENTS[agent].max_contacts] + [QUEUES[q].concurrency for q in held])

    def open_contacts(self, agent: int) -> int:
        return sum(1 for a, _queue in self.assigned.values() if a == agent)


def _has_skill(agent: int, queue: int) -> bool:
    return QUEUES[queue].code in AGENTS[agent].skills


def _apply(center: Center, operation: tuple[object, ...], now_s: float) -> None:
    router = center.router
    kind = operation[0]
    if kind == "arrive":
        queue, preferred = operation[1], operation[2]
        assert isinstance(queue, int) and (preferred is None or isinstance(preferred, int))
        sticky = preferred is not None and router.can_take(preferred, queue)
        contact = center.new_contact()
        agent = router.arrive(contact, queue, now_s, preferred=preferred)
        if sticky:
            assert agent == preferred
        if agent is None:
            center.waiting[contact] = queue
        else:
            assert _has_skill(agent, queue)
            center.took(agent, queue, contact)
    elif kind == "withdraw":
        assert isinstance(operation[1], int)
        if center.waiting:
            contact = sorted(center.waiting)[operation[1] % len(center.waiting)]
            assert router.withdraw(contact) == center.waiting.pop(contact)
        assert router.withdraw(-1) is None
    elif kind == "release":
        assert isinstance(operation[1], int)
        if not center.assigned:
            return
        contact = sorted(center.assigned)[operation[1] % len(center.assigned)]
        agent, queue = center.assigned.pop(contact)
        lines = _lines(router)
        _take_next(center, agent, router.release(agent, queue, now_s), lines)
    elif kind == "make_available":
        assert isinstance(operation[1], int)
        lines = _lines(router)
        _take_next(center, operation[1], router.make_available(operation[1], now_s), lines)
    elif kind == "make_unavailable":
        assert isinstance(operation[1], int)
        router.make_unavailable(operation[1])
    else:
        agent, queue, force = operation[1], operation[2], operation[3]
        assert isinstance(agent, int) and isinstance(queue, int) and isinstance(force, bool)
        allowed = router.can_take(agent, queue)
        if not allowed and not force:
            with pytest.raises(ValueError, match=f"agent {agent} .*queue {queue} "):
                router.assign(agent, queue)
            return
        router.assign(agent, queue, force=force)
        if not allowed:
            center.over_limit.add(agent)
        center.took(agent, queue, center.new_contact())


def _lines(router: Router) -> dict[int, list[object]]:
    return {queue: router.waiting_in(queue) for queue in range(len(QUEUES))}


def _take_next(
    center: Center, agent: int, taken: list[tuple[object, int]], lines: dict[int, list[object]]
) -> None:
    """The contacts a freed agent takes are the heads of their lines (as they were), in order."""
    for contact, queue in taken:
        assert isinstance(contact, int)
        assert _has_skill(agent, queue)
        assert center.waiting.pop(contact) == queue
        assert lines[queue].pop(0) == contact
        center.took(agent, queue, contact)


def _check(center: Center) -> None:
    router = center.router
    for agent in range(len(AGENTS)):
        assert router.open_contacts(agent) == center.open_contacts(agent)
        if center.open_contacts(agent) <= center.limit(agent):
            center.over_limit.discard(agent)
        else:
            assert agent in center.over_limit  # only a forced assignment goes past the limit
    listed: list[object] = []
    for queue in range(len(QUEUES)):
        line = router.waiting_in(queue)
        assert len(line) == router.waiting(queue)
        assert set(line) == {c for c, q in center.waiting.items() if q == queue}
        listed += line
        if line:  # nobody who could take one of them is left idle
            assert not any(router.can_take(agent, queue) for agent in range(len(AGENTS)))
    assert len(listed) == len(set(listed)) == len(center.waiting)
    assert not set(center.waiting) & set(center.assigned)
    assert all(router.is_waiting(contact) for contact in center.waiting)
    assert not any(router.is_waiting(contact) for contact in center.assigned)


FORCED_OUTSIDE_THE_SKILLS = [
    (("assign", 0, 3, True), 1.0),  # a call of a queue agent 0 has no skill for
    (("assign", 0, 1, True), 1.0),
    (("release", 1), 1.0),  # the chat ends: the call still blocks chats
    (("arrive", 1, None), 1.0),
]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(OPERATIONS, st.floats(0.0, 30.0)), min_size=5, max_size=120),
    st.sets(AGENT_NUMBERS),
)
@example(FORCED_OUTSIDE_THE_SKILLS, {0})
def test_every_contact_is_waiting_once_or_assigned_once_and_limits_hold(
    steps: list[tuple[tuple[object, ...], float]], ready_at_start: set[int]
) -> None:
    center = Center(Router(QUEUES, AGENTS))
    for agent in sorted(ready_at_start):
        assert center.router.make_available(agent, 0.0) == []
    now_s = 0.0
    for operation, elapsed_s in steps:
        now_s += elapsed_s
        _apply(center, operation, now_s)
        _check(center)
