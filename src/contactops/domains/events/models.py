"""The contact event log as stored: append-only rows of canonical events, per tenant.

Schemas of the events themselves live in :mod:`contactops.engines.events`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String
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
    )

    id: Mapped[int] = mapped_column(EventId, primary_key=True)
    occurred_at: Mapped[datetime]
    contact_id: Mapped[str] = mapped_column(String(128))
    event_type: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    queue: Mapped[str | None] = mapped_column(String(64))
    agent: Mapped[str | None] = mapped_column(String(64))
    customer_id: Mapped[str | None] = mapped_column(String(128))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class AgentStateRecord(TenantOwned, Base):
    __tablename__ = "agent_state_event"
    __table_args__ = (
        Index("ix_agent_state_event_tenant_time", "tenant_id", "occurred_at"),
        Index("ix_agent_state_event_tenant_agent", "tenant_id", "agent"),
    )

    id: Mapped[int] = mapped_column(EventId, primary_key=True)
    occurred_at: Mapped[datetime]
    agent: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(64))
    queue: Mapped[str | None] = mapped_column(String(64))
