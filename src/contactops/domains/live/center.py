"""One tenant's live center in memory: the router of :mod:`contactops.engines.routing` over the
tenant's queues and agents, changed only on the database's live-center thread (see service.py).

The router knows each queue twice: as configured, and "widened" — the same contacts open also
to agents of the queue's overflow skill — so that widening the skill set after N seconds is a
move between two router queues that keeps the contact's place in line. An agent's level for a
queue is its level in the queue's skill (a queue without a skill takes every agent at level 1);
for the widened queue, the better of that and its level in the overflow skill.

The center is derived state. It is rebuilt from the database when the server starts, when the
center's configuration changes (queues, agents, skills, routing settings) and after any failed
transaction, so the database always wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from contactops.engines.routing import (
    AgentSelection,
    OccupancyWindow,
    Router,
    RoutingAgent,
    RoutingQueue,
)

WIDENED_SUFFIX = "~widened"
OCCUPANCY_WINDOW_S = 3600.0


def epoch_s(moment: datetime) -> float:
    return moment.timestamp()


@dataclass(frozen=True)
class QueueSettings:
    """A queue with its routing settings, as the live center uses them."""

    id: int
    code: str
    name: str
    channel: str
    skill_code: str | None
    service_level_target: float
    service_level_threshold_s: int
    priority: int = 0
    head_start_s: float = 0.0
    concurrency: int = 1
    selection: str = AgentSelection.LONGEST_IDLE.value
    opening_hours: dict[str, list[list[str]]] | None = None
    closed_dates: tuple[str, ...] = ()
    max_wait_s: int | None = None
    max_queue_length: int | None = None
    overflow_after_s: int | None = None
    overflow_queue_id: int | None = None
    overflow_skill_code: str | None = None
    callback_offer_after_s: int | None = None
    callback_when_full: bool = True
    ring_timeout_s: int = 20
    wrapup_limit_s: int | None = 120
    sticky_agent: bool = True


@dataclass(frozen=True)
class AgentSettings:
    id: int
    code: str
    display_name: str
    user_id: int | None
    team: str | None
    skills: dict[str, int]  # skill code -> level 1..10
    max_contacts: int = 3
    occupancy_cap: float | None = None


@dataclass
class KeptRows:
    """The stored rows of the center's open contacts and of its agents, kept between
    transactions so that an action need not read them again (``Flow.keep_rows``). The live-center
    thread is the only writer of these rows, so a kept row holds what is stored."""

    contacts: dict[int, Any] = field(default_factory=dict)  # contact id -> LiveContact
    by_public_id: dict[str, int] = field(default_factory=dict)
    by_call: dict[str, int] = field(default_factory=dict)  # the PBX's call id -> contact id
    agents: dict[int, Any] = field(default_factory=dict)  # agent id -> LiveAgent


@dataclass
class LiveCenter:
    """The router of one tenant, with the numbering between database ids and router indexes."""

    tenant_id: int
    queues: dict[int, QueueSettings]
    agents: dict[int, AgentSettings]
    router: Router
    queue_index: dict[tuple[int, bool], int]  # (queue id, widened) -> router queue
    queue_of_index: list[tuple[int, bool]]
    agent_index: dict[int, int]  # agent id -> router agent
    agent_of_index: list[int]
    occupancy: dict[int, OccupancyWindow] = field(default_factory=dict)
    mean_handle_s: dict[int, float] = field(default_factory=dict)  # queue id -> moving mean
    time_zone: str = "UTC"
    # What each agent has in hand: agent id -> {contact id: status} (offered, connected, ...).
    in_hand: dict[int, dict[int, str]] = field(default_factory=dict)
    holder: dict[int, int] = field(default_factory=dict)  # contact id -> agent id
    codes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # reason codes by kind
    presence: dict[int, str] = field(default_factory=dict)  # agent id -> presence (not logged out)
    agent_of_user: dict[int, int] = field(default_factory=dict)  # user id -> agent id
    rows: KeptRows = field(default_factory=KeptRows)

    @classmethod
    def build(
        cls, tenant_id: int, queues: list[QueueSettings], agents: list[AgentSettings]
    ) -> LiveCenter:
        routing_queues: list[RoutingQueue] = []
        queue_of_index: list[tuple[int, bool]] = []
        for queue in queues:
            for widened in (False, True):
                routing_queues.append(
                    RoutingQueue(
                        code=queue.code + (WIDENED_SUFFIX if widened else ""),
                        priority=queue.priority,
                        head_start_s=queue.head_start_s,
                        concurrency=max(1, queue.concurrency),
                        selection=AgentSelection(queue.selection),
                    )
                )
                queue_of_index.append((queue.id, widened))
        routing_agents = [
            RoutingAgent(
                code=agent.code,
                skills=_levels(agent, queues),
                max_contacts=max(1, agent.max_contacts),
            )
            for agent in agents
        ]
        return cls(
            tenant_id=tenant_id,
            queues={q.id: q for q in queues},
            agents={a.id: a for a in agents},
            router=Router(routing_queues, routing_agents),
            queue_index={key: i for i, key in enumerate(queue_of_index)},
            queue_of_index=queue_of_index,
            agent_index={a.id: i for i, a in enumerate(agents)},
            agent_of_index=[a.id for a in agents],
            agent_of_user={a.user_id: a.id for a in agents if a.user_id is not None},
        )

    def rq(self, queue_id: int, widened: bool = False) -> int:
        return self.queue_index[(queue_id, widened)]

    def ra(self, agent_id: int) -> int:
        return self.agent_index[agent_id]

    def occupancy_of(self, agent_id: int) -> OccupancyWindow:
        window = self.occupancy.get(agent_id)
        if window is None:
            window = self.occupancy[agent_id] = OccupancyWindow(OCCUPANCY_WINDOW_S)
        return window

    def hand(self, contact_id: int, agent_id: int | None, status: str | None) -> None:
        """Record that ``contact_id`` is with ``agent_id`` in ``status`` (None: with nobody)."""
        previous = self.holder.pop(contact_id, None)
        if previous is not None:
            self.in_hand.get(previous, {}).pop(contact_id, None)
        if agent_id is not None and status is not None:
            self.holder[contact_id] = agent_id
            self.in_hand.setdefault(agent_id, {})[contact_id] = status

    def statuses_of(self, agent_id: int) -> set[str]:
        return set(self.in_hand.get(agent_id, {}).values())

    def observe_handle(self, queue_id: int, handle_s: float) -> None:
        """Exponential moving mean of handle time per queue (weight 0.1 on the newest)."""
        previous = self.mean_handle_s.get(queue_id)
        self.mean_handle_s[queue_id] = (
            handle_s if previous is None else 0.9 * previous + 0.1 * handle_s
        )


def _levels(agent: AgentSettings, queues: list[QueueSettings]) -> dict[str, int]:
    """Router skills of an agent: its level for each queue and widened queue it may take."""
    levels: dict[str, int] = {}
    for queue in queues:
        level = 1 if queue.skill_code is None else agent.skills.get(queue.skill_code, 0)
        if level:
            levels[queue.code] = level
        if queue.overflow_skill_code is not None:
            level = max(level, agent.skills.get(queue.overflow_skill_code, 0))
        if level:
            levels[queue.code + WIDENED_SUFFIX] = level
    return levels
