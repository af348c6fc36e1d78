"""Shift schedules: templates and contracts they are built from, versions (draft → published →
superseded), each agent's shifts and the activities inside them, agents' requests, and the
handover notes one shift leaves for the next.

Times are stored in UTC; ``day`` is the tenant's local day a shift starts on (a shift that ends
after midnight belongs to the day it starts).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contactops.platform.database import Base, utcnow
from contactops.platform.tenancy import TenantOwned

DRAFT, PUBLISHED, SUPERSEDED = "draft", "published", "superseded"
WORK, TIME_OFF = "work", "time_off"
# Activities inside a shift; the rest of the shift is on-queue work.
ACTIVITY_KINDS = ("break", "lunch", "meeting", "training", "offline")
SWAP, TIME_OFF_REQUEST = "swap", "time_off"
PENDING_PEER, PENDING, APPROVED, REJECTED, CANCELLED = (
    "pending_peer",
    "pending",
    "approved",
    "rejected",
    "cancelled",
)


class ShiftTemplateRecord(TenantOwned, Base):
    """A kind of shift the center works: allowed local start times, length, breaks, cost."""

    __tablename__ = "shift_template"
    __table_args__ = (UniqueConstraint("tenant_id", "code", name="uq_shift_template_code"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    start_minutes: Mapped[list[int]] = mapped_column(JSON)  # local minutes after midnight
    length_minutes: Mapped[int] = mapped_column(Integer)
    # [{"length_minutes", "earliest_start_minutes", "latest_start_minutes", "paid"}]
    breaks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    cost_per_hour: Mapped[float] = mapped_column(Float, default=0.0)
    is_active: Mapped[bool] = mapped_column(default=True)


class AgentContract(TenantOwned, Base):
    """What an agent's contract allows: weekly paid hours, fixed weekdays off, shift kinds."""

    __tablename__ = "agent_contract"
    __table_args__ = (UniqueConstraint("agent_id", name="uq_agent_contract_agent"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"))
    min_hours_per_week: Mapped[float] = mapped_column(Float, default=0.0)
    max_hours_per_week: Mapped[float | None] = mapped_column(Float)
    weekdays_off: Mapped[list[int]] = mapped_column(JSON, default=list)  # 0 = Monday
    templates: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every template


class ScheduleVersion(TenantOwned, Base):
    """One version of the schedule of a range of local days."""

    __tablename__ = "schedule"
    __table_args__ = (UniqueConstraint("tenant_id", "version", name="uq_schedule_version"),)
    __audited__ = True
    __audit_ignored__ = ("problem", "result")  # large, and fixed once written

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=DRAFT)
    first_day: Mapped[date] = mapped_column(Date)
    days: Mapped[int] = mapped_column(Integer)
    interval_minutes: Mapped[int] = mapped_column(Integer)
    time_zone: Mapped[str] = mapped_column(String(64))
    plan_version: Mapped[int | None] = mapped_column(Integer)  # the staffing plan it covers
    based_on: Mapped[int | None] = mapped_column(Integer)  # the version it was copied from
    note: Mapped[str] = mapped_column(String(500), default="")
    problem: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # engine input
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # solver figures
    revision: Mapped[int] = mapped_column(Integer, default=0)  # edits since creation
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(Integer)
    published_at: Mapped[datetime | None]
    published_by: Mapped[int | None] = mapped_column(Integer)


class ScheduleShift(TenantOwned, Base):
    """An agent's shift (or a whole day of approved time off) in a schedule version."""

    __tablename__ = "schedule_shift"
    __table_args__ = (
        Index("ix_schedule_shift_schedule_day", "schedule_id", "day"),
        Index("ix_schedule_shift_agent_start", "agent_id", "starts_at"),
    )
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedule.id", ondelete="CASCADE"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16), default=WORK)
    template: Mapped[str] = mapped_column(String(32), default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    paid_minutes: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(String(500), default="")

    activities: Mapped[list[ShiftActivity]] = relationship(
        cascade="all, delete-orphan", order_by="ShiftActivity.starts_at"
    )


class ShiftActivity(TenantOwned, Base):
    """A break, lunch, meeting, training or off-queue task inside a shift."""

    __tablename__ = "schedule_activity"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(
        ForeignKey("schedule_shift.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]


class ScheduleRequest(TenantOwned, Base):
    """An agent's request: swap a shift with a colleague, or a day off; a supervisor decides."""

    __tablename__ = "schedule_request"
    __table_args__ = (Index("ix_schedule_request_status", "tenant_id", "status"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"))
    shift_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedule_shift.id", ondelete="SET NULL")
    )
    other_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"))
    other_shift_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedule_shift.id", ondelete="SET NULL")
    )
    day: Mapped[date | None] = mapped_column(Date)  # time off
    reason: Mapped[str] = mapped_column(String(500), default="")
    peer_answered_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(Integer)


class HandoverNote(TenantOwned, Base):
    """A note one shift leaves for the agents whose shifts start in [for_from, for_to)."""

    __tablename__ = "handover_note"
    __table_args__ = (Index("ix_handover_note_window", "tenant_id", "for_from"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    author_user_id: Mapped[int | None] = mapped_column(Integer)
    author_name: Mapped[str] = mapped_column(String(200))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"))
    for_from: Mapped[datetime]
    for_to: Mapped[datetime]
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class HandoverAck(TenantOwned, Base):
    """An agent has read a handover note."""

    __tablename__ = "handover_ack"
    __table_args__ = (UniqueConstraint("note_id", "agent_id", name="uq_handover_ack"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("handover_note.id", ondelete="CASCADE"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("agent.id", ondelete="CASCADE"))
    acknowledged_at: Mapped[datetime] = mapped_column(default=utcnow)
