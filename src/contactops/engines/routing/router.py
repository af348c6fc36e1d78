"""The automatic contact distributor (ACD): queues of waiting contacts, agents able to take them.

The rules, applied in this order:

- **A contact arrives** in a queue: if an agent can take it, the queue's agent selection picks
  one — ``longest_idle`` (the agent whose last contact finished longest ago; the ACD default and
  the fair one) or ``best_skill`` (highest skill level for the queue, then longest idle). Among
  agents handling several chats, the one with fewer open contacts goes first. Otherwise the
  contact waits. A contact with a preferred agent (sticky routing) goes to that agent instead
  when it can take it now: available, room for the contact, the queue's skill.
- **Direct assignment**: a contact that never waits in line (sticky routing, or one an agent
  already had when the server restarted) is counted against the agent's capacity; a forced one
  counts even beyond it, and the agent is then offered nothing until it is below its limit.
- **An agent becomes free** (a contact is finished, or the agent becomes ready): the agent takes
  the best waiting contact among its skills, by (agent's skill level for the queue, highest
  first; queue priority, highest first; age, oldest first). Age is the contact's routing time
  minus the queue's ``head_start_s``: a queue with a head start of 60 s treats its contacts as if
  they had waited a minute longer, so old contacts of a low-priority queue of equal level are
  not starved — queue priority is strict, the head start is aging.
- **Capacity**: an agent holds at most ``min(max_contacts, concurrency of every queue it holds a
  contact of)`` contacts: one phone call blocks everything, chats can run two or three at once.
- A waiting contact keeps its routing time when it overflows to another queue or asks for a
  callback, so it keeps its place in line.

Agents and queues are numbered in the order given. Heaps with lazy deletion keep every operation
O(log n); each agent carries a version number that invalidates its stale heap entries.

The rules are compiled (Numba) functions over a :class:`RouterState`, so that the simulator's
compiled event loop calls exactly the code the live center runs. :class:`Router` is the Python
face of the same state: it accepts any hashable contact ids and returns Python values.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numba import njit, types
from numba.experimental import structref

from contactops.engines.routing.heaps import heap_keep, heap_pop, heap_push, heaps_new


class AgentSelection(enum.StrEnum):
    """Which available agent a new contact goes to."""

    LONGEST_IDLE = "longest_idle"
    BEST_SKILL = "best_skill"


@dataclass(frozen=True, slots=True)
class RoutingQueue:
    """A queue as the router sees it."""

    code: str
    priority: int = 0  # strict: higher is served first by an agent able to take both
    head_start_s: float = 0.0  # aging: counts as this much extra waiting time
    concurrency: int = 1  # contacts of this queue an agent can hold at once (chat 2–3)
    selection: AgentSelection = AgentSelection.LONGEST_IDLE

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError(
                f"queue {self.code!r}: concurrency must be ≥ 1, got {self.concurrency}"
            )


@dataclass(frozen=True, slots=True)
class RoutingAgent:
    """An agent as the router sees it: skill levels (1–10) per queue code."""

    code: str
    skills: Mapping[str, int] = field(default_factory=dict)
    max_contacts: int = 1_000_000  # a cap across queues; queue concurrency usually binds first

    def __post_init__(self) -> None:
        if self.max_contacts < 1:
            raise ValueError(f"agent {self.code!r}: max_contacts must be ≥ 1")


@structref.register
class RouterStateType(types.StructRef):
    def preprocess_fields(self, fields):  # type: ignore[no-untyped-def]
        return tuple((name, types.unliteral(t)) for name, t in fields)


class RouterState(structref.StructRefProxy):
    """The routing state of one center, as arrays (see the module docstring for the rules).

    Contacts are numbered 0, 1, 2 …; ``waiting_seq[c]`` is the line entry of a waiting contact
    (0: not waiting). Lines hold (age key, seq, contact); offers hold (rank, idle since, agent,
    version), rank = open contacts, minus 1000 × level where the queue picks the best skill.
    """

    if TYPE_CHECKING:  # fields are defined by define_proxy below

        def __getattr__(self, name: str) -> Any: ...

        def __setattr__(self, name: str, value: Any) -> None: ...


_FIELDS = [
    # per queue
    "priority",
    "head_start_s",
    "concurrency",
    "best_skill",
    "waiting_count",
    "lines",
    "offers",
    # per agent; skills best first: skill_queue/skill_level[skill_start[a]:skill_start[a + 1]]
    "skill_start",
    "skill_queue",
    "skill_level",
    "max_contacts",
    "available",
    "active",
    "held",  # [agent, queue]: open contacts
    "limit",  # min(max_contacts, concurrency of every queue held)
    "idle_since_s",
    "version",
    # per contact
    "waiting_seq",
    "waiting_queue",
    # scalars and the buffer of assignments a release or make_available returns
    "seq",
    "offer_limit",
    "taken_contact",
    "taken_queue",
]
structref.define_proxy(RouterState, RouterStateType, _FIELDS)


@njit(cache=True)
def router_new(
    priority: np.ndarray,
    head_start_s: np.ndarray,
    concurrency: np.ndarray,
    best_skill: np.ndarray,
    skill_start: np.ndarray,
    skill_queue: np.ndarray,
    skill_level: np.ndarray,
    max_contacts: np.ndarray,
) -> RouterState:
    queues, agents = priority.size, max_contacts.size
    taken = int(concurrency.max()) + 1 if queues else 1
    return RouterState(
        priority,
        head_start_s,
        concurrency,
        best_skill,
        np.zeros(queues, dtype=np.int64),
        heaps_new(queues, 16),
        heaps_new(queues, 16),
        skill_start,
        skill_queue,
        skill_level,
        max_contacts,
        np.zeros(agents, dtype=np.bool_),
        np.zeros(agents, dtype=np.int64),
        np.zeros((agents, max(queues, 1)), dtype=np.int64),
        max_contacts.copy(),
        np.full(agents, -np.inf),
        np.zeros(agents, dtype=np.int64),
        np.zeros(64, dtype=np.int64),
        np.zeros(64, dtype=np.int64),
        0,
        4 * agents + 64,
        np.zeros(taken, dtype=np.int64),
        np.zeros(taken, dtype=np.int64),
    )


def router_state(queues: Sequence[RoutingQueue], agents: Sequence[RoutingAgent]) -> RouterState:
    """A fresh state for ``queues`` and ``agents``; raises ValueError naming a bad definition."""
    index = {q.code: i for i, q in enumerate(queues)}
    if len(index) != len(queues):
        raise ValueError("queue codes must be unique")
    priority = [q.priority for q in queues]
    start, skill_queue, skill_level = [0], [], []
    for agent in agents:
        unknown = sorted(set(agent.skills) - set(index))
        if unknown:
            raise ValueError(f"agent {agent.code!r}: unknown queue(s) {unknown}")
        levels = sorted(
            ((index[code], level) for code, level in agent.skills.items()),
            key=lambda pair: (-pair[1], -priority[pair[0]], pair[0]),
        )
        skill_queue += [q for q, _level in levels]
        skill_level += [level for _q, level in levels]
        start.append(len(skill_queue))
    i64 = np.int64
    return router_new(
        np.array(priority, dtype=i64),
        np.array([q.head_start_s for q in queues], dtype=np.float64),
        np.array([q.concurrency for q in queues], dtype=i64),
        np.array([q.selection == AgentSelection.BEST_SKILL for q in queues], dtype=np.bool_),
        np.array(start, dtype=i64),
        np.array(skill_queue, dtype=i64),
        np.array(skill_level, dtype=i64),
        np.array([a.max_contacts for a in agents], dtype=i64),
    )


# --- the rules, compiled -------------------------------------------------------------------------


@njit(cache=True)
def _can_take(st: RouterState, agent: int, queue: int) -> bool:
    if not st.available[agent]:
        return False
    active = st.active[agent]
    return active == 0 or active < min(st.limit[agent], st.concurrency[queue])


@njit(cache=True)
def _take(st: RouterState, agent: int, queue: int) -> None:
    st.active[agent] += 1
    st.held[agent, queue] += 1
    if st.concurrency[queue] < st.limit[agent]:
        st.limit[agent] = st.concurrency[queue]


@njit(cache=True)
def _compact_offers(st: RouterState, queue: int) -> None:
    """Drop stale offers once a heap holds many more entries than there are agents."""
    offers = st.offers
    base = offers.offset[queue]
    keep = np.empty(offers.size[queue], dtype=np.bool_)
    for k in range(keep.size):
        keep[k] = offers.i1[base + k] == st.version[offers.i0[base + k]]
    heap_keep(offers, queue, keep)


@njit(cache=True)
def _advertise(st: RouterState, agent: int) -> None:
    """Invalidate the agent's old offers and offer it again to every queue it can take."""
    st.version[agent] += 1
    if not st.available[agent]:
        return
    version, active = st.version[agent], st.active[agent]
    if active >= st.limit[agent]:
        return
    idle_since = st.idle_since_s[agent]
    for k in range(st.skill_start[agent], st.skill_start[agent + 1]):
        queue = st.skill_queue[k]
        if active and not _can_take(st, agent, queue):
            continue
        rank = active - 1000 * st.skill_level[k] if st.best_skill[queue] else active
        heap_push(st.offers, queue, float(rank), idle_since, agent, version, 0)
        if st.offers.size[queue] > st.offer_limit:
            _compact_offers(st, queue)


@njit(cache=True)
def _pop_agent(st: RouterState, queue: int) -> int:
    """The best agent able to take a contact of ``queue`` now, removed from the offers; −1 if
    none."""
    offers = st.offers
    while offers.size[queue]:
        top = offers.offset[queue]
        agent, version = offers.i0[top], offers.i1[top]
        heap_pop(offers, queue)
        if version == st.version[agent] and _can_take(st, agent, queue):
            return agent
    return -1


@njit(cache=True)
def _head(st: RouterState, queue: int) -> int:
    """Arena index of the oldest live contact waiting in ``queue`` (stale entries are dropped);
    −1 if none."""
    lines = st.lines
    while lines.size[queue]:
        top = lines.offset[queue]
        if st.waiting_seq[lines.i1[top]] == lines.i0[top]:
            return top
        heap_pop(lines, queue)
    return -1


@njit(cache=True)
def _compact_line(st: RouterState, queue: int) -> None:
    """Drop entries of contacts no longer waiting once they outnumber the waiting ones."""
    lines = st.lines
    base = lines.offset[queue]
    keep = np.empty(lines.size[queue], dtype=np.bool_)
    for k in range(keep.size):
        keep[k] = st.waiting_seq[lines.i1[base + k]] == lines.i0[base + k]
    heap_keep(lines, queue, keep)


@njit(cache=True)
def _room_for_contact(st: RouterState, contact: int) -> None:
    size = st.waiting_seq.size
    if contact < size:
        return
    size = max(2 * size, contact + 1)
    seq = np.zeros(size, dtype=np.int64)
    seq[: st.waiting_seq.size] = st.waiting_seq
    queue = np.zeros(size, dtype=np.int64)
    queue[: st.waiting_queue.size] = st.waiting_queue
    st.waiting_seq, st.waiting_queue = seq, queue


@njit(cache=True)
def router_arrive(st: RouterState, contact: int, queue: int, now_s: float, routed_s: float) -> int:
    """A contact joins ``queue``: the agent it goes to now, or −1 if it waits. ``routed_s`` is
    its routing time (NaN: ``now_s``); a contact moving between queues passes its original one
    and keeps its age."""
    agent = _pop_agent(st, queue)
    if agent >= 0:
        _take(st, agent, queue)
        _advertise(st, agent)
        return agent
    _room_for_contact(st, contact)
    st.seq += 1
    key = (now_s if np.isnan(routed_s) else routed_s) - st.head_start_s[queue]
    # A line entry is (key, seq, contact): ordered by age, then by arrival in the router.
    heap_push(st.lines, queue, key, 0.0, st.seq, contact, 0)
    st.waiting_seq[contact] = st.seq
    st.waiting_queue[contact] = queue
    st.waiting_count[queue] += 1
    if st.lines.size[queue] > 2 * st.waiting_count[queue] + 64:
        _compact_line(st, queue)
    return -1


@njit(cache=True)
def router_withdraw(st: RouterState, contact: int) -> int:
    """A waiting contact leaves (abandoned, timed out, overflowed): its queue, or −1 if it was
    not waiting."""
    if contact >= st.waiting_seq.size or st.waiting_seq[contact] == 0:
        return -1
    queue = st.waiting_queue[contact]
    st.waiting_seq[contact] = 0
    st.waiting_count[queue] -= 1
    return queue


@njit(cache=True)
def _refill(st: RouterState, agent: int) -> int:
    """Give a freed or newly available agent the best waiting contacts it can take; they are
    written to ``taken_contact``/``taken_queue``, their number returned."""
    count = 0
    lines = st.lines
    while st.available[agent]:
        best_queue, best_level, best_priority = -1, 0, 0
        best_key, best_seq = 0.0, 0
        for k in range(st.skill_start[agent], st.skill_start[agent + 1]):
            queue = st.skill_queue[k]
            if st.waiting_count[queue] == 0 or not _can_take(st, agent, queue):
                continue
            head = _head(st, queue)
            if head < 0:
                continue
            level, priority = st.skill_level[k], st.priority[queue]
            key, seq = lines.f0[head], lines.i0[head]
            # Best by (level, priority) highest first, then (age key, seq) lowest first.
            if best_queue < 0 or (
                level > best_level
                or (
                    level == best_level
                    and (
                        priority > best_priority
                        or (
                            priority == best_priority
                            and (key < best_key or (key == best_key and seq < best_seq))
                        )
                    )
                )
            ):
                best_queue, best_level, best_priority = queue, level, priority
                best_key, best_seq = key, seq
        if best_queue < 0:
            break
        contact = lines.i1[lines.offset[best_queue]]
        heap_pop(lines, best_queue)
        st.waiting_seq[contact] = 0
        st.waiting_count[best_queue] -= 1
        _take(st, agent, best_queue)
        if count == st.taken_contact.size:
            st.taken_contact = np.concatenate((st.taken_contact, st.taken_contact))
            st.taken_queue = np.concatenate((st.taken_queue, st.taken_queue))
        st.taken_contact[count] = contact
        st.taken_queue[count] = best_queue
        count += 1
    _advertise(st, agent)
    return count


@njit(cache=True)
def router_release(st: RouterState, agent: int, queue: int, now_s: float) -> int:
    """``agent`` finished a contact of ``queue``; returns how many contacts it takes next (in
    ``taken_contact``/``taken_queue``)."""
    if st.held[agent, queue] == 0:
        raise ValueError("release: the agent holds no contact of that queue")
    st.active[agent] -= 1
    st.held[agent, queue] -= 1
    limit, skilled = st.max_contacts[agent], 0
    for k in range(st.skill_start[agent], st.skill_start[agent + 1]):
        q = st.skill_queue[k]
        skilled += st.held[agent, q]
        if st.held[agent, q] and st.concurrency[q] < limit:
            limit = st.concurrency[q]
    if skilled < st.active[agent]:  # a forced assignment outside the agent's skills
        for q in range(st.concurrency.size):
            if st.held[agent, q] and st.concurrency[q] < limit:
                limit = st.concurrency[q]
    st.limit[agent] = limit
    st.idle_since_s[agent] = now_s
    return _refill(st, agent)


@njit(cache=True)
def router_make_available(st: RouterState, agent: int, now_s: float) -> int:
    """``agent`` became ready (logged in, back from a break); returns how many contacts it
    takes now (in ``taken_contact``/``taken_queue``)."""
    if not st.available[agent]:
        st.available[agent] = True
        st.idle_since_s[agent] = now_s
    return _refill(st, agent)


@njit(cache=True)
def router_make_unavailable(st: RouterState, agent: int) -> None:
    """``agent`` stops taking new contacts (break, not ready, logging out); open contacts
    continue."""
    st.available[agent] = False
    st.version[agent] += 1


@njit(cache=True)
def _has_skill(st: RouterState, agent: int, queue: int) -> bool:
    for k in range(st.skill_start[agent], st.skill_start[agent + 1]):
        if st.skill_queue[k] == queue:
            return True
    return False


@njit(cache=True)
def router_can_take(st: RouterState, agent: int, queue: int) -> bool:
    """``agent`` is available, has room for a contact of ``queue`` now and holds its skill."""
    return _can_take(st, agent, queue) and _has_skill(st, agent, queue)


@njit(cache=True)
def router_assign(st: RouterState, agent: int, queue: int, force: bool) -> bool:
    """``agent`` takes a contact of ``queue`` that never waits in line (sticky agent, recovery
    after a restart); False, and nothing changes, if it cannot take it and ``force`` is off.
    A forced contact counts even for an unavailable agent, a full one or one without the skill:
    the agent is offered nothing more until it is below its limit again."""
    if not force and not router_can_take(st, agent, queue):
        return False
    _take(st, agent, queue)
    _advertise(st, agent)
    return True


@njit(cache=True)
def router_waiting_in(st: RouterState, queue: int) -> np.ndarray:
    """The contacts waiting in ``queue``, in the order they are served: age key, then seq."""
    lines = st.lines
    base, size = lines.offset[queue], lines.size[queue]
    key = np.empty(size)
    seq = np.empty(size, dtype=np.int64)
    contact = np.empty(size, dtype=np.int64)
    count = 0
    for k in range(base, base + size):
        if st.waiting_seq[lines.i1[k]] == lines.i0[k]:
            key[count], seq[count], contact[count] = lines.f0[k], lines.i0[k], lines.i1[k]
            count += 1
    by_seq = np.argsort(seq[:count])
    order = by_seq[np.argsort(key[:count][by_seq], kind="mergesort")]
    return contact[:count][order]


@njit(cache=True)
def router_waiting(st: RouterState, queue: int) -> int:
    """Contacts waiting in ``queue``."""
    return st.waiting_count[queue]


@njit(cache=True)
def router_open_contacts(st: RouterState, agent: int) -> int:
    """Contacts ``agent`` holds."""
    return st.active[agent]


@njit(cache=True)
def router_taken(st: RouterState, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``count`` assignments of the last release or make_available."""
    return st.taken_contact[:count].copy(), st.taken_queue[:count].copy()


# --- the Python face -----------------------------------------------------------------------------


class Router:
    """Routing state of one center: who waits where, who can take what.

    The caller tells the router what happens (arrivals, withdrawals, agents freeing up or
    becoming unavailable) and gets back the assignments to make; the router never reads a clock.
    Contact ids are any hashable values, unique among contacts waiting at one time.
    """

    def __init__(self, queues: Sequence[RoutingQueue], agents: Sequence[RoutingAgent]) -> None:
        self.queues = list(queues)
        self.agents = list(agents)
        self.state = router_state(self.queues, self.agents)
        self.queue_index = {q.code: i for i, q in enumerate(self.queues)}
        self._number: dict[object, int] = {}  # waiting contact -> its number in the state
        self._contact: list[object] = []  # number -> contact
        self._free: list[int] = []  # numbers of contacts no longer waiting

    def _check_queue(self, queue: int) -> None:
        if not 0 <= queue < len(self.queues):
            raise ValueError(f"queue {queue}: there are {len(self.queues)} queues")

    def _check(self, agent: int, queue: int) -> None:
        if not 0 <= agent < len(self.agents):
            raise ValueError(f"agent {agent}: there are {len(self.agents)} agents")
        self._check_queue(queue)

    def _not_waiting(self, contact: object) -> None:
        if contact in self._number:
            raise ValueError(f"contact {contact!r} is already waiting")

    def _numbered(self, contact: object) -> int:
        self._not_waiting(contact)
        if self._free:
            number = self._free.pop()
            self._contact[number] = contact
        else:
            number = len(self._contact)
            self._contact.append(contact)
        self._number[contact] = number
        return number

    def _forget(self, number: int) -> object:
        contact = self._contact[number]
        del self._number[contact]
        self._contact[number] = None
        self._free.append(number)
        return contact

    def _taken(self, count: int) -> list[tuple[object, int]]:
        if not count:
            return []
        contacts, queues = (a.tolist() for a in router_taken(self.state, count))
        return [(self._forget(c), q) for c, q in zip(contacts, queues, strict=True)]

    def arrive(
        self,
        contact: object,
        queue: int,
        now_s: float,
        routed_s: float | None = None,
        preferred: int | None = None,
    ) -> int | None:
        """A contact joins ``queue``: the agent it goes to now, or None if it waits.

        ``routed_s`` is its routing time (default ``now_s``); pass the original one when a
        contact moves between queues so that it keeps its age. A ``preferred`` agent (sticky
        routing: the customer's last agent) takes the contact at once if :meth:`can_take` says
        so; otherwise the usual rules apply.
        """
        if preferred is not None:
            self._check(preferred, queue)
            self._not_waiting(contact)
            if router_assign(self.state, preferred, queue, False):
                return preferred
        number = self._numbered(contact)
        routed = math.nan if routed_s is None else routed_s
        agent = int(router_arrive(self.state, number, queue, now_s, routed))
        if agent < 0:
            return None
        self._forget(number)
        return agent

    def withdraw(self, contact: object) -> int | None:
        """A waiting contact leaves (abandoned, timed out, overflowed): its queue, or None if it
        was not waiting."""
        number = self._number.get(contact)
        if number is None:
            return None
        queue = int(router_withdraw(self.state, number))
        self._forget(number)
        return queue

    def release(self, agent: int, queue: int, now_s: float) -> list[tuple[object, int]]:
        """``agent`` finished a contact of ``queue``; returns the (contact, queue) it takes next."""
        return self._taken(router_release(self.state, agent, queue, now_s))

    def can_take(self, agent: int, queue: int) -> bool:
        """Whether ``agent`` is available, has room for a contact of ``queue`` now and holds the
        queue's skill."""
        self._check(agent, queue)
        return bool(router_can_take(self.state, agent, queue))

    def assign(self, agent: int, queue: int, *, force: bool = False) -> None:
        """``agent`` takes a contact of ``queue`` that never waits in line (sticky routing, or
        a contact it already had when the server restarted); release it with :meth:`release`.

        Raises ValueError unless :meth:`can_take`; ``force`` records the contact anyway (an
        unavailable or full agent keeps the contacts it has open).
        """
        self._check(agent, queue)
        if not router_assign(self.state, agent, queue, force):
            raise ValueError(
                f"agent {agent} ({self.agents[agent].code!r}) cannot take a contact of queue "
                f"{queue} ({self.queues[queue].code!r}) now: unavailable, at capacity or "
                "without the skill"
            )

    def make_available(self, agent: int, now_s: float) -> list[tuple[object, int]]:
        """``agent`` became ready (logged in, back from a break); returns what it takes now."""
        return self._taken(router_make_available(self.state, agent, now_s))

    def make_unavailable(self, agent: int) -> None:
        """``agent`` stops taking new contacts (break, not ready, logging out); open contacts
        continue."""
        router_make_unavailable(self.state, agent)

    def waiting(self, queue: int) -> int:
        """Contacts waiting in ``queue``."""
        return int(router_waiting(self.state, queue))

    def waiting_in(self, queue: int) -> list[object]:
        """The contacts waiting in ``queue``, first served first (oldest age key, then the
        order they joined); O(n log n)."""
        self._check_queue(queue)
        numbers = router_waiting_in(self.state, queue).tolist()
        return [self._contact[number] for number in numbers]

    def is_waiting(self, contact: object) -> bool:
        return contact in self._number

    def open_contacts(self, agent: int) -> int:
        return int(router_open_contacts(self.state, agent))
