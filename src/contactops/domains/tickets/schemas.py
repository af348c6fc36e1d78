"""Shapes of the tickets API."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from contactops.domains.tickets.configuration import CalendarView, Handling, PolicyView
from contactops.domains.tickets.mail import InboundView, MailboxView
from contactops.domains.tickets.presence import PresenceView
from contactops.domains.tickets.views import (
    ActivityView,
    AttachmentView,
    Choice,
    ClockView,
    MessageView,
    TicketSummary,
    TicketView,
)

Channel = Literal["email", "phone", "chat", "web", "social", "letter"]
Priority = Literal["low", "normal", "high", "urgent"]
VersionField = Field(
    description="The ticket's version when you read it: a change from an older view is "
    "refused with 409, so two agents never answer one message twice"
)


class TicketCreate(BaseModel):
    subject: str = Field(max_length=600)
    body: str = Field(max_length=200_000, description="The customer's message")
    channel: Channel = "web"
    ticket_type: str = Field(max_length=64)
    priority: Priority = "normal"
    customer_id: int | None = None
    queue_id: int | None = None
    team_id: int | None = None
    assignee_user_id: int | None = None
    tags: list[str] = Field(default_factory=list, max_length=100)
    custom_fields: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    author_label: str | None = Field(None, max_length=320, description="Who wrote the message")


class ReplyIn(BaseModel):
    body: str = Field(max_length=200_000)
    version: int = VersionField
    internal: bool = Field(False, description="An internal note: not sent, stops no clock")


class CustomerMessageIn(BaseModel):
    body: str = Field(max_length=200_000)
    author_label: str = Field(max_length=320)


class StatusIn(BaseModel):
    status: str = Field(max_length=64)
    version: int = VersionField
    outcome: str | None = Field(None, max_length=64, description="Needed to solve or close")


class AssignIn(BaseModel):
    assignee_user_id: int | None
    team_id: int | None = None
    version: int = VersionField


class EscalateIn(BaseModel):
    tier: int = Field(ge=1, le=3, description="1 first line, 2 second line, 3 back office")
    reason: str = Field(max_length=1000)
    version: int = VersionField


class TicketSummaryOut(BaseModel):
    number: int
    label: str
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
    sla_state: str
    updated_at: datetime

    @classmethod
    def of(cls, summary: TicketSummary) -> TicketSummaryOut:
        return cls(label=f"T-{summary.number}", **asdict(summary))


class MessageOut(BaseModel):
    id: int
    kind: str
    author_label: str
    body: str
    created_at: datetime

    @classmethod
    def of(cls, message: MessageView) -> MessageOut:
        return cls(**asdict(message))


class ActivityOut(BaseModel):
    at: datetime
    actor_label: str
    kind: str
    data: dict[str, Any]

    @classmethod
    def of(cls, activity: ActivityView) -> ActivityOut:
        return cls(**asdict(activity))


class ClockOut(BaseModel):
    target: str
    state: str
    due_at: datetime | None
    business_seconds_left: float | None

    @classmethod
    def of(cls, clock: ClockView) -> ClockOut:
        return cls(**asdict(clock))


class ChoiceOut(BaseModel):
    code: str
    label: str

    @classmethod
    def of(cls, choice: Choice) -> ChoiceOut:
        return cls(code=choice.code, label=choice.label)


class AttachmentOut(BaseModel):
    id: int
    ticket_number: int
    message_id: int | None
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    created_at: datetime

    @classmethod
    def of(cls, view: AttachmentView) -> AttachmentOut:
        return cls(**asdict(view))


class TicketOut(TicketSummaryOut):
    version: int
    outcome: str | None
    outcome_label: str | None
    queue_id: int | None
    tags: list[str]
    custom_fields: dict[str, Any]
    created_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    clocks: list[ClockOut]
    messages: list[MessageOut]
    activities: list[ActivityOut]
    next_statuses: list[ChoiceOut]
    outcomes: list[ChoiceOut]
    handling_model: str
    attachments: list[AttachmentOut]

    @classmethod
    def of_view(cls, view: TicketView) -> TicketOut:
        return cls(
            label=f"T-{view.summary.number}",
            **asdict(view.summary),
            version=view.version,
            outcome=view.outcome,
            outcome_label=view.outcome_label,
            queue_id=view.queue_id,
            tags=view.tags,
            custom_fields=view.custom_fields,
            created_at=view.created_at,
            first_response_at=view.first_response_at,
            resolved_at=view.resolved_at,
            clocks=[ClockOut.of(c) for c in view.clocks],
            messages=[MessageOut.of(m) for m in view.messages],
            activities=[ActivityOut.of(a) for a in view.activities],
            next_statuses=[ChoiceOut.of(c) for c in view.next_statuses],
            outcomes=[ChoiceOut.of(c) for c in view.outcomes],
            handling_model=view.handling_model,
            attachments=[AttachmentOut.of(a) for a in view.attachments],
        )


# --- settings ---------------------------------------------------------------------------------


class StatusDef(BaseModel):
    code: str = Field(max_length=64)
    category: Literal["new", "open", "pending", "solved", "closed"]
    label: str = Field("", max_length=200, description="Empty: the standard label, translated")


class CodeDef(BaseModel):
    code: str = Field(max_length=64)
    label: str = Field("", max_length=200)
    active: bool = True


class WorkflowIO(BaseModel):
    statuses: list[StatusDef] = Field(max_length=50)
    transitions: dict[str, list[str]]
    types: list[CodeDef] = Field(max_length=100)
    outcomes: list[CodeDef] = Field(max_length=100)


class CalendarIn(BaseModel):
    name: str = Field(max_length=400)
    time_zone: str = Field(max_length=64, description="IANA name, e.g. Europe/Oslo")
    weekly_hours: str = Field(
        max_length=4000, description="One rule a line: `mon-fri 08:00-17:00`, `sat 09:00-13:00`"
    )
    holidays: list[date] = Field(default_factory=list, max_length=1000)


class CalendarOut(BaseModel):
    id: int
    code: str
    name: str
    time_zone: str
    weekly_hours: str
    holidays: list[date]

    @classmethod
    def of(cls, view: CalendarView) -> CalendarOut:
        return cls(**asdict(view))


class PolicyIn(BaseModel):
    """Fields left out keep their value; targets are seconds of business time."""

    name: str | None = Field(None, max_length=400)
    position: int | None = Field(None, ge=0, le=100_000)
    ticket_type: str | None = Field(None, max_length=64)
    priority: Priority | None = None
    customer_tier: str | None = Field(None, max_length=32)
    calendar_code: str | None = Field(None, max_length=64)
    first_response_s: int | None = None
    first_response_cutoff_minute: int | None = Field(None, description="e.g. 960 for 16:00")
    first_response_due_minute: int | None = Field(None, description="e.g. 1080 for 18:00")
    next_response_s: int | None = None
    resolution_s: int | None = None
    warn_before_s: int | None = None
    is_active: bool | None = None


class PolicyOut(BaseModel):
    id: int
    code: str
    name: str
    position: int
    ticket_type: str | None
    priority: str | None
    customer_tier: str | None
    calendar_code: str | None
    first_response_s: int | None
    first_response_cutoff_minute: int | None
    first_response_due_minute: int | None
    next_response_s: int | None
    resolution_s: int | None
    warn_before_s: int | None
    is_active: bool

    @classmethod
    def of(cls, view: PolicyView) -> PolicyOut:
        return cls(**asdict(view))


class HandlingIO(BaseModel):
    model: Literal["ownership", "tiered"]
    tier_team_ids: dict[int, int] = Field(
        default_factory=dict, description="Tier (2, 3) → the team that works it"
    )

    @classmethod
    def of(cls, handling: Handling) -> HandlingIO:
        return cls(model=handling.model, tier_team_ids=handling.tier_team_ids)  # type: ignore[arg-type]


# --- presence -----------------------------------------------------------------------------------


class PresenceIn(BaseModel):
    typing: bool = Field(False, description="You typed in the answer within the last seconds")


class ViewerOut(BaseModel):
    user_id: int
    name: str
    typing: bool
    seen_at: datetime


class PresenceOut(BaseModel):
    version: int = Field(
        description="The ticket's version now: higher than your page's means "
        "it changed since you opened it"
    )
    viewers: list[ViewerOut] = Field(description="The other users on the ticket now")

    @classmethod
    def of(cls, view: PresenceView) -> PresenceOut:
        return cls(version=view.version, viewers=[ViewerOut(**asdict(v)) for v in view.viewers])


# --- mailboxes ----------------------------------------------------------------------------------


class MailboxIn(BaseModel):
    """Fields left out keep their value. Passwords are never sent here: name the environment
    variables of the server that hold them."""

    display_name: str | None = Field(None, max_length=200)
    imap_host: str | None = Field(None, max_length=255)
    imap_port: int | None = None
    imap_security: Literal["ssl", "starttls", "none"] | None = None
    imap_username: str | None = Field(None, max_length=320)
    imap_password_env: str | None = Field(None, max_length=100)
    imap_folder: str | None = Field(None, max_length=200)
    processed_folder: str | None = Field(None, max_length=200)
    smtp_host: str | None = Field(None, max_length=255)
    smtp_port: int | None = None
    smtp_security: Literal["ssl", "starttls", "none"] | None = None
    smtp_username: str | None = Field(None, max_length=320)
    smtp_password_env: str | None = Field(None, max_length=100)
    queue_id: int | None = None
    team_id: int | None = None
    ticket_type: str | None = Field(None, max_length=64)
    auto_acknowledge: bool | None = None
    is_active: bool | None = None


class MailboxOut(BaseModel):
    id: int
    address: str
    display_name: str
    imap_host: str
    imap_port: int
    imap_security: str
    imap_username: str
    imap_password_env: str
    imap_folder: str
    processed_folder: str | None
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_username: str | None
    smtp_password_env: str | None
    queue_id: int | None
    team_id: int | None
    ticket_type: str
    auto_acknowledge: bool
    is_active: bool
    last_uid: int
    last_polled_at: datetime | None
    last_error: str | None

    @classmethod
    def of(cls, view: MailboxView) -> MailboxOut:
        return cls(**asdict(view))


class InboundOut(BaseModel):
    id: int
    mailbox_id: int
    received_at: datetime
    from_address: str | None
    subject: str | None
    outcome: str
    reason: str | None
    ticket_id: int | None
    size_bytes: int

    @classmethod
    def of(cls, view: InboundView) -> InboundOut:
        return cls(**asdict(view))
