"""The live center as stored: how each queue routes, each agent's routing limits and state, the
contacts in progress, chat messages and the codes agents pick.

The database is the live center's memory: the in-process router is rebuilt from these rows
when the server starts, so a restart loses no waiting contact and no agent's state. Every
change here is written in the same transaction as the canonical events that tell it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from contactops.platform.database import Base, utcnow
from contactops.platform.tenancy import TenantOwned

# A contact's status while it is in the center.
SCHEDULED = "scheduled"  # a callback waiting for its time
WAITING = "waiting"  # in a queue
OFFERED = "offered"  # ringing at / alerting an agent
CONNECTED = "connected"  # talking or chatting with the agent
HELD = "held"  # on hold by the agent
WRAPUP = "wrapup"  # the conversation ended, the agent is doing after-contact work
ENDED = "ended"
WITH_AGENT = (OFFERED, CONNECTED, HELD, WRAPUP)

# How a contact ended; every contact that arrived ends in exactly one.
ANSWERED = "answered"
ABANDONED = "abandoned"
CALLBACK = "callback"  # left the line asking to be called back; the callback is a new contact
BLOCKED = "blocked"
TIMED_OUT = "timed_out"
OUTCOMES = (ANSWERED, ABANDONED, CALLBACK, BLOCKED, TIMED_OUT)

# An agent's presence, which the agent chooses; offers, contacts and wrap-up come on top.
LOGGED_OUT = "logged_out"
READY = "ready"
NOT_READY = "not_ready"
BREAK = "break"
PRESENCES = (LOGGED_OUT, READY, NOT_READY, BREAK)

# Reason-code kinds.
NOT_READY_REASON = "not_ready"
WRAPUP_CODE = "wrapup"
REASON_KINDS = (NOT_READY_REASON, WRAPUP_CODE)


class QueueRouting(TenantOwned, Base):
    """How the live center routes one queue (one row per queue; defaults when missing)."""

    __tablename__ = "queue_routing"
    __audited__ = True
    __table_args__ = (UniqueConstraint("tenant_id", "queue_id", name="uq_queue_routing_queue"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queue.id", ondelete="CASCADE"))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    head_start_s: Mapped[float] = mapped_column(Float, default=0.0)
    concurrency: Mapped[int] = mapped_column(Integer, default=1)
    selection: Mapped[str] = mapped_column(String(16), default="longest_idle")
    # {"mon": [["08:00", "20:00"]], ...} in the tenant's zone; null: always open.
    opening_hours: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    closed_dates: Mapped[list[str]] = mapped_column(JSON, default=list)  # local YYYY-MM-DD
    max_wait_s: Mapped[int | None] = mapped_column(Integer)
    max_queue_length: Mapped[int | None] = mapped_column(Integer)
    overflow_after_s: Mapped[int | None] = mapped_column(Integer)
    overflow_queue_id: Mapped[int | None] = mapped_column(
        ForeignKey("queue.id", ondelete="SET NULL")
    )
    overflow_skill_code: Mapped[str | None] = mapped_column(String(64))  # widen to this skill
    callback_offer_after_s: Mapped[int | None] = mapped_column(Integer)
    callback_when_full: Mapped[bool] = mapped_column(Boolean, default=True)
    ring_timeout_s: Mapped[int] = mapped_column(Integer, default=20)
    wrapup_limit_s: Mapped[int | None] = mapped_column(Integer, default=120)
    sticky_agent: Mapped[bool] = mapped_column(Boolean, default=True)


class AgentRouting(TenantOwned, Base):
    """An agent's routing limits: contacts at once across chat queues, occupancy cap."""

    __tablename__ = "agent_routing"
    __audited__ = True
    __table_args__ = (UniqueConstraint("tenant_id", "agent_id", name="uq_agent_routing_agent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"))
    max_contacts: Mapped[int] = mapped_column(Integer, default=3)
    occupancy_cap: Mapped[float | None] = mapped_column(Float)


class ReasonCode(TenantOwned, Base):
    """A not-ready reason or a wrap-up (disposition) code agents pick from."""

    __tablename__ = "reason_code"
    __audited__ = True
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "code", name="uq_reason_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class LiveAgent(TenantOwned, Base):
    """An agent's live state: presence chosen by the agent, when it began, when last idle."""

    __tablename__ = "live_agent"
    __table_args__ = (UniqueConstraint("tenant_id", "agent_id", name="uq_live_agent_agent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"))
    presence: Mapped[str] = mapped_column(String(16), default=LOGGED_OUT)
    reason: Mapped[str | None] = mapped_column(String(32))
    presence_since: Mapped[datetime] = mapped_column(default=utcnow)
    logged_in_at: Mapped[datetime | None]
    idle_since: Mapped[datetime | None]  # the end of the last contact, or becoming ready
    activity: Mapped[str] = mapped_column(String(16), default=LOGGED_OUT)  # the logged state
    activity_reason: Mapped[str | None] = mapped_column(String(32))
    activity_since: Mapped[datetime] = mapped_column(default=utcnow)
    rest_until: Mapped[datetime | None]  # held back by the occupancy cap until then


class LiveContact(TenantOwned, Base):
    """A contact in the center, from arrival to its outcome and the end of its wrap-up."""

    __tablename__ = "live_contact"
    __table_args__ = (
        UniqueConstraint("tenant_id", "public_id", name="uq_live_contact_public_id"),
        UniqueConstraint("tenant_id", "external_ref", name="uq_live_contact_external_ref"),
        Index("ix_live_contact_tenant_status", "tenant_id", "status"),
        Index("ix_live_contact_tenant_deadline", "tenant_id", "deadline_at"),
        Index("ix_live_contact_tenant_stale", "tenant_id", "legs_stale"),
        Index("ix_live_contact_tenant_customer", "tenant_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36))  # contact_id in the event log
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(16))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queue.id", ondelete="SET NULL"))
    widened: Mapped[bool] = mapped_column(Boolean, default=False)  # overflow widened the skills
    customer_id: Mapped[int | None] = mapped_column(Integer)  # the customers domain's id
    customer_label: Mapped[str | None] = mapped_column(String(200))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id", ondelete="SET NULL"))
    preferred_agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("agent.id", ondelete="SET NULL")
    )
    arrived_at: Mapped[datetime]
    queued_at: Mapped[datetime | None]  # entered its current queue
    routed_at: Mapped[datetime | None]  # its place in line: kept through overflow and callback
    offered_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]  # wrap-up done: the agent is free of it
    held_since: Mapped[datetime | None]
    deadline_at: Mapped[datetime | None]  # the next timer: ring, wrap-up, wait, callback time
    external_ref: Mapped[str | None] = mapped_column(String(128))  # the PBX's call id
    caller: Mapped[str | None] = mapped_column(String(64))  # the number or address it came from
    callback_of: Mapped[str | None] = mapped_column(String(36))  # public id of the original
    callback_number: Mapped[str | None] = mapped_column(String(64))
    callback_at: Mapped[datetime | None]
    chat_token_hash: Mapped[str | None] = mapped_column(String(64))
    wrapup_code: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    legs_stale: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChatMessage(TenantOwned, Base):
    """One message of a chat, from the customer, an agent or the system."""

    __tablename__ = "chat_message"
    __table_args__ = (Index("ix_chat_message_contact", "tenant_id", "contact_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("live_contact.id", ondelete="CASCADE"))
    sender: Mapped[str] = mapped_column(String(16))  # customer / agent / system
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
