"""REST request bodies of the scheduling domain (responses are the service's views)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class BuildRequest(BaseModel):
    plan_version: int | None = Field(None, description="Staffing plan version (default latest)")
    first_day: date | None = Field(None, description="First local day (default the plan's)")
    days: int | None = Field(None, ge=1, le=28, description="Days (default the plan's)")
    rules: dict[str, Any] | None = Field(None, description="Labour rules (docs/scheduling.md)")
    time_limit_s: float = Field(20.0, gt=0, le=600)
    seed: int = 0
    note: str = Field("", max_length=500)


class ShiftRequest(BaseModel):
    agent: str = Field(..., description="Agent code")
    day: date = Field(..., description="Local day the shift starts")
    start: str = Field(..., description="Local start, HH:MM")
    end: str = Field(..., description="Local end, HH:MM (at or before start: the next day)")
    template: str = ""
    activities: list[tuple[str, str, str]] = Field(
        default_factory=list, description="(kind, HH:MM, HH:MM): break, lunch, meeting, ..."
    )
    note: str = Field("", max_length=500)


class TemplateRequest(BaseModel):
    name: str = ""
    start_minutes: list[int]
    length_minutes: int
    breaks: list[dict[str, Any]] = Field(default_factory=list)
    cost_per_hour: float = 0.0
    is_active: bool = True


class ContractRequest(BaseModel):
    min_hours_per_week: float = Field(0.0, ge=0)
    max_hours_per_week: float | None = Field(None, ge=0)
    weekdays_off: list[int] = Field(default_factory=list)
    templates: list[str] = Field(default_factory=list)


class TimeOffRequest(BaseModel):
    day: date
    reason: str = Field("", max_length=500)


class SwapRequest(BaseModel):
    shift_id: int
    other_agent: str = Field(..., description="The colleague's agent code")
    other_shift_id: int | None = None
    reason: str = Field("", max_length=500)


class AnswerRequest(BaseModel):
    accept: bool


class DecisionRequest(BaseModel):
    approve: bool
    note: str = Field("", max_length=500)
    force: bool = Field(False, description="Approve even if a labour rule breaks")


class HandoverRequest(BaseModel):
    body: str = Field(..., max_length=10_000)
    for_from: datetime = Field(..., description="Shifts starting from (local when no offset)")
    for_to: datetime
    team: str | None = None
