"""Canonical contact and agent-state events: the single source of truth of ContactOps.

The contact event log is append-only and authoritative. Every connector (PBX logs, CSV imports),
the simulator and the live routing engine emit these events, and every KPI is computed from them
and nothing else — so a number means the same thing on every page, export and test.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

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
    OFFERED = "offered"
    ANSWERED = "answered"
    HOLD = "hold"
    UNHOLD = "unhold"
    TRANSFERRED = "transferred"
    ABANDONED = "abandoned"
    TIMED_OUT = "timed_out"
    OVERFLOWED = "overflowed"
    BLOCKED = "blocked"
    ENDED = "ended"
    WRAPUP_ENDED = "wrapup_ended"
    RESOLVED = "resolved"
    CALLBACK_REQUESTED = "callback_requested"


class AgentState(enum.StrEnum):
    """The state an agent enters; an agent is in exactly one state at a time."""

    LOGGED_IN = "logged_in"
    READY = "ready"
    NOT_READY = "not_ready"
    ON_CONTACT = "on_contact"
    WRAPUP = "wrapup"
    BREAK = "break"
    LOGGED_OUT = "logged_out"


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
