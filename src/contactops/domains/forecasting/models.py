"""The staffing plan: versions, their intervals, and the overrides that made new versions.

A plan version is never changed once written: an override makes the next version (a copy of
the previous one with the override applied and the staffing recomputed), so scheduling can
name exactly the numbers it was built from.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contactops.platform.database import Base, utcnow
from contactops.platform.tenancy import TenantOwned


class StaffingPlan(TenantOwned, Base):
    """One version of the tenant's staffing plan for a range of local days."""

    __tablename__ = "staffing_plan"
    __table_args__ = (UniqueConstraint("tenant_id", "version", name="uq_staffing_plan_version"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    based_on: Mapped[int | None] = mapped_column(Integer)  # the version an override changed
    first_day: Mapped[date] = mapped_column(Date)  # local days of the tenant
    days: Mapped[int] = mapped_column(Integer)
    interval_minutes: Mapped[int] = mapped_column(Integer)
    time_zone: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(32))  # "event_log"
    history_weeks: Mapped[int] = mapped_column(Integer)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # model, level, shrinkage
    models: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # queue -> chosen model
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(Integer)  # user id; null from the CLI


class StaffingPlanInterval(TenantOwned, Base):
    """One queue × interval of a plan version: the forecast and the staffing it needs."""

    __tablename__ = "staffing_plan_interval"
    __table_args__ = (Index("ix_staffing_plan_interval_plan", "plan_id", "queue", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("staffing_plan.id", ondelete="CASCADE"))
    queue: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime]
    forecast_calls: Mapped[float] = mapped_column(Float)  # the model's, before overrides
    calls: Mapped[float] = mapped_column(Float)  # after overrides
    calls_lo: Mapped[float] = mapped_column(Float)
    calls_hi: Mapped[float] = mapped_column(Float)
    aht_s: Mapped[float] = mapped_column(Float)
    required_agents: Mapped[int] = mapped_column(Integer)
    scheduled_agents: Mapped[int] = mapped_column(Integer)


class PlanOverride(TenantOwned, Base):
    """A manager's change to a forecast: calls × (1 + percent/100) over a range of intervals."""

    __tablename__ = "plan_override"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("staffing_plan.id", ondelete="CASCADE"))
    queue: Mapped[str | None] = mapped_column(String(64))  # None: every queue
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    percent: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(Integer)
