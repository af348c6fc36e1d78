"""REST shapes of KPI answers: every figure travels with its definition and parameters."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class KpiDefinition(BaseModel):
    id: str
    name: str = Field(description="Translated display name.")
    short: str
    unit: str = Field(description="count, ratio (0..1), seconds, hours, per_hour, currency, score")
    better: str = Field(description="higher, lower or neutral")
    formula: str
    definition: str
    group: str
    parameters: dict[str, Any] = Field(description="The parameter values this figure used.")


class KpiPeriod(BaseModel):
    first_day: str
    last_day: str
    time_zone: str
    start: str = Field(description="UTC instant the period starts (included).")
    end: str = Field(description="UTC instant the period ends (excluded).")


class KpiResponse(BaseModel):
    period: KpiPeriod
    group_by: list[str]
    interval_minutes: int
    filters: dict[str, list[str]]
    kpis: list[KpiDefinition]
    rows: list[dict[str, Any]] = Field(
        description="One object per group: the group columns, then one value per KPI id "
        "(null where the figure is undefined, e.g. a zero denominator)."
    )
