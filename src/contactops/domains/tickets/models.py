"""Tickets (work orders) with their messages and history, business-hours calendars, SLA
policies and each tenant's ticket workflow.

A ticket's SLA deadlines are computed when it changes (see :mod:`.sla`) and stored on the row,
so the views that sort by urgency and the scan that raises warnings and breaches read indexed
columns instead of evaluating a calendar per ticket.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from contactops.platform.database import Base, utcnow
from contactops.platform.tenancy import TenantOwned

TICKET_CHANNELS = ("email", "phone", "chat", "web", "social", "letter")
PRIORITIES = ("low", "normal", "high", "urgent")

# What a status means to the SLA clocks and the views; a tenant's statuses each have one.
NEW, OPEN, PENDING, SOLVED, CLOSED = "new", "open", "pending", "solved", "closed"
STATUS_CATEGORIES = (NEW, OPEN, PENDING, SOLVED, CLOSED)
ACTIVE_CATEGORIES = (NEW, OPEN, PENDING)  # the ticket still needs work
PAUSING_CATEGORIES = (PENDING,)  # waiting for the customer: the SLA clocks stand still
DONE_CATEGORIES = (SOLVED, CLOSED)

# Message kinds: what the customer wrote, what an agent sent the customer, internal notes,
# and what the system sent by itself (the acknowledgement of a new e-mail ticket).
CUSTOMER, REPLY, NOTE, AUTO = "customer", "reply", "note", "auto"
MESSAGE_KINDS = (CUSTOMER, REPLY, NOTE, AUTO)

# Delivery of a message sent by e-mail: waiting in the outbox, sent, or given up.
PENDING_DELIVERY, SENT, FAILED = "pending", "sent", "failed"

# How a queue's tickets are handled.
OWNERSHIP, TIERED = "ownership", "tiered"
HANDLING_MODELS = (OWNERSHIP, TIERED)
TIERS = (1, 2, 3)  # first line, second line, back office


class BusinessCalendar(TenantOwned, Base):
    """Opening hours in a time zone, as text lines (``mon-fri 08:00-17:00``), and holidays."""

    __tablename__ = "business_calendar"
    __audited__ = True
    __table_args__ = (UniqueConstraint("tenant_id", "code", name="uq_business_calendar_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64))
    weekly_hours: Mapped[str] = mapped_column(Text)
    holidays: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO dates, local


class SlaPolicy(TenantOwned, Base):
    """Targets for the tickets it matches; the matching policy with the lowest ``position``
    applies. Empty match fields match anything. Targets are business seconds, or for the
    first response a cut-off rule (received before ``cutoff`` → due at ``due`` that day)."""

    __tablename__ = "sla_policy"
    __audited__ = True
    __table_args__ = (UniqueConstraint("tenant_id", "code", name="uq_sla_policy_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=100)
    ticket_type: Mapped[str | None] = mapped_column(String(64))
    priority: Mapped[str | None] = mapped_column(String(16))
    customer_tier: Mapped[str | None] = mapped_column(String(32))
    calendar_id: Mapped[int | None] = mapped_column(
        ForeignKey("business_calendar.id", ondelete="RESTRICT")
    )
    first_response_s: Mapped[int | None] = mapped_column(Integer)
    first_response_cutoff_minute: Mapped[int | None] = mapped_column(Integer)
    first_response_due_minute: Mapped[int | None] = mapped_column(Integer)
    next_response_s: Mapped[int | None] = mapped_column(Integer)
    resolution_s: Mapped[int | None] = mapped_column(Integer)
    warn_before_s: Mapped[int | None] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class TicketWorkflow(TenantOwned, Base):
    """A tenant's own statuses, transitions, types and outcome codes; a tenant without a row
    works with the standard workflow (:mod:`.workflow`)."""

    __tablename__ = "ticket_workflow"
    __audited__ = True
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_ticket_workflow_tenant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statuses: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    transitions: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    types: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    outcomes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class TicketQueueHandling(TenantOwned, Base):
    """How a queue's tickets are handled: ``ownership`` (the first agent keeps the case to the
    end) or ``tiered`` (first line → second line → back office, each with its team)."""

    __tablename__ = "ticket_queue_handling"
    __audited__ = True
    __table_args__ = (UniqueConstraint("tenant_id", "queue_id", name="uq_ticket_queue_handling"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queue.id", ondelete="CASCADE"))
    model: Mapped[str] = mapped_column(String(16), default=TIERED)
    tier_team_ids: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # "2" → team id


class TicketCounter(TenantOwned, Base):
    """The last ticket number a tenant gave out: numbers count 1, 2, 3... per tenant."""

    __tablename__ = "ticket_counter"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_ticket_counter_tenant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Ticket(TenantOwned, Base):
    """A case that is not answered in one sitting: a complaint, an e-mail, an after-sales case.

    ``version`` grows with every change; a change made from an older view is refused
    (optimistic concurrency), so two agents never send two different answers to one message.
    """

    __tablename__ = "ticket"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number", name="uq_ticket_number"),
        # Views by urgency: ``sla_due_at`` is set only while a clock runs, so a range of it
        # holds just the tickets that still need an answer.
        Index("ix_ticket_team_due", "tenant_id", "team_id", "sla_due_at"),
        Index("ix_ticket_assignee_due", "tenant_id", "assignee_user_id", "sla_due_at"),
        Index("ix_ticket_due", "tenant_id", "sla_due_at"),
        Index("ix_ticket_active", "tenant_id", "status_category", "updated_at"),
        Index("ix_ticket_customer", "tenant_id", "customer_id"),
        # The SLA scan: the next warning or deadline of every ticket, across tenants.
        Index("ix_ticket_sla_check", "sla_check_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(300))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(16))
    ticket_type: Mapped[str] = mapped_column(String(64))
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    status: Mapped[str] = mapped_column(String(64))
    status_category: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(64))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queue.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"))
    assignee_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    first_assignee_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    tier: Mapped[int] = mapped_column(Integer, default=1)
    # E-mail tickets: the mailbox that answers, and the customer's address replies go to.
    mailbox_id: Mapped[int | None] = mapped_column(ForeignKey("mailbox.id", ondelete="SET NULL"))
    customer_address: Mapped[str | None] = mapped_column(String(320))
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    custom_fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_response_at: Mapped[datetime | None]
    awaiting_reply_since: Mapped[datetime | None]  # the customer's oldest unanswered message
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # SLA: the policy, the pauses so far, the deadlines of the clocks, and what was raised.
    sla_policy_id: Mapped[int | None] = mapped_column(
        ForeignKey("sla_policy.id", ondelete="SET NULL")
    )
    sla_pauses: Mapped[list[list[str | None]]] = mapped_column(JSON, default=list)
    first_response_due_at: Mapped[datetime | None]
    next_response_due_at: Mapped[datetime | None]
    resolution_due_at: Mapped[datetime | None]
    sla_due_at: Mapped[datetime | None]  # the earliest deadline still running: the urgency
    sla_check_at: Mapped[datetime | None]  # the next warning or deadline the scan must raise
    sla_marks: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # target → warned/...
    sla_breached: Mapped[bool] = mapped_column(Boolean, default=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - read by the mapper


class TicketMessage(TenantOwned, Base):
    """What the customer wrote, a reply sent to the customer, or an internal note."""

    __tablename__ = "ticket_message"
    __table_args__ = (
        Index("ix_ticket_message_ticket", "ticket_id", "id"),
        UniqueConstraint("tenant_id", "email_message_id", name="uq_ticket_message_email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    author_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    author_label: Mapped[str] = mapped_column(String(320))
    body: Mapped[str] = mapped_column(Text)
    email_message_id: Mapped[str | None] = mapped_column(String(998))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # For messages sent by e-mail: the outbox (sent after the transaction that wrote them).
    mailbox_id: Mapped[int | None] = mapped_column(ForeignKey("mailbox.id", ondelete="SET NULL"))
    to_address: Mapped[str | None] = mapped_column(String(320))
    delivery: Mapped[str | None] = mapped_column(String(16), index=True)
    delivery_attempts: Mapped[int] = mapped_column(Integer, default=0)
    delivery_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]


class TicketActivity(TenantOwned, Base):
    """One line of a ticket's history: created, status changed, assigned, escalated, SLA
    warning or breach... with what changed in ``data``."""

    __tablename__ = "ticket_activity"
    __table_args__ = (Index("ix_ticket_activity_ticket", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    actor_label: Mapped[str] = mapped_column(String(320))
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Mailbox(TenantOwned, Base):
    """A support address: read over IMAP into tickets, answered over SMTP.

    Passwords are not stored: ``*_password_env`` names the environment variable that holds
    each, so a database copy never carries mailbox credentials."""

    __tablename__ = "mailbox"
    __audited__ = True
    __audit_ignored__ = frozenset(
        {"uid_validity", "last_uid", "last_polled_at", "last_error", "updated_at"}
    )
    __table_args__ = (UniqueConstraint("tenant_id", "address", name="uq_mailbox_address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(320))
    display_name: Mapped[str] = mapped_column(String(200))
    imap_host: Mapped[str] = mapped_column(String(255))
    imap_port: Mapped[int] = mapped_column(Integer, default=993)
    imap_security: Mapped[str] = mapped_column(String(16), default="ssl")
    imap_username: Mapped[str] = mapped_column(String(320))
    imap_password_env: Mapped[str] = mapped_column(String(100))
    imap_folder: Mapped[str] = mapped_column(String(200), default="INBOX")
    processed_folder: Mapped[str | None] = mapped_column(String(200))
    smtp_host: Mapped[str] = mapped_column(String(255))
    smtp_port: Mapped[int] = mapped_column(Integer, default=587)
    smtp_security: Mapped[str] = mapped_column(String(16), default="starttls")
    smtp_username: Mapped[str | None] = mapped_column(String(320))
    smtp_password_env: Mapped[str | None] = mapped_column(String(100))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queue.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"))
    ticket_type: Mapped[str] = mapped_column(String(64), default="email")
    auto_acknowledge: Mapped[bool] = mapped_column(Boolean, default=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # IMAP UIDs and UIDVALIDITY are 32-bit unsigned: beyond PostgreSQL's integer.
    uid_validity: Mapped[int | None] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    last_polled_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundMail(TenantOwned, Base):
    """Every message read from a mailbox and what became of it: a new ticket, a message added
    to a ticket, a duplicate, or refused with the reason (the raw message kept, so nothing
    read is ever lost)."""

    __tablename__ = "inbound_mail"
    __table_args__ = (
        Index("ix_inbound_mail_mailbox", "mailbox_id", "id"),
        Index("ix_inbound_mail_message_id", "tenant_id", "message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailbox.id", ondelete="CASCADE"))
    uid: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[str | None] = mapped_column(String(998))
    from_address: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str | None] = mapped_column(String(300))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16))  # opened / appended / duplicate / refused
    reason: Mapped[str | None] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"))
    size_bytes: Mapped[int] = mapped_column(Integer)
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)  # kept for refused messages


class TicketViewer(TenantOwned, Base):
    """Who has a ticket open right now, and whether they are typing: refreshed by their page
    every few seconds, forgotten when it stops."""

    __tablename__ = "ticket_viewer"
    __table_args__ = (UniqueConstraint("ticket_id", "user_id", name="uq_ticket_viewer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    typing: Mapped[bool] = mapped_column(Boolean, default=False)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class TicketAttachment(TenantOwned, Base):
    """A file of a ticket: uploaded by an agent or received with an e-mail. The bytes live in
    the attachment store (:mod:`contactops.platform.storage`) under ``storage_key``."""

    __tablename__ = "ticket_attachment"
    __table_args__ = (Index("ix_ticket_attachment_ticket", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket_message.id", ondelete="SET NULL")
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255))
    uploaded_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
