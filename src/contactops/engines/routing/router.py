"""The automatic contact distributor (ACD): queues of waiting contacts, agents able to take them.

The rules, applied in this order:

- **A contact arrives** in a queue: if an agent can take it, the queue's agent selection picks
  one — ``longest_idle`` (the agent whose last contact finished longest ago; the ACD default and
  the fair one) or ``best_skill`` (highest skill level for the queue, then longest idle). Among
  agents handling several chats, the one with fewer open contacts goes first. Otherwise the
  contact waits.
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
"""

from __future__ import annotations

import enum
import heapq
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


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


class Router:
    """Routing state of one center: who waits where, who can take what.

    The caller tells the router what happens (arrivals, withdrawals, agents freeing up or
    becoming unavailable) and gets back the assignments to make; the router never reads a clock.
    Contact ids are any hashable values, unique among contacts waiting at one time.
    """

    def __init__(self, queues: Sequence[RoutingQueue], agents: Sequence[RoutingAgent]) -> None:
        self.queues = list(queues)
        self.agents = list(agents)
        index = {q.code: i for i, q in enumerate(self.queues)}
        if len(index) != len(self.queues):
            raise ValueError("queue codes must be unique")
        self.queue_index = index
        self._priority = [q.priority for q in self.queues]
        self._head_start = [q.head_start_s for q in self.queues]
        self._concurrency = [q.concurrency for q in self.queues]
        self._best_skill = [q.selection == AgentSelection.BEST_SKILL for q in self.queues]
        # Per queue: waiting contacts as (age key, seq, contact); the live ones are in _waiting.
        self._lines: list[list[tuple[float, int, object]]] = [[] for _ in self.queues]
        self._waiting: dict[object, tuple[int, int]] = {}  # contact -> (queue, seq)
        self._waiting_count = [0] * len(self.queues)
        self._seq = 0
        # Per queue: agents that may take one more, as (rank, idle since, agent, version).
        self._offers: list[list[tuple[int, float, int, int]]] = [[] for _ in self.queues]
        self._skills: list[list[tuple[int, int]]] = []  # agent -> [(queue, level)], best first
        for agent in self.agents:
            unknown = sorted(set(agent.skills) - set(index))
            if unknown:
                raise ValueError(f"agent {agent.code!r}: unknown queue(s) {unknown}")
            levels = [(index[code], level) for code, level in agent.skills.items()]
            levels.sort(key=lambda pair: (-pair[1], -self._priority[pair[0]], pair[0]))
            self._skills.append(levels)
        count = len(self.agents)
        self._max_contacts = [a.max_contacts for a in self.agents]
        self._available = [False] * count
        self._active = [0] * count
        self._held: list[list[int]] = [[] for _ in range(count)]  # queues of open contacts
        self._limit = list(self._max_contacts)  # min(max_contacts, concurrency of held queues)
        self._idle_since = [-math.inf] * count
        self._version = [0] * count
        self._offer_limit = 4 * count + 64  # stale offers allowed before a heap is compacted

    # --- what the router is told ------------------------------------------------------------

    def arrive(
        self, contact: object, queue: int, now_s: float, routed_s: float | None = None
    ) -> int | None:
        """A contact joins ``queue``: the agent it goes to now, or None if it waits.

        ``routed_s`` is its routing time (default ``now_s``); pass the original one when a
        contact moves between queues so that it keeps its age.
        """
        agent = self._pop_agent(queue)
        if agent is not None:
            self._take(agent, queue)
            self._advertise(agent)
            return agent
        self._seq += 1
        key = (now_s if routed_s is None else routed_s) - self._head_start[queue]
        heapq.heappush(self._lines[queue], (key, self._seq, contact))
        self._waiting[contact] = (queue, self._seq)
        self._waiting_count[queue] += 1
        return None

    def withdraw(self, contact: object) -> int | None:
        """A waiting contact leaves (abandoned, timed out, overflowed): its queue, or None if it
        was not waiting."""
        place = self._waiting.pop(contact, None)
        if place is None:
            return None
        self._waiting_count[place[0]] -= 1
        return place[0]

    def release(self, agent: int, queue: int, now_s: float) -> list[tuple[object, int]]:
        """``agent`` finished a contact of ``queue``; returns the (contact, queue) it takes next."""
        self._active[agent] -= 1
        held = self._held[agent]
        held.remove(queue)
        concurrency = self._concurrency
        self._limit[agent] = min([self._max_contacts[agent], *(concurrency[q] for q in held)])
        self._idle_since[agent] = now_s
        return self._refill(agent)

    def make_available(self, agent: int, now_s: float) -> list[tuple[object, int]]:
        """``agent`` became ready (logged in, back from a break); returns what it takes now."""
        if not self._available[agent]:
            self._available[agent] = True
            self._idle_since[agent] = now_s
        return self._refill(agent)

    def make_unavailable(self, agent: int) -> None:
        """``agent`` stops taking new contacts (break, not ready, logging out); open contacts
        continue."""
        self._available[agent] = False
        self._version[agent] += 1

    # --- what the router tells ---------------------------------------------------------------

    def waiting(self, queue: int) -> int:
        """Contacts waiting in ``queue``."""
        return self._waiting_count[queue]

    def is_waiting(self, contact: object) -> bool:
        return contact in self._waiting

    def open_contacts(self, agent: int) -> int:
        return self._active[agent]

    # --- the rules ---------------------------------------------------------------------------

    def _can_take(self, agent: int, queue: int) -> bool:
        if not self._available[agent]:
            return False
        active = self._active[agent]
        return active == 0 or active < min(self._limit[agent], self._concurrency[queue])

    def _take(self, agent: int, queue: int) -> None:
        self._active[agent] += 1
        self._held[agent].append(queue)
        if self._concurrency[queue] < self._limit[agent]:
            self._limit[agent] = self._concurrency[queue]

    def _advertise(self, agent: int) -> None:
        """Invalidate the agent's old offers and offer it again to every queue it can take."""
        self._version[agent] += 1
        if not self._available[agent]:
            return
        version, active = self._version[agent], self._active[agent]
        if active >= self._limit[agent]:
            return
        idle_since = self._idle_since[agent]
        for queue, level in self._skills[agent]:
            if active and not self._can_take(agent, queue):
                continue
            rank = active - 1000 * level if self._best_skill[queue] else active
            heap = self._offers[queue]
            heapq.heappush(heap, (rank, idle_since, agent, version))
            if len(heap) > self._offer_limit:
                self._compact_offers(queue)

    def _compact_offers(self, queue: int) -> None:
        """Drop stale offers once a heap holds many more entries than there are agents."""
        live = [entry for entry in self._offers[queue] if entry[3] == self._version[entry[2]]]
        heapq.heapify(live)
        self._offers[queue] = live

    def _pop_agent(self, queue: int) -> int | None:
        """The best agent able to take a contact of ``queue`` now, removed from the offers."""
        heap = self._offers[queue]
        version, active = self._version, self._active
        while heap:
            _rank, _idle, agent, agent_version = heapq.heappop(heap)
            if agent_version == version[agent] and (
                (active[agent] == 0 and self._available[agent]) or self._can_take(agent, queue)
            ):
                return agent
        return None

    def _head(self, queue: int) -> tuple[float, int, object] | None:
        """The oldest live contact waiting in ``queue`` (stale entries are dropped)."""
        line = self._lines[queue]
        waiting = self._waiting
        while line:
            entry = line[0]
            place = waiting.get(entry[2])
            if place is not None and place[1] == entry[1]:
                return entry
            heapq.heappop(line)
        return None

    def _refill(self, agent: int) -> list[tuple[object, int]]:
        """Give a freed or newly available agent the best waiting contacts it can take."""
        taken: list[tuple[object, int]] = []
        while self._available[agent]:
            best: tuple[int, int, float, int] | None = None
            best_queue = -1
            for queue, level in self._skills[agent]:
                if not self._waiting_count[queue] or not self._can_take(agent, queue):
                    continue
                head = self._head(queue)
                if head is None:
                    continue
                key = (-level, -self._priority[queue], head[0], head[1])
                if best is None or key < best:
                    best, best_queue = key, queue
            if best is None:
                break
            _key, _seq, contact = heapq.heappop(self._lines[best_queue])
            del self._waiting[contact]
            self._waiting_count[best_queue] -= 1
            self._take(agent, best_queue)
            taken.append((contact, best_queue))
        self._advertise(agent)
        return taken
