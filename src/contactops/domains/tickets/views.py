"""What the tickets service answers with: plain values, read once inside the transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class TicketSummary:
    """A row of a ticket list."""

    number: int
    subject: str
    status: str
    status_label: str
    status_category: str
    priority: str
    ticket_type: str
    channel: str
    customer_id: int | None
    customer_label: str | None
    assignee_user_id: int | None
    assignee_label: str | None
    team_id: int | None
    team_label: str | None
    tier: int
    sla_due_at: datetime | None
    sla_state: str  # breached / at_risk / running / paused / none
    updated_at: datetime


@dataclass(frozen=True)
class MessageView:
    id: int
    kind: str  # customer / reply / note
    author_label: str
    body: str
    created_at: datetime


@dataclass(frozen=True)
class ActivityView:
    at: datetime
    actor_label: str
    kind: str
    data: dict[str, Any]


@dataclass(frozen=True)
class ClockView:
    """One SLA target of a ticket as read now."""

    target: str  # first_response / next_response / resolution
    state: str  # running / paused / warning / breached / met
    due_at: datetime | None
    business_seconds_left: float | None


@dataclass(frozen=True)
class Choice:
    code: str
    label: str


@dataclass(frozen=True)
class AttachmentView:
    id: int
    ticket_number: int
    message_id: int | None
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    created_at: datetime


@dataclass(frozen=True)
class TicketView:
    summary: TicketSummary
    version: int
    outcome: str | None
    outcome_label: str | None
    queue_id: int | None
    tags: list[str]
    custom_fields: dict[str, Any]
    created_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    clocks: list[ClockView]
    messages: list[MessageView]
    activities: list[ActivityView]
    next_statuses: list[Choice]
    outcomes: list[Choice]
    handling_model: str
    attachments: list[AttachmentView]


@dataclass(frozen=True)
class ScanResult:
    tickets: int
    warnings: int
    breaches: int
