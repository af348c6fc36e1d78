"""REST: forecasts and backtests of posted history or of the tenant's event log, and the
versioned staffing plan with its overrides."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Query, Request

from contactops.domains.forecasting import service
from contactops.domains.forecasting.schemas import (
    AccuracyResponse,
    BacktestRequest,
    ForecastRequest,
    ForecastResponse,
    HistoryRow,
    OverrideRequest,
    PlanOut,
    PlanRequest,
    PlanSummaryOut,
)
from contactops.platform.auth import Permission, Principal, require
from contactops.platform.errors import InvalidInput
from contactops.platform.i18n import gettext as _
from contactops.platform.web import api_router

router = api_router("/forecasts", "forecasting")
plans = api_router("/plans", "forecasting")


def history_of(
    rows: list[HistoryRow] | None, csv_text: str | None
) -> tuple[service.HistoryRows, list[dict[str, object]]]:
    """The posted history, as rows or CSV text (bad CSV lines are reported, not fatal)."""
    if (rows is None) == (csv_text is None):
        raise InvalidInput("history", _("Send the history as rows or as CSV text, not both."))
    if csv_text is not None:
        parsed, problems = service.read_history_csv(csv_text)
        return parsed, [asdict(p) for p in problems]
    history = service.HistoryRows()
    for row in rows or []:
        history.starts.append(row.start.replace(tzinfo=None))
        history.queues.append(row.queue)
        history.calls.append(row.calls)
        history.aht_s.append(float("nan") if row.aht_s is None else row.aht_s)
    if not history.starts:
        raise InvalidInput("history", _("The history has no usable line."))
    return history, []


@router.post("", response_model=ForecastResponse)
def forecast(
    body: ForecastRequest, _principal: Principal = Depends(require(Permission.VIEW_PLAN))
) -> dict[str, Any]:
    """Forecast every queue of the posted history: calls with a prediction interval and
    handle time per interval, every interval of the horizon (zeros included)."""
    history, skipped = history_of(body.history, body.history_csv)
    if body.time_zone is not None:
        service.check_time_zone(body.time_zone)
    forecasts = service.run_forecasts(
        history, body.start, body.days, body.interval_minutes,
        model=body.model, time_zone=body.time_zone, level=body.level,
        events=[service.parse_event(e) for e in body.events],
    )  # fmt: skip
    return {
        "models": {f.queue: f.model for f in forecasts},
        "rows": service.forecast_table(forecasts),
        "skipped_lines": skipped,
    }


@router.post("/backtest", response_model=AccuracyResponse)
def backtest(
    body: BacktestRequest, _principal: Principal = Depends(require(Permission.VIEW_PLAN))
) -> dict[str, Any]:
    """WAPE, MASE and bias of every model on rolling weekly origins of the posted history."""
    history, _skipped = history_of(body.history, body.history_csv)
    origins, report = service.run_backtest(
        history, body.interval_minutes, weeks=body.weeks, horizon_days=body.horizon_days
    )
    return _accuracy(origins, body.horizon_days, report)


@router.get("/accuracy", response_model=AccuracyResponse)
def accuracy(
    request: Request,
    weeks: int = Query(4, ge=1, le=26, description="Weekly origins to score"),
    history_weeks: int = Query(8, ge=2, le=52, description="Weeks of event log to read"),
    interval_minutes: int = Query(30),
    principal: Principal = Depends(require(Permission.VIEW_PLAN)),
) -> dict[str, Any]:
    """The backtest of the tenant's own queues over its event log."""
    scope = service.Scope.of(principal)
    origins, report = service.event_log_backtest(
        request.app.state.db, scope, weeks=weeks, history_weeks=history_weeks,
        interval_minutes=interval_minutes,
    )  # fmt: skip
    return _accuracy(origins, 7, report)


def _accuracy(origins: list[Any], horizon_days: int, report: Any) -> dict[str, Any]:
    return {
        "origins": origins,
        "horizon_days": horizon_days,
        "rows": [asdict(r) for r in service.accuracy_rows(report)],
    }


@plans.get("", response_model=list[PlanSummaryOut])
def list_plans(
    request: Request, principal: Principal = Depends(require(Permission.VIEW_PLAN))
) -> list[Any]:
    """Every version of the staffing plan, the latest first."""
    return [
        asdict(p) for p in service.list_plans(request.app.state.db, service.Scope.of(principal))
    ]


@plans.post("", response_model=PlanOut, status_code=201)
def create_plan(
    body: PlanRequest,
    request: Request,
    principal: Principal = Depends(require(Permission.EDIT_PLAN)),
) -> Any:
    """Forecast every active queue from the event log and store the staffing it needs
    (required agents by Erlang C on each queue's service-level goal, scheduled after
    shrinkage) as the next version."""
    return asdict(service.create_plan(
        request.app.state.db, service.Scope.of(principal), first_day=body.first_day,
        days=body.days, interval_minutes=body.interval_minutes, model=body.model,
        history_weeks=body.history_weeks, shrinkage=body.shrinkage, note=body.note,
    ))  # fmt: skip


@plans.get("/current", response_model=PlanOut)
def current_plan(
    request: Request, principal: Principal = Depends(require(Permission.VIEW_PLAN))
) -> Any:
    """The latest version: what scheduling works from."""
    return asdict(service.get_plan(request.app.state.db, service.Scope.of(principal)))


@plans.get("/{version}", response_model=PlanOut)
def plan_version(
    version: int, request: Request, principal: Principal = Depends(require(Permission.VIEW_PLAN))
) -> Any:
    return asdict(service.get_plan(request.app.state.db, service.Scope.of(principal), version))


@plans.post("/{version}/overrides", response_model=PlanOut, status_code=201)
def add_override(
    version: int,
    body: OverrideRequest,
    request: Request,
    principal: Principal = Depends(require(Permission.EDIT_PLAN)),
) -> Any:
    """Change the forecast of a queue (or all) over a time range by a percentage, with a
    reason; the staffing is recomputed and stored as the next version (audited)."""
    zone = ZoneInfo(principal.time_zone)
    return asdict(service.add_override(
        request.app.state.db, service.Scope.of(principal), version=version, queue=body.queue,
        starts_at=_aware(body.starts_at, zone), ends_at=_aware(body.ends_at, zone),
        percent=body.percent, reason=body.reason,
    ))  # fmt: skip


def _aware(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


__all__ = ["plans", "router"]
