"""Shapes of the forecasting API: history in, forecasts and accuracy out, plan versions and
overrides. Times of history and forecasts are local wall-clock times of the queue's center;
plan intervals carry their offset."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class HistoryRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: datetime = Field(description="Interval start, local time (an offset is ignored)")
    queue: str = Field(min_length=1, max_length=64)
    calls: float = Field(ge=0)
    aht_s: float | None = Field(None, ge=0, description="Mean handle time, seconds")


class ForecastRequest(BaseModel):
    """History as rows, or as the text of a history CSV (start, queue, calls[, aht_s])."""

    model_config = ConfigDict(extra="forbid")

    history: list[HistoryRow] | None = None
    history_csv: str | None = None
    start: date = Field(description="First day to forecast")
    days: int = Field(7, ge=1, le=92)
    interval_minutes: int = Field(30, description="15, 30 or 60")
    model: str = Field("auto", description="auto, or a model name (see docs/forecasting.md)")
    level: float = Field(0.8, description="Prediction interval level")
    time_zone: str | None = Field(None, description="IANA zone of the times, for DST days")
    events: list[str] = Field(
        default_factory=list,
        description="Special days: DAY (closed) or DAY:MULTIPLIER (1.3 = 30 % more)",
        examples=[["2026-12-25", "2026-11-27:1.4"]],
    )


class ForecastRow(BaseModel):
    start: str
    queue: str
    calls: float
    calls_lo: float
    calls_hi: float
    aht_s: float | None


class ForecastResponse(BaseModel):
    models: dict[str, str]
    rows: list[ForecastRow]
    skipped_lines: list[dict[str, object]] = []


class BacktestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    history: list[HistoryRow] | None = None
    history_csv: str | None = None
    interval_minutes: int = 30
    weeks: int = Field(4, ge=1, le=52)
    horizon_days: int = Field(7, ge=1, le=92)


class AccuracyRowOut(BaseModel):
    queue: str
    model: str
    horizon_day: int | None = Field(description="None: the whole horizon")
    wape: float | None
    mase: float | None
    bias: float | None
    origins: int


class AccuracyResponse(BaseModel):
    origins: list[date]
    horizon_days: int
    rows: list[AccuracyRowOut]


class PlanRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_day: date
    days: int = Field(7, ge=1, le=92)
    interval_minutes: int = 30
    model: str = "auto"
    history_weeks: int = Field(8, ge=1, le=52)
    shrinkage: float = Field(0.3, ge=0, lt=1)
    note: str = Field("", max_length=500)


class OverrideRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    queue: str | None = Field(None, description="None: every queue")
    starts_at: datetime = Field(description="With an offset; a local time takes the tenant's")
    ends_at: datetime
    percent: float = Field(description="+20 raises the calls by a fifth")
    reason: str = Field(min_length=1, max_length=500)


class OverrideOut(BaseModel):
    queue: str | None
    starts_at: datetime
    ends_at: datetime
    percent: float
    reason: str
    created_at: datetime
    created_by: int | None
    version: int


class QueuePlanOut(BaseModel):
    queue: str
    model: str | None
    starts_at: list[datetime]
    forecast_calls: list[float]
    calls: list[float]
    calls_lo: list[float]
    calls_hi: list[float]
    aht_s: list[float]
    required_agents: list[int]
    scheduled_agents: list[int]


class PlanOut(BaseModel):
    version: int
    based_on: int | None
    first_day: date
    days: int
    interval_minutes: int
    time_zone: str
    history_weeks: int
    settings: dict[str, object]
    models: dict[str, str | None]
    note: str
    created_at: datetime
    created_by: int | None
    queues: list[QueuePlanOut]
    overrides: list[OverrideOut]


class PlanSummaryOut(BaseModel):
    version: int
    based_on: int | None
    first_day: date
    days: int
    interval_minutes: int
    note: str
    created_at: datetime
    created_by: int | None
