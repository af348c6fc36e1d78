"""Rolling-origin backtests: refit at each origin on the data before it, score the days after.

For each queue, origin o and model, the model is fitted on the history strictly before o (known
events left out as in a real forecast) and forecasts ``horizon_days`` days from o; each day is
scored against what happened (days missing from the history are skipped). Rows keep sums, so
any grouping can be scored exactly:

- per horizon day (pooled over origins): WAPE = Σ|e| / Σy, bias = Σe / Σy, MASE = Σ|e| over open
  cells ÷ Σ(cells × q_o) with q_o the origin's in-sample seasonal-naive MAE (:mod:`.metrics`);
- per model: the same measures for each origin's whole horizon, averaged over origins.

The model "auto" is scored as it is used: at each origin it chooses among the candidates by a
backtest of its own on the data before that origin (:func:`select_model`), then forecasts.

Backtests compare on the history's own scale: per nominal wall-clock interval, before any
clock-change exposure (see :mod:`.wall_clock`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from .events import KnownEvent, closed_days, day_multipliers, excluded_days
from .intervals import DEFAULT_DISPERSION
from .metrics import open_mask, seasonal_naive_scale
from .models import AUTO_CANDIDATES, FALLBACK_MODEL, MODELS, PRIMARY_MODEL, point_forecast
from .series import FloatArray, History
from .weekly import Horizon

AUTO = "auto"
SELECTION_HORIZON_DAYS = 7
SELECTION_WEEKS = 4


@dataclass(frozen=True)
class BacktestRow:
    """One queue × model × origin × horizon day, as sums over the day's known cells."""

    queue: str
    model: str
    origin: date
    horizon_day: int  # 1 = the origin's own day
    actual_calls: float  # Σy
    abs_error: float  # Σ|ŷ − y|
    error: float  # Σ(ŷ − y)
    open_abs_error: float  # Σ|ŷ − y| over open cells
    open_cells: int
    scale: float  # q: the in-sample seasonal-naive MAE at the origin
    excess_square: float  # Σ[(y − ŷ)² − ŷ] over cells with ŷ > 0 (for the dispersion)
    forecast_square: float  # Σŷ² over the same cells


@dataclass(frozen=True)
class Score:
    """WAPE, MASE and bias of a queue × model (× horizon day when given)."""

    queue: str
    model: str
    horizon_day: int | None
    wape: float
    mase: float
    bias: float
    origins: int


@dataclass(frozen=True)
class BacktestReport:
    rows: tuple[BacktestRow, ...]

    def by_horizon_day(self) -> list[Score]:
        """Scores per queue × model × horizon day, pooled over origins."""
        groups: dict[tuple[str, str, int], list[BacktestRow]] = defaultdict(list)
        for row in self.rows:
            groups[(row.queue, row.model, row.horizon_day)].append(row)
        return [
            _score(queue, model, day, rows, len({r.origin for r in rows}))
            for (queue, model, day), rows in sorted(groups.items())
        ]

    def by_model(self) -> list[Score]:
        """Scores per queue × model: each origin's whole horizon, averaged over origins."""
        groups: dict[tuple[str, str], dict[date, list[BacktestRow]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for row in self.rows:
            groups[(row.queue, row.model)][row.origin].append(row)
        scores = []
        for (queue, model), by_origin in groups.items():
            each = [_score(queue, model, None, rows, 1) for rows in by_origin.values()]
            scores.append(
                Score(
                    queue,
                    model,
                    None,
                    _mean([s.wape for s in each]),
                    _mean([s.mase for s in each]),
                    _mean([s.bias for s in each]),
                    len(each),
                )
            )
        return sorted(scores, key=lambda s: (s.queue, s.model))

    def origin_wapes(self, queue: str, model: str) -> dict[date, float]:
        """WAPE of each origin's whole horizon for ``queue`` × ``model``."""
        groups: dict[date, list[BacktestRow]] = defaultdict(list)
        for row in self.rows:
            if row.queue == queue and row.model == model:
                groups[row.origin].append(row)
        return {o: _score(queue, model, None, rows, 1).wape for o, rows in groups.items()}

    def dispersion(self, queue: str, model: str) -> float | None:
        """φ̂ = max(0, Σ[(y − ŷ)² − ŷ] / Σŷ²) of the model's out-of-sample errors."""
        rows = [r for r in self.rows if r.queue == queue and r.model == model]
        denominator = sum(r.forecast_square for r in rows)
        if denominator <= 0:
            return None
        return max(0.0, sum(r.excess_square for r in rows) / denominator)


def _score(queue: str, model: str, day: int | None, rows: list[BacktestRow], origins: int) -> Score:
    actual = sum(r.actual_calls for r in rows)
    scaled_cells = sum(r.open_cells * r.scale for r in rows)
    nan = float("nan")
    return Score(
        queue,
        model,
        day,
        sum(r.abs_error for r in rows) / actual if actual > 0 else nan,
        sum(r.open_abs_error for r in rows) / scaled_cells if scaled_cells > 0 else nan,
        sum(r.error for r in rows) / actual if actual > 0 else nan,
        origins,
    )


def _mean(values: list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return sum(finite) / len(finite) if finite else float("nan")


def rolling_origins(
    history: History,
    count: int,
    *,
    horizon_days: int = 7,
    step_days: int = 7,
    weekday: int | None = None,
    min_train_days: int = 7,
) -> list[date]:
    """Up to ``count`` origins ``step_days`` apart, the latest last, oldest first.

    The latest origin is ``horizon_days`` before the end of the history (the whole horizon
    is known), or, with ``weekday``, the latest day with that weekday in the history (its
    horizon may run past the end: those days are skipped). Origins leave at least
    ``min_train_days`` days of history before them.
    """
    if weekday is None:
        last = history.end_date - timedelta(days=horizon_days)
    else:
        back = (history.end_date - timedelta(days=1)).weekday() - weekday
        last = history.end_date - timedelta(days=1 + back % 7)
    earliest = history.first_date + timedelta(days=min_train_days)
    origins = [last - timedelta(days=step_days * k) for k in range(count)]
    return sorted(o for o in origins if o >= earliest)


def backtest(
    histories: History | Iterable[History],
    origins: Sequence[date],
    horizon_days: int,
    models: Sequence[str] = tuple(MODELS),
    *,
    events: Sequence[KnownEvent] = (),
) -> BacktestReport:
    """Fit every model at every origin on the data before it; score ``horizon_days`` days."""
    queue_histories = [histories] if isinstance(histories, History) else list(histories)
    unknown = [m for m in models if m not in MODELS and m != AUTO]
    if unknown:
        raise ValueError(f"models: unknown {', '.join(unknown)}; known: {', '.join(MODELS)}")
    rows: list[BacktestRow] = []
    for history in queue_histories:
        for origin in origins:
            rows += _origin_rows(history, origin, horizon_days, models, events)
    return BacktestReport(tuple(rows))


def _origin_rows(
    history: History,
    origin: date,
    horizon_days: int,
    models: Sequence[str],
    events: Sequence[KnownEvent],
) -> list[BacktestRow]:
    train = history.until(origin).without_days(excluded_days(events, history.queue))
    if not train.observed.any():
        return []
    horizon = Horizon(origin, horizon_days, frozenset(closed_days(events, history.queue)))
    actual = history.actual(origin, horizon_days)
    factors = day_multipliers(events, history.queue, origin, horizon_days)
    scale = seasonal_naive_scale(train)
    mask = open_mask(train, horizon.weekdays)
    rows = []
    for model in models:
        chosen = select_model(train, events=events).model if model == AUTO else model
        forecast = point_forecast(chosen, train, horizon) * factors[:, None]
        rows += _day_rows(history.queue, model, origin, actual, forecast, mask, scale)
    return rows


def _day_rows(
    queue: str,
    model: str,
    origin: date,
    actual: FloatArray,
    forecast: FloatArray,
    mask: np.ndarray,
    scale: float,
) -> list[BacktestRow]:
    rows = []
    for offset in range(len(actual)):
        y, f = actual[offset], forecast[offset]
        if np.isnan(y).all():
            continue
        error = f - y
        positive = f > 0
        rows.append(
            BacktestRow(
                queue=queue,
                model=model,
                origin=origin,
                horizon_day=offset + 1,
                actual_calls=float(y.sum()),
                abs_error=float(np.abs(error).sum()),
                error=float(error.sum()),
                open_abs_error=float(np.abs(error[mask[offset]]).sum()),
                open_cells=int(mask[offset].sum()),
                scale=scale,
                excess_square=float((error[positive] ** 2 - f[positive]).sum()),
                forecast_square=float((f[positive] ** 2).sum()),
            )
        )
    return rows


def choose_model(
    report: BacktestReport,
    queue: str,
    candidates: Sequence[str],
    primary: str | None = PRIMARY_MODEL,
) -> str:
    """The candidate with the lowest mean WAPE over origins — if it beats ``primary`` clearly.

    With a handful of origins the best model on paper is often only the luckiest one, so the
    primary model is kept unless the best candidate's paired per-origin WAPE difference
    Δ_o = WAPE_primary(o) − WAPE_best(o) has a mean above one standard error,
    mean(Δ) > sd(Δ)/√n with n ≥ 2 origins (a one-sided paired comparison in the spirit of
    Diebold & Mariano 1995). Without ``primary`` among the candidates, the lowest mean wins;
    ties go to the earlier candidate; without any score (too little history for a
    backtest), the weekday profile.
    """
    by_origin = {m: report.origin_wapes(queue, m) for m in candidates}
    means = {m: _mean(list(w.values())) for m, w in by_origin.items()}
    scored = [m for m in candidates if math.isfinite(means[m])]
    if not scored:
        return FALLBACK_MODEL
    best = min(scored, key=lambda m: (means[m], candidates.index(m)))
    if primary is None or primary not in scored or best == primary:
        return best
    common = [o for o in by_origin[best] if o in by_origin[primary]]
    deltas = np.array([by_origin[primary][o] - by_origin[best][o] for o in common])
    deltas = deltas[np.isfinite(deltas)]
    if len(deltas) < 2:
        return primary
    standard_error = float(deltas.std(ddof=1)) / math.sqrt(len(deltas))
    return best if float(deltas.mean()) > standard_error else primary


@dataclass(frozen=True)
class ModelChoice:
    model: str
    dispersion: float


def select_model(
    history: History,
    model: str = AUTO,
    *,
    candidates: Sequence[str] = AUTO_CANDIDATES,
    backtest_weeks: int = SELECTION_WEEKS,
    step_days: int = 7,
    events: Sequence[KnownEvent] = (),
) -> ModelChoice:
    """The model to use (``model``, or for "auto" the backtest's best) and its dispersion φ.

    ``history`` ends where the forecast starts. The backtest has ``backtest_weeks`` weekly
    origins, one week ahead each; origins need a week of history before them, so with less
    than two weeks there is none and "auto" takes the weekday profile. φ is that backtest's
    (:meth:`BacktestReport.dispersion`), or ``DEFAULT_DISPERSION`` without one.
    """
    if model != AUTO and model not in MODELS:
        raise ValueError(f"model: unknown {model!r}; known: auto, {', '.join(MODELS)}")
    tested = tuple(candidates) if model == AUTO else (model,)
    origins = rolling_origins(
        history,
        backtest_weeks * 7 // step_days,
        horizon_days=SELECTION_HORIZON_DAYS,
        step_days=step_days,
    )
    report = backtest(history, origins, SELECTION_HORIZON_DAYS, tested, events=events)
    chosen = choose_model(report, history.queue, tested) if model == AUTO else model
    phi = report.dispersion(history.queue, chosen)
    return ModelChoice(chosen, DEFAULT_DISPERSION if phi is None else phi)
