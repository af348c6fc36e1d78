"""Canonical contact and agent-state events: the single source of truth of ContactOps.

The contact event log is append-only and authoritative. Every connector (PBX logs, CSV imports),
the simulator and the live routing engine emit these events, and every KPI is computed from them
and nothing else — so a number means the same thing on every page, export and test.

Four shapes live here, each as a dataclass (one row at a time) and an Arrow schema (columns,
for the KPI engine and Parquet export):

- a **contact event**: one step in a contact's life (arrived, entered queue, answered, ...);
- an **agent-state event**: an agent entering a state (ready, not ready with a reason, ...);
- a **ticket event**: one step in a ticket's life (opened, first response, escalated, solved,
  SLA breached, ...): tickets are worked over days, so they have a stream of their own and
  their KPIs (:mod:`contactops.engines.kpi.tickets`) never mix into the legs' figures;
- a **leg**: one row per contact per queue visit, derived from the contact events
  (see :mod:`contactops.engines.kpi.legs` for the derivation rules).

Standard ``data`` keys (others are kept as they come):

==================  ===============================================================
event               data
==================  ===============================================================
entered_queue       ``position`` (int, 1 = head of the queue)
offered, offer_missed  ``ring_s`` (float seconds the offer rang)
transferred         ``target`` (queue code, extension or agent), ``kind`` (blind/attended)
overflowed          ``reason`` (empty / key / withdraw / ...), ``target`` where known
ended               ``ended_by`` (customer / agent)
any                 ``source`` (the importer's raw verb), ``ignore`` (true: a record the
                    source marks as virtual; kept in the log, counted as an arrival only)
==================  ===============================================================
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

EventValue = str | int | float | bool | None


class Channel(enum.StrEnum):
    """The medium a contact arrives through."""

    PHONE = "phone"
    CHAT = "chat"
    EMAIL = "email"
    SOCIAL = "social"
    CALLBACK = "callback"


class ContactEventType(enum.StrEnum):
    """One step in a contact's life, from arrival to resolution."""

    ARRIVED = "arrived"
    ENTERED_QUEUE = "entered_queue"
    OFFERED = "offered"  # offered to an agent: the phone rings, the chat alerts
    OFFER_MISSED = "offer_missed"  # the offer was not taken (ring no answer, declined)
    ANSWERED = "answered"
    HOLD = "hold"
    UNHOLD = "unhold"
    TRANSFERRED = "transferred"
    ABANDONED = "abandoned"  # the customer gave up while queued
    TIMED_OUT = "timed_out"  # the queue's maximum wait was reached
    OVERFLOWED = "overflowed"  # routed out of the queue unanswered (no agents, key, withdrawn)
    BLOCKED = "blocked"  # refused at the door: no line, queue full, closed
    ENDED = "ended"  # the conversation ended
    WRAPUP_ENDED = "wrapup_ended"  # the agent finished after-contact work
    RESOLVED = "resolved"  # the agent or the customer marked the matter resolved
    CALLBACK_REQUESTED = "callback_requested"  # left the queue asking to be called back


# Order of events that share a timestamp: a contact's life read from left to right.
LIFECYCLE_ORDER: dict[ContactEventType, int] = {
    event_type: rank for rank, event_type in enumerate(ContactEventType)
}
# Events that end a queue visit without an answer.
UNANSWERED_EXITS = frozenset(
    {
        ContactEventType.ABANDONED,
        ContactEventType.TIMED_OUT,
        ContactEventType.OVERFLOWED,
        ContactEventType.BLOCKED,
        ContactEventType.CALLBACK_REQUESTED,
    }
)


class AgentState(enum.StrEnum):
    """The state an agent enters; an agent is in exactly one state at a time."""

    LOGGED_IN = "logged_in"
    READY = "ready"
    NOT_READY = "not_ready"
    ON_CONTACT = "on_contact"
    WRAPUP = "wrapup"
    BREAK = "break"  # breaks and lunch; ``reason`` says which
    LOGGED_OUT = "logged_out"


class TicketEventType(enum.StrEnum):
    """One step in a ticket's life (work orders answered over hours or days)."""

    OPENED = "opened"
    FIRST_RESPONSE = "first_response"  # the first reply sent to the customer
    REPLIED = "replied"  # a later reply
    CUSTOMER_REPLIED = "customer_replied"
    ASSIGNED = "assigned"  # agent: the new assignee (null: unassigned)
    ESCALATED = "escalated"  # data: from_tier, to_tier, reason
    DE_ESCALATED = "de_escalated"
    PAUSED = "paused"  # waiting for the customer: the SLA clocks stand still
    RESUMED = "resumed"
    RESOLVED = "resolved"  # agent: who solved it; data: outcome
    REOPENED = "reopened"
    CLOSED = "closed"
    SLA_WARNING = "sla_warning"  # data: target (first_response / next_response / resolution)
    SLA_BREACHED = "sla_breached"  # data: target


class LegOutcome(enum.StrEnum):
    """How a queue visit ended."""

    ANSWERED = "answered"
    ABANDONED = "abandoned"
    TIMED_OUT = "timed_out"
    OVERFLOWED = "overflowed"
    BLOCKED = "blocked"
    CALLBACK_REQUESTED = "callback_requested"
    SELF_SERVICE = "self_service"  # ended before reaching a queue or an agent (IVR, bot)
    IGNORED = "ignored"  # a record the source marks as virtual (``data.ignore``)
    OPEN = "open"  # no terminal event yet: still queued or talking when the log ends


def _require_aware(occurred_at: datetime) -> None:
    """Event times are instants: a naive datetime would be read differently in every zone."""
    if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        raise ValueError(
            f"occurred_at must be timezone-aware (UTC), got naive {occurred_at.isoformat()}"
        )


@dataclass(frozen=True, slots=True)
class ContactEvent:
    """One step in a contact's life: ``queue`` and ``agent`` are codes, times are aware UTC."""

    occurred_at: datetime
    contact_id: str
    event_type: ContactEventType
    channel: Channel
    queue: str | None
    agent: str | None
    customer_id: str | None = None
    data: Mapping[str, EventValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _require_aware(self.occurred_at)

    def key(self) -> str:
        """Content key: the same event imported twice has the same key (see :func:`event_key`)."""
        return event_key(
            "c",
            self.occurred_at,
            self.contact_id,
            self.event_type.value,
            self.channel.value,
            self.queue,
            self.agent,
            self.customer_id,
            _canonical_json(self.data),
        )


@dataclass(frozen=True, slots=True)
class AgentStateEvent:
    """An agent entering a state (with a reason code for not-ready and breaks)."""

    occurred_at: datetime
    agent: str
    state: AgentState
    reason: str | None = None
    queue: str | None = None

    def __post_init__(self) -> None:
        _require_aware(self.occurred_at)

    def key(self) -> str:
        """Content key, as for contact events."""
        return event_key(
            "a", self.occurred_at, self.agent, self.state.value, self.reason, self.queue
        )


@dataclass(frozen=True, slots=True)
class TicketEvent:
    """One step in a ticket's life: ``ticket_id`` as people see it (``T-12``), ``queue`` and
    ``agent`` codes (the agent who acted), times aware UTC."""

    occurred_at: datetime
    ticket_id: str
    event_type: TicketEventType
    channel: str
    queue: str | None = None
    agent: str | None = None
    customer_id: str | None = None
    data: Mapping[str, EventValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _require_aware(self.occurred_at)


def _canonical_json(data: Mapping[str, EventValue]) -> str:
    return json.dumps(dict(data), sort_keys=True, separators=(",", ":")) if data else ""


def event_key(*parts: object) -> str:
    """32 hex digits of BLAKE2b over the event's content.

    An event is identified by what it says, not by where it was read: importing a file twice, or
    two rotated log files that overlap, adds each event once. Two byte-identical records are one
    event (a duplicated line), which importers report as a duplicate.
    """
    text = "\x1f".join(
        p.astimezone(UTC).isoformat() if isinstance(p, datetime) else ("" if p is None else str(p))
        for p in parts
    )
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


# --- Arrow schemas: the column form the KPI engine reads and Parquet export writes -------------

TIMESTAMP = pa.timestamp("us", tz="UTC")

CONTACT_EVENT_SCHEMA = pa.schema(
    [
        pa.field("occurred_at", TIMESTAMP, nullable=False),
        pa.field("contact_id", pa.string(), nullable=False),
        pa.field("event_type", pa.string(), nullable=False),
        pa.field("channel", pa.string(), nullable=False),
        pa.field("queue", pa.string()),
        pa.field("agent", pa.string()),
        pa.field("customer_id", pa.string()),
        pa.field("target", pa.string()),  # data.target of transferred / overflowed
        pa.field("ignore", pa.bool_()),  # data.ignore
        pa.field("data", pa.string()),  # the whole data mapping as JSON ("" when empty)
    ]
)

AGENT_STATE_SCHEMA = pa.schema(
    [
        pa.field("occurred_at", TIMESTAMP, nullable=False),
        pa.field("agent", pa.string(), nullable=False),
        pa.field("state", pa.string(), nullable=False),
        pa.field("reason", pa.string()),
        pa.field("queue", pa.string()),
    ]
)

TICKET_EVENT_SCHEMA = pa.schema(
    [
        pa.field("occurred_at", TIMESTAMP, nullable=False),
        pa.field("ticket_id", pa.string(), nullable=False),
        pa.field("event_type", pa.string(), nullable=False),
        pa.field("channel", pa.string(), nullable=False),
        pa.field("queue", pa.string()),
        pa.field("agent", pa.string()),
        pa.field("customer_id", pa.string()),
        pa.field("data", pa.string()),  # the data mapping as JSON ("" when empty)
    ]
)

LEG_SCHEMA = pa.schema(
    [
        pa.field("contact_id", pa.string(), nullable=False),
        pa.field("leg_no", pa.int32(), nullable=False),  # 1, 2, ... per queue visit
        pa.field("legs", pa.int32(), nullable=False),  # queue visits of the whole contact
        pa.field("channel", pa.string(), nullable=False),
        pa.field("customer_id", pa.string()),
        pa.field("queue", pa.string()),
        pa.field("arrived_at", TIMESTAMP, nullable=False),  # the contact's arrival
        pa.field("queued_at", TIMESTAMP),  # this visit's queue entry (null: never queued)
        pa.field("answered_at", TIMESTAMP),
        pa.field("left_queue_at", TIMESTAMP),  # answer or unanswered exit
        pa.field("ended_at", TIMESTAMP),  # conversation end (or hand-off by transfer)
        pa.field("wrapup_ended_at", TIMESTAMP),
        pa.field("agent", pa.string()),  # the agent who answered
        pa.field("offers", pa.int32(), nullable=False),  # times offered to an agent
        pa.field("missed_offers", pa.int32(), nullable=False),
        pa.field("wait_s", pa.float64()),  # queued_at → left_queue_at
        pa.field("talk_s", pa.float64()),  # answered_at → ended_at, minus hold
        pa.field("hold_s", pa.float64()),
        pa.field("wrapup_s", pa.float64()),  # ended_at → wrapup_ended_at
        pa.field("handle_s", pa.float64()),  # talk + hold + wrap-up
        pa.field("outcome", pa.string(), nullable=False),  # LegOutcome
        pa.field("transferred", pa.bool_(), nullable=False),
        pa.field("transfer_target", pa.string()),
        pa.field("resolved", pa.bool_(), nullable=False),  # a RESOLVED event on the contact
    ]
)


def contact_events_table(events: Iterable[ContactEvent]) -> pa.Table:
    """Contact events as an Arrow table of :data:`CONTACT_EVENT_SCHEMA`."""
    columns: dict[str, list[Any]] = {name: [] for name in CONTACT_EVENT_SCHEMA.names}
    for e in events:
        columns["occurred_at"].append(e.occurred_at)
        columns["contact_id"].append(e.contact_id)
        columns["event_type"].append(e.event_type.value)
        columns["channel"].append(e.channel.value)
        columns["queue"].append(e.queue)
        columns["agent"].append(e.agent)
        columns["customer_id"].append(e.customer_id)
        target = e.data.get("target")
        columns["target"].append(None if target is None else str(target))
        columns["ignore"].append(bool(e.data.get("ignore", False)))
        columns["data"].append(_canonical_json(e.data))
    return pa.Table.from_pydict(columns, schema=CONTACT_EVENT_SCHEMA)


def agent_states_table(events: Iterable[AgentStateEvent]) -> pa.Table:
    """Agent-state events as an Arrow table of :data:`AGENT_STATE_SCHEMA`."""
    columns: dict[str, list[Any]] = {name: [] for name in AGENT_STATE_SCHEMA.names}
    for e in events:
        columns["occurred_at"].append(e.occurred_at)
        columns["agent"].append(e.agent)
        columns["state"].append(e.state.value)
        columns["reason"].append(e.reason)
        columns["queue"].append(e.queue)
    return pa.Table.from_pydict(columns, schema=AGENT_STATE_SCHEMA)


def ticket_events_table(events: Iterable[TicketEvent]) -> pa.Table:
    """Ticket events as an Arrow table of :data:`TICKET_EVENT_SCHEMA`."""
    columns: dict[str, list[Any]] = {name: [] for name in TICKET_EVENT_SCHEMA.names}
    for e in events:
        columns["occurred_at"].append(e.occurred_at)
        columns["ticket_id"].append(e.ticket_id)
        columns["event_type"].append(e.event_type.value)
        columns["channel"].append(e.channel)
        columns["queue"].append(e.queue)
        columns["agent"].append(e.agent)
        columns["customer_id"].append(e.customer_id)
        columns["data"].append(_canonical_json(e.data))
    return pa.Table.from_pydict(columns, schema=TICKET_EVENT_SCHEMA)


@dataclass(frozen=True, slots=True)
class IntervalVolume:
    """Per-interval history of one queue, as WFM tools export it (no per-contact detail).

    ``offered`` contacts arrived in [interval_start, interval_start + interval_minutes);
    ``handled`` and ``aht_s`` where the source has them. Forecasting reads this history when
    there is no event log for the period.
    """

    queue: str
    interval_start: datetime
    interval_minutes: int
    offered: int
    handled: int | None = None
    abandoned: int | None = None
    aht_s: float | None = None

    def __post_init__(self) -> None:
        _require_aware(self.interval_start)
        if self.interval_minutes <= 0 or 1440 % self.interval_minutes:
            raise ValueError(f"interval_minutes must divide a day, got {self.interval_minutes}")
        if self.offered < 0:
            raise ValueError(f"offered must be >= 0, got {self.offered}")
