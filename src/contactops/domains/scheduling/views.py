"""What the scheduling service returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

# --- views -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityView:
    kind: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class ShiftView:
    id: int
    agent_id: int
    agent_code: str
    agent_name: str
    team: str | None
    day: date
    kind: str
    template: str
    starts_at: datetime
    ends_at: datetime
    paid_minutes: int
    note: str
    activities: list[ActivityView]


@dataclass(frozen=True)
class ScheduleSummary:
    version: int
    status: str
    first_day: date
    days: int
    interval_minutes: int
    time_zone: str
    plan_version: int | None
    based_on: int | None
    note: str
    revision: int
    result: dict[str, Any]
    created_at: datetime
    created_by: int | None
    published_at: datetime | None
    published_by: int | None


@dataclass(frozen=True)
class CoverageView:
    """Required (the plan's scheduled agents, all queues) and on-queue agents per interval."""

    starts_at: list[datetime]
    required: list[int]
    scheduled: list[float]

    @property
    def under(self) -> float:
        return float(
            sum(max(r - s, 0.0) for r, s in zip(self.required, self.scheduled, strict=True))
        )

    @property
    def over(self) -> float:
        return float(
            sum(max(s - r, 0.0) for r, s in zip(self.required, self.scheduled, strict=True))
        )


@dataclass(frozen=True)
class RuleProblem:
    rule: str
    agent: str
    day: date | None
    message: str


@dataclass(frozen=True)
class ScheduleView:
    summary: ScheduleSummary
    shifts: list[ShiftView]
    coverage: CoverageView
    problems: list[RuleProblem] = field(default_factory=list)


@dataclass(frozen=True)
class TemplateView:
    code: str
    name: str
    start_minutes: list[int]
    length_minutes: int
    breaks: list[dict[str, Any]]
    cost_per_hour: float
    is_active: bool


@dataclass(frozen=True)
class RequestView:
    id: int
    kind: str
    status: str
    agent_code: str
    agent_name: str
    shift: ShiftView | None
    other_agent_code: str | None
    other_agent_name: str | None
    other_shift: ShiftView | None
    day: date | None
    reason: str
    decision_note: str
    created_at: datetime
    decided_at: datetime | None


@dataclass(frozen=True)
class HandoverView:
    id: int
    author_name: str
    team: str | None
    for_from: datetime
    for_to: datetime
    body: str
    created_at: datetime
    acknowledged_at: datetime | None  # for the agent asking; None: not yet
    readers: list[tuple[str, datetime | None]]  # every agent it is for, with their reading
