"""The contact event log as stored: append-only canonical events and the legs derived from them.

Schemas of the events themselves live in :mod:`contactops.engines.events`. Each event carries its
content key (``event_key``): a unique index on (tenant, key) makes every import idempotent.
Legs are derived data: rebuilt from the events of a contact whenever new events arrive for it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contactops.platform.database import Base
from contactops.platform.tenancy import TenantOwned

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key.
EventId = BigInteger().with_variant(Integer(), "sqlite")


class ContactEventRecord(TenantOwned, Base):
    __tablename__ = "contact_event"
    __table_args__ = (
        Index("ix_contact_event_tenant_time", "tenant_id", "occurred_at"),
        Index("ix_contact_event_tenant_contact", "tenant_id", "contact_id"),
        UniqueConstraint("tenant_id", "event_key", name="uq_contact_event_tenant_key"),
    )

    id: Mapped[int] = mapped_column(EventId, primary_key=True)
    event_key: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime]
    contact_id: Mapped[str] = mapped_column(String(128))
    event_type: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    queue: Mapped[str | None] = mapped_column(String(64))
    agent: Mapped[str | None] = mapped_column(String(64))
    customer_id: Mapped[str | None] = mapped_column(String(128))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    import_run_id: Mapped[int | None] = mapped_column(Integer)  # provenance; null: live/demo


class AgentStateRecord(TenantOwned, Base):
    __tablename__ = "agent_state_event"
    __table_args__ = (
        Index("ix_agent_state_event_tenant_time", "tenant_id", "occurred_at"),
        Index("ix_agent_state_event_tenant_agent", "tenant_id", "agent"),
        UniqueConstraint("tenant_id", "event_key", name="uq_agent_state_event_tenant_key"),
    )

    id: Mapped[int] = mapped_column(EventId, primary_key=True)
    event_key: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime]
    agent: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(64))
    queue: Mapped[str | None] = mapped_column(String(64))
    import_run_id: Mapped[int | None] = mapped_column(Integer)


class TicketEventRecord(TenantOwned, Base):
    """One step in a ticket's life (see ``engines.events.TicketEvent``); append-only."""

    __tablename__ = "ticket_event"
    __table_args__ = (
        Index("ix_ticket_event_tenant_time", "tenant_id", "occurred_at"),
        Index("ix_ticket_event_tenant_ticket", "tenant_id", "ticket_id"),
    )

    id: Mapped[int] = mapped_column(EventId, primary_key=True)
    occurred_at: Mapped[datetime]
    ticket_id: Mapped[str] = mapped_column(String(32))
    event_type: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    queue: Mapped[str | None] = mapped_column(String(64))
    agent: Mapped[str | None] = mapped_column(String(64))
    customer_id: Mapped[str | None] = mapped_column(String(128))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ContactLegRecord(TenantOwned, Base):
    """One row per contact per queue visit; columns as :data:`engines.events.LEG_SCHEMA`."""

    __tablename__ = "contact_leg"
    __table_args__ = (
        UniqueConstraint("tenant_id", "contact_id", "leg_no", name="uq_contact_leg_contact"),
        Index("ix_contact_leg_tenant_arrived", "tenant_id", "arrived_at"),
        Index("ix_contact_leg_tenant_customer", "tenant_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(EventId, primary_key=True)
    contact_id: Mapped[str] = mapped_column(String(128))
    leg_no: Mapped[int]
    legs: Mapped[int]
    channel: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str | None] = mapped_column(String(128))
    queue: Mapped[str | None] = mapped_column(String(64))
    arrived_at: Mapped[datetime]
    queued_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    left_queue_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    wrapup_ended_at: Mapped[datetime | None]
    agent: Mapped[str | None] = mapped_column(String(64))
    offers: Mapped[int]
    missed_offers: Mapped[int]
    wait_s: Mapped[float | None] = mapped_column(Float)
    talk_s: Mapped[float | None] = mapped_column(Float)
    hold_s: Mapped[float | None] = mapped_column(Float)
    wrapup_s: Mapped[float | None] = mapped_column(Float)
    handle_s: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(24))
    transferred: Mapped[bool] = mapped_column(Boolean)
    transfer_target: Mapped[str | None] = mapped_column(String(128))
    resolved: Mapped[bool] = mapped_column(Boolean)


class IntervalVolumeRecord(TenantOwned, Base):
    """Per-interval history imported without contact detail (WFM exports)."""

    __tablename__ = "interval_volume"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id",
            "queue",
            "interval_start",
            "interval_minutes",
            name="uq_interval_volume_interval",
        ),
    )

    id: Mapped[int] = mapped_column(EventId, primary_key=True)
    queue: Mapped[str] = mapped_column(String(64))
    interval_start: Mapped[datetime]
    interval_minutes: Mapped[int]
    offered: Mapped[int]
    handled: Mapped[int | None]
    abandoned: Mapped[int | None]
    aht_s: Mapped[float | None] = mapped_column(Float)
    import_run_id: Mapped[int | None] = mapped_column(Integer)
